package ledger_test

import (
	"slices"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// approvedWorld returns the world rewound to the application approved and
// not yet granted, with the inputs IssueGrant needs.
func approvedWorld(t *testing.T) (*lt.World, ledger.GrantInputs) {
	w := lt.NewWorld(t)
	app := *w.Application
	app.Status, app.GrantID = ledger.ApplicationApproved, ""
	return w, ledger.GrantInputs{
		Application: &app, Call: w.Call, Operator: w.Participants[lt.OperatorMSP],
		Reviews: slices.Clone(w.Reviews), Datasets: w.Datasets, DocumentsAttached: true,
	}
}

func without(rs []ledger.Review, kind ledger.ReviewKind) []ledger.Review {
	return slices.DeleteFunc(slices.Clone(rs), func(r ledger.Review) bool { return r.Kind == kind })
}

func TestIssueGrant(t *testing.T) {
	w, base := approvedWorld(t)
	at := lt.Days(3)
	tests := []struct {
		name   string
		caller ledger.Actor
		at     time.Time
		edit   func(*ledger.GrantRequest, *ledger.GrantInputs)
		want   error
	}{
		{"authority", lt.Authority, at, nil, nil},
		{"narrower scope", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Scope.Datasets = r.Scope.Datasets[:1]
			r.Scope.Operations = r.Scope.Operations[:1]
		}, nil},
		{"with trial", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Term.TrialEnds = lt.GrantFrom.AddDate(0, 3, 0)
			r.Term.ValidTo = r.Term.TrialEnds.AddDate(1, 0, 0)
		}, nil},
		{"wrong party", lt.Operator, at, nil, ledger.ErrForbidden},
		{"provider cannot issue", lt.Health, at, nil, ledger.ErrForbidden},
		{"no documents attached", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) { in.DocumentsAttached = false }, ledger.ErrRefused},
		{"bad id", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) { r.ID = "" }, ledger.ErrInvalid},
		{"bad application id", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) { r.ApplicationID = "" }, ledger.ErrInvalid},
		{"empty scope", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) { r.Scope.Datasets = nil }, ledger.ErrInvalid},
		{"no record quota", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) { r.Quota.Records = 0 }, ledger.ErrInvalid},
		{"no call quota", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) { r.Quota.Calls = 0 }, ledger.ErrInvalid},
		{"term over two years", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Term.ValidTo = lt.GrantFrom.AddDate(2, 0, 1)
		}, ledger.ErrInvalid},
		{"trial over six months", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Term.TrialEnds = lt.GrantFrom.AddDate(0, 6, 1)
		}, ledger.ErrInvalid},
		{"term already past", lt.Authority, lt.GrantTo, nil, ledger.ErrInvalid},
		{"exists", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) { in.Existing = w.Grant }, ledger.ErrConflict},
		{"unknown application", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) { in.Application = nil }, ledger.ErrNotFound},
		{"application already granted", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) { in.Application = w.Application }, ledger.ErrConflict},
		{"scenario review pending", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			a := *in.Application
			a.Status = ledger.ApplicationSubmitted
			in.Application = &a
		}, ledger.ErrRefused},
		{"application rejected", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			a := *in.Application
			a.Status = ledger.ApplicationRejected
			in.Application = &a
		}, ledger.ErrRefused},
		{"operator unknown", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) { in.Operator = nil }, ledger.ErrNotFound},
		{"operator not admitted", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Operator = &ledger.Participant{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Status: ledger.OperatorApplicant}
		}, ledger.ErrRefused},
		{"no basic security review", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Reviews = without(in.Reviews, ledger.ReviewBasicSecurity)
		}, ledger.ErrRefused},
		{"technical security review expired", lt.Authority, lt.Days(1).AddDate(2, 0, 0), func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Term = ledger.Term{ValidFrom: lt.Days(1).AddDate(2, 0, 0), ValidTo: lt.Days(1).AddDate(2, 6, 0)}
		}, ledger.ErrRefused},
		{"no scenario review", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Reviews = without(in.Reviews, ledger.ReviewScenario)
		}, ledger.ErrRefused},
		{"no network security review", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Reviews = without(in.Reviews, ledger.ReviewNetworkSecurity)
		}, ledger.ErrRefused},
		{"out of scope dataset", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Scope.Datasets[0].ID = "weather"
		}, ledger.ErrRefused},
		{"out of scope field", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Scope.Datasets[1].Fields = []string{"age", "name"}
		}, ledger.ErrRefused},
		{"out of scope purpose", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Scope.Purposes = []string{"marketing"}
		}, ledger.ErrRefused},
		{"out of scope operation", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Scope.Operations = []ledger.Operation{ledger.OpQuery}
		}, ledger.ErrRefused},
		{"dataset withdrawn since", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			d := *w.Datasets["loans"]
			d.Status = ledger.DatasetWithdrawn
			in.Datasets = map[string]*ledger.Dataset{"visits": w.Datasets["visits"], "loans": &d}
		}, ledger.ErrRefused},
		{"province data without approval", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Datasets = provinceVisits(w)
		}, ledger.ErrRefused},
		{"province data with approval", lt.Authority, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Datasets = provinceVisits(w)
			in.Reviews = append(in.Reviews, ledger.Review{ID: "prov", Kind: ledger.ReviewProvince, Subject: "app-1", Outcome: ledger.OutcomePass, Date: lt.Days(2)})
		}, nil},
		{"term longer than requested", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Term.ValidTo = lt.GrantFrom.AddDate(1, 1, 0)
		}, ledger.ErrRefused},
		{"trial longer than requested", lt.Authority, at, func(r *ledger.GrantRequest, _ *ledger.GrantInputs) {
			r.Term.TrialEnds = lt.GrantFrom.AddDate(0, 4, 0)
		}, ledger.ErrRefused},
		{"trial not requested", lt.Authority, at, func(r *ledger.GrantRequest, in *ledger.GrantInputs) {
			a := *in.Application
			a.TrialMonths = 0
			in.Application = &a
			r.Term.TrialEnds = lt.GrantFrom.AddDate(0, 1, 0)
		}, ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := lt.GrantRequest("grant-2", "app-1")
			in := base
			in.Reviews = slices.Clone(base.Reviews)
			if tt.edit != nil {
				tt.edit(&req, &in)
			}
			g, app, err := ledger.IssueGrant(tt.caller, req, in, lt.Stamp(tt.caller, tt.at))
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			if g.Status != ledger.GrantProposed || g.Holder != lt.OperatorMSP || g.Mode != ledger.ModeScenario {
				t.Errorf("got %s grant to %s in mode %s, want proposed to %s in scenario mode", g.Status, g.Holder, g.Mode, lt.OperatorMSP)
			}
			if len(g.Approvals) != len(g.Providers) || len(g.Pending()) != len(g.Providers) {
				t.Errorf("got approvals %+v, want one pending per provider %v", g.Approvals, g.Providers)
			}
			if app.Status != ledger.ApplicationGranted || app.GrantID != g.ID {
				t.Errorf("got application %s/%s, want granted/%s", app.Status, app.GrantID, g.ID)
			}
		})
	}
}

