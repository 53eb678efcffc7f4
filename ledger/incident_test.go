package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// incidentAt is when the incidents of these tests are reported: the
// world's grant is active then.
var incidentAt = lt.Days(10)

func incidentOn(typ ledger.IncidentSubject, id string, sev ledger.IncidentSeverity, detected time.Time) ledger.IncidentRequest {
	return ledger.IncidentRequest{ID: "inc-1", SubjectType: typ, SubjectID: id, Severity: sev,
		Occurred: detected.Add(-time.Hour), Detected: detected, ReportDigest: lt.Digest("incident report")}
}

func worldInputs(w *lt.World) ledger.IncidentInputs {
	return ledger.IncidentInputs{Grant: w.Grant, Dataset: w.Datasets["visits"], Attestor: w.AttestorRec,
		GrantsOverDataset: []*ledger.Grant{w.Grant}}
}

func TestReportIncidentOnTimeAndLate(t *testing.T) {
	w := lt.NewWorld(t)
	// Detected 30 minutes before: a critical incident is due within 1 h.
	inc, err := ledger.ReportIncident(lt.Operator, incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityCritical, incidentAt.Add(-30*time.Minute)),
		worldInputs(w), lt.Stamp(lt.Operator, incidentAt))
	wantErr(t, err, nil)
	if inc.Late || inc.Status != ledger.IncidentReported || inc.Reporter != lt.OperatorMSP || inc.Operator != lt.OperatorMSP {
		t.Fatalf("got %+v, want reported on time by the operator", inc)
	}
	if want := incidentAt.Add(4 * time.Hour); !inc.DecisionDue.Equal(want) {
		t.Errorf("decision due %s, want %s", inc.DecisionDue, want)
	}
	// Detected 3 hours before: 2 hours late.
	inc, err = ledger.ReportIncident(lt.Health, incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityCritical, incidentAt.Add(-3*time.Hour)),
		worldInputs(w), lt.Stamp(lt.Health, incidentAt))
	wantErr(t, err, nil)
	if !inc.Late || inc.LateBy != "2h0m0s" {
		t.Errorf("got late=%v by %q, want late by 2h0m0s", inc.Late, inc.LateBy)
	}
	// A general incident has 72 h.
	inc, err = ledger.ReportIncident(lt.Platform, incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityGeneral, incidentAt.Add(-48*time.Hour)),
		worldInputs(w), lt.Stamp(lt.Platform, incidentAt))
	wantErr(t, err, nil)
	if inc.Late {
		t.Errorf("a general incident reported 48 h after detection is late: %+v", inc)
	}
}

func TestReportIncidentWhoMayReport(t *testing.T) {
	w := lt.NewWorld(t)
	for _, tt := range []struct {
		name   string
		caller ledger.Actor
		typ    ledger.IncidentSubject
		id     string
		want   error
	}{
		{"holder on its grant", lt.Operator, ledger.IncidentOnGrant, "grant-1", nil},
		{"provider on the grant", lt.Market, ledger.IncidentOnGrant, "grant-1", nil},
		{"platform on any grant", lt.Platform, ledger.IncidentOnGrant, "grant-1", nil},
		{"regulator on a grant it reads", lt.Regulator, ledger.IncidentOnGrant, "grant-1", ledger.ErrForbidden},
		{"developer on a grant it may not read", lt.Developer, ledger.IncidentOnGrant, "grant-1", ledger.ErrNotFound},
		{"stranger on a grant", lt.Stranger, ledger.IncidentOnGrant, "grant-1", ledger.ErrNotFound},
		{"owner on its dataset", lt.Health, ledger.IncidentOnDataset, "visits", nil},
		{"holder of a grant over the dataset", lt.Operator, ledger.IncidentOnDataset, "visits", nil},
		{"another party on the dataset", lt.Developer, ledger.IncidentOnDataset, "visits", ledger.ErrForbidden},
		{"platform on its attestor", lt.Platform, ledger.IncidentOnAttestor, w.AttestorRec.Address, nil},
		{"operator on an attestor", lt.Operator, ledger.IncidentOnAttestor, w.AttestorRec.Address, ledger.ErrForbidden},
		{"expert", lt.Member, ledger.IncidentOnGrant, "grant-1", ledger.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ledger.ReportIncident(tt.caller, incidentOn(tt.typ, tt.id, ledger.SeverityMajor, incidentAt), worldInputs(w), lt.Stamp(tt.caller, incidentAt))
			wantErr(t, err, tt.want)
		})
	}
	// A grant the caller may not read answers as one that does not exist.
	_, hidden := ledger.ReportIncident(lt.Developer, incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityMajor, incidentAt), worldInputs(w), lt.Stamp(lt.Developer, incidentAt))
	_, missing := ledger.ReportIncident(lt.Developer, incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityMajor, incidentAt), ledger.IncidentInputs{}, lt.Stamp(lt.Developer, incidentAt))
	if hidden.Error() != missing.Error() {
		t.Errorf("hidden grant: %q, missing grant: %q", hidden, missing)
	}
}

