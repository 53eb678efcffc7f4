package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// datasetUseRequest names a dataset and the fields a use touched.
type datasetUseRequest struct {
	ID     string   `json:"id" binding:"required"`
	Fields []string `json:"fields" binding:"required,min=1,dive,required"`
}

// statementRequest is what an attestor signs: one use of granted data
// (attest.Statement).
type statementRequest struct {
	ReceiptID    string              `json:"receiptId" binding:"required,objectid"`
	GrantID      string              `json:"grantId" binding:"required,objectid"`
	Datasets     []datasetUseRequest `json:"datasets" binding:"required,min=1,dive"`
	Operation    string              `json:"operation" binding:"required"`
	Purpose      string              `json:"purpose" binding:"required"`
	Records      uint64              `json:"records" binding:"required,min=1"`
	InputDigest  string              `json:"inputDigest" binding:"required,digest"`
	OutputDigest string              `json:"outputDigest" binding:"required,digest"`
	Time         int64               `json:"time" binding:"required,min=1"`
}

func (r statementRequest) domain() attest.Statement {
	s := attest.Statement{
		ReceiptID: r.ReceiptID, GrantID: r.GrantID, Operation: r.Operation, Purpose: r.Purpose,
		Records: r.Records, InputDigest: r.InputDigest, OutputDigest: r.OutputDigest, Time: r.Time,
	}
	for _, d := range r.Datasets {
		s.Datasets = append(s.Datasets, attest.DatasetUse{ID: d.ID, Fields: d.Fields})
	}
	return s
}

// receiptRequest submits one signed usage statement (POST /v1/receipts).
type receiptRequest struct {
	Statement statementRequest `json:"statement" binding:"required"`
	// Signature is the attestor's 65-byte signature, 0x + 130 hex characters.
	Signature string `json:"signature" binding:"required,len=132,startswith=0x,hexadecimal"`
}

func (r receiptRequest) domain() ledger.ReceiptRequest {
	return ledger.ReceiptRequest{Statement: r.Statement.domain(), Signature: r.Signature}
}

// batchRequest submits many receipts in one transaction (POST /v1/batches).
type batchRequest struct {
	ID       string           `json:"id" binding:"required,objectid"`
	Receipts []receiptRequest `json:"receipts" binding:"required,min=1,max=500,dive"`
}

// proofStepRequest is one level of a Merkle inclusion proof.
type proofStepRequest struct {
	Hash string `json:"hash" binding:"required,digest"`
	Left bool   `json:"left"`
}

// proofRequest asks whether a statement was accepted in the batch of the
// path (POST /v1/batches/{id}/verify).
type proofRequest struct {
	Statement statementRequest   `json:"statement" binding:"required"`
	Proof     []proofStepRequest `json:"proof" binding:"max=64,dive"`
}

// receipts handles /v1/receipts and /v1/batches: usage receipts (用数凭证),
// alone or in batches, and their inclusion proofs.
type receipts struct {
	group[ReceiptLedger]
	coalescer *receiptCoalescer
}

// submit records one receipt. It goes through the coalescer, with the
// receipts other callers of the same user post for the same grant
// meanwhile, so that concurrent posts on a grant do not fail each other;
// the answer is this receipt's own (201 with it, or its refusal).
func (h receipts) submit(c *gin.Context) error {
	var req receiptRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	r, err := h.coalescer.submit(c.Request.Context(), c.GetString(ctxUser), l, req.domain())
	return h.created(c, "/v1/receipts/"+req.Statement.ReceiptID, r, err)
}

func (h receipts) submitBatch(c *gin.Context) error {
	var req batchRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	b := ledger.BatchRequest{ID: req.ID, Receipts: make([]ledger.ReceiptRequest, len(req.Receipts))}
	for i, r := range req.Receipts {
		b.Receipts[i] = r.domain()
	}
	batch, err := l.SubmitReceiptBatch(c.Request.Context(), b)
	if err == nil && batch.Count == 0 && len(batch.Outcomes) > 0 {
		err = noneAccepted(batch)
	}
	return h.created(c, "/v1/batches/"+req.ID, batch, err)
}

