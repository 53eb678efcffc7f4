package anchor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

// stubView decides the cheap checks as told.
type stubView struct {
	mu     sync.Mutex
	err    error
	loaded bool
	checks int
}

func (v *stubView) Check(context.Context, *ledger.SignedStatement) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.checks++
	return v.err
}

func (v *stubView) Loaded() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.loaded
}

// tokens maps bearer tokens to users.
type tokens map[string]string

func (t tokens) User(token string) (string, bool) { u, ok := t[token]; return u, ok }

type testServer struct {
	*Server
	log  *Log
	view *stubView
	reg  *prometheus.Registry
}

// newTestServer serves a fresh log; opts change the server's options.
func newTestServer(t *testing.T, opts ...func(*Options)) *testServer {
	t.Helper()
	gin.SetMode(gin.TestMode)
	l, _ := openTestLog(t)
	view := &stubView{loaded: true}
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Org: "PlatformMSP", Log: l, View: view, Tokens: tokens{"tok-1": "User1"}, Logger: slog.New(slog.DiscardHandler),
		Metrics: m, Gatherer: reg, Ready: func(context.Context) (string, error) { return "AuthorityMSP", nil },
		Heartbeat: 20 * time.Millisecond, Now: func() time.Time { return t0 },
	}
	for _, opt := range opts {
		opt(&o)
	}
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.StopStreams)
	return &testServer{Server: s, log: l, view: view, reg: reg}
}

// do sends a request with the token (unless token is "") and returns the
// response.
func (s *testServer) do(t *testing.T, method, path, token string, body []byte, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func receiptBody(t *testing.T, r ledger.ReceiptRequest) []byte {
	t.Helper()
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
	return v
}

func TestSubmitAcknowledgesDurably(t *testing.T) {
	s := newTestServer(t)
	res := s.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt("r-1")))
	if res.Code != http.StatusAccepted || res.Header().Get("Location") != "/v1/receipts/r-1" {
		t.Fatalf("post: got %d %q (Location %q), want 202 at /v1/receipts/r-1", res.Code, res.Body, res.Header().Get("Location"))
	}
	got := decode[ReceiptStatus](t, res)
	if got.ReceiptID != "r-1" || got.Status != StatusPending || got.StatusURL != "/v1/receipts/r-1" || got.Leaf != attest.HexDigest(statement("r-1").Digest()) {
		t.Errorf("202 body: got %+v", got)
	}
	rec, err := s.log.Receipt("r-1")
	if err != nil || rec.User != "User1" || rec.Seq != 1 {
		t.Fatalf("the log: got %+v, %v; want r-1 at 1, posted by User1", rec, err)
	}
	// The same receipt again: the same answer, nothing appended, no check.
	checks := s.view.checks
	again := s.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt("r-1")))
	if again.Code != http.StatusAccepted || decode[ReceiptStatus](t, again).ReceiptID != "r-1" || s.view.checks != checks {
		t.Errorf("post again: got %d %s after %d checks, want 202 without checking again", again.Code, again.Body, s.view.checks-checks)
	}
	if c, _ := s.log.Counts(); c.Receipts != 1 {
		t.Errorf("the log holds %d receipts, want 1", c.Receipts)
	}
	// Upper-case hex is the same signature: stored as the contract keeps it.
	up := receipt("r-2")
	up.Signature = "0x" + strings.ToUpper(up.Signature[2:])
	if res := s.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, up)); res.Code != http.StatusAccepted {
		t.Fatalf("upper-case signature: got %d %s", res.Code, res.Body)
	}
	if rec, _ := s.log.Receipt("r-2"); rec.Request.Signature != strings.ToLower(up.Signature) {
		t.Errorf("stored signature %s, want it in lower case", rec.Request.Signature)
	}
}

