package chaincode_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// secondGrant runs a second application of the operator, over loans only,
// to an active grant-2 with agreement agr-2 in force.
func secondGrant(n *net) {
	now := n.peer.Now()
	n.at(lt.Days(1))
	req := lt.ApplicationRequest("app-2", "call-1")
	req.Scope.Datasets = req.Scope.Datasets[1:]
	n.ok(lt.OperatorMSP, "SubmitApplication", req)
	n.okPrivate(lt.OperatorMSP, "AttachApplicationDocuments", lt.ApplicationDocuments(), "app-2")
	n.at(lt.Days(2))
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-net-2", ledger.ReviewNetworkSecurity, "app-2", lt.Days(2)))
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-scenario-2", ledger.ReviewScenario, "app-2", lt.Days(2)))
	g := lt.GrantRequest("grant-2", "app-2")
	g.Scope.Datasets = g.Scope.Datasets[1:]
	n.at(lt.Days(3)).ok(lt.AuthorityMSP, "IssueGrant", g)
	n.at(lt.Days(4)).ok(lt.MarketMSP, "ApproveGrant", "grant-2")
	n.ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-2", "grant-2"))
	n.okPrivate(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-2"), "agr-2")
	n.ok(lt.OperatorMSP, "SignAgreement", "agr-2")
	n.ok(lt.AuthorityMSP, "SignAgreement", "agr-2")
	n.at(now)
}

func loansStatement(id, grant string) attest.Statement {
	s := lt.Statement(id, grant, 5)
	s.Datasets = []attest.DatasetUse{{ID: "loans", Fields: []string{"amount"}}}
	return s
}

// TestConcurrentReceipts shows what MVCC does to receipts endorsed against
// the same state: on one grant they read and write the same usage row, so
// the second to commit is invalidated and must be resubmitted; on different
// grants they touch disjoint keys and both commit.
func TestConcurrentReceipts(t *testing.T) {
	t.Run("same grant", func(t *testing.T) {
		n := world(t)
		a := n.peer.Simulate(lt.OperatorMSP, "SubmitReceipt", n.args([]any{n.receipt(lt.Statement("r-a", "grant-1", 10))})...)
		b := n.peer.Simulate(lt.PlatformMSP, "SubmitReceipt", n.args([]any{n.receipt(lt.Statement("r-b", "grant-1", 10))})...)
		if err := n.peer.Commit(a); err != nil {
			t.Fatalf("first commit: got %v, want success", err)
		}
		if err := n.peer.Commit(b); !errors.Is(err, chaincodetest.ErrMVCCConflict) {
			t.Fatalf("second commit: got %v, want %v", err, chaincodetest.ErrMVCCConflict)
		}
		n.ok(lt.PlatformMSP, "SubmitReceipt", n.receipt(lt.Statement("r-b", "grant-1", 10)))
		var u ledger.Usage
		n.get(&u, lt.RegulatorMSP, "GetGrantUsage", "grant-1")
		if u.Calls != 2 || u.Records != 20 {
			t.Errorf("got usage %+v, want 2 calls and 20 records after the resubmission", u)
		}
	})
	t.Run("different grants", func(t *testing.T) {
		n := world(t)
		secondGrant(n)
		a := n.peer.Simulate(lt.OperatorMSP, "SubmitReceipt", n.args([]any{n.receipt(lt.Statement("r-a", "grant-1", 10))})...)
		b := n.peer.Simulate(lt.OperatorMSP, "SubmitReceipt", n.args([]any{n.receipt(loansStatement("r-b", "grant-2"))})...)
		if !a.OK() || !b.OK() {
			t.Fatalf("got %q / %q, want both endorsed", a.Message, b.Message)
		}
		for _, tx := range []*chaincodetest.Tx{a, b} {
			if err := n.peer.Commit(tx); err != nil {
				t.Errorf("commit %s: got %v, want success", tx.ID, err)
			}
		}
	})
}

func TestReceiptBatchAndProof(t *testing.T) {
	n := world(t)
	secondGrant(n)
	stmts := []attest.Statement{
		lt.Statement("r-a", "grant-1", 10),
		loansStatement("r-b", "grant-2"),
		lt.Statement("r-c", "grant-1", 20),
	}
	req := ledger.BatchRequest{ID: "b-1"}
	var leaves [][32]byte
	for _, s := range stmts {
		req.Receipts = append(req.Receipts, n.receipt(s))
		leaves = append(leaves, s.Digest())
	}
	tx := n.call(lt.PlatformMSP, "SubmitReceiptBatch", req)
	if !tx.OK() {
		t.Fatal(tx.Message)
	}
	if e := event(t, tx); e.Type != "batch" || e.ID != "b-1" || len(e.Related) != 2 {
		t.Errorf("got event %+v, want batch b-1 drawing on 2 grants", e)
	}
	var b ledger.Batch
	n.get(&b, lt.RegulatorMSP, "GetReceiptBatch", "b-1")
	want := []ledger.GrantTotal{{GrantID: "grant-1", Records: 30, Calls: 2}, {GrantID: "grant-2", Records: 5, Calls: 1}}
	if !slices.Equal(b.Totals, want) || b.Count != 3 {
		t.Errorf("got totals %+v count %d, want %+v and 3", b.Totals, b.Count, want)
	}
	var u ledger.Usage
	n.get(&u, lt.OperatorMSP, "GetGrantUsage", "grant-1")
	if u.Records != 30 || u.Calls != 2 {
		t.Errorf("got usage %+v, want 30 records in 2 calls", u)
	}
	for i, s := range stmts {
		proof, err := attest.MerkleProof(leaves, i)
		if err != nil {
			t.Fatal(err)
		}
		var res ledger.ProofResult
		n.get(&res, lt.StrangerMSP, "VerifyReceiptProof", ledger.ProofRequest{BatchID: "b-1", Statement: s, Proof: proof})
		if !res.Valid || res.Index != i || res.Root != b.Root {
			t.Errorf("receipt %d: got %+v, want a valid proof at index %d", i, res, i)
		}
	}
	tampered := stmts[0]
	tampered.Records = 1
	proof, _ := attest.MerkleProof(leaves, 0)
	var res ledger.ProofResult
	n.get(&res, lt.StrangerMSP, "VerifyReceiptProof", ledger.ProofRequest{BatchID: "b-1", Statement: tampered, Proof: proof})
	if res.Valid || res.Reason == "" {
		t.Errorf("got %+v, want a tampered statement refused with a reason", res)
	}
	n.refused("conflict: submit receipt r-c: replay: receipt r-c was already recorded", lt.OperatorMSP, "SubmitReceipt", n.receipt(stmts[2]))
	n.refused("conflict: submit receipt batch b-1: batch b-1 already exists", lt.PlatformMSP, "SubmitReceiptBatch",
		ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{n.receipt(lt.Statement("r-d", "grant-1", 1))}})
	var page ledger.ReceiptPage
	n.get(&page, lt.HealthMSP, "QueryReceipts", ledger.Query{By: "batch", Value: "b-1"})
	if len(page.Items) != 2 {
		t.Errorf("got %d receipts of b-1 visible to HealthMSP, want the 2 on grant-1", len(page.Items))
	}
	var r ledger.Receipt
	n.get(&r, lt.MarketMSP, "GetReceipt", "r-b")
	if r.BatchID != "b-1" || r.Index != 1 || r.Digest != attest.HexDigest(leaves[1]) {
		t.Errorf("got %+v, want the batch record of r-b", r)
	}
	n.refused("not found: get receipt r-b: receipt r-b does not exist", lt.DeveloperMSP, "GetReceipt", "r-b")
}

