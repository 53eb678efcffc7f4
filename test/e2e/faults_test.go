//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/ledger"
	"github.com/grantledger/grantledger/network"
)

// Faults under load, end to end: while writing clients post usage receipts
// through an API, one process of the network is killed or stopped; once it
// is back, every receipt sent is looked up on the ledger and the test
// reports, and checks, how many the clients saw acknowledged (201), how
// many the ledger recorded, how many acknowledged ones it lacks (lost) and
// how many it counted twice (doubled):
//
//	faults: <name> acknowledged=N recorded=N lost=N doubled=N
//
// These tests kill and stop the network's processes, yet run early (go
// test runs a package's tests in the order of their files' names, and
// this file sorts before most). So each puts back what it stopped, in
// t.Cleanup as well as on its normal path, and waits until the network
// endorses again: the tests that follow need the whole network.

// faultWriters is how many clients write receipts at once.
const faultWriters = 8

// receiptDeadline bounds how long a writer keeps retrying one receipt
// after 5xx answers and transport errors.
const receiptDeadline = 2 * time.Minute

// TestFaultsChaincodeKilled kills (SIGKILL) the operator's chaincode
// service while eight clients write receipts through the operator's API,
// leaves it down for a while and restarts it. The operator's gateway
// endorses on its own peer first, so every write meets the dead service
// (the API answers 502 until it is back) and the clients retry. No
// acknowledged receipt may be missing from the ledger and none may be
// counted twice; writes are acknowledged again once the service is back.
func TestFaultsChaincodeKilled(t *testing.T) {
	p := newAPIProcess(t, "fcc")
	runPhases(t,
		phase{"grant in force for the load", p.loadGrantInForce},
		phase{"chaincode service killed under load", func(t *testing.T) {
			org := p.operator.name
			name, err := shared.net.ChaincodeProcess(org)
			ok(t, err, "the chaincode process of %s", org)
			load := startReceiptLoad(t, p, p.operator, faultWriters)
			load.waitAcks(t, time.Time{}, 10, time.Minute, "before the fault")

			pid, err := shared.net.PID(name)
			ok(t, err, "pid of %s", name)
			restarted := false
			t.Cleanup(func() {
				if !restarted {
					restartChaincode(t, org)
				}
			})
			killedAt := time.Now()
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill %s (pid %d): %v", name, pid, err)
			}
			eventually(t, 10*time.Second, name+" exits", func() error {
				if _, err := shared.net.PID(name); !errors.Is(err, network.ErrNotRunning) {
					return fmt.Errorf("still running")
				}
				return nil
			})
			// Down long enough for every writer to meet the dead
			// service, and for the peer to notice it is gone.
			time.Sleep(8 * time.Second)
			restartedAt := time.Now()
			restarted = true
			restartChaincode(t, org)
			backAt := time.Now()
			t.Logf("%s killed (pid %d) at %s, restarted after %s, endorsing again after %s more; acknowledged while it was down: %d, while it restarted: %d",
				name, pid, killedAt.Format(time.TimeOnly), restartedAt.Sub(killedAt).Round(time.Millisecond),
				backAt.Sub(restartedAt).Round(time.Millisecond), load.acksBetween(killedAt, restartedAt), load.acksBetween(restartedAt, backAt))
			load.waitAcks(t, backAt, 5, 2*time.Minute, "after the restart")
			load.stop()
			load.check(t, "chaincode-killed", killedAt)
		}},
	)
}