func provinceVisits(w *lt.World) map[string]*ledger.Dataset {
	d := *w.Datasets["visits"]
	d.ProvinceReturned = true
	return map[string]*ledger.Dataset{"visits": &d, "loans": w.Datasets["loans"]}
}

// proposedGrant returns the world's grant rewound to proposed.
func proposedGrant(t *testing.T) *ledger.Grant {
	w, in := approvedWorld(t)
	_ = w
	g, _, err := ledger.IssueGrant(lt.Authority, lt.GrantRequest("grant-1", "app-1"), in, lt.Stamp(lt.Authority, lt.Days(3)))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestApproveAndRejectGrant(t *testing.T) {
	tests := []struct {
		name   string
		act    func(g *ledger.Grant) error
		want   error
		status ledger.GrantStatus
	}{
		{"one of two approves", func(g *ledger.Grant) error {
			return g.Approve(lt.Health, lt.Stamp(lt.Health, lt.Days(4)))
		}, nil, ledger.GrantProposed},
		{"both approve", func(g *ledger.Grant) error {
			_ = g.Approve(lt.Health, lt.Stamp(lt.Health, lt.Days(4)))
			return g.Approve(lt.Market, lt.Stamp(lt.Market, lt.Days(4)))
		}, nil, ledger.GrantActive},
		{"provider rejects", func(g *ledger.Grant) error {
			return g.Reject(lt.Market, "loan data not for scoring", lt.Stamp(lt.Market, lt.Days(4)))
		}, nil, ledger.GrantRejected},
		{"reject without reason", func(g *ledger.Grant) error {
			return g.Reject(lt.Market, "", lt.Stamp(lt.Market, lt.Days(4)))
		}, ledger.ErrInvalid, ledger.GrantProposed},
		{"wrong party: provider not in scope", func(g *ledger.Grant) error {
			c := ledger.Actor{MSP: "TransportMSP", Role: ledger.RoleProvider}
			return g.Approve(c, lt.Stamp(c, lt.Days(4)))
		}, ledger.ErrNotFound, ledger.GrantProposed},
		{"wrong party: authority", func(g *ledger.Grant) error {
			return g.Approve(lt.Authority, lt.Stamp(lt.Authority, lt.Days(4)))
		}, ledger.ErrForbidden, ledger.GrantProposed},
		{"approve twice", func(g *ledger.Grant) error {
			_ = g.Approve(lt.Health, lt.Stamp(lt.Health, lt.Days(4)))
			return g.Approve(lt.Health, lt.Stamp(lt.Health, lt.Days(4)))
		}, ledger.ErrConflict, ledger.GrantProposed},
		{"approve after rejection", func(g *ledger.Grant) error {
			_ = g.Reject(lt.Market, "no", lt.Stamp(lt.Market, lt.Days(4)))
			return g.Approve(lt.Health, lt.Stamp(lt.Health, lt.Days(4)))
		}, ledger.ErrConflict, ledger.GrantRejected},
		{"approve after expiry", func(g *ledger.Grant) error {
			return g.Approve(lt.Health, lt.Stamp(lt.Health, lt.GrantTo))
		}, ledger.ErrRefused, ledger.GrantProposed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := proposedGrant(t)
			wantErr(t, tt.act(g), tt.want)
			if g.Status != tt.status {
				t.Errorf("got status %q, want %q", g.Status, tt.status)
			}
		})
	}
}