func TestSubGrantFlow(t *testing.T) {
	n := world(t)
	sub := ledger.SubGrantRequest{
		ID: "sub-1", ParentID: "grant-1", Developer: lt.DeveloperMSP,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}}, Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 100, Calls: 5}, Term: ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
	}
	n.refused("not found: propose sub-grant sub-1: grant grant-1 does not exist", lt.DeveloperMSP, "ProposeSubGrant", sub)
	over := sub
	over.Quota.Records = 5000
	n.refused("refused: propose sub-grant sub-1: over quota", lt.OperatorMSP, "ProposeSubGrant", over)
	n.ok(lt.OperatorMSP, "ProposeSubGrant", sub)
	ep, _ := statebased.NewStateEP(n.peer.ValidationParameter(key("grant", "sub-1")))
	if got := ep.ListOrgs(); len(got) != 2 || !slices.Contains(got, lt.AuthorityMSP) || !slices.Contains(got, lt.HealthMSP) {
		t.Errorf("got sub-grant endorsers %v, want the authority and HealthMSP", got)
	}
	n.refused("refused: submit receipt r-s", lt.DeveloperMSP, "SubmitReceipt", n.receipt(lt.Statement("r-s", "sub-1", 10)))
	n.refused("forbidden: approve grant sub-1: sub-grant sub-1 is activated by the authority", lt.HealthMSP, "ApproveGrant", "sub-1")
	n.ok(lt.AuthorityMSP, "ActivateSubGrant", "sub-1")
	n.at(lt.UseTime.Add(time.Hour))
	used := lt.Statement("r-s", "sub-1", 10)
	used.Time = lt.UseTime.Add(30 * time.Minute).Unix()
	n.ok(lt.DeveloperMSP, "SubmitReceipt", n.receipt(used))
	var u ledger.Usage
	n.get(&u, lt.OperatorMSP, "GetGrantUsage", "grant-1")
	if u.Records != 10 || u.Calls != 1 {
		t.Errorf("got parent usage %+v, want the sub-grant's receipt drawn on it", u)
	}
	n.ok(lt.DeveloperMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-d", Type: ledger.ProductReport, Name: "report", DescriptionDigest: lt.Digest("d"), Grants: []string{"sub-1"}, Receipts: []string{"r-s"}})
	tx := n.call(lt.AuthorityMSP, "RevokeGrant", "grant-1", "breach of agreement")
	if !tx.OK() {
		t.Fatal(tx.Message)
	}
	if e := event(t, tx); e.Change != "revoked" || len(e.Related) != 0 {
		t.Errorf("got event %+v, want grant.revoked alone (marks are read lazily)", e)
	}
	var p ledger.Product
	n.get(&p, lt.DeveloperMSP, "GetProduct", "prod-d")
	if len(p.Marks) != 1 || p.Marks[0].GrantID != "grant-1" || p.Marks[0].Via != "sub-1" {
		t.Errorf("got marks %+v, want one from grant-1 via sub-1", p.Marks)
	}
	n.refused("refused: submit product prod-d: product prod-d is marked: grant grant-1 was revoked", lt.DeveloperMSP, "SubmitProduct", "prod-d")
	var prov ledger.Provenance
	n.get(&prov, lt.RegulatorMSP, "GetProvenance", "prod-d")
	if len(prov.Grants) != 2 || len(prov.Datasets) != 2 || len(prov.Providers) != 2 {
		t.Errorf("got %d grants, %d datasets, %d providers, want the sub-grant and its parent over both datasets", len(prov.Grants), len(prov.Datasets), len(prov.Providers))
	}
}

