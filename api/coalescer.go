package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// Bounds of the receipt coalescer.
const (
	// coalesceMax is the most receipts one transaction carries.
	coalesceMax = ledger.MaxReceipts
	// coalesceSends is how many transactions a receipt may be sent in
	// when each fails in a way that recorded nothing (a read conflict with
	// another API process on the grant, endorsers disagreeing) after the
	// client's own retries: its failure is answered only after that.
	coalesceSends = 4
	// coalescePause bounds the random pause before a failed group is sent
	// again, so that two API processes that collided do not collide again.
	coalescePause = 100 * time.Millisecond
	// coalesceLinger is how long at least, after a transaction, the next
	// one waits for the callers just answered to post again (an HTTP round
	// trip); at most a tenth of the transaction's own time is waited when
	// that is longer (a loaded machine answers and posts slowly, too), so
	// that lingering never costs more than a tenth of the throughput.
	// Without it the clients split into two halves that take turns, each
	// transaction carrying half of them (measured: 8.0 receipts per
	// transaction with 16 clients, docs/design.md); it ends as soon as they
	// are all back.
	coalesceLinger = 25 * time.Millisecond
)

// receiptCoalescer sends the receipts posted one by one (POST /v1/receipts)
// for the same grant in as few transactions as possible: one transaction
// per grant in flight at a time, and the receipts that arrive meanwhile go
// together in the next one (SubmitReceipts), each recorded whole and
// decided on its own. Receipts of one grant read and write the grant's
// usage row, so concurrent transactions on a grant would fail each other's
// validation (MVCC_READ_CONFLICT) and get the endorsers to disagree while
// one of them lags a block; in one transaction they cannot. A transaction
// is signed by one identity, so a group holds the receipts of one user:
// the user of the oldest receipt waiting, whose receipts go first.
type receiptCoalescer struct {
	max, sends int
	linger     time.Duration
	// pause returns the pause before a failed group is sent again.
	pause func() time.Duration
	// timeout bounds a group none of whose callers has a deadline.
	timeout time.Duration
	// sent observes the size of every transaction; retried counts
	// groups sent again.
	sent    func(size int)
	retried func()

	mu     sync.Mutex
	queues map[string]*receiptQueue // by grant; present while one is in flight
}

func newReceiptCoalescer(timeout time.Duration, sent func(int), retried func()) *receiptCoalescer {
	return &receiptCoalescer{
		max: coalesceMax, sends: coalesceSends, linger: coalesceLinger, timeout: timeout, sent: sent, retried: retried,
		pause:  func() time.Duration { return rand.N(coalescePause) },
		queues: map[string]*receiptQueue{},
	}
}

// receiptQueue holds the receipts of one grant waiting for the transaction
// in flight to end.
type receiptQueue struct {
	waiting []*pendingReceipt
	// arrived is signalled (without blocking) when a receipt is queued.
	arrived chan struct{}
}

// pendingReceipt is one caller's receipt and where its answer goes.
type pendingReceipt struct {
	ctx   context.Context
	user  string
	l     ReceiptLedger
	req   ledger.ReceiptRequest
	sends int               // transactions it was sent in
	out   chan receiptReply // buffered: the sender never waits
	// share, when the caller's request is journaled (an Idempotency-Key),
	// is its place in that journal for the transaction it goes in: each
	// transaction the receipt is sent in is recorded there, so that the
	// request, run again after a crash, sends it again (resumeReceipt).
	share    client.JournalShare
	journals bool
}

type receiptReply struct {
	receipt *ledger.Receipt
	err     error
}

