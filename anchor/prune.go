package anchor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Retention. At the rate data is used the log grows by a few kilobytes a
// receipt (the receipt, its status, its event), gigabytes a day, and what
// it holds of a settled receipt is also on the ledger: an anchored
// receipt's record, its batch and its root, from which the platform's API
// answers the receipt and its proof; a refused one was never the ledger's.
// So the service removes settled batches some time after they settled,
// with their receipts and events, oldest first. It never removes a batch
// still open, nor a receipt not yet in a settled batch: exactly once does
// not depend on what pruning keeps.

// DefaultRetain is a day: a trusted environment reads a receipt's status
// within seconds of posting it, or once it is back after an outage; a day
// covers the outages a platform plans for, and keeps the log at a day of
// receipts (gigabytes, at thousands a minute) rather than growing for ever.
const DefaultRetain = 24 * time.Hour

// ErrEventsPruned: events asked for after an event older than the oldest
// the log still keeps; retention removed some of them. The event stream
// answers it 410 (Server.resumeAfter).
var ErrEventsPruned = errors.New("events pruned")

func eventsPruned(pruned uint64) error {
	return fmt.Errorf("%w: retention removed the events up to %d", ErrEventsPruned, pruned)
}

// Pruned is what one call of Prune removed.
type Pruned struct {
	Batches, Receipts, Events int
	// Through is the last log position removed so far, over all calls.
	Through uint64
}

// Prune removes up to most batches that settled before cutoff, oldest
// first, with their receipts (records and IDs) and the events up to each
// batch's own, in one transaction. It stops at the first batch still open
// or settled at or after cutoff: batches settle in log order, so nothing
// older than that batch is left behind. A receipt whose ID it removes may
// be posted again: the log takes it as new, and the contract refuses it as
// the replay it is.
func (l *Log) Prune(cutoff time.Time, most int) (Pruned, error) {
	var p Pruned
	err := l.db.Update(func(tx *bolt.Tx) error {
		p = Pruned{}
		receipts, ids, batches := tx.Bucket(bucketReceipts), tx.Bucket(bucketIDs), tx.Bucket(bucketBatches)
		events := tx.Bucket(bucketEvents)
		through, eventsThrough := metaSeq(tx, keyPruned), metaSeq(tx, keyEventsPruned)
		for p.Batches < most {
			// The oldest receipt kept, and the batch it belongs to.
			var first Record
			if err := getJSON(receipts, seqKey(through+1), &first); err != nil {
				if errors.Is(err, errMissing) {
					break
				}
				return fmt.Errorf("receipt at position %d: %w", through+1, err)
			}
			if first.BatchID == "" {
				break // not cut yet
			}
			var b BatchRecord
			if err := getJSON(batches, []byte(first.BatchID), &b); err != nil {
				return fmt.Errorf("batch %s: %w", first.BatchID, err)
			}
			if b.State == batchOpen || !b.Settled.Before(cutoff) {
				break
			}
			if b.First != through+1 {
				return fmt.Errorf("batch %s starts at position %d, the oldest kept receipt is at %d", b.ID, b.First, through+1)
			}
			err := eachRecord(tx, b.First, b.Last, func(r *Record) error {
				if err := ids.Delete([]byte(r.ReceiptID())); err != nil {
					return err
				}
				return receipts.Delete(seqKey(r.Seq))
			})
			if err != nil {
				return fmt.Errorf("prune batch %s: %w", b.ID, err)
			}
			// Events up to the batch's own: every one of them was recorded
			// by this batch's settling or an earlier one. A batch settled
			// before batches kept their last event's ID leaves its events
			// to the next batch that has one.
			for ; eventsThrough < b.LastEvent; eventsThrough++ {
				if err := events.Delete(seqKey(eventsThrough + 1)); err != nil {
					return err
				}
				p.Events++
			}
			if err := batches.Delete([]byte(b.ID)); err != nil {
				return err
			}
			through = b.Last
			p.Batches++
			p.Receipts += b.Size()
		}
		p.Through = through
		if p.Batches == 0 {
			return nil
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyPruned, seqKey(through)); err != nil {
			return err
		}
		return meta.Put(keyEventsPruned, seqKey(eventsThrough))
	})
	if err != nil {
		return Pruned{}, fmt.Errorf("prune the anchoring log: %w", err)
	}
	return p, nil
}

// PrunedThrough returns the last log position and the last event ID that
// retention removed (0 and 0: none).
func (l *Log) PrunedThrough() (position, event uint64, err error) {
	err = l.db.View(func(tx *bolt.Tx) error {
		position, event = metaSeq(tx, keyPruned), metaSeq(tx, keyEventsPruned)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("read what was pruned: %w", err)
	}
	return position, event, nil
}

// Pruner removes settled batches from the log once they are older than
// the retention, at least every minute.
type Pruner struct {
	log    *Log
	retain time.Duration
	now    func() time.Time
	logger *slog.Logger
	m      *Metrics
}

// pruneChunk bounds the batches one transaction removes, so that appends
// never wait long behind a pruning that has a backlog to catch up on.
const pruneChunk = 8

// NewPruner returns the pruner of l keeping settled batches for retain
// (positive); now nil is time.Now, logger nil logs nothing, m nil counts
// nothing.
func NewPruner(l *Log, retain time.Duration, now func() time.Time, logger *slog.Logger, m *Metrics) (*Pruner, error) {
	if retain <= 0 {
		return nil, fmt.Errorf("new pruner: retention %s is not positive", retain)
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Pruner{log: l, retain: retain, now: now, logger: logger, m: m}, nil
}

// Interval is how often the pruner looks: every half retention, at most a
// minute apart, so that nothing is kept much beyond the retention.
func (p *Pruner) Interval() time.Duration { return min(time.Minute, p.retain/2) }

// PruneOnce removes every batch settled more than the retention ago.
func (p *Pruner) PruneOnce() (Pruned, error) {
	cutoff := p.now().Add(-p.retain)
	var total Pruned
	for {
		got, err := p.log.Prune(cutoff, pruneChunk)
		if err != nil {
			return total, err
		}
		total.Batches += got.Batches
		total.Receipts += got.Receipts
		total.Events += got.Events
		total.Through = got.Through
		if got.Batches < pruneChunk {
			return total, nil
		}
	}
}

// Run prunes at once and then every Interval until ctx ends. A failure is
// logged and tried again at the next tick: the log only grows meanwhile.
func (p *Pruner) Run(ctx context.Context) {
	tick := time.NewTicker(p.Interval())
	defer tick.Stop()
	for {
		got, err := p.PruneOnce()
		switch {
		case err != nil:
			p.logger.Error("prune the anchoring log", "error", err.Error())
		case got.Batches > 0:
			p.m.pruned(got.Receipts)
			p.logger.Info("pruned settled batches", "batches", got.Batches, "receipts", got.Receipts, "events", got.Events, "through", got.Through, "retain", p.retain.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