// productWorld is world with receipt r-1 on grant-1 and product prod-1
// approved after an expert's and the platform's opinions.
func productWorld(t *testing.T) *net {
	n := world(t)
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
	n.at(lt.Days(20))
	n.ok(lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductModel, Name: "SME credit model", DescriptionDigest: lt.Digest("card"), Grants: []string{"grant-1"}, Receipts: []string{"r-1"}})
	n.ok(lt.OperatorMSP, "SubmitProduct", "prod-1")
	n.refused("refused: decide product prod-1: product prod-1 has no expert opinion", lt.AuthorityMSP, "DecideProduct", ledger.ProductDecision{ID: "prod-1", Approve: true})
	n.ok(lt.ExpertMSP, "RecordOpinion", ledger.OpinionRequest{ID: "op-1", SubjectType: ledger.SubjectProduct, SubjectID: "prod-1", Recommendation: ledger.RecommendApprove, Digest: lt.Digest("op1")})
	n.ok(lt.PlatformMSP, "RecordOpinion", ledger.OpinionRequest{ID: "op-2", SubjectType: ledger.SubjectProduct, SubjectID: "prod-1", Recommendation: ledger.RecommendApprove, Digest: lt.Digest("op2")})
	n.ok(lt.AuthorityMSP, "DecideProduct", ledger.ProductDecision{ID: "prod-1", Approve: true})
	return n
}