// TestSubmitRefusals: what the service refuses answers as the API does,
// and appends nothing.
func TestSubmitRefusals(t *testing.T) {
	// A signature that recovers to no key at all; one over another
	// statement recovers to some other address, which the view refuses
	// as not registered (view_test.go).
	forged := receipt("r-f")
	forged.Signature = "0x" + strings.Repeat("00", 65)
	otherStatement := statement("r-1")
	otherStatement.Records = 42
	tests := []struct {
		name      string
		body      []byte
		header    []string
		token     string
		viewErr   error
		status    int
		code      string
		field     string
		message   string
		appended  uint64
		preloaded bool
	}{
		{name: "malformed JSON", body: []byte(`{"statement":`), status: 400, code: "invalid", message: "malformed JSON"},
		{name: "unknown field", body: []byte(`{"statement":{"colour":"red"},"signature":"0x"}`), status: 400, code: "invalid", field: "statement.colour"},
		{name: "no signature", body: []byte(`{"statement":` + mustJSON(t, statement("r-1")) + `}`), status: 400, code: "invalid", field: "signature"},
		{name: "a bad receipt ID", body: receiptBody(t, func() ledger.ReceiptRequest { r := receipt("r-1"); r.Statement.ReceiptID = "-x"; return r }()), status: 400, code: "invalid", field: "statement.receiptId"},
		{name: "a forged signature", body: receiptBody(t, forged), status: 422, code: "refused", message: "submit receipt r-f: forged signature"},
		{name: "refused by the view", body: receiptBody(t, receipt("r-1")), viewErr: refuse("r-1", "out of scope: purpose x is not granted by g-1"),
			status: 422, code: "refused", message: "submit receipt r-1: out of scope: purpose x is not granted by g-1"},
		{name: "invalid by the view", body: receiptBody(t, receipt("r-1")), viewErr: &api.InputError{Field: "statement.time", Msg: "is in the future"},
			status: 400, code: "invalid", field: "statement.time"},
		{name: "another statement under a logged ID", preloaded: true, appended: 1,
			body:   receiptBody(t, ledger.ReceiptRequest{Statement: otherStatement, Signature: testAttestor.Sign(otherStatement)}),
			status: 409, code: "conflict", message: "receipt r-1 is already in the anchoring log (position 1) with another statement"},
		{name: "too large", body: append(receiptBody(t, receipt("r-1")), bytes.Repeat([]byte(" "), DefaultMaxBodyBytes)...), status: 413, code: "payload_too_large"},
		{name: "not JSON", body: receiptBody(t, receipt("r-1")), header: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "no token", body: receiptBody(t, receipt("r-1")), token: "-", status: 401, code: "unauthenticated"},
		{name: "an unknown token", body: receiptBody(t, receipt("r-1")), token: "tok-2", status: 401, code: "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			if tt.preloaded {
				appendN(t, s.log, 1, 1)
			}
			s.view.err = tt.viewErr
			token := "tok-1"
			switch tt.token {
			case "-":
				token = ""
			case "":
			default:
				token = tt.token
			}
			res := s.do(t, http.MethodPost, "/v1/receipts", token, tt.body, tt.header...)
			body := decode[api.ErrorBody](t, res)
			if res.Code != tt.status || body.Code != tt.code || body.Field != tt.field || !strings.Contains(body.Message, tt.message) {
				t.Errorf("got %d %+v, want %d %s field %q message with %q", res.Code, body, tt.status, tt.code, tt.field, tt.message)
			}
			if tt.status == 401 && res.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if c, _ := s.log.Counts(); c.Receipts != tt.appended {
				t.Errorf("the log holds %d receipts, want %d", c.Receipts, tt.appended)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestStatus(t *testing.T) {
	s := newTestServer(t)
	appendN(t, s.log, 1, 3)
	pending := s.do(t, http.MethodGet, "/v1/receipts/r-2", "tok-1", nil)
	if got := decode[ReceiptStatus](t, pending); pending.Code != 200 || got.Status != StatusPending || got.Index != nil || got.Proof != nil {
		t.Fatalf("pending: got %d %s", pending.Code, pending.Body)
	}
	f := newFakeLedger()
	f.refuse["r-3"] = "submit receipt r-3: over quota: grant g-1 has used all 2 calls"
	b, batch := settleFirst(t, s.log, f)
	for i, id := range []string{"r-1", "r-2"} {
		res := s.do(t, http.MethodGet, "/v1/receipts/"+id, "tok-1", nil)
		got := decode[ReceiptStatus](t, res)
		if res.Code != 200 || got.Status != StatusAnchored || got.Index == nil || *got.Index != i || got.BatchID != b.ID || got.TxID != batch.Created.TxID || got.Root != batch.Root || got.SettledAt == nil {
			t.Fatalf("%s: got %d %s", id, res.Code, res.Body)
		}
		root, _ := attest.ParseDigest(got.Root)
		leaf, _ := attest.ParseDigest(got.Leaf)
		if leaf != statement(id).Digest() || !attest.VerifyProof(leaf, got.Proof, root) {
			t.Errorf("%s: the proof in the answer does not verify", id)
		}
	}
	refused := decode[ReceiptStatus](t, s.do(t, http.MethodGet, "/v1/receipts/r-3", "tok-1", nil))
	if refused.Status != StatusRefused || refused.Reason != f.refuse["r-3"] || refused.Kind != "refused" || refused.Index != nil {
		t.Errorf("r-3: got %+v, want refused with the contract's reason", refused)
	}
	for path, want := range map[string]int{"/v1/receipts/r-9": 404, "/v1/receipts/-x": 400, "/v1/nothing": 404} {
		if res := s.do(t, http.MethodGet, path, "tok-1", nil); res.Code != want {
			t.Errorf("GET %s: got %d %s, want %d", path, res.Code, res.Body, want)
		}
	}
	if b := decode[api.ErrorBody](t, s.do(t, http.MethodGet, "/v1/receipts/r-9", "tok-1", nil)); b.Code != "not_found" || b.Message != "receipt r-9 is not in the anchoring log" {
		t.Errorf("unknown receipt: got %+v", b)
	}
	if res := s.do(t, http.MethodDelete, "/v1/receipts/r-1", "tok-1", nil); res.Code != 405 || decode[api.ErrorBody](t, res).Code != "method_not_allowed" {
		t.Errorf("DELETE: got %d %s, want 405", res.Code, res.Body)
	}
	if res := s.do(t, http.MethodGet, "/v1/receipts/r-1", "", nil); res.Code != 401 {
		t.Errorf("GET without a token: got %d, want 401", res.Code)
	}
}

func TestOperations(t *testing.T) {
	s := newTestServer(t)
	if res := s.do(t, http.MethodGet, "/healthz", "", nil); res.Code != 200 {
		t.Errorf("healthz: got %d", res.Code)
	}
	s.view.loaded = false
	if res := s.do(t, http.MethodGet, "/readyz", "", nil); res.Code != 503 || decode[api.ErrorBody](t, res).Code != "not_ready" {
		t.Errorf("readyz before the view is read: got %d %s, want 503 not_ready", res.Code, res.Body)
	}
	s.view.loaded = true
	res := s.do(t, http.MethodGet, "/readyz", "", nil)
	if got := decode[health](t, res); res.Code != 200 || got.Authority != "AuthorityMSP" {
		t.Errorf("readyz: got %d %s", res.Code, res.Body)
	}
	s.ready = func(context.Context) (string, error) { return "", unavailable("no peer") }
	if res := s.do(t, http.MethodGet, "/readyz", "", nil); res.Code != 503 {
		t.Errorf("readyz with the peer down: got %d, want 503", res.Code)
	}
	s.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt("r-1")))
	metrics := s.do(t, http.MethodGet, "/metrics", "", nil).Body.String()
	for _, want := range []string{
		`grantledger_anchor_requests_total{method="POST",route="/v1/receipts",status="202"} 1`,
		`grantledger_anchor_receipts_total{outcome="acknowledged"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// sseReader reads SSE events from a stream.
type sseReader struct {
	sc *bufio.Scanner
}

type sse struct {
	ID, Event string
	Data      sseEvent
}

// next returns the next event, skipping comments and the retry line.
func (r *sseReader) next(t *testing.T) sse {
	t.Helper()
	var e sse
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "" && e.ID != "":
			return e
		case strings.HasPrefix(line, "id: "):
			e.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			e.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e.Data); err != nil {
				t.Fatalf("data line %q: %v", line, err)
			}
		}
	}
	t.Fatalf("the stream ended: %v", r.sc.Err())
	return e
}

// stream opens /v1/events on srv with the headers given.
func stream(t *testing.T, ctx context.Context, srv *httptest.Server, query string, header ...string) (*http.Response, *sseReader) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/events"+query, nil)
	req.Header.Set("Authorization", "Bearer tok-1")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res, &sseReader{sc: bufio.NewScanner(res.Body)}
}

// TestEventsResume: the stream sends the log's events with their IDs; a
// client that comes back with the last ID it got resumes right after it,
// live events included, without a gap or a repeat.
func TestEventsResume(t *testing.T) {
	s := newTestServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	appendN(t, s.log, 1, 3)
	f := newFakeLedger()
	settleFirst(t, s.log, f) // events 1-3: receipts, 4: the batch

	ctx, cancel := context.WithCancel(t.Context())
	res, r := stream(t, ctx, srv, "?lastEventId=0")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: got %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var got []string
	for range 2 {
		e := r.next(t)
		got = append(got, e.ID+" "+e.Event)
		if e.Data.ID != e.ID || e.Data.Type != e.Event {
			t.Errorf("event %s: data names %s %s", e.ID, e.Data.ID, e.Data.Type)
		}
	}
	var st ReceiptStatus
	cancel() // the client goes away after event 2
	if err := json.Unmarshal(mustData(t, s.log, 1), &st); err != nil || st.ReceiptID != "r-1" || st.Status != StatusAnchored {
		t.Errorf("event 1 payload: %+v, %v", st, err)
	}

	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	_, r = stream(t, ctx, srv, "", "Last-Event-ID", "2")
	for range 2 {
		e := r.next(t)
		got = append(got, e.ID+" "+e.Event)
	}
	// Live: a batch settled while the client listens.
	appendN(t, s.log, 4, 1)
	settleFirst(t, s.log, f)
	for range 2 {
		e := r.next(t)
		got = append(got, e.ID+" "+e.Event)
	}
	want := []string{"1 receipt.anchored", "2 receipt.anchored", "3 receipt.anchored", "4 batch.anchored", "5 receipt.anchored", "6 batch.anchored"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events:\ngot  %v\nwant %v", got, want)
	}

	for _, tc := range []struct{ query, header, value, field string }{
		{"", "Last-Event-ID", "x", "Last-Event-ID"},
		{"?lastEventId=99", "", "", "lastEventId"},
		{"?from=1", "", "", "from"},
	} {
		res := s.do(t, http.MethodGet, "/v1/events"+tc.query, "tok-1", nil, tc.header, tc.value)
		if b := decode[api.ErrorBody](t, res); res.Code != 400 || b.Field != tc.field {
			t.Errorf("events%s %s=%s: got %d %+v, want 400 on %s", tc.query, tc.header, tc.value, res.Code, b, tc.field)
		}
	}
}

// TestEventsFromNow: without an ID the stream starts after the last
// event recorded, and keeps idle connections open with comments.
func TestEventsFromNow(t *testing.T) {
	s := newTestServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	appendN(t, s.log, 1, 1)
	f := newFakeLedger()
	settleFirst(t, s.log, f)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, r := stream(t, ctx, srv, "")
	// Wait for a keep-alive: the stream is open and past its start.
	for r.sc.Scan() && r.sc.Text() != ": keep-alive" {
	}
	appendN(t, s.log, 2, 1)
	settleFirst(t, s.log, f)
	if e := r.next(t); e.ID != "3" || e.Event != "receipt.anchored" {
		t.Errorf("first event: got %s %s, want 3 receipt.anchored", e.ID, e.Event)
	}
	cancel()
	_, _ = io.Copy(io.Discard, res.Body)
}

func mustData(t *testing.T, l *Log, id uint64) []byte {
	t.Helper()
	evs, err := l.EventsAfter(id-1, 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("event %d: %v", id, err)
	}
	return evs[0].Data
}

// A receipt posted while the log holds MaxBacklog receipts unsettled waits
// for a batch to settle; if its deadline comes first it is answered 503
// and not recorded.
func TestBacklogHoldsNewReceipts(t *testing.T) {
	gin.SetMode(gin.TestMode)
	l, _ := openTestLog(t)
	s, err := NewServer(Options{
		Org: "PlatformMSP", Log: l, View: &stubView{loaded: true}, Tokens: tokens{"tok-1": "User1"}, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return t0 }, MaxBacklog: 2, RequestTimeout: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.StopStreams)
	ts := &testServer{Server: s, log: l}
	for _, id := range []string{"r-1", "r-2"} {
		if rec := ts.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt(id))); rec.Code != http.StatusAccepted {
			t.Fatalf("%s: got %d %s", id, rec.Code, rec.Body)
		}
	}
	rec := ts.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt("r-3")))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" || !strings.Contains(rec.Body.String(), `"code":"overloaded","message":"the anchoring service is behind: 2 receipts wait to be anchored`) {
		t.Fatalf("r-3 beyond the backlog: got %d %s, want 503", rec.Code, rec.Body)
	}
	if _, err := l.Receipt("r-3"); !errors.Is(err, ErrUnknownReceipt) {
		t.Fatalf("r-3 was recorded: %v", err)
	}
	// A receipt already in the log is answered at once, backlog or not.
	if rec := ts.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt("r-1"))); rec.Code != http.StatusAccepted {
		t.Errorf("r-1 again: got %d %s", rec.Code, rec.Body)
	}
	// r-3 waits while the batcher anchors the first two, then is taken.
	f := newFakeLedger()
	b := newTestBatcher(t, l, f, 2, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = b.Run(ctx) }()
	s.timeout = 10 * time.Second
	if rec := ts.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt("r-3"))); rec.Code != http.StatusAccepted {
		t.Fatalf("r-3 once a batch settled: got %d %s", rec.Code, rec.Body)
	}
	if n, err := l.Unsettled(); err != nil || n != 1 {
		t.Errorf("unsettled: got %d, %v; want r-3 alone", n, err)
	}
}

