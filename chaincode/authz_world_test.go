package chaincode_test

import (
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// The world of the authorization matrix (authz_test.go): one in-memory
// ledger holding, for each row of the matrix, an object in the state its
// transaction accepts, so that a caller refused there is refused for who it
// is and not for the state or the arguments. Every object of the holding
// operator is built on the owning provider's dataset alone, so that the
// other provider owns data but none of it is in scope.

// secondOperatorMSP is the other operator: registered and admitted, with an
// application of its own, and no grant.
const secondOperatorMSP = "SecondOperatorMSP"

// matrixTime is when every cell of the matrix runs: the grants in force
// are usable, the call is open, and the term of grant-x has ended.
var matrixTime = lt.Days(40)

// expiredTermEnd is the end of the term of grant-x, before matrixTime.
var expiredTermEnd = lt.Days(30)

// authzWorld is the ledger the matrix runs on, and what its rows need to
// know of it.
type authzWorld struct {
	*net
	// expertClient is the client identity of the expert (the authority's
	// user2, convened as an individual); newExpertClient one of the
	// authority's that is not an expert yet.
	expertClient, newExpertClient string
	// actors are the callers of each kind as the contract resolves them.
	actors [numCallerKinds]ledger.Actor
	// batchStatement is a receipt of batch b-1 with its inclusion proof.
	batchStatement attest.Statement
	batchProof     []attest.ProofStep
}

// visitsApplication is an application of the World's scenario over the
// owning provider's dataset alone.
func visitsApplication(id string) ledger.ApplicationRequest {
	req := lt.ApplicationRequest(id, "call-1")
	req.Scope.Datasets = req.Scope.Datasets[:1]
	return req
}

// visitsGrant is a grant of an application over the owning provider's
// dataset alone.
func visitsGrant(id, app string) ledger.GrantRequest {
	g := lt.GrantRequest(id, app)
	g.Scope.Datasets = g.Scope.Datasets[:1]
	return g
}

// subGrantRequest proposes a sub-grant of grant-1 to the developer.
func subGrantRequest(id string) ledger.SubGrantRequest {
	return ledger.SubGrantRequest{
		ID: id, ParentID: "grant-1", Developer: lt.DeveloperMSP,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}},
			Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 100, Calls: 3}, Term: ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
	}
}

// productRequest is a product built on grant-1 and its receipt r-1.
func productRequest(id, name string) ledger.ProductRequest {
	return ledger.ProductRequest{ID: id, Type: ledger.ProductModel, Name: name, DescriptionDigest: lt.Digest(name),
		Grants: []string{"grant-1"}, Receipts: []string{"r-1"}}
}

// opinionRequest is an opinion recommending approval.
func opinionRequest(id string, subject ledger.SubjectType, subjectID string) ledger.OpinionRequest {
	return ledger.OpinionRequest{ID: id, SubjectType: subject, SubjectID: subjectID, Recommendation: ledger.RecommendApprove, Digest: lt.Digest(id)}
}

