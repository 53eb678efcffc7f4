//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
)

// TestEventFollowerExactlyOnceAcrossKills runs cmd/glevents as a
// subprocess while the authority registers participants, one event each,
// from four goroutines. It SIGKILLs the follower several times while
// events are being committed and while it works through the backlog left
// by its downtime, restarting it on the same output and checkpoint files
// each time. The output must then list every event the ledger holds up to
// its last line exactly once, in ledger order, as read independently from
// a peer, and hold every registration the producers committed; and each
// restart must have resumed from the checkpoint, with at most the one
// unacknowledged event delivered again.
func TestEventFollowerExactlyOnceAcrossKills(t *testing.T) {
	const (
		kills   = 10
		workers = 4
	)
	run := runID("", time.Now())
	dir := filepath.Join(os.Getenv("GLNET_STATE"), "glevents-"+run)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		} else {
			t.Logf("follower files and logs kept in %s", dir)
		}
	})
	bin := buildGlevents(t, dir)
	f := &eventFollower{t: t, bin: bin, dir: dir,
		output: filepath.Join(dir, "events.jsonl"), checkpoint: filepath.Join(dir, "events.checkpoint")}
	t.Cleanup(f.kill)

	regs := startRegistrations(t, run, workers)
	// Let a backlog build, then start, kill mid-stream and restart.
	eventually(t, 60*time.Second, "the first 20 registrations commit", func() error {
		if n := regs.count(); n < 20 {
			return fmt.Errorf("%d committed", n)
		}
		return nil
	})
	f.killRepeatedly(kills)
	f.start()
	time.Sleep(2 * time.Second)
	regs.stop()
	if t.Failed() {
		t.FailNow()
	}
	want := regs.committed()

	// The last run catches up, then stops cleanly.
	eventually(t, 2*time.Minute, fmt.Sprintf("the output holds the %d registrations", len(want)), func() error {
		have := make(map[string]bool)
		for _, r := range f.records() {
			have[r.ID] = true
		}
		for _, id := range want {
			if !have[id] {
				return fmt.Errorf("%s missing", id)
			}
		}
		return nil
	})
	f.sigterm()

	got := f.records()
	ledgerEvents := readChaincodeEvents(t, got[len(got)-1])
	dups, misses, extras := compareEvents(t, got, ledgerEvents)
	registered := make(map[string]int)
	for _, r := range got {
		if r.Name == "participant.registered" {
			registered[r.ID]++
		}
	}
	for _, id := range want {
		if n := registered[id]; n != 1 {
			t.Errorf("registration %s: got %d lines, want 1", id, n)
		}
	}
	// A restart resumes from the checkpoint: only the one event delivered
	// but not yet acknowledged at the kill comes again.
	if n := f.redelivered(); n > kills {
		t.Errorf("redelivered events over %d restarts: got %d, want at most one per restart", kills, n)
	}
	t.Logf("%d registrations committed; %d events on the ledger up to the follower's last (block %d); %d lines written over %d runs (%d SIGKILLs); torn lines found after a kill: %s; redelivered events dropped: %d; duplicates %d, misses %d, extras %d",
		len(want), len(ledgerEvents), got[len(got)-1].Block, len(got), f.runs, kills, f.tornTails(), f.redelivered(), dups, misses, extras)
}

// registrations registers participants of the run, one event each, from
// several goroutines as the authority's Admin, until stopped.
type registrations struct {
	mu       sync.Mutex
	produced []string // the registrations committed, in the order they did
	stop     func()   // stops the producers and waits for them, once
}

// startRegistrations starts workers producers of unique registrations,
// which stop with the test at the latest.
func startRegistrations(t *testing.T, run string, workers int) *registrations {
	authority := connect(t, "AuthorityMSP", "Admin")
	r := &registrations{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				msp := fmt.Sprintf("EvFollow%s-%d-%d", run, w, i)
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				_, err := authority.RegisterParticipant(ctx, ledger.ParticipantRequest{MSP: msp, Role: ledger.RoleDeveloper, Name: "event follower test " + msp})
				cancel()
				if err != nil {
					t.Errorf("register %s: %v", msp, err)
					return
				}
				r.mu.Lock()
				r.produced = append(r.produced, msp)
				r.mu.Unlock()
			}
		}()
	}
	r.stop = sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(r.stop)
	return r
}

