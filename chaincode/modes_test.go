package chaincode_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// secondOperator is an operator besides the World's, for the exclusivity
// of whole-mode grants: the end-to-end network has one operator only.
const secondOperator = "SecondOperatorMSP"

// admitSecondOperator registers and admits secondOperator with passed
// basic- and technical-security reviews and its private collection.
func (n *net) admitSecondOperator() {
	n.t.Helper()
	n.peer.DefineCollection(ledger.OperatorCollection(secondOperator), lt.AuthorityMSP, lt.RegulatorMSP, secondOperator)
	n.ok(lt.AuthorityMSP, "RegisterParticipant", ledger.ParticipantRequest{MSP: secondOperator, Role: ledger.RoleOperator, Name: "Second Operator Org"})
	n.ok(lt.AuthorityMSP, "SetOperatorStatus", ledger.OperatorStatusRequest{MSP: secondOperator, Status: ledger.OperatorAdmitted})
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-basic-2", ledger.ReviewBasicSecurity, secondOperator, lt.Days(1)))
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-tech-2", ledger.ReviewTechnicalSecurity, secondOperator, lt.Days(1)))
}

// publishCall publishes call id of the World's call but in mode, over domains.
func (n *net) publishCall(id string, mode ledger.Mode, domains ...string) {
	n.t.Helper()
	req := lt.CallRequest(id)
	req.Mode, req.Domains = mode, domains
	n.ok(lt.AuthorityMSP, "PublishCall", req)
}

// approvedApplication files application id of operator under call for
// scope, with its documents and its passed network-security and scenario
// reviews; edit, if any, changes the request first.
func (n *net) approvedApplication(operator, id, call string, scope ledger.Scope, edit ...func(*ledger.ApplicationRequest)) {
	n.t.Helper()
	req := lt.ApplicationRequest(id, call)
	req.Scope = scope
	for _, e := range edit {
		e(&req)
	}
	n.ok(operator, "SubmitApplication", req)
	n.okPrivate(operator, "AttachApplicationDocuments", lt.ApplicationDocuments(), id)
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest(id+"-net", ledger.ReviewNetworkSecurity, id, lt.Days(1)))
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest(id+"-scn", ledger.ReviewScenario, id, lt.Days(1)))
}

// medicalScenario makes an application's scenario a medical one.
func medicalScenario(r *ledger.ApplicationRequest) {
	r.Scenario = ledger.Scenario{Name: "chronic-care", Domain: "medical", Description: "follow-up of chronic patients"}
}

// grantOf returns the World's grant request for application app with scope.
func grantOf(id, app string, scope ledger.Scope) ledger.GrantRequest {
	req := lt.GrantRequest(id, app)
	req.Scope = scope
	return req
}

// A whole-mode grant (整体授权) makes its holder the sole operator of its
// datasets for its term: it is refused while another operator holds a
// grant over one of them, and while it is in force (proposed included)
// another operator's grant over one of them is refused. The holder's own
// grants and its sub-grants to developers stay allowed.
func TestWholeModeGrantIsExclusive(t *testing.T) {
	n := world(t)
	n.admitSecondOperator()
	n.publishCall("call-whole", ledger.ModeWhole)
	n.approvedApplication(secondOperator, "app-w", "call-whole", lt.Scope())

	// grant-1 of OperatorMSP (scenario mode, active) holds visits and loans.
	n.refused("refused: issue grant grant-w: sole operator: a whole-mode grant (整体授权) makes SecondOperatorMSP the sole operator of dataset loans, but OperatorMSP holds grant grant-1 (active) over it until 2026-01-06T00:00:00Z",
		lt.AuthorityMSP, "IssueGrant", grantOf("grant-w", "app-w", lt.Scope()))
	n.ok(lt.AuthorityMSP, "SuspendGrant", "grant-1", "security incident")
	n.refused("refused: issue grant grant-w: sole operator: a whole-mode grant (整体授权) makes SecondOperatorMSP the sole operator of dataset loans, but OperatorMSP holds grant grant-1 (suspended)",
		lt.AuthorityMSP, "IssueGrant", grantOf("grant-w", "app-w", lt.Scope()))
	n.ok(lt.AuthorityMSP, "RevokeGrant", "grant-1", "operator gave up the scenario")
	n.ok(lt.AuthorityMSP, "IssueGrant", grantOf("grant-w", "app-w", lt.Scope()))

	// While grant-w is proposed, no other operator is granted its data,
	// whatever the mode of the other grant's call.
	n.approvedApplication(lt.OperatorMSP, "app-2", "call-1", lt.Scope())
	visitsOnly := lt.Scope()
	visitsOnly.Datasets = visitsOnly.Datasets[:1]
	n.refused("refused: issue grant grant-2: sole operator: SecondOperatorMSP holds whole-mode grant grant-w (整体授权, proposed) over dataset visits until 2026-01-06T00:00:00Z; no other operator may be granted it for that term",
		lt.AuthorityMSP, "IssueGrant", grantOf("grant-2", "app-2", visitsOnly))

	// Active, with its agreement in force: the holder's sub-grant to a
	// developer is its own and stays allowed.
	n.ok(lt.HealthMSP, "ApproveGrant", "grant-w")
	n.ok(lt.MarketMSP, "ApproveGrant", "grant-w")
	n.ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-w", "grant-w"))
	n.okPrivate(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-w"), "agr-w")
	n.ok(lt.AuthorityMSP, "SignAgreement", "agr-w")
	n.ok(secondOperator, "SignAgreement", "agr-w")
	n.refused("refused: issue grant grant-2: sole operator: SecondOperatorMSP holds whole-mode grant grant-w (整体授权, active) over dataset loans",
		lt.AuthorityMSP, "IssueGrant", grantOf("grant-2", "app-2", lt.Scope()))
	n.ok(secondOperator, "ProposeSubGrant", ledger.SubGrantRequest{
		ID: "sub-w", ParentID: "grant-w", Developer: lt.DeveloperMSP,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}}, Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 100, Calls: 5}, Term: ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
	})
	n.ok(lt.AuthorityMSP, "ActivateSubGrant", "sub-w")

	// Revoked, it no longer holds the data.
	n.ok(lt.AuthorityMSP, "RevokeGrant", "grant-w", "exclusivity ended")
	n.ok(lt.AuthorityMSP, "IssueGrant", grantOf("grant-2", "app-2", lt.Scope()))
}