// TestFaultsProviderPeerStopped has eight clients write receipts on one
// grant while the authority ends two others over the providers' data:
// with the health provider's peer stopped it revokes one grant; with
// every provider's peer stopped (health's and market's in the end-to-end
// topology) it suspends another. A grant's status key
// needs the authority's peer alone (ledger/grant.go, chaincode/grant.go),
// so both succeed, and the writes, which need a majority, go on. The
// providers' peers, started again, catch up and read the new statuses
// through their own APIs.
func TestFaultsProviderPeerStopped(t *testing.T) {
	p := newAPIProcess(t, "fps")
	var revoked, suspended *apiProcess
	runPhases(t,
		phase{"grant in force for the load", p.loadGrantInForce},
		phase{"two more grants over the providers' data", func(t *testing.T) {
			// Copied once the call exists: they share it.
			revoked, suspended = p.another("a"), p.another("b")
			for _, q := range []*apiProcess{revoked, suspended} {
				q.apply(t, q.visits, q.loans)
				q.issueApprovedByBoth(t)
			}
		}},
		phase{"grants ended with the providers' peers stopped, under load", func(t *testing.T) {
			load := startReceiptLoad(t, p, p.operator, faultWriters)
			load.waitAcks(t, time.Time{}, 10, time.Minute, "before the fault")

			faultAt := time.Now()
			stopped := p.stopPeers(t, p.health)
			t.Logf("peer of %s stopped at %s", p.health.msp, faultAt.Format(time.TimeOnly))
			p.endGrant(t, revoked.grant, "revoke", ledger.GrantRevoked, "emergency: health data leak")

			// One set of stopped peers, restarted together (also by its
			// cleanup): a restart waits until every organisation's
			// gateway can gather endorsements, which a provider's own
			// cannot while its peer stays down.
			var others []string
			for _, msp := range sortedKeys(p.orgs) {
				if o := p.orgs[msp]; o.role == string(ledger.RoleProvider) && o != p.health {
					stopped.orgs = append(stopped.orgs, o)
					if err := shared.net.Stop("peer0." + o.name + "." + shared.net.Topology().Domain); err != nil {
						t.Fatalf("stop the peer of %s: %v", o.msp, err)
					}
					others = append(others, o.msp)
				}
			}
			allAt := time.Now()
			t.Logf("peers of %v stopped too at %s: no provider's peer runs", others, allAt.Format(time.TimeOnly))
			p.endGrant(t, suspended.grant, "suspend", ledger.GrantSuspended, "emergency: providers unreachable")
			// The writers need a majority of the organisations, which
			// the two providers are not: they must go on.
			load.waitAcks(t, allAt, 3, time.Minute, "with every provider's peer stopped")

			stopped.restart(t)
			backAt := time.Now()
			t.Logf("providers' peers back at %s; acknowledged while any was stopped: %d", backAt.Format(time.TimeOnly), load.acksBetween(faultAt, backAt))
			for _, g := range []struct {
				id   string
				want ledger.GrantStatus
			}{{revoked.grant, ledger.GrantRevoked}, {suspended.grant, ledger.GrantSuspended}} {
				for _, o := range stopped.orgs {
					wantGrantStatus(t, o, g.id, g.want)
				}
			}
			load.waitAcks(t, backAt, 3, time.Minute, "after the peers' restart")
			load.stop()
			load.check(t, "provider-peer-stopped", faultAt)
		}},
	)
}

// loadGrantInForce puts the run's grant over both datasets in force with
// a quota no load reaches, and registers the attestor that signs the
// load's receipts.
func (p *apiProcess) loadGrantInForce(t *testing.T) {
	p.parties(t)
	p.catalogue(t, p.visits, p.loans)
	p.apply(t, p.visits, p.loans)
	p.issue(t, ledger.Quota{Records: 1 << 40, Calls: 1 << 40}, p.visits, p.loans)
	p.approve(t, p.health, "grant.approved", ledger.GrantProposed)
	p.approve(t, p.market, "grant.activated", ledger.GrantActive)
	p.sign(t)
	p.registerAttestor(t)
}

// another returns a run that shares p's datasets, call, APIs and event
// followers but names its application, reviews and grant with suffix
// added to p's run: a further grant over the same data.
func (p *apiProcess) another(suffix string) *apiProcess {
	r := *p.grantRun
	r.run += suffix
	q := *p
	q.grantRun = &r
	return &q
}

