package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeCalls is the authority's calls (CallLedger) at the process boundary.
type fakeCalls struct{ fake }

func (f fakeCalls) PublishCall(ctx context.Context, req ledger.CallRequest) (*ledger.Call, error) {
	return answer(f.fake, ctx, "PublishCall", &ledger.Call{ID: req.ID}, req)
}
func (f fakeCalls) CancelCall(ctx context.Context, id, reason string) (*ledger.Call, error) {
	return answer(f.fake, ctx, "CancelCall", &ledger.Call{ID: id}, id, reason)
}
func (f fakeCalls) GetCall(ctx context.Context, id string) (*ledger.Call, error) {
	return answer(f.fake, ctx, "GetCall", &ledger.Call{ID: id}, id)
}
func (f fakeCalls) QueryCalls(ctx context.Context, q ledger.Query) (*ledger.CallPage, error) {
	return answer(f.fake, ctx, "QueryCalls", &ledger.CallPage{Items: []ledger.Call{}}, q)
}