func TestGrantStatusChanges(t *testing.T) {
	active := func(t *testing.T) *ledger.Grant { return lt.NewWorld(t).Grant }
	tests := []struct {
		name   string
		act    func(g *ledger.Grant) error
		want   error
		status ledger.GrantStatus
	}{
		{"suspend", func(g *ledger.Grant) error {
			return g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, lt.Days(20)))
		}, nil, ledger.GrantSuspended},
		{"suspend wrong party", func(g *ledger.Grant) error { return g.Suspend(lt.Health, "x", lt.Stamp(lt.Health, lt.Days(20))) }, ledger.ErrForbidden, ledger.GrantActive},
		{"suspend without reason", func(g *ledger.Grant) error { return g.Suspend(lt.Authority, "", lt.Stamp(lt.Authority, lt.Days(20))) }, ledger.ErrInvalid, ledger.GrantActive},
		{"suspend expired", func(g *ledger.Grant) error { return g.Suspend(lt.Authority, "x", lt.Stamp(lt.Authority, lt.GrantTo)) }, ledger.ErrRefused, ledger.GrantActive},
		{"resume", func(g *ledger.Grant) error {
			_ = g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, lt.Days(20)))
			return g.Resume(lt.Authority, lt.Stamp(lt.Authority, lt.Days(21)))
		}, nil, ledger.GrantActive},
		{"resume active", func(g *ledger.Grant) error { return g.Resume(lt.Authority, lt.Stamp(lt.Authority, lt.Days(21))) }, ledger.ErrConflict, ledger.GrantActive},
		{"resume wrong party", func(g *ledger.Grant) error { return g.Resume(lt.Operator, lt.Stamp(lt.Operator, lt.Days(21))) }, ledger.ErrForbidden, ledger.GrantActive},
		{"revoke", func(g *ledger.Grant) error {
			return g.Revoke(lt.Authority, "breach", lt.Stamp(lt.Authority, lt.Days(20)))
		}, nil, ledger.GrantRevoked},
		{"revoke wrong party", func(g *ledger.Grant) error { return g.Revoke(lt.Regulator, "x", lt.Stamp(lt.Regulator, lt.Days(20))) }, ledger.ErrForbidden, ledger.GrantActive},
		{"revoke without reason", func(g *ledger.Grant) error { return g.Revoke(lt.Authority, "", lt.Stamp(lt.Authority, lt.Days(20))) }, ledger.ErrInvalid, ledger.GrantActive},
		{"revoke twice", func(g *ledger.Grant) error {
			_ = g.Revoke(lt.Authority, "breach", lt.Stamp(lt.Authority, lt.Days(20)))
			return g.Revoke(lt.Authority, "breach", lt.Stamp(lt.Authority, lt.Days(21)))
		}, ledger.ErrConflict, ledger.GrantRevoked},
		{"expire", func(g *ledger.Grant) error { return g.Expire(lt.Regulator, lt.Stamp(lt.Regulator, lt.GrantTo)) }, nil, ledger.GrantExpired},
		{"expire early", func(g *ledger.Grant) error { return g.Expire(lt.Regulator, lt.Stamp(lt.Regulator, lt.Days(20))) }, ledger.ErrConflict, ledger.GrantActive},
		{"expire twice", func(g *ledger.Grant) error {
			_ = g.Expire(lt.Regulator, lt.Stamp(lt.Regulator, lt.GrantTo))
			return g.Expire(lt.Regulator, lt.Stamp(lt.Regulator, lt.GrantTo))
		}, ledger.ErrConflict, ledger.GrantExpired},
		{"expire by stranger, answered as missing", func(g *ledger.Grant) error { return g.Expire(lt.Stranger, lt.Stamp(lt.Stranger, lt.GrantTo)) }, ledger.ErrNotFound, ledger.GrantActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := active(t)
			n := len(g.History)
			err := tt.act(g)
			wantErr(t, err, tt.want)
			if g.Status != tt.status {
				t.Errorf("got status %q, want %q", g.Status, tt.status)
			}
			if err == nil && len(g.History) <= n {
				t.Errorf("got %d status log entries, want more than %d", len(g.History), n)
			}
		})
	}
}

