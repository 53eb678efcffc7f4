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
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
	"github.com/grantledger/grantledger/network"
)

// Receipts under contention, through the APIs on the real network: 16
// clients posting single receipts on one grant each get their own answer
// (201, or the refusal provoked on purpose), never a conflict or an
// endorsement failure to retry; a batch with bad receipts records the
// others, each with its outcome; and the Raft leader killed under 16
// writing clients is invisible to them.

// contentionClients is how many clients post at once, as in the issue's
// measurement.
const contentionClients = 16

// TestContention takes a grant with room for many receipts through the
// APIs to force, then has the operator's clients post receipts on it all
// at once, the platform submit a batch with bad receipts, and the clients
// post again while the Raft leader is killed. It kills an orderer (and
// restarts it), so it is the one test of this file.
func TestContention(t *testing.T) {
	p := newAPIProcess(t, "contention")
	runPhases(t,
		phase{"parties", p.parties},
		phase{"catalogue and call", func(t *testing.T) { p.catalogue(t, p.visits, p.loans) }},
		phase{"application and reviews", func(t *testing.T) { p.apply(t, p.visits, p.loans) }},
		phase{"a grant with room for many receipts", func(t *testing.T) {
			p.issue(t, ledger.Quota{Records: 1_000_000, Calls: 100_000}, p.visits, p.loans)
			p.approve(t, p.health, "grant.approved", ledger.GrantProposed)
			p.approve(t, p.market, "grant.activated", ledger.GrantActive)
		}},
		phase{"agreement signed by both", p.sign},
		phase{"attestor", p.registerAttestor},
		phase{"16 clients post single receipts on one grant", func(t *testing.T) { contended{p}.singles(t) }},
		phase{"a batch with bad receipts records the others", func(t *testing.T) { contended{p}.batchOutcomes(t) }},
		phase{"the Raft leader killed under 16 writing clients", func(t *testing.T) { contended{p}.leaderKilled(t) }},
	)
}

type contended struct{ *apiProcess }

// posted is one client's answer to one POST /v1/receipts.
type posted struct {
	id      string
	status  int
	body    []byte
	err     error
	elapsed time.Duration
}

// post sends body to path as User1 and reads the answer; unlike do it may
// run in any goroutine, and returns what went wrong instead of failing.
func (o *apiOrg) post(ctx context.Context, path string, body any) (int, []byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url+path, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+o.tokens["User1"])
	res, err := apiHTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// postAll has contentionClients clients post each's receipts one after the
// other, all clients at once, and returns every answer and how long all
// took. during, when set, runs beside them once each client has its first
// answer.
func (c contended) postAll(t *testing.T, bodies [][]obj, during func()) ([]posted, time.Duration) {
	t.Helper()
	var (
		mu      sync.Mutex
		answers []posted
		wg      sync.WaitGroup
		first   sync.WaitGroup
	)
	first.Add(len(bodies))
	start := time.Now()
	for _, mine := range bodies {
		wg.Go(func() {
			for i, body := range mine {
				began := time.Now()
				status, raw, err := c.operator.post(t.Context(), "/v1/receipts", body)
				a := posted{id: body["statement"].(attest.Statement).ReceiptID, status: status, body: raw, err: err, elapsed: time.Since(began)}
				mu.Lock()
				answers = append(answers, a)
				mu.Unlock()
				if i == 0 {
					first.Done()
				}
			}
		})
	}
	if during != nil {
		first.Wait()
		during()
	}
	wg.Wait()
	return answers, time.Since(start)
}

// checkAnswers fails the test for every answer that is neither 201 with
// its own receipt nor, for the IDs in refused, 422 naming the reason; it
// returns the receipts acknowledged.
func checkAnswers(t *testing.T, answers []posted, refused map[string]string) []ledger.Receipt {
	t.Helper()
	var got []ledger.Receipt
	byStatus := map[int]int{}
	for _, a := range answers {
		byStatus[a.status]++
		if a.err != nil {
			t.Errorf("%s: %v", a.id, a.err)
			continue
		}
		if reason, ok := refused[a.id]; ok {
			var e api.ErrorBody
			if a.status != http.StatusUnprocessableEntity || json.Unmarshal(a.body, &e) != nil || e.Code != "refused" || !strings.Contains(e.Message, reason) {
				t.Errorf("%s: got %d %s, want 422 refused: %s", a.id, a.status, a.body, reason)
			}
			continue
		}
		var r ledger.Receipt
		if a.status != http.StatusCreated || json.Unmarshal(a.body, &r) != nil || r.ID != a.id {
			t.Errorf("%s: got %d %s after %s, want 201 with its receipt", a.id, a.status, a.body, a.elapsed.Round(time.Millisecond))
			continue
		}
		got = append(got, r)
	}
	t.Logf("answers by status: %v", byStatus)
	return got
}

// usage reads the grant's usage through the operator's API.
func (c contended) usage(t *testing.T) ledger.Usage {
	t.Helper()
	var u ledger.Usage
	c.get(t, c.operator, "/v1/grants/"+c.grant+"/usage", &u)
	return u
}

