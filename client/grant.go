package client

// Grants (授权): first-level grants and their providers' approvals, sub-grants
// (分级授权), their life cycle and their usage.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// IssueGrant issues a grant from an approved application; it waits for the providers' approvals.
func (c *Client) IssueGrant(ctx context.Context, req ledger.GrantRequest) (*ledger.Grant, error) {
	return submitJSON[ledger.Grant](ctx, c, "IssueGrant", req)
}

// ApproveGrant records the calling provider's approval.
func (c *Client) ApproveGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ApproveGrant", id)
}

// RejectGrant records the calling provider's refusal with a reason.
func (c *Client) RejectGrant(ctx context.Context, id string, reason string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "RejectGrant", id, reason)
}

// ExpireGrant records that a grant's term has ended.
func (c *Client) ExpireGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ExpireGrant", id)
}

// ActivateSubGrant activates a proposed sub-grant.
func (c *Client) ActivateSubGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ActivateSubGrant", id)
}

// SuspendGrant suspends an active grant and the products built from it.
func (c *Client) SuspendGrant(ctx context.Context, id string, reason string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "SuspendGrant", id, reason)
}

// ResumeGrant returns a suspended grant to active.
func (c *Client) ResumeGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ResumeGrant", id)
}

// RevokeGrant revokes a grant with a reason and marks the products built from it.
func (c *Client) RevokeGrant(ctx context.Context, id string, reason string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "RevokeGrant", id, reason)
}

// ProposeSubGrant proposes a sub-grant (分级授权) of a usable first-level grant.
func (c *Client) ProposeSubGrant(ctx context.Context, req ledger.SubGrantRequest) (*ledger.Grant, error) {
	return submitJSON[ledger.Grant](ctx, c, "ProposeSubGrant", req)
}

// GetGrant returns a grant with its status as of now.
func (c *Client) GetGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return evaluateArgs[ledger.Grant](ctx, c, "GetGrant", id)
}

// GetGrantUsage returns what has been used of a grant.
func (c *Client) GetGrantUsage(ctx context.Context, id string) (*ledger.Usage, error) {
	return evaluateArgs[ledger.Usage](ctx, c, "GetGrantUsage", id)
}

// QueryGrants pages through the grants visible to the caller.
func (c *Client) QueryGrants(ctx context.Context, q ledger.Query) (*ledger.GrantPage, error) {
	return evaluateJSON[ledger.GrantPage](ctx, c, "QueryGrants", q)
}