// TestBacklogRead: GET /v1/backlog answers the log's backlog and the
// service's bound, to a bearer token only.
func TestBacklogRead(t *testing.T) {
	s := newTestServer(t)
	if rec := s.do(t, http.MethodGet, "/v1/backlog", "", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no token: got %d, want 401", rec.Code)
	}
	rec := s.do(t, http.MethodGet, "/v1/backlog", "tok-1", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if got := decode[api.AnchoringBacklog](t, rec); got != (api.AnchoringBacklog{MaxBacklog: DefaultMaxBacklog}) {
		t.Errorf("empty log: got %+v", got)
	}
	if strings.Contains(rec.Body.String(), "inFlight") || strings.Contains(rec.Body.String(), "oldestPending") {
		t.Errorf("empty log: %s names a batch in flight or an oldest receipt", rec.Body)
	}
	for _, id := range []string{"r-1", "r-2", "r-3"} {
		if rec := s.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt(id))); rec.Code != http.StatusAccepted {
			t.Fatalf("%s: got %d %s", id, rec.Code, rec.Body)
		}
	}
	b, err := s.log.Cut(2, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := decode[api.AnchoringBacklog](t, s.do(t, http.MethodGet, "/v1/backlog", "tok-1", nil))
	want := api.AnchoringBacklog{Pending: 3, Waiting: 1, OldestPending: t0, Received: 3, MaxBacklog: DefaultMaxBacklog,
		InFlight: &api.BatchInFlight{ID: b.ID, Size: 2, Since: t0.Add(time.Second)}}
	if got.InFlight == nil || *got.InFlight != *want.InFlight {
		t.Fatalf("in flight: got %+v, want %+v", got.InFlight, want.InFlight)
	}
	got.InFlight, want.InFlight = nil, nil
	if got != want {
		t.Errorf("backlog: got %+v, want %+v", got, want)
	}
}