// count returns how many registrations have committed.
func (r *registrations) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.produced)
}

// committed returns the registrations that have committed.
func (r *registrations) committed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.produced...)
}

// eventFollower runs glevents on one output and checkpoint, one process
// (and log file) after another.
type eventFollower struct {
	t                  *testing.T
	bin, dir           string
	output, checkpoint string
	cmd                *exec.Cmd
	log                *os.File
	exited             chan error // the running process's Wait result
	runs               int
	tornAtKill         int
}

// buildGlevents compiles cmd/glevents into dir.
func buildGlevents(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "glevents")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/glevents")
	cmd.Dir = os.Getenv("GRANTLEDGER_ROOT")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/glevents: %v\n%s", err, out)
	}
	return bin
}

func (f *eventFollower) start() {
	f.t.Helper()
	f.runs++
	log, err := os.Create(filepath.Join(f.dir, fmt.Sprintf("glevents-%d.log", f.runs)))
	if err != nil {
		f.t.Fatal(err)
	}
	cmd := exec.Command(f.bin, "-profile", shared.net.ProfilePath(), "-org", "regulator", "-user", "User1",
		"-output", f.output, "-checkpoint", f.checkpoint)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		f.t.Fatalf("start glevents: %v", err)
	}
	f.cmd, f.log = cmd, log
	f.exited = make(chan error, 1)
	go func() { f.exited <- cmd.Wait() }()
}

// killRepeatedly starts the follower and SIGKILLs it as soon as it is
// writing (it has a backlog: the events committed while it was down), a
// little later some times, then leaves it down a while so that events pile
// up for the next run; kills times.
func (f *eventFollower) killRepeatedly(kills int) {
	f.t.Helper()
	for range kills {
		f.start()
		f.waitForWrite(60 * time.Second)
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		f.sigkill()
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
	}
}

// sigkill kills the running follower and notes whether it left a torn line.
func (f *eventFollower) sigkill() {
	f.t.Helper()
	if err := f.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		f.t.Fatalf("kill glevents run %d: %v", f.runs, err)
	}
	if err := <-f.exited; err == nil {
		f.t.Fatalf("glevents run %d exited cleanly before it was killed; log %s", f.runs, f.log.Name())
	}
	f.cmd = nil
	_ = f.log.Close()
	if raw, err := os.ReadFile(f.output); err == nil && len(raw) > 0 && raw[len(raw)-1] != '\n' {
		f.tornAtKill++
	}
}

// sigterm stops the running follower and wants a clean exit.
func (f *eventFollower) sigterm() {
	f.t.Helper()
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		f.t.Fatalf("stop glevents: %v", err)
	}
	select {
	case err := <-f.exited:
		if err != nil {
			f.t.Errorf("glevents run %d after SIGTERM: %v; log %s", f.runs, err, f.log.Name())
		}
	case <-time.After(30 * time.Second):
		f.t.Errorf("glevents run %d still running 30s after SIGTERM", f.runs)
		f.kill()
	}
	f.cmd = nil
	_ = f.log.Close()
}

// kill ends the running follower, if any.
func (f *eventFollower) kill() {
	if f.cmd != nil {
		_ = f.cmd.Process.Kill()
		<-f.exited
		f.cmd = nil
	}
}

// waitForWrite returns as soon as the output grows past its size at the
// call: the running follower is writing.
func (f *eventFollower) waitForWrite(timeout time.Duration) {
	f.t.Helper()
	size := func() int64 {
		st, err := os.Stat(f.output)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	before := size()
	for deadline := time.Now().Add(timeout); size() <= before; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			f.t.Fatalf("glevents run %d wrote nothing in %s; log %s", f.runs, timeout, f.log.Name())
		}
	}
}

