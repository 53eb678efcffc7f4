package anchor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// Defaults of the batcher (docs/anchoring.md says why).
const (
	// DefaultMaxBatch is the contract's largest batch: under load every
	// transaction carries as many receipts as it may.
	DefaultMaxBatch = ledger.MaxBatch
	// DefaultMaxWait is how long the oldest pending receipt waits for
	// others before a batch is cut anyway.
	DefaultMaxWait = 200 * time.Millisecond
)

// BatchLedger is what the batcher needs of the contract.
type BatchLedger interface {
	SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error)
	GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error)
}

// Batcher anchors the log's receipts through the contract, one batch at a
// time, in log order.
//
// Exactly once: a batch is a range of consecutive log positions whose ID
// the positions give, recorded in the log (Cut) before it is first
// submitted. Until the contract's answer is recorded (Settle, one bbolt
// transaction with the receipts' statuses and the events) the batch stays
// open, and a batcher started after a crash takes the open batches first,
// rebuilding each request from the log: the same receipts under the same
// ID. The contract records a batch ID once; the same request again is
// answered with the batch as recorded. So wherever a kill lands:
//
//   - before Cut: the receipts are still pending and are cut anew;
//   - after Cut, before the submission reached the ledger: the batch is
//     submitted (the first time) after the restart;
//   - after the ledger recorded it, before Settle: the restarted batcher
//     reads the batch from the ledger (or resubmits it, and is answered
//     with the recorded batch) and settles it;
//   - after Settle: the batch is done and never submitted again.
//
// No receipt is in two batches (Cut takes positions after the last one
// cut) and none is left out (Cut takes the next positions, without gaps).
type Batcher struct {
	log    *Log
	ledger BatchLedger
	most   int
	wait   time.Duration
	now    func() time.Time
	logger *slog.Logger
	m      *Metrics
	// backoff is the pause after the n-th failed attempt on a batch.
	backoff func(n int) time.Duration
	sleep   func(ctx context.Context, d time.Duration)
}

// BatcherOptions configure a Batcher; zero fields take the defaults.
type BatcherOptions struct {
	// MaxBatch is the most receipts per batch (1 to ledger.MaxBatch).
	MaxBatch int
	// MaxWait is how long the oldest pending receipt waits before a batch
	// smaller than MaxBatch is cut.
	MaxWait time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
	Metrics *Metrics
}