func TestGrantEffectiveStatusAndHistory(t *testing.T) {
	w := lt.NewWorld(t)
	g := w.Grant
	if err := g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, lt.Days(20))); err != nil {
		t.Fatal(err)
	}
	if err := g.Resume(lt.Authority, lt.Stamp(lt.Authority, lt.Days(30))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at   time.Time
		want ledger.GrantStatus
	}{
		{lt.Days(2), ""},
		{lt.Days(3), ledger.GrantProposed},
		{lt.Days(10), ledger.GrantActive},
		{lt.Days(25), ledger.GrantSuspended},
		{lt.Days(30), ledger.GrantActive},
		{lt.GrantTo, ledger.GrantExpired},
	}
	for _, tt := range tests {
		if got := g.StatusAt(tt.at); got != tt.want {
			t.Errorf("StatusAt(%s): got %q, want %q", tt.at.Format(time.DateOnly), got, tt.want)
		}
	}
	if got := g.AsOf(lt.GrantTo).Status; got != ledger.GrantExpired {
		t.Errorf("AsOf(validTo): got %q, want expired (evaluated on read)", got)
	}
	if g.Status != ledger.GrantActive {
		t.Errorf("AsOf changed the stored status to %q", g.Status)
	}
}

func TestUsableAt(t *testing.T) {
	w := lt.NewWorld(t)
	sub := &ledger.Grant{ID: "sub-1", ParentID: "grant-1", Holder: lt.DeveloperMSP, Term: w.Grant.Term, Status: ledger.GrantActive,
		History: []ledger.StatusChange{{Status: ledger.GrantActive, Stamp: lt.Stamp(lt.Authority, lt.Days(6))}}}
	unsigned := *w.Agreement
	unsigned.Status, unsigned.OperatorSigned = ledger.AgreementProposed, ledger.Stamp{}
	tests := []struct {
		name       string
		g          *ledger.Grant
		agreements []ledger.Agreement
		parent     *ledger.Grant
		at         time.Time
		want       error
	}{
		{"in force", w.Grant, w.Agreements(), nil, lt.UseTime, nil},
		{"before the term", w.Grant, w.Agreements(), nil, lt.Days(4).Add(time.Hour), ledger.ErrRefused},
		{"before activation", w.Grant, w.Agreements(), nil, lt.Days(3).Add(time.Hour), ledger.ErrRefused},
		{"before issue", w.Grant, w.Agreements(), nil, lt.Days(1), ledger.ErrRefused},
		{"expired", w.Grant, w.Agreements(), nil, lt.GrantTo, ledger.ErrRefused},
		{"no agreement", w.Grant, nil, nil, lt.UseTime, ledger.ErrRefused},
		{"agreement not signed", w.Grant, []ledger.Agreement{unsigned}, nil, lt.UseTime, ledger.ErrRefused},
		{"sub-grant under usable parent", sub, nil, w.Grant, lt.UseTime, nil},
		{"sub-grant without parent", sub, nil, nil, lt.UseTime, ledger.ErrNotFound},
		{"sub-grant before activation", sub, nil, w.Grant, lt.Days(5).Add(time.Hour), ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, ledger.UsableAt(tt.g, tt.agreements, tt.parent, w.Agreements(), tt.at), tt.want)
		})
	}
	t.Run("sub-grant when parent has no agreement", func(t *testing.T) {
		wantErr(t, ledger.UsableAt(sub, nil, w.Grant, nil, lt.UseTime), ledger.ErrRefused)
	})
}