// A second whole-mode grant of the same operator over the same data is
// not exclusive of the first.
func TestWholeModeGrantsOfOneOperator(t *testing.T) {
	n := world(t)
	n.publishCall("call-whole", ledger.ModeWhole)
	n.approvedApplication(lt.OperatorMSP, "app-w", "call-whole", lt.Scope())
	n.ok(lt.AuthorityMSP, "IssueGrant", grantOf("grant-w", "app-w", lt.Scope()))
	n.approvedApplication(lt.OperatorMSP, "app-w2", "call-whole", lt.Scope())
	n.ok(lt.AuthorityMSP, "IssueGrant", grantOf("grant-w2", "app-w2", lt.Scope()))
}

// A domain grant (分领域授权) covers only datasets of its call's domains,
// as the catalogue files them when the grant is issued.
func TestDomainModeGrantStaysInItsDomains(t *testing.T) {
	n := world(t)
	n.publishCall("call-medical", ledger.ModeDomain, "medical")
	visitsOnly := lt.Scope()
	visitsOnly.Datasets = visitsOnly.Datasets[:1]
	n.approvedApplication(lt.OperatorMSP, "app-m", "call-medical", visitsOnly, medicalScenario)
	// Filed under a medical call, an application cannot name finance data.
	req := lt.ApplicationRequest("app-x", "call-medical")
	medicalScenario(&req)
	n.refused("refused: submit application app-x: out of scope: dataset loans is not offered by call call-medical", lt.OperatorMSP, "SubmitApplication", req)

	// Its owner may move a dataset to another domain after the
	// application was filed: the grant is checked again.

	moved := lt.DatasetRequest("visits", "finance", "age", "diagnosis", "name")
	n.ok(lt.HealthMSP, "UpdateDataset", moved)
	n.refused("refused: issue grant grant-m: out of domain: dataset visits is in domain finance; a domain grant (分领域授权) under call call-medical covers only its domains (medical)",
		lt.AuthorityMSP, "IssueGrant", grantOf("grant-m", "app-m", visitsOnly))
	n.ok(lt.HealthMSP, "UpdateDataset", lt.DatasetRequest("visits", "medical", "age", "diagnosis", "name"))
	n.ok(lt.AuthorityMSP, "IssueGrant", grantOf("grant-m", "app-m", visitsOnly))
}

// A scenario grant (依场景授权) covers its one scenario: its scope names
// exactly one purpose.
func TestScenarioModeGrantHasOnePurpose(t *testing.T) {
	n := world(t)
	two := lt.Scope()
	two.Purposes = []string{"credit-assessment", "risk-control"}
	n.approvedApplication(lt.OperatorMSP, "app-s", "call-1", two)
	n.refused("refused: issue grant grant-s: one scenario: a scenario grant (依场景授权) covers only its scenario inclusive-credit, so its scope names exactly one purpose, not 2 (credit-assessment, risk-control)",
		lt.AuthorityMSP, "IssueGrant", grantOf("grant-s", "app-s", two))
	n.ok(lt.AuthorityMSP, "IssueGrant", grantOf("grant-s", "app-s", lt.Scope()))
}
