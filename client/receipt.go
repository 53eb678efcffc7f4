package client

// Usage receipts (用数凭证): one by one or in batches with a Merkle root, and
// inclusion proofs of a receipt in its batch.

import (
	"context"
	"encoding/json"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/grantledger/grantledger/ledger"
)

// SubmitReceipt records one signed usage receipt. A receipt ID is accepted once: resubmitting a recorded receipt fails with ErrConflict.
func (c *Client) SubmitReceipt(ctx context.Context, req ledger.ReceiptRequest) (*ledger.Receipt, error) {
	return submitJSON[ledger.Receipt](ctx, c, "SubmitReceipt", req)
}

// SubmitReceipts records receipts together in one transaction, each whole
// (as SubmitReceipt records it) and each with its own outcome: a refused
// receipt does not sink the others. When the endorsed result accepts none,
// nothing is ordered: the refusals are the answer, as they would be for
// receipts submitted alone.
func (c *Client) SubmitReceipts(ctx context.Context, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
	const name = "SubmitReceipts"
	arg, err := encodeRequest(name, req)
	if err != nil {
		return nil, err
	}
	raw, err := c.submitUnless(ctx, name, acceptsNone, gateway.WithArguments(arg))
	if err != nil {
		return nil, err
	}
	return decodeResult[ledger.ReceiptsResult](name, raw)
}

// acceptsNone reports whether an endorsed SubmitReceipts result accepted no
// receipt. A result that does not decode is ordered as usual, so that
// decodeResult reports it.
func acceptsNone(result []byte) bool {
	var res ledger.ReceiptsResult
	return json.Unmarshal(result, &res) == nil && len(res.Outcomes) > 0 && len(res.Receipts) == 0
}

// SubmitReceiptBatch records many receipts in one transaction, each with
// its outcome (accepted into the batch's Merkle tree, or refused with the
// contract's reason). The same request sent again under the same batch ID
// is answered with the batch as recorded. A batch that accepts none is
// answered with its outcomes and not ordered: the contract records nothing
// for it. The request travels as transient data: the endorsers read it, the
// block does not carry it (the contract's SubmitReceiptBatch says why).
func (c *Client) SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error) {
	const name = "SubmitReceiptBatch"
	arg, err := encodeRequest(name, req)
	if err != nil {
		return nil, err
	}
	raw, err := c.submitUnless(ctx, name, batchAcceptsNone, gateway.WithTransient(map[string][]byte{"request": []byte(arg)}))
	if err != nil {
		return nil, err
	}
	return decodeResult[ledger.Batch](name, raw)
}

// batchAcceptsNone reports whether an endorsed SubmitReceiptBatch result
// accepted no receipt (and so wrote nothing).
func batchAcceptsNone(result []byte) bool {
	var b ledger.Batch
	return json.Unmarshal(result, &b) == nil && len(b.Outcomes) > 0 && b.Count == 0
}

// GetReceipt returns a receipt to those who may read it.
func (c *Client) GetReceipt(ctx context.Context, id string) (*ledger.Receipt, error) {
	return evaluateArgs[ledger.Receipt](ctx, c, "GetReceipt", id)
}

// QueryReceipts pages through the receipts visible to the caller by grant or batch.
func (c *Client) QueryReceipts(ctx context.Context, q ledger.Query) (*ledger.ReceiptPage, error) {
	return evaluateJSON[ledger.ReceiptPage](ctx, c, "QueryReceipts", q)
}

// GetReceiptBatch returns a batch to those who may read it.
func (c *Client) GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error) {
	return evaluateArgs[ledger.Batch](ctx, c, "GetReceiptBatch", id)
}

// VerifyReceiptProof checks a Merkle inclusion proof of a statement in a batch.
func (c *Client) VerifyReceiptProof(ctx context.Context, req ledger.ProofRequest) (*ledger.ProofResult, error) {
	return evaluateJSON[ledger.ProofResult](ctx, c, "VerifyReceiptProof", req)
}
