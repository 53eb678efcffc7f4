package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// groupBook is a fake ledger's record of the SubmitReceipts transactions it
// received, with what a test scripts for them.
type groupBook struct {
	mu     sync.Mutex
	groups []sentGroup
	// inFlight counts the transactions running per grant; most is the
	// highest count seen.
	inFlight map[string]int
	most     int
	// gate, when set, holds every transaction until it is closed.
	gate chan struct{}
	// entered receives the receipt IDs of every transaction as it starts.
	entered chan []string
	// answer answers the n-th transaction (1-based); nil: all accepted.
	answer func(n int, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error)
}

type sentGroup struct {
	user string
	ids  []string
}

func newGroupBook() *groupBook {
	return &groupBook{inFlight: map[string]int{}, entered: make(chan []string, 64)}
}

// groupLedger is one user's ledger over a groupBook: SubmitReceipts only.
type groupLedger struct {
	ReceiptLedger // nil: any other call panics
	user          string
	book          *groupBook
}

func (g groupLedger) SubmitReceipts(ctx context.Context, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
	b := g.book
	ids := make([]string, len(req.Receipts))
	for i, r := range req.Receipts {
		ids[i] = r.Statement.ReceiptID
	}
	grant := req.Receipts[0].Statement.GrantID
	b.mu.Lock()
	b.groups = append(b.groups, sentGroup{user: g.user, ids: ids})
	n := len(b.groups)
	b.inFlight[grant]++
	b.most = max(b.most, b.inFlight[grant])
	gate := b.gate
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inFlight[grant]--
		b.mu.Unlock()
	}()
	b.entered <- ids
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if b.answer != nil {
		return b.answer(n, req)
	}
	return acceptAll(req), nil
}

func acceptAll(req ledger.ReceiptsRequest) *ledger.ReceiptsResult {
	res := &ledger.ReceiptsResult{Receipts: []ledger.Receipt{}}
	for i, r := range req.Receipts {
		res.Outcomes = append(res.Outcomes, ledger.ReceiptOutcome{ReceiptID: r.Statement.ReceiptID, Status: ledger.OutcomeAccepted, Index: i})
		res.Receipts = append(res.Receipts, ledger.Receipt{ID: r.Statement.ReceiptID, GrantID: r.Statement.GrantID})
	}
	return res
}

func (b *groupBook) sent() []sentGroup {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.groups)
}

// testCoalescer is a coalescer that pauses for nothing and counts retries.
func testCoalescer() (*receiptCoalescer, *int) {
	retries := new(int)
	var mu sync.Mutex
	co := newReceiptCoalescer(time.Minute, nil, func() { mu.Lock(); *retries++; mu.Unlock() })
	co.pause = func() time.Duration { return 0 }
	return co, retries
}

func receiptFor(id, grant string) ledger.ReceiptRequest {
	return ledger.ReceiptRequest{Statement: attest.Statement{ReceiptID: id, GrantID: grant, Records: 1}}
}

// reply is what one caller got.
type reply struct {
	id      string
	receipt *ledger.Receipt
	err     error
}

// post submits receipts concurrently, each as its own caller, and returns
// a channel of their replies.
func post(co *receiptCoalescer, l groupLedger, reqs ...ledger.ReceiptRequest) <-chan reply {
	out := make(chan reply, len(reqs))
	for _, r := range reqs {
		go func() {
			rec, err := co.submit(context.Background(), l.user, l, r)
			out <- reply{id: r.Statement.ReceiptID, receipt: rec, err: err}
		}()
	}
	return out
}

// waitQueued waits until n receipts wait behind the transaction in flight
// on grant.
func waitQueued(t *testing.T, co *receiptCoalescer, grant string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		co.mu.Lock()
		q := co.queues[grant]
		got := 0
		if q != nil {
			got = len(q.waiting)
		}
		co.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d receipts never queued on %s", n, grant)
}

// collect reads n replies, by receipt ID (a reused ID keeps every reply).
func collect(t *testing.T, replies <-chan reply, n int) map[string][]reply {
	t.Helper()
	got := map[string][]reply{}
	for range n {
		select {
		case r := <-replies:
			got[r.id] = append(got[r.id], r)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d replies, want %d", len(got), n)
		}
	}
	return got
}

