// Package ledgertest provides fixtures for tests of the ledger and the
// chaincode: the network's organisations as callers, a fixed clock, valid
// requests, and a World that has run the whole process up to an active grant
// with its agreement in force.
package ledgertest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/ledger"
)

// The organisations of the test network, plus a developer, an expert and an
// unregistered stranger.
const (
	AuthorityMSP = "AuthorityMSP"
	HealthMSP    = "HealthMSP"
	MarketMSP    = "MarketMSP"
	OperatorMSP  = "OperatorMSP"
	PlatformMSP  = "PlatformMSP"
	RegulatorMSP = "RegulatorMSP"
	DeveloperMSP = "DeveloperMSP"
	ExchangeMSP  = "ExchangeMSP"
	ExpertMSP    = "ExpertMSP"
	StrangerMSP  = "StrangerMSP"
)

// Roles maps each registered test organisation to its role.
var Roles = map[string]ledger.Role{
	AuthorityMSP: ledger.RoleAuthority,
	HealthMSP:    ledger.RoleProvider,
	MarketMSP:    ledger.RoleProvider,
	OperatorMSP:  ledger.RoleOperator,
	PlatformMSP:  ledger.RolePlatform,
	RegulatorMSP: ledger.RoleRegulator,
	DeveloperMSP: ledger.RoleDeveloper,
	ExchangeMSP:  ledger.RoleExchange,
	ExpertMSP:    ledger.RoleExpert,
}

// Callers of the test organisations.
var (
	Authority = Actor(AuthorityMSP)
	Health    = Actor(HealthMSP)
	Market    = Actor(MarketMSP)
	Operator  = Actor(OperatorMSP)
	Platform  = Actor(PlatformMSP)
	Regulator = Actor(RegulatorMSP)
	Developer = Actor(DeveloperMSP)
	Exchange  = Actor(ExchangeMSP)
	Expert    = Actor(ExpertMSP)
	Stranger  = Actor(StrangerMSP)
)

// Caller returns the caller of a test organisation with its registered role.
func Actor(msp string) ledger.Actor {
	return ledger.Actor{MSP: msp, Client: ClientID("admin", msp), Role: Roles[msp]}
}

// ClientID returns the client identity of a user of a test organisation.
func ClientID(user, msp string) string {
	return "x509::CN=" + user + "@" + msp + "::CN=ca." + msp
}

// Individual returns the caller of a user of a test organisation acting as
// a registered, active individual expert (专家咨询委员会成员).
func Individual(user, msp string) ledger.Actor {
	return ledger.Actor{MSP: msp, Client: ClientID(user, msp), Role: ledger.RoleExpert, Individual: true}
}

// Member is user2 of the authority, convened as an individual expert.
var Member = Individual("user2", AuthorityMSP)

// T0 is the start of the test timeline. Days returns T0 plus n days.
var T0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Days returns T0 plus n days.
func Days(n int) time.Time { return T0.AddDate(0, 0, n) }

// The World timeline.
var (
	CallOpens  = Days(0)
	CallCloses = Days(90)
	GrantFrom  = Days(5)
	GrantTo    = Days(5).AddDate(1, 0, 0)
	UseTime    = Days(10)
)

// Stamp returns a transaction stamp by c at t; the tx ID names the time.
func Stamp(c ledger.Actor, t time.Time) ledger.Stamp {
	return ledger.NewStamp(c, fmt.Sprintf("tx-%s-%d", c.MSP, t.Unix()), t)
}

// Digest returns the 0x-hex SHA-256 of s, a stand-in for a document digest.
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "0x" + hex.EncodeToString(sum[:])
}

// DatasetRequest returns a valid request for a general dataset with fields
// of grade 2.
func DatasetRequest(id, domain string, fields ...string) ledger.DatasetRequest {
	req := ledger.DatasetRequest{ID: id, Name: "Dataset " + id, Domain: domain, Classification: ledger.ClassGeneral}
	for _, f := range fields {
		req.Fields = append(req.Fields, ledger.Field{Name: f, Sensitivity: 2})
	}
	return req
}

// CallRequest returns a valid scenario call over the medical and finance
// domains, open from CallOpens to CallCloses.
func CallRequest(id string, datasets ...string) ledger.CallRequest {
	return ledger.CallRequest{
		ID: id, Title: "Call " + id, Mode: ledger.ModeScenario, Domains: []string{"finance", "medical"},
		Datasets: datasets, Conditions: "registered legal person", Criteria: "scenario value and security",
		Opens: CallOpens, Closes: CallCloses,
	}
}