// newAuthzWorld runs the process through the contract to the world of the
// matrix, and leaves the clock at matrixTime:
//
//   - participants of every kind, the operators admitted, the authority's
//     user2 convened as an expert (user3 not);
//   - datasets visits and archive (withdrawn) of the owning provider, loans
//     of the other provider; call-1 open; attestor tee-1 of the platform;
//   - the holding operator's applications, all over visits: app-1 granted
//     (grant-1), app-2 under review without its documents, app-3 approved
//     and not granted, app-4 … app-7 granted as grant-p (proposed, no
//     agreement), grant-s (suspended, agreement agr-t without its text),
//     grant-x (proposed, its term ended) and grant-q (active, agreement
//     agr-s with its text, unsigned); the other operator's app-o;
//   - agreement agr-x of grant-x (proposed, its term ended with the grant's);
//   - grant-1 in force under agreement agr-1, with receipt r-1, batch b-1,
//     sub-grant sub-1 (active) and sub-2 (proposed) to the developer;
//   - the holding operator's evaluations eval-1 (with its report) and
//     eval-2 (without); the report of app-1's scenario review;
//   - products on grant-1: prod-d (draft), prod-r (in review, with the
//     expert's opinion op-e-prod-r and the platform's op-p-prod-r), prod-a
//     (approved), prod-q (offered to the exchange) and prod-l (listed by
//     the exchange);
//   - incidents: on grant-1 inc-1 and inc-d (decided: rectify) by the
//     holding operator, inc-p by the platform; on visits inc-ds by the
//     holding operator, inc-do by the owning provider; on the attestor
//     inc-a by the platform;
//   - data requests on grant-1: the holding operator's amendments dr-1
//     (visits' name field, waiting for the owning provider's consent),
//     dr-c (the same, consented) and dr-l (the other provider's loans,
//     waiting for it); the developer's sub-grant request dr-s.
func newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	n := newNet(t)
	n.peer.DefineCollection(ledger.OperatorCollection(secondOperatorMSP), lt.AuthorityMSP, lt.RegulatorMSP, secondOperatorMSP)
	w := &authzWorld{net: n}

	n.at(lt.T0)
	for _, p := range []ledger.ParticipantRequest{
		{MSP: lt.HealthMSP, Role: ledger.RoleProvider}, {MSP: lt.MarketMSP, Role: ledger.RoleProvider},
		{MSP: lt.OperatorMSP, Role: ledger.RoleOperator}, {MSP: secondOperatorMSP, Role: ledger.RoleOperator},
		{MSP: lt.PlatformMSP, Role: ledger.RolePlatform}, {MSP: lt.RegulatorMSP, Role: ledger.RoleRegulator},
		{MSP: lt.DeveloperMSP, Role: ledger.RoleDeveloper}, {MSP: lt.ExchangeMSP, Role: ledger.RoleExchange},
	} {
		p.Name = p.MSP + " Org"
		n.ok(lt.AuthorityMSP, "RegisterParticipant", p)
	}
	for _, msp := range []string{lt.OperatorMSP, secondOperatorMSP} {
		n.ok(lt.AuthorityMSP, "SetOperatorStatus", ledger.OperatorStatusRequest{MSP: msp, Status: ledger.OperatorAdmitted})
	}
	w.expertClient = n.whoAmI(authorityUser2).Client
	w.newExpertClient = n.whoAmI(authorityUser3).Client
	n.ok(lt.AuthorityMSP, "RegisterExpert", ledger.ExpertRequest{MSP: lt.AuthorityMSP, Client: w.expertClient, Name: "Expert A"})
	n.ok(lt.HealthMSP, "CreateDataset", lt.DatasetRequest("visits", "medical", "age", "diagnosis", "name"))
	n.ok(lt.HealthMSP, "CreateDataset", lt.DatasetRequest("archive", "medical", "age"))
	n.ok(lt.HealthMSP, "WithdrawDataset", "archive", "superseded by visits")
	n.ok(lt.MarketMSP, "CreateDataset", lt.DatasetRequest("loans", "finance", "amount", "term"))
	n.ok(lt.AuthorityMSP, "PublishCall", lt.CallRequest("call-1"))
	n.ok(lt.PlatformMSP, "RegisterAttestor", ledger.AttestorRequest{Address: n.attestor.Address(), Name: "TEE 1"})

	n.at(lt.Days(1))
	granted := []string{"app-1", "app-3", "app-4", "app-5", "app-6", "app-7"}
	for _, app := range granted {
		n.ok(lt.OperatorMSP, "SubmitApplication", visitsApplication(app))
		n.okPrivate(lt.OperatorMSP, "AttachApplicationDocuments", lt.ApplicationDocuments(), app)
	}
	n.ok(lt.OperatorMSP, "SubmitApplication", visitsApplication("app-2"))
	n.ok(secondOperatorMSP, "SubmitApplication", visitsApplication("app-o"))
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-basic", ledger.ReviewBasicSecurity, lt.OperatorMSP, lt.Days(1)))
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-tech", ledger.ReviewTechnicalSecurity, lt.OperatorMSP, lt.Days(1)))

	n.at(lt.Days(2))
	for _, app := range granted {
		n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-net-"+app, ledger.ReviewNetworkSecurity, app, lt.Days(2)))
		n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-scn-"+app, ledger.ReviewScenario, app, lt.Days(2)))
	}
	n.okPrivate(lt.AuthorityMSP, "AttachReviewReport", lt.ReportRequest("rev-scn-app-1"), "rev-scn-app-1")
	for _, ev := range []string{"eval-1", "eval-2"} {
		n.ok(lt.AuthorityMSP, "RecordEvaluation", ledger.EvaluationRequest{MSP: lt.OperatorMSP, ID: ev, Date: lt.Days(2), Result: ledger.EvaluationQualified})
	}
	n.okPrivate(lt.AuthorityMSP, "AttachEvaluationReport", lt.ReportRequest("eval-1"), lt.OperatorMSP, "eval-1")

	n.at(lt.Days(3))
	expiring := visitsGrant("grant-x", "app-6")
	expiring.Term.ValidTo = expiredTermEnd
	for _, g := range []ledger.GrantRequest{visitsGrant("grant-1", "app-1"), visitsGrant("grant-p", "app-4"), visitsGrant("grant-s", "app-5"), expiring, visitsGrant("grant-q", "app-7")} {
		n.ok(lt.AuthorityMSP, "IssueGrant", g)
	}

	n.at(lt.Days(4))
	for _, g := range []string{"grant-1", "grant-s", "grant-q"} {
		n.ok(lt.HealthMSP, "ApproveGrant", g)
	}
	n.ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-1", "grant-1"))
	n.okPrivate(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-1"), "agr-1")
	n.ok(lt.AuthorityMSP, "SignAgreement", "agr-1")
	n.ok(lt.OperatorMSP, "SignAgreement", "agr-1")
	n.ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-t", "grant-s"))
	n.ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-s", "grant-q"))
	n.okPrivate(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-s"), "agr-s")
	n.ok(lt.AuthorityMSP, "SuspendGrant", "grant-s", "security audit")
	ended := lt.AgreementRequest("agr-x", "grant-x")
	ended.Term.ValidTo = expiredTermEnd
	n.ok(lt.AuthorityMSP, "ProposeAgreement", ended)

	n.at(lt.UseTime)
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
	batch := []attest.Statement{lt.Statement("r-b1", "grant-1", 5), lt.Statement("r-b2", "grant-1", 5)}
	n.ok(lt.PlatformMSP, "SubmitReceiptBatch", ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{n.receipt(batch[0]), n.receipt(batch[1])}})
	proof, err := attest.MerkleProof([][32]byte{batch[0].Digest(), batch[1].Digest()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	w.batchStatement, w.batchProof = batch[1], proof
	n.ok(lt.OperatorMSP, "ProposeSubGrant", subGrantRequest("sub-1"))
	n.ok(lt.AuthorityMSP, "ActivateSubGrant", "sub-1")
	n.ok(lt.OperatorMSP, "ProposeSubGrant", subGrantRequest("sub-2"))

	n.at(lt.Days(20))
	for _, p := range []ledger.ProductRequest{productRequest("prod-d", "draft model"), productRequest("prod-r", "model in review"),
		productRequest("prod-a", "approved model"), productRequest("prod-q", "offered model"), productRequest("prod-l", "listed model")} {
		n.ok(lt.OperatorMSP, "RegisterProduct", p)
	}
	for _, id := range []string{"prod-r", "prod-a", "prod-q", "prod-l"} {
		n.ok(lt.OperatorMSP, "SubmitProduct", id)
		n.ok(authorityUser2, "RecordOpinion", opinionRequest("op-e-"+id, ledger.SubjectProduct, id))
		n.ok(lt.PlatformMSP, "RecordOpinion", opinionRequest("op-p-"+id, ledger.SubjectProduct, id))
	}
	for _, id := range []string{"prod-a", "prod-q", "prod-l"} {
		n.ok(lt.AuthorityMSP, "DecideProduct", ledger.ProductDecision{ID: id, Approve: true})
	}
	for _, id := range []string{"prod-q", "prod-l"} {
		n.ok(lt.OperatorMSP, "RequestListing", id)
	}
	n.ok(lt.ExchangeMSP, "ConfirmListing", "prod-l", "HZDE-2025-0001")
	for _, r := range []struct {
		by  string
		req ledger.IncidentRequest
	}{
		{lt.OperatorMSP, incidentRequest("inc-1", ledger.IncidentOnGrant, "grant-1", lt.Days(20))},
		{lt.PlatformMSP, incidentRequest("inc-p", ledger.IncidentOnGrant, "grant-1", lt.Days(20))},
		{lt.OperatorMSP, incidentRequest("inc-ds", ledger.IncidentOnDataset, "visits", lt.Days(20))},
		{lt.HealthMSP, incidentRequest("inc-do", ledger.IncidentOnDataset, "visits", lt.Days(20))},
		{lt.PlatformMSP, incidentRequest("inc-a", ledger.IncidentOnAttestor, n.attestor.Address(), lt.Days(20))},
		{lt.OperatorMSP, incidentRequest("inc-d", ledger.IncidentOnGrant, "grant-1", lt.Days(20))},
	} {
		n.ok(r.by, "ReportIncident", r.req)
	}
	n.ok(lt.AuthorityMSP, "DecideIncident", ledger.IncidentDecisionRequest{ID: "inc-d", Action: ledger.ActionRectify, ReasonDigest: lt.Digest("rectify")})
	n.ok(lt.OperatorMSP, "SubmitDataRequest", amendmentRequest("dr-1", "visits", "name"))
	n.ok(lt.OperatorMSP, "SubmitDataRequest", amendmentRequest("dr-c", "visits", "name"))
	n.ok(lt.HealthMSP, "ConsentDataRequest", "dr-c")
	n.ok(lt.OperatorMSP, "SubmitDataRequest", amendmentRequest("dr-l", "loans", "amount"))
	n.ok(lt.DeveloperMSP, "SubmitDataRequest", subGrantAsk("dr-s"))

	// Fees (平台使用费) and benefit sharing (收益分配): schedules on grant-1,
	// grant-p and grant-x from January; prod-a's split proposed, prod-l's
	// agreed by its three parties and its January revenue rev-1 split into
	// rev-1.1 (health), rev-1.2 (the platform) and rev-1.3 (the operator);
	// after January, fs-x (grant-x's January, stated) and fs-p (grant-p's,
	// paid).
	for _, g := range []string{"grant-1", "grant-p", "grant-x"} {
		n.ok(lt.AuthorityMSP, "SetFeeSchedule", feeScheduleRequest(g, "2025-01"))
	}
	n.ok(lt.OperatorMSP, "ProposeBenefitSplit", splitRequest("prod-a"))
	n.ok(lt.OperatorMSP, "ProposeBenefitSplit", splitRequest("prod-l"))
	for _, msp := range []string{lt.HealthMSP, lt.PlatformMSP, lt.OperatorMSP} {
		n.ok(msp, "AgreeBenefitSplit", "prod-l")
	}
	n.ok(lt.OperatorMSP, "RecordRevenue", revenueRequest("rev-1", "prod-l", "2025-01"))
	n.at(lt.Days(32))
	n.ok(lt.PlatformMSP, "RecordFeeStatement", ledger.FeeStatementRequest{ID: "fs-x", GrantID: "grant-x", Period: "2025-01"})
	n.ok(lt.PlatformMSP, "RecordFeeStatement", ledger.FeeStatementRequest{ID: "fs-p", GrantID: "grant-p", Period: "2025-01"})
	n.ok(lt.PlatformMSP, "ConfirmFeePayment", "fs-p", lt.Digest("transfer fs-p"))

	// WhoAmI commits like any call on this peer, and moves the clock: the
	// cells run at matrixTime itself.
	for k := range numCallerKinds {
		w.actors[k] = n.whoAmI(k.caller())
	}
	n.at(matrixTime)
	return w
}

// receiptOn is a receipt of a use of visits(age) under grant, signed by
// the world's attestor at the time of use of the World.
func (w *authzWorld) receiptOn(id, grant string) ledger.ReceiptRequest {
	return w.receipt(lt.Statement(id, grant, 1))
}

// incidentRequest reports a major incident on a subject, detected half an
// hour before now.
func incidentRequest(id string, typ ledger.IncidentSubject, subject string, now time.Time) ledger.IncidentRequest {
	detected := now.Add(-30 * time.Minute)
	return ledger.IncidentRequest{ID: id, SubjectType: typ, SubjectID: subject, Severity: ledger.SeverityMajor,
		Occurred: detected.Add(-time.Hour), Detected: detected, ReportDigest: lt.Digest("incident " + id)}
}

// amendmentRequest asks for a field of a dataset to be added to grant-1.
func amendmentRequest(id, dataset, field string) ledger.DataRequestSubmission {
	return ledger.DataRequestSubmission{ID: id, Kind: ledger.RequestAmendGrant, GrantID: "grant-1", Reason: "the scenario needs " + field,
		Add: &ledger.GrantAddition{Datasets: []ledger.DatasetScope{{ID: dataset, Fields: []string{field}}}}}
}

// subGrantAsk is the developer's request for the sub-grant
// subGrantRequest proposes.
func subGrantAsk(id string) ledger.DataRequestSubmission {
	s := subGrantRequest("")
	return ledger.DataRequestSubmission{ID: id, Kind: ledger.RequestSubGrant, GrantID: "grant-1", Reason: "a clinic load model",
		SubGrant: &ledger.SubGrantAsk{Scope: s.Scope, Quota: s.Quota, Term: s.Term}}
}

// newAttestorAddress is the address of an attestor the platform has not
// registered.
var newAttestorAddress = attesttest.NewAttestorFromSeed("tee-2").Address()

// feeScheduleRequest sets grant's fees from the month from: 2 fen a
// record, 50 a call and 10000 a month, paid to the platform.
func feeScheduleRequest(grant, from string) ledger.FeeScheduleRequest {
	return ledger.FeeScheduleRequest{GrantID: grant, EffectiveFrom: from, Payee: lt.PlatformMSP, PerRecord: 2, PerCall: 50, FixedPerMonth: 10000}
}

// splitRequest splits product's revenue among health (the provider of
// grant-1's visits), the platform and the operator: 60, 10 and 30 %.
func splitRequest(product string) ledger.BenefitSplitRequest {
	return ledger.BenefitSplitRequest{ProductID: product, Parties: []ledger.BenefitShareRequest{
		{MSP: lt.HealthMSP, BasisPoints: 6000}, {MSP: lt.PlatformMSP, BasisPoints: 1000}, {MSP: lt.OperatorMSP, BasisPoints: 3000}}}
}

// revenueRequest records 10001 fen of product's revenue in period.
func revenueRequest(id, product, period string) ledger.RevenueRequest {
	return ledger.RevenueRequest{ID: id, ProductID: product, Period: period, Amount: 10001, ReferenceDigest: lt.Digest("settlement " + id)}
}