// recordedOnGrant counts the receipts of the run's grant on the ledger.
func (c contended) recordedOnGrant(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	bookmark := ""
	for {
		var pg page[ledger.Receipt]
		c.get(t, c.regulator, "/v1/receipts?grant="+c.grant+"&pageSize=100&bookmark="+bookmark, &pg)
		for _, r := range pg.Items {
			ids[r.ID] = true
		}
		if pg.Bookmark == "" {
			return ids
		}
		bookmark = pg.Bookmark
	}
}

// report logs how many receipts were acknowledged, how fast, in how many
// transactions.
func report(t *testing.T, what string, got []ledger.Receipt, took time.Duration, answers []posted) {
	t.Helper()
	txs := map[string]bool{}
	for _, r := range got {
		txs[r.Recorded.TxID] = true
	}
	var slowest time.Duration
	for _, a := range answers {
		slowest = max(slowest, a.elapsed)
	}
	t.Logf("%s: %d receipts acknowledged in %s: %.1f receipts/s, in %d transactions (%.1f receipts each); slowest answer %s",
		what, len(got), took.Round(time.Millisecond), float64(len(got))/took.Seconds(), len(txs), float64(len(got))/float64(max(len(txs), 1)), slowest.Round(time.Millisecond))
}

// singles: 16 clients post 20 receipts each on the one grant, one of them
// forged on purpose. Every answer is 201 with the caller's own receipt,
// but the forged one's 422; the ledger holds exactly the receipts
// acknowledged.
func (c contended) singles(t *testing.T) {
	const each = 20
	before := c.usage(t)
	forged := c.id("c00-forged")
	bodies := make([][]obj, contentionClients)
	var records uint64
	for i := range bodies {
		for j := range each {
			s := c.statement(c.id(fmt.Sprintf("c%02d-%02d", i, j)), uint64(1+j%5))
			body := c.receiptBody(s)
			if i == 0 && j == each/2 {
				s.ReceiptID = forged
				body = c.receiptBody(s)
				s.Records = 999 // changed after signing
				body["statement"] = s
			} else {
				records += s.Records
			}
			bodies[i] = append(bodies[i], body)
		}
	}
	answers, took := c.postAll(t, bodies, nil)
	got := checkAnswers(t, answers, map[string]string{forged: "forged signature"})
	report(t, "16 clients, one grant", got, took, answers)
	if want := contentionClients*each - 1; len(got) != want {
		t.Errorf("got %d receipts acknowledged, want %d", len(got), want)
	}
	after := c.usage(t)
	if calls, recs := after.Calls-before.Calls, after.Records-before.Records; calls != uint64(len(got)) || recs != records {
		t.Errorf("usage grew by %d calls and %d records, want the %d receipts acknowledged and their %d records", calls, recs, len(got), records)
	}
	recorded := c.recordedOnGrant(t)
	for _, r := range got {
		if !recorded[r.ID] {
			t.Errorf("receipt %s was acknowledged and is not on the ledger", r.ID)
		}
	}
	if recorded[forged] {
		t.Errorf("the forged receipt %s is on the ledger", forged)
	}
}