// endGrant has the authority suspend or revoke (op) a grant through its
// API, which must answer 200 with the grant in status want, and waits
// until the regulator reads that status: the change committed.
func (p *apiProcess) endGrant(t *testing.T, grant, op string, want ledger.GrantStatus, reason string) {
	t.Helper()
	start := time.Now()
	var g ledger.Grant
	p.authority.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + grant + "/" + op, body: obj{"reason": reason}}).
		want(t, http.StatusOK, &g)
	if g.Status != want || g.Reason != reason {
		t.Fatalf("%s %s: got %s (%s), want %s (%s)", op, grant, g.Status, g.Reason, want, reason)
	}
	t.Logf("%s %s answered in %s", op, grant, time.Since(start).Round(time.Millisecond))
	wantGrantStatus(t, p.regulator, grant, want)
}

// wantGrantStatus waits until o's API reads the grant in status want.
// Right after a peer's restart its API may answer 5xx: that is a reason
// to ask again, not a failure.
func wantGrantStatus(t *testing.T, o *apiOrg, grant string, want ledger.GrantStatus) {
	t.Helper()
	eventually(t, time.Minute, o.msp+" reads "+grant+" "+string(want), func() error {
		a := o.do(t, apiRequest{method: http.MethodGet, path: "/v1/grants/" + grant})
		if a.status != http.StatusOK {
			return fmt.Errorf("%s", a)
		}
		var g ledger.Grant
		a.want(t, http.StatusOK, &g)
		if g.Status != want {
			return fmt.Errorf("status %s", g.Status)
		}
		return nil
	})
}

// restartChaincode starts org's chaincode service again (the contract
// built from the tree) and waits until every gateway can gather
// endorsements. It may run as a cleanup, once the test's context is done.
func restartChaincode(t *testing.T, org string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := shared.net.RestartChaincode(ctx, org, ""); err != nil {
		t.Errorf("restart the chaincode service of %s: %v", org, err)
		return
	}
	if err := shared.net.WaitEndorsable(ctx); err != nil {
		t.Errorf("gateways after restarting the chaincode service of %s: %v", org, err)
	}
}

// receiptLoad is a set of clients, each posting usage receipts on the
// run's grant through one API, one after another, each receipt with an
// Idempotency-Key of its own. A receipt answered 5xx or 429, or not
// answered (a transport error), or whose key is still in progress, is sent again with
// the same key until it gets another answer or receiptDeadline passes; one
// answered 409 for a lost read conflict, under a new key; any other answer
// ends it.
type receiptLoad struct {
	p       *apiProcess
	api     *apiOrg
	writers int
	hc      *http.Client
	// cancel ends the writers at once; stopping asks them to end after
	// the receipt each is sending.
	cancel   context.CancelFunc
	stopping chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once

	mu sync.Mutex
	// sent lists every receipt ID a writer started to send.
	sent []string
	// acked maps each receipt answered 201 to when the answer came.
	acked map[string]time.Time
	// answers counts each kind of answer, retries included: "201",
	// "409 conflict", "502 endorsement_failed", "transport error"…
	answers map[string]int
	// conflicts lists the receipts that ended with 409 conflict other than
	// a read conflict, with the message: a replay after a retry.
	conflicts map[string]string
	// unanswered lists the receipts still without an answer at their
	// deadline; problems the answers no receipt of the load should get.
	unanswered []string
	problems   []string
}

// startReceiptLoad starts writers clients posting receipts of one record
// each on p's grant through o's API, as o's User1. They run until stop, or
// the end of the test.
func startReceiptLoad(t *testing.T, p *apiProcess, o *apiOrg, writers int) *receiptLoad {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &receiptLoad{
		p: p, api: o, writers: writers, cancel: cancel, stopping: make(chan struct{}),
		// Longer than the API's request deadline (30 s): its own 504
		// should come first.
		hc:    &http.Client{Timeout: 45 * time.Second},
		acked: map[string]time.Time{}, answers: map[string]int{}, conflicts: map[string]string{},
	}
	for w := range writers {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.stopping:
					return
				case <-ctx.Done():
					return
				default:
				}
				l.send(ctx, p.id(fmt.Sprintf("w%d-%d", w, i)))
			}
		})
	}
	t.Cleanup(func() {
		cancel()
		l.wg.Wait()
	})
	return l
}

