//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestGrantProcessOnFabric runs the grant process through the Fabric
// Gateway of each organisation's own peer, with each organisation's own
// identity, and checks on the real network what the in-memory peer of the
// contract's unit tests can only imitate: key-level endorsement enforced by
// validation, receipts and their proofs, provenance, and chaincode events.
// Each phase builds on the previous one.
func TestGrantProcessOnFabric(t *testing.T) {
	p := newProcess(t)
	t.Logf("run %s, events from block %d", p.run, p.startBlock)
	for _, phase := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"set up a grant in force", p.setUp},
		{"key-level endorsement holds", p.keyLevelEndorsement},
		{"only providers in scope decide", p.providersInScope},
		{"receipts", p.receiptsOnTheLedger},
		{"pages and public disclosure", p.pagesAndDisclosure},
		{"products and provenance", p.productsAndProvenance},
		{"every transaction emitted its event", p.eventsInOrder},
	} {
		if !t.Run(phase.name, phase.run) {
			t.Fatalf("phase %q failed; the later phases need it", phase.name)
		}
	}
}

// setUp registers the participants, catalogues a dataset of each provider,
// publishes a call, takes an application through its reviews to a grant
// over both datasets, has both providers approve it and both parties sign
// its agreement.
func (p *process) setUp(t *testing.T) {
	ctx := t.Context()
	auth := p.as(p.authority)
	for _, msp := range []string{p.health, p.market, p.operator, p.platform, p.regulator} {
		p.register(t, msp, p.roles[msp])
	}
	p.admitOperator(t)
	p.convene(t)

	for _, ds := range []struct{ owner, id string }{{p.health, p.visits}, {p.market, p.loans}} {
		d, err := p.as(ds.owner).CreateDataset(ctx, p.datasetRequest(ds.id))
		ok(t, err, "%s creates dataset %s", ds.owner, ds.id)
		if d.Owner != ds.owner {
			t.Fatalf("dataset %s: got owner %s, want %s", ds.id, d.Owner, ds.owner)
		}
		p.emitted(t, "dataset.created", d.ID, d.Created)
		p.datasetTx[d.ID] = d.Created.TxID
	}

	p.call = p.id("call")
	c, err := auth.PublishCall(ctx, p.callRequest())
	ok(t, err, "publish call %s", p.call)
	p.emitted(t, "call.published", c.ID, c.Created)

	p.app = p.id("app")
	a, err := p.as(p.operator).SubmitApplication(ctx, p.applicationRequest(p.app, p.visits, p.loans))
	ok(t, err, "submit application %s", p.app)
	p.emitted(t, "application.submitted", a.ID, a.Created)

	p.review(t, p.id("rev-basic"), ledger.ReviewBasicSecurity, p.operator)
	p.review(t, p.id("rev-tech"), ledger.ReviewTechnicalSecurity, p.operator)
	p.review(t, p.id("rev-net"), ledger.ReviewNetworkSecurity, p.app)
	p.review(t, p.id("rev-scenario"), ledger.ReviewScenario, p.app)

	p.grant = p.id("grant")
	g, err := auth.IssueGrant(ctx, p.grantRequest(p.grant, p.app, p.visits, p.loans))
	ok(t, err, "issue grant %s", p.grant)
	p.emitted(t, "grant.issued", g.ID, g.Updated, ledger.EventRef{Type: "application", ID: p.app, Change: string(ledger.ApplicationGranted)})
	p.grantTx = g.Created.TxID
	if want := []string{p.health, p.market}; g.Status != ledger.GrantProposed || !sameSet(g.Providers, want) {
		t.Fatalf("issued grant: got %s with providers %v, want proposed waiting for %v", g.Status, g.Providers, want)
	}

	g, err = p.as(p.health).ApproveGrant(ctx, p.grant)
	ok(t, err, "%s approves %s", p.health, p.grant)
	p.emitted(t, "grant.approved", g.ID, g.Updated)
	g, err = p.as(p.market).ApproveGrant(ctx, p.grant)
	ok(t, err, "%s approves %s", p.market, p.grant)
	p.emitted(t, "grant.activated", g.ID, g.Updated)
	if g.Status != ledger.GrantActive {
		t.Fatalf("grant after both approvals: got %s, want %s", g.Status, ledger.GrantActive)
	}

	agr := p.id("agr")
	p.agreement = agr
	ag, err := auth.ProposeAgreement(ctx, ledger.AgreementRequest{ID: agr, GrantID: p.grant, TextDigest: lt.Digest("agreement " + agr), Term: p.term()})
	ok(t, err, "propose agreement %s", agr)
	p.emitted(t, "agreement.proposed", ag.ID, ag.Created, ledger.EventRef{Type: "grant", ID: p.grant, Change: "agreement"})
	ag, err = auth.SignAgreement(ctx, agr)
	ok(t, err, "%s signs %s", p.authority, agr)
	p.emitted(t, "agreement.signed", ag.ID, ag.Updated)
	ag, err = p.as(p.operator).SignAgreement(ctx, agr)
	ok(t, err, "%s signs %s", p.operator, agr)
	p.emitted(t, "agreement.in-force", ag.ID, ag.Updated)
	if ag.Status != ledger.AgreementInForce || ag.InForceFrom.IsZero() {
		t.Fatalf("agreement after both signatures: got %s from %v, want %s", ag.Status, ag.InForceFrom, ledger.AgreementInForce)
	}
	p.agreementInForce = ag.InForceFrom
}

