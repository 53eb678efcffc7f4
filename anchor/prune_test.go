package anchor

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
)

// TestPruneRemovesSettledBatchesOldestFirst: batches settled before the
// cutoff go with their receipts and events; a batch settled after it, an
// open batch and receipts not yet cut stay, whatever their age; the
// totals of the backlog do not change.
func TestPruneRemovesSettledBatchesOldestFirst(t *testing.T) {
	l, path := openTestLog(t)
	f := newFakeLedger()
	appendN(t, l, 1, 10)
	f.refuse["r-4"] = "submit receipt r-4: over quota"
	old1, _ := settleAt(t, l, f, 3, t0)                  // r-1..r-3
	old2, _ := settleAt(t, l, f, 3, t0.Add(time.Minute)) // r-4..r-6, r-4 refused
	recent, _ := settleAt(t, l, f, 2, t0.Add(time.Hour)) // r-7, r-8
	open, err := l.Cut(1, t0)                            // r-9, never settled
	if err != nil || open == nil {
		t.Fatal(err)
	}
	// A status read as retention removes its batch: not found, not a failure.
	readBefore, err := l.Receipt("r-1")
	if err != nil {
		t.Fatal(err)
	}
	before, err := l.Backlog()
	if err != nil {
		t.Fatal(err)
	}
	lastEvent, _ := l.LastEvent()

	// One batch at a time: the chunk bound holds.
	got, err := l.Prune(t0.Add(30*time.Minute), 1)
	if err != nil || got.Batches != 1 || got.Receipts != 3 || got.Events != 4 || got.Through != 3 {
		t.Fatalf("prune one batch: got %+v, %v; want %s: 3 receipts, 4 events, through 3", got, err, old1.ID)
	}
	got, err = l.Prune(t0.Add(30*time.Minute), 10)
	if err != nil || got.Batches != 1 || got.Receipts != 3 || got.Events != 4 || got.Through != 6 {
		t.Fatalf("prune the rest: got %+v, %v; want %s alone: the next settled after the cutoff", got, err, old2.ID)
	}
	if got, err := l.Prune(t0.Add(30*time.Minute), 10); err != nil || got.Batches != 0 || got.Through != 6 {
		t.Fatalf("prune again: got %+v, %v; want nothing", got, err)
	}
	for _, id := range []string{"r-1", "r-3", "r-4", "r-6"} {
		if _, err := l.Receipt(id); !errors.Is(err, ErrUnknownReceipt) {
			t.Errorf("pruned %s: got %v, want unknown", id, err)
		}
	}
	if _, err := l.Batch(old1.ID); err == nil {
		t.Errorf("pruned batch %s: still readable", old1.ID)
	}
	if _, err := l.Proof(readBefore); !errors.Is(err, ErrUnknownReceipt) || !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("proof of r-1 read before its batch was pruned: got %v, want not found", err)
	}
	for _, id := range []string{"r-7", "r-8"} {
		rec, err := l.Receipt(id)
		if err != nil || rec.Status != StatusAnchored || rec.BatchID != recent.ID {
			t.Fatalf("%s settled after the cutoff: got %+v, %v; want anchored in %s", id, rec, err, recent.ID)
		}
		if _, err := l.Proof(rec); err != nil {
			t.Errorf("proof of %s: %v", id, err)
		}
	}
	if rec, err := l.Receipt("r-9"); err != nil || rec.Status != StatusPending || rec.BatchID != open.ID {
		t.Errorf("r-9 in an open batch: got %+v, %v", rec, err)
	}
	if rec, err := l.Receipt("r-10"); err != nil || rec.BatchID != "" {
		t.Errorf("r-10 not cut: got %+v, %v", rec, err)
	}
	// Events: the stream resumes after the last pruned, not before.
	if _, err := l.EventsAfter(0, 100); !errors.Is(err, ErrEventsPruned) {
		t.Errorf("events after 0: got %v, want pruned", err)
	}
	if _, err := l.EventsAfter(7, 100); !errors.Is(err, ErrEventsPruned) {
		t.Errorf("events after 7: got %v, want pruned", err)
	}
	evs, err := l.EventsAfter(8, 100)
	if err != nil || len(evs) != int(lastEvent-8) || evs[0].ID != 9 || evs[len(evs)-1].Type != "batch.anchored" {
		t.Errorf("events after 8: got %+v, %v; want 9 to %d", evs, err, lastEvent)
	}
	if pos, ev, err := l.PrunedThrough(); pos != 6 || ev != 8 || err != nil {
		t.Errorf("pruned through: got %d, %d, %v; want 6, 8", pos, ev, err)
	}
	after, err := l.Backlog()
	if err != nil || after.Received != before.Received || after.Anchored != before.Anchored || after.Refused != before.Refused ||
		after.Unsettled != before.Unsettled || after.Waiting != before.Waiting || !after.OldestUnsettled.Equal(before.OldestUnsettled) {
		t.Errorf("backlog after pruning: got %+v, %v; want %+v", after, err, before)
	}

	// What pruning recorded survives a restart; appends go on numbering.
	l = reopen(t, l, path, func() {})
	if pos, ev, _ := l.PrunedThrough(); pos != 6 || ev != 8 {
		t.Errorf("pruned through after reopening: got %d, %d", pos, ev)
	}
	// A pruned receipt posted again is new to the log: the contract, which
	// has it, refuses it as a replay (the fake, as the contract does).
	rec, isNew, err := l.Append(receipt("r-2"), "User1", t0.Add(2*time.Hour))
	if err != nil || !isNew || rec.Seq != 11 {
		t.Fatalf("append pruned r-2 again: got %+v new %v, %v; want new at position 11", rec, isNew, err)
	}
	if open2, _ := l.OpenBatches(); len(open2) != 1 || open2[0].ID != open.ID {
		t.Errorf("open batches after pruning: got %+v, want %s", open2, open.ID)
	}
}