// Scope is the scope of the World's application: visits(age, diagnosis)
// from HealthMSP and loans(amount) from MarketMSP, for credit-assessment,
// by statistics or joint-modelling.
func Scope() ledger.Scope {
	return ledger.Scope{
		Datasets: []ledger.DatasetScope{
			{ID: "visits", Fields: []string{"age", "diagnosis"}},
			{ID: "loans", Fields: []string{"amount"}},
		},
		Purposes:   []string{"credit-assessment"},
		Operations: []ledger.Operation{ledger.OpStatistics, ledger.OpJointModel},
	}
}

// ApplicationRequest returns a valid application under call for Scope,
// with a 12-month term and a 3-month trial.
func ApplicationRequest(id, call string) ledger.ApplicationRequest {
	return ledger.ApplicationRequest{
		ID: id, CallID: call,
		Scenario:   ledger.Scenario{Name: "inclusive-credit", Domain: "finance", Description: "credit scoring for small firms"},
		Scope:      Scope(),
		TermMonths: 12, TrialMonths: 3,
	}
}

// ApplicationDocuments returns the digests of an application's emergency
// plan and security documents.
func ApplicationDocuments() ledger.ApplicationDocumentsRequest {
	return ledger.ApplicationDocumentsRequest{EmergencyPlanDigest: Digest("emergency plan"), SecurityDocsDigest: Digest("security docs")}
}

// ReportRequest returns the report of review or evaluation id.
func ReportRequest(id string) ledger.ReportRequest {
	return ledger.ReportRequest{ReportDigest: Digest("report " + id), Note: "report of " + id}
}

// AgreementText returns the text of agreement id.
func AgreementText(id string) ledger.AgreementTextRequest {
	return ledger.AgreementTextRequest{TextDigest: Digest("agreement " + id)}
}

// ReviewRequest returns a passing review dated at.
func ReviewRequest(id string, kind ledger.ReviewKind, subject string, at time.Time) ledger.ReviewRequest {
	return ledger.ReviewRequest{ID: id, Kind: kind, Subject: subject, Outcome: ledger.OutcomePass, Date: at}
}

// GrantRequest returns a grant of Scope from GrantFrom to GrantTo with a quota of 1000 records and 10 calls.
func GrantRequest(id, app string) ledger.GrantRequest {
	return ledger.GrantRequest{
		ID: id, ApplicationID: app, Scope: Scope(),
		Quota: ledger.Quota{Records: 1000, Calls: 10},
		Term:  ledger.Term{ValidFrom: GrantFrom, ValidTo: GrantTo},
	}
}

// AgreementRequest returns an agreement for grant over the grant's term.
func AgreementRequest(id, grant string) ledger.AgreementRequest {
	return ledger.AgreementRequest{ID: id, GrantID: grant, Term: ledger.Term{ValidFrom: GrantFrom, ValidTo: GrantTo}}
}

// Statement returns a statement of a use of visits(age) for
// credit-assessment by statistics, of records records at UseTime.
func Statement(id, grant string, records uint64) attest.Statement {
	return attest.Statement{
		ReceiptID: id, GrantID: grant,
		Datasets:  []attest.DatasetUse{{ID: "visits", Fields: []string{"age"}}},
		Operation: string(ledger.OpStatistics), Purpose: "credit-assessment", Records: records,
		InputDigest: Digest("in " + id), OutputDigest: Digest("out " + id), Time: UseTime.Unix(),
	}
}

// World is the state after the whole process has run: participants
// registered and the operator admitted, two datasets, a call, an application
// approved and granted, the grant approved by both providers, its agreement
// signed by both parties and an attestor registered.
type World struct {
	Participants map[string]*ledger.Participant
	Datasets     map[string]*ledger.Dataset
	Call         *ledger.Call
	Application  *ledger.Application
	Reviews      []ledger.Review
	Grant        *ledger.Grant
	Agreement    *ledger.Agreement
	Usage        ledger.Usage
	Attestor     *attesttest.Attestor
	AttestorRec  *ledger.Attestor
}

