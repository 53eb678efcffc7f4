package anchor

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// newTestBatcher returns a batcher over l and f that retries at once.
func newTestBatcher(t *testing.T, l *Log, f BatchLedger, most int, wait time.Duration) *Batcher {
	t.Helper()
	b, err := NewBatcher(l, f, BatcherOptions{MaxBatch: most, MaxWait: wait})
	if err != nil {
		t.Fatal(err)
	}
	b.backoff = func(int) time.Duration { return time.Millisecond }
	return b
}

// runUntil runs the batcher until done holds (then stops it and returns
// nil) or the batcher returns by itself (its error).
func runUntil(t *testing.T, b *Batcher, done func() bool) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- b.Run(ctx) }()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case err := <-ran:
			return err
		case <-deadline:
			t.Fatal("the batcher did not finish within 20s")
		case <-time.After(5 * time.Millisecond):
		}
		if done() {
			cancel()
			return <-ran
		}
	}
}

// allSettled reports whether no receipt of the log is pending.
func allSettled(l *Log) func() bool {
	return func() bool {
		c, err := l.Counts()
		if err != nil || c.Cut != c.Receipts || c.Open != 0 {
			return false
		}
		return true
	}
}

// wantAnchored fails the test unless every receipt is anchored with a
// proof that leads to its batch's root.
func wantAnchored(t *testing.T, l *Log, ids []string) {
	t.Helper()
	for _, id := range ids {
		rec, err := l.Receipt(id)
		if err != nil || rec.Status != StatusAnchored {
			t.Errorf("%s: got %+v, %v; want anchored", id, rec, err)
			continue
		}
		proof, err := l.Proof(rec)
		root, _ := attest.ParseDigest(rec.Root)
		if err != nil || !attest.VerifyProof(statement(id).Digest(), proof, root) {
			t.Errorf("%s: the proof does not verify (%v)", id, err)
		}
	}
}

func TestBatchesOfAtMostMaxBatchInLogOrder(t *testing.T) {
	l, _ := openTestLog(t)
	ids := appendN(t, l, 1, 7)
	f := newFakeLedger()
	// A wait of an hour: only a full batch is cut until the last one.
	b := newTestBatcher(t, l, f, 3, time.Hour)
	b.now = func() time.Time { return t0 } // r-7, acknowledged at t0, has just arrived
	if err := runUntil(t, b, func() bool { return len(f.batchIDs()) == 2 }); err != nil {
		t.Fatal(err)
	}
	store := l.StoreID()
	want := []string{"anchor-" + store + "-1-3", "anchor-" + store + "-4-6"}
	if got := f.batchIDs(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("batches: got %v, want %v (r-7 waits for company)", got, want)
	}
	if n, _, _ := l.Pending(); n != 1 {
		t.Errorf("pending: got %d, want r-7 alone", n)
	}
	// With a short wait the last receipt goes alone, once it has waited.
	b = newTestBatcher(t, l, f, 3, 50*time.Millisecond)
	if err := runUntil(t, b, allSettled(l)); err != nil {
		t.Fatal(err)
	}
	f.acceptedOnce(t, ids)
	wantAnchored(t, l, ids)
	rec, _ := l.Receipt("r-7")
	if rec.BatchID != "anchor-"+store+"-7-7" {
		t.Errorf("r-7: got batch %s", rec.BatchID)
	}
	batch, _ := l.Batch(rec.BatchID)
	if wait := batch.Cut.Sub(rec.Accepted); wait < 50*time.Millisecond {
		// Accepted is t0 (the tests' clock), Cut the batcher's time.Now:
		// far apart; what matters is that it was not cut before waiting.
		t.Errorf("r-7 was cut %s after it was acknowledged, before the wait", wait)
	}
}

// TestMaxWaitHoldsALoneReceipt: a lone receipt is cut only once it has
// waited MaxWait, and then without waiting for company any longer.
func TestMaxWaitHoldsALoneReceipt(t *testing.T) {
	l, _ := openTestLog(t)
	f := newFakeLedger()
	b := newTestBatcher(t, l, f, 500, 300*time.Millisecond)
	b.now = time.Now
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- b.Run(ctx) }()
	start := time.Now()
	if _, _, err := l.Append(receipt("lone"), "User1", start); err != nil {
		t.Fatal(err)
	}
	for !allSettled(l)() {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the lone receipt was not anchored within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("the lone receipt was anchored after %s, before its wait of 300ms", took)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}

