package client

// Data requests (公共数据需求申请): a grant's holder asks for more (an
// amendment the providers concerned consent to and the authority
// approves), or a developer asks a grant's holder for a sub-grant.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// SubmitDataRequest submits a data request; the caller is its requester.
func (c *Client) SubmitDataRequest(ctx context.Context, req ledger.DataRequestSubmission) (*ledger.DataRequest, error) {
	return submitJSON[ledger.DataRequest](ctx, c, "SubmitDataRequest", req)
}

// ConsentDataRequest records the calling provider's consent to an amendment.
func (c *Client) ConsentDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error) {
	return submitArgs[ledger.DataRequest](ctx, c, "ConsentDataRequest", id)
}

// RefuseDataRequest refuses an amendment with a reason (the authority, or
// a provider asked to consent).
func (c *Client) RefuseDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error) {
	return submitArgs[ledger.DataRequest](ctx, c, "RefuseDataRequest", id, reason)
}

// ApproveDataRequest approves a consented amendment; the grant's next
// version is written in the same transaction.
func (c *Client) ApproveDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error) {
	return submitArgs[ledger.DataRequest](ctx, c, "ApproveDataRequest", id)
}

// WithdrawDataRequest withdraws the caller's undecided request.
func (c *Client) WithdrawDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error) {
	return submitArgs[ledger.DataRequest](ctx, c, "WithdrawDataRequest", id, reason)
}

// DeclineDataRequest declines a developer's sub-grant request with a reason.
func (c *Client) DeclineDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error) {
	return submitArgs[ledger.DataRequest](ctx, c, "DeclineDataRequest", id, reason)
}

// GetDataRequest returns a data request the caller may read.
func (c *Client) GetDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error) {
	return evaluateArgs[ledger.DataRequest](ctx, c, "GetDataRequest", id)
}

// QueryDataRequests pages through the data requests the caller may read
// by grant, requester, holder, kind or status.
func (c *Client) QueryDataRequests(ctx context.Context, q ledger.Query) (*ledger.DataRequestPage, error) {
	return evaluateJSON[ledger.DataRequestPage](ctx, c, "QueryDataRequests", q)
}