// holdFirst sends r-0 on grant and holds its transaction, so that what is
// posted next queues behind it; release lets every transaction through.
func holdFirst(t *testing.T, co *receiptCoalescer, b *groupBook, l groupLedger, grant string) (first <-chan reply, release func()) {
	t.Helper()
	gate := make(chan struct{})
	b.mu.Lock()
	b.gate = gate
	b.mu.Unlock()
	first = post(co, l, receiptFor("r-0", grant))
	<-b.entered
	return first, func() { close(gate) }
}

// Receipts posted while a transaction on their grant is in flight go
// together in the next one, and each caller gets its own receipt.
func TestCoalescerGroupsReceiptsOfAGrant(t *testing.T) {
	co, _ := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	first, release := holdFirst(t, co, b, l, "g-1")
	var reqs []ledger.ReceiptRequest
	for i := 1; i <= 5; i++ {
		reqs = append(reqs, receiptFor(fmt.Sprintf("r-%d", i), "g-1"))
	}
	rest := post(co, l, reqs...)
	waitQueued(t, co, "g-1", 5)
	release()
	got := collect(t, rest, 5)
	got["r-0"] = collect(t, first, 1)["r-0"]
	for id, rs := range got {
		if r := rs[0]; r.err != nil || r.receipt == nil || r.receipt.ID != id {
			t.Errorf("%s: got %+v, want its own receipt", id, r)
		}
	}
	groups := b.sent()
	if len(groups) != 2 || len(groups[1].ids) != 5 {
		t.Fatalf("got transactions %+v, want r-0 alone, then r-1…r-5 together", groups)
	}
	if b.most != 1 {
		t.Errorf("got %d transactions in flight on g-1 at once, want 1", b.most)
	}
}

