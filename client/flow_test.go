package client

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// world is the contract behind a gateway, run through the client's typed
// methods up to an active grant-1 with agreement agr-1 in force and
// attestor tee-1 registered; the clock is then at lt.UseTime.
type world struct {
	*orgs
	gw       *contractGateway
	attestor *attesttest.Attestor
}

func (w *world) at(t time.Time) {
	w.gw.mu.Lock()
	defer w.gw.mu.Unlock()
	w.gw.peer.SetTime(t)
}

// ok fails the test when a call whose result does not matter fails.
func (w *world) ok(_ any, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("got error %v, want success", err)
	}
}

// must fails the test when err is set.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("got error %v, want success", err)
	}
}

func (w *world) receipt(s attest.Statement) ledger.ReceiptRequest {
	return ledger.ReceiptRequest{Statement: s, Signature: w.attestor.Sign(s)}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	gw := newContractGateway(t, lt.T0)
	w := &world{orgs: newOrgs(t, gw), gw: gw, attestor: attesttest.NewAttestorFromSeed("tee-1")}
	authority := w.as(lt.AuthorityMSP)
	if err := authority.Bootstrap(ctx, lt.AuthorityMSP); err != nil {
		t.Fatalf("Bootstrap() error = %v", err)
	}
	for _, msp := range []string{lt.HealthMSP, lt.MarketMSP, lt.OperatorMSP, lt.PlatformMSP, lt.RegulatorMSP, lt.DeveloperMSP, lt.ExpertMSP} {
		w.ok(authority.RegisterParticipant(ctx, ledger.ParticipantRequest{MSP: msp, Role: lt.Roles[msp], Name: msp + " Org"}))
	}
	w.ok(authority.SetOperatorStatus(ctx, ledger.OperatorStatusRequest{MSP: lt.OperatorMSP, Status: ledger.OperatorAdmitted}))
	w.ok(w.as(lt.HealthMSP).CreateDataset(ctx, lt.DatasetRequest("visits", "medical", "age", "diagnosis", "name")))
	w.ok(w.as(lt.MarketMSP).CreateDataset(ctx, lt.DatasetRequest("loans", "finance", "amount", "term")))
	w.ok(authority.PublishCall(ctx, lt.CallRequest("call-1")))
	w.ok(w.as(lt.PlatformMSP).RegisterAttestor(ctx, ledger.AttestorRequest{Address: w.attestor.Address(), Name: "TEE 1"}))
	w.at(lt.Days(1))
	w.ok(w.as(lt.OperatorMSP).SubmitApplication(ctx, lt.ApplicationRequest("app-1", "call-1")))
	// The documents go to the operator's private collection as transient
	// data: the contract sees them, the proposal's arguments do not.
	w.ok(w.as(lt.OperatorMSP).AttachApplicationDocuments(ctx, "app-1", lt.ApplicationDocuments()))
	w.at(lt.Days(2))
	for _, r := range []ledger.ReviewRequest{
		lt.ReviewRequest("rev-basic", ledger.ReviewBasicSecurity, lt.OperatorMSP, lt.Days(1)),
		lt.ReviewRequest("rev-tech", ledger.ReviewTechnicalSecurity, lt.OperatorMSP, lt.Days(1)),
		lt.ReviewRequest("rev-net", ledger.ReviewNetworkSecurity, "app-1", lt.Days(2)),
		lt.ReviewRequest("rev-scenario", ledger.ReviewScenario, "app-1", lt.Days(2)),
	} {
		w.ok(authority.RecordReview(ctx, r))
	}
	w.at(lt.Days(3))
	w.ok(authority.IssueGrant(ctx, lt.GrantRequest("grant-1", "app-1")))
	w.at(lt.Days(4))
	w.ok(w.as(lt.HealthMSP).ApproveGrant(ctx, "grant-1"))
	w.ok(w.as(lt.MarketMSP).ApproveGrant(ctx, "grant-1"))
	w.ok(authority.ProposeAgreement(ctx, lt.AgreementRequest("agr-1", "grant-1")))
	w.ok(authority.AttachAgreementText(ctx, "agr-1", lt.AgreementText("agr-1")))
	w.ok(authority.SignAgreement(ctx, "agr-1"))
	w.ok(w.as(lt.OperatorMSP).SignAgreement(ctx, "agr-1"))
	w.at(lt.UseTime)
	return w
}