func TestProductListingAndGrantMarks(t *testing.T) {
	n := productWorld(t)
	n.refused("forbidden: confirm listing of product prod-1: only a data exchange confirms listings and issues registration numbers; OperatorMSP is an operator", lt.OperatorMSP, "ConfirmListing", "prod-1", "HZDE-2025-0001")
	n.ok(lt.OperatorMSP, "RequestListing", "prod-1")
	n.ok(lt.ExchangeMSP, "ConfirmListing", "prod-1", "HZDE-2025-0001")
	var disclosed ledger.ProductSummaryPage
	n.get(&disclosed, lt.StrangerMSP, "DisclosedProducts", ledger.Query{})
	if len(disclosed.Items) != 1 || disclosed.Items[0].RegistrationNo != "HZDE-2025-0001" {
		t.Errorf("got %+v, want prod-1 disclosed with its registration number", disclosed.Items)
	}
	// Incidents on the product's path show in its provenance, to those who
	// may read them: one on the grant reported in time, one on a dataset
	// reported three days after its detection (late for a major one).
	n.ok(lt.OperatorMSP, "ReportIncident", incidentRequest("inc-1", ledger.IncidentOnGrant, "grant-1", n.peer.Now()))
	n.ok(lt.HealthMSP, "ReportIncident", incidentRequest("inc-2", ledger.IncidentOnDataset, "visits", n.peer.Now().Add(-72*time.Hour)))
	var prov ledger.Provenance
	n.get(&prov, lt.RegulatorMSP, "GetProvenance", "prod-1")
	if len(prov.Incidents) != 2 || prov.Incidents[0].ID != "inc-1" || prov.Incidents[0].Status != "reported" || prov.Incidents[0].From[0] != "grant/grant-1" ||
		prov.Incidents[1].ID != "inc-2" || prov.Incidents[1].Status != "reported, reported late" || prov.Incidents[1].Party != lt.HealthMSP {
		t.Errorf("regulator's provenance incidents: got %+v, want inc-1 on grant-1 and inc-2 on visits reported late", prov.Incidents)
	}
	n.get(&prov, lt.StrangerMSP, "GetProvenance", "prod-1")
	if len(prov.Incidents) != 0 || len(prov.Grants) == 0 {
		t.Errorf("a stranger's provenance of the listed product: got incidents %+v (and %d grants), want the path without incidents", prov.Incidents, len(prov.Grants))
	}
	tx := n.call(lt.AuthorityMSP, "SuspendGrant", "grant-1", "security audit")
	if e := event(t, tx); e.Change != "suspended" || len(e.Related) != 0 || !slices.Equal(tx.Writes(), []string{key("grantstatus", "grant-1")}) {
		t.Errorf("got event %+v writing %q, want grant.suspended writing the grant's status key alone", e, tx.Writes())
	}
	var p ledger.Product
	n.get(&p, lt.OperatorMSP, "GetProduct", "prod-1")
	if p.Status != ledger.ProductDelisted || len(p.Blocking()) != 1 || p.Blocking()[0].Change != ledger.GrantSuspended {
		t.Errorf("got %s with marks %+v, want prod-1 shown delisted with the suspension mark", p.Status, p.Marks)
	}
	n.get(&disclosed, lt.StrangerMSP, "DisclosedProducts", ledger.Query{})
	if len(disclosed.Items) != 0 {
		t.Errorf("got %d disclosed products, want none after the suspension", len(disclosed.Items))
	}
	n.refused("refused: request listing of product prod-1: product prod-1 is marked: grant grant-1 was suspended (security audit)", lt.OperatorMSP, "RequestListing", "prod-1")
	n.refused("refused: submit receipt r-2: grant grant-1 was suspended", lt.OperatorMSP, "SubmitReceipt", n.receipt(func() attest.Statement {
		s := lt.Statement("r-2", "grant-1", 1)
		s.Time = n.peer.Now().Unix()
		return s
	}()))
	n.ok(lt.AuthorityMSP, "ResumeGrant", "grant-1")
	n.get(&p, lt.OperatorMSP, "GetProduct", "prod-1")
	if len(p.Blocking()) != 0 || len(p.Marks) != 1 || p.Status != ledger.ProductDelisted {
		t.Errorf("got %s with marks %+v, want delisted with the cleared mark kept", p.Status, p.Marks)
	}
	n.ok(lt.OperatorMSP, "RequestListing", "prod-1")
	n.ok(lt.ExchangeMSP, "ConfirmListing", "prod-1", "HZDE-2025-0001")
	n.ok(lt.AuthorityMSP, "RevokeGrant", "grant-1", "breach")
	n.get(&p, lt.RegulatorMSP, "GetProduct", "prod-1")
	if p.Status != ledger.ProductDelisted || len(p.Blocking()) != 1 || p.Blocking()[0].Change != ledger.GrantRevoked {
		t.Errorf("got %s with blocking %+v, want delisted and blocked by the revocation", p.Status, p.Blocking())
	}
	n.refused("conflict: resume grant grant-1: grant grant-1 is revoked", lt.AuthorityMSP, "ResumeGrant", "grant-1")
	var page ledger.ProductPage
	n.get(&page, lt.HealthMSP, "QueryProducts", ledger.Query{By: "grant", Value: "grant-1"})
	if len(page.Items) != 0 {
		t.Errorf("got %d products visible to HealthMSP, want none (not listed)", len(page.Items))
	}
}