// Grants do not wait for each other.
func TestCoalescerGrantsInParallel(t *testing.T) {
	co, _ := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	_, release := holdFirst(t, co, b, l, "g-1")
	other := post(co, l, receiptFor("r-x", "g-2"))
	select {
	case ids := <-b.entered:
		if ids[0] != "r-x" {
			t.Errorf("got %v in flight, want r-x of g-2", ids)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("g-2's receipt waited for g-1's transaction")
	}
	release()
	if r := collect(t, other, 1)["r-x"][0]; r.err != nil {
		t.Fatal(r.err)
	}
}

// A transaction is signed by one identity: receipts of different users on
// one grant go in different transactions, one after the other, the oldest
// receipt's user first.
func TestCoalescerKeepsUsersApart(t *testing.T) {
	co, _ := testCoalescer()
	b := newGroupBook()
	u1, u2 := groupLedger{user: "User1", book: b}, groupLedger{user: "User2", book: b}
	first, release := holdFirst(t, co, b, u1, "g-1")
	replies := make(chan reply, 3)
	for i, p := range []struct {
		l  groupLedger
		id string
	}{{u1, "r-1"}, {u2, "r-2"}, {u1, "r-3"}} {
		ch := post(co, p.l, receiptFor(p.id, "g-1"))
		waitQueued(t, co, "g-1", i+1) // posted in this order
		go func() { replies <- <-ch }()
	}
	release()
	collect(t, first, 1)
	collect(t, replies, 3)
	groups := b.sent()
	want := []sentGroup{{"User1", []string{"r-0"}}, {"User1", []string{"r-1", "r-3"}}, {"User2", []string{"r-2"}}}
	if len(groups) != len(want) {
		t.Fatalf("got transactions %+v, want %+v", groups, want)
	}
	for i := range want {
		if groups[i].user != want[i].user || !slices.Equal(groups[i].ids, want[i].ids) {
			t.Errorf("transaction %d: got %+v, want %+v", i, groups[i], want[i])
		}
	}
	if b.most != 1 {
		t.Errorf("got %d transactions in flight on g-1 at once, want 1", b.most)
	}
}

// A receipt ID posted twice at once goes in two transactions; the ledger
// refuses the second as a replay.
func TestCoalescerSameIDTwice(t *testing.T) {
	co, _ := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	recorded := map[string]bool{}
	b.answer = func(_ int, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
		res := acceptAll(req)
		for i, r := range req.Receipts {
			if id := r.Statement.ReceiptID; recorded[id] {
				res.Outcomes[i] = ledger.ReceiptOutcome{ReceiptID: id, Status: ledger.OutcomeRefused, Index: -1, Kind: "conflict", Reason: "replay: receipt " + id + " was already recorded"}
			}
			recorded[r.Statement.ReceiptID] = true
		}
		return res, nil
	}
	first, release := holdFirst(t, co, b, l, "g-1")
	twice := post(co, l, receiptFor("r-1", "g-1"), receiptFor("r-1", "g-1"))
	waitQueued(t, co, "g-1", 2)
	release()
	collect(t, first, 1)
	got := collect(t, twice, 2)["r-1"]
	accepted, replays := 0, 0
	for _, r := range got {
		switch {
		case r.err == nil:
			accepted++
		case errors.Is(r.err, client.ErrConflict):
			replays++
		}
	}
	if accepted != 1 || replays != 1 {
		t.Errorf("got %+v, want one accepted and one replay", got)
	}
	if groups := b.sent(); len(groups) != 3 {
		t.Errorf("got transactions %+v, want r-0, then r-1, then r-1 again", groups)
	}
}

// Each caller gets its own outcome: a refusal as SubmitReceipt would have
// answered it, of its kind, the others their receipts.
func TestCoalescerAnswersEachOutcome(t *testing.T) {
	co, _ := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	b.answer = func(_ int, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
		res := &ledger.ReceiptsResult{Receipts: []ledger.Receipt{}}
		for _, r := range req.Receipts {
			id := r.Statement.ReceiptID
			switch id {
			case "r-quota":
				res.Outcomes = append(res.Outcomes, ledger.ReceiptOutcome{ReceiptID: id, Status: ledger.OutcomeRefused, Index: -1, Kind: "refused", Reason: "over quota: grant g-1 has used all 10 calls"})
			case "r-time":
				res.Outcomes = append(res.Outcomes, ledger.ReceiptOutcome{ReceiptID: id, Status: ledger.OutcomeRefused, Index: -1, Kind: "invalid", Reason: "statement.time: is in the future"})
			default:
				res.Outcomes = append(res.Outcomes, ledger.ReceiptOutcome{ReceiptID: id, Status: ledger.OutcomeAccepted, Index: len(res.Receipts)})
				res.Receipts = append(res.Receipts, ledger.Receipt{ID: id})
			}
		}
		return res, nil
	}
	first, release := holdFirst(t, co, b, l, "g-1")
	rest := post(co, l, receiptFor("r-quota", "g-1"), receiptFor("r-ok", "g-1"), receiptFor("r-time", "g-1"))
	waitQueued(t, co, "g-1", 3)
	release()
	collect(t, first, 1)
	got := collect(t, rest, 3)
	if r := got["r-ok"][0]; r.err != nil || r.receipt.ID != "r-ok" {
		t.Errorf("r-ok: got %+v, want its receipt", r)
	}
	if err := got["r-quota"][0].err; !errors.Is(err, client.ErrRefused) || !strings.HasSuffix(err.Error(), "submit receipt r-quota: over quota: grant g-1 has used all 10 calls") {
		t.Errorf("r-quota: got %v, want refused over quota", err)
	}
	if err := got["r-time"][0].err; !errors.Is(err, client.ErrInvalid) || contractField(err.(*client.Error).Message) != "statement.time" {
		t.Errorf("r-time: got %v, want invalid on statement.time", err)
	}
	if groups := b.sent(); len(groups) != 2 || len(groups[1].ids) != 3 {
		t.Errorf("got transactions %+v, want the three together", groups)
	}
}

func readConflict() error {
	return &client.Error{Kind: client.ErrConflict, Op: "SubmitReceipts", Message: "transaction t-1 was invalidated: MVCC_READ_CONFLICT",
		Err: &gateway.CommitError{TransactionID: "t-1", Code: peer.TxValidationCode_MVCC_READ_CONFLICT}}
}

// A transaction that lost a read conflict (another API process on the
// grant) after the client's own retries is sent again; its callers see
// only their receipts.
func TestCoalescerRetriesConflicts(t *testing.T) {
	co, retries := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	b.answer = func(n int, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
		if n <= 2 {
			return nil, readConflict()
		}
		return acceptAll(req), nil
	}
	got := collect(t, post(co, l, receiptFor("r-1", "g-1")), 1)["r-1"][0]
	if got.err != nil || got.receipt.ID != "r-1" {
		t.Fatalf("got %+v, want r-1 recorded on the third transaction", got)
	}
	if n := len(b.sent()); n != 3 || *retries != 2 {
		t.Errorf("got %d transactions and %d retries, want 3 and 2", n, *retries)
	}
}

// The retries are bounded: after coalesceSends transactions the conflict
// is answered.
func TestCoalescerRetriesAreBounded(t *testing.T) {
	co, _ := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	b.answer = func(int, ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) { return nil, readConflict() }
	got := collect(t, post(co, l, receiptFor("r-1", "g-1")), 1)["r-1"][0]
	if !errors.Is(got.err, client.ErrConflict) {
		t.Fatalf("got %+v, want the read conflict once the sends ran out", got)
	}
	if n := len(b.sent()); n != coalesceSends {
		t.Errorf("got %d transactions, want %d", n, coalesceSends)
	}
}

// What may have recorded something, or cannot get better by trying again,
// is answered at once to every caller of the transaction.
func TestCoalescerAnswersOtherFailures(t *testing.T) {
	co, retries := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	unknown := &client.Error{Kind: client.ErrUnavailable, Op: "SubmitReceipts", Message: "outcome unknown, transaction t-1 may still commit"}
	b.answer = func(int, ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) { return nil, unknown }
	got := collect(t, post(co, l, receiptFor("r-1", "g-1")), 1)["r-1"][0]
	if !errors.Is(got.err, client.ErrUnavailable) || len(b.sent()) != 1 || *retries != 0 {
		t.Errorf("got %+v after %d transactions, want the outcome unknown after 1", got, len(b.sent()))
	}
	b.answer = func(int, ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
		return &ledger.ReceiptsResult{}, nil // no outcomes
	}
	got = collect(t, post(co, l, receiptFor("r-2", "g-1")), 1)["r-2"][0]
	if got.err == nil || client.Retryable(got.err) {
		t.Errorf("got %+v, want an error for an answer without outcomes", got)
	}
}

// A caller that gives up while its receipt waits takes it out: it is never
// sent. One that gives up while it is in flight is told the outcome is
// unknown.
func TestCoalescerCallerLeaves(t *testing.T) {
	co, _ := testCoalescer()
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	gate := make(chan struct{})
	b.gate = gate
	inFlightCtx, leaveInFlight := context.WithCancel(context.Background())
	inFlight := make(chan error, 1)
	go func() {
		_, err := co.submit(inFlightCtx, "User1", l, receiptFor("r-0", "g-1"))
		inFlight <- err
	}()
	<-b.entered
	queuedCtx, leaveQueued := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	go func() {
		_, err := co.submit(queuedCtx, "User1", l, receiptFor("r-1", "g-1"))
		queued <- err
	}()
	waitQueued(t, co, "g-1", 1)
	leaveQueued()
	if err := <-queued; !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "was not sent") {
		t.Errorf("queued caller: got %v, want canceled, not sent", err)
	}
	leaveInFlight()
	if err := <-inFlight; !errors.Is(err, client.ErrUnavailable) || !strings.Contains(err.Error(), "outcome unknown") {
		t.Errorf("caller in flight: got %v, want outcome unknown", err)
	}
	close(gate)
	deadline := time.Now().Add(5 * time.Second)
	for {
		co.mu.Lock()
		_, busy := co.queues["g-1"]
		co.mu.Unlock()
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the grant's queue never emptied")
		}
		time.Sleep(time.Millisecond)
	}
	if groups := b.sent(); len(groups) != 1 || !slices.Equal(groups[0].ids, []string{"r-0"}) {
		t.Errorf("got transactions %+v, want r-0 alone: r-1 left before it was sent", groups)
	}
}

