package chaincode_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// An incident on a grant, reported late, decided by the authority to
// suspend the grant: the decision suspends it in its own transaction,
// receipts on it are refused from then on, and the event names both.
func TestIncidentDecisionSuspendsTheGrant(t *testing.T) {
	n := world(t)
	now := n.peer.Now()
	onTime := incidentRequest("inc-1", ledger.IncidentOnGrant, "grant-1", now)
	onTime.Severity = ledger.SeverityCritical
	var inc ledger.Incident
	n.get(&inc, lt.OperatorMSP, "ReportIncident", onTime)
	if inc.Late || inc.Reporter != lt.OperatorMSP || inc.Status != ledger.IncidentReported {
		t.Fatalf("got %+v, want reported on time by the operator", inc)
	}

	// Detected 5 hours ago: a critical incident is due within the hour.
	late := onTime
	late.ID, late.Detected, late.Occurred = "inc-2", now.Add(-5*time.Hour), now.Add(-6*time.Hour)
	n.get(&inc, lt.HealthMSP, "ReportIncident", late)
	if !inc.Late || !strings.HasPrefix(inc.LateBy, "4h") {
		t.Errorf("got late=%v by %q, want about 4 h late", inc.Late, inc.LateBy)
	}

	// Others learn nothing of the grant, nor of the incident.
	n.refused("not found: report incident inc-3: grant grant-1 does not exist", lt.DeveloperMSP, "ReportIncident", incidentRequest("inc-3", ledger.IncidentOnGrant, "grant-1", now))
	n.refused("forbidden: report incident inc-3: incidents on grant grant-1 are reported by its holder, its providers or the platform, not RegulatorMSP",
		lt.RegulatorMSP, "ReportIncident", incidentRequest("inc-3", ledger.IncidentOnGrant, "grant-1", now))
	n.refused("not found: get incident inc-1: incident inc-1 does not exist", lt.DeveloperMSP, "GetIncident", "inc-1")
	n.refused("forbidden: decide incident inc-1: only the authority decides on incidents, not OperatorMSP", lt.OperatorMSP, "DecideIncident",
		ledger.IncidentDecisionRequest{ID: "inc-1", Action: ledger.ActionSuspendGrant, ReasonDigest: lt.Digest("decision")})

	tx := n.call(lt.AuthorityMSP, "DecideIncident", ledger.IncidentDecisionRequest{ID: "inc-1", Action: ledger.ActionSuspendGrant, ReasonDigest: lt.Digest("decision")})
	if !tx.OK() {
		t.Fatalf("decide: %s", tx.Message)
	}
	e := event(t, tx)
	if e.Type != "incident" || e.Change != "decided" || !hasRelated(e, "grant", "grant-1", "suspended") {
		t.Errorf("got event %+v, want incident.decided with grant-1 suspended", e)
	}
	var g ledger.Grant
	n.get(&g, lt.OperatorMSP, "GetGrant", "grant-1")
	if g.Status != ledger.GrantSuspended || !strings.Contains(g.Reason, "inc-1") {
		t.Errorf("grant-1 is %s (%q), want suspended for incident inc-1", g.Status, g.Reason)
	}
	n.refused("refused: ", lt.OperatorMSP, "SubmitReceipt", n.useNow("r-9", "grant-1", 1))

	// The grant's status key is the authority's alone, in a decision too.
	n.ok(lt.HealthMSP, "ReportIncident", incidentRequest("inc-4", ledger.IncidentOnGrant, "grant-1", n.peer.Now()))
	n.ok(lt.AuthorityMSP, "ResumeGrant", "grant-1")
	probe := n.peer.InvokeEndorsedBy([]string{lt.HealthMSP, lt.MarketMSP}, lt.AuthorityMSP, "DecideIncident",
		n.args([]any{ledger.IncidentDecisionRequest{ID: "inc-4", Action: ledger.ActionSuspendGrant, ReasonDigest: lt.Digest("decision")}})...)
	if !errors.Is(probe.CommitErr, chaincodetest.ErrEndorsementPolicy) {
		t.Errorf("decision without the authority's peer: got %q (commit %v), want ENDORSEMENT_POLICY_FAILURE", probe.Message, probe.CommitErr)
	}

	// Decided, then closed with its report; the regulator reads them all.
	n.refused("conflict: decide incident inc-1: incident inc-1 is decided and cannot be decided again", lt.AuthorityMSP, "DecideIncident",
		ledger.IncidentDecisionRequest{ID: "inc-1", Action: ledger.ActionRectify, ReasonDigest: lt.Digest("again")})
	n.get(&inc, lt.AuthorityMSP, "CloseIncident", "inc-1", lt.Digest("closing report"))
	if inc.Status != ledger.IncidentClosed || inc.ClosingDigest != lt.Digest("closing report") {
		t.Errorf("got %+v, want closed", inc)
	}
	var page ledger.IncidentPage
	n.get(&page, lt.RegulatorMSP, "QueryIncidents", ledger.Query{By: "grant", Value: "grant-1"})
	if len(page.Items) != 3 {
		t.Errorf("regulator: got %d incidents on grant-1, want 3", len(page.Items))
	}
	n.get(&page, lt.DeveloperMSP, "QueryIncidents", ledger.Query{By: "grant", Value: "grant-1"})
	if len(page.Items) != 0 {
		t.Errorf("developer: got %d incidents on grant-1, want none", len(page.Items))
	}
	n.get(&page, lt.RegulatorMSP, "QueryIncidents", ledger.Query{By: "status", Value: string(ledger.IncidentClosed)})
	if len(page.Items) != 1 || page.Items[0].ID != "inc-1" {
		t.Errorf("closed: got %+v, want inc-1", page.Items)
	}
}

