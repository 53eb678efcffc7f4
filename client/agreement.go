package client

// Agreements (协议) between the authority and the operator of a grant.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// ProposeAgreement records the agreement the authority proposes for a first-level grant.
func (c *Client) ProposeAgreement(ctx context.Context, req ledger.AgreementRequest) (*ledger.Agreement, error) {
	return submitJSON[ledger.Agreement](ctx, c, "ProposeAgreement", req)
}

// SignAgreement records the caller's signature of an agreement.
func (c *Client) SignAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return submitArgs[ledger.Agreement](ctx, c, "SignAgreement", id)
}

// GetAgreement returns an agreement as of now.
func (c *Client) GetAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return evaluateArgs[ledger.Agreement](ctx, c, "GetAgreement", id)
}

// QueryAgreements pages through the agreements visible to the caller.
func (c *Client) QueryAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementPage, error) {
	return evaluateJSON[ledger.AgreementPage](ctx, c, "QueryAgreements", q)
}

// AttachAgreementText records the digest of an agreement's text in its
// operator's private collection (transient data), before anyone signs.
// Like AttachApplicationDocuments, it reads the agreement back with its text.
func (c *Client) AttachAgreementText(ctx context.Context, id string, req ledger.AgreementTextRequest) (*ledger.Agreement, error) {
	if err := c.attach(ctx, "AttachAgreementText", req, id); err != nil {
		return nil, err
	}
	return c.GetAgreement(ctx, id)
}
