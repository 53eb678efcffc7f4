package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeAgreements is the agreements (AgreementLedger) at the process boundary.
type fakeAgreements struct{ fake }

func (f fakeAgreements) ProposeAgreement(ctx context.Context, req ledger.AgreementRequest) (*ledger.Agreement, error) {
	return answer(f.fake, ctx, "ProposeAgreement", &ledger.Agreement{ID: req.ID}, req)
}
func (f fakeAgreements) AttachAgreementText(ctx context.Context, id string, req ledger.AgreementTextRequest) (*ledger.Agreement, error) {
	return answer(f.fake, ctx, "AttachAgreementText", &ledger.Agreement{ID: id, TextDigest: req.TextDigest}, id, req)
}
func (f fakeAgreements) SignAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return answer(f.fake, ctx, "SignAgreement", &ledger.Agreement{ID: id}, id)
}
func (f fakeAgreements) GetAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return answer(f.fake, ctx, "GetAgreement", &ledger.Agreement{ID: id}, id)
}
func (f fakeAgreements) QueryAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementPage, error) {
	return answer(f.fake, ctx, "QueryAgreements", &ledger.AgreementPage{Items: []ledger.Agreement{}}, q)
}
