package client

// Platform usage fees (平台使用费) and benefit sharing (收益分配): fee
// schedules set by the authority, statements computed by the contract and
// settled between the holder and the platform; splits of a product's
// revenue agreed by its parties, and each party's share.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// SetFeeSchedule sets a version of a grant's fee schedule (the authority).
func (c *Client) SetFeeSchedule(ctx context.Context, req ledger.FeeScheduleRequest) (*ledger.FeeSchedule, error) {
	return submitJSON[ledger.FeeSchedule](ctx, c, "SetFeeSchedule", req)
}

// GetFeeSchedule returns a grant's fee schedule the caller may read.
func (c *Client) GetFeeSchedule(ctx context.Context, grantID string) (*ledger.FeeSchedule, error) {
	return evaluateArgs[ledger.FeeSchedule](ctx, c, "GetFeeSchedule", grantID)
}

// RecordFeeStatement has the contract compute and record a grant's fee
// statement for a month that has ended (the platform or the authority).
func (c *Client) RecordFeeStatement(ctx context.Context, req ledger.FeeStatementRequest) (*ledger.FeeStatement, error) {
	return submitJSON[ledger.FeeStatement](ctx, c, "RecordFeeStatement", req)
}

// ConfirmFeePayment confirms a statement was paid (its payee).
func (c *Client) ConfirmFeePayment(ctx context.Context, id, referenceDigest string) (*ledger.FeeStatement, error) {
	return submitArgs[ledger.FeeStatement](ctx, c, "ConfirmFeePayment", id, referenceDigest)
}

// AcknowledgeFeeStatement acknowledges a paid statement (its holder).
func (c *Client) AcknowledgeFeeStatement(ctx context.Context, id string) (*ledger.FeeStatement, error) {
	return submitArgs[ledger.FeeStatement](ctx, c, "AcknowledgeFeeStatement", id)
}

// GetFeeStatement returns a statement the caller may read.
func (c *Client) GetFeeStatement(ctx context.Context, id string) (*ledger.FeeStatement, error) {
	return evaluateArgs[ledger.FeeStatement](ctx, c, "GetFeeStatement", id)
}

// QueryFeeStatements pages through the statements the caller may read by
// grant, period, holder, payee or status.
func (c *Client) QueryFeeStatements(ctx context.Context, q ledger.Query) (*ledger.FeeStatementPage, error) {
	return evaluateJSON[ledger.FeeStatementPage](ctx, c, "QueryFeeStatements", q)
}

// ProposeBenefitSplit proposes the split of a product's revenue (its owner).
func (c *Client) ProposeBenefitSplit(ctx context.Context, req ledger.BenefitSplitRequest) (*ledger.BenefitSplit, error) {
	return submitJSON[ledger.BenefitSplit](ctx, c, "ProposeBenefitSplit", req)
}

// AgreeBenefitSplit records the caller's agreement to a product's split.
func (c *Client) AgreeBenefitSplit(ctx context.Context, productID string) (*ledger.BenefitSplit, error) {
	return submitArgs[ledger.BenefitSplit](ctx, c, "AgreeBenefitSplit", productID)
}

// GetBenefitSplit returns a product's split the caller may read.
func (c *Client) GetBenefitSplit(ctx context.Context, productID string) (*ledger.BenefitSplit, error) {
	return evaluateArgs[ledger.BenefitSplit](ctx, c, "GetBenefitSplit", productID)
}

// RecordRevenue records a listed product's revenue for a month and its
// split into shares (the product's owner).
func (c *Client) RecordRevenue(ctx context.Context, req ledger.RevenueRequest) (*ledger.Revenue, error) {
	return submitJSON[ledger.Revenue](ctx, c, "RecordRevenue", req)
}

// GetRevenue returns a revenue with its shares the caller may read.
func (c *Client) GetRevenue(ctx context.Context, id string) (*ledger.Revenue, error) {
	return evaluateArgs[ledger.Revenue](ctx, c, "GetRevenue", id)
}

// GetBenefitShare returns a share the caller may read: its own.
func (c *Client) GetBenefitShare(ctx context.Context, id string) (*ledger.BenefitShare, error) {
	return evaluateArgs[ledger.BenefitShare](ctx, c, "GetBenefitShare", id)
}

// QueryBenefitShares pages through the shares the caller may read by
// product, period, party or revenue.
func (c *Client) QueryBenefitShares(ctx context.Context, q ledger.Query) (*ledger.BenefitSharePage, error) {
	return evaluateJSON[ledger.BenefitSharePage](ctx, c, "QueryBenefitShares", q)
}