// submit records one receipt as user (whose ledger l is) and returns it as
// SubmitReceipt would: the receipt recorded, or its own refusal.
func (co *receiptCoalescer) submit(ctx context.Context, user string, l ReceiptLedger, req ledger.ReceiptRequest) (*ledger.Receipt, error) {
	if client.Resuming(ctx) {
		return resumeReceipt(ctx, l, req, client.ResumedTransaction(ctx))
	}
	p := &pendingReceipt{ctx: ctx, user: user, l: l, req: req, out: make(chan receiptReply, 1)}
	p.share, p.journals = client.NextShare(ctx)
	grant := req.Statement.GrantID
	co.mu.Lock()
	q, inFlight := co.queues[grant]
	if !inFlight {
		q = &receiptQueue{arrived: make(chan struct{}, 1)}
		co.queues[grant] = q
	}
	q.waiting = append(q.waiting, p)
	co.mu.Unlock()
	select {
	case q.arrived <- struct{}{}:
	default:
	}
	if !inFlight {
		go co.drain(grant, q)
	}
	select {
	case r := <-p.out:
		return r.receipt, r.err
	case <-ctx.Done():
	}
	co.mu.Lock()
	queued := q.remove(p)
	co.mu.Unlock()
	if queued {
		return nil, fmt.Errorf("receipt %s was not sent: %w", req.Statement.ReceiptID, ctx.Err())
	}
	select {
	case r := <-p.out:
		return r.receipt, r.err
	default:
	}
	return nil, &client.Error{
		Kind: client.ErrUnavailable, Op: "SubmitReceipts", Err: ctx.Err(),
		Message: fmt.Sprintf("outcome unknown, receipt %s is in a transaction that may still commit", req.Statement.ReceiptID),
	}
}

// drain sends the grant's waiting receipts, one transaction at a time,
// until none is left. After a transaction it lingers until the callers it
// answered have posted again, or co.linger passes: clients that post one
// receipt after the other then share the next transaction with those that
// waited, instead of the one after.
func (co *receiptCoalescer) drain(grant string, q *receiptQueue) {
	for {
		co.mu.Lock()
		group := q.take(co.max)
		if len(group) == 0 {
			delete(co.queues, grant)
			co.mu.Unlock()
			return
		}
		co.mu.Unlock()
		began := time.Now()
		again := co.send(group)
		took := time.Since(began)
		if len(again) > 0 {
			time.Sleep(co.pause())
			co.mu.Lock()
			q.waiting = append(again, q.waiting...)
			co.mu.Unlock()
			continue
		}
		co.mu.Lock()
		want := min(co.max, len(q.waiting)+len(group))
		co.mu.Unlock()
		co.lingerFor(q, want, max(co.linger, took/10))
	}
}

// lingerFor waits until want receipts are queued, or d passes.
func (co *receiptCoalescer) lingerFor(q *receiptQueue, want int, d time.Duration) {
	if co.linger <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		co.mu.Lock()
		n := len(q.waiting)
		co.mu.Unlock()
		if n >= want {
			return
		}
		select {
		case <-q.arrived:
		case <-timer.C:
			return
		}
	}
}

// take removes from the queue the next group: the oldest receipt whose
// caller still waits, and after it, in order, the receipts of the same
// user, up to most, no receipt ID twice (the second goes in a later
// transaction, where it is refused as a replay). Receipts whose callers
// gave up stay for them to remove.
func (q *receiptQueue) take(most int) []*pendingReceipt {
	var group, rest []*pendingReceipt
	ids := map[string]bool{}
	for _, p := range q.waiting {
		id := p.req.Statement.ReceiptID
		if p.ctx.Err() == nil && len(group) < most && (len(group) == 0 || p.user == group[0].user) && !ids[id] {
			group = append(group, p)
			ids[id] = true
			continue
		}
		rest = append(rest, p)
	}
	q.waiting = rest
	return group
}

// remove takes p out of the queue; false when it is no longer there (it
// was sent).
func (q *receiptQueue) remove(p *pendingReceipt) bool {
	i := slices.Index(q.waiting, p)
	if i < 0 {
		return false
	}
	q.waiting = slices.Delete(q.waiting, i, i+1)
	return true
}

// send submits a group in one transaction and answers each caller; it
// returns the receipts to send again, when the transaction failed in a way
// that recorded nothing and they have sends left.
func (co *receiptCoalescer) send(group []*pendingReceipt) []*pendingReceipt {
	reqs := make([]ledger.ReceiptRequest, len(group))
	for i, p := range group {
		reqs[i] = p.req
		p.sends++
	}
	if co.sent != nil {
		co.sent(len(group))
	}
	var shares []client.JournalShare
	for _, p := range group {
		if p.journals {
			shares = append(shares, p.share)
		}
	}
	ctx, cancel := groupContext(group, co.timeout)
	res, err := group[0].l.SubmitReceipts(client.WithShares(ctx, shares), ledger.ReceiptsRequest{Receipts: reqs})
	cancel()
	if err == nil {
		err = checkOutcomes(res, reqs)
	}
	if err != nil {
		var again []*pendingReceipt
		for _, p := range group {
			if client.Retryable(err) && p.sends < co.sends && p.ctx.Err() == nil {
				again = append(again, p)
				continue
			}
			p.out <- receiptReply{err: err}
		}
		if len(again) > 0 && co.retried != nil {
			co.retried()
		}
		return again
	}
	for i, p := range group {
		p.out <- outcomeReply(res.Outcomes[i], res)
	}
	return nil
}

