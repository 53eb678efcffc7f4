package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
)

// fakeAnchor is the anchoring service's GET /v1/backlog: it answers the
// backlog to the bearer token it knows, 401 to any other, and records the
// headers it was sent.
type fakeAnchor struct {
	mu      sync.Mutex
	token   string
	backlog AnchoringBacklog
	// status, when set, is answered instead, with an error body.
	status int
	auth   []string
	ids    []string
}

func (a *fakeAnchor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.auth = append(a.auth, r.Header.Get("Authorization"))
	a.ids = append(a.ids, r.Header.Get("X-Request-ID"))
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method != http.MethodGet || r.URL.Path != "/v1/backlog":
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(ErrorBody{Code: "not_found", Message: "no such route"})
	case r.Header.Get("Authorization") != "Bearer "+a.token:
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(ErrorBody{Code: "unauthenticated", Message: "unauthenticated: unknown token"})
	case a.status != 0:
		w.WriteHeader(a.status)
		_ = json.NewEncoder(w).Encode(ErrorBody{Code: "not_ready", Message: "the view of the ledger has not been read yet"})
	default:
		_ = json.NewEncoder(w).Encode(a.backlog)
	}
}

// newAnchoringServer is an API whose callers are the actor, with the
// anchoring service at anchorURL ("": none).
func newAnchoringServer(t *testing.T, actor ledger.Actor, anchorURL string) *testServer {
	t.Helper()
	return newServerOver(t, func(f fake) Ledger {
		return fakeLedger{ActorLedger: scriptedActor{f, actor}}
	}, func(o *Options) { o.AnchorURL = anchorURL })
}

var platformActor = ledger.Actor{MSP: "PlatformMSP", Client: "x509::CN=Admin", Role: ledger.RolePlatform}

// TestAnchoringBacklogPassedOn: a platform caller reads its anchoring
// service's backlog, asked with the caller's own token and request ID.
func TestAnchoringBacklogPassedOn(t *testing.T) {
	since := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	anchor := &fakeAnchor{backlog: AnchoringBacklog{
		Pending: 7, Waiting: 2, OldestPending: since, InFlight: &BatchInFlight{ID: "anchor-ab12-11-15", Size: 5, Since: since.Add(time.Second)},
		Received: 17, Anchored: 9, Refused: 1, MaxBacklog: 1000,
	}}
	srv := httptest.NewServer(anchor)
	defer srv.Close()
	ts := newAnchoringServer(t, platformActor, srv.URL+"/")
	anchor.token = ts.tokens["User1"]

	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/anchoring/backlog", user: "User1", header: map[string]string{"X-Request-ID": "req-backlog-1"}})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
	}
	var got AnchoringBacklog
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Pending != 7 || got.Waiting != 2 || !got.OldestPending.Equal(since) || got.InFlight == nil || *got.InFlight != *anchor.backlog.InFlight ||
		got.Received != 17 || got.Anchored != 9 || got.Refused != 1 || got.MaxBacklog != 1000 {
		t.Errorf("backlog: got %+v, want the anchoring service's %+v", got, anchor.backlog)
	}
	if len(anchor.auth) != 1 || anchor.auth[0] != "Bearer "+ts.tokens["User1"] || anchor.ids[0] != "req-backlog-1" {
		t.Errorf("the anchoring service was sent Authorization %q, X-Request-ID %q; want the caller's", anchor.auth, anchor.ids)
	}
	if ops := ts.state.ops(); strings.Join(ops, " ") != "WhoAmI" {
		t.Errorf("ledger calls: got %v, want WhoAmI alone", ops)
	}

	// An empty backlog has no oldest receipt and no batch in flight.
	anchor.backlog = AnchoringBacklog{Received: 3, Anchored: 3, MaxBacklog: 1000}
	rec = ts.do(t, request{method: http.MethodGet, path: "/v1/anchoring/backlog", user: "User1"})
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "oldestPending") || strings.Contains(rec.Body.String(), "inFlight") {
		t.Errorf("empty backlog: got %d %s, want 200 without oldestPending and inFlight", rec.Code, rec.Body)
	}
}

// TestAnchoringBacklogRefusals: other roles are refused before the
// anchoring service is asked; an API without one answers 404; the
// service's failures, its 401 above all, are 502, never the caller's 401.
func TestAnchoringBacklogRefusals(t *testing.T) {
	anchor := &fakeAnchor{backlog: AnchoringBacklog{MaxBacklog: 1000}}
	srv := httptest.NewServer(anchor)
	defer srv.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	tests := []struct {
		name      string
		actor     ledger.Actor
		url       string
		token     func(ts *testServer) string // the token the anchor knows
		answer    int                         // what the anchor answers instead of its backlog
		status    int
		code      string
		message   string
		reachesIt bool
	}{
		{name: "the authority", actor: ledger.Actor{MSP: "AuthorityMSP", Role: ledger.RoleAuthority}, url: srv.URL,
			status: http.StatusForbidden, code: "forbidden", message: "only the platform reads its anchoring service's backlog"},
		{name: "an expert of the platform", actor: ledger.Actor{MSP: "PlatformMSP", Role: ledger.RoleExpert, Individual: true}, url: srv.URL,
			status: http.StatusForbidden, code: "forbidden", message: "only the platform"},
		{name: "no anchoring service", actor: platformActor, url: "",
			status: http.StatusNotFound, code: "not_found", message: "this organisation runs no anchoring service"},
		{name: "another token file", actor: platformActor, url: srv.URL, token: func(*testServer) string { return "another" },
			status: http.StatusBadGateway, code: "anchoring_failed", message: "the anchoring service answered 401 unauthenticated", reachesIt: true},
		{name: "the service not ready", actor: platformActor, url: srv.URL, answer: http.StatusServiceUnavailable,
			status: http.StatusBadGateway, code: "anchoring_failed", message: "the anchoring service answered 503 not_ready", reachesIt: true},
		{name: "the service down", actor: platformActor, url: downURL,
			status: http.StatusBadGateway, code: "anchoring_failed", message: "the anchoring service at " + downURL + " could not be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newAnchoringServer(t, tt.actor, tt.url)
			anchor.mu.Lock()
			anchor.token, anchor.auth, anchor.status = ts.tokens["Admin"], nil, tt.answer
			if tt.token != nil {
				anchor.token = tt.token(ts)
			}
			anchor.mu.Unlock()
			rec := ts.do(t, request{method: http.MethodGet, path: "/v1/anchoring/backlog", user: "Admin"})
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			body := decodeErrorBody(t, rec)
			if body.Code != tt.code || !strings.Contains(body.Message, tt.message) {
				t.Errorf("got %+v, want %s with %q", body, tt.code, tt.message)
			}
			anchor.mu.Lock()
			asked := len(anchor.auth) > 0
			anchor.mu.Unlock()
			if asked != tt.reachesIt {
				t.Errorf("the anchoring service asked: %v, want %v", asked, tt.reachesIt)
			}
		})
	}
	// Without a token the API answers 401 itself, asking no one.
	ts := newAnchoringServer(t, platformActor, srv.URL)
	if rec := ts.do(t, request{method: http.MethodGet, path: "/v1/anchoring/backlog"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token: got %d, want 401", rec.Code)
	}
}