// NewWorld runs the process through the ledger's rules and fails t if any
// step is refused.
func NewWorld(t testing.TB) *World {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("build world: %v", err)
		}
	}
	w := &World{Participants: map[string]*ledger.Participant{}, Datasets: map[string]*ledger.Dataset{}}
	for _, msp := range []string{HealthMSP, MarketMSP, OperatorMSP, PlatformMSP, RegulatorMSP, DeveloperMSP, ExchangeMSP, ExpertMSP} {
		p, err := ledger.RegisterParticipant(Authority, ledger.ParticipantRequest{MSP: msp, Role: Roles[msp], Name: msp + " Org"}, AuthorityMSP, nil, Stamp(Authority, T0))
		must(err)
		w.Participants[msp] = p
	}
	must(w.Participants[OperatorMSP].SetOperatorStatus(Authority, ledger.OperatorStatusRequest{MSP: OperatorMSP, Status: ledger.OperatorAdmitted}, Stamp(Authority, T0)))
	visits, err := ledger.CreateDataset(Health, DatasetRequest("visits", "medical", "age", "diagnosis", "name"), nil, Stamp(Health, T0))
	must(err)
	loans, err := ledger.CreateDataset(Market, DatasetRequest("loans", "finance", "amount", "term"), nil, Stamp(Market, T0))
	must(err)
	w.Datasets["visits"], w.Datasets["loans"] = visits, loans
	w.Call, err = ledger.PublishCall(Authority, CallRequest("call-1"), nil, w.Datasets, Stamp(Authority, T0))
	must(err)
	w.Application, err = ledger.SubmitApplication(Operator, ApplicationRequest("app-1", "call-1"), ledger.ApplicationInputs{
		Call: w.Call, Operator: w.Participants[OperatorMSP], Datasets: w.Datasets,
	}, Stamp(Operator, Days(1)))
	must(err)
	for _, r := range []ledger.ReviewRequest{
		ReviewRequest("rev-basic", ledger.ReviewBasicSecurity, OperatorMSP, Days(1)),
		ReviewRequest("rev-tech", ledger.ReviewTechnicalSecurity, OperatorMSP, Days(1)),
		ReviewRequest("rev-net", ledger.ReviewNetworkSecurity, "app-1", Days(2)),
		ReviewRequest("rev-scenario", ledger.ReviewScenario, "app-1", Days(2)),
	} {
		rev, app, err := ledger.RecordReview(Authority, r, ledger.ReviewInputs{Operator: w.Participants[OperatorMSP], Application: w.Application}, Stamp(Authority, Days(2)))
		must(err)
		if app != nil {
			w.Application = app
		}
		w.Reviews = append(w.Reviews, *rev)
	}
	w.Grant, w.Application, err = ledger.IssueGrant(Authority, GrantRequest("grant-1", "app-1"), ledger.GrantInputs{
		Application: w.Application, Call: w.Call, Operator: w.Participants[OperatorMSP], Reviews: w.Reviews, Datasets: w.Datasets, DocumentsAttached: true,
	}, Stamp(Authority, Days(3)))
	must(err)
	must(w.Grant.Approve(Health, Stamp(Health, Days(4))))
	must(w.Grant.Approve(Market, Stamp(Market, Days(4))))
	w.Agreement, err = ledger.ProposeAgreement(Authority, AgreementRequest("agr-1", "grant-1"), nil, w.Grant, nil, Stamp(Authority, Days(4)))
	must(err)
	must(w.Agreement.Sign(Authority, true, Stamp(Authority, Days(4))))
	must(w.Agreement.Sign(Operator, true, Stamp(Operator, Days(4))))
	w.Usage = ledger.Usage{GrantID: "grant-1"}
	w.Attestor = attesttest.NewAttestorFromSeed("tee-1")
	w.AttestorRec, err = ledger.RegisterAttestor(Platform, ledger.AttestorRequest{Address: w.Attestor.Address(), Name: "TEE 1"}, nil, Stamp(Platform, T0))
	must(err)
	return w
}

// Agreements returns the world's agreement as a slice.
func (w *World) Agreements() []ledger.Agreement { return []ledger.Agreement{*w.Agreement} }

// Receipt returns a receipt request for s signed by the world's attestor.
func (w *World) Receipt(s attest.Statement) ledger.ReceiptRequest {
	return ledger.ReceiptRequest{Statement: s, Signature: w.Attestor.Sign(s)}
}