// register registers an organisation with its role, unless an earlier run
// on the same ledger did (an MSP is registered once).
func (p *process) register(t *testing.T, msp string, role ledger.Role) {
	t.Helper()
	auth := p.as(p.authority)
	got, err := auth.GetParticipant(t.Context(), msp)
	switch {
	case err == nil:
		if got.Role != role {
			t.Fatalf("participant %s: registered as %s, the profile says %s", msp, got.Role, role)
		}
	case errors.Is(err, client.ErrNotFound):
		pt, err := auth.RegisterParticipant(t.Context(), ledger.ParticipantRequest{MSP: msp, Role: role, Name: msp + " (e2e)"})
		ok(t, err, "register %s as %s", msp, role)
		p.emitted(t, "participant.registered", msp, pt.Created)
	default:
		t.Fatalf("get participant %s: %v", msp, err)
	}
}

// convene registers the authority's User2 as an individual expert, unless
// an earlier run on the same ledger did and it is still active, and checks
// that it then acts as the expert and not as the authority.
func (p *process) convene(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	me, err := p.expert.WhoAmI(ctx)
	ok(t, err, "who is %s's User2", p.authority)
	p.expertID = me.Client
	e, err := p.as(p.authority).GetExpert(ctx, me.Client)
	switch {
	case err == nil && e.Status == ledger.ExpertActive:
	case err == nil || errors.Is(err, client.ErrNotFound):
		e, err = p.as(p.authority).RegisterExpert(ctx, ledger.ExpertRequest{MSP: me.MSP, Client: me.Client, Name: "Expert " + p.run})
		ok(t, err, "register %s's User2 as an expert", p.authority)
		p.emitted(t, "expert.registered", e.Client, e.Updated)
	default:
		t.Fatalf("get expert %s: %v", me.Client, err)
	}
	me, err = p.expert.WhoAmI(ctx)
	ok(t, err, "who is the expert")
	if me.Role != ledger.RoleExpert || !me.Individual || me.MSP != p.authority {
		t.Fatalf("%s's User2 after its registration: got %+v, want an individual in role %s", p.authority, me, ledger.RoleExpert)
	}
}

// admitOperator admits the operator unless it already is.
func (p *process) admitOperator(t *testing.T) {
	t.Helper()
	op, err := p.as(p.operator).GetParticipant(t.Context(), p.operator)
	ok(t, err, "get participant %s", p.operator)
	switch op.Status {
	case ledger.OperatorAdmitted:
	case ledger.OperatorApplicant:
		op, err = p.as(p.authority).SetOperatorStatus(t.Context(), ledger.OperatorStatusRequest{MSP: p.operator, Status: ledger.OperatorAdmitted})
		ok(t, err, "admit %s", p.operator)
		p.emitted(t, "participant.admitted", p.operator, op.Updated)
	default:
		t.Fatalf("operator %s is %s; an earlier run left it so, and this one cannot admit it", p.operator, op.Status)
	}
}

// review records a passing review dated now; a scenario review approves
// its application.
func (p *process) review(t *testing.T, id string, kind ledger.ReviewKind, subject string) {
	t.Helper()
	r, err := p.as(p.authority).RecordReview(t.Context(), lt.ReviewRequest(id, kind, subject, time.Now()))
	ok(t, err, "record %s review %s of %s", kind, id, subject)
	var related []ledger.EventRef
	if kind == ledger.ReviewScenario {
		related = append(related, ledger.EventRef{Type: "application", ID: subject, Change: string(ledger.ApplicationApproved)})
	}
	p.emitted(t, "review.recorded", r.ID, r.Created, related...)
}