func TestContractFlow(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	operator := w.as(lt.OperatorMSP)

	me, err := operator.WhoAmI(ctx)
	must(t, err)
	if me.MSP != lt.OperatorMSP || me.Role != ledger.RoleOperator {
		t.Errorf("WhoAmI() = %+v, want the operator", me)
	}
	g, err := operator.GetGrant(ctx, "grant-1")
	must(t, err)
	if g.ID != "grant-1" || g.Status != ledger.GrantActive {
		t.Errorf("GetGrant() = %s %s, want grant-1 active", g.ID, g.Status)
	}
	r, err := operator.SubmitReceipt(ctx, w.receipt(lt.Statement("r-1", "grant-1", 10)))
	must(t, err)
	if r.Attestor != w.attestor.Address() {
		t.Errorf("SubmitReceipt() attestor = %s, want %s", r.Attestor, w.attestor.Address())
	}
	stmts := []attest.Statement{lt.Statement("r-2", "grant-1", 5), lt.Statement("r-3", "grant-1", 7)}
	batch := ledger.BatchRequest{ID: "b-1"}
	var leaves [][32]byte
	for _, s := range stmts {
		batch.Receipts = append(batch.Receipts, w.receipt(s))
		leaves = append(leaves, s.Digest())
	}
	b, err := w.as(lt.PlatformMSP).SubmitReceiptBatch(ctx, batch)
	must(t, err)
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		t.Fatal(err)
	}
	if b.Root != attest.HexDigest(root) {
		t.Errorf("SubmitReceiptBatch() root = %s, want %s", b.Root, attest.HexDigest(root))
	}
	proof, err := attest.MerkleProof(leaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.as(lt.StrangerMSP).VerifyReceiptProof(ctx, ledger.ProofRequest{BatchID: "b-1", Statement: stmts[1], Proof: proof})
	must(t, err)
	if !res.Valid || res.Index != 1 {
		t.Errorf("VerifyReceiptProof() = %+v, want valid at index 1", res)
	}
	u, err := w.as(lt.RegulatorMSP).GetGrantUsage(ctx, "grant-1")
	must(t, err)
	if u.Records != 22 || u.Calls != 3 {
		t.Errorf("GetGrantUsage() = %d records in %d calls, want 22 in 3", u.Records, u.Calls)
	}
	page, err := w.as(lt.HealthMSP).QueryReceipts(ctx, ledger.Query{By: "grant", Value: "grant-1", PageSize: 2})
	must(t, err)
	if len(page.Items) != 2 || page.Bookmark == "" {
		t.Fatalf("QueryReceipts(page size 2) = %d items, bookmark %q; want 2 and a bookmark", len(page.Items), page.Bookmark)
	}
	next, err := w.as(lt.HealthMSP).QueryReceipts(ctx, ledger.Query{By: "grant", Value: "grant-1", PageSize: 2, Bookmark: page.Bookmark})
	must(t, err)
	if len(next.Items) != 1 {
		t.Errorf("QueryReceipts(second page) = %d items, want 1", len(next.Items))
	}
	disclosed, err := w.as(lt.StrangerMSP).DisclosedGrants(ctx, ledger.Query{})
	must(t, err)
	if len(disclosed.Items) != 1 || disclosed.Items[0].ID != "grant-1" {
		t.Errorf("DisclosedGrants() = %+v, want grant-1", disclosed.Items)
	}
	history, err := operator.GetHistory(ctx, "grant", "grant-1")
	must(t, err)
	if len(history) < 2 {
		t.Fatalf("GetHistory(grant-1) = %d versions, want at least issue and approvals", len(history))
	}
	raw, ok := history[len(history)-1].Value.(json.RawMessage)
	var first ledger.Grant
	if !ok || json.Unmarshal(raw, &first) != nil || first.Status != ledger.GrantProposed {
		t.Errorf("GetHistory(grant-1) oldest = %v, want the proposed grant as raw JSON", history[len(history)-1].Value)
	}
}