// The other decisions apply the rules of what they change: the operator's
// suspension, the attestor's retirement.
func TestIncidentDecisionsOnOperatorAndAttestor(t *testing.T) {
	n := world(t)
	now := n.peer.Now()
	n.ok(lt.OperatorMSP, "ReportIncident", incidentRequest("inc-op", ledger.IncidentOnDataset, "visits", now))
	n.ok(lt.PlatformMSP, "ReportIncident", incidentRequest("inc-tee", ledger.IncidentOnAttestor, "0x"+strings.ToUpper(n.attestor.Address()[2:]), now))
	n.refused("invalid: report incident inc-x: subjectId:", lt.PlatformMSP, "ReportIncident", incidentRequest("inc-x", ledger.IncidentOnAttestor, "tee", now))
	n.refused("forbidden: report incident inc-x: incidents on dataset visits are reported by its owner or the holder of a grant over it, not MarketMSP",
		lt.MarketMSP, "ReportIncident", incidentRequest("inc-x", ledger.IncidentOnDataset, "visits", now))

	tx := n.call(lt.AuthorityMSP, "DecideIncident", ledger.IncidentDecisionRequest{ID: "inc-op", Action: ledger.ActionSuspendOperator, ReasonDigest: lt.Digest("d")})
	if !tx.OK() || !hasRelated(event(t, tx), "participant", lt.OperatorMSP, "suspended") {
		t.Fatalf("suspend operator: %q", tx.Message)
	}
	var p ledger.Participant
	n.get(&p, lt.RegulatorMSP, "GetParticipant", lt.OperatorMSP)
	if p.Status != ledger.OperatorSuspended {
		t.Errorf("operator is %s, want suspended", p.Status)
	}
	n.refused("refused: ", lt.OperatorMSP, "SubmitReceipt", n.useNow("r-9", "grant-1", 1))

	n.refused("refused: decide incident inc-tee: incident inc-tee is on attestor", lt.AuthorityMSP, "DecideIncident",
		ledger.IncidentDecisionRequest{ID: "inc-tee", Action: ledger.ActionSuspendGrant, ReasonDigest: lt.Digest("d")})
	n.ok(lt.AuthorityMSP, "DecideIncident", ledger.IncidentDecisionRequest{ID: "inc-tee", Action: ledger.ActionRetireAttestor, ReasonDigest: lt.Digest("d")})
	var a ledger.Attestor
	n.get(&a, lt.OperatorMSP, "GetAttestor", n.attestor.Address())
	if a.Status != ledger.AttestorRetired {
		t.Errorf("attestor is %s, want retired", a.Status)
	}
	var page ledger.IncidentPage
	n.get(&page, lt.PlatformMSP, "QueryIncidents", ledger.Query{By: "attestor", Value: "0x" + strings.ToUpper(n.attestor.Address()[2:])})
	if len(page.Items) != 1 || page.Items[0].Decision.Action != ledger.ActionRetireAttestor {
		t.Errorf("platform's incidents on its attestor: got %+v", page.Items)
	}
}
