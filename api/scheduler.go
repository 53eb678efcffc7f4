package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// SchedulerLedger is what the deadline scheduler asks of the ledger: the
// notices due, and the records it submits when they come.
type SchedulerLedger interface {
	NoticeLedger
	ExpireGrant(ctx context.Context, id string) (*ledger.Grant, error)
}

// DefaultSchedulerInterval is the time between the scheduler's rounds
// grantledger-api sets unless told otherwise: a minute late at most for a
// deadline counted in days, and one query a minute per organisation.
const DefaultSchedulerInterval = time.Minute

// DefaultSchedulerBatch is the most transactions one round submits; what
// is left waits for the next round.
const DefaultSchedulerBatch = 50

// SchedulerOptions configure a Scheduler. Ledger, Interval and Logger are
// required.
type SchedulerOptions struct {
	// Ledger gives the ledger as the identity the scheduler acts as.
	Ledger func(ctx context.Context) (SchedulerLedger, error)
	// Interval is the time between rounds.
	Interval time.Duration
	// Timeout bounds each call to the ledger; zero: DefaultRequestTimeout.
	Timeout time.Duration
	// Batch bounds the transactions of one round; zero: DefaultSchedulerBatch.
	Batch  int
	Logger *slog.Logger
	// Registry receives the scheduler's counter; nil: a new registry.
	Registry prometheus.Registerer
	// Now is the scheduler's clock; nil: time.Now. It only chooses what to
	// submit: the contract decides with the transaction's checked time,
	// so a clock that runs ahead gets refusals, never an early expiry.
	Now func() time.Time
}

// Scheduler records, for one organisation's identity, what comes due on
// the ledger: ExpireGrant and ExpireAgreement when a term has ended, and
// RecordDeadlineNotice when a deadline comes within 90, 30 or 7 days. It
// asks the contract what is due (QueryNotices) and submits; the contract
// refuses what is not due, already recorded, or not the identity's to
// record, so that schedulers of several organisations may run at once.
type Scheduler struct {
	o   SchedulerOptions
	txs *prometheus.CounterVec
}

// Scheduler outcomes, the "outcome" label of its counter.
const (
	scheduleRecorded = "recorded" // the transaction committed
	scheduleRefused  = "refused"  // the contract refused it (not due, already recorded, …)
	scheduleFailed   = "failed"   // it did not reach a decision (the network, a timeout)
)

// NewScheduler builds a Scheduler and registers its counter.
func NewScheduler(o SchedulerOptions) (*Scheduler, error) {
	switch {
	case o.Ledger == nil:
		return nil, errors.New("new scheduler: no ledger")
	case o.Interval <= 0:
		return nil, errors.New("new scheduler: the interval must be positive")
	case o.Logger == nil:
		return nil, errors.New("new scheduler: no logger")
	}
	setDefault(&o.Timeout, DefaultRequestTimeout)
	setDefault(&o.Batch, DefaultSchedulerBatch)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	s := &Scheduler{o: o, txs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "grantledger_api_scheduler_transactions_total",
		Help: "Transactions the deadline scheduler submitted, by transaction (ExpireGrant, ExpireAgreement, RecordDeadlineNotice) and outcome: recorded, refused (by the contract: not due, already recorded), failed.",
	}, []string{"tx", "outcome"})}
	if err := o.Registry.Register(s.txs); err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	return s, nil
}

