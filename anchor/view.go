package anchor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// ViewLedger is what the view reads of the ledger. The service acts as a
// platform user, which may read attestors and the public disclosures but
// not grants, agreements or usage themselves (those are their parties',
// the authority's and the regulator's), so the view holds what is public.
type ViewLedger interface {
	GetAttestor(ctx context.Context, address string) (*ledger.Attestor, error)
	DisclosedGrants(ctx context.Context, q ledger.Query) (*ledger.GrantSummaryPage, error)
	ChaincodeEvents(ctx context.Context, start *uint64) (<-chan client.ChainEvent, error)
}

// View decides the cheap checks of a receipt before the service
// acknowledges it, from what it knows of the ledger: attestors (read when
// first met, forgotten when an attestor event names them) and the grants
// in force with their terms and scopes (the public disclosure, read again
// when a grant event arrives). It refuses only what the contract would
// refuse for sure whatever happens before the batch is submitted, and
// leaves everything it cannot decide to the contract, whose refusal ends
// as the receipt's refused status:
//
//   - an attestor that is not registered, when the use lies in the past
//     (a registration from now on would come after the use, which the
//     contract refuses too), or that is retired (final), or that was
//     registered after the use;
//   - a use more than ledger.MaxClockSkew in the future;
//   - for a grant the disclosure lists (in force now): a use outside its
//     term, or a dataset, operation or purpose outside its scope. Terms
//     and scopes never change once issued, so a view that is behind the
//     ledger still decides these rightly.
//
// What it leaves to the contract: grants it does not see in force (one
// suspended now may have been in force at the use), the grant's status
// history and agreements at the use time, fields within a dataset, the
// holder's admission, replays of receipts already on the ledger and the
// quota (usage is not public, and receipts still pending are not
// reserved: one refused later would hold quota it never drew).
type View struct {
	src ViewLedger
	now func() time.Time
	log *slog.Logger
	// lookup bounds an attestor read on a miss.
	lookup time.Duration
	// retry is the pause before reopening the event stream or reloading
	// the grants after a failure.
	retry time.Duration

	mu        sync.RWMutex
	attestors map[string]ledger.Attestor
	// attestorGen counts attestor events, so that a read that raced one
	// is not cached.
	attestorGen uint64
	grants      map[string]ledger.GrantSummary
	loaded      bool
	stale       chan struct{}
}

// NewView returns a view over src; Run keeps it current.
func NewView(src ViewLedger, now func() time.Time, log *slog.Logger) *View {
	return &View{
		src: src, now: now, log: log, lookup: 3 * time.Second, retry: time.Second,
		attestors: map[string]ledger.Attestor{}, grants: map[string]ledger.GrantSummary{},
		stale: make(chan struct{}, 1),
	}
}

// Loaded reports whether the grants in force have been read at least once.
func (v *View) Loaded() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.loaded
}

// Run follows the contract's events and keeps the view current until ctx
// ends. The stream is opened before the disclosure is read, so a change
// between the two is in one or the other. When the stream ends it is
// reopened and everything read again.
func (v *View) Run(ctx context.Context) {
	for ctx.Err() == nil {
		events, err := v.src.ChaincodeEvents(ctx, nil)
		if err != nil {
			v.log.Warn("view: cannot follow the ledger's events; retrying", "error", err.Error())
			sleep(ctx, v.retry)
			continue
		}
		v.mu.Lock()
		v.attestors = map[string]ledger.Attestor{}
		v.attestorGen++
		v.mu.Unlock()
		v.markStale()
		v.follow(ctx, events)
		sleep(ctx, v.retry)
	}
}

// follow applies events and reloads the grants when they are stale, until
// the stream ends.
func (v *View) follow(ctx context.Context, events <-chan client.ChainEvent) {
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				v.log.Warn("view: the ledger's event stream ended; reopening")
				return
			}
			v.apply(ev)
		case <-v.stale:
			if err := v.reloadGrants(ctx); err != nil {
				v.log.Warn("view: cannot read the grants in force; retrying", "error", err.Error())
				retry = time.After(v.retry)
			}
		case <-retry:
			retry = nil
			v.markStale()
		}
	}
}

func (v *View) markStale() {
	select {
	case v.stale <- struct{}{}:
	default:
	}
}

// apply takes note of one chaincode event: an attestor named is forgotten
// (read again when next met), and a grant named makes the disclosure
// stale. The event is used only as a sign that something changed; what
// the view keeps is read from public queries.
func (v *View) apply(ev client.ChainEvent) {
	var e ledger.Event
	if json.Unmarshal(ev.Payload, &e) != nil {
		return
	}
	refs := append([]ledger.EventRef{{Type: e.Type, ID: e.ID}}, e.Related...)
	stale := false
	for _, r := range refs {
		switch r.Type {
		case "attestor":
			v.mu.Lock()
			delete(v.attestors, strings.ToLower(r.ID))
			v.attestorGen++
			v.mu.Unlock()
		case "grant":
			stale = true
		}
	}
	if stale {
		v.markStale()
	}
}