// batchOutcomes: the platform submits a batch of four receipts, one forged
// and one out of scope. The other two are recorded under the batch's root,
// the bad ones' outcomes name the reasons, the batch sent again is
// answered as recorded, and a refused receipt's ID is still free.
func (c contended) batchOutcomes(t *testing.T) {
	good1, good2 := c.statement(c.id("b-good1"), 3), c.statement(c.id("b-good2"), 4)
	forged := c.statement(c.id("b-forged"), 5)
	forgedBody := c.receiptBody(forged)
	tampered := forged
	tampered.Records = 500
	forgedBody["statement"] = tampered
	outOfScope := c.statement(c.id("b-scope"), 6)
	outOfScope.Purpose = "marketing"
	id := c.id("batch-mixed")
	body := obj{"id": id, "receipts": []obj{c.receiptBody(good1), forgedBody, c.receiptBody(outOfScope), c.receiptBody(good2)}}
	var b ledger.Batch
	c.write(t, c.platform, apiRequest{method: http.MethodPost, path: "/v1/batches", body: body}, http.StatusCreated, "batch.accepted", &b)
	root, err := attest.MerkleRoot([][32]byte{good1.Digest(), good2.Digest()})
	if err != nil {
		t.Fatal(err)
	}
	if b.Count != 2 || b.Refused != 2 || b.Root != attest.HexDigest(root) || len(b.Outcomes) != 4 {
		t.Fatalf("batch: got %+v, want 2 accepted under %s and 2 refused", b, attest.HexDigest(root))
	}
	for i, want := range []struct {
		id, status, reason string
		index              int
	}{
		{good1.ReceiptID, ledger.OutcomeAccepted, "", 0},
		{forged.ReceiptID, ledger.OutcomeRefused, "forged signature", -1},
		{outOfScope.ReceiptID, ledger.OutcomeRefused, "out of scope: purpose marketing", -1},
		{good2.ReceiptID, ledger.OutcomeAccepted, "", 1},
	} {
		o := b.Outcomes[i]
		if o.ReceiptID != want.id || o.Status != want.status || o.Index != want.index || !strings.Contains(o.Reason, want.reason) || (want.reason != "" && o.Kind != "refused") {
			t.Errorf("outcome %d: got %+v, want %s %s at %d (%s)", i, o, want.id, want.status, want.index, want.reason)
		}
	}

	t.Run("the same batch again is answered as recorded", func(t *testing.T) {
		var again ledger.Batch
		c.platform.do(t, apiRequest{method: http.MethodPost, path: "/v1/batches", body: body}).want(t, http.StatusCreated, &again)
		if again.Created != b.Created || again.Root != b.Root || !slices.Equal(again.Outcomes, b.Outcomes) {
			t.Errorf("got %+v, want the recorded %+v", again, b)
		}
		other := obj{"id": id, "receipts": []obj{c.receiptBody(good2)}}
		wantAPIError(t, c.platform.do(t, apiRequest{method: http.MethodPost, path: "/v1/batches", body: other}), http.StatusConflict, "conflict", "", "already exists")
	})
	t.Run("an accepted receipt is proven, a refused one is not recorded", func(t *testing.T) {
		var proof api.ReceiptProof
		c.get(t, c.regulator, "/v1/receipts/"+good2.ReceiptID+"/proof", &proof)
		if proof.BatchID != id || proof.Index != 1 || proof.Root != b.Root {
			t.Errorf("proof of %s: got %+v, want index 1 under %s", good2.ReceiptID, proof, b.Root)
		}
		wantAPIError(t, c.regulator.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + forged.ReceiptID}), http.StatusNotFound, "not_found", "", "does not exist")
		// The out-of-scope receipt's ID is free for the use in scope.
		inScope := c.statement(outOfScope.ReceiptID, 6)
		c.write(t, c.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: c.receiptBody(inScope)}, http.StatusCreated, "receipt.accepted", nil)
	})
}

// raftLeader returns the orderer that leads the channel's Raft cluster, as
// its operations endpoint's consensus_etcdraft_is_leader gauge says.
func raftLeader(t *testing.T) network.Node {
	t.Helper()
	var leader *network.Node
	eventually(t, 30*time.Second, "an orderer leads the channel", func() error {
		for _, o := range shared.net.Topology().OrdererOrg.Nodes {
			if isLeader(o) {
				leader = &o
				return nil
			}
		}
		return errors.New("no orderer says it leads")
	})
	return *leader
}

// isLeader reads an orderer's metrics; an orderer that does not answer
// does not lead.
func isLeader(o network.Node) bool {
	res, err := http.Get("http://" + o.OperationsAddr() + "/metrics")
	if err != nil {
		return false
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "consensus_etcdraft_is_leader{") && strings.Contains(line, `channel="`+shared.net.Topology().Channel+`"`) {
			return strings.HasSuffix(line, " 1")
		}
	}
	return false
}

// leaderKilled: 16 clients post 25 receipts each while the Raft leader is
// killed (SIGKILL) once each has its first answer. No client sees an error:
// the transactions the leader took down with it are sent again to the
// orderers left, which elect a new leader. The killed orderer is started
// again after.
func (c contended) leaderKilled(t *testing.T) {
	const each = 25
	leader := raftLeader(t)
	name := leader.Name + ".orderer." + shared.net.Topology().Domain
	restart := sync.OnceFunc(func() {
		if err := shared.net.StartOrderer(context.Background(), leader.Name); err != nil {
			t.Errorf("restart %s: %v", name, err)
		}
	})
	t.Cleanup(restart)
	before := c.usage(t)
	bodies := make([][]obj, contentionClients)
	for i := range bodies {
		for j := range each {
			bodies[i] = append(bodies[i], c.receiptBody(c.statement(c.id(fmt.Sprintf("k%02d-%02d", i, j)), 1)))
		}
	}
	var killedAt time.Time
	answers, took := c.postAll(t, bodies, func() {
		pid, err := shared.net.PID(name)
		if err != nil {
			t.Errorf("leader %s: %v", name, err)
			return
		}
		killedAt = time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Errorf("kill %s (pid %d): %v", name, pid, err)
		}
		t.Logf("killed the Raft leader %s (pid %d)", name, pid)
	})
	got := checkAnswers(t, answers, nil)
	report(t, "16 clients, leader killed", got, took, answers)
	if killedAt.IsZero() {
		t.Fatal("the leader was not killed")
	}
	if len(got) != contentionClients*each {
		t.Errorf("got %d receipts acknowledged, want all %d", len(got), contentionClients*each)
	}
	if u := c.usage(t); u.Calls-before.Calls != uint64(len(got)) {
		t.Errorf("usage grew by %d calls, want the %d receipts acknowledged", u.Calls-before.Calls, len(got))
	}
	newLeader := raftLeader(t)
	t.Logf("new leader %s", newLeader.Name)
	restart()
	eventually(t, time.Minute, name+" runs again", func() error {
		_, err := shared.net.PID(name)
		return err
	})
}
