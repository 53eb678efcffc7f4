package anchor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

func TestAppendIsDurableOrderedAndIdempotent(t *testing.T) {
	l, path := openTestLog(t)
	appendN(t, l, 1, 3)
	// The same receipt again: the record as it is, nothing appended.
	rec, isNew, err := l.Append(receipt("r-2"), "User2", t0.Add(time.Hour))
	if err != nil || isNew || rec.Seq != 2 || rec.User != "User1" || !rec.Accepted.Equal(t0) {
		t.Fatalf("append r-2 again: got %+v new %v, %v; want position 2 as first posted", rec, isNew, err)
	}
	// The same ID with another statement.
	other := statement("r-2")
	other.Records = 99
	_, _, err = l.Append(ledger.ReceiptRequest{Statement: other, Signature: testAttestor.Sign(other)}, "User1", t0)
	if !errors.Is(err, ErrReplay) || !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("append r-2 with another statement: got %v, want a replay conflict", err)
	}
	id := l.StoreID()
	l = reopen(t, l, path, func() {})
	if l.StoreID() != id || len(id) != 12 {
		t.Errorf("store ID after reopening: got %q, want %q (12 hex characters)", l.StoreID(), id)
	}
	for i, id := range []string{"r-1", "r-2", "r-3"} {
		rec, err := l.Receipt(id)
		if err != nil || rec.Seq != uint64(i+1) || rec.Status != StatusPending || rec.Index != -1 || rec.Digest != attest.HexDigest(statement(id).Digest()) {
			t.Errorf("receipt %s after reopening: got %+v, %v; want pending at position %d", id, rec, err, i+1)
		}
	}
	if _, err := l.Receipt("r-4"); !errors.Is(err, ErrUnknownReceipt) || !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown receipt: got %v, want not found", err)
	}
	if n, oldest, err := l.Pending(); n != 3 || !oldest.Equal(t0) || err != nil {
		t.Errorf("pending: got %d since %s (%v), want 3 since %s", n, oldest, err, t0)
	}
}

