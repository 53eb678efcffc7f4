package client

// Usage receipts (用数凭证): one by one or in batches with a Merkle root, and
// inclusion proofs of a receipt in its batch.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// SubmitReceipt records one signed usage receipt. A receipt ID is accepted once: resubmitting a recorded receipt fails with ErrConflict.
func (c *Client) SubmitReceipt(ctx context.Context, req ledger.ReceiptRequest) (*ledger.Receipt, error) {
	return submitJSON[ledger.Receipt](ctx, c, "SubmitReceipt", req)
}

// SubmitReceiptBatch records many receipts in one transaction, all or none.
func (c *Client) SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error) {
	return submitJSON[ledger.Batch](ctx, c, "SubmitReceiptBatch", req)
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
