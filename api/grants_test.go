package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeGrants is the grants, sub-grants and usage (GrantLedger) at the process boundary.
type fakeGrants struct{ fake }

func (f fakeGrants) IssueGrant(ctx context.Context, req ledger.GrantRequest) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "IssueGrant", &ledger.Grant{ID: req.ID}, req)
}
func (f fakeGrants) ApproveGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "ApproveGrant", &ledger.Grant{ID: id}, id)
}
func (f fakeGrants) RejectGrant(ctx context.Context, id, reason string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "RejectGrant", &ledger.Grant{ID: id}, id, reason)
}
func (f fakeGrants) SuspendGrant(ctx context.Context, id, reason string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "SuspendGrant", &ledger.Grant{ID: id}, id, reason)
}
func (f fakeGrants) ResumeGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "ResumeGrant", &ledger.Grant{ID: id}, id)
}
func (f fakeGrants) RevokeGrant(ctx context.Context, id, reason string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "RevokeGrant", &ledger.Grant{ID: id}, id, reason)
}
func (f fakeGrants) ExpireGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "ExpireGrant", &ledger.Grant{ID: id}, id)
}
func (f fakeGrants) ProposeSubGrant(ctx context.Context, req ledger.SubGrantRequest) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "ProposeSubGrant", &ledger.Grant{ID: req.ID, ParentID: req.ParentID}, req)
}
func (f fakeGrants) ActivateSubGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "ActivateSubGrant", &ledger.Grant{ID: id}, id)
}
func (f fakeGrants) GetGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f.fake, ctx, "GetGrant", &ledger.Grant{ID: id}, id)
}
func (f fakeGrants) GetGrantUsage(ctx context.Context, id string) (*ledger.Usage, error) {
	return answer(f.fake, ctx, "GetGrantUsage", &ledger.Usage{GrantID: id}, id)
}
func (f fakeGrants) QueryGrants(ctx context.Context, q ledger.Query) (*ledger.GrantPage, error) {
	return answer(f.fake, ctx, "QueryGrants", &ledger.GrantPage{Items: []ledger.Grant{}}, q)
}
