package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// fakeUsage is the usage statements (UsageLedger) at the process boundary.
type fakeUsage struct{ fake }

func (f fakeUsage) UsageStatement(ctx context.Context, req ledger.UsageStatementRequest) (*ledger.UsageStatement, error) {
	return answer(f.fake, ctx, "UsageStatement", &ledger.UsageStatement{By: req.By, Period: req.Period, From: req.From, To: req.To, ID: req.ID, Provider: req.Provider, Rows: []ledger.UsageStatementRow{}}, req)
}

// A statement's query reaches the contract as its request; a bad or
// unknown parameter is a 400 naming it, before the ledger.
func TestUsageStatementQuery(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/usage/statements?by=dataset&period=month&from=2026-01&to=2026-03&id=visits", user: "Admin"})
	if rec.Code != http.StatusOK {
		t.Fatalf("got %d: %s", rec.Code, rec.Body)
	}
	calls := ts.state.recorded()
	want := ledger.UsageStatementRequest{By: "dataset", Period: "month", From: "2026-01", To: "2026-03", ID: "visits"}
	if len(calls) != 1 || calls[0].Op != "UsageStatement" || calls[0].Args[0] != want {
		t.Errorf("ledger calls: got %+v, want UsageStatement %+v", calls, want)
	}
	// A provider's datasets by grant: provider reaches the contract.
	ts = newTestServer(t)
	rec = ts.do(t, request{method: http.MethodGet, path: "/v1/usage/statements?by=grant&period=day&from=2026-01-01&to=2026-01-31&provider=HealthMSP", user: "Admin"})
	if rec.Code != http.StatusOK {
		t.Fatalf("got %d: %s", rec.Code, rec.Body)
	}
	calls = ts.state.recorded()
	want = ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2026-01-01", To: "2026-01-31", Provider: "HealthMSP"}
	if len(calls) != 1 || calls[0].Args[0] != want {
		t.Errorf("ledger calls: got %+v, want UsageStatement %+v", calls, want)
	}

	for _, tt := range []struct{ query, field string }{
		{"by=purpose&period=day&from=2026-01-01&to=2026-01-02", "by"},
		{"period=day&from=2026-01-01&to=2026-01-02", "by"},
		{"by=grant&period=week&from=2026-01-01&to=2026-01-02&id=g-1", "period"},
		{"by=grant&period=day&from=2026-01&to=2026-01-02&id=g-1", "from"},
		{"by=grant&period=day&from=2026-01-01&to=tomorrow&id=g-1", "to"},
		{"by=grant&period=day&from=2026-01-02&to=2026-01-01&id=g-1", "to"},
		{"by=grant&period=day&from=2025-01-01&to=2026-01-02&id=g-1", "to"},
		{"by=grant&period=day&from=2026-01-01&to=2026-01-02&id=g-1&id=g-2", "id"},
		{"by=grant&period=day&from=2026-01-01&to=2026-01-02&grant=g-1", "grant"},
		{"by=grant&period=day&from=2026-01-01&to=2026-01-02&pageSize=5", "pageSize"},
		{"by=dataset&period=day&from=2026-01-01&to=2026-01-02&id=visits&provider=HealthMSP", "provider"},
		{"by=operator&period=day&from=2026-01-01&to=2026-01-02&provider=Health%20MSP", "provider"},
		{"by=operator&period=day&from=2026-01-01&to=2026-01-02&provider=A&provider=B", "provider"},
	} {
		ts := newTestServer(t)
		rec := ts.do(t, request{method: http.MethodGet, path: "/v1/usage/statements?" + tt.query, user: "Admin"})
		var body struct {
			Field string `json:"field"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusBadRequest || body.Field != tt.field {
			t.Errorf("%s: got %d %s, want 400 naming %s", tt.query, rec.Code, rec.Body, tt.field)
		}
		if ops := ts.state.ops(); len(ops) != 0 {
			t.Errorf("%s: reached the ledger: %v", tt.query, ops)
		}
	}
}

// The contract's refusals pass through as they are: forbidden is 403, a
// grant the caller may not read 404.
func TestUsageStatementRefusalsPassThrough(t *testing.T) {
	for _, tt := range []struct {
		kind error
		want int
	}{{client.ErrForbidden, http.StatusForbidden}, {client.ErrNotFound, http.StatusNotFound}} {
		ts := newTestServer(t)
		ts.state.setErr("UsageStatement", &client.Error{Kind: tt.kind, Op: "UsageStatement", Message: "usage statement by grant g-1: refused"})
		rec := ts.do(t, request{method: http.MethodGet, path: "/v1/usage/statements?by=grant&period=day&from=2026-01-01&to=2026-01-31&id=g-1", user: "Admin"})
		if rec.Code != tt.want {
			t.Errorf("%v: got %d %s, want %d", tt.kind, rec.Code, rec.Body, tt.want)
		}
	}
}
