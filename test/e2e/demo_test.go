//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDemoScript runs scripts/demo.sh, the README's way to see grantledger
// work, against the network under test, so that the demo stays true: every
// step must answer the status it expects, the run must reach its end, and
// its lines must show the grant activated, the product listed, the
// provenance read and the product marked by the revocation.
func TestDemoScript(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(os.Getenv("GRANTLEDGER_ROOT"), "scripts", "demo.sh"),
		"-p", shared.net.ProfilePath(), "-t", filepath.Dir(shared.net.APIDir("authority")))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/demo.sh: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`POST /v1/grants/\S+/approve\s+200\s+grant \S+ active`),
		regexp.MustCompile(`POST /v1/agreements/\S+/sign\s+200\s+agreement \S+ in-force`),
		regexp.MustCompile(`POST /v1/batches\s+201\s+batch \S+: 3 receipts`),
		regexp.MustCompile(`proof of \S+: valid true`),
		regexp.MustCompile(`POST /v1/products/\S+/list\s+200\s+product \S+ listing-requested`),
		regexp.MustCompile(`exchange\s+→ POST /v1/products/\S+/listing/confirm\s+200\s+product \S+ listed as HZDE-\S+ by ExchangeMSP`),
		regexp.MustCompile(`GET\s+/v1/products/\S+/provenance\s+200\s+\S+ ← receipts \S+`),
		regexp.MustCompile(`POST /v1/incidents\s+201\s+incident \S+ on grant \S+: major, reported, reported late by `),
		regexp.MustCompile(`POST /v1/incidents/\S+/decide\s+200\s+incident \S+ \S+: rectify`),
		regexp.MustCompile(`incidents on the path of \S+: inc-\S+ \(closed, reported late\)`),
		regexp.MustCompile(`POST /v1/grants/\S+/revoke\s+200\s+grant \S+ revoked`),
		regexp.MustCompile(`product \S+ delisted, marked: revoked`),
		regexp.MustCompile(`POST /v1/receipts\s+422\s+refused: `),
		regexp.MustCompile(`PUT\s+/v1/grants/\S+/fee-schedule\s+200\s+fee schedule of \S+: 2 fen a record, 50 a call, 10000 a month, to PlatformMSP`),
		regexp.MustCompile(`POST /v1/fee-statements/\S+/confirm\s+200\s+fee statement \S+ paid`),
		regexp.MustCompile(`POST /v1/fee-statements/\S+/acknowledge\s+200\s+fee statement \S+ acknowledged`),
		regexp.MustCompile(`(?m)^done: run \S+, \d+ steps$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("demo output has no line matching %s", want)
		}
	}
	wantFeeStatementOfUsage(t, text)
	if t.Failed() || testing.Verbose() {
		t.Logf("demo output:\n%s", strings.TrimSpace(text))
	}
}

// wantFeeStatementOfUsage checks the demo's fee statement against the
// grant's use the demo read before: the statement, summed by the contract
// from the month's usage rows, must count the records and calls of the
// grant's usage counter (no receipt was accepted after it), priced by the
// schedule (2 fen a record, 50 a call, 10000 a month).
func wantFeeStatementOfUsage(t *testing.T, text string) {
	t.Helper()
	usage := regexp.MustCompile(`grant \S+ used (\d+) records in (\d+) calls`).FindStringSubmatch(text)
	stated := regexp.MustCompile(`fee statement \S+ of \d{4}-\d{2}: (\d+) receipts, (\d+) records, (\d+) calls = (\d+) \+ (\d+) \+ (\d+) = (\d+) fen`).FindStringSubmatch(text)
	if usage == nil || stated == nil {
		t.Errorf("demo output: got usage line %q and statement line %q, want both", usage, stated)
		return
	}
	n := func(s string) uint64 {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("demo output: %q is not a count: %v", s, err)
		}
		return v
	}
	records, calls := n(usage[1]), n(usage[2])
	if n(stated[2]) != records || n(stated[3]) != calls {
		t.Errorf("fee statement: got %s records and %s calls, want the grant's usage, %d records in %d calls", stated[2], stated[3], records, calls)
	}
	if n(stated[4]) != 2*records || n(stated[5]) != 50*calls || n(stated[6]) != 10000 || n(stated[7]) != 2*records+50*calls+10000 {
		t.Errorf("fee statement amounts: got %s + %s + %s = %s fen, want %d + %d + 10000 = %d", stated[4], stated[5], stated[6], stated[7],
			2*records, 50*calls, 2*records+50*calls+10000)
	}
}