func TestDisclosureAndExpiry(t *testing.T) {
	n := world(t)
	var ops ledger.OperatorDisclosurePage
	n.get(&ops, lt.StrangerMSP, "DisclosedOperators", ledger.Query{})
	if len(ops.Items) != 1 || ops.Items[0].MSP != lt.OperatorMSP || !slices.Equal(ops.Items[0].Scenarios, []string{"inclusive-credit"}) || !slices.Equal(ops.Items[0].Domains, []string{"finance", "medical"}) {
		t.Errorf("got %+v, want OperatorMSP with inclusive-credit in finance and medical", ops.Items)
	}
	var grants ledger.GrantSummaryPage
	n.get(&grants, lt.StrangerMSP, "DisclosedGrants", ledger.Query{})
	if len(grants.Items) != 1 || grants.Items[0].ID != "grant-1" {
		t.Errorf("got %+v, want grant-1", grants.Items)
	}
	var agreements ledger.AgreementSummaryPage
	n.get(&agreements, lt.StrangerMSP, "DisclosedAgreements", ledger.Query{})
	if len(agreements.Items) != 1 || agreements.Items[0].ID != "agr-1" {
		t.Errorf("got %+v, want agr-1", agreements.Items)
	}
	n.refused("invalid: disclose grants: by: disclosure queries take only pageSize and bookmark", lt.StrangerMSP, "DisclosedGrants", ledger.Query{By: "holder", Value: "x"})

	n.at(lt.GrantTo)
	n.get(&grants, lt.StrangerMSP, "DisclosedGrants", ledger.Query{})
	n.get(&agreements, lt.StrangerMSP, "DisclosedAgreements", ledger.Query{})
	if len(grants.Items) != 0 || len(agreements.Items) != 0 {
		t.Errorf("got %d grants and %d agreements in force at the end of the term, want none", len(grants.Items), len(agreements.Items))
	}
	var g ledger.Grant
	n.get(&g, lt.OperatorMSP, "GetGrant", "grant-1")
	if g.Status != ledger.GrantExpired {
		t.Errorf("got %s, want expired on read", g.Status)
	}
	var a ledger.Agreement
	n.get(&a, lt.OperatorMSP, "GetAgreement", "agr-1")
	if a.Status != ledger.AgreementExpired {
		t.Errorf("got agreement %s, want expired on read", a.Status)
	}
	// Lists by status select on the status as of now: the grant whose
	// term ended lists as expired before anyone records it, and after.
	var active, expired ledger.GrantPage
	var agreementsExpired ledger.AgreementPage
	for _, recorded := range []bool{false, true} {
		if recorded {
			n.ok(lt.RegulatorMSP, "ExpireGrant", "grant-1")
			n.ok(lt.RegulatorMSP, "ExpireAgreement", "agr-1")
		}
		n.get(&active, lt.RegulatorMSP, "QueryGrants", ledger.Query{By: "status", Value: "active"})
		n.get(&expired, lt.RegulatorMSP, "QueryGrants", ledger.Query{By: "status", Value: "expired"})
		if len(active.Items) != 0 || len(expired.Items) != 1 || expired.Items[0].Status != ledger.GrantExpired {
			t.Errorf("expiry recorded %v: got %d active and %+v expired, want grant-1 listed as expired only", recorded, len(active.Items), expired.Items)
		}
		n.get(&agreementsExpired, lt.RegulatorMSP, "QueryAgreements", ledger.Query{By: "status", Value: "expired"})
		if len(agreementsExpired.Items) != 1 || agreementsExpired.Items[0].ID != "agr-1" {
			t.Errorf("expiry recorded %v: got %+v, want agr-1 listed as expired", recorded, agreementsExpired.Items)
		}
	}
	n.refused("conflict: expire agreement agr-1: agreement agr-1 is already recorded as expired", lt.OperatorMSP, "ExpireAgreement", "agr-1")
}

