package ledger_test

import (
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestSubmitApplication(t *testing.T) {
	w := lt.NewWorld(t)
	// A renewal candidate: the world's grant, which runs to lt.GrantTo.
	renewBy := lt.GrantTo.AddDate(0, -ledger.RenewalLeadMonths, 0)
	tests := []struct {
		name   string
		caller ledger.Actor
		at     time.Time
		edit   func(*ledger.ApplicationRequest, *ledger.ApplicationInputs)
		want   error
	}{
		{"operator", lt.Operator, lt.Days(1), nil, nil},
		{"applicant operator", lt.Operator, lt.Days(1), func(_ *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			in.Operator = &ledger.Participant{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Status: ledger.OperatorApplicant}
		}, nil},
		{"wrong party", lt.Health, lt.Days(1), nil, ledger.ErrForbidden},
		{"bad id", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.ID = "" }, ledger.ErrInvalid},
		{"bad call id", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.CallID = "" }, ledger.ErrInvalid},
		{"no scenario name", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scenario.Name = "" }, ledger.ErrInvalid},
		{"bad scenario domain", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scenario.Domain = "x" }, ledger.ErrInvalid},
		{"no scenario description", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scenario.Description = "" }, ledger.ErrInvalid},
		{"no datasets", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scope.Datasets = nil }, ledger.ErrInvalid},
		{"duplicate dataset", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) {
			r.Scope.Datasets = append(r.Scope.Datasets, r.Scope.Datasets[0])
		}, ledger.ErrInvalid},
		{"no fields", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scope.Datasets[0].Fields = nil }, ledger.ErrInvalid},
		{"no purposes", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scope.Purposes = nil }, ledger.ErrInvalid},
		{"no operations", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scope.Operations = nil }, ledger.ErrInvalid},
		{"unknown operation", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) {
			r.Scope.Operations = []ledger.Operation{"download"}
		}, ledger.ErrInvalid},
		{"term too long", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.TermMonths = 25 }, ledger.ErrInvalid},
		{"trial too long", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.TrialMonths = 7 }, ledger.ErrInvalid},
		{"bad renewal id", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.RenewsGrant = "a b" }, ledger.ErrInvalid},
		{"exists", lt.Operator, lt.Days(1), func(_ *ledger.ApplicationRequest, in *ledger.ApplicationInputs) { in.Existing = w.Application }, ledger.ErrConflict},
		{"unregistered operator", lt.Operator, lt.Days(1), func(_ *ledger.ApplicationRequest, in *ledger.ApplicationInputs) { in.Operator = nil }, ledger.ErrNotFound},
		{"suspended operator", lt.Operator, lt.Days(1), func(_ *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			in.Operator = &ledger.Participant{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Status: ledger.OperatorSuspended}
		}, ledger.ErrRefused},
		{"unknown call", lt.Operator, lt.Days(1), func(_ *ledger.ApplicationRequest, in *ledger.ApplicationInputs) { in.Call = nil }, ledger.ErrNotFound},
		{"call closed", lt.Operator, lt.Days(90), nil, ledger.ErrRefused},
		{"scenario outside call", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scenario.Domain = "transport" }, ledger.ErrRefused},
		{"unknown dataset", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) { r.Scope.Datasets[0].ID = "weather" }, ledger.ErrNotFound},
		{"unknown field", lt.Operator, lt.Days(1), func(r *ledger.ApplicationRequest, _ *ledger.ApplicationInputs) {
			r.Scope.Datasets[0].Fields = []string{"salary"}
		}, ledger.ErrInvalid},
		{"withdrawn dataset", lt.Operator, lt.Days(1), func(_ *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			d := *w.Datasets["visits"]
			d.Status = ledger.DatasetWithdrawn
			in.Datasets = map[string]*ledger.Dataset{"visits": &d, "loans": w.Datasets["loans"]}
		}, ledger.ErrRefused},
		{"dataset outside call", lt.Operator, lt.Days(1), func(_ *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			c := *w.Call
			c.Datasets = []string{"loans"}
			in.Call = &c
		}, ledger.ErrRefused},
		{"renewal in time", lt.Operator, renewBy, func(r *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			r.RenewsGrant = "grant-1"
			openCall(in, renewBy)
		}, nil},
		{"late renewal", lt.Operator, renewBy.Add(time.Second), func(r *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			r.RenewsGrant = "grant-1"
			openCall(in, renewBy)
		}, ledger.ErrRefused},
		{"renewal of unknown grant", lt.Operator, lt.Days(20), func(r *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			r.RenewsGrant = "grant-9"
			in.Renews = nil
		}, ledger.ErrNotFound},
		{"renewal of another's grant", lt.Operator, lt.Days(20), func(r *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			g := *w.Grant
			g.Holder = lt.MarketMSP
			r.RenewsGrant, in.Renews = "grant-1", &g
		}, ledger.ErrNotFound},
		{"renewal of a sub-grant", lt.Operator, lt.Days(20), func(r *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			g := *w.Grant
			g.ParentID = "grant-0"
			r.RenewsGrant, in.Renews = "grant-1", &g
		}, ledger.ErrRefused},
		{"renewal of a revoked grant", lt.Operator, lt.Days(20), func(r *ledger.ApplicationRequest, in *ledger.ApplicationInputs) {
			g := *w.Grant
			g.Status = ledger.GrantRevoked
			r.RenewsGrant, in.Renews = "grant-1", &g
		}, ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := lt.ApplicationRequest("app-2", "call-1")
			in := ledger.ApplicationInputs{Call: w.Call, Operator: w.Participants[lt.OperatorMSP], Datasets: w.Datasets, Renews: w.Grant}
			if tt.edit != nil {
				tt.edit(&req, &in)
			}
			a, err := ledger.SubmitApplication(tt.caller, req, in, lt.Stamp(tt.caller, tt.at))
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			if a.Status != ledger.ApplicationSubmitted || a.Operator != tt.caller.MSP {
				t.Errorf("got %s by %s, want submitted by %s", a.Status, a.Operator, tt.caller.MSP)
			}
			if got := a.Scope.Owners(); len(got) != 2 || got[0] != lt.HealthMSP || got[1] != lt.MarketMSP {
				t.Errorf("got owners %v, want [HealthMSP MarketMSP]", got)
			}
		})
	}
}