// resumeReceipt runs again a request whose earlier run recorded the
// transaction its receipt went in (and died before answering): that
// transaction, shared with other callers' receipts, is sent again under the
// request's own journal, and the receipt's outcome is read from its
// result. When the ledger had invalidated it, the client sends the receipt
// alone in a new one. earlier is the ID of the transaction sent before.
//
// A replay refusal that names earlier means that transaction recorded the
// receipt after all and the client was told otherwise: several runs resent
// it at once, its copies were ordered into one block, and the commit
// status a run read was a later copy's (DUPLICATE_TXID). The receipt that
// transaction recorded is then the answer, as the first run would have
// given it; the ledger's own record, read back, decides.
func resumeReceipt(ctx context.Context, l ReceiptLedger, req ledger.ReceiptRequest, earlier string) (*ledger.Receipt, error) {
	res, err := l.SubmitReceipts(ctx, ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{req}})
	if err != nil {
		return nil, err
	}
	id := req.Statement.ReceiptID
	for _, o := range res.Outcomes {
		if o.ReceiptID != id {
			continue
		}
		if !o.Accepted() && earlier != "" && o.Kind == "conflict" && strings.Contains(o.Reason, "replay: receipt "+id+" was already recorded in tx "+earlier) {
			if r, gerr := l.GetReceipt(ctx, id); gerr == nil && r.ID == id && r.Recorded.TxID == earlier {
				return r, nil
			}
		}
		if o.Accepted() && (o.Index < 0 || o.Index >= len(res.Receipts) || res.Receipts[o.Index].ID != id) {
			return nil, fmt.Errorf("SubmitReceipts: receipt %s accepted without its record", id)
		}
		r := outcomeReply(o, res)
		return r.receipt, r.err
	}
	return nil, fmt.Errorf("SubmitReceipts: the transaction this request sent before has no outcome for receipt %s", id)
}

// groupContext bounds a group's transaction by the latest deadline of its
// callers, and by none of their cancellations: a caller that leaves does
// not take the others' receipts with it.
func groupContext(group []*pendingReceipt, timeout time.Duration) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, p := range group {
		d, ok := p.ctx.Deadline()
		if !ok {
			return context.WithTimeout(context.Background(), timeout)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}

// checkOutcomes checks that the ledger answered one outcome per receipt, in
// order, and that each accepted one points at its receipt.
func checkOutcomes(res *ledger.ReceiptsResult, reqs []ledger.ReceiptRequest) error {
	if res == nil || len(res.Outcomes) != len(reqs) {
		return fmt.Errorf("SubmitReceipts: got an answer without one outcome for each of the %d receipts", len(reqs))
	}
	for i, o := range res.Outcomes {
		id := reqs[i].Statement.ReceiptID
		switch {
		case o.ReceiptID != id:
			return fmt.Errorf("SubmitReceipts: outcome %d is of receipt %q, want %q", i, o.ReceiptID, id)
		case o.Accepted() && (o.Index < 0 || o.Index >= len(res.Receipts) || res.Receipts[o.Index].ID != id):
			return fmt.Errorf("SubmitReceipts: receipt %s accepted without its record", id)
		case !o.Accepted() && o.Status != ledger.OutcomeRefused:
			return fmt.Errorf("SubmitReceipts: receipt %s has status %q", id, o.Status)
		}
	}
	return nil
}

// outcomeReply is one caller's answer: its receipt, or its refusal as the
// error SubmitReceipt would have returned ("submit receipt <id>: <reason>",
// of the refusal's kind), which the error table maps to its status.
func outcomeReply(o ledger.ReceiptOutcome, res *ledger.ReceiptsResult) receiptReply {
	if o.Accepted() {
		r := res.Receipts[o.Index]
		return receiptReply{receipt: &r}
	}
	rule := o.Err()
	return receiptReply{err: &client.Error{
		Kind: ledger.Kind(rule), Op: "SubmitReceipts", Message: "submit receipt " + o.ReceiptID + ": " + o.Reason, Err: rule,
	}}
}