// A transaction carries at most co.max receipts.
func TestCoalescerMax(t *testing.T) {
	co, _ := testCoalescer()
	co.max = 3
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	first, release := holdFirst(t, co, b, l, "g-1")
	var reqs []ledger.ReceiptRequest
	for i := 1; i <= 7; i++ {
		reqs = append(reqs, receiptFor(fmt.Sprintf("r-%d", i), "g-1"))
	}
	rest := post(co, l, reqs...)
	waitQueued(t, co, "g-1", 7)
	release()
	collect(t, first, 1)
	collect(t, rest, 7)
	var sizes []int
	for _, g := range b.sent() {
		sizes = append(sizes, len(g.ids))
	}
	if !slices.Equal(sizes, []int{1, 3, 3, 1}) {
		t.Errorf("got transactions of %v receipts, want [1 3 3 1]", sizes)
	}
}

// Through the API, a receipt's refusal is answered with its status and the
// contract's message, and its field when one is at fault.
func TestPostReceiptAnswersItsOwnOutcome(t *testing.T) {
	book := &receiptBook{refused: map[string]ledger.ReceiptOutcome{
		"r-quota": {Kind: "refused", Reason: "over quota: grant g-1 has used all 10 calls"},
		"r-time":  {Kind: "invalid", Reason: "statement.time: 2027-01-01T00:00:00Z is in the future of the transaction time"},
		"r-gone":  {Kind: "not found", Reason: "grant g-9 does not exist"},
	}}
	ts := newServerOver(t, book.ledger)
	body := func(id string) string {
		return `{"statement":{"receiptId":"` + id + `","grantId":"g-1","datasets":[{"id":"ds-1","fields":["visits"]}],"operation":"statistics","purpose":"research","records":10,` +
			`"inputDigest":"` + digest + `","outputDigest":"` + digest + `","time":1767225600},"signature":"0x` + strings.Repeat("ab", 65) + `"}`
	}
	tests := []struct {
		id, code, field, message string
		status                   int
	}{
		{"r-ok", "", "", "", http.StatusCreated},
		{"r-quota", "refused", "", "submit receipt r-quota: over quota: grant g-1 has used all 10 calls", http.StatusUnprocessableEntity},
		{"r-time", "invalid", "statement.time", "submit receipt r-time: statement.time: 2027-01-01T00:00:00Z is in the future", http.StatusBadRequest},
		{"r-gone", "not_found", "", "submit receipt r-gone: grant g-9 does not exist", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			rec := ts.do(t, request{method: http.MethodPost, path: "/v1/receipts", body: body(tt.id), user: "Admin"})
			if failed := checkAnswer(t, rec, tt.status, tt.code); failed || tt.status == http.StatusCreated {
				if tt.status == http.StatusCreated {
					var r ledger.Receipt
					if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.ID != tt.id || rec.Header().Get("Location") != "/v1/receipts/"+tt.id {
						t.Errorf("got %s (Location %q), want receipt %s", rec.Body, rec.Header().Get("Location"), tt.id)
					}
				}
				return
			}
			b := decodeErrorBody(t, rec)
			if b.Field != tt.field || !strings.HasPrefix(b.Message, tt.message) {
				t.Errorf("got %+v, want field %q and message %q…", b, tt.field, tt.message)
			}
		})
	}
}

