//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/ledger"
)

// The API killed under load, end to end: writing clients post usage
// receipts, each with an Idempotency-Key of its own, through a
// grantledger-api process this test runs on an idempotency store of its
// own; the process is killed (SIGKILL) several times while requests are in
// flight and started again on the same store. Most of a POST's time is the
// wait for its commit, so most kills land between a transaction's submit
// and its commit. Every request whose answer was lost (the connection
// broke, or a 5xx) is sent again with its key until it is answered; the
// answer must be the one the first run would have given: 201, or (every
// receipt updates the grant's usage, so the writers' transactions
// invalidate each other's reads) a 409 for read conflicts lost on every
// attempt with nothing recorded; never a 409 for a receipt the lost run
// recorded. Nothing may be recorded twice. The test logs, and checks:
//
//	faults: api-killed acknowledged=N recorded=N lost=N doubled=N

// crashWriters is how many clients post receipts at once.
const crashWriters = 8

// crashKills is how many times the API is killed.
const crashKills = 4

// TestAPICrash runs the load and the kills, then counts the receipts on
// the ledger (countReceipts).
func TestAPICrash(t *testing.T) {
	p := newAPIProcess(t, "crash")
	runPhases(t,
		phase{"grant in force for the load", p.crashGrantInForce},
		phase{"API killed under load, restarted on its store", func(t *testing.T) {
			proc := startCrashAPI(t, p.operator)
			load := startCrashLoad(t, p, proc)
			load.waitAnswered(t, 5, time.Minute, "before the first kill")
			for kill := 1; kill <= crashKills; kill++ {
				// Let requests pile up between submit and commit: a
				// POST waits about two seconds for its commit.
				time.Sleep(time.Duration(1500+rand.IntN(1500)) * time.Millisecond)
				inFlight := load.inFlight.Load()
				proc.sigkill(t)
				downAt := time.Now()
				time.Sleep(time.Duration(200+rand.IntN(800)) * time.Millisecond)
				proc.start(t)
				t.Logf("kill %d: %d requests in flight; the API answered again %s after the kill", kill, inFlight, time.Since(downAt).Round(time.Millisecond))
			}
			load.waitAnswered(t, load.answeredCount()+5, 2*time.Minute, "after the last restart")
			load.stop()
			proc.sigterm(t)

			sent, acked, readConflicts, resumed, problems := load.results()
			tally := countReceipts(t, p.regulator, p.operator, p.grant, sent, acked)
			t.Logf("faults: api-killed acknowledged=%d recorded=%d lost=%d doubled=%d", tally.acknowledged, tally.recorded, tally.lost, tally.doubled)
			t.Logf("api-killed: %d receipts sent by %d writers over %d runs of the API (%d SIGKILLs); answers, retries included: %v; answered from a reservation that outlived a kill: %d (with a transaction sent again: %d); answered 409 for read conflicts lost on every attempt: %d",
				len(sent), crashWriters, proc.runs, crashKills, load.answerKinds(), resumed[0]+resumed[1], resumed[1], len(readConflicts))
			if tally.lost != 0 {
				t.Errorf("%d acknowledged receipts are not on the ledger: %v", tally.lost, tally.lostIDs)
			}
			if tally.doubled != 0 {
				t.Errorf("doubled %d: %s", tally.doubled, tally.doubledWhy)
			}
			if len(problems) > 0 {
				t.Errorf("answers no receipt of the load should get (a lost answer must come back as it was, never a 409 for what the lost run recorded): %v", problems)
			}
			for id := range readConflicts {
				if tally.recordedIDs[id] {
					t.Errorf("receipt %s was answered 409 for a lost read conflict, yet the ledger holds it", id)
				}
			}
			if answered := len(acked) + len(readConflicts); answered != len(sent) {
				t.Errorf("answered %d of %d receipts sent: every request must end answered", answered, len(sent))
			}
			if resumed[1] == 0 {
				t.Error("no retried key was answered from a persisted reservation with its transaction sent again (Idempotent-Resumed ≥ 1): the kills did not test what they should")
			}
		}},
	)
}

