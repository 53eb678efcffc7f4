package client

// Applications (申请): an operator's application, with one scenario, under a call.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// SubmitApplication files an application under an open call.
func (c *Client) SubmitApplication(ctx context.Context, req ledger.ApplicationRequest) (*ledger.Application, error) {
	return submitJSON[ledger.Application](ctx, c, "SubmitApplication", req)
}

// WithdrawApplication withdraws an application before it is granted.
func (c *Client) WithdrawApplication(ctx context.Context, id string, reason string) (*ledger.Application, error) {
	return submitArgs[ledger.Application](ctx, c, "WithdrawApplication", id, reason)
}

// GetApplication returns an application to those who may read it.
func (c *Client) GetApplication(ctx context.Context, id string) (*ledger.Application, error) {
	return evaluateArgs[ledger.Application](ctx, c, "GetApplication", id)
}

// QueryApplications pages through the applications visible to the caller.
func (c *Client) QueryApplications(ctx context.Context, q ledger.Query) (*ledger.ApplicationPage, error) {
	return evaluateJSON[ledger.ApplicationPage](ctx, c, "QueryApplications", q)
}

// AttachApplicationDocuments records the digests of an application's
// emergency plan and security documents in its operator's private
// collection. The request travels as transient data, so only the
// collection's organisations see it.
// The transaction answers the public record only (its result is in the
// block every member receives); the application with its documents is read
// back from this organisation's peer.
func (c *Client) AttachApplicationDocuments(ctx context.Context, id string, req ledger.ApplicationDocumentsRequest) (*ledger.Application, error) {
	if err := c.attach(ctx, "AttachApplicationDocuments", req, id); err != nil {
		return nil, err
	}
	return c.GetApplication(ctx, id)
}
