package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// fakeIncidents is the security incidents (IncidentLedger) at the process boundary.
type fakeIncidents struct{ fake }

func (f fakeIncidents) ReportIncident(ctx context.Context, req ledger.IncidentRequest) (*ledger.Incident, error) {
	return answer(f.fake, ctx, "ReportIncident", &ledger.Incident{ID: req.ID}, req)
}
func (f fakeIncidents) DecideIncident(ctx context.Context, req ledger.IncidentDecisionRequest) (*ledger.Incident, error) {
	return answer(f.fake, ctx, "DecideIncident", &ledger.Incident{ID: req.ID}, req)
}
func (f fakeIncidents) CloseIncident(ctx context.Context, id, reportDigest string) (*ledger.Incident, error) {
	return answer(f.fake, ctx, "CloseIncident", &ledger.Incident{ID: id}, id, reportDigest)
}
func (f fakeIncidents) GetIncident(ctx context.Context, id string) (*ledger.Incident, error) {
	return answer(f.fake, ctx, "GetIncident", &ledger.Incident{ID: id}, id)
}
func (f fakeIncidents) QueryIncidents(ctx context.Context, q ledger.Query) (*ledger.IncidentPage, error) {
	return answer(f.fake, ctx, "QueryIncidents", &ledger.IncidentPage{Items: []ledger.Incident{}}, q)
}

// The API refuses, before the ledger, a level or a decision it does not know.
func TestIncidentRequestsAreChecked(t *testing.T) {
	for _, tt := range []struct{ path, body string }{
		{"/v1/incidents", `{"id":"inc-1","subjectType":"grant","subjectId":"g-1","severity":"huge","occurred":"2026-01-01T00:00:00Z","detected":"2026-01-01T01:00:00Z","reportDigest":"` + digest + `"}`},
		{"/v1/incidents", `{"id":"inc-1","subjectType":"product","subjectId":"p-1","severity":"major","occurred":"2026-01-01T00:00:00Z","detected":"2026-01-01T01:00:00Z","reportDigest":"` + digest + `"}`},
		{"/v1/incidents/inc-1/decide", `{"action":"halt","reasonDigest":"` + digest + `"}`},
		{"/v1/incidents/inc-1/close", `{"reportDigest":"abc"}`},
	} {
		ts := newTestServer(t)
		rec := ts.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin"})
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s %s: got %d, want 400; body %s", tt.path, tt.body, rec.Code, rec.Body)
		}
		if ops := ts.state.ops(); len(ops) != 0 {
			t.Errorf("%s: reached the ledger: %v", tt.path, ops)
		}
	}
}
