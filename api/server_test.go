package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
)

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name       string
		header     string // Authorization; "user:NAME" sends that user's token
		path       string
		wantStatus int
		wantUser   string
	}{
		{name: "no header", path: "/v1/datasets/ds-1", wantStatus: http.StatusUnauthorized},
		{name: "basic scheme", header: "Basic QWRtaW46cHc=", path: "/v1/datasets/ds-1", wantStatus: http.StatusUnauthorized},
		{name: "empty bearer", header: "Bearer ", path: "/v1/datasets/ds-1", wantStatus: http.StatusUnauthorized},
		{name: "unknown token", header: "Bearer glt_notatokenofthisorg", path: "/v1/datasets/ds-1", wantStatus: http.StatusUnauthorized},
		{name: "admin token", header: "user:Admin", path: "/v1/datasets/ds-1", wantStatus: http.StatusOK, wantUser: "Admin"},
		{name: "user token acts as that user", header: "user:User1", path: "/v1/datasets/ds-1", wantStatus: http.StatusOK, wantUser: "User1"},
		{name: "lower-case scheme", header: "bearer-lower:User1", path: "/v1/datasets/ds-1", wantStatus: http.StatusOK, wantUser: "User1"},
		{name: "healthz is public", path: "/healthz", wantStatus: http.StatusOK},
		{name: "openapi is public", path: "/v1/openapi.json", wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			h := map[string]string{}
			switch {
			case strings.HasPrefix(tt.header, "user:"):
				h["Authorization"] = "Bearer " + ts.tokens[strings.TrimPrefix(tt.header, "user:")]
			case strings.HasPrefix(tt.header, "bearer-lower:"):
				h["Authorization"] = "bearer " + ts.tokens[strings.TrimPrefix(tt.header, "bearer-lower:")]
			case tt.header != "":
				h["Authorization"] = tt.header
			}
			rec := ts.do(t, request{method: http.MethodGet, path: tt.path, header: h})
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			calls := ts.state.recorded()
			if tt.wantStatus == http.StatusUnauthorized {
				b := decodeErrorBody(t, rec)
				if b.Code != "unauthenticated" {
					t.Errorf("code: got %q, want unauthenticated", b.Code)
				}
				if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate: got %q, want Bearer challenge", got)
				}
				if len(calls) != 0 {
					t.Errorf("ledger calls: got %v, want none", calls)
				}
			}
			if tt.wantUser != "" {
				if len(calls) != 1 || calls[0].User != tt.wantUser {
					t.Fatalf("ledger calls: got %+v, want one as %s", calls, tt.wantUser)
				}
				if !strings.Contains(ts.logs.String(), `"user":"`+tt.wantUser+`"`) {
					t.Errorf("request log does not name user %s: %s", tt.wantUser, ts.logs)
				}
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	contractErr := func(kind error, msg string) error {
		return &client.Error{Kind: kind, Op: "GetDataset", Message: msg, Err: errors.New("rpc error: code = Unknown desc = " + msg)}
	}
	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantCode    string
		wantMessage string // substring; "" skips
		wantField   string
		notInBody   string
	}{
		{name: "not found", err: contractErr(client.ErrNotFound, "get dataset ds-1: dataset ds-1 does not exist"),
			wantStatus: 404, wantCode: "not_found", wantMessage: "dataset ds-1 does not exist"},
		{name: "forbidden", err: contractErr(client.ErrForbidden, "get dataset: HealthMSP may not"),
			wantStatus: 403, wantCode: "forbidden", wantMessage: "HealthMSP may not"},
		{name: "conflict", err: contractErr(client.ErrConflict, "submit receipt: replay: receipt r-1 was already recorded"),
			wantStatus: 409, wantCode: "conflict", wantMessage: "replay"},
		{name: "refused carries the contract's reason", err: contractErr(client.ErrRefused, "submit application: no emergency plan"),
			wantStatus: 422, wantCode: "refused", wantMessage: "no emergency plan"},
		{name: "invalid names the contract's field", err: contractErr(client.ErrInvalid, "issue grant g-1: term.validTo: is not after validFrom"),
			wantStatus: 400, wantCode: "invalid", wantField: "term.validTo", wantMessage: "is not after validFrom"},
		{name: "invalid without field", err: contractErr(client.ErrInvalid, "issue grant: the request does not decode"),
			wantStatus: 400, wantCode: "invalid"},
		{name: "endorsement failure hides the peers' text", err: contractErr(client.ErrEndorsement, "could not launch chaincode grantledger_1578 at 127.0.0.1:7999"),
			wantStatus: 502, wantCode: "endorsement_failed", wantMessage: "not endorse", notInBody: "7999"},
		{name: "unavailable names the transaction that may commit", err: contractErr(client.ErrUnavailable, "outcome unknown, transaction tx1 may still commit: rpc error: code = Unavailable desc = orderer 127.0.0.1:7050 down"),
			wantStatus: 503, wantCode: "unavailable", wantMessage: "(outcome unknown, transaction tx1 may still commit)", notInBody: "7050"},
		{name: "unavailable before sending", err: contractErr(client.ErrUnavailable, "connection refused 127.0.0.1:7051"),
			wantStatus: 503, wantCode: "unavailable", wantMessage: "could not be reached", notInBody: "7051"},
		{name: "bare sentinel", err: fmt.Errorf("wrapped: %w", client.ErrRefused),
			wantStatus: 422, wantCode: "refused"},
		{name: "unclassified error is internal and hidden", err: errors.New("open /var/secret/key.pem: permission denied"),
			wantStatus: 500, wantCode: "internal", notInBody: "secret"},
		{name: "client error without kind is internal", err: &client.Error{Op: "GetDataset", Message: "decode result: bad json at /internal", Err: errors.New("x")},
			wantStatus: 500, wantCode: "internal", notInBody: "/internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.state.setErr("GetDataset", tt.err)
			rec := ts.do(t, request{method: http.MethodGet, path: "/v1/datasets/ds-1", user: "Admin"})
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			b := decodeErrorBody(t, rec)
			if b.Code != tt.wantCode {
				t.Errorf("code: got %q, want %q", b.Code, tt.wantCode)
			}
			if !strings.Contains(b.Message, tt.wantMessage) {
				t.Errorf("message: got %q, want it to contain %q", b.Message, tt.wantMessage)
			}
			if b.Field != tt.wantField {
				t.Errorf("field: got %q, want %q", b.Field, tt.wantField)
			}
			if tt.notInBody != "" && strings.Contains(rec.Body.String(), tt.notInBody) {
				t.Errorf("body %s leaks %q", rec.Body, tt.notInBody)
			}
			if tt.wantStatus >= 500 && !strings.Contains(ts.logs.String(), `"level":"ERROR"`) {
				t.Errorf("5xx not logged at error level: %s", ts.logs)
			}
		})
	}
}