// TestCrashBetweenCutAndSubmit: the batch was recorded in the log but the
// service died before the submission reached the ledger. The restarted
// batcher finds it open, asks the ledger (which has no such batch) and
// submits the same receipts under the same ID.
func TestCrashBetweenCutAndSubmit(t *testing.T) {
	l, path := openTestLog(t)
	ids := appendN(t, l, 1, 4)
	f := newFakeLedger()
	crash := make(chan struct{})
	f.before = func(ledger.BatchRequest) error {
		close(crash)
		<-make(chan struct{}) // the process dies here: never returns
		return nil
	}
	b := newTestBatcher(t, l, f, 500, time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { _ = b.Run(ctx) }()
	<-crash
	cancel()
	open, err := l.OpenBatches()
	if err != nil || len(open) != 1 {
		t.Fatalf("open batches at the crash: got %v, %v; want one", open, err)
	}
	// The process is gone: a new one opens the store.
	l2 := reopen(t, l, path, func() { f.before = nil })
	b2 := newTestBatcher(t, l2, f, 500, time.Millisecond)
	if err := runUntil(t, b2, allSettled(l2)); err != nil {
		t.Fatal(err)
	}
	f.acceptedOnce(t, ids)
	wantAnchored(t, l2, ids)
	if got := f.batchIDs(); len(got) != 1 || got[0] != open[0].ID {
		t.Errorf("batches on the ledger: got %v, want only %s", got, open[0].ID)
	}
}

// TestCrashBetweenSubmitAndSettle: the ledger recorded the batch but the
// service died before it recorded the answer. The restarted batcher reads
// the batch from the ledger and settles it without submitting it again;
// and when the read does not find it yet, the resubmission is answered
// with the batch as recorded.
func TestCrashBetweenSubmitAndSettle(t *testing.T) {
	for _, readFails := range []bool{false, true} {
		t.Run("read fails "+strconv.FormatBool(readFails), func(t *testing.T) {
			l, path := openTestLog(t)
			ids := appendN(t, l, 1, 5)
			f := newFakeLedger()
			crash := make(chan struct{})
			f.after = func(ledger.BatchRequest) error {
				close(crash)
				<-make(chan struct{})
				return nil
			}
			b := newTestBatcher(t, l, f, 500, time.Millisecond)
			ctx, cancel := context.WithCancel(t.Context())
			go func() { _ = b.Run(ctx) }()
			<-crash
			cancel()
			open, _ := l.OpenBatches()
			if len(open) != 1 {
				t.Fatalf("open batches at the crash: got %d, want 1", len(open))
			}
			l2 := reopen(t, l, path, func() {
				f.after = nil
				if readFails {
					f.reads = func(string) error { return unavailable("the peer is restarting") }
				}
			})
			b2 := newTestBatcher(t, l2, f, 500, time.Millisecond)
			if err := runUntil(t, b2, allSettled(l2)); err != nil {
				t.Fatal(err)
			}
			f.acceptedOnce(t, ids)
			wantAnchored(t, l2, ids)
			want := 1
			if readFails {
				want = 2 // the resubmission, answered with the recorded batch
			}
			if got := f.submitted(open[0].ID); got != want {
				t.Errorf("submissions of %s: got %d, want %d", open[0].ID, got, want)
			}
		})
	}
}

// reopen closes l, as a killed process's store is left, runs between (the
// process is down) and opens the store again.
func reopen(t *testing.T, l *Log, path string, between func()) *Log {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	between()
	l2, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l2.Close() })
	return l2
}

// TestRetriesWhatMayPass: an unreachable peer, a lost answer and a read
// conflict are tried again under the same ID until the batch is settled;
// the lost answer is read back rather than submitted again.
func TestRetriesWhatMayPass(t *testing.T) {
	l, _ := openTestLog(t)
	ids := appendN(t, l, 1, 3)
	f := newFakeLedger()
	var mu sync.Mutex
	failures := []error{
		unavailable("no peer answered"),
		&client.Error{Kind: client.ErrConflict, Op: "SubmitReceiptBatch", Message: "MVCC_READ_CONFLICT"},
		&client.Error{Kind: client.ErrEndorsement, Op: "SubmitReceiptBatch", Message: "peers disagree"},
	}
	f.before = func(ledger.BatchRequest) error {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) == 0 {
			return nil
		}
		err := failures[0]
		failures = failures[1:]
		return err
	}
	lost := true
	f.after = func(ledger.BatchRequest) error {
		mu.Lock()
		defer mu.Unlock()
		if lost {
			lost = false
			return unavailable("outcome unknown: the commit status did not come")
		}
		return nil
	}
	b := newTestBatcher(t, l, f, 500, time.Millisecond)
	if err := runUntil(t, b, allSettled(l)); err != nil {
		t.Fatal(err)
	}
	f.acceptedOnce(t, ids)
	wantAnchored(t, l, ids)
	id := f.batchIDs()[0]
	if got := f.submitted(id); got != 4 {
		t.Errorf("submissions: got %d, want 4 (three failures, one recorded whose answer was lost, then read back)", got)
	}
}