func TestContractErrors(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{name: "not found", want: ErrNotFound, call: func() error {
			_, err := w.as(lt.AuthorityMSP).GetGrant(ctx, "grant-404")
			return err
		}},
		{name: "forbidden", want: ErrForbidden, call: func() error {
			_, err := w.as(lt.OperatorMSP).PublishCall(ctx, lt.CallRequest("call-2"))
			return err
		}},
		{name: "invalid", want: ErrInvalid, call: func() error {
			_, err := w.as(lt.AuthorityMSP).QueryGrants(ctx, ledger.Query{PageSize: 1000})
			return err
		}},
		{name: "refused: outside the grant's scope", want: ErrRefused, call: func() error {
			s := lt.Statement("r-x", "grant-1", 10)
			s.Datasets = []attest.DatasetUse{{ID: "visits", Fields: []string{"name"}}}
			_, err := w.as(lt.OperatorMSP).SubmitReceipt(ctx, w.receipt(s))
			return err
		}},
		{name: "forbidden: another organisation naming itself the authority", want: ErrForbidden, call: func() error {
			return w.as(lt.HealthMSP).Bootstrap(ctx, lt.HealthMSP)
		}},
		{name: "forbidden: bootstrap by another organisation", want: ErrForbidden, call: func() error {
			return w.as(lt.HealthMSP).Bootstrap(ctx, lt.AuthorityMSP)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want kind %v", err, tt.want)
			}
			if !errors.Is(err, ledger.Kind(err)) || ledger.Kind(err) != tt.want {
				t.Errorf("ledger.Kind(%v) = %v, want %v", err, ledger.Kind(err), tt.want)
			}
		})
	}
}

// TestContractReplayRefused shows what makes resubmission safe: a receipt
// already recorded is refused with ErrConflict, not recorded twice.
func TestContractReplayRefused(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	req := w.receipt(lt.Statement("r-1", "grant-1", 10))
	if _, err := w.as(lt.OperatorMSP).SubmitReceipt(ctx, req); err != nil {
		t.Fatalf("got error %v, want success", err)
	}
	if _, err := w.as(lt.OperatorMSP).SubmitReceipt(ctx, req); !errors.Is(err, ErrConflict) {
		t.Fatalf("second SubmitReceipt() = %v, want ErrConflict", err)
	}
	u, err := w.as(lt.OperatorMSP).GetGrantUsage(ctx, "grant-1")
	must(t, err)
	if u.Calls != 1 || u.Records != 10 {
		t.Errorf("usage = %d calls, %d records; want the receipt counted once", u.Calls, u.Records)
	}
}

// TestContractReadConflictRetried commits a competing receipt on the same
// grant between the client's endorsement and its commit: the client's
// transaction is invalidated (MVCC_READ_CONFLICT), and the client endorses a
// new proposal against the new state and commits it.
func TestContractReadConflictRetried(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	competing, err := json.Marshal(w.receipt(lt.Statement("r-other", "grant-1", 5)))
	if err != nil {
		t.Fatal(err)
	}
	w.gw.mu.Lock()
	before := w.gw.commits
	w.gw.mu.Unlock()
	interfered := false
	w.gw.beforeCommit = func(p *chaincodetest.Peer, _ string) {
		if !interfered {
			interfered = true
			if tx := p.Invoke(lt.PlatformMSP, "SubmitReceipt", string(competing)); !tx.OK() {
				t.Errorf("competing receipt: %s %v", tx.Message, tx.CommitErr)
			}
		}
	}
	r, err := w.as(lt.OperatorMSP).SubmitReceipt(ctx, w.receipt(lt.Statement("r-1", "grant-1", 10)))
	must(t, err)
	if r.ID != "r-1" {
		t.Errorf("SubmitReceipt() = %s, want r-1", r.ID)
	}
	if n := w.gw.commits - before; n != 2 {
		t.Errorf("got %d commits, want 2: the invalidated one and the retry", n)
	}
	u, err := w.as(lt.OperatorMSP).GetGrantUsage(ctx, "grant-1")
	must(t, err)
	if u.Calls != 2 || u.Records != 15 {
		t.Errorf("usage = %d calls, %d records; want both receipts counted once", u.Calls, u.Records)
	}
}