// keyLevelEndorsement shows that the key-level policies the contract sets
// are enforced by the peers' validation, not merely by the contract: a
// change of the grant, and one of a dataset, endorsed by enough peers for
// the chaincode policy but not by the owning providers' peers, is ordered
// into a block and invalidated there, and changes nothing. The same changes
// submitted normally, the gateway choosing the endorsers, take effect.
func (p *process) keyLevelEndorsement(t *testing.T) {
	ctx := t.Context()
	auth, reg := p.as(p.authority), p.as(p.regulator)
	withoutProviders := p.orgsExcept(p.health, p.market)

	t.Run("the same endorsers satisfy the chaincode policy", func(t *testing.T) {
		// A write of a key without a key-level policy (a new call),
		// endorsed by the same peers, is valid: what fails below is the
		// key-level policy and nothing else.
		req := p.callRequest()
		req.ID = p.id("call-control")
		raw, err := json.Marshal(req)
		ok(t, err, "encode call request")
		txID, status := endorsedOnlyBy(t, auth, withoutProviders, "PublishCall", string(raw))
		if !status.Successful {
			t.Fatalf("PublishCall endorsed by %v: got code %s, want %s", withoutProviders, status.Code, peer.TxValidationCode_VALID)
		}
		p.emitted(t, "call.published", req.ID, ledger.Stamp{TxID: txID})
	})

	for _, tc := range []struct {
		name    string
		leftOut []string
	}{
		{"grant change without the providers' peers", []string{p.health, p.market}},
		{"grant change without one provider's peer", []string{p.market}},
		{"grant change without the authority's peer", []string{p.authority}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Read back through the gateway that reported the commit
			// status: its peer has validated the block.
			before, err := auth.GetGrant(ctx, p.grant)
			ok(t, err, "get grant %s", p.grant)
			endorsers := p.orgsExcept(tc.leftOut...)
			txID, status := endorsedOnlyBy(t, auth, endorsers, "SuspendGrant", p.grant, "endorsed without "+strings.Join(tc.leftOut, " and "))
			p.invalid = append(p.invalid, txID)
			if status.Successful || status.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
				t.Fatalf("SuspendGrant endorsed by %v: got successful=%t code %s, want %s",
					endorsers, status.Successful, status.Code, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)
			}
			after, err := auth.GetGrant(ctx, p.grant)
			ok(t, err, "get grant %s", p.grant)
			if !reflect.DeepEqual(after, before) || after.Status != ledger.GrantActive {
				t.Errorf("grant after the invalidated suspension: got %s updated by %s, want it unchanged (active, updated by %s)",
					after.Status, after.Updated.TxID, before.Updated.TxID)
			}
			notInHistory(t, auth, "grant", p.grant, txID)
		})
	}

	t.Run("dataset change without the owner's peer", func(t *testing.T) {
		owner := p.as(p.health)
		before, err := owner.GetDataset(ctx, p.visits)
		ok(t, err, "get dataset %s", p.visits)
		req := p.datasetRequest(p.visits)
		req.Description = "changed without its owner's peer"
		raw, err := json.Marshal(req)
		ok(t, err, "encode dataset request")
		withoutOwner := p.orgsExcept(p.health)
		txID, status := endorsedOnlyBy(t, owner, withoutOwner, "UpdateDataset", string(raw))
		p.invalid = append(p.invalid, txID)
		if status.Successful || status.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
			t.Fatalf("UpdateDataset endorsed by %v: got successful=%t code %s, want %s",
				withoutOwner, status.Successful, status.Code, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)
		}
		after, err := owner.GetDataset(ctx, p.visits)
		ok(t, err, "get dataset %s", p.visits)
		if !reflect.DeepEqual(after, before) {
			t.Errorf("dataset after the invalidated update: got description %q updated by %s, want it unchanged (updated by %s)",
				after.Description, after.Updated.TxID, before.Updated.TxID)
		}
		notInHistory(t, owner, "dataset", p.visits, txID)
	})

	t.Run("the same changes endorsed as the gateway chooses", func(t *testing.T) {
		g, err := auth.SuspendGrant(ctx, p.grant, "security audit")
		ok(t, err, "suspend grant %s", p.grant)
		p.emitted(t, "grant.suspended", g.ID, g.Updated)
		if g, err = reg.GetGrant(ctx, p.grant); err != nil || g.Status != ledger.GrantSuspended {
			t.Fatalf("grant after the suspension: got %v (%v), want %s", grantStatus(g), err, ledger.GrantSuspended)
		}
		g, err = auth.ResumeGrant(ctx, p.grant)
		ok(t, err, "resume grant %s", p.grant)
		p.emitted(t, "grant.resumed", g.ID, g.Updated)
		if g, err = reg.GetGrant(ctx, p.grant); err != nil || g.Status != ledger.GrantActive {
			t.Fatalf("grant after resuming: got %v (%v), want %s", grantStatus(g), err, ledger.GrantActive)
		}

		req := p.datasetRequest(p.visits)
		req.Description = "outpatient visits, updated by its owner"
		d, err := p.as(p.health).UpdateDataset(ctx, req)
		ok(t, err, "%s updates dataset %s", p.health, p.visits)
		p.emitted(t, "dataset.updated", d.ID, d.Updated)
		if d, err = reg.GetDataset(ctx, p.visits); err != nil || d.Description != req.Description {
			t.Fatalf("dataset after the update: got %+v (%v), want description %q", d, err, req.Description)
		}
	})
}