// send posts one receipt until it is answered other than 5xx, or its
// deadline passes.
func (l *receiptLoad) send(ctx context.Context, id string) {
	body, err := json.Marshal(l.p.receiptBody(l.p.statement(id, 1)))
	if err != nil {
		l.problem("encode receipt %s: %v", id, err)
		return
	}
	l.mu.Lock()
	l.sent = append(l.sent, id)
	l.mu.Unlock()
	deadline := time.Now().Add(receiptDeadline)
	key := 0
	for {
		status, eb, err := l.post(ctx, fmt.Sprintf("load-%s-%d", id, key), body)
		kind := fmt.Sprintf("%d %s", status, eb.Code)
		if err != nil {
			kind = "transport error"
		}
		readConflict := status == http.StatusConflict && eb.Code == "conflict" &&
			(strings.Contains(eb.Message, "MVCC_READ_CONFLICT") || strings.Contains(eb.Message, "PHANTOM_READ_CONFLICT"))
		if readConflict {
			kind = "409 read conflict"
		}
		l.mu.Lock()
		l.answers[kind]++
		switch {
		case err != nil, status >= 500, status == http.StatusTooManyRequests,
			status == http.StatusConflict && eb.Code == "idempotency_key_in_progress":
			// Not answered yet: the same key again.
		case readConflict:
			// Every writer draws on the grant's one usage row: of
			// the receipts a block holds one commits and the others
			// lose a read conflict, which the API's client retries a
			// few times, then answers 409. That
			// answer is stored under the key and nothing was
			// recorded: the receipt is sent again under a new key,
			// as a client of the API would.
			key++
		case status == http.StatusCreated:
			l.acked[id] = time.Now()
			l.mu.Unlock()
			return
		case status == http.StatusConflict && eb.Code == "conflict":
			// A replay: an attempt recorded it, then failed to
			// answer. Answered; the ledger must hold it.
			l.conflicts[id] = eb.Message
			l.mu.Unlock()
			return
		default:
			l.problems = append(l.problems, fmt.Sprintf("receipt %s: %d %s %s", id, status, eb.Code, eb.Message))
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if time.Now().After(deadline) {
			l.mu.Lock()
			l.unanswered = append(l.unanswered, id)
			l.mu.Unlock()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// post sends one receipt with its idempotency key and returns the status
// and, for errors, the error body.
func (l *receiptLoad) post(ctx context.Context, key string, body []byte) (int, api.ErrorBody, error) {
	var eb api.ErrorBody
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.api.url+"/v1/receipts", bytes.NewReader(body))
	if err != nil {
		return 0, eb, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.api.tokens["User1"])
	req.Header.Set("Idempotency-Key", key)
	res, err := l.hc.Do(req)
	if err != nil {
		return 0, eb, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, eb, err
	}
	if res.StatusCode >= 300 {
		_ = json.Unmarshal(raw, &eb)
	}
	return res.StatusCode, eb, nil
}

func (l *receiptLoad) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// acksBetween counts the receipts acknowledged in [from, to).
func (l *receiptLoad) acksBetween(from, to time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, at := range l.acked {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// waitAcks waits until at least n receipts have been acknowledged since
// from, and fails the test if that takes longer than timeout.
func (l *receiptLoad) waitAcks(t *testing.T, from time.Time, n int, timeout time.Duration, when string) {
	t.Helper()
	eventually(t, timeout, fmt.Sprintf("%d receipts acknowledged %s", n, when), func() error {
		if got := l.acksBetween(from, time.Now().Add(time.Hour)); got < n {
			l.mu.Lock()
			defer l.mu.Unlock()
			return fmt.Errorf("%d so far; answers %v", got, l.answers)
		}
		return nil
	})
}

// stop asks the writers to end once the receipt each is sending is
// answered, and waits for them.
func (l *receiptLoad) stop() {
	l.stopOnce.Do(func() { close(l.stopping) })
	l.wg.Wait()
	l.cancel()
}

// faultCounts are a load's receipts counted against the ledger.
type faultCounts struct {
	sent, acknowledged, recorded, lost, doubled int
}

// check counts the load's receipts against the ledger, as the regulator
// reads it once its peer has every block the writers' peer had: recorded
// are the load's receipt IDs that GET /v1/receipts/{id} finds; lost the
// acknowledged ones it does not; doubled a receipt ID listed twice under
// the grant, or the grant's usage counting more calls than receipts are
// recorded. It logs the faults line, and fails the test unless nothing is
// lost or doubled and some receipt was acknowledged after fault.
func (l *receiptLoad) check(t *testing.T, name string, fault time.Time) {
	t.Helper()
	l.stop()
	l.mu.Lock()
	sent, acked := slices.Clone(l.sent), maps.Clone(l.acked)
	answers, conflicts := maps.Clone(l.answers), maps.Clone(l.conflicts)
	unanswered, problems := slices.Clone(l.unanswered), slices.Clone(l.problems)
	l.mu.Unlock()
	reg := l.p.regulator
	wantPeerAt(t, reg.name, peerHeight(t, l.api.name, "peer0"))

	var c faultCounts
	c.sent, c.acknowledged = len(sent), len(acked)
	recorded := map[string]bool{}
	for _, id := range sent {
		a := reg.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + id})
		switch a.status {
		case http.StatusOK:
			var r ledger.Receipt
			a.want(t, http.StatusOK, &r)
			if r.ID != id || r.GrantID != l.p.grant || r.Records != 1 {
				t.Errorf("receipt %s on the ledger: got %s of %d records under %s, want 1 record under %s", id, r.ID, r.Records, r.GrantID, l.p.grant)
			}
			recorded[id] = true
		case http.StatusNotFound:
		default:
			t.Fatalf("%s: want 200 or 404", a)
		}
	}
	c.recorded = len(recorded)
	var lost []string
	for id := range acked {
		if !recorded[id] {
			lost = append(lost, id)
		}
	}
	c.lost = len(lost)

	listed := map[string]int{}
	bookmark := ""
	for {
		var pg page[ledger.Receipt]
		reg.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts?grant=" + url.QueryEscape(l.p.grant) + "&pageSize=100&bookmark=" + url.QueryEscape(bookmark)}).
			want(t, http.StatusOK, &pg)
		for _, r := range pg.Items {
			listed[r.ID]++
		}
		if pg.Bookmark == "" {
			break
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
	reg.do(t, apiRequest{method: http.MethodGet, path: "/v1/grants/" + l.p.grant + "/usage"}).want(t, http.StatusOK, &u)
	if extra := int(u.Calls) - len(listed); extra > 0 {
		c.doubled += extra
	}
	t.Logf("faults: %s acknowledged=%d recorded=%d lost=%d doubled=%d", name, c.acknowledged, c.recorded, c.lost, c.doubled)
	t.Logf("%s: %d receipts sent by %d writers; acknowledged after the fault: %d; usage %d calls, %d records; %d listed under %s; answers (retries included) %v; ended as a replay: %d; unanswered at their deadline: %d",
		name, c.sent, l.writers, l.acksBetween(fault, time.Now()), u.Calls, u.Records, len(listed), l.p.grant, answers, len(conflicts), len(unanswered))

	if c.lost != 0 {
		slices.Sort(lost)
		t.Errorf("%s: %d acknowledged receipts are not on the ledger: %v", name, c.lost, lost)
	}
	if c.doubled != 0 {
		t.Errorf("%s: doubled %d: listed twice %v; usage counts %d calls for %d receipts listed", name, c.doubled, twice, u.Calls, len(listed))
	}
	if c.acknowledged == 0 || l.acksBetween(fault, time.Now()) == 0 {
		t.Errorf("%s: acknowledged %d receipts, %d after the fault: want some after it", name, c.acknowledged, l.acksBetween(fault, time.Now()))
	}
	// The ledger and its counters must agree with each other, whatever
	// the faults: every receipt read is listed, each counted once.
	var notListed, notRead []string
	for id := range recorded {
		if listed[id] == 0 {
			notListed = append(notListed, id)
		}
	}
	for id := range listed {
		if !recorded[id] {
			notRead = append(notRead, id)
		}
	}
	if len(notListed) > 0 || len(notRead) > 0 {
		t.Errorf("%s: receipts read but not listed under the grant %v; listed but not sent or not read %v", name, notListed, notRead)
	}
	if int(u.Calls) < len(listed) || u.Records != u.Calls {
		t.Errorf("%s: usage of %s: %d calls, %d records; want %d of each (one record a receipt)", name, l.p.grant, u.Calls, u.Records, len(listed))
	}
	// A conflict ends a receipt only as a replay, of a receipt that must
	// then be recorded.
	for id, msg := range conflicts {
		if !strings.Contains(msg, "replay") || !recorded[id] {
			t.Errorf("%s: receipt %s answered 409 %q; recorded: %v", name, id, msg, recorded[id])
		}
	}
	for _, pr := range problems {
		t.Errorf("%s: %s", name, pr)
	}
	if len(unanswered) > 0 {
		t.Errorf("%s: %d receipts got no answer but 5xx or transport errors within %s: %v", name, len(unanswered), receiptDeadline, unanswered)
	}
}

// wantPeerAt waits until org's peer has at least height blocks.
func wantPeerAt(t *testing.T, org string, height uint64) {
	t.Helper()
	eventually(t, time.Minute, fmt.Sprintf("peer0 of %s reaches height %d", org, height), func() error {
		h, err := shared.net.PeerHeight(t.Context(), org, "peer0")
		if err != nil {
			return err
		}
		if h < height {
			return fmt.Errorf("height %d", h)
		}
		return nil
	})
}

// slowReadTimeout is the read timeout of the API that
// TestFaultsSlowUpload starts: how long a request, body included, may take
// to arrive.
const slowReadTimeout = 2 * time.Second

// slowClients is how many of the faultWriters clients upload slowly in
// TestFaultsSlowUpload; the others write as usual.
const slowClients = 2

// TestFaultsSlowUpload starts an operator's API of its own with a read
// timeout of 2 s. Six clients write receipts through it while two others
// keep opening uploads of a receipt whose body they send a byte every
// 200 ms, far slower than the read timeout allows. The server must cut
// each slow upload off at its read timeout (an error answer, or the
// connection closed) without recording it, and the other clients must not
// notice: no 5xx, no broken connection (the read deadline must not cancel
// a request whose body has arrived, such as a submit waiting for its
// commit), and their receipts counted as under the other faults.
func TestFaultsSlowUpload(t *testing.T) {
	p := newAPIProcess(t, "fsu")
	runPhases(t,
		phase{"grant in force for the load", p.loadGrantInForce},
		phase{"slow uploads cut off under load", func(t *testing.T) {
			// The read timeout covers the headers too: the header
			// timeout may not exceed it.
			srv := startAPIServer(t, p.operator, "faults-"+p.run,
				"-read-timeout", slowReadTimeout.String(), "-read-header-timeout", (slowReadTimeout / 2).String())
			load := startReceiptLoad(t, p, srv, faultWriters-slowClients)
			load.waitAcks(t, time.Time{}, 10, time.Minute, "before the slow uploads")

			slowAt := time.Now()
			uploads := slowUploads(p, srv, slowClients, 12*time.Second)
			endAt := time.Now()
			during := load.acksBetween(slowAt, endAt)
			if during == 0 {
				t.Errorf("no receipt acknowledged in the %s the slow uploads ran", endAt.Sub(slowAt).Round(time.Millisecond))
			}
			load.stop()
			outcomes := map[string]int{}
			var longest time.Duration
			for _, u := range uploads {
				outcomes[u.outcome]++
				longest = max(longest, u.took)
				switch {
				case u.status >= 200 && u.status < 300 || u.status >= 500:
					t.Errorf("slow upload of %s: answered %d after %s (%d of %d bytes sent), want it cut off with a 4xx or the connection closed", u.id, u.status, u.took, u.sent, u.size)
				case u.outcome == "not cut off":
					t.Errorf("slow upload of %s: still open after %s (%d of %d bytes sent), want it cut off at the read timeout %s", u.id, u.took, u.sent, u.size, slowReadTimeout)
				case u.took > slowReadTimeout+5*time.Second:
					t.Errorf("slow upload of %s: cut off after %s, want within a few seconds of the read timeout %s", u.id, u.took, slowReadTimeout)
				}
			}
			if len(uploads) < slowClients {
				t.Errorf("slow uploads: got %d, want at least %d", len(uploads), slowClients)
			}
			t.Logf("%d slow uploads against a read timeout of %s: %v; the longest open %s; receipts acknowledged meanwhile: %d",
				len(uploads), slowReadTimeout, outcomes, longest.Round(time.Millisecond), during)
			load.check(t, "slow-upload", slowAt)
			// The writers' requests arrive at once, then may wait
			// seconds for their commit: none may have been cut off or
			// cancelled by the read deadline (a broken connection,
			// 499, 408) or run out of time (504), or failed inside the
			// server (500). A 502 (endorsers disagreeing on the hot
			// usage row every time the API's client tried) or a 409
			// read conflict is the load's own, without any fault.
			for kind, n := range load.answerCounts() {
				switch strings.Fields(kind)[0] {
				case "transport", "408", "499", "500", "504":
					t.Errorf("slow-upload: the other clients got %d answers %q, want none", n, kind)
				}
			}
			for _, u := range uploads {
				a := p.regulator.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + u.id})
				if a.status != http.StatusNotFound {
					t.Errorf("the receipt of a slow upload cut off: %s, want 404", a)
				}
			}
		}},
	)
}

// answerCounts returns how often each kind of answer came.
func (l *receiptLoad) answerCounts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.answers)
}

// slowUpload is one upload of a receipt sent a byte at a time.
type slowUpload struct {
	id string
	// sent of size bytes of the body went out before the server cut the
	// upload off, took after the headers.
	sent, size int
	took       time.Duration
	// status is the answer's (0 for none); outcome says what ended the
	// upload: "408", "400", "closed", "not cut off".
	status  int
	outcome string
}

// slowUploads runs clients slow uploaders through o's API for d, each
// starting a new upload when the server ends the last; it returns every
// upload.
func slowUploads(p *apiProcess, o *apiOrg, clients int, d time.Duration) []slowUpload {
	var (
		mu  sync.Mutex
		out []slowUpload
		wg  sync.WaitGroup
	)
	end := time.Now().Add(d)
	for c := range clients {
		wg.Go(func() {
			for i := 0; time.Now().Before(end); i++ {
				u := slowUploadOnce(p, o, p.id(fmt.Sprintf("slow%d-%d", c, i)), 200*time.Millisecond, slowReadTimeout+15*time.Second)
				mu.Lock()
				out = append(out, u)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// slowUploadOnce posts a receipt to o's API over a connection of its own:
// the headers at once, then the body a byte every interval, until the
// server answers or closes the connection, or limit passes.
func slowUploadOnce(p *apiProcess, o *apiOrg, id string, interval, limit time.Duration) slowUpload {
	body, _ := json.Marshal(p.receiptBody(p.statement(id, 1)))
	u := slowUpload{id: id, size: len(body)}
	host := strings.TrimPrefix(o.url, "http://")
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		u.outcome = "dial: " + err.Error()
		return u
	}
	defer conn.Close()
	head := "POST /v1/receipts HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + o.tokens["User1"] +
		"\r\nContent-Type: application/json\r\nIdempotency-Key: slow-" + id + fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n", len(body))
	start := time.Now()
	if _, err := io.WriteString(conn, head); err != nil {
		u.outcome = "write headers: " + err.Error()
		return u
	}
	answered := make(chan int, 1) // the status, 0 when the connection ended without one
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- 0
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
		res.Body.Close()
		answered <- res.StatusCode
	}()
	end := func(status int) slowUpload {
		u.took, u.status = time.Since(start), status
		u.outcome = "closed"
		if status != 0 {
			u.outcome = strconv.Itoa(status)
		}
		return u
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for u.sent < len(body) && time.Since(start) < limit {
		select {
		case status := <-answered:
			return end(status)
		case <-tick.C:
		}
		if _, err := conn.Write(body[u.sent : u.sent+1]); err != nil {
			// Closed by the server: its answer, if any, is on its way.
			select {
			case status := <-answered:
				return end(status)
			case <-time.After(5 * time.Second):
				return end(0)
			}
		}
		u.sent++
	}
	u.took, u.outcome = time.Since(start), "not cut off"
	return u
}

// startAPIServer builds grantledger-api from the tree and runs it for o's
// organisation, with o's token file, on a free port, keeping its
// idempotency file and log in a directory of the network's state named
// dir (removed once the test passes), with flags added; it is stopped when
// the test ends. It returns the server as an API of o's tokens.
func startAPIServer(t *testing.T, o *apiOrg, dir string, flags ...string) *apiOrg {
	t.Helper()
	dir = filepath.Join(os.Getenv("GLNET_STATE"), dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		} else {
			t.Logf("the API's log and idempotency file kept in %s", dir)
		}
	})
	bin := filepath.Join(dir, "grantledger-api")
	// Built as the network builds its APIs (network/commands.go), so
	// that the build cache of their build serves this one.
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", bin, "./cmd/grantledger-api")
	build.Dir = os.Getenv("GRANTLEDGER_ROOT")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/grantledger-api: %v\n%s", err, out)
	}
	logPath := filepath.Join(dir, "api.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "-profile", shared.net.ProfilePath(), "-org", o.msp,
		"-tokens", filepath.Join(shared.net.APIDir(o.name), "tokens.json"), "-listen", "127.0.0.1:0",
		"-idempotency-file", filepath.Join(dir, "idempotency.db")}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = os.Getenv("GRANTLEDGER_ROOT")
	// Only the flags configure it: none of the caller's GRANTLEDGER_API_*.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GRANTLEDGER_API_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		defer logf.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the test's API after SIGTERM: %v (log %s)", err, logPath)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("the test's API still runs 30 s after SIGTERM: killed (log %s)", logPath)
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	addr := ""
	eventually(t, 30*time.Second, "the test's API reports its address", func() error {
		select {
		case err := <-exited:
			exited <- err
			raw, _ := os.ReadFile(logPath)
			t.Fatalf("the test's API exited: %v\n%s", err, raw)
		default:
		}
		raw, err := os.ReadFile(logPath)
		if err != nil {
			return err
		}
		for line := range strings.Lines(string(raw)) {
			var l struct {
				Msg     string `json:"msg"`
				Address string `json:"address"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				addr = l.Address
				return nil
			}
		}
		return errors.New("no listening line yet")
	})
	a := *o
	a.url = "http://" + addr
	eventually(t, 30*time.Second, "the test's API is ready", func() error {
		res, err := http.Get(a.url + "/readyz")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz: %d", res.StatusCode)
		}
		return nil
	})
	t.Logf("the test's API for %s listens on %s (%s), log %s", o.msp, addr, strings.Join(flags, " "), logPath)
	return &a
}