// Run runs a round at once and then every interval, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.o.Interval)
	defer t.Stop()
	for {
		if _, err := s.Round(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Warn("scheduler round failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// scheduled is one transaction a round submits.
type scheduled struct {
	tx   string
	what string
	run  func(context.Context, SchedulerLedger) error
}

// RoundResult counts a round's transactions by outcome.
type RoundResult struct {
	Recorded, Refused, Failed int
}

// Round asks the contract what is due and submits what the scheduler's
// clock says has come: expiries of ended terms, and for each deadline the
// notice of the smallest threshold reached unless it, or a smaller one,
// is recorded.
func (s *Scheduler) Round(ctx context.Context) (RoundResult, error) {
	var res RoundResult
	l, err := s.o.Ledger(ctx)
	if err != nil {
		return res, fmt.Errorf("scheduler: %w", err)
	}
	qctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	list, err := l.QueryNotices(qctx, ledger.NoticeQuery{WithinDays: slices.Max(ledger.NoticeThresholds)})
	cancel()
	if err != nil {
		return res, fmt.Errorf("scheduler: query notices: %w", err)
	}
	todo := s.due(list.Items, s.o.Now())
	if len(todo) > s.o.Batch {
		s.o.Logger.Info("scheduler round capped", "due", len(todo), "batch", s.o.Batch)
		todo = todo[:s.o.Batch]
	}
	for _, d := range todo {
		tctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
		err := d.run(tctx, l)
		cancel()
		outcome := scheduleRecorded
		switch {
		case err == nil:
			res.Recorded++
			s.o.Logger.Info("scheduler recorded", "tx", d.tx, "what", d.what)
		case isRefusal(err):
			outcome = scheduleRefused
			res.Refused++
			s.o.Logger.Debug("scheduler refused", "tx", d.tx, "what", d.what, "error", err.Error())
		default:
			outcome = scheduleFailed
			res.Failed++
			s.o.Logger.Warn("scheduler failed", "tx", d.tx, "what", d.what, "error", err.Error())
		}
		s.txs.WithLabelValues(d.tx, outcome).Inc()
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	return res, nil
}

// isRefusal reports whether the contract decided against a transaction,
// as opposed to the transaction not reaching it.
func isRefusal(err error) bool {
	for _, k := range []error{client.ErrRefused, client.ErrConflict, client.ErrInvalid, client.ErrForbidden, client.ErrNotFound} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// due lists what the notices make due at now, by the scheduler's clock.
func (s *Scheduler) due(items []ledger.Notice, now time.Time) []scheduled {
	var out []scheduled
	expireGrant := func(id string) scheduled {
		return scheduled{"ExpireGrant", "grant " + id, func(ctx context.Context, l SchedulerLedger) error {
			_, err := l.ExpireGrant(ctx, id)
			return err
		}}
	}
	expireAgreement := func(id string) scheduled {
		return scheduled{"ExpireAgreement", "agreement " + id, func(ctx context.Context, l SchedulerLedger) error {
			_, err := l.ExpireAgreement(ctx, id)
			return err
		}}
	}
	for _, n := range items {
		switch {
		case n.Kind == ledger.NoticeGrantExpired, n.Kind == ledger.NoticeGrantEnding && !now.Before(n.Due):
			out = append(out, expireGrant(n.ObjectID))
		case n.Kind == ledger.NoticeAgreementExpired, n.Kind == ledger.NoticeAgreementEnding && !now.Before(n.Due):
			out = append(out, expireAgreement(n.ObjectID))
		case n.Kind.IsDeadline() && now.Before(n.Due):
			if th, ok := thresholdToRecord(n, now); ok {
				req := ledger.DeadlineNoticeRequest{Kind: n.Kind, ObjectID: n.ObjectID, Threshold: th}
				out = append(out, scheduled{"RecordDeadlineNotice", ledger.DeadlineNoticeID(req.Kind, req.ObjectID, req.Threshold),
					func(ctx context.Context, l SchedulerLedger) error {
						_, err := l.RecordDeadlineNotice(ctx, req)
						return err
					}})
			}
		}
	}
	return out
}

// thresholdToRecord is the smallest threshold the deadline has come
// within at now, unless it or a smaller one is recorded: a deadline first
// seen 20 days ahead gets its 30-day notice, not a late 90-day one.
func thresholdToRecord(n ledger.Notice, now time.Time) (int, bool) {
	smallest := 0
	for _, th := range ledger.NoticeThresholds {
		if !n.Due.AddDate(0, 0, -th).After(now) && (smallest == 0 || th < smallest) {
			smallest = th
		}
	}
	if smallest == 0 {
		return 0, false
	}
	for _, done := range n.Notified {
		if done <= smallest {
			return 0, false
		}
	}
	return smallest, true
}