// grantStatus returns a grant's status for messages, "" for none.
func grantStatus(g *ledger.Grant) ledger.GrantStatus {
	if g == nil {
		return ""
	}
	return g.Status
}

// notInHistory fails the test if the transaction wrote a version of the object.
func notInHistory(t *testing.T, c *client.Client, objectType, id, txID string) {
	t.Helper()
	h, err := c.GetHistory(t.Context(), objectType, id)
	ok(t, err, "history of %s %s", objectType, id)
	if len(h) == 0 {
		t.Fatalf("history of %s %s: got no versions, want at least its creation", objectType, id)
	}
	for _, e := range h {
		if e.TxID == txID {
			t.Errorf("history of %s %s: got a version written by the invalidated transaction %s", objectType, id, txID)
		}
	}
}

// providersInScope issues a second grant over health's dataset alone: the
// other provider may not decide on it; its one provider rejects it.
func (p *process) providersInScope(t *testing.T) {
	ctx := t.Context()
	app := p.id("app-visits")
	a, err := p.as(p.operator).SubmitApplication(ctx, p.applicationRequest(app, p.visits))
	ok(t, err, "submit application %s", app)
	p.emitted(t, "application.submitted", a.ID, a.Created)
	p.review(t, p.id("rev-net-visits"), ledger.ReviewNetworkSecurity, app)
	p.review(t, p.id("rev-scenario-visits"), ledger.ReviewScenario, app)
	id := p.id("grant-visits")
	g, err := p.as(p.authority).IssueGrant(ctx, p.grantRequest(id, app, p.visits))
	ok(t, err, "issue grant %s", id)
	p.emitted(t, "grant.issued", g.ID, g.Updated, ledger.EventRef{Type: "application", ID: app, Change: string(ledger.ApplicationGranted)})

	_, err = p.as(p.market).ApproveGrant(ctx, id)
	wantErr(t, p.market+" approves "+id, err, client.ErrForbidden, "not a provider of any dataset in scope")
	if g, err := p.as(p.authority).GetGrant(ctx, id); err != nil || g.Status != ledger.GrantProposed || len(g.Approvals) != 1 || g.Approvals[0].Decision != ledger.DecisionPending {
		t.Fatalf("grant %s after the refused approval: got %+v (%v), want proposed, waiting for %s alone", id, g, err, p.health)
	}

	g, err = p.as(p.health).RejectGrant(ctx, id, "the scenario does not need diagnoses")
	ok(t, err, "%s rejects %s", p.health, id)
	p.emitted(t, "grant.rejected", g.ID, g.Updated)
	if g.Status != ledger.GrantRejected {
		t.Errorf("grant after its provider's rejection: got %s, want %s", g.Status, ledger.GrantRejected)
	}
}