func TestPagination(t *testing.T) {
	n := world(t)
	for _, id := range []string{"d-1", "d-2", "d-3", "d-4", "d-5"} {
		n.ok(lt.HealthMSP, "CreateDataset", lt.DatasetRequest(id, "health", "x"))
	}
	var all []string
	q := ledger.Query{By: "owner", Value: lt.HealthMSP, PageSize: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("got more than 5 pages, want 3")
		}
		var p ledger.DatasetPage
		n.get(&p, lt.StrangerMSP, "QueryDatasets", q)
		for _, d := range p.Items {
			all = append(all, d.ID)
		}
		if p.Bookmark == "" {
			break
		}
		q.Bookmark = p.Bookmark
	}
	if want := []string{"d-1", "d-2", "d-3", "d-4", "d-5", "visits"}; !slices.Equal(all, want) {
		t.Errorf("got %v, want %v", all, want)
	}
	var everything ledger.DatasetPage
	n.get(&everything, lt.StrangerMSP, "QueryDatasets", ledger.Query{})
	if len(everything.Items) != 7 {
		t.Errorf("got %d datasets, want 7", len(everything.Items))
	}
}

func TestHistoryAndVisibility(t *testing.T) {
	n := world(t)
	var h []ledger.HistoryEntry
	n.get(&h, lt.RegulatorMSP, "GetHistory", "grant", "grant-1")
	if len(h) != 3 || !h[0].Time.After(h[2].Time) || h[0].Value == nil {
		t.Fatalf("got %d entries, want 3 newest first with values", len(h))
	}
	if v, ok := h[0].Value.(map[string]any); !ok || v["status"] != "active" {
		t.Errorf("got newest value %v, want the active grant", h[0].Value)
	}
	n.refused("not found: get history of grant grant-1: grant grant-1 does not exist", lt.PlatformMSP, "GetHistory", "grant", "grant-1")
	n.refused("not found: get history of product p-9: product p-9 does not exist", lt.RegulatorMSP, "GetHistory", "product", "p-9")
	n.get(&h, lt.StrangerMSP, "GetHistory", "dataset", "visits")
	if len(h) != 1 {
		t.Errorf("got %d dataset versions, want 1", len(h))
	}
	n.refused("not found: get history of participant OperatorMSP: participant OperatorMSP does not exist", lt.HealthMSP, "GetHistory", "participant", lt.OperatorMSP)

	n.ok(lt.AuthorityMSP, "RecordEvaluation", ledger.EvaluationRequest{MSP: lt.OperatorMSP, ID: "eval-1", Date: lt.Days(9), Result: ledger.EvaluationQualified})
	for _, tt := range []struct {
		msp  string
		want int
	}{{lt.OperatorMSP, 1}, {lt.RegulatorMSP, 1}, {lt.HealthMSP, 0}} {
		var p ledger.Participant
		n.get(&p, tt.msp, "GetParticipant", lt.OperatorMSP)
		if len(p.Evaluations) != tt.want {
			t.Errorf("%s: got %d evaluations, want %d", tt.msp, len(p.Evaluations), tt.want)
		}
	}
	var apps ledger.ApplicationPage
	n.get(&apps, lt.HealthMSP, "QueryApplications", ledger.Query{By: "call", Value: "call-1"})
	if len(apps.Items) != 0 {
		t.Errorf("got %d applications visible to a provider, want 0", len(apps.Items))
	}
	n.get(&apps, lt.ExpertMSP, "QueryApplications", ledger.Query{By: "call", Value: "call-1"})
	if len(apps.Items) != 1 {
		t.Errorf("got %d applications visible to an expert, want 1", len(apps.Items))
	}
	var reviews ledger.ReviewPage
	n.get(&reviews, lt.OperatorMSP, "QueryReviews", ledger.Query{By: "subject", Value: "app-1"})
	if len(reviews.Items) != 2 {
		t.Errorf("got %d reviews of app-1 for its operator, want 2", len(reviews.Items))
	}
	n.refused("not found: get review rev-basic: review rev-basic does not exist", lt.MarketMSP, "GetReview", "rev-basic")
}
