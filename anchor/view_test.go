package anchor

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// fakeView is the public side of the ledger the view reads.
type fakeView struct {
	mu        sync.Mutex
	attestors map[string]ledger.Attestor
	grants    []ledger.GrantSummary
	// down fails every read.
	down        bool
	reads       map[string]int // what was read, by kind
	events      chan client.ChainEvent
	streamsOpen int
}

func newFakeView() *fakeView {
	return &fakeView{
		attestors: map[string]ledger.Attestor{
			testAttestor.Address(): {Address: testAttestor.Address(), Status: ledger.AttestorActive, Created: ledger.Stamp{Time: t0.Add(-time.Hour)}},
		},
		grants: []ledger.GrantSummary{{
			ID: "g-1", Holder: "OperatorMSP", Datasets: []string{"loans", "visits"}, Purposes: []string{"credit-assessment"},
			Operations: []ledger.Operation{ledger.OpStatistics}, Term: ledger.Term{ValidFrom: t0.Add(-24 * time.Hour), ValidTo: t0.Add(24 * time.Hour)},
			Status: ledger.GrantActive,
		}},
		reads:  map[string]int{},
		events: make(chan client.ChainEvent, 16),
	}
}

func (f *fakeView) GetAttestor(_ context.Context, address string) (*ledger.Attestor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads["attestor"]++
	if f.down {
		return nil, unavailable("the peer is down")
	}
	a, ok := f.attestors[address]
	if !ok {
		return nil, &client.Error{Kind: ledger.ErrNotFound, Op: "GetAttestor", Message: "attestor " + address + " does not exist"}
	}
	return &a, nil
}

func (f *fakeView) DisclosedGrants(_ context.Context, q ledger.Query) (*ledger.GrantSummaryPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads["grants"]++
	if f.down {
		return nil, unavailable("the peer is down")
	}
	// One grant a page, so that the view must follow bookmarks.
	i := 0
	if q.Bookmark != "" {
		i = int(q.Bookmark[0] - '0')
	}
	page := &ledger.GrantSummaryPage{Items: []ledger.GrantSummary{}}
	if i < len(f.grants) {
		page.Items = append(page.Items, f.grants[i])
	}
	if i+1 < len(f.grants) {
		page.Bookmark = string(rune('0' + i + 1))
	}
	return page, nil
}

func (f *fakeView) ChaincodeEvents(ctx context.Context, start *uint64) (<-chan client.ChainEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if start != nil {
		return nil, errors.New("the view must follow from the next block")
	}
	f.streamsOpen++
	return f.events, nil
}

func (f *fakeView) read(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads[kind]
}

// emit sends a chaincode event naming an object.
func (f *fakeView) emit(typ, id, change string) {
	payload, _ := json.Marshal(ledger.Event{Type: typ, ID: id, Change: change})
	f.events <- client.ChainEvent{Name: typ + "." + change, Payload: payload}
}