// receiptsOnTheLedger registers an attestor and has the ledger accept its
// signed receipts, one alone and three in a batch, refuse a replay and a
// forgery, and prove a batch member's inclusion.
func (p *process) receiptsOnTheLedger(t *testing.T) {
	ctx := t.Context()
	op, platform, reg := p.as(p.operator), p.as(p.platform), p.as(p.regulator)
	p.attestor = attesttest.NewAttestorFromSeed("e2e-" + p.run)
	at, err := platform.RegisterAttestor(ctx, ledger.AttestorRequest{Address: p.attestor.Address(), Name: "TEE " + p.run})
	ok(t, err, "register attestor %s", p.attestor.Address())
	p.emitted(t, "attestor.registered", at.Address, at.Created)
	g, err := reg.GetGrant(ctx, p.grant)
	ok(t, err, "get grant %s", p.grant)
	used := secondAfter(at.Created.Time, g.Updated.Time, p.agreementInForce)

	first := p.receipt(p.statement(p.id("r1"), 5, used))
	r, err := op.SubmitReceipt(ctx, first)
	ok(t, err, "submit receipt %s", first.Statement.ReceiptID)
	p.emitted(t, "receipt.accepted", r.ID, r.Recorded)
	p.receipts = append(p.receipts, r.ID)
	if got, err := p.as(p.health).GetReceipt(ctx, r.ID); err != nil || got.Attestor != p.attestor.Address() || got.Records != 5 {
		t.Errorf("receipt %s read by %s: got %+v (%v), want 5 records signed by %s", r.ID, p.health, got, err, p.attestor.Address())
	}

	t.Run("replay", func(t *testing.T) {
		_, err := op.SubmitReceipt(ctx, first)
		wantErr(t, "the same receipt again", err, client.ErrConflict, "replay")
	})
	t.Run("forged signature", func(t *testing.T) {
		s := p.statement(p.id("r-forged"), 5, used)
		forged := p.receipt(s)
		forged.Statement.Records = 500
		_, err := op.SubmitReceipt(ctx, forged)
		wantErr(t, "a receipt whose statement was changed after signing", err, client.ErrRefused, "forged signature")
	})

	t.Run("batch and inclusion proofs", func(t *testing.T) {
		req := ledger.BatchRequest{ID: p.id("batch")}
		var stmts []attest.Statement
		var leaves [][32]byte
		for _, n := range []string{"r2", "r3", "r4"} {
			s := p.statement(p.id(n), 10, used)
			stmts = append(stmts, s)
			leaves = append(leaves, s.Digest())
			req.Receipts = append(req.Receipts, p.receipt(s))
		}
		b, err := platform.SubmitReceiptBatch(ctx, req)
		ok(t, err, "submit batch %s", req.ID)
		p.emitted(t, "batch.accepted", b.ID, b.Created)
		p.receipts = append(p.receipts, stmts[0].ReceiptID)
		root, err := attest.MerkleRoot(leaves)
		ok(t, err, "merkle root")
		want := []ledger.GrantTotal{{GrantID: p.grant, Records: 30, Calls: 3}}
		if b.Count != 3 || b.Root != attest.HexDigest(root) || !slices.Equal(b.Totals, want) {
			t.Errorf("batch: got count %d root %s totals %+v, want 3, %s, %+v", b.Count, b.Root, b.Totals, attest.HexDigest(root), want)
		}
		for i, s := range stmts {
			proof, err := attest.MerkleProof(leaves, i)
			ok(t, err, "proof of leaf %d", i)
			res, err := p.as(p.market).VerifyReceiptProof(ctx, ledger.ProofRequest{BatchID: b.ID, Statement: s, Proof: proof})
			ok(t, err, "verify proof of %s", s.ReceiptID)
			if !res.Valid || res.Index != i || res.Root != b.Root || res.ReceiptID != s.ReceiptID {
				t.Errorf("proof of %s: got %+v, want valid at index %d under %s", s.ReceiptID, res, i, b.Root)
			}
		}
		tampered := stmts[1]
		tampered.Records = 1
		proof, _ := attest.MerkleProof(leaves, 1)
		res, err := p.as(p.market).VerifyReceiptProof(ctx, ledger.ProofRequest{BatchID: b.ID, Statement: tampered, Proof: proof})
		ok(t, err, "verify proof of a tampered statement")
		if res.Valid || res.Reason == "" {
			t.Errorf("proof of a tampered statement: got %+v, want invalid with a reason", res)
		}
	})

	u, err := op.GetGrantUsage(ctx, p.grant)
	ok(t, err, "usage of %s", p.grant)
	if u.Records != 35 || u.Calls != 4 {
		t.Errorf("usage of %s: got %d records in %d calls, want 35 in 4", p.grant, u.Records, u.Calls)
	}
}

