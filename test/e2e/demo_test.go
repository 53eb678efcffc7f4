//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
		regexp.MustCompile(`(?m)^done: run \S+, \d+ steps$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("demo output has no line matching %s", want)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("demo output:\n%s", strings.TrimSpace(text))
	}
}