// crashGrantInForce puts the run's grant over both datasets in force with
// a quota no load reaches, and registers the attestor that signs the
// load's receipts.
func (p *apiProcess) crashGrantInForce(t *testing.T) {
	p.parties(t)
	p.catalogue(t, p.visits, p.loans)
	p.apply(t, p.visits, p.loans)
	p.issue(t, ledger.Quota{Records: 1 << 40, Calls: 1 << 40}, p.visits, p.loans)
	p.approve(t, p.health, "grant.approved", ledger.GrantProposed)
	p.approve(t, p.market, "grant.activated", ledger.GrantActive)
	p.sign(t)
	p.registerAttestor(t)
	// Receipts are stamped with the first second the grant is usable.
	time.Sleep(time.Until(p.usable.Add(time.Second)))
}

// crashAPI is a grantledger-api process for one organisation that the test
// starts, kills and starts again, always on the same port and the same
// idempotency store, with the network's token file for the organisation.
type crashAPI struct {
	org      *apiOrg
	bin, dir string
	addr     string
	store    string
	cmd      *exec.Cmd
	log      *os.File
	exited   chan error
	runs     int
}

// startCrashAPI builds cmd/grantledger-api and starts it for o.
func startCrashAPI(t *testing.T, o *apiOrg) *crashAPI {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "grantledger-api")
	build := exec.Command("go", "build", "-o", bin, "./cmd/grantledger-api")
	build.Dir = os.Getenv("GRANTLEDGER_ROOT")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/grantledger-api: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	a := &crashAPI{org: o, bin: bin, dir: dir, addr: addr, store: filepath.Join(dir, "idempotency.db")}
	t.Cleanup(func() {
		if a.cmd != nil {
			_ = a.cmd.Process.Kill()
			<-a.exited
		}
	})
	a.start(t)
	return a
}

// url is the base URL of the process.
func (a *crashAPI) url() string { return "http://" + a.addr }

// start starts the process and waits until /readyz answers 200.
func (a *crashAPI) start(t *testing.T) {
	t.Helper()
	a.runs++
	log, err := os.Create(filepath.Join(a.dir, fmt.Sprintf("api-%d.log", a.runs)))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(a.bin, "serve", "-profile", shared.net.ProfilePath(), "-org", a.org.msp,
		"-tokens", filepath.Join(shared.net.APIDir(a.org.name), "tokens.json"),
		"-listen", a.addr, "-idempotency-file", a.store)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start grantledger-api: %v", err)
	}
	a.cmd, a.log = cmd, log
	a.exited = make(chan error, 1)
	go func() { a.exited <- cmd.Wait() }()
	eventually(t, time.Minute, "grantledger-api run "+strconv.Itoa(a.runs)+" ready", func() error {
		select {
		case err := <-a.exited:
			a.exited <- err
			raw, _ := os.ReadFile(log.Name())
			t.Fatalf("grantledger-api run %d exited: %v\n%s", a.runs, err, raw)
		default:
		}
		res, err := http.Get(a.url() + "/readyz")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz: %d", res.StatusCode)
		}
		return nil
	})
}

// sigkill kills the process as a crash would.
func (a *crashAPI) sigkill(t *testing.T) {
	t.Helper()
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill grantledger-api run %d: %v", a.runs, err)
	}
	if err := <-a.exited; err == nil {
		t.Fatalf("grantledger-api run %d exited cleanly before it was killed; log %s", a.runs, a.log.Name())
	}
	a.cmd = nil
	_ = a.log.Close()
}

// sigterm stops the process and wants a clean exit.
func (a *crashAPI) sigterm(t *testing.T) {
	t.Helper()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop grantledger-api: %v", err)
	}
	select {
	case err := <-a.exited:
		if err != nil {
			t.Errorf("grantledger-api run %d after SIGTERM: %v; log %s", a.runs, err, a.log.Name())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("grantledger-api run %d still running 30s after SIGTERM", a.runs)
		_ = a.cmd.Process.Kill()
		<-a.exited
	}
	a.cmd = nil
	_ = a.log.Close()
}

// crashLoad is the writing clients: each posts receipts of one record on
// the run's grant, one after another, each with its own Idempotency-Key,
// and sends a receipt again with the same key until it is answered: a
// transport error (the API was killed, or is down), a 5xx and a 409
// idempotency_key_in_progress are no answer.
type crashLoad struct {
	p    *apiProcess
	proc *crashAPI
	hc   *http.Client
	// inFlight counts the requests sent and not yet answered.
	inFlight atomic.Int64
	stopping chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once

	mu       sync.Mutex
	sent     []string
	acked    map[string]bool
	answered int
	kinds    map[string]int // each kind of answer, retries included
	// resumed counts the 201s marked Idempotent-Resumed: [0] with no
	// transaction recorded by the lost run, [1] with some, sent again.
	resumed [2]int
	// readConflicts lists the receipts answered 409 for read conflicts
	// lost on every attempt.
	readConflicts map[string]bool
	problems      []string
}