// Clients that post one receipt after the other share transactions: after
// each transaction the next waits (up to the linger) for the callers just
// answered, so that they do not split into halves taking turns.
func TestCoalescerLingersForTheCallersAnswered(t *testing.T) {
	co, _ := testCoalescer()
	co.linger = time.Second // far more than a post takes, even on a loaded machine
	b := newGroupBook()
	l := groupLedger{user: "User1", book: b}
	gate := make(chan struct{})
	b.gate = gate
	const clients, each = 4, 3
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				if _, err := co.submit(context.Background(), "User1", l, receiptFor(fmt.Sprintf("r-%d-%d", c, i), "g-1")); err != nil {
					errs <- err
				}
			}
		})
	}
	// The first transaction holds the receipts that arrived before it
	// started; the others wait behind it.
	first := <-b.entered
	waitQueued(t, co, "g-1", clients-len(first))
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var sizes []int
	for _, g := range b.sent() {
		sizes = append(sizes, len(g.ids))
	}
	// The first transaction, then every client's next receipt together
	// (with 1 in the first: 1, 4, 4, 3).
	if len(sizes) > 4 {
		t.Errorf("got transactions of %v receipts, want the %d receipts in at most 4", sizes, clients*each)
	}
}

// resumedJournal is the journal of a keyed request whose earlier run
// recorded its first transaction.
type resumedJournal struct{}

func (resumedJournal) Sent(n int) (client.SentTransaction, bool) {
	return client.SentTransaction{Name: "SubmitReceipts", ID: "tx-1"}, n == 1
}
func (resumedJournal) Record(int, client.SentTransaction) error { return nil }
func (resumedJournal) Forget(int) error                         { return nil }