// runView starts a view over f and waits until it has read the grants.
func runView(t *testing.T, f *fakeView) *View {
	t.Helper()
	v := NewView(f, func() time.Time { return t0 }, slog.New(slog.DiscardHandler))
	v.retry = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { v.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the view to load", v.Loaded)
	return v
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// opened signs s with a and opens it as the contract does.
func opened(t *testing.T, s attest.Statement, sign func(attest.Statement) string) *ledger.SignedStatement {
	t.Helper()
	o, err := ledger.OpenReceipt("", ledger.ReceiptRequest{Statement: s, Signature: sign(s)})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestViewChecks(t *testing.T) {
	stranger := newAttestor(t)
	tests := []struct {
		name    string
		change  func(s *attest.Statement, f *fakeView)
		sign    func(attest.Statement) string
		want    string // part of the refusal; empty: passes
		invalid bool
	}{
		{name: "in order"},
		{name: "an attestor never registered", sign: stranger.Sign, want: "forged signature: receipt r-1 is signed by " + stranger.Address() + ", which is not a registered attestor"},
		{name: "an attestor not registered, a use still to come", sign: stranger.Sign, change: func(s *attest.Statement, _ *fakeView) { s.Time = t0.Add(time.Minute).Unix() }},
		{name: "a retired attestor", change: func(_ *attest.Statement, f *fakeView) {
			a := f.attestors[testAttestor.Address()]
			a.Status = ledger.AttestorRetired
			f.attestors[testAttestor.Address()] = a
		}, want: "is retired; its receipts are no longer accepted"},
		{name: "a use before the attestor was registered", change: func(s *attest.Statement, _ *fakeView) { s.Time = t0.Add(-2 * time.Hour).Unix() }, want: "was registered on"},
		{name: "a use too far in the future", change: func(s *attest.Statement, _ *fakeView) { s.Time = t0.Add(6 * time.Minute).Unix() }, want: "statement.time", invalid: true},
		{name: "a use before the grant's term", change: func(s *attest.Statement, f *fakeView) {
			f.grants[0].Term.ValidFrom = t0.Add(-30 * time.Second)
		}, want: "grant g-1 is in force from"},
		{name: "a use after the grant's term", change: func(s *attest.Statement, f *fakeView) {
			f.grants[0].Term.ValidTo = t0.Add(-30 * time.Minute)
			f.grants[0].Term.ValidFrom = t0.Add(-time.Hour)
		}, want: "expired: grant g-1 expired on"},
		{name: "a dataset out of scope", change: func(s *attest.Statement, _ *fakeView) {
			s.Datasets = append(s.Datasets, attest.DatasetUse{ID: "taxes", Fields: []string{"x"}})
		},
			want: "out of scope: dataset taxes is not granted by g-1"},
		{name: "an operation out of scope", change: func(s *attest.Statement, _ *fakeView) { s.Operation = string(ledger.OpJointModel) }, want: "out of scope: operation"},
		{name: "a purpose out of scope", change: func(s *attest.Statement, _ *fakeView) { s.Purpose = "marketing" }, want: "out of scope: purpose marketing"},
		{name: "a grant the view does not see in force", change: func(s *attest.Statement, _ *fakeView) { s.GrantID = "g-hidden"; s.Purpose = "marketing" }},
		{name: "the ledger down: left to the contract", sign: stranger.Sign, change: func(_ *attest.Statement, f *fakeView) { f.down = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeView()
			s := statement("r-1")
			if tt.change != nil {
				tt.change(&s, f)
			}
			sign := testAttestor.Sign
			if tt.sign != nil {
				sign = tt.sign
			}
			down := f.down
			f.down = false
			v := runView(t, f)
			f.mu.Lock()
			f.down = down
			f.mu.Unlock()
			err := v.Check(t.Context(), opened(t, s, sign))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want it to pass", err)
			case tt.want == "":
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("got %v, want a refusal mentioning %q", err, tt.want)
			case tt.invalid && !errors.Is(err, ledger.ErrInvalid):
				t.Fatalf("got %v, want invalid", err)
			case !tt.invalid && (!errors.Is(err, ledger.ErrRefused) || !strings.HasPrefix(err.Error(), "submit receipt r-1: ")):
				t.Fatalf("got %v, want a refusal worded as the contract's", err)
			}
			var ie *api.InputError
			if tt.invalid && (!errors.As(err, &ie) || ie.Field != "statement.time") {
				t.Errorf("got %v, want an input error on statement.time", err)
			}
		})
	}
}

// TestViewFollowsEvents: an attestor event makes the view read the
// attestor again (a retirement is seen), a grant event the grants in force
// (a new grant's scope is checked); other events change nothing.
func TestViewFollowsEvents(t *testing.T) {
	f := newFakeView()
	v := runView(t, f)
	s := opened(t, statement("r-1"), testAttestor.Sign)
	if err := v.Check(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if err := v.Check(t.Context(), s); err != nil || f.read("attestor") != 1 {
		t.Fatalf("second check: %v, %d attestor reads; want the attestor kept", err, f.read("attestor"))
	}
	f.mu.Lock()
	a := f.attestors[testAttestor.Address()]
	a.Status = ledger.AttestorRetired
	f.attestors[testAttestor.Address()] = a
	f.mu.Unlock()
	f.emit("attestor", testAttestor.Address(), "retired")
	waitFor(t, "the retirement to be seen", func() bool {
		err := v.Check(t.Context(), s)
		return err != nil && strings.Contains(err.Error(), "retired")
	})

	grantReads := f.read("grants")
	f.emit("receipt", "r-0", "accepted")
	f.mu.Lock()
	f.grants = append(f.grants, ledger.GrantSummary{ID: "g-2", Datasets: []string{"loans"}, Purposes: []string{"p"}, Operations: []ledger.Operation{ledger.OpStatistics},
		Term: ledger.Term{ValidFrom: t0.Add(-time.Hour), ValidTo: t0.Add(time.Hour)}})
	f.mu.Unlock()
	f.emit("grant", "g-2", "activated")
	waitFor(t, "the grants to be read again", func() bool { return f.read("grants") > grantReads })
	st := statement("r-2")
	st.GrantID = "g-2"
	waitFor(t, "g-2 to be in the view", func() bool {
		err := v.Check(t.Context(), opened(t, st, newAttestorKeep(f).Sign))
		return err != nil && strings.Contains(err.Error(), "out of scope: dataset visits is not granted by g-2")
	})
	if got := f.read("grants"); got != grantReads+2 {
		t.Errorf("grant reads: got %d, want %d (two pages, once: the receipt event changes nothing)", got, grantReads+2)
	}
}

// newAttestor returns an attestor of the test's own, registered nowhere.
func newAttestor(t *testing.T) *attesttest.Attestor {
	return attesttest.NewAttestorFromSeed(t.Name())
}

// newAttestorKeep registers a fresh active attestor in f and returns it.
func newAttestorKeep(f *fakeView) *attesttest.Attestor {
	a := attesttest.NewAttestorFromSeed("kept")
	f.mu.Lock()
	f.attestors[a.Address()] = ledger.Attestor{Address: a.Address(), Status: ledger.AttestorActive, Created: ledger.Stamp{Time: t0.Add(-time.Hour)}}
	f.mu.Unlock()
	return a
}