func TestReportIncidentInvalid(t *testing.T) {
	w := lt.NewWorld(t)
	for _, tt := range []struct {
		field  string
		change func(*ledger.IncidentRequest)
	}{
		{"severity", func(r *ledger.IncidentRequest) { r.Severity = "bad" }},
		{"detected", func(r *ledger.IncidentRequest) { r.Detected = incidentAt.Add(time.Hour) }},
		{"occurred", func(r *ledger.IncidentRequest) { r.Occurred = r.Detected.Add(time.Minute) }},
		{"reportDigest", func(r *ledger.IncidentRequest) { r.ReportDigest = "abc" }},
		{"subjectType", func(r *ledger.IncidentRequest) { r.SubjectType = "product" }},
	} {
		req := incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityMajor, incidentAt)
		tt.change(&req)
		_, err := ledger.ReportIncident(lt.Operator, req, worldInputs(w), lt.Stamp(lt.Operator, incidentAt))
		wantErr(t, err, ledger.ErrInvalid)
		if !strings.HasPrefix(err.Error(), tt.field+":") {
			t.Errorf("got %q, want it about %s", err, tt.field)
		}
	}
	in := worldInputs(w)
	in.Existing = &ledger.Incident{ID: "inc-1"}
	_, err := ledger.ReportIncident(lt.Operator, incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityMajor, incidentAt), in, lt.Stamp(lt.Operator, incidentAt))
	wantErr(t, err, ledger.ErrConflict)
}

func TestDecideIncidentSuspendsTheGrant(t *testing.T) {
	w := lt.NewWorld(t)
	inc, err := ledger.ReportIncident(lt.Operator, incidentOn(ledger.IncidentOnGrant, "grant-1", ledger.SeverityMajor, incidentAt), worldInputs(w), lt.Stamp(lt.Operator, incidentAt))
	wantErr(t, err, nil)
	req := ledger.IncidentDecisionRequest{ID: "inc-1", Action: ledger.ActionSuspendGrant, ReasonDigest: lt.Digest("decision")}
	wantErr(t, inc.Decide(lt.Operator, req, ledger.IncidentEffects{Grant: w.Grant}, lt.Stamp(lt.Operator, incidentAt)), ledger.ErrForbidden)
	wantErr(t, inc.Decide(lt.Developer, req, ledger.IncidentEffects{Grant: w.Grant}, lt.Stamp(lt.Developer, incidentAt)), ledger.ErrNotFound)
	// Major: 24 h to decide; 30 h after the report is 6 h late.
	decided := incidentAt.Add(30 * time.Hour)
	wantErr(t, inc.Decide(lt.Authority, req, ledger.IncidentEffects{Grant: w.Grant}, lt.Stamp(lt.Authority, decided)), nil)
	if inc.Status != ledger.IncidentDecided || !inc.Decision.Late || inc.Decision.LateBy != "6h0m0s" {
		t.Errorf("got %s, decision %+v, want decided 6 h late", inc.Status, inc.Decision)
	}
	if s := w.Grant.EffectiveStatus(decided); s != ledger.GrantSuspended || !strings.Contains(w.Grant.Reason, "inc-1") {
		t.Errorf("grant is %s (%q), want suspended for the incident", s, w.Grant.Reason)
	}
	wantErr(t, inc.Decide(lt.Authority, req, ledger.IncidentEffects{Grant: w.Grant}, lt.Stamp(lt.Authority, decided)), ledger.ErrConflict)
	wantErr(t, inc.Close(lt.Operator, lt.Digest("closing"), lt.Stamp(lt.Operator, decided)), ledger.ErrForbidden)
	wantErr(t, inc.Close(lt.Authority, lt.Digest("closing"), lt.Stamp(lt.Authority, decided)), nil)
	if inc.Status != ledger.IncidentClosed || inc.ClosingDigest != lt.Digest("closing") {
		t.Errorf("got %+v, want closed with its report", inc)
	}
	wantErr(t, inc.Close(lt.Authority, lt.Digest("closing"), lt.Stamp(lt.Authority, decided)), ledger.ErrConflict)
}