// Receipts acknowledged are logged at debug, one line each; a refused
// post and the other routes stay at info or above.
func TestAcknowledgedReceiptsAreLoggedAtDebug(t *testing.T) {
	var out bytes.Buffer
	ts := newTestServer(t, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if rec := ts.do(t, http.MethodPost, "/v1/receipts", "tok-1", receiptBody(t, receipt("r-1"))); rec.Code != http.StatusAccepted {
		t.Fatalf("r-1: got %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(t, http.MethodPost, "/v1/receipts", "tok-1", []byte(`{"statement":`)); rec.Code != http.StatusBadRequest {
		t.Fatalf("a malformed body: got %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(t, http.MethodGet, "/v1/receipts/r-1", "tok-1", nil); rec.Code != http.StatusOK {
		t.Fatalf("r-1's status: got %d %s", rec.Code, rec.Body)
	}
	type line struct {
		Level, Method, Path string
		Status              int
	}
	var got []line
	dec := json.NewDecoder(&out)
	for dec.More() {
		var l line
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	want := []line{
		{"DEBUG", "POST", "/v1/receipts", 202},
		{"WARN", "POST", "/v1/receipts", 400},
		{"INFO", "GET", "/v1/receipts/r-1", 200},
	}
	if !slices.Equal(got, want) {
		t.Errorf("request log: got %+v, want %+v", got, want)
	}
}
