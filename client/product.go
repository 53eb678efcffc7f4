package client

// Products (数据产品和服务): registration, review, listing and delisting.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// RegisterProduct registers a data product or service as a draft.
func (c *Client) RegisterProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return submitJSON[ledger.Product](ctx, c, "RegisterProduct", req)
}

// UpdateProduct replaces a draft product's description and lineage.
func (c *Client) UpdateProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return submitJSON[ledger.Product](ctx, c, "UpdateProduct", req)
}

// SubmitProduct sends a draft product to review. Caller: its owner.
func (c *Client) SubmitProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "SubmitProduct", id)
}

// DecideProduct approves a product in review or returns it to draft. Caller: the authority.
func (c *Client) DecideProduct(ctx context.Context, req ledger.ProductDecision) (*ledger.Product, error) {
	return submitJSON[ledger.Product](ctx, c, "DecideProduct", req)
}

// RequestListing asks the data exchange to list an approved or delisted
// product. Caller: its owner.
func (c *Client) RequestListing(ctx context.Context, id string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "RequestListing", id)
}

// ConfirmListing lists a product under the registration number the
// exchange issues. Caller: a data exchange.
func (c *Client) ConfirmListing(ctx context.Context, id, registrationNo string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "ConfirmListing", id, registrationNo)
}

// RejectListing declines to list a product, with the reason. Caller: a
// data exchange.
func (c *Client) RejectListing(ctx context.Context, id, reason string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "RejectListing", id, reason)
}

// DelistProduct takes a listed product off the market. Caller: its owner,
// the authority or a data exchange.
func (c *Client) DelistProduct(ctx context.Context, id string, reason string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "DelistProduct", id, reason)
}

// GetProduct returns a product to those who may read it.
func (c *Client) GetProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return evaluateArgs[ledger.Product](ctx, c, "GetProduct", id)
}

// QueryProducts pages through the products visible to the caller.
func (c *Client) QueryProducts(ctx context.Context, q ledger.Query) (*ledger.ProductPage, error) {
	return evaluateJSON[ledger.ProductPage](ctx, c, "QueryProducts", q)
}