// reloadGrants reads the whole disclosure of grants in force.
func (v *View) reloadGrants(ctx context.Context) error {
	grants := map[string]ledger.GrantSummary{}
	q := ledger.Query{PageSize: api.MaxPageSize}
	for {
		page, err := v.src.DisclosedGrants(ctx, q)
		if err != nil {
			return fmt.Errorf("read the grants in force: %w", err)
		}
		for _, g := range page.Items {
			grants[g.ID] = g
		}
		if page.Bookmark == "" || page.Bookmark == q.Bookmark {
			break
		}
		q.Bookmark = page.Bookmark
	}
	v.mu.Lock()
	v.grants, v.loaded = grants, true
	v.mu.Unlock()
	return nil
}

// attestor returns the attestor at an address, nil when none is
// registered. A miss reads the ledger; only a registered attestor is
// kept, so that a registration is never hidden by an earlier miss.
func (v *View) attestor(ctx context.Context, address string) (*ledger.Attestor, error) {
	address = strings.ToLower(address)
	v.mu.RLock()
	a, ok := v.attestors[address]
	gen := v.attestorGen
	v.mu.RUnlock()
	if ok {
		return &a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, v.lookup)
	defer cancel()
	got, err := v.src.GetAttestor(ctx, address)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read attestor %s: %w", address, err)
	}
	v.mu.Lock()
	if v.attestorGen == gen {
		v.attestors[address] = *got
	}
	v.mu.Unlock()
	return got, nil
}

// Check runs the cheap checks on a receipt whose form and signature
// ledger.OpenReceipt has checked. It returns the refusal (a ledger
// ErrRefused, or an api.InputError for a use too far in the future) or
// nil when the view finds nothing the contract would refuse for sure.
// When the ledger cannot be read the check is left to the contract.
func (v *View) Check(ctx context.Context, s *ledger.SignedStatement) error {
	st := s.Statement
	now := v.now().UTC()
	used := time.Unix(st.Time, 0).UTC()
	if used.After(now.Add(ledger.MaxClockSkew)) {
		return &api.InputError{Field: "statement.time", Msg: fmt.Sprintf("%s is in the future of the time %s by more than %s", stamp(used), stamp(now), ledger.MaxClockSkew)}
	}
	a, err := v.attestor(ctx, s.Signer)
	if err != nil {
		v.log.Warn("view: attestor unknown to the view; the contract will decide", "receipt", st.ReceiptID, "error", err.Error())
	}
	switch {
	case err != nil:
	case a == nil && !used.After(now):
		return refuse(st.ReceiptID, "forged signature: receipt %s is signed by %s, which is not a registered attestor", st.ReceiptID, s.Signer)
	case a == nil:
	case a.Status != ledger.AttestorActive:
		return refuse(st.ReceiptID, "attestor %s is %s; its receipts are no longer accepted", s.Signer, a.Status)
	case used.Before(a.Created.Time):
		return refuse(st.ReceiptID, "attestor %s was registered on %s, after the use at %s", s.Signer, stamp(a.Created.Time), stamp(used))
	}
	v.mu.RLock()
	g, ok := v.grants[st.GrantID]
	v.mu.RUnlock()
	if !ok {
		return nil
	}
	if used.Before(g.Term.ValidFrom) {
		return refuse(st.ReceiptID, "grant %s is in force from %s, not at %s", g.ID, stamp(g.Term.ValidFrom), stamp(used))
	}
	if !used.Before(g.Term.ValidTo) {
		return refuse(st.ReceiptID, "expired: grant %s expired on %s, before %s", g.ID, stamp(g.Term.ValidTo), stamp(used))
	}
	for _, d := range st.Datasets {
		if !slices.Contains(g.Datasets, d.ID) {
			return refuse(st.ReceiptID, "out of scope: dataset %s is not granted by %s", d.ID, g.ID)
		}
	}
	if !slices.Contains(g.Operations, ledger.Operation(st.Operation)) {
		return refuse(st.ReceiptID, "out of scope: operation %s is not granted by %s", st.Operation, g.ID)
	}
	if !slices.Contains(g.Purposes, st.Purpose) {
		return refuse(st.ReceiptID, "out of scope: purpose %s is not granted by %s", st.Purpose, g.ID)
	}
	return nil
}

// refuse is a refusal worded as the contract words it for a receipt
// submitted alone.
func refuse(receiptID, format string, args ...any) error {
	return &ledger.RuleError{Kind: ledger.ErrRefused, Msg: "submit receipt " + receiptID + ": " + fmt.Sprintf(format, args...)}
}

// stamp writes a time as the contract does.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
