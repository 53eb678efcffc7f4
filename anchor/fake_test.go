package anchor

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// t0 is the tests' "now": uses are signed a minute before it.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testAttestor signs every test receipt.
var testAttestor = attesttest.NewAttestorFromSeed("anchor-unit")

// statement returns a use of grant g-1 under id, a minute before t0.
func statement(id string) attest.Statement {
	return attest.Statement{
		ReceiptID: id, GrantID: "g-1",
		Datasets:  []attest.DatasetUse{{ID: "visits", Fields: []string{"age"}}},
		Operation: string(ledger.OpStatistics), Purpose: "credit-assessment", Records: 3,
		InputDigest: lt.Digest("in " + id), OutputDigest: lt.Digest("out " + id), Time: t0.Add(-time.Minute).Unix(),
	}
}

// receipt returns the signed receipt of statement(id).
func receipt(id string) ledger.ReceiptRequest {
	s := statement(id)
	return ledger.ReceiptRequest{Statement: s, Signature: testAttestor.Sign(s)}
}

// openTestLog opens a log in a fresh directory; the path lets a test
// reopen it, as a restarted service would.
func openTestLog(t *testing.T) (*Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "anchor.db")
	l, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l, path
}

// appendN appends receipts r-1 … r-n.
func appendN(t *testing.T, l *Log, from, n int) []string {
	t.Helper()
	var ids []string
	for i := from; i < from+n; i++ {
		id := "r-" + strconv.Itoa(i)
		if _, isNew, err := l.Append(receipt(id), "User1", t0); err != nil || !isNew {
			t.Fatalf("append %s: new %v, %v", id, isNew, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// fakeLedger is the contract's batch rules as the anchoring service relies
// on them: a batch ID is recorded once, with one outcome per receipt in
// request order; the same request again is answered with the batch as
// recorded; another request under the ID is a conflict; a receipt ID is
// accepted once (a replay is refused, as the contract refuses it).
type fakeLedger struct {
	mu       sync.Mutex
	batches  map[string]*ledger.Batch
	accepted map[string]int // receipt ID → times accepted
	// submits counts SubmitReceiptBatch calls per batch ID.
	submits map[string]int
	// refuse maps receipt IDs to the contract's reason for refusing them.
	refuse map[string]string
	// before runs before a submission is decided; an error fails it
	// without recording anything.
	before func(req ledger.BatchRequest) error
	// after runs once a batch is recorded; an error is returned instead of
	// the batch (the answer lost on its way back).
	after func(req ledger.BatchRequest) error
	// reads fails GetReceiptBatch when set.
	reads func(id string) error
	tx    int
}

func newFakeLedger() *fakeLedger {
	return &fakeLedger{batches: map[string]*ledger.Batch{}, accepted: map[string]int{}, submits: map[string]int{}, refuse: map[string]string{}}
}

// setHooks sets before and after under the fake's lock.
func (f *fakeLedger) setHooks(before, after func(ledger.BatchRequest) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before, f.after = before, after
}

func (f *fakeLedger) SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error) {
	f.mu.Lock()
	f.submits[req.ID]++
	before, after := f.before, f.after
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if before != nil {
		if err := before(req); err != nil {
			return nil, err
		}
	}
	if err := ledger.CheckBatch(req); err != nil {
		return nil, &client.Error{Kind: ledger.Kind(err), Op: "SubmitReceiptBatch", Message: err.Error(), Err: err}
	}
	f.mu.Lock()
	b, err := f.record(req)
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if after != nil {
		if err := after(req); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// record decides and records a batch (f.mu held).
func (f *fakeLedger) record(req ledger.BatchRequest) (*ledger.Batch, error) {
	if b, ok := f.batches[req.ID]; ok {
		if b.RequestDigest != req.Digest() {
			return nil, &client.Error{Kind: ledger.ErrConflict, Op: "SubmitReceiptBatch", Message: "batch " + req.ID + " already exists, recorded from other receipts"}
		}
		return b, nil
	}
	f.tx++
	b := &ledger.Batch{ID: req.ID, RequestDigest: req.Digest(), Totals: []ledger.GrantTotal{}, Created: ledger.Stamp{TxID: fmt.Sprintf("tx-%d", f.tx), Time: t0}}
	var leaves [][32]byte
	for _, r := range req.Receipts {
		id := r.Statement.ReceiptID
		reason, refused := f.refuse[id]
		if !refused && f.accepted[id] > 0 {
			reason, refused = "submit receipt "+id+": replay: receipt "+id+" was already recorded", true
		}
		if refused {
			b.Outcomes = append(b.Outcomes, ledger.ReceiptOutcome{ReceiptID: id, Status: ledger.OutcomeRefused, Index: -1, Kind: "refused", Reason: reason})
			b.Refused++
			continue
		}
		b.Outcomes = append(b.Outcomes, ledger.ReceiptOutcome{ReceiptID: id, Status: ledger.OutcomeAccepted, Index: len(leaves)})
		leaves = append(leaves, r.Statement.Digest())
		f.accepted[id]++
	}
	b.Count = len(leaves)
	if len(leaves) > 0 {
		root, err := attest.MerkleRoot(leaves)
		if err != nil {
			return nil, err
		}
		b.Root = attest.HexDigest(root)
	}
	f.batches[req.ID] = b
	return b, nil
}

func (f *fakeLedger) GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reads != nil {
		if err := f.reads(id); err != nil {
			return nil, err
		}
	}
	b, ok := f.batches[id]
	if !ok {
		return nil, &client.Error{Kind: ledger.ErrNotFound, Op: "GetReceiptBatch", Message: "batch " + id + " does not exist"}
	}
	return b, nil
}

// acceptedOnce fails the test unless every ID was accepted exactly once
// and nothing else was accepted.
func (f *fakeLedger) acceptedOnce(t *testing.T, ids []string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	lost, doubled := 0, 0
	for _, id := range ids {
		switch n := f.accepted[id]; {
		case n == 0:
			lost++
		case n > 1:
			doubled++
		}
	}
	if lost != 0 || doubled != 0 || len(f.accepted) != len(ids) {
		t.Errorf("the ledger accepted %d receipts for %d acknowledged: lost %d, doubled %d", len(f.accepted), len(ids), lost, doubled)
	}
}

func (f *fakeLedger) submitted(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.submits[id]
}

func (f *fakeLedger) batchIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id := range f.batches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// unavailable is the client's error for a peer that did not answer.
func unavailable(what string) error {
	return &client.Error{Kind: client.ErrUnavailable, Op: "SubmitReceiptBatch", Message: what}
}