func TestProposeAndActivateSubGrant(t *testing.T) {
	w := lt.NewWorld(t)
	at := lt.Days(10)
	valid := func() ledger.SubGrantRequest {
		return ledger.SubGrantRequest{
			ID: "sub-1", ParentID: "grant-1", Developer: lt.DeveloperMSP,
			Scope: ledger.Scope{
				Datasets:   []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}},
				Purposes:   []string{"credit-assessment"},
				Operations: []ledger.Operation{ledger.OpStatistics},
			},
			Quota: ledger.Quota{Records: 100, Calls: 2},
			Term:  ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
		}
	}
	inputs := func() ledger.SubGrantInputs {
		return ledger.SubGrantInputs{Parent: w.Grant, ParentAgreements: w.Agreements(), ParentUsage: ledger.Usage{GrantID: "grant-1"}, Developer: w.Participants[lt.DeveloperMSP]}
	}
	tests := []struct {
		name   string
		caller ledger.Actor
		edit   func(*ledger.SubGrantRequest, *ledger.SubGrantInputs)
		want   error
	}{
		{"holder proposes", lt.Operator, nil, nil},
		{"wrong party", lt.Market, nil, ledger.ErrForbidden},
		{"developer cannot propose to itself", lt.Developer, nil, ledger.ErrNotFound},
		{"bad id", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.ID = "" }, ledger.ErrInvalid},
		{"bad parent id", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.ParentID = "" }, ledger.ErrInvalid},
		{"bad developer", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.Developer = "" }, ledger.ErrInvalid},
		{"bad scope", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.Scope.Purposes = nil }, ledger.ErrInvalid},
		{"bad quota", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.Quota.Calls = 0 }, ledger.ErrInvalid},
		{"bad term", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.Term.ValidTo = r.Term.ValidFrom }, ledger.ErrInvalid},
		{"exists", lt.Operator, func(_ *ledger.SubGrantRequest, in *ledger.SubGrantInputs) { in.Existing = w.Grant }, ledger.ErrConflict},
		{"unknown parent", lt.Operator, func(_ *ledger.SubGrantRequest, in *ledger.SubGrantInputs) { in.Parent = nil }, ledger.ErrNotFound},
		{"parent is a sub-grant", lt.Operator, func(_ *ledger.SubGrantRequest, in *ledger.SubGrantInputs) {
			p := *w.Grant
			p.ParentID = "grant-0"
			in.Parent = &p
		}, ledger.ErrRefused},
		{"unknown developer", lt.Operator, func(_ *ledger.SubGrantRequest, in *ledger.SubGrantInputs) { in.Developer = nil }, ledger.ErrNotFound},
		{"not a developer", lt.Operator, func(_ *ledger.SubGrantRequest, in *ledger.SubGrantInputs) {
			in.Developer = w.Participants[lt.MarketMSP]
		}, ledger.ErrRefused},
		{"parent without agreement", lt.Operator, func(_ *ledger.SubGrantRequest, in *ledger.SubGrantInputs) { in.ParentAgreements = nil }, ledger.ErrRefused},
		{"out of scope field", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) {
			r.Scope.Datasets[0].Fields = []string{"name"}
		}, ledger.ErrRefused},
		{"out of window", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.Term.ValidTo = lt.GrantTo.Add(time.Hour) }, ledger.ErrRefused},
		{"over quota", lt.Operator, func(r *ledger.SubGrantRequest, _ *ledger.SubGrantInputs) { r.Quota.Records = 1001 }, ledger.ErrRefused},
		{"over remaining quota", lt.Operator, func(_ *ledger.SubGrantRequest, in *ledger.SubGrantInputs) {
			in.ParentUsage = ledger.Usage{GrantID: "grant-1", Records: 950, Calls: 1}
		}, ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, in := valid(), inputs()
			if tt.edit != nil {
				tt.edit(&req, &in)
			}
			g, err := ledger.ProposeSubGrant(tt.caller, req, in, lt.Stamp(tt.caller, at))
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			if g.Status != ledger.GrantProposed || g.ParentHolder != lt.OperatorMSP || g.Holder != lt.DeveloperMSP {
				t.Errorf("got %+v, want a proposed sub-grant from %s to %s", g, lt.OperatorMSP, lt.DeveloperMSP)
			}
			if len(g.Providers) != 1 || g.Providers[0] != lt.HealthMSP || g.Scope.Datasets[0].Owner != lt.HealthMSP {
				t.Errorf("got providers %v, want [HealthMSP]", g.Providers)
			}
		})
	}

	activate := []struct {
		name   string
		caller ledger.Actor
		edit   func(*ledger.Grant, *ledger.SubGrantInputs)
		want   error
	}{
		{"authority activates", lt.Authority, nil, nil},
		{"wrong party", lt.Operator, nil, ledger.ErrForbidden},
		{"provider approval is not activation", lt.Health, nil, ledger.ErrForbidden},
		{"first-level grant", lt.Authority, func(g *ledger.Grant, _ *ledger.SubGrantInputs) { g.ParentID = "" }, ledger.ErrRefused},
		{"already active", lt.Authority, func(g *ledger.Grant, _ *ledger.SubGrantInputs) { g.Status = ledger.GrantActive }, ledger.ErrConflict},
		{"parent missing", lt.Authority, func(_ *ledger.Grant, in *ledger.SubGrantInputs) { in.Parent = nil }, ledger.ErrNotFound},
		{"parent suspended", lt.Authority, func(_ *ledger.Grant, in *ledger.SubGrantInputs) {
			p := *w.Grant
			p.History = slices.Clone(p.History)
			_ = p.Suspend(lt.Authority, "x", lt.Stamp(lt.Authority, lt.Days(10)))
			in.Parent = &p
		}, ledger.ErrRefused},
		{"parent quota used up since", lt.Authority, func(_ *ledger.Grant, in *ledger.SubGrantInputs) {
			in.ParentUsage = ledger.Usage{Records: 1000, Calls: 10}
		}, ledger.ErrRefused},
	}
	for _, tt := range activate {
		t.Run("activate/"+tt.name, func(t *testing.T) {
			g, err := ledger.ProposeSubGrant(lt.Operator, valid(), inputs(), lt.Stamp(lt.Operator, at))
			if err != nil {
				t.Fatal(err)
			}
			in := inputs()
			if tt.edit != nil {
				tt.edit(g, &in)
			}
			c := tt.caller
			if c.MSP == lt.HealthMSP {
				wantErr(t, g.Approve(c, lt.Stamp(c, lt.Days(11))), tt.want)
				return
			}
			err = g.ActivateSubGrant(c, in, lt.Stamp(c, lt.Days(11)))
			wantErr(t, err, tt.want)
			if err == nil && g.Status != ledger.GrantActive {
				t.Errorf("got %s, want active", g.Status)
			}
		})
	}
}