// NewBatcher returns a batcher of the log's receipts over l.
func NewBatcher(log *Log, l BatchLedger, o BatcherOptions) (*Batcher, error) {
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.MaxWait == 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.MaxBatch < 1 || o.MaxBatch > ledger.MaxBatch {
		return nil, fmt.Errorf("new batcher: max batch %d: want 1 to %d", o.MaxBatch, ledger.MaxBatch)
	}
	if o.MaxWait < 0 {
		return nil, fmt.Errorf("new batcher: max wait %s is negative", o.MaxWait)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Batcher{
		log: log, ledger: l, most: o.MaxBatch, wait: o.MaxWait, now: o.Now, logger: o.Logger, m: o.Metrics,
		backoff: func(n int) time.Duration {
			d := 200 * time.Millisecond
			for i := 1; i < n && d < 5*time.Second; i++ {
				d *= 2
			}
			return min(d, 5*time.Second)
		},
		sleep: sleep,
	}, nil
}

// Run anchors until ctx ends (nil) or the log cannot be read or written
// (its error): first the batches a previous run left open, then each batch
// as it is cut. A batch whose submission fails in a way that may pass
// (the ledger unreachable, an outcome unknown, a read conflict lost) is
// tried again, under its ID, until it is settled: the batches behind it
// wait, so that receipts are anchored in log order.
func (b *Batcher) Run(ctx context.Context) error {
	first := true
	for ctx.Err() == nil {
		if c, err := b.log.Counts(); err == nil {
			b.m.backlog(int(c.Receipts-c.Cut), c.Open)
		}
		open, err := b.log.OpenBatches()
		if err != nil {
			return err
		}
		if len(open) > 0 {
			// A batch open when the batcher starts may have reached the
			// ledger before the crash: ask the ledger first.
			if err := b.settle(ctx, open[0], first); err != nil {
				return err
			}
			continue
		}
		first = false
		n, oldest, err := b.log.Pending()
		if err != nil {
			return err
		}
		if n == 0 {
			b.waitAppend(ctx, nil)
			continue
		}
		if n < b.most {
			if left := b.wait - b.now().Sub(oldest); left > 0 {
				t := time.NewTimer(left)
				b.waitAppend(ctx, t.C)
				t.Stop()
				continue
			}
		}
		cut, err := b.log.Cut(b.most, b.now())
		if err != nil {
			return err
		}
		if cut != nil {
			b.m.cut(cut.Size())
			b.logger.Debug("batch cut", "batch", cut.ID, "receipts", cut.Size())
		}
	}
	return nil
}

// waitAppend waits for a receipt to be appended, the timer or ctx.
func (b *Batcher) waitAppend(ctx context.Context, timer <-chan time.Time) {
	select {
	case <-ctx.Done():
	case <-b.log.Appended():
	case <-timer:
	}
}

// settle takes an open batch to its end: the contract's answer recorded
// in the log. maybeRecorded says that an earlier attempt may have reached
// the ledger, so the ledger is read before anything is submitted. It
// returns only when the batch is settled, ctx ends (nil; the batch stays
// open for the next run) or the log fails.
func (b *Batcher) settle(ctx context.Context, open BatchRecord, maybeRecorded bool) error {
	req, err := b.log.Request(open)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		got, readBack, err := b.attempt(ctx, open, req, maybeRecorded)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			recs, serr := b.log.Settle(open, got, b.now())
			if errors.Is(serr, ErrNotOurBatch) {
				// Only a store whose random name another store had could
				// meet this: the receipts cannot be recorded under this ID.
				b.logger.Error("the ledger holds another batch under this batch's ID", "batch", open.ID, "error", serr.Error())
				return b.refuse(open, ledger.ErrConflict.Error(), serr.Error())
			}
			if serr != nil {
				return serr
			}
			b.m.batch("anchored")
			b.m.settled(recs)
			b.logger.Info("batch anchored", "batch", open.ID, "receipts", open.Size(), "accepted", got.Count, "refused", got.Refused,
				"tx", got.Created.TxID, "attempts", attempt, "readBack", readBack)
			return nil
		}
		if kind, final := wholeRefusal(err); final {
			var ce *client.Error
			msg := err.Error()
			if errors.As(err, &ce) && ce.Message != "" {
				msg = ce.Message
			}
			b.logger.Warn("the contract refused a batch as a whole", "batch", open.ID, "error", err.Error())
			return b.refuse(open, kind, msg)
		}
		b.m.batch("retried")
		d := b.backoff(attempt)
		b.logger.Warn("batch not anchored yet; trying again", "batch", open.ID, "attempt", attempt, "in", d.String(), "error", err.Error())
		maybeRecorded = true
		b.sleep(ctx, d)
		if ctx.Err() != nil {
			return nil
		}
	}
}

func (b *Batcher) refuse(open BatchRecord, kind, reason string) error {
	recs, err := b.log.Refuse(open, kind, reason, b.now())
	if err != nil {
		return err
	}
	b.m.batch("refused")
	b.m.settled(recs)
	return nil
}

// attempt gets the contract's answer for a batch once: from the ledger
// when an earlier attempt may have recorded it (readBack), else (or when
// the ledger cannot be read) by submitting it, which is as safe: the
// contract answers a batch it recorded from the same request with the
// batch as recorded.
func (b *Batcher) attempt(ctx context.Context, open BatchRecord, req ledger.BatchRequest, maybeRecorded bool) (got *ledger.Batch, readBack bool, err error) {
	if maybeRecorded {
		start := time.Now()
		got, err := b.ledger.GetReceiptBatch(ctx, open.ID)
		b.m.call("GetReceiptBatch", start)
		switch {
		case err == nil:
			return got, true, nil
		case !errors.Is(err, ledger.ErrNotFound):
			b.logger.Warn("cannot read the batch back; submitting it again", "batch", open.ID, "error", err.Error())
		}
	}
	start := time.Now()
	got, err = b.ledger.SubmitReceiptBatch(ctx, req)
	b.m.call("SubmitReceiptBatch", start)
	if err != nil {
		return nil, false, fmt.Errorf("submit batch %s: %w", open.ID, err)
	}
	return got, false, nil
}

// wholeRefusal tells a refusal of the whole batch, which trying again
// would only repeat, from a failure that may pass. Conflicts are never
// final here: the client reports a read conflict lost on every retry as
// one, and a batch recorded from other receipts under our ID is found by
// reading the ledger on the next attempt (ErrNotOurBatch).
func wholeRefusal(err error) (kind string, final bool) {
	for _, k := range []error{ledger.ErrInvalid, ledger.ErrRefused, ledger.ErrForbidden, ledger.ErrNotFound} {
		if errors.Is(err, k) {
			return k.Error(), true
		}
	}
	return "", false
}
