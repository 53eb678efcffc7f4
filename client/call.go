package client

// Calls (通告): the authority's calls for operators.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// PublishCall publishes a call for operators. Caller: the authority.
func (c *Client) PublishCall(ctx context.Context, req ledger.CallRequest) (*ledger.Call, error) {
	return submitJSON[ledger.Call](ctx, c, "PublishCall", req)
}

// CancelCall cancels a call before it closes. Caller: the authority.
func (c *Client) CancelCall(ctx context.Context, id string, reason string) (*ledger.Call, error) {
	return submitArgs[ledger.Call](ctx, c, "CancelCall", id, reason)
}

// GetCall returns a call.
func (c *Client) GetCall(ctx context.Context, id string) (*ledger.Call, error) {
	return evaluateArgs[ledger.Call](ctx, c, "GetCall", id)
}

// QueryCalls pages through calls by status.
func (c *Client) QueryCalls(ctx context.Context, q ledger.Query) (*ledger.CallPage, error) {
	return evaluateJSON[ledger.CallPage](ctx, c, "QueryCalls", q)
}