// noneAccepted is the answer to a batch none of whose receipts was
// accepted, which the contract does not record: the refusal of the first
// receipt, of its kind (the status), and the reasons of all, so that the
// caller need not send them one by one to learn them.
func noneAccepted(b *ledger.Batch) error {
	const listed = 10
	var reasons []string
	for i, o := range b.Outcomes {
		if i == listed {
			reasons = append(reasons, fmt.Sprintf("and %d more", len(b.Outcomes)-listed))
			break
		}
		reasons = append(reasons, o.ReceiptID+": "+o.Kind+": "+o.Reason)
	}
	first := b.Outcomes[0].Err()
	return &client.Error{
		Kind: ledger.Kind(first), Op: "SubmitReceiptBatch", Err: first,
		Message: fmt.Sprintf("submit receipt batch %s: no receipt accepted, nothing recorded: %s", b.ID, strings.Join(reasons, "; ")),
	}
}

func (h receipts) verify(c *gin.Context) error {
	var req proofRequest
	l, batch, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	steps := make([]attest.ProofStep, len(req.Proof))
	for i, s := range req.Proof {
		steps[i] = attest.ProofStep{Hash: s.Hash, Left: s.Left}
	}
	res, err := l.VerifyReceiptProof(c.Request.Context(), ledger.ProofRequest{BatchID: batch, Statement: req.Statement.domain(), Proof: steps})
	return h.reply(c, http.StatusOK, res, err)
}

// ReceiptProof is the Merkle inclusion proof of a receipt accepted in a
// batch: Proof leads from Leaf (the statement's digest) to Root, the
// batch's root as the ledger recorded it.
type ReceiptProof struct {
	ReceiptID string             `json:"receiptId"`
	BatchID   string             `json:"batchId"`
	Index     int                `json:"index"`
	Leaf      string             `json:"leaf"`
	Root      string             `json:"root"`
	Proof     []attest.ProofStep `json:"proof"`
}

// proofOf is receiptProof as a ledger call on the receipt's ID, the form
// answerByID takes.
func proofOf(l ReceiptLedger, ctx context.Context, id string) (*ReceiptProof, error) {
	return receiptProof(ctx, l, id)
}

// receiptReader is what receiptProof reads.
type receiptReader interface {
	GetReceipt(ctx context.Context, id string) (*ledger.Receipt, error)
	GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error)
	QueryReceipts(ctx context.Context, q ledger.Query) (*ledger.ReceiptPage, error)
}

// receiptProof builds the inclusion proof of a batched receipt from what
// the ledger recorded: the receipt's batch and place in it, the batch's
// root, and the digests of every receipt of the batch. It needs the caller
// to see every receipt of the batch (the platform, the authority and the
// regulator do; a grant holder does when the batch drew on its grants
// only), and checks that the leaves lead to the recorded root.
func receiptProof(ctx context.Context, l receiptReader, id string) (*ReceiptProof, error) {
	r, err := l.GetReceipt(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.BatchID == "" {
		return nil, fmt.Errorf("%w: receipt %s was accepted alone, not in a batch: its statement and signature are on record (GET /v1/receipts/%s)", client.ErrConflict, id, id)
	}
	b, err := l.GetReceiptBatch(ctx, r.BatchID)
	if err != nil {
		return nil, err
	}
	leaves := make([][32]byte, b.Count)
	seen := make([]bool, b.Count)
	found := 0
	q := ledger.Query{By: "batch", Value: b.ID, PageSize: MaxPageSize}
	for range ledger.MaxBatch/MaxPageSize + 2 {
		page, err := l.QueryReceipts(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, item := range page.Items {
			if item.Index < 0 || item.Index >= b.Count || seen[item.Index] {
				return nil, fmt.Errorf("batch %s: receipt %s has index %d, out of place", b.ID, item.ID, item.Index)
			}
			d, err := attest.ParseDigest(item.Digest)
			if err != nil {
				return nil, fmt.Errorf("batch %s: receipt %s: %w", b.ID, item.ID, err)
			}
			leaves[item.Index], seen[item.Index] = d, true
			found++
		}
		if page.Bookmark == "" {
			break
		}
		q.Bookmark = page.Bookmark
	}
	if found != b.Count {
		return nil, fmt.Errorf("%w: the proof of receipt %s needs all %d receipts of batch %s and %d of them are not visible to %s",
			client.ErrForbidden, id, b.Count, b.ID, b.Count-found, "this identity")
	}
	proof, err := attest.MerkleProof(leaves, r.Index)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", b.ID, err)
	}
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", b.ID, err)
	}
	if attest.HexDigest(root) != b.Root {
		return nil, fmt.Errorf("batch %s: the recorded receipts lead to root %s, not the recorded root %s", b.ID, attest.HexDigest(root), b.Root)
	}
	return &ReceiptProof{
		ReceiptID: r.ID, BatchID: b.ID, Index: r.Index, Leaf: r.Digest, Root: b.Root, Proof: proof,
	}, nil
}