// TestWholeBatchRefusal: a refusal of the batch itself ends every receipt
// refused with the contract's reason, and the batcher goes on.
func TestWholeBatchRefusal(t *testing.T) {
	l, _ := openTestLog(t)
	appendN(t, l, 1, 2)
	f := newFakeLedger()
	f.before = func(req ledger.BatchRequest) error {
		return &client.Error{Kind: client.ErrRefused, Op: "SubmitReceiptBatch", Message: "submit receipt batch " + req.ID + ": the ledger is not bootstrapped"}
	}
	b := newTestBatcher(t, l, f, 500, time.Millisecond)
	if err := runUntil(t, b, allSettled(l)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"r-1", "r-2"} {
		rec, _ := l.Receipt(id)
		if rec.Status != StatusRefused || rec.Kind != "refused" || rec.Reason == "" {
			t.Errorf("%s: got %+v, want refused with the contract's reason", id, rec)
		}
	}
}

// TestAnotherBatchUnderOurID: a ledger batch under our ID from other
// receipts (only a store sharing our random name could make one) refuses
// our receipts as a conflict instead of anchoring them wrongly.
func TestAnotherBatchUnderOurID(t *testing.T) {
	l, _ := openTestLog(t)
	appendN(t, l, 1, 2)
	f := newFakeLedger()
	impostor := ledger.BatchRequest{ID: l.BatchID(1, 2), Receipts: []ledger.ReceiptRequest{receipt("x-1"), receipt("x-2")}}
	if _, err := f.SubmitReceiptBatch(t.Context(), impostor); err != nil {
		t.Fatal(err)
	}
	b := newTestBatcher(t, l, f, 500, time.Millisecond)
	if err := runUntil(t, b, allSettled(l)); err != nil {
		t.Fatal(err)
	}
	rec, _ := l.Receipt("r-1")
	if rec.Status != StatusRefused || rec.Kind != "conflict" {
		t.Errorf("r-1: got %+v, want refused as a conflict", rec)
	}
}

// TestKilledAtRandomMoments runs the batcher over a stream of receipts
// and kills it (abandons its goroutine mid-call and reopens the store) at
// random points of random submissions: before the ledger decides, after
// it recorded the batch, or not at all; some answers are lost without a
// kill. In the end every receipt is anchored exactly once.
func TestKilledAtRandomMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	l, path := openTestLog(t)
	f := newFakeLedger()
	var ids []string
	next := 1
	for round := 0; round < 12; round++ {
		n := 1 + rng.IntN(40)
		ids = append(ids, appendN(t, l, next, n)...)
		next += n
		killed := make(chan struct{})
		var once sync.Once
		kill := func() error {
			once.Do(func() { close(killed) })
			<-make(chan struct{})
			return nil
		}
		// The hooks are set under the fake's lock: a batcher of an earlier
		// round, abandoned mid-call as a killed process, may still be
		// reading them.
		switch rng.IntN(4) {
		case 0:
			f.setHooks(func(ledger.BatchRequest) error { return kill() }, nil)
		case 1:
			f.setHooks(nil, func(ledger.BatchRequest) error { return kill() })
		case 2:
			var left atomic.Int32
			left.Store(1)
			f.setHooks(nil, func(ledger.BatchRequest) error {
				if left.Add(-1) >= 0 {
					return unavailable("answer lost")
				}
				return nil
			})
		}
		b := newTestBatcher(t, l, f, 1+rng.IntN(16), time.Millisecond)
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error, 1)
		go func() { ran <- b.Run(ctx) }()
		select {
		case <-killed:
		case <-time.After(200 * time.Millisecond):
		case err := <-ran:
			t.Fatalf("round %d: the batcher stopped: %v", round, err)
		}
		cancel()
		l = reopen(t, l, path, func() { f.setHooks(nil, nil) })
	}
	b := newTestBatcher(t, l, f, 500, time.Millisecond)
	if err := runUntil(t, b, allSettled(l)); err != nil {
		t.Fatal(err)
	}
	f.acceptedOnce(t, ids)
	wantAnchored(t, l, ids)
	if last, err := l.LastEvent(); err != nil || last < uint64(len(ids)) {
		t.Errorf("events: got %d (%v), want at least one per receipt", last, err)
	}
}

func TestNewBatcherRefusesBadSettings(t *testing.T) {
	l, _ := openTestLog(t)
	for _, o := range []BatcherOptions{{MaxBatch: ledger.MaxBatch + 1}, {MaxBatch: -1}, {MaxWait: -time.Second}} {
		if _, err := NewBatcher(l, newFakeLedger(), o); err == nil {
			t.Errorf("options %+v: got no error", o)
		}
	}
	b, err := NewBatcher(l, newFakeLedger(), BatcherOptions{})
	if err != nil || b.most != DefaultMaxBatch || b.wait != DefaultMaxWait {
		t.Errorf("defaults: got %d, %s (%v)", b.most, b.wait, err)
	}
}