func TestErrorStatusTable(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"ErrInvalid", client.ErrInvalid, 400, "invalid"},
		{"InputError", &InputError{Field: "id", Msg: "is required"}, 400, "invalid"},
		{"unauthenticated", errUnauthenticated, 401, "unauthenticated"},
		{"ErrForbidden", client.ErrForbidden, 403, "forbidden"},
		{"ErrNotFound", client.ErrNotFound, 404, "not_found"},
		{"no route", errRouteNotFound, 404, "not_found"},
		{"method", errMethodNotAllowed, 405, "method_not_allowed"},
		{"ErrConflict", client.ErrConflict, 409, "conflict"},
		{"key in progress", errKeyInProgress, 409, "idempotency_key_in_progress"},
		{"too large", errTooLarge, 413, "payload_too_large"},
		{"media type", errUnsupportedMedia, 415, "unsupported_media_type"},
		{"ErrRefused", client.ErrRefused, 422, "refused"},
		{"key reused", errKeyReused, 422, "idempotency_key_reused"},
		{"rate limited", fmt.Errorf("%w: a token may make 2 requests a second", errRateLimited), 429, "rate_limited"},
		{"too many streams", errTooManyStreams, 429, "too_many_streams"},
		{"canceled", context.Canceled, 499, "canceled"},
		{"other", errors.New("boom"), 500, "internal"},
		{"ErrEndorsement", client.ErrEndorsement, 502, "endorsement_failed"},
		{"ErrUnavailable", client.ErrUnavailable, 503, "unavailable"},
		{"not ready", errNotReady, 503, "not_ready"},
		{"deadline", fmt.Errorf("%w: %w", errDeadline, client.ErrUnavailable), 504, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code := errorStatus(tt.err)
			if status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("errorStatus: got %d %q, want %d %q", status, code, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		contentType string
		wantStatus  int
		wantField   string
		wantMessage string
	}{
		{name: "wrong type names the field", method: "POST", path: "/v1/datasets",
			body:       strings.Replace(datasetBody, `"id":"ds-1"`, `"id":5`, 1),
			wantStatus: 400, wantField: "id", wantMessage: "must be a string"},
		{name: "wrong type in a list names the index", method: "POST", path: "/v1/datasets",
			body:       strings.Replace(datasetBody, `"sensitivity":2`, `"sensitivity":"high"`, 1),
			wantStatus: 400, wantField: "fields[0].sensitivity", wantMessage: "must be an integer"},
		{name: "unknown field", method: "POST", path: "/v1/datasets",
			body:       strings.Replace(datasetBody, `{"id"`, `{"owner":"HealthMSP","id"`, 1),
			wantStatus: 400, wantField: "owner", wantMessage: "is not a field"},
		{name: "unknown nested field", method: "POST", path: "/v1/datasets",
			body:       strings.Replace(datasetBody, `"sensitivity":2`, `"sensitivity":2,"colour":"red"`, 1),
			wantStatus: 400, wantField: "fields[0].colour"},
		{name: "missing required field", method: "POST", path: "/v1/datasets",
			body:       strings.Replace(datasetBody, `"name":"Clinics",`, ``, 1),
			wantStatus: 400, wantField: "name", wantMessage: "is required"},
		{name: "missing required nested field", method: "POST", path: "/v1/grants",
			body:       `{"id":"g-1","applicationId":"a-1","scope":` + scopeJSON + `,"quota":{"records":10},"term":` + termJSON + `}`,
			wantStatus: 400, wantField: "quota.calls", wantMessage: "is required"},
		{name: "value not allowed", method: "POST", path: "/v1/datasets",
			body:       strings.Replace(datasetBody, `"general"`, `"secret"`, 1),
			wantStatus: 400, wantField: "classification", wantMessage: "must be one of general, important, core"},
		{name: "empty list", method: "POST", path: "/v1/datasets",
			body:       strings.Replace(datasetBody, `[{"name":"visits","sensitivity":2}]`, `[]`, 1),
			wantStatus: 400, wantField: "fields", wantMessage: "at least 1 items"},
		{name: "malformed time", method: "POST", path: "/v1/grants",
			body:       `{"id":"g-1","applicationId":"a-1","scope":` + scopeJSON + `,"quota":{"records":10,"calls":1},"term":{"validFrom":"tomorrow","validTo":"2027-01-01T00:00:00Z"}}`,
			wantStatus: 400, wantField: "term.validFrom", wantMessage: "RFC 3339"},
		{name: "bad digest", method: "POST", path: "/v1/agreements",
			body:       `{"id":"ag-1","grantId":"g-1","textDigest":"0xABC","term":` + termJSON + `}`,
			wantStatus: 400, wantField: "textDigest", wantMessage: "digest"},
		{name: "bad identifier", method: "POST", path: "/v1/participants",
			body:       `{"msp":"has space","role":"provider","name":"Health"}`,
			wantStatus: 400, wantField: "msp", wantMessage: "identifier"},
		{name: "syntax error", method: "POST", path: "/v1/datasets", body: `{"id":`,
			wantStatus: 400, wantMessage: "malformed JSON"},
		{name: "not an object", method: "POST", path: "/v1/datasets", body: `[1,2]`,
			wantStatus: 400, wantMessage: "JSON object"},
		{name: "empty body", method: "POST", path: "/v1/datasets", body: ` `,
			wantStatus: 400, wantMessage: "empty"},
		{name: "trailing data", method: "POST", path: "/v1/datasets", body: datasetBody + `{}`,
			wantStatus: 400, wantMessage: "one JSON object"},
		{name: "wrong media type", method: "POST", path: "/v1/datasets", body: datasetBody, contentType: "text/plain",
			wantStatus: 415},
		{name: "bad path identifier", method: "GET", path: "/v1/datasets/bad%20id",
			wantStatus: 400, wantField: "id"},
		{name: "page size not a number", method: "GET", path: "/v1/datasets?pageSize=many",
			wantStatus: 400, wantField: "pageSize"},
		{name: "page size too large", method: "GET", path: "/v1/datasets?pageSize=1000",
			wantStatus: 400, wantField: "pageSize"},
		{name: "unknown filter", method: "GET", path: "/v1/datasets?colour=red",
			wantStatus: 400, wantField: "colour", wantMessage: "owner, status, domain"},
		{name: "two filters", method: "GET", path: "/v1/datasets?owner=HealthMSP&status=listed",
			wantStatus: 400, wantField: "status", wantMessage: "at a time"},
		{name: "filter on a list without filters", method: "GET", path: "/v1/disclosure/grants?status=active",
			wantStatus: 400, wantField: "status"},
		{name: "bad event id", method: "GET", path: "/v1/events?lastEventId=yesterday",
			wantStatus: 400, wantField: "lastEventId"},
		{name: "no such route", method: "GET", path: "/v1/nothing",
			wantStatus: 404},
		{name: "method not allowed", method: "DELETE", path: "/v1/datasets/ds-1",
			wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			h := map[string]string{}
			if tt.contentType != "" {
				h["Content-Type"] = tt.contentType
			}
			rec := ts.do(t, request{method: tt.method, path: tt.path, body: tt.body, user: "Admin", header: h})
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			b := decodeErrorBody(t, rec)
			if b.Field != tt.wantField {
				t.Errorf("field: got %q, want %q (message %q)", b.Field, tt.wantField, b.Message)
			}
			if !strings.Contains(b.Message, tt.wantMessage) {
				t.Errorf("message: got %q, want it to contain %q", b.Message, tt.wantMessage)
			}
			if calls := ts.state.recorded(); len(calls) != 0 {
				t.Errorf("ledger calls: got %v, want none", calls)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	big := `{"id":"ds-1","name":"` + strings.Repeat("x", 4096) + `"}`
	tests := []struct {
		name    string
		chunked bool
		key     string
	}{
		{name: "content length over the limit"},
		{name: "chunked body over the limit", chunked: true},
		{name: "with an idempotency key", chunked: true, key: "k-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(o *Options) { o.MaxBodyBytes = 1024 })
			req := httptest.NewRequest(http.MethodPost, "/v1/datasets", strings.NewReader(big))
			req.Header.Set("Authorization", "Bearer "+ts.tokens["Admin"])
			req.Header.Set("Content-Type", "application/json")
			if tt.chunked {
				req.ContentLength = -1
			}
			if tt.key != "" {
				req.Header.Set("Idempotency-Key", tt.key)
			}
			rec := httptest.NewRecorder()
			ts.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status: got %d, want 413; body %s", rec.Code, rec.Body)
			}
			if b := decodeErrorBody(t, rec); b.Code != "payload_too_large" {
				t.Errorf("code: got %q, want payload_too_large", b.Code)
			}
			if calls := ts.state.recorded(); len(calls) != 0 {
				t.Errorf("ledger calls: got %v, want none", calls)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.RequestTimeout = 50 * time.Millisecond })
	ts.state.block["GetDataset"] = nil // blocks until the request's context ends
	start := time.Now()
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/datasets/ds-1", user: "Admin"})
	if rec.Code != http.StatusGatewayTimeout {
		t.Fatalf("status: got %d, want 504; body %s", rec.Code, rec.Body)
	}
	if b := decodeErrorBody(t, rec); b.Code != "timeout" {
		t.Errorf("code: got %q, want timeout", b.Code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("request took %v, want about the 50ms deadline", d)
	}
	if got := len(ts.state.recorded()); got != 1 {
		t.Errorf("ledger calls: got %d, want 1", got)
	}
}

func TestRequestID(t *testing.T) {
	tests := []struct {
		name, sent string
		wantEcho   bool
	}{
		{name: "client's id is echoed", sent: "req-42.a:b_c", wantEcho: true},
		{name: "none sent: one is made"},
		{name: "unsafe id replaced", sent: "bad id\twith spaces"},
		{name: "overlong id replaced", sent: strings.Repeat("a", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(o *Options) { o.RequestID = func() string { return "generated-1" } })
			h := map[string]string{}
			if tt.sent != "" {
				h["X-Request-ID"] = tt.sent
			}
			rec := ts.do(t, request{method: http.MethodGet, path: "/v1/datasets/ds-1", user: "User1", header: h})
			want := "generated-1"
			if tt.wantEcho {
				want = tt.sent
			}
			if got := rec.Header().Get("X-Request-ID"); got != want {
				t.Errorf("X-Request-ID: got %q, want %q", got, want)
			}
			var line map[string]any
			if err := json.Unmarshal([]byte(strings.TrimSpace(ts.logs.String())), &line); err != nil {
				t.Fatalf("request log %q is not one JSON line: %v", ts.logs, err)
			}
			for k, v := range map[string]any{"request_id": want, "org": "AuthorityMSP", "user": "User1", "route": "/v1/datasets/:id", "status": float64(200)} {
				if line[k] != v {
					t.Errorf("log %s: got %v, want %v", k, line[k], v)
				}
			}
		})
	}
}

func TestRecoveryHidesPanics(t *testing.T) {
	ts := newTestServer(t)
	ts.state.panics["GetDataset"] = true
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/datasets/ds-1", user: "Admin", header: map[string]string{"X-Request-ID": "rq-9"}})
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status: got %d, want 500", rec.Code)
	}
	b := decodeErrorBody(t, rec)
	if b.Code != "internal" || strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("body %s: want a generic internal error", rec.Body)
	}
	if !strings.Contains(b.Message, "rq-9") {
		t.Errorf("message %q: want the request ID to find the log", b.Message)
	}
	if !strings.Contains(ts.logs.String(), "secret detail") || !strings.Contains(ts.logs.String(), `"stack"`) {
		t.Errorf("log lacks the panic and its stack: %s", ts.logs)
	}
	// The server still serves.
	ts.state.panics["GetDataset"] = false
	if rec := ts.do(t, request{method: http.MethodGet, path: "/v1/datasets/ds-1", user: "Admin"}); rec.Code != http.StatusOK {
		t.Errorf("after a panic: got %d, want 200", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t)
	ts.do(t, request{method: http.MethodGet, path: "/v1/datasets/ds-1", user: "Admin"})
	ts.state.setErr("GetGrant", &client.Error{Kind: client.ErrRefused, Op: "GetGrant", Message: "no"})
	ts.do(t, request{method: http.MethodGet, path: "/v1/grants/g-1", user: "Admin"})
	rec := ts.do(t, request{method: http.MethodGet, path: "/metrics"})
	if rec.Code != http.StatusOK {
		t.Fatalf("status: got %d, want 200", rec.Code)
	}
	for _, want := range []string{
		`grantledger_api_requests_total{method="GET",route="/v1/datasets/:id",status="200"} 1`,
		`grantledger_api_requests_total{method="GET",route="/v1/grants/:id",status="422"} 1`,
		`grantledger_api_ledger_calls_total{op="GetDataset",outcome="ok"} 1`,
		`grantledger_api_ledger_calls_total{op="GetGrant",outcome="refused"} 1`,
		`grantledger_api_request_duration_seconds_bucket{method="GET",route="/v1/datasets/:id"`,
		`grantledger_api_ledger_call_duration_seconds_count{op="GetDataset"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