// TestContractReceiptsTogether: receipts submitted together are decided
// one by one; when none is accepted nothing is ordered.
func TestContractReceiptsTogether(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	op := w.as(lt.OperatorMSP)
	if _, err := op.SubmitReceipt(ctx, w.receipt(lt.Statement("r-0", "grant-1", 1))); err != nil {
		t.Fatal(err)
	}
	res, err := op.SubmitReceipts(ctx, ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{
		w.receipt(lt.Statement("r-1", "grant-1", 10)), w.receipt(lt.Statement("r-0", "grant-1", 1)), w.receipt(lt.Statement("r-2", "grant-1", 5)),
	}})
	must(t, err)
	if len(res.Receipts) != 2 || !res.Outcomes[0].Accepted() || res.Outcomes[1].Accepted() || !errors.Is(res.Outcomes[1].Err(), ErrConflict) {
		t.Fatalf("got %+v, want r-1 and r-2 accepted, r-0 refused as a replay", res)
	}
	w.gw.mu.Lock()
	before := w.gw.commits
	w.gw.mu.Unlock()
	res, err = op.SubmitReceipts(ctx, ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{w.receipt(lt.Statement("r-1", "grant-1", 10))}})
	must(t, err)
	if len(res.Receipts) != 0 || res.Outcomes[0].Kind != "conflict" {
		t.Errorf("got %+v, want r-1 refused as a replay", res)
	}
	w.gw.mu.Lock()
	defer w.gw.mu.Unlock()
	if w.gw.commits != before {
		t.Errorf("got %d commits for receipts all refused, want none", w.gw.commits-before)
	}
}