func startCrashLoad(t *testing.T, p *apiProcess, proc *crashAPI) *crashLoad {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &crashLoad{p: p, proc: proc, cancel: cancel, stopping: make(chan struct{}),
		hc:    &http.Client{Timeout: 45 * time.Second}, // over the API's 30 s deadline
		acked: map[string]bool{}, kinds: map[string]int{}, readConflicts: map[string]bool{}}
	for w := range crashWriters {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.stopping:
					return
				case <-ctx.Done():
					return
				default:
				}
				l.send(ctx, p.id(fmt.Sprintf("k%d-%d", w, i)))
			}
		})
	}
	t.Cleanup(func() {
		cancel()
		l.wg.Wait()
	})
	return l
}

// send posts one receipt until it is answered, or two minutes pass.
func (l *crashLoad) send(ctx context.Context, id string) {
	body, err := json.Marshal(l.p.receiptBody(l.p.statement(id, 1)))
	if err != nil {
		l.problem("encode receipt %s: %v", id, err)
		return
	}
	l.mu.Lock()
	l.sent = append(l.sent, id)
	l.mu.Unlock()
	deadline := time.Now().Add(2 * time.Minute)
	for ctx.Err() == nil {
		status, header, eb, err := l.post(ctx, "crash-"+id, body)
		kind := fmt.Sprintf("%d %s", status, eb.Code)
		if err != nil {
			kind = "no answer"
		}
		l.mu.Lock()
		l.kinds[kind]++
		switch {
		case err != nil, status >= 500, status == http.StatusConflict && eb.Code == "idempotency_key_in_progress":
			// Not answered: the same key again.
		case status == http.StatusCreated:
			l.acked[id] = true
			l.answered++
			if n, err := strconv.Atoi(header.Get("Idempotent-Resumed")); err == nil {
				l.resumed[min(n, 1)]++
			}
			l.mu.Unlock()
			return
		case status == http.StatusConflict && eb.Code == "conflict" && lostReadConflict.MatchString(eb.Message):
			// Every receipt updates the grant's usage, so the writers'
			// transactions invalidate each other's reads; one that lost
			// on every attempt the client makes is answered 409 and
			// recorded nothing (countReceipts checks), as it would
			// without a kill. A 409 for a receipt that exists is what a
			// second run of a request would get: a problem.
			l.readConflicts[id] = true
			l.answered++
			l.mu.Unlock()
			return
		default:
			l.problems = append(l.problems, fmt.Sprintf("receipt %s: %d %s %s", id, status, eb.Code, eb.Message))
			l.answered++
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		if time.Now().After(deadline) {
			l.problem("receipt %s: no answer within two minutes", id)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// post sends one receipt with its key and returns the status, the
// headers and, for errors, the error body.
func (l *crashLoad) post(ctx context.Context, key string, body []byte) (int, http.Header, api.ErrorBody, error) {
	var eb api.ErrorBody
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.proc.url()+"/v1/receipts", bytes.NewReader(body))
	if err != nil {
		return 0, nil, eb, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.proc.org.tokens["User1"])
	req.Header.Set("Idempotency-Key", key)
	l.inFlight.Add(1)
	defer l.inFlight.Add(-1)
	res, err := l.hc.Do(req)
	if err != nil {
		return 0, nil, eb, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, eb, err
	}
	if res.StatusCode >= 300 {
		_ = json.Unmarshal(raw, &eb)
	}
	return res.StatusCode, res.Header, eb, nil
}

func (l *crashLoad) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *crashLoad) answeredCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.answered
}

// waitAnswered waits until n receipts in all have been answered.
func (l *crashLoad) waitAnswered(t *testing.T, n int, timeout time.Duration, when string) {
	t.Helper()
	eventually(t, timeout, fmt.Sprintf("%d receipts answered %s", n, when), func() error {
		if got := l.answeredCount(); got < n {
			return fmt.Errorf("%d so far; answers %v", got, l.answerKinds())
		}
		return nil
	})
}

// stop asks the writers to end once the receipt each is sending is
// answered, and waits for them.
func (l *crashLoad) stop() {
	l.stopOnce.Do(func() { close(l.stopping) })
	l.wg.Wait()
	l.cancel()
}

func (l *crashLoad) answerKinds() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.kinds)
}