// A request run again after its first run's transaction was sent — shared
// with other callers' receipts — is not queued with others: it submits on
// its own context (where the client resends the recorded transaction) and
// answers with its own receipt's outcome from that transaction's result.
func TestCoalescerResumedRequestTakesItsOutcome(t *testing.T) {
	book := newGroupBook()
	book.answer = func(_ int, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
		// The recorded transaction's result: three receipts, ours the
		// second and refused, as the first run learnt it.
		return &ledger.ReceiptsResult{
			Outcomes: []ledger.ReceiptOutcome{
				{ReceiptID: "r-0", Status: ledger.OutcomeAccepted, Index: 0},
				{ReceiptID: "r-1", Status: ledger.OutcomeRefused, Index: -1, Kind: "refused", Reason: "over quota: 5 of 4 records"},
				{ReceiptID: "r-2", Status: ledger.OutcomeAccepted, Index: 1},
			},
			Receipts: []ledger.Receipt{{ID: "r-0"}, {ID: "r-2"}},
		}, nil
	}
	co, _ := testCoalescer()
	l := groupLedger{user: "u", book: book}
	ctx := client.WithJournal(context.Background(), resumedJournal{})
	_, err := co.submit(ctx, "u", l, receiptFor("r-1", "g-1"))
	if err == nil || !strings.Contains(err.Error(), "submit receipt r-1: over quota") {
		t.Fatalf("r-1: got %v, want its own refusal", err)
	}
	r, err := co.submit(client.WithJournal(context.Background(), resumedJournal{}), "u", l, receiptFor("r-2", "g-1"))
	if err != nil || r.ID != "r-2" {
		t.Fatalf("r-2: got %v, %v; want its receipt", r, err)
	}
	for _, g := range book.sent() {
		if len(g.ids) != 1 {
			t.Errorf("a resumed request went in a group: %v", g.ids)
		}
	}
	if _, err := co.submit(client.WithJournal(context.Background(), resumedJournal{}), "u", l, receiptFor("r-9", "g-1")); err == nil {
		t.Error("r-9: no error for a transaction without its outcome")
	}
}

// recordedLedger answers GetReceipt with the receipts it holds.
type recordedLedger struct {
	groupLedger
	recorded map[string]ledger.Receipt
}

func (l recordedLedger) GetReceipt(_ context.Context, id string) (*ledger.Receipt, error) {
	r, ok := l.recorded[id]
	if !ok {
		return nil, client.ErrNotFound
	}
	return &r, nil
}

// A resumed request whose earlier transaction recorded its receipt, while
// the client was told that transaction failed (copies of it committed in
// one block, a later copy's DUPLICATE_TXID read as its status) and so sent
// the receipt again alone, is refused as a replay naming that very
// transaction: the answer is the receipt it recorded, read back from the
// ledger. A replay naming another transaction stays a conflict.
func TestCoalescerResumedRequestRecordedByItsEarlierTransaction(t *testing.T) {
	book := newGroupBook()
	book.answer = func(_ int, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
		id := req.Receipts[0].Statement.ReceiptID
		by := map[string]string{"r-5": "tx-1", "r-6": "tx-other"}[id]
		return &ledger.ReceiptsResult{Outcomes: []ledger.ReceiptOutcome{{ReceiptID: id, Status: ledger.OutcomeRefused, Index: -1, Kind: "conflict",
			Reason: "replay: receipt " + id + " was already recorded in tx " + by + " at 2026-12-01T19:17:38Z"}}}, nil
	}
	co, _ := testCoalescer()
	l := recordedLedger{groupLedger: groupLedger{user: "u", book: book}, recorded: map[string]ledger.Receipt{
		"r-5": {ID: "r-5", Recorded: ledger.Stamp{TxID: "tx-1"}},
		"r-6": {ID: "r-6", Recorded: ledger.Stamp{TxID: "tx-other"}},
	}}
	r, err := co.submit(client.WithJournal(context.Background(), resumedJournal{}), "u", l, receiptFor("r-5", "g-1"))
	if err != nil || r.ID != "r-5" || r.Recorded.TxID != "tx-1" {
		t.Errorf("r-5, recorded by the request's earlier transaction: got %+v, %v; want the receipt it recorded", r, err)
	}
	if _, err := co.submit(client.WithJournal(context.Background(), resumedJournal{}), "u", l, receiptFor("r-6", "g-1")); !errors.Is(err, client.ErrConflict) {
		t.Errorf("r-6, recorded by another transaction: got %v, want a conflict", err)
	}
}