func TestDecideIncidentOtherActions(t *testing.T) {
	w := lt.NewWorld(t)
	report := func(typ ledger.IncidentSubject, id string, by ledger.Actor) *ledger.Incident {
		t.Helper()
		inc, err := ledger.ReportIncident(by, incidentOn(typ, id, ledger.SeverityGeneral, incidentAt), worldInputs(w), lt.Stamp(by, incidentAt))
		wantErr(t, err, nil)
		return inc
	}
	at := lt.Stamp(lt.Authority, incidentAt.Add(time.Hour))
	decide := func(a ledger.IncidentAction) ledger.IncidentDecisionRequest {
		return ledger.IncidentDecisionRequest{ID: "inc-1", Action: a, ReasonDigest: lt.Digest("decision")}
	}

	onDataset := report(ledger.IncidentOnDataset, "visits", lt.Health)
	wantErr(t, onDataset.Decide(lt.Authority, decide(ledger.ActionSuspendGrant), ledger.IncidentEffects{}, at), ledger.ErrRefused)
	wantErr(t, onDataset.Decide(lt.Authority, decide(ledger.ActionSuspendOperator), ledger.IncidentEffects{}, at), ledger.ErrRefused)
	wantErr(t, onDataset.Decide(lt.Authority, decide(ledger.ActionClose), ledger.IncidentEffects{}, at), nil)
	if onDataset.Status != ledger.IncidentClosed || onDataset.Decision.Late {
		t.Errorf("got %+v, want closed on time", onDataset)
	}

	byOperator := report(ledger.IncidentOnDataset, "visits", lt.Operator)
	op := w.Participants[lt.OperatorMSP]
	if typ, id := byOperator.Target(ledger.ActionSuspendOperator); typ != "participant" || id != lt.OperatorMSP {
		t.Errorf("target %s %s, want the reporting operator", typ, id)
	}
	wantErr(t, byOperator.Decide(lt.Authority, decide(ledger.ActionSuspendOperator), ledger.IncidentEffects{Operator: op}, at), nil)
	if op.Status != ledger.OperatorSuspended {
		t.Errorf("operator is %s, want suspended", op.Status)
	}

	onAttestor := report(ledger.IncidentOnAttestor, w.AttestorRec.Address, lt.Platform)
	wantErr(t, onAttestor.Decide(lt.Authority, decide("halt"), ledger.IncidentEffects{}, at), ledger.ErrInvalid)
	wantErr(t, onAttestor.Decide(lt.Authority, decide(ledger.ActionRetireAttestor), ledger.IncidentEffects{Attestor: w.AttestorRec}, at), nil)
	if w.AttestorRec.Status != ledger.AttestorRetired {
		t.Errorf("attestor is %s, want retired", w.AttestorRec.Status)
	}
	for _, c := range []ledger.Actor{lt.Platform, lt.Authority, lt.Regulator} {
		if !onAttestor.VisibleTo(c) {
			t.Errorf("%s may not read the incident on its attestor", c.MSP)
		}
	}
	for _, c := range []ledger.Actor{lt.Operator, lt.Health, lt.Member} {
		if onAttestor.VisibleTo(c) {
			t.Errorf("%s reads the incident on the attestor", c.MSP)
		}
	}

	rectified := report(ledger.IncidentOnGrant, "grant-1", lt.Operator)
	wantErr(t, rectified.Close(lt.Authority, lt.Digest("closing"), at), ledger.ErrConflict)
	wantErr(t, rectified.Decide(lt.Authority, decide(ledger.ActionRectify), ledger.IncidentEffects{}, at), nil)
	if rectified.Status != ledger.IncidentDecided || w.Grant.Status != ledger.GrantActive {
		t.Errorf("got %s, grant %s: want decided, the grant untouched", rectified.Status, w.Grant.Status)
	}
}