// TestEveryTransactionReachesContract calls every typed method with empty
// arguments: the contract must answer each with success or one of its own
// error kinds. A wrong transaction name or argument count is answered by the
// contract API instead (an untagged error, ErrEndorsement).
func TestEveryTransactionReachesContract(t *testing.T) {
	ctx := context.Background()
	gw := newContractGateway(t, lt.T0)
	c := newOrgs(t, gw).as(lt.AuthorityMSP)
	if err := c.Bootstrap(ctx, lt.AuthorityMSP); err != nil {
		t.Fatalf("Bootstrap() error = %v", err)
	}
	drop := func(_ any, err error) error { return err }
	calls := map[string]func() error{
		"Bootstrap":           func() error { return c.Bootstrap(ctx, lt.AuthorityMSP) },
		"GetConfig":           func() error { return drop(c.GetConfig(ctx)) },
		"WhoAmI":              func() error { return drop(c.WhoAmI(ctx)) },
		"RegisterParticipant": func() error { return drop(c.RegisterParticipant(ctx, ledger.ParticipantRequest{})) },
		"SubmitReceipts":      func() error { return drop(c.SubmitReceipts(ctx, ledger.ReceiptsRequest{})) },
		"RegisterExpert":      func() error { return drop(c.RegisterExpert(ctx, ledger.ExpertRequest{})) },
		"RetireExpert":        func() error { return drop(c.RetireExpert(ctx, "", "")) },
		"GetExpert":           func() error { return drop(c.GetExpert(ctx, "")) },
		"QueryExperts":        func() error { return drop(c.QueryExperts(ctx, ledger.Query{})) },
		"SetOperatorStatus":   func() error { return drop(c.SetOperatorStatus(ctx, ledger.OperatorStatusRequest{})) },
		"RecordEvaluation":    func() error { return drop(c.RecordEvaluation(ctx, ledger.EvaluationRequest{})) },
		"GetParticipant":      func() error { return drop(c.GetParticipant(ctx, "")) },
		"QueryParticipants":   func() error { return drop(c.QueryParticipants(ctx, ledger.Query{})) },
		"CreateDataset":       func() error { return drop(c.CreateDataset(ctx, ledger.DatasetRequest{})) },
		"UpdateDataset":       func() error { return drop(c.UpdateDataset(ctx, ledger.DatasetRequest{})) },
		"WithdrawDataset":     func() error { return drop(c.WithdrawDataset(ctx, "", "")) },
		"RelistDataset":       func() error { return drop(c.RelistDataset(ctx, "")) },
		"GetDataset":          func() error { return drop(c.GetDataset(ctx, "")) },
		"QueryDatasets":       func() error { return drop(c.QueryDatasets(ctx, ledger.Query{})) },
		"PublishCall":         func() error { return drop(c.PublishCall(ctx, ledger.CallRequest{})) },
		"CancelCall":          func() error { return drop(c.CancelCall(ctx, "", "")) },
		"GetCall":             func() error { return drop(c.GetCall(ctx, "")) },
		"QueryCalls":          func() error { return drop(c.QueryCalls(ctx, ledger.Query{})) },
		"SubmitApplication":   func() error { return drop(c.SubmitApplication(ctx, ledger.ApplicationRequest{})) },
		"WithdrawApplication": func() error { return drop(c.WithdrawApplication(ctx, "", "")) },
		"GetApplication":      func() error { return drop(c.GetApplication(ctx, "")) },
		"QueryApplications":   func() error { return drop(c.QueryApplications(ctx, ledger.Query{})) },
		"RecordReview":        func() error { return drop(c.RecordReview(ctx, ledger.ReviewRequest{})) },
		"GetReview":           func() error { return drop(c.GetReview(ctx, "")) },
		"QueryReviews":        func() error { return drop(c.QueryReviews(ctx, ledger.Query{})) },
		"RecordOpinion":       func() error { return drop(c.RecordOpinion(ctx, ledger.OpinionRequest{})) },
		"QueryOpinions":       func() error { return drop(c.QueryOpinions(ctx, ledger.Query{})) },
		"IssueGrant":          func() error { return drop(c.IssueGrant(ctx, ledger.GrantRequest{})) },
		"ApproveGrant":        func() error { return drop(c.ApproveGrant(ctx, "")) },
		"RejectGrant":         func() error { return drop(c.RejectGrant(ctx, "", "")) },
		"ExpireGrant":         func() error { return drop(c.ExpireGrant(ctx, "")) },
		"ActivateSubGrant":    func() error { return drop(c.ActivateSubGrant(ctx, "")) },
		"SuspendGrant":        func() error { return drop(c.SuspendGrant(ctx, "", "")) },
		"ResumeGrant":         func() error { return drop(c.ResumeGrant(ctx, "")) },
		"RevokeGrant":         func() error { return drop(c.RevokeGrant(ctx, "", "")) },
		"ProposeSubGrant":     func() error { return drop(c.ProposeSubGrant(ctx, ledger.SubGrantRequest{})) },
		"GetGrant":            func() error { return drop(c.GetGrant(ctx, "")) },
		"GetGrantUsage":       func() error { return drop(c.GetGrantUsage(ctx, "")) },
		"QueryGrants":         func() error { return drop(c.QueryGrants(ctx, ledger.Query{})) },
		"ProposeAgreement":    func() error { return drop(c.ProposeAgreement(ctx, ledger.AgreementRequest{})) },
		"SignAgreement":       func() error { return drop(c.SignAgreement(ctx, "")) },
		"GetAgreement":        func() error { return drop(c.GetAgreement(ctx, "")) },
		"QueryAgreements":     func() error { return drop(c.QueryAgreements(ctx, ledger.Query{})) },
		"RegisterAttestor":    func() error { return drop(c.RegisterAttestor(ctx, ledger.AttestorRequest{})) },
		"RetireAttestor":      func() error { return drop(c.RetireAttestor(ctx, "", "")) },
		"GetAttestor":         func() error { return drop(c.GetAttestor(ctx, "")) },
		"QueryAttestors":      func() error { return drop(c.QueryAttestors(ctx, ledger.Query{})) },
		"SubmitReceipt":       func() error { return drop(c.SubmitReceipt(ctx, ledger.ReceiptRequest{})) },
		"SubmitReceiptBatch":  func() error { return drop(c.SubmitReceiptBatch(ctx, ledger.BatchRequest{})) },
		"GetReceipt":          func() error { return drop(c.GetReceipt(ctx, "")) },
		"QueryReceipts":       func() error { return drop(c.QueryReceipts(ctx, ledger.Query{})) },
		"GetReceiptBatch":     func() error { return drop(c.GetReceiptBatch(ctx, "")) },
		"VerifyReceiptProof":  func() error { return drop(c.VerifyReceiptProof(ctx, ledger.ProofRequest{})) },
		"RegisterProduct":     func() error { return drop(c.RegisterProduct(ctx, ledger.ProductRequest{})) },
		"UpdateProduct":       func() error { return drop(c.UpdateProduct(ctx, ledger.ProductRequest{})) },
		"SubmitProduct":       func() error { return drop(c.SubmitProduct(ctx, "")) },
		"DecideProduct":       func() error { return drop(c.DecideProduct(ctx, ledger.ProductDecision{})) },
		"RequestListing":      func() error { return drop(c.RequestListing(ctx, "")) },
		"ConfirmListing":      func() error { return drop(c.ConfirmListing(ctx, "", "")) },
		"RejectListing":       func() error { return drop(c.RejectListing(ctx, "", "")) },
		"DelistProduct":       func() error { return drop(c.DelistProduct(ctx, "", "")) },
		"GetProduct":          func() error { return drop(c.GetProduct(ctx, "")) },
		"QueryProducts":       func() error { return drop(c.QueryProducts(ctx, ledger.Query{})) },
		"DisclosedOperators":  func() error { return drop(c.DisclosedOperators(ctx, ledger.Query{})) },
		"DisclosedGrants":     func() error { return drop(c.DisclosedGrants(ctx, ledger.Query{})) },
		"DisclosedAgreements": func() error { return drop(c.DisclosedAgreements(ctx, ledger.Query{})) },
		"DisclosedProducts":   func() error { return drop(c.DisclosedProducts(ctx, ledger.Query{})) },
		"GetProvenance":       func() error { return drop(c.GetProvenance(ctx, "")) },
		"GetHistory":          func() error { return drop(c.GetHistory(ctx, "", "")) },
		"ReportIncident":      func() error { return drop(c.ReportIncident(ctx, ledger.IncidentRequest{})) },
		"DecideIncident":      func() error { return drop(c.DecideIncident(ctx, ledger.IncidentDecisionRequest{})) },
		"CloseIncident":       func() error { return drop(c.CloseIncident(ctx, "", "")) },
		"GetIncident":         func() error { return drop(c.GetIncident(ctx, "")) },
		"QueryIncidents":      func() error { return drop(c.QueryIncidents(ctx, ledger.Query{})) },
		"SubmitDataRequest":   func() error { return drop(c.SubmitDataRequest(ctx, ledger.DataRequestSubmission{})) },
		"ConsentDataRequest":  func() error { return drop(c.ConsentDataRequest(ctx, "")) },
		"RefuseDataRequest":   func() error { return drop(c.RefuseDataRequest(ctx, "", "")) },
		"ApproveDataRequest":  func() error { return drop(c.ApproveDataRequest(ctx, "")) },
		"WithdrawDataRequest": func() error { return drop(c.WithdrawDataRequest(ctx, "", "")) },
		"DeclineDataRequest":  func() error { return drop(c.DeclineDataRequest(ctx, "", "")) },
		"GetDataRequest":      func() error { return drop(c.GetDataRequest(ctx, "")) },
		"QueryDataRequests":   func() error { return drop(c.QueryDataRequests(ctx, ledger.Query{})) },
		"UsageStatement":      func() error { return drop(c.UsageStatement(ctx, ledger.UsageStatementRequest{})) },
		"QueryHistory":        func() error { return drop(c.QueryHistory(ctx, ledger.HistoryQuery{})) },
		"QueryNotices":        func() error { return drop(c.QueryNotices(ctx, ledger.NoticeQuery{})) },
		"ExpireAgreement":     func() error { return drop(c.ExpireAgreement(ctx, "")) },
		"RecordDeadlineNotice": func() error {
			return drop(c.RecordDeadlineNotice(ctx, ledger.DeadlineNoticeRequest{}))
		},
		"AttachApplicationDocuments": func() error {
			return drop(c.AttachApplicationDocuments(ctx, "", ledger.ApplicationDocumentsRequest{}))
		},
		"AttachReviewReport": func() error { return drop(c.AttachReviewReport(ctx, "", ledger.ReportRequest{})) },
		"AttachEvaluationReport": func() error {
			return drop(c.AttachEvaluationReport(ctx, "", "", ledger.ReportRequest{}))
		},
		"AttachAgreementText": func() error { return drop(c.AttachAgreementText(ctx, "", ledger.AgreementTextRequest{})) },

		// Fees (平台使用费) and benefit sharing (收益分配).
		"SetFeeSchedule":          func() error { return drop(c.SetFeeSchedule(ctx, ledger.FeeScheduleRequest{})) },
		"GetFeeSchedule":          func() error { return drop(c.GetFeeSchedule(ctx, "")) },
		"RecordFeeStatement":      func() error { return drop(c.RecordFeeStatement(ctx, ledger.FeeStatementRequest{})) },
		"ConfirmFeePayment":       func() error { return drop(c.ConfirmFeePayment(ctx, "", "")) },
		"AcknowledgeFeeStatement": func() error { return drop(c.AcknowledgeFeeStatement(ctx, "")) },
		"GetFeeStatement":         func() error { return drop(c.GetFeeStatement(ctx, "")) },
		"QueryFeeStatements":      func() error { return drop(c.QueryFeeStatements(ctx, ledger.Query{})) },
		"ProposeBenefitSplit":     func() error { return drop(c.ProposeBenefitSplit(ctx, ledger.BenefitSplitRequest{})) },
		"AgreeBenefitSplit":       func() error { return drop(c.AgreeBenefitSplit(ctx, "")) },
		"GetBenefitSplit":         func() error { return drop(c.GetBenefitSplit(ctx, "")) },
		"RecordRevenue":           func() error { return drop(c.RecordRevenue(ctx, ledger.RevenueRequest{})) },
		"GetRevenue":              func() error { return drop(c.GetRevenue(ctx, "")) },
		"GetBenefitShare":         func() error { return drop(c.GetBenefitShare(ctx, "")) },
		"QueryBenefitShares":      func() error { return drop(c.QueryBenefitShares(ctx, ledger.Query{})) },
	}
	for _, name := range contractTransactions(t) {
		t.Run(name, func(t *testing.T) {
			call, ok := calls[name]
			if !ok {
				t.Fatalf("no call of %s in this test", name)
			}
			err := call()
			if err != nil && !slices.Contains(contractKinds, ledger.Kind(err)) {
				t.Errorf("%s() = %v, want success or a contract error kind", name, err)
			}
		})
	}
}