// pagesAndDisclosure pages through the run's receipts two at a time, and
// finds the run's grant, agreement and operator in the public disclosure
// lists, which grow with every run on the same ledger.
func (p *process) pagesAndDisclosure(t *testing.T) {
	ctx := t.Context()
	t.Run("receipts two at a time", func(t *testing.T) {
		var got []string
		q := ledger.Query{By: "grant", Value: p.grant, PageSize: 2}
		for pages := 1; ; pages++ {
			page, err := p.as(p.operator).QueryReceipts(ctx, q)
			ok(t, err, "query receipts of %s, page %d", p.grant, pages)
			if len(page.Items) > 2 {
				t.Fatalf("page %d: got %d receipts, want at most 2", pages, len(page.Items))
			}
			for _, r := range page.Items {
				got = append(got, r.ID)
			}
			if page.Bookmark == "" {
				break
			}
			if pages > 10 {
				t.Fatalf("still a bookmark after %d pages", pages)
			}
			q.Bookmark = page.Bookmark
		}
		want := []string{p.id("r1"), p.id("r2"), p.id("r3"), p.id("r4")}
		if !slices.Equal(got, want) {
			t.Errorf("receipts of %s: got %v, want %v in key order", p.grant, got, want)
		}
	})
	public := p.as(p.market)
	t.Run("grants in force", func(t *testing.T) {
		g := findInPages(t, "disclosed grants", func(q ledger.Query) ([]ledger.GrantSummary, string, error) {
			page, err := public.DisclosedGrants(ctx, q)
			if err != nil {
				return nil, "", err
			}
			return page.Items, page.Bookmark, nil
		}, func(g ledger.GrantSummary) bool { return g.ID == p.grant })
		if g.Holder != p.operator || g.Status != ledger.GrantActive || !sameSet(g.Datasets, []string{p.visits, p.loans}) {
			t.Errorf("disclosed grant: got %+v, want %s held by %s over %s and %s", g, p.grant, p.operator, p.visits, p.loans)
		}
	})
	t.Run("agreements in force", func(t *testing.T) {
		a := findInPages(t, "disclosed agreements", func(q ledger.Query) ([]ledger.AgreementSummary, string, error) {
			page, err := public.DisclosedAgreements(ctx, q)
			if err != nil {
				return nil, "", err
			}
			return page.Items, page.Bookmark, nil
		}, func(a ledger.AgreementSummary) bool { return a.ID == p.agreement })
		if a.GrantID != p.grant || !a.InForceFrom.Equal(p.agreementInForce) {
			t.Errorf("disclosed agreement: got %+v, want grant %s in force from %v", a, p.grant, p.agreementInForce)
		}
	})
	t.Run("operators", func(t *testing.T) {
		o := findInPages(t, "disclosed operators", func(q ledger.Query) ([]ledger.OperatorDisclosure, string, error) {
			page, err := public.DisclosedOperators(ctx, q)
			if err != nil {
				return nil, "", err
			}
			return page.Items, page.Bookmark, nil
		}, func(o ledger.OperatorDisclosure) bool { return o.MSP == p.operator })
		if !slices.Contains(o.Grants, p.grant) || !slices.Contains(o.Scenarios, "inclusive-credit") {
			t.Errorf("disclosed operator: got %+v, want grant %s and its scenario among those in force", o, p.grant)
		}
	})
}

// findInPages pages through a list, 100 at a time, until match holds.
func findInPages[T any](t *testing.T, what string, fetch func(ledger.Query) ([]T, string, error), match func(T) bool) T {
	t.Helper()
	q := ledger.Query{PageSize: 100}
	for {
		items, bookmark, err := fetch(q)
		ok(t, err, "%s", what)
		for _, it := range items {
			if match(it) {
				return it
			}
		}
		if bookmark == "" {
			var zero T
			t.Fatalf("%s: not found in any page", what)
			return zero
		}
		q.Bookmark = bookmark
	}
}