// TestPruneKeepsAnOpenBatchWhateverItsAge: a batch cut long ago and never
// settled (its answer lost, the service down) is what exactly once needs;
// nothing behind it is pruned either.
func TestPruneKeepsAnOpenBatchWhateverItsAge(t *testing.T) {
	l, _ := openTestLog(t)
	f := newFakeLedger()
	appendN(t, l, 1, 4)
	if _, err := l.Cut(2, t0); err != nil {
		t.Fatal(err)
	}
	// A later batch settled (only in a test: the batcher settles in order).
	settleAt(t, l, f, 2, t0)
	if p, err := l.Prune(t0.Add(1000*time.Hour), 10); err != nil || p.Batches != 0 {
		t.Fatalf("prune behind an open batch: got %+v, %v; want nothing", p, err)
	}
	for _, id := range []string{"r-1", "r-3"} {
		if _, err := l.Receipt(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

// TestPrunerRemovesWhatIsOlderThanTheRetention runs the pruner on a clock
// of its own, in chunks, until nothing older than the retention is left.
func TestPrunerRemovesWhatIsOlderThanTheRetention(t *testing.T) {
	l, _ := openTestLog(t)
	f := newFakeLedger()
	appendN(t, l, 1, pruneChunk+3)
	for range pruneChunk + 2 {
		settleAt(t, l, f, 1, t0)
	}
	settleAt(t, l, f, 1, t0.Add(2*time.Hour))
	now := t0.Add(90 * time.Minute)
	p, err := NewPruner(l, time.Hour, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Interval() != time.Minute {
		t.Errorf("interval of an hour's retention: got %s, want 1m", p.Interval())
	}
	got, err := p.PruneOnce()
	if err != nil || got.Batches != pruneChunk+2 || got.Receipts != pruneChunk+2 || got.Through != pruneChunk+2 {
		t.Fatalf("prune once: got %+v, %v; want %d batches", got, err, pruneChunk+2)
	}
	if _, err := l.Receipt("r-" + strconv.Itoa(pruneChunk+3)); err != nil {
		t.Errorf("the receipt settled within the retention: %v", err)
	}
	if _, err := NewPruner(l, 0, nil, nil, nil); err == nil {
		t.Error("a pruner without retention: got no error")
	}
	short, _ := NewPruner(l, 2*time.Second, nil, nil, nil)
	if short.Interval() != time.Second {
		t.Errorf("interval of 2s retention: got %s, want 1s", short.Interval())
	}
}

// TestPrunedAnswers: the status of a receipt no longer kept says where it
// is; an event stream resuming before the events kept is told so (410)
// instead of skipping them.
func TestPrunedAnswers(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.Retain = time.Hour })
	f := newFakeLedger()
	appendN(t, s.log, 1, 3)
	settleAt(t, s.log, f, 2, t0)
	settleAt(t, s.log, f, 1, t0.Add(2*time.Hour))
	if _, err := s.log.Prune(t0.Add(time.Hour), 10); err != nil {
		t.Fatal(err)
	}

	res := s.do(t, http.MethodGet, "/v1/receipts/r-1", "tok-1", nil)
	e := decode[struct{ Code, Message string }](t, res)
	if res.Code != http.StatusNotFound || !strings.Contains(e.Message, "receipt r-1 is not in the anchoring log (it keeps settled batches for 1h0m0s): one anchored earlier is on the ledger (GET /v1/receipts/r-1") {
		t.Errorf("status of pruned r-1: got %d %+v", res.Code, e)
	}
	if res := s.do(t, http.MethodGet, "/v1/receipts/r-3", "tok-1", nil); res.Code != http.StatusOK {
		t.Errorf("status of r-3: got %d %s", res.Code, res.Body)
	}
	for _, after := range []string{"0", "2"} {
		res := s.do(t, http.MethodGet, "/v1/events?lastEventId="+after, "tok-1", nil)
		e := decode[struct{ Code, Message string }](t, res)
		if res.Code != http.StatusGone || e.Code != "gone" || !strings.Contains(e.Message, "are no longer kept (it keeps settled batches for 1h0m0s): resume after event 3") {
			t.Errorf("events after %s: got %d %+v, want 410 naming event 3", after, res.Code, e)
		}
	}
}