// followerRecord is one line of glevents' output.
type followerRecord struct {
	Block  uint64 `json:"block"`
	TxID   string `json:"txId"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	ID     string `json:"id"`
	Change string `json:"change"`
}

func (r followerRecord) String() string {
	return fmt.Sprintf("%d/%s %s %s", r.Block, r.TxID, r.Name, r.ID)
}

// records parses the complete lines of the output.
func (f *eventFollower) records() []followerRecord {
	f.t.Helper()
	raw, err := os.ReadFile(f.output)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []followerRecord
	for i, line := range strings.Split(string(raw), "\n") {
		if line == "" {
			continue
		}
		var r followerRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			f.t.Fatalf("output line %d: %v: %q", i+1, err, line)
		}
		out = append(out, r)
	}
	return out
}

// tornTails counts the kills after which the output ended in a torn line,
// as seen right after the kill and as the next run reported removing it.
func (f *eventFollower) tornTails() string {
	return fmt.Sprintf("%d (removed at restart: %d)", f.tornAtKill, f.logCount("removed the torn last line"))
}

// redelivered counts the events the runs dropped as already written.
func (f *eventFollower) redelivered() int {
	return f.logCount("skipped redelivered event")
}

func (f *eventFollower) logCount(msg string) int {
	n := 0
	for i := 1; i <= f.runs; i++ {
		raw, _ := os.ReadFile(filepath.Join(f.dir, fmt.Sprintf("glevents-%d.log", i)))
		n += strings.Count(string(raw), msg)
	}
	return n
}

// readChaincodeEvents reads the contract's events from the first block
// straight from a peer's gateway, up to and including the event at last's
// position.
func readChaincodeEvents(t *testing.T, last followerRecord) []followerRecord {
	t.Helper()
	c := connect(t, "HealthMSP", "User1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	events, err := c.Network().ChaincodeEvents(ctx, shared.profile.Chaincode, gateway.WithStartBlock(0))
	if err != nil {
		t.Fatalf("read chaincode events: %v", err)
	}
	var out []followerRecord
	for ev := range events {
		var p struct {
			Type   string `json:"type"`
			ID     string `json:"id"`
			Change string `json:"change"`
		}
		_ = json.Unmarshal(ev.Payload, &p)
		out = append(out, followerRecord{Block: ev.BlockNumber, TxID: ev.TransactionID, Name: ev.EventName, Type: p.Type, ID: p.ID, Change: p.Change})
		if ev.BlockNumber > last.Block || ev.TransactionID == last.TxID {
			return out
		}
	}
	t.Fatalf("the ledger's events ended (%v) before the follower's last event %s; read %d", ctx.Err(), last, len(out))
	return nil
}

// compareEvents wants got to list exactly the events of want, in order,
// and counts the events got repeats, misses and adds.
func compareEvents(t *testing.T, got, want []followerRecord) (dups, misses, extras int) {
	t.Helper()
	seen := make(map[string]int)
	for _, r := range got {
		seen[r.TxID]++
	}
	inLedger := make(map[string]bool)
	for _, r := range want {
		inLedger[r.TxID] = true
		if seen[r.TxID] == 0 {
			misses++
			t.Errorf("missed: %s", r)
		}
	}
	for _, r := range got {
		if !inLedger[r.TxID] {
			extras++
			t.Errorf("not on the ledger: %s", r)
		}
	}
	for tx, n := range seen {
		if n > 1 {
			dups += n - 1
			t.Errorf("transaction %s: got %d lines, want 1", tx, n)
		}
	}
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || got[i] != want[i] {
			g, w := "nothing", "nothing"
			if i < len(got) {
				g = got[i].String()
			}
			if i < len(want) {
				w = want[i].String()
			}
			t.Errorf("event %d of %d: got %s, want %s", i+1, len(want), g, w)
			break
		}
	}
	return dups, misses, extras
}
