package ledger_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// secondOperator is an operator other than the World's.
const secondOperator = "SecondOperatorMSP"

// heldBy returns a first-level grant of holder in mode over datasets for
// the World's grant term, in status s.
func heldBy(id, holder string, mode ledger.Mode, s ledger.GrantStatus, datasets ...string) *ledger.Grant {
	g := &ledger.Grant{
		ID: id, Holder: holder, Mode: mode, Status: s,
		Scope: ledger.Scope{Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Term:  ledger.Term{ValidFrom: lt.GrantFrom, ValidTo: lt.GrantTo},
	}
	for _, d := range datasets {
		g.Scope.Datasets = append(g.Scope.Datasets, ledger.DatasetScope{ID: d, Fields: []string{"age"}})
	}
	return g
}

// The authorization mode of the call (整体授权 / 分领域授权 / 依场景授权)
// decides what the grant issued under it may cover.
func TestIssueGrantByMode(t *testing.T) {
	w, base := approvedWorld(t)
	at := lt.Days(3)
	tests := []struct {
		name   string
		mode   ledger.Mode
		at     time.Time
		edit   func(*ledger.GrantRequest, *ledger.GrantInputs)
		want   error
		prefix string
	}{
		{"whole, nobody else", ledger.ModeWhole, at, nil, nil, ""},
		{"whole, another operator's active grant", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeScenario, ledger.GrantActive, "visits")}
		}, ledger.ErrRefused, "sole operator: a whole-mode grant (整体授权) makes OperatorMSP the sole operator of dataset visits, but SecondOperatorMSP holds grant g-2 (active)"},
		{"whole, another operator's proposed grant", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeDomain, ledger.GrantProposed, "loans")}
		}, ledger.ErrRefused, "sole operator: a whole-mode grant (整体授权) makes OperatorMSP the sole operator of dataset loans, but SecondOperatorMSP holds grant g-2 (proposed)"},
		{"whole, another operator's suspended grant", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeScenario, ledger.GrantSuspended, "loans")}
		}, ledger.ErrRefused, "sole operator:"},
		{"whole, another operator's revoked grant", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeScenario, ledger.GrantRevoked, "visits")}
		}, nil, ""},
		{"whole, another operator's rejected grant", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeScenario, ledger.GrantRejected, "visits")}
		}, nil, ""},
		{"whole, another operator's grant ended before", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			g := heldBy("g-2", secondOperator, ledger.ModeScenario, ledger.GrantActive, "visits")
			g.Term = ledger.Term{ValidFrom: lt.T0.AddDate(-1, 0, 0), ValidTo: lt.Days(2)}
			in.Others = []*ledger.Grant{g}
		}, nil, ""},
		{"whole, another operator's grant starting after its term", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			g := heldBy("g-2", secondOperator, ledger.ModeScenario, ledger.GrantProposed, "visits")
			g.Term = ledger.Term{ValidFrom: lt.GrantTo, ValidTo: lt.GrantTo.AddDate(1, 0, 0)}
			in.Others = []*ledger.Grant{g}
		}, nil, ""},
		{"whole, another operator's grant over other data", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeWhole, ledger.GrantActive, "weather")}
		}, nil, ""},
		{"whole, the same operator's grant", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", lt.OperatorMSP, ledger.ModeWhole, ledger.GrantActive, "visits")}
		}, nil, ""},
		{"whole, a sub-grant to a developer", ledger.ModeWhole, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			g := heldBy("sub-2", lt.DeveloperMSP, ledger.ModeWhole, ledger.GrantActive, "visits")
			g.ParentID, g.ParentHolder = "g-2", lt.OperatorMSP
			in.Others = []*ledger.Grant{g}
		}, nil, ""},
		{"scenario, another operator's whole grant", ledger.ModeScenario, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeWhole, ledger.GrantActive, "loans")}
		}, ledger.ErrRefused, "sole operator: SecondOperatorMSP holds whole-mode grant g-2 (整体授权, active) over dataset loans until 2026-01-06T00:00:00Z"},
		{"domain, another operator's proposed whole grant", ledger.ModeDomain, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeWhole, ledger.GrantProposed, "visits")}
		}, ledger.ErrRefused, "sole operator: SecondOperatorMSP holds whole-mode grant g-2 (整体授权, proposed)"},
		{"scenario, another operator's whole grant, expired", ledger.ModeScenario, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			g := heldBy("g-2", secondOperator, ledger.ModeWhole, ledger.GrantActive, "visits")
			g.Term = ledger.Term{ValidFrom: lt.T0.AddDate(-1, 0, 0), ValidTo: lt.Days(2)}
			in.Others = []*ledger.Grant{g}
		}, nil, ""},
		{"scenario, another operator's scenario grant", ledger.ModeScenario, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeScenario, ledger.GrantActive, "visits")}
		}, nil, ""},
		{"domain, datasets of the call's domains", ledger.ModeDomain, at, nil, nil, ""},
		{"domain, a dataset moved out of the call's domains", ledger.ModeDomain, at, func(_ *ledger.GrantRequest, in *ledger.GrantInputs) {
			d := *w.Datasets["visits"]
			d.Domain = "transport"
			in.Datasets = map[string]*ledger.Dataset{"visits": &d, "loans": w.Datasets["loans"]}
		}, ledger.ErrRefused, "out of domain: dataset visits is in domain transport; a domain grant (分领域授权) under call call-1 covers only its domains (finance, medical)"},
		{"domain, two purposes", ledger.ModeDomain, at, twoPurposes, nil, ""},
		{"scenario, two purposes", ledger.ModeScenario, at, twoPurposes, ledger.ErrRefused,
			"one scenario: a scenario grant (依场景授权) covers only its scenario inclusive-credit, so its scope names exactly one purpose, not 2 (credit-assessment, risk-control)"},
		{"whole, two purposes", ledger.ModeWhole, at, twoPurposes, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := lt.GrantRequest("grant-2", "app-1")
			in := base
			in.Reviews = slices.Clone(base.Reviews)
			call := *base.Call
			call.Mode = tt.mode
			in.Call = &call
			if tt.edit != nil {
				tt.edit(&req, &in)
			}
			g, _, err := ledger.IssueGrant(lt.Authority, req, in, lt.Stamp(lt.Authority, tt.at))
			wantErr(t, err, tt.want)
			if err != nil {
				if !strings.Contains(err.Error(), tt.prefix) {
					t.Errorf("got %q, want %q", err, tt.prefix)
				}
				return
			}
			if g.Mode != tt.mode {
				t.Errorf("got mode %s, want the call's %s", g.Mode, tt.mode)
			}
		})
	}
}

// twoPurposes asks for two purposes, both in the application's list.
func twoPurposes(r *ledger.GrantRequest, in *ledger.GrantInputs) {
	a := *in.Application
	a.Scope.Purposes = []string{"credit-assessment", "risk-control"}
	in.Application = &a
	r.Scope.Purposes = []string{"credit-assessment", "risk-control"}
}