// openCall replaces the inputs' call by one open at t.
func openCall(in *ledger.ApplicationInputs, t time.Time) {
	c := *in.Call
	c.Opens, c.Closes = t.AddDate(0, 0, -1), t.AddDate(0, 0, 1)
	in.Call = &c
}

func TestWithdrawApplication(t *testing.T) {
	tests := []struct {
		name   string
		caller ledger.Actor
		status ledger.ApplicationStatus
		reason string
		want   error
	}{
		{"submitted", lt.Operator, ledger.ApplicationSubmitted, "", nil},
		{"approved", lt.Operator, ledger.ApplicationApproved, "changed plans", nil},
		{"wrong party", lt.Authority, ledger.ApplicationSubmitted, "", ledger.ErrForbidden},
		{"granted", lt.Operator, ledger.ApplicationGranted, "", ledger.ErrConflict},
		{"bad reason", lt.Operator, ledger.ApplicationSubmitted, "\x07", ledger.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &ledger.Application{ID: "app-1", Operator: lt.OperatorMSP, Status: tt.status}
			err := a.Withdraw(tt.caller, tt.reason, lt.Stamp(tt.caller, lt.Days(1)))
			wantErr(t, err, tt.want)
			if err == nil && a.Status != ledger.ApplicationWithdrawn {
				t.Errorf("got %s, want withdrawn", a.Status)
			}
		})
	}
}

func TestApplicationVisibleTo(t *testing.T) {
	a := &ledger.Application{Operator: lt.OperatorMSP}
	for _, tt := range []struct {
		caller ledger.Actor
		want   bool
	}{{lt.Operator, true}, {lt.Authority, true}, {lt.Regulator, true}, {lt.Expert, true}, {lt.Health, false}, {lt.Stranger, false}} {
		if got := a.VisibleTo(tt.caller); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.caller.MSP, got, tt.want)
		}
	}
}