// TestConcurrentAppends: receipts posted at once share commits but each
// gets a position of its own, without gaps; the same receipt posted twice
// at once is appended once.
func TestConcurrentAppends(t *testing.T) {
	l, _ := openTestLog(t)
	const n = 64
	var wg sync.WaitGroup
	seqs := make([]uint64, 2*n)
	for i := range 2 * n {
		wg.Go(func() {
			rec, _, err := l.Append(receipt(fmt.Sprintf("c-%d", i%n)), "User1", t0)
			if err != nil {
				t.Errorf("append: %v", err)
				return
			}
			seqs[i] = rec.Seq
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i := range n {
		if seqs[i] != seqs[i+n] {
			t.Errorf("c-%d posted twice got positions %d and %d", i, seqs[i], seqs[i+n])
		}
		seen[seqs[i]] = true
	}
	for s := uint64(1); s <= n; s++ {
		if !seen[s] {
			t.Errorf("position %d is missing", s)
		}
	}
	if c, err := l.Counts(); err != nil || c.Receipts != n {
		t.Errorf("counts: got %+v (%v), want %d receipts", c, err, n)
	}
}

func TestCutIsDurableAndRebuildsTheSameRequest(t *testing.T) {
	l, path := openTestLog(t)
	appendN(t, l, 1, 5)
	b, err := l.Cut(3, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := "anchor-" + l.StoreID() + "-1-3"
	if b.ID != want || b.First != 1 || b.Last != 3 || b.State != batchOpen {
		t.Fatalf("first cut: got %+v, want %s over 1-3, open", b, want)
	}
	if err := ledger.CheckID("id", b.ID); err != nil {
		t.Errorf("batch ID %s is not a ledger ID: %v", b.ID, err)
	}
	req, err := l.Request(*b)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// A restart finds the batch open and rebuilds the same request.
	l, err = OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	open, err := l.OpenBatches()
	if err != nil || len(open) != 1 || open[0].ID != b.ID {
		t.Fatalf("open batches after reopening: got %+v, %v; want %s", open, err, b.ID)
	}
	again, err := l.Request(open[0])
	if err != nil || again.ID != req.ID || again.Digest() != req.Digest() || len(again.Receipts) != 3 {
		t.Fatalf("rebuilt request: got %s with %d receipts (%v), want %s", again.Digest(), len(again.Receipts), err, req.Digest())
	}
	if rec, _ := l.Receipt("r-2"); rec.BatchID != b.ID || rec.Status != StatusPending {
		t.Errorf("r-2 after the cut: got %+v, want pending in %s", rec, b.ID)
	}
	// The next cut takes the positions after, never one twice.
	b2, err := l.Cut(3, t0)
	if err != nil || b2.First != 4 || b2.Last != 5 {
		t.Fatalf("second cut: got %+v, %v; want 4-5", b2, err)
	}
	if b3, err := l.Cut(3, t0); b3 != nil || err != nil {
		t.Errorf("cut with nothing pending: got %+v, %v; want nothing", b3, err)
	}
	if _, err := l.Cut(ledger.MaxBatch+1, t0); err == nil {
		t.Error("cut of more than the contract's batch: got no error")
	}
}

// settleFirst cuts the log's receipts into one batch, records it in f and
// settles it.
func settleFirst(t *testing.T, l *Log, f *fakeLedger) (*BatchRecord, *ledger.Batch) {
	t.Helper()
	return settleAt(t, l, f, ledger.MaxBatch, t0.Add(time.Second))
}

// settleAt cuts up to n receipts into a batch at t0, records it in f and
// settles it at the given time.
func settleAt(t *testing.T, l *Log, f *fakeLedger, n int, at time.Time) (*BatchRecord, *ledger.Batch) {
	t.Helper()
	b, err := l.Cut(n, t0)
	if err != nil || b == nil {
		t.Fatalf("cut: %+v, %v", b, err)
	}
	req, err := l.Request(*b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.SubmitReceiptBatch(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := l.Settle(*b, got, at)
	if err != nil || len(recs) != b.Size() {
		t.Fatalf("settle: got %d records, %v", len(recs), err)
	}
	return b, got
}

func TestSettleRecordsOutcomesProofsAndEvents(t *testing.T) {
	l, _ := openTestLog(t)
	appendN(t, l, 1, 5)
	f := newFakeLedger()
	f.refuse["r-2"] = "submit receipt r-2: over quota: grant g-1 has used all 1 calls"
	b, got := settleFirst(t, l, f)
	root, _ := attest.ParseDigest(got.Root)
	for i, id := range []string{"r-1", "r-3", "r-4", "r-5"} {
		rec, err := l.Receipt(id)
		if err != nil || rec.Status != StatusAnchored || rec.Index != i || rec.TxID != got.Created.TxID || rec.Root != got.Root || rec.BatchID != b.ID {
			t.Fatalf("%s: got %+v, %v; want anchored at leaf %d of %s", id, rec, err, i, b.ID)
		}
		proof, err := l.Proof(rec)
		if err != nil {
			t.Fatal(err)
		}
		if !attest.VerifyProof(statement(id).Digest(), proof, root) {
			t.Errorf("the proof of %s does not lead to the batch root", id)
		}
	}
	rec, _ := l.Receipt("r-2")
	if rec.Status != StatusRefused || rec.Reason != f.refuse["r-2"] || rec.Kind != "refused" || rec.Index != -1 {
		t.Errorf("r-2: got %+v, want refused with the contract's reason", rec)
	}
	if _, err := l.Proof(rec); err == nil {
		t.Error("proof of a refused receipt: got no error")
	}
	evs, err := l.EventsAfter(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, e := range evs {
		if e.ID != uint64(i+1) {
			t.Errorf("event %d has ID %d", i, e.ID)
		}
		types = append(types, e.Type)
	}
	want := "receipt.anchored receipt.refused receipt.anchored receipt.anchored receipt.anchored batch.anchored"
	if strings.Join(types, " ") != want {
		t.Errorf("events: got %v, want %s", types, want)
	}
	// The same answer again changes nothing.
	if recs, err := l.Settle(*b, got, t0); err != nil || recs != nil {
		t.Errorf("settle twice: got %d records, %v; want nothing", len(recs), err)
	}
	if last, _ := l.LastEvent(); last != 6 {
		t.Errorf("events after settling twice: got %d, want 6", last)
	}
	if after, _ := l.EventsAfter(4, 100); len(after) != 2 || after[0].ID != 5 {
		t.Errorf("events after 4: got %+v, want 5 and 6", after)
	}
}

// TestSettleRefusesAnotherBatch: an answer that is not the log's batch
// (other receipts, outcomes out of order, a wrong root) changes nothing.
func TestSettleRefusesAnotherBatch(t *testing.T) {
	tests := []struct {
		name   string
		change func(b *ledger.Batch)
	}{
		{"another request", func(b *ledger.Batch) { b.RequestDigest = "0x00" }},
		{"an outcome missing", func(b *ledger.Batch) { b.Outcomes = b.Outcomes[1:] }},
		{"outcomes out of order", func(b *ledger.Batch) { b.Outcomes[0], b.Outcomes[1] = b.Outcomes[1], b.Outcomes[0] }},
		{"a leaf out of place", func(b *ledger.Batch) { b.Outcomes[1].Index = 5 }},
		{"another root", func(b *ledger.Batch) { b.Root = attest.HexDigest(statement("x").Digest()) }},
		{"another count", func(b *ledger.Batch) { b.Count = 1 }},
		{"another ID", func(b *ledger.Batch) { b.ID = "anchor-x-1-3" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := openTestLog(t)
			appendN(t, l, 1, 3)
			b, err := l.Cut(10, t0)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := l.Request(*b)
			got, err := newFakeLedger().SubmitReceiptBatch(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(got)
			if _, err := l.Settle(*b, got, t0); !errors.Is(err, ErrNotOurBatch) {
				t.Fatalf("settle: got %v, want ErrNotOurBatch", err)
			}
			if open, _ := l.OpenBatches(); len(open) != 1 {
				t.Errorf("open batches: got %d, want the batch still open", len(open))
			}
			if last, _ := l.LastEvent(); last != 0 {
				t.Errorf("events: got %d, want none", last)
			}
		})
	}
}

func TestRefuseSettlesEveryReceipt(t *testing.T) {
	l, _ := openTestLog(t)
	appendN(t, l, 1, 2)
	b, _ := l.Cut(10, t0)
	recs, err := l.Refuse(*b, "refused", "submit receipt batch: not bootstrapped", t0)
	if err != nil || len(recs) != 2 {
		t.Fatalf("refuse: got %d records, %v", len(recs), err)
	}
	for _, id := range []string{"r-1", "r-2"} {
		if rec, _ := l.Receipt(id); rec.Status != StatusRefused || rec.Reason != "submit receipt batch: not bootstrapped" {
			t.Errorf("%s: got %+v, want refused with the batch's reason", id, rec)
		}
	}
	evs, _ := l.EventsAfter(0, 10)
	if len(evs) != 3 || evs[2].Type != "batch.refused" {
		t.Errorf("events: got %+v, want two receipt.refused and batch.refused", evs)
	}
}

// TestSecondOpenerWaits: bbolt locks the file, so a second service on the
// same store fails instead of writing beside the first.
func TestSecondOpenerWaits(t *testing.T) {
	_, path := openTestLog(t)
	if l, err := OpenLog(path); err == nil {
		l.Close()
		t.Fatal("a second open of a store in use succeeded")
	}
}

// TestBacklogCounts: the backlog follows the receipts from acknowledgement
// to the contract's answer, counts as Unsettled does, and keeps the counts
// of anchored and refused receipts across a restart; a store written
// before they were kept has them counted from its batches when opened.
func TestBacklogCounts(t *testing.T) {
	l, path := openTestLog(t)
	check := func(l *Log, when string, want Backlog, inFlight string) {
		t.Helper()
		got, err := l.Backlog()
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		gotID := ""
		if got.InFlight != nil {
			gotID = got.InFlight.ID
		}
		got.InFlight = nil
		if got != want || gotID != inFlight {
			t.Errorf("%s: got %+v in flight %q, want %+v in flight %q", when, got, gotID, want, inFlight)
		}
		if n, err := l.Unsettled(); err != nil || n != got.Unsettled {
			t.Errorf("%s: Unsettled %d, %v; the backlog says %d", when, n, err, got.Unsettled)
		}
	}
	check(l, "empty", Backlog{}, "")

	for i := 1; i <= 3; i++ {
		id := "r-" + strconv.Itoa(i)
		if _, _, err := l.Append(receipt(id), "User1", t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	check(l, "three appended", Backlog{Received: 3, Unsettled: 3, Waiting: 3, OldestUnsettled: t0.Add(time.Second)}, "")

	f := newFakeLedger()
	f.refuse["r-2"] = "submit receipt r-2: over quota"
	b, err := l.Cut(10, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Append(receipt("r-4"), "User1", t0.Add(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	check(l, "three cut, one more appended", Backlog{Received: 4, Unsettled: 4, Waiting: 1, OldestUnsettled: t0.Add(time.Second)}, b.ID)
	if got, _ := l.Backlog(); got.InFlight.Size() != 3 || !got.InFlight.Cut.Equal(t0.Add(time.Minute)) {
		t.Errorf("in flight: got %+v, want the batch of three cut at t0+1m", got.InFlight)
	}

	req, _ := l.Request(*b)
	got, err := f.SubmitReceiptBatch(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Settle(*b, got, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	check(l, "settled", Backlog{Received: 4, Unsettled: 1, Waiting: 1, Anchored: 2, Refused: 1, OldestUnsettled: t0.Add(4 * time.Second)}, "")
	// Settling the same batch again counts nothing twice.
	if _, err := l.Settle(*b, got, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	b2, _ := l.Cut(10, t0.Add(3*time.Minute))
	if _, err := l.Refuse(*b2, "refused", "not bootstrapped", t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	after := Backlog{Received: 4, Anchored: 2, Refused: 2}
	check(l, "the second batch refused", after, "")

	// A restart keeps the counts; a store without them counts its batches.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	check(l2, "reopened", after, "")
	err = l2.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		return errors.Join(meta.Delete(keyAnchored), meta.Delete(keyRefused))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	l3, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l3.Close() })
	check(l3, "reopened without the counts", after, "")
}
