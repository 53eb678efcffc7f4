package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// fakeFees is the fees and benefit sharing (FeeLedger) at the process boundary.
type fakeFees struct{ fake }

func (f fakeFees) SetFeeSchedule(ctx context.Context, req ledger.FeeScheduleRequest) (*ledger.FeeSchedule, error) {
	return answer(f.fake, ctx, "SetFeeSchedule", &ledger.FeeSchedule{GrantID: req.GrantID}, req)
}
func (f fakeFees) GetFeeSchedule(ctx context.Context, grantID string) (*ledger.FeeSchedule, error) {
	return answer(f.fake, ctx, "GetFeeSchedule", &ledger.FeeSchedule{GrantID: grantID}, grantID)
}
func (f fakeFees) RecordFeeStatement(ctx context.Context, req ledger.FeeStatementRequest) (*ledger.FeeStatement, error) {
	return answer(f.fake, ctx, "RecordFeeStatement", &ledger.FeeStatement{ID: req.ID}, req)
}
func (f fakeFees) ConfirmFeePayment(ctx context.Context, id, referenceDigest string) (*ledger.FeeStatement, error) {
	return answer(f.fake, ctx, "ConfirmFeePayment", &ledger.FeeStatement{ID: id}, id, referenceDigest)
}
func (f fakeFees) AcknowledgeFeeStatement(ctx context.Context, id string) (*ledger.FeeStatement, error) {
	return answer(f.fake, ctx, "AcknowledgeFeeStatement", &ledger.FeeStatement{ID: id}, id)
}
func (f fakeFees) GetFeeStatement(ctx context.Context, id string) (*ledger.FeeStatement, error) {
	return answer(f.fake, ctx, "GetFeeStatement", &ledger.FeeStatement{ID: id}, id)
}
func (f fakeFees) QueryFeeStatements(ctx context.Context, q ledger.Query) (*ledger.FeeStatementPage, error) {
	return answer(f.fake, ctx, "QueryFeeStatements", &ledger.FeeStatementPage{Items: []ledger.FeeStatement{}}, q)
}
func (f fakeFees) ProposeBenefitSplit(ctx context.Context, req ledger.BenefitSplitRequest) (*ledger.BenefitSplit, error) {
	return answer(f.fake, ctx, "ProposeBenefitSplit", &ledger.BenefitSplit{ProductID: req.ProductID}, req)
}
func (f fakeFees) AgreeBenefitSplit(ctx context.Context, productID string) (*ledger.BenefitSplit, error) {
	return answer(f.fake, ctx, "AgreeBenefitSplit", &ledger.BenefitSplit{ProductID: productID}, productID)
}
func (f fakeFees) GetBenefitSplit(ctx context.Context, productID string) (*ledger.BenefitSplit, error) {
	return answer(f.fake, ctx, "GetBenefitSplit", &ledger.BenefitSplit{ProductID: productID}, productID)
}
func (f fakeFees) RecordRevenue(ctx context.Context, req ledger.RevenueRequest) (*ledger.Revenue, error) {
	return answer(f.fake, ctx, "RecordRevenue", &ledger.Revenue{ID: req.ID}, req)
}
func (f fakeFees) GetRevenue(ctx context.Context, id string) (*ledger.Revenue, error) {
	return answer(f.fake, ctx, "GetRevenue", &ledger.Revenue{ID: id}, id)
}
func (f fakeFees) GetBenefitShare(ctx context.Context, id string) (*ledger.BenefitShare, error) {
	return answer(f.fake, ctx, "GetBenefitShare", &ledger.BenefitShare{ID: id}, id)
}
func (f fakeFees) QueryBenefitShares(ctx context.Context, q ledger.Query) (*ledger.BenefitSharePage, error) {
	return answer(f.fake, ctx, "QueryBenefitShares", &ledger.BenefitSharePage{Items: []ledger.BenefitShare{}}, q)
}

// The API refuses, before the ledger, a period that is not a month, an
// amount out of range, a share over 10000 basis points and a bad digest.
func TestFeeRequestsAreChecked(t *testing.T) {
	for _, tt := range []struct{ method, path, body, field string }{
		{http.MethodPut, "/v1/grants/g-1/fee-schedule", `{"effectiveFrom":"2026-13","payee":"PlatformMSP","perRecord":1}`, "effectiveFrom"},
		{http.MethodPut, "/v1/grants/g-1/fee-schedule", `{"effectiveFrom":"2026-01","payee":"PlatformMSP","perRecord":-1}`, "perRecord"},
		{http.MethodPut, "/v1/grants/g-1/fee-schedule", `{"effectiveFrom":"2026-01","payee":"PlatformMSP","perCall":1000000000001}`, "perCall"},
		{http.MethodPut, "/v1/grants/g-1/fee-schedule", `{"effectiveFrom":"2026-01","payee":"PlatformMSP","perCall":1.5}`, "perCall"},
		{http.MethodPost, "/v1/fee-statements", `{"id":"fs-1","grantId":"g-1","period":"2026-1"}`, "period"},
		{http.MethodPost, "/v1/fee-statements/fs-1/confirm", `{"referenceDigest":"abc"}`, "referenceDigest"},
		{http.MethodPost, "/v1/products/p-1/benefit-split", `{"parties":[{"msp":"A","basisPoints":10001},{"msp":"B","basisPoints":0}]}`, "parties[0].basisPoints"},
		{http.MethodPost, "/v1/products/p-1/revenue", `{"id":"rev-1","period":"2026-01","amount":0,"referenceDigest":"` + digest + `"}`, "amount"},
	} {
		ts := newTestServer(t)
		rec := ts.do(t, request{method: tt.method, path: tt.path, body: tt.body, user: "Admin"})
		var e struct {
			Field string `json:"field"`
		}
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Field != tt.field {
			t.Errorf("%s %s: got %d %s, want 400 naming %s", tt.path, tt.body, rec.Code, rec.Body, tt.field)
		}
		if ops := ts.state.ops(); len(ops) != 0 {
			t.Errorf("%s: reached the ledger: %v", tt.path, ops)
		}
	}
}
