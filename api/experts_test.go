package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeExperts is the expert committee (ExpertLedger) at the process boundary.
type fakeExperts struct{ fake }

func (f fakeExperts) RegisterExpert(ctx context.Context, req ledger.ExpertRequest) (*ledger.Expert, error) {
	return answer(f.fake, ctx, "RegisterExpert", &ledger.Expert{MSP: req.MSP, Client: req.Client, Name: req.Name, Status: ledger.ExpertActive}, req)
}
func (f fakeExperts) RetireExpert(ctx context.Context, client, reason string) (*ledger.Expert, error) {
	return answer(f.fake, ctx, "RetireExpert", &ledger.Expert{Client: client, Status: ledger.ExpertRetired, Reason: reason}, client, reason)
}
func (f fakeExperts) GetExpert(ctx context.Context, client string) (*ledger.Expert, error) {
	return answer(f.fake, ctx, "GetExpert", &ledger.Expert{Client: client}, client)
}
func (f fakeExperts) QueryExperts(ctx context.Context, q ledger.Query) (*ledger.ExpertPage, error) {
	return answer(f.fake, ctx, "QueryExperts", &ledger.ExpertPage{Items: []ledger.Expert{}}, q)
}