func TestGrantVisibilityAndSummary(t *testing.T) {
	w := lt.NewWorld(t)
	for _, tt := range []struct {
		caller ledger.Actor
		want   bool
	}{{lt.Operator, true}, {lt.Health, true}, {lt.Market, true}, {lt.Authority, true}, {lt.Regulator, true}, {lt.Platform, false}, {lt.Developer, false}} {
		if got := w.Grant.VisibleTo(tt.caller); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.caller.MSP, got, tt.want)
		}
	}
	s := w.Grant.Summary(lt.UseTime)
	if s.Status != ledger.GrantActive || len(s.Datasets) != 2 || s.Scenario != "inclusive-credit" || len(s.Domains) != 2 {
		t.Errorf("got summary %+v, want active over 2 datasets in 2 domains for inclusive-credit", s)
	}
}

func TestTerm(t *testing.T) {
	from := lt.Days(0)
	tests := []struct {
		name string
		term ledger.Term
		want error
	}{
		{"two years", ledger.Term{ValidFrom: from, ValidTo: from.AddDate(2, 0, 0)}, nil},
		{"six month trial then two years", ledger.Term{ValidFrom: from, TrialEnds: from.AddDate(0, 6, 0), ValidTo: from.AddDate(2, 6, 0)}, nil},
		{"no start", ledger.Term{ValidTo: from}, ledger.ErrInvalid},
		{"no end", ledger.Term{ValidFrom: from}, ledger.ErrInvalid},
		{"end before start", ledger.Term{ValidFrom: from, ValidTo: from.Add(-time.Second)}, ledger.ErrInvalid},
		{"over two years", ledger.Term{ValidFrom: from, ValidTo: from.AddDate(2, 0, 0).Add(time.Second)}, ledger.ErrInvalid},
		{"trial over six months", ledger.Term{ValidFrom: from, TrialEnds: from.AddDate(0, 6, 1), ValidTo: from.AddDate(1, 0, 0)}, ledger.ErrInvalid},
		{"trial after end", ledger.Term{ValidFrom: from, TrialEnds: from.AddDate(0, 2, 0), ValidTo: from.AddDate(0, 1, 0)}, ledger.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.term.Validate("term"), tt.want)
		})
	}
	tr := ledger.Term{ValidFrom: from, TrialEnds: from.AddDate(0, 1, 0), ValidTo: from.AddDate(1, 0, 0)}
	if !tr.InTrial(from.AddDate(0, 0, 10)) || tr.InTrial(from.AddDate(0, 2, 0)) {
		t.Error("InTrial: got wrong answer around the trial end")
	}
}