// contractTransactions lists the contract's transactions: the exported
// methods of chaincode.Contract that contractapi.Contract does not provide.
func contractTransactions(t *testing.T) []string {
	t.Helper()
	base := reflect.TypeFor[*contractapi.Contract]()
	typ := reflect.TypeFor[*chaincode.Contract]()
	var names []string
	for m := range typ.Methods() {
		if _, inherited := base.MethodByName(m.Name); !inherited {
			names = append(names, m.Name)
		}
	}
	if len(names) == 0 {
		t.Fatal("chaincode.Contract has no transactions")
	}
	return names
}

// TestClientCoversContract checks that the client has one method per
// contract transaction, of the same name, taking a context and one
// argument per transaction parameter.
func TestClientCoversContract(t *testing.T) {
	contract := reflect.TypeFor[*chaincode.Contract]()
	cl := reflect.TypeFor[*Client]()
	for _, name := range contractTransactions(t) {
		tx, _ := contract.MethodByName(name)
		m, ok := cl.MethodByName(name)
		if !ok {
			t.Errorf("Client has no method %s for the contract transaction", name)
			continue
		}
		// Receivers and contexts on both sides; the private transactions'
		// requests and a batch of receipts travel as transient data, one
		// more client argument.
		want := tx.Type.NumIn()
		if strings.HasPrefix(name, "Attach") || name == "SubmitReceiptBatch" {
			want++
		}
		if got := m.Type.NumIn(); got != want {
			t.Errorf("Client.%s takes %d arguments, want %d like the transaction", name, got-2, want-2)
		}
	}
}

func TestContractEvents(t *testing.T) {
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "events.checkpoint")
	w.gw.mu.Lock()
	total := len(w.gw.events)
	w.gw.mu.Unlock()
	regulator := w.as(lt.RegulatorMSP)
	got := append(followAcked(t, regulator, path, 3), followAcked(t, regulator, path, total-3)...)
	if got[0].Type != "config" || got[0].Change != "bootstrapped" || got[0].Actor != lt.AuthorityMSP {
		t.Errorf("first event = %s %s by %s, want config bootstrapped by the authority", got[0].Type, got[0].Change, got[0].Actor)
	}
	last := got[len(got)-1]
	if last.Type != "agreement" || last.ID != "agr-1" || last.Name != last.Type+"."+last.Change {
		t.Errorf("last event = %s %s %s (%s), want agreement agr-1", last.Type, last.ID, last.Change, last.Name)
	}
	for i := 1; i < len(got); i++ {
		if got[i].BlockNumber <= got[i-1].BlockNumber {
			t.Errorf("event %d in block %d after block %d, want each event once, in ledger order", i, got[i].BlockNumber, got[i-1].BlockNumber)
		}
	}
}
