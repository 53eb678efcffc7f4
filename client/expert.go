package client

// Experts (专家): individuals of the expert committee, known by their client
// identity, whose opinions inform reviews and product decisions.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// RegisterExpert convenes an individual, known by its client identity (what
// WhoAmI returns to it), as a member of the expert committee; registering a
// retired expert again reactivates it. Caller: the authority.
func (c *Client) RegisterExpert(ctx context.Context, req ledger.ExpertRequest) (*ledger.Expert, error) {
	return submitJSON[ledger.Expert](ctx, c, "RegisterExpert", req)
}

// RetireExpert ends an expert's membership. Caller: the authority.
func (c *Client) RetireExpert(ctx context.Context, client string, reason string) (*ledger.Expert, error) {
	return submitArgs[ledger.Expert](ctx, c, "RetireExpert", client, reason)
}

// GetExpert returns the expert registered under a client identity.
func (c *Client) GetExpert(ctx context.Context, client string) (*ledger.Expert, error) {
	return evaluateArgs[ledger.Expert](ctx, c, "GetExpert", client)
}

// QueryExperts pages through the experts by status or MSP ID.
func (c *Client) QueryExperts(ctx context.Context, q ledger.Query) (*ledger.ExpertPage, error) {
	return evaluateJSON[ledger.ExpertPage](ctx, c, "QueryExperts", q)
}