func (l *crashLoad) results() (sent []string, acked, readConflicts map[string]bool, resumed [2]int, problems []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.sent), maps.Clone(l.acked), maps.Clone(l.readConflicts), l.resumed, slices.Clone(l.problems)
}

// lostReadConflict matches the message of a 409 for a transaction
// invalidated by a read conflict (client.classify).
var lostReadConflict = regexp.MustCompile(`^transaction [0-9a-f]+ was invalidated: (MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT)$`)

// receiptTally is a load's receipts counted against the ledger.
type receiptTally struct {
	// acknowledged: the receipts answered 201; recorded: the receipts
	// sent that the ledger holds; lost: acknowledged but not recorded;
	// doubled: a receipt listed twice under the grant, plus the calls the
	// grant's usage counts beyond the receipts listed.
	acknowledged, recorded, lost, doubled int
	recordedIDs                           map[string]bool
	lostIDs                               []string
	doubledWhy                            string
}

// countReceipts counts the receipts sent (their IDs) and acknowledged on
// grant against the ledger, as reader's API reads it once reader's peer
// has every block writer's peer has: recorded are the receipts sent that
// GET /v1/receipts/{id} finds (of one record, under grant); lost the
// acknowledged ones it does not; doubled a receipt ID listed twice under
// the grant (GET /v1/receipts?grant=), or the grant's usage counting more
// calls than receipts are listed. A receipt found twice, or a usage that
// disagrees, is what a request run twice would leave.
func countReceipts(t *testing.T, reader, writer *apiOrg, grant string, sent []string, acked map[string]bool) receiptTally {
	t.Helper()
	want := peerHeight(t, writer.name, "peer0")
	eventually(t, time.Minute, reader.msp+"'s peer catches up with "+writer.msp+"'s", func() error {
		if h := peerHeight(t, reader.name, "peer0"); h < want {
			return fmt.Errorf("height %d, want %d", h, want)
		}
		return nil
	})
	var c receiptTally
	c.acknowledged = len(acked)
	recorded := map[string]bool{}
	for _, id := range sent {
		a := reader.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + url.PathEscape(id)})
		switch a.status {
		case http.StatusOK:
			var r ledger.Receipt
			a.want(t, http.StatusOK, &r)
			if r.ID != id || r.GrantID != grant || r.Records != 1 {
				t.Errorf("receipt %s on the ledger: got %s of %d records under %s, want 1 record under %s", id, r.ID, r.Records, r.GrantID, grant)
			}
			recorded[id] = true
		case http.StatusNotFound:
		default:
			t.Fatalf("%s: want 200 or 404", a)
		}
	}
	c.recorded, c.recordedIDs = len(recorded), recorded
	for id := range acked {
		if !recorded[id] {
			c.lostIDs = append(c.lostIDs, id)
		}
	}
	slices.Sort(c.lostIDs)
	c.lost = len(c.lostIDs)

	listed := map[string]int{}
	for bookmark, first := "", true; first || bookmark != ""; first = false {
		var pg page[ledger.Receipt]
		reader.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts?grant=" + url.QueryEscape(grant) + "&pageSize=100&bookmark=" + url.QueryEscape(bookmark)}).
			want(t, http.StatusOK, &pg)
		for _, r := range pg.Items {
			listed[r.ID]++
		}
		bookmark = pg.Bookmark
	}
	var twice []string
	for id, n := range listed {
		if n > 1 {
			twice = append(twice, id)
			c.doubled += n - 1
		}
	}
	var u ledger.Usage
	reader.do(t, apiRequest{method: http.MethodGet, path: "/v1/grants/" + url.PathEscape(grant) + "/usage"}).want(t, http.StatusOK, &u)
	if extra := int(u.Calls) - len(listed); extra > 0 {
		c.doubled += extra
	}
	slices.Sort(twice)
	c.doubledWhy = fmt.Sprintf("listed twice %v; usage counts %d calls for %d receipts listed", twice, u.Calls, len(listed))
	var notListed []string
	for id := range recorded {
		if listed[id] == 0 {
			notListed = append(notListed, id)
		}
	}
	if len(notListed) > 0 {
		t.Errorf("receipts read but not listed under %s: %v", grant, notListed)
	}
	return c
}
