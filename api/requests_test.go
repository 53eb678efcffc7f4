package api

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// fakeDataRequests is the data requests (DataRequestLedger) at the process boundary.
type fakeDataRequests struct{ fake }

func (f fakeDataRequests) SubmitDataRequest(ctx context.Context, req ledger.DataRequestSubmission) (*ledger.DataRequest, error) {
	return answer(f.fake, ctx, "SubmitDataRequest", &ledger.DataRequest{ID: req.ID}, req)
}
func (f fakeDataRequests) ConsentDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error) {
	return answer(f.fake, ctx, "ConsentDataRequest", &ledger.DataRequest{ID: id}, id)
}
func (f fakeDataRequests) RefuseDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error) {
	return answer(f.fake, ctx, "RefuseDataRequest", &ledger.DataRequest{ID: id}, id, reason)
}
func (f fakeDataRequests) ApproveDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error) {
	return answer(f.fake, ctx, "ApproveDataRequest", &ledger.DataRequest{ID: id}, id)
}
func (f fakeDataRequests) WithdrawDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error) {
	return answer(f.fake, ctx, "WithdrawDataRequest", &ledger.DataRequest{ID: id}, id, reason)
}
func (f fakeDataRequests) DeclineDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error) {
	return answer(f.fake, ctx, "DeclineDataRequest", &ledger.DataRequest{ID: id}, id, reason)
}
func (f fakeDataRequests) GetDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error) {
	return answer(f.fake, ctx, "GetDataRequest", &ledger.DataRequest{ID: id}, id)
}
func (f fakeDataRequests) QueryDataRequests(ctx context.Context, q ledger.Query) (*ledger.DataRequestPage, error) {
	return answer(f.fake, ctx, "QueryDataRequests", &ledger.DataRequestPage{Items: []ledger.DataRequest{}}, q)
}

// The API refuses, before the ledger, a request of a kind it does not
// know, one whose parts do not match its kind, and a sub-grant request
// without the sub-grant's quota.
func TestDataRequestsAreChecked(t *testing.T) {
	for _, tt := range []struct{ name, path, body string }{
		{"unknown kind", "/v1/data-requests", `{"id":"dr-1","kind":"more","grantId":"g-1","add":{"purposes":["p"]},"reason":"r"}`},
		{"amendment without add", "/v1/data-requests", `{"id":"dr-1","kind":"amend-grant","grantId":"g-1","reason":"r"}`},
		{"amendment with a sub-grant", "/v1/data-requests", `{"id":"dr-1","kind":"amend-grant","grantId":"g-1","add":{"purposes":["p"]},"subGrant":{},"reason":"r"}`},
		{"sub-grant without quota", "/v1/data-requests", `{"id":"dr-1","kind":"sub-grant","grantId":"g-1","reason":"r",` +
			`"subGrant":{"scope":{"datasets":[{"id":"ds-1","fields":["f"]}],"purposes":["p"],"operations":["query"]},"term":{"validFrom":"2026-01-01T00:00:00Z","validTo":"2027-01-01T00:00:00Z"}}}`},
		{"an operation it does not know", "/v1/data-requests", `{"id":"dr-1","kind":"amend-grant","grantId":"g-1","add":{"operations":["resale"]},"reason":"r"}`},
		{"no reason", "/v1/data-requests", `{"id":"dr-1","kind":"amend-grant","grantId":"g-1","add":{"purposes":["p"]}}`},
		{"a refusal without reason", "/v1/data-requests/dr-1/refuse", `{}`},
		{"a decline without reason", "/v1/data-requests/dr-1/decline", `{}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			rec := ts.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin"})
			if rec.Code != http.StatusBadRequest {
				t.Errorf("got %d, want 400; body %s", rec.Code, rec.Body)
			}
			if ops := ts.state.ops(); len(ops) != 0 {
				t.Errorf("reached the ledger: %v", ops)
			}
		})
	}
}

// A proposal of a sub-grant may name the developer's request it answers.
func TestSubGrantProposalNamesItsRequest(t *testing.T) {
	ts := newTestServer(t)
	body := `{"id":"g-2","developer":"DevMSP","requestId":"dr-s","scope":{"datasets":[{"id":"ds-1","fields":["f"]}],"purposes":["p"],"operations":["query"]},` +
		`"quota":{"records":10,"calls":1},"term":{"validFrom":"2026-01-01T00:00:00Z","validTo":"2027-01-01T00:00:00Z"}}`
	rec := ts.do(t, request{method: http.MethodPost, path: "/v1/grants/g-1/subgrants", body: body, user: "Admin"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("got %d, want 201; body %s", rec.Code, rec.Body)
	}
	calls := ts.state.recorded()
	if len(calls) == 0 || calls[0].Op != "ProposeSubGrant" {
		t.Fatalf("ledger calls: got %v, want ProposeSubGrant", ts.state.ops())
	}
	req, ok := calls[0].Args[0].(ledger.SubGrantRequest)
	if !ok || req.RequestID != "dr-s" || !reflect.DeepEqual(req.Quota, ledger.Quota{Records: 10, Calls: 1}) {
		t.Errorf("got %#v, want the proposal naming request dr-s", calls[0].Args[0])
	}
}