// productsAndProvenance registers a product built from the grant and its
// receipts, takes it through review with the individual expert's and the
// platform's opinions to its listing with the exchange's registration
// number, follows its provenance back to the providers, then revokes the
// grant: the product is marked and delisted, cannot be listed again, and no
// further use of the grant is accepted.
func (p *process) productsAndProvenance(t *testing.T) {
	ctx := t.Context()
	auth, op, reg := p.as(p.authority), p.as(p.operator), p.as(p.regulator)
	p.product = p.id("prod")
	pr, err := op.RegisterProduct(ctx, ledger.ProductRequest{
		ID: p.product, Type: ledger.ProductModel, Name: "SME credit model",
		DescriptionDigest: lt.Digest("model card " + p.run), Grants: []string{p.grant}, Receipts: p.receipts,
	})
	ok(t, err, "register product %s", p.product)
	p.emitted(t, "product.registered", pr.ID, pr.Created)
	productTx := pr.Created.TxID
	pr, err = op.SubmitProduct(ctx, p.product)
	ok(t, err, "submit product %s", p.product)
	p.emitted(t, "product.in-review", pr.ID, pr.Updated)
	_, err = p.expert.DecideProduct(ctx, ledger.ProductDecision{ID: p.product, Approve: true})
	wantErr(t, "the authority's expert approves a product", err, client.ErrForbidden, "only the authority decides")
	_, err = auth.DecideProduct(ctx, ledger.ProductDecision{ID: p.product, Approve: true})
	wantErr(t, "approve a product without opinions", err, client.ErrRefused, "no expert opinion")

	p.opinion(t, p.expert, p.authority, ledger.RoleExpert, p.id("op-expert"))
	p.opinion(t, p.as(p.platform), p.platform, ledger.RolePlatform, p.id("op-platform"))
	pr, err = auth.DecideProduct(ctx, ledger.ProductDecision{ID: p.product, Approve: true})
	ok(t, err, "approve product %s", p.product)
	p.emitted(t, "product.approved", pr.ID, pr.Updated)
	registration := "HZDE-" + p.run
	pr, err = op.ListProduct(ctx, p.product, registration)
	ok(t, err, "list product %s", p.product)
	p.emitted(t, "product.listed", pr.ID, pr.Updated)
	if s, found := p.disclosedProduct(t); !found || s.RegistrationNo != registration || s.Owner != p.operator {
		t.Fatalf("disclosed product %s: got %+v (found %t), want it listed by %s under %s", p.product, s, found, p.operator, registration)
	}

	t.Run("provenance", func(t *testing.T) {
		prov, err := reg.GetProvenance(ctx, p.product)
		ok(t, err, "provenance of %s", p.product)
		if prov.Product.ID != p.product || prov.Product.TxID != productTx || prov.Product.Party != p.operator {
			t.Errorf("provenance product: got %+v, want %s by %s in tx %s", prov.Product, p.product, p.operator, productTx)
		}
		if got := ids(prov.Receipts); !sameSet(got, p.receipts) {
			t.Errorf("provenance receipts: got %v, want %v", got, p.receipts)
		}
		for _, r := range prov.Receipts {
			if r.Party != p.attestor.Address() || !slices.Equal(r.From, []string{p.grant}) {
				t.Errorf("provenance receipt %s: got signer %s from %v, want %s from %s", r.ID, r.Party, r.From, p.attestor.Address(), p.grant)
			}
		}
		if len(prov.Grants) != 1 || prov.Grants[0].ID != p.grant || prov.Grants[0].TxID != p.grantTx || !sameSet(prov.Grants[0].From, []string{p.visits, p.loans}) {
			t.Errorf("provenance grants: got %+v, want %s issued in tx %s from %s and %s", prov.Grants, p.grant, p.grantTx, p.visits, p.loans)
		}
		if got := ids(prov.Datasets); !sameSet(got, []string{p.visits, p.loans}) {
			t.Errorf("provenance datasets: got %v, want %s and %s", got, p.visits, p.loans)
		}
		for _, d := range prov.Datasets {
			if d.TxID != p.datasetTx[d.ID] || d.LastTxID == "" {
				t.Errorf("provenance dataset %s: got created in %q, last changed in %q, want created in %s", d.ID, d.TxID, d.LastTxID, p.datasetTx[d.ID])
			}
		}
		if got := ids(prov.Providers); !sameSet(got, []string{p.health, p.market}) {
			t.Errorf("provenance providers: got %v, want %s and %s", got, p.health, p.market)
		}
		for _, pv := range prov.Providers {
			registered, err := reg.GetParticipant(ctx, pv.ID)
			ok(t, err, "get participant %s", pv.ID)
			if pv.TxID == "" || pv.TxID != registered.Created.TxID {
				t.Errorf("provenance provider %s: got tx %q, want its registration %s", pv.ID, pv.TxID, registered.Created.TxID)
			}
		}
	})

	t.Run("revocation marks the product and stops use", func(t *testing.T) {
		g, err := auth.RevokeGrant(ctx, p.grant, "breach of agreement")
		ok(t, err, "revoke grant %s", p.grant)
		p.emitted(t, "grant.revoked", g.ID, g.Updated, ledger.EventRef{Type: "product", ID: p.product, Change: "marked:" + string(ledger.ProductDelisted)})
		pr, err := reg.GetProduct(ctx, p.product)
		ok(t, err, "get product %s", p.product)
		if pr.Status != ledger.ProductDelisted || len(pr.Marks) != 1 || pr.Marks[0].GrantID != p.grant || pr.Marks[0].Change != ledger.GrantRevoked ||
			pr.Marks[0].Reason != "breach of agreement" || pr.Marks[0].Cleared.TxID != "" {
			t.Errorf("product after the revocation: got %s with marks %+v, want it delisted with an uncleared mark of the revocation of %s", pr.Status, pr.Marks, p.grant)
		}
		if s, found := p.disclosedProduct(t); found {
			t.Errorf("disclosed products after the revocation: got %+v, want %s no longer listed", s, p.product)
		}
		_, err = op.ListProduct(ctx, p.product, "")
		wantErr(t, "list the marked product again", err, client.ErrRefused, "marked")
		late := p.receipt(p.statement(p.id("r-late"), 1, secondAfter(g.Updated.Time)))
		_, err = op.SubmitReceipt(ctx, late)
		wantErr(t, "a receipt of a use after the revocation", err, client.ErrRefused, p.grant)
	})
}

