package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeApplications is the operators' applications (ApplicationLedger) at the process boundary.
type fakeApplications struct{ fake }

func (f fakeApplications) SubmitApplication(ctx context.Context, req ledger.ApplicationRequest) (*ledger.Application, error) {
	return answer(f.fake, ctx, "SubmitApplication", &ledger.Application{ID: req.ID}, req)
}
func (f fakeApplications) AttachApplicationDocuments(ctx context.Context, id string, req ledger.ApplicationDocumentsRequest) (*ledger.Application, error) {
	return answer(f.fake, ctx, "AttachApplicationDocuments", &ledger.Application{ID: id, EmergencyPlanDigest: req.EmergencyPlanDigest, SecurityDocsDigest: req.SecurityDocsDigest}, id, req)
}
func (f fakeApplications) WithdrawApplication(ctx context.Context, id, reason string) (*ledger.Application, error) {
	return answer(f.fake, ctx, "WithdrawApplication", &ledger.Application{ID: id}, id, reason)
}
func (f fakeApplications) GetApplication(ctx context.Context, id string) (*ledger.Application, error) {
	return answer(f.fake, ctx, "GetApplication", &ledger.Application{ID: id}, id)
}
func (f fakeApplications) QueryApplications(ctx context.Context, q ledger.Query) (*ledger.ApplicationPage, error) {
	return answer(f.fake, ctx, "QueryApplications", &ledger.ApplicationPage{Items: []ledger.Application{}}, q)
}
