//go:build e2e

package e2e

import (
	"net/http"
	"slices"
	"testing"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// Usage receipts: the platform registers its trusted environment's
// attestor, whose signed statements of use the ledger accepts alone and
// in batches with inclusion proofs, counting them against the grant's
// quota; replays and forgeries are refused.

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
	p.usable = secondAfter(at.Created.Time, g.Updated.Time, p.agreementInForce)

	first := p.receipt(p.statement(p.id("r1"), 5))
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
		s := p.statement(p.id("r-forged"), 5)
		forged := p.receipt(s)
		forged.Statement.Records = 500
		_, err := op.SubmitReceipt(ctx, forged)
		wantErr(t, "a receipt whose statement was changed after signing", err, client.ErrRefused, "forged signature")
	})

	t.Run("batch and inclusion proofs", p.batchAndInclusionProofs)

	u, err := op.GetGrantUsage(ctx, p.grant)
	ok(t, err, "usage of %s", p.grant)
	if u.Records != 35 || u.Calls != 4 {
		t.Errorf("usage of %s: got %d records in %d calls, want 35 in 4", p.grant, u.Records, u.Calls)
	}
}

// batchAndInclusionProofs has the platform submit three receipts in a
// batch, whose totals and Merkle root the ledger records, and a provider
// verify each member's inclusion proof, and refuse a tampered statement's.
func (p *process) batchAndInclusionProofs(t *testing.T) {
	ctx := t.Context()
	req := ledger.BatchRequest{ID: p.id("batch")}
	var stmts []attest.Statement
	var leaves [][32]byte
	for _, n := range []string{"r2", "r3", "r4"} {
		s := p.statement(p.id(n), 10)
		stmts = append(stmts, s)
		leaves = append(leaves, s.Digest())
		req.Receipts = append(req.Receipts, p.receipt(s))
	}
	b, err := p.as(p.platform).SubmitReceiptBatch(ctx, req)
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
}

// registerAttestor has the platform register the run's attestor, a
// trusted environment whose key is derived from the run.
func (p *apiProcess) registerAttestor(t *testing.T) {
	t.Helper()
	p.attestor = attesttest.NewAttestorFromSeed("api-e2e-" + p.run)
	var at ledger.Attestor
	p.write(t, p.platform, apiRequest{method: http.MethodPost, path: "/v1/attestors",
		body: obj{"address": p.attestor.Address(), "name": "TEE " + p.run}}, http.StatusCreated, "attestor.registered", &at)
	if at.Address != p.attestor.Address() || at.Status != ledger.AttestorActive || at.Platform != p.platform.msp {
		t.Fatalf("registered attestor: got %+v, want %s active, of %s", at, p.attestor.Address(), p.platform.msp)
	}
	p.usable = secondAfter(p.usable, at.Created.Time)
}

// receiptsThroughAPI registers an attestor; the operator submits one
// signed receipt and the platform a batch of three, whose inclusion
// proofs the regulator obtains and anyone verifies through the API.
func (p *apiProcess) receiptsThroughAPI(t *testing.T) {
	p.registerAttestor(t)
	first := p.statement(p.id("r1"), 5)
	var r ledger.Receipt
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(first)}, http.StatusCreated, "receipt.accepted", &r)
	if r.ID != first.ReceiptID || r.GrantID != p.grant || r.Attestor != p.attestor.Address() || r.Records != 5 {
		t.Errorf("accepted receipt: got %+v, want %s of 5 records under %s signed by %s", r, first.ReceiptID, p.grant, p.attestor.Address())
	}
	p.receipts = append(p.receipts, r.ID)
	// A provider in scope reads the receipts of its data.
	p.get(t, p.health, "/v1/receipts/"+r.ID, &r)

	var stmts []attest.Statement
	var leaves [][32]byte
	var receipts []obj
	for _, n := range []string{"r2", "r3", "r4"} {
		s := p.statement(p.id(n), 10)
		stmts = append(stmts, s)
		leaves = append(leaves, s.Digest())
		receipts = append(receipts, p.receiptBody(s))
	}
	batchID := p.id("batch")
	var b ledger.Batch
	p.write(t, p.platform, apiRequest{method: http.MethodPost, path: "/v1/batches", body: obj{"id": batchID, "receipts": receipts}},
		http.StatusCreated, "batch.accepted", &b)
	p.receipts = append(p.receipts, stmts[0].ReceiptID)
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		t.Fatalf("merkle root: %v", err)
	}
	want := []ledger.GrantTotal{{GrantID: p.grant, Records: 30, Calls: 3}}
	if b.ID != batchID || b.Count != 3 || b.Root != attest.HexDigest(root) || !slices.Equal(b.Totals, want) {
		t.Errorf("batch: got %s of %d, root %s, totals %+v; want %s of 3, root %s, totals %+v", b.ID, b.Count, b.Root, b.Totals, batchID, attest.HexDigest(root), want)
	}

	t.Run("inclusion proof", func(t *testing.T) {
		var proof api.ReceiptProof
		p.get(t, p.regulator, "/v1/receipts/"+stmts[1].ReceiptID+"/proof", &proof)
		wantSteps, err := attest.MerkleProof(leaves, 1)
		if err != nil {
			t.Fatalf("merkle proof: %v", err)
		}
		if proof.BatchID != batchID || proof.Index != 1 || proof.Root != b.Root || proof.Leaf != attest.HexDigest(leaves[1]) || !slices.Equal(proof.Proof, wantSteps) {
			t.Errorf("proof of %s: got %+v, want index 1 of %s under %s along %+v", stmts[1].ReceiptID, proof, batchID, b.Root, wantSteps)
		}
		var res ledger.ProofResult
		p.market.do(t, apiRequest{method: http.MethodPost, path: "/v1/batches/" + batchID + "/verify",
			body: obj{"statement": stmts[1], "proof": proof.Proof}}).want(t, http.StatusOK, &res)
		if !res.Valid || res.Index != 1 || res.Root != b.Root || res.ReceiptID != stmts[1].ReceiptID {
			t.Errorf("verify the proof of %s: got %+v, want valid at index 1 under %s", stmts[1].ReceiptID, res, b.Root)
		}
		tampered := stmts[1]
		tampered.Records = 1
		p.market.do(t, apiRequest{method: http.MethodPost, path: "/v1/batches/" + batchID + "/verify",
			body: obj{"statement": tampered, "proof": proof.Proof}}).want(t, http.StatusOK, &res)
		if res.Valid || res.Reason == "" {
			t.Errorf("verify the proof of a tampered statement: got %+v, want invalid with a reason", res)
		}
		// A receipt accepted alone has no proof: its statement and
		// signature are on record.
		a := p.regulator.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + first.ReceiptID + "/proof"})
		wantAPIError(t, a, http.StatusConflict, "conflict", "", "not in a batch")
	})

	var u ledger.Usage
	p.get(t, p.operator, "/v1/grants/"+p.grant+"/usage", &u)
	if u.Records != 35 || u.Calls != 4 {
		t.Errorf("usage of %s: got %d records in %d calls, want 35 in 4", p.grant, u.Records, u.Calls)
	}
}