// opinion records an opinion recommending approval of the run's product
// through c, whose identity is of the MSP msp and acts in role.
func (p *process) opinion(t *testing.T, c *client.Client, msp string, role ledger.Role, id string) {
	t.Helper()
	o, err := c.RecordOpinion(t.Context(), ledger.OpinionRequest{
		ID: id, SubjectType: ledger.SubjectProduct, SubjectID: p.product, Recommendation: ledger.RecommendApprove, Digest: lt.Digest("opinion " + id),
	})
	ok(t, err, "%s records opinion %s", msp, id)
	if o.Author != msp || o.AuthorRole != role || o.AuthorClient != o.Created.Client {
		t.Errorf("opinion %s: got author %s %q as %s, want %s as %s and the identity that recorded it", id, o.Author, o.AuthorClient, o.AuthorRole, msp, role)
	}
	p.emitted(t, "opinion.recorded", o.ID, o.Created)
}

// disclosedProduct looks for the run's product in the public list of
// listed products.
func (p *process) disclosedProduct(t *testing.T) (ledger.ProductSummary, bool) {
	t.Helper()
	q := ledger.Query{PageSize: 100}
	for {
		page, err := p.as(p.health).DisclosedProducts(t.Context(), q)
		ok(t, err, "disclosed products")
		for _, s := range page.Items {
			if s.ID == p.product {
				return s, true
			}
		}
		if page.Bookmark == "" {
			return ledger.ProductSummary{}, false
		}
		q.Bookmark = page.Bookmark
	}
}

// eventsInOrder reads the contract's chaincode events from the block before
// the run's first transaction: every transaction the run committed emitted
// its one event, named <type>.<change>, in commit order; the transactions
// validation refused emitted none.
func (p *process) eventsInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	events, err := p.as(p.regulator).Network().ChaincodeEvents(ctx, shared.profile.Chaincode, gateway.WithStartBlock(p.startBlock))
	ok(t, err, "chaincode events from block %d", p.startBlock)
	mine := map[string]bool{}
	for _, e := range p.committed {
		mine[e.TxID] = true
	}
	var got []emitted
	for len(got) < len(p.committed) {
		var ev *gateway.ChaincodeEvent
		select {
		case e, open := <-events:
			if !open {
				t.Fatalf("event stream ended after %d of the run's %d events", len(got), len(p.committed))
			}
			ev = e
		case <-ctx.Done():
			t.Fatalf("got %d of the run's %d events before %v; the first missing: %+v", len(got), len(p.committed), ctx.Err(), p.committed[len(got)])
		}
		if slices.Contains(p.invalid, ev.TransactionID) {
			t.Errorf("event %s of the invalidated transaction %s was delivered", ev.EventName, ev.TransactionID)
		}
		if !mine[ev.TransactionID] {
			continue
		}
		var payload ledger.Event
		if err := json.Unmarshal(ev.Payload, &payload); err != nil {
			t.Fatalf("event %s of %s: payload %q: %v", ev.EventName, ev.TransactionID, ev.Payload, err)
		}
		if ev.EventName != payload.Type+"."+payload.Change || payload.TxID != ev.TransactionID || payload.Actor == "" {
			t.Errorf("event %s of %s: got payload %+v, want type.change = name, its tx ID and an actor", ev.EventName, ev.TransactionID, payload)
		}
		got = append(got, emitted{Name: ev.EventName, ID: payload.ID, TxID: ev.TransactionID, Related: payload.Related})
	}
	for i, want := range p.committed {
		g := got[i]
		if g.Name != want.Name || g.ID != want.ID || g.TxID != want.TxID {
			t.Errorf("event %d: got %s %s in %s, want %s %s in %s", i, g.Name, g.ID, g.TxID, want.Name, want.ID, want.TxID)
			continue
		}
		for _, r := range want.Related {
			if !slices.Contains(g.Related, r) {
				t.Errorf("event %d (%s %s): got related %+v, want %+v among them", i, g.Name, g.ID, g.Related, r)
			}
		}
	}
	t.Logf("%d events of the run in commit order; %d invalidated transactions emitted none", len(got), len(p.invalid))
}

func ids(steps []ledger.ProvenanceStep) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.ID
	}
	return out
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
