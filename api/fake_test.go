package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// fakeCall is one call the fake ledger received.
type fakeCall struct {
	User string
	Op   string
	Args []any
}

// fakeState is what the fakes of one test share: the calls they received,
// and the error, block or panic the test sets for an operation.
type fakeState struct {
	mu      sync.Mutex
	calls   []fakeCall
	errs    map[string]error
	block   map[string]chan struct{} // op → released when closed; nil channel: until ctx ends
	panics  map[string]bool
	entered chan string // receives the op of every blocking call
}

func newFakeState() *fakeState {
	return &fakeState{errs: map[string]error{}, block: map[string]chan struct{}{}, panics: map[string]bool{}, entered: make(chan string, 16)}
}

func (s *fakeState) setErr(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[op] = err
}

func (s *fakeState) recorded() []fakeCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fakeCall(nil), s.calls...)
}

func (s *fakeState) ops() []string {
	var ops []string
	for _, c := range s.recorded() {
		ops = append(ops, c.Op)
	}
	return ops
}

// fake is one user's connection to the fake ledger. The fake of each
// concept (fakeDatasets, fakeGrants, … in the concept's test file) embeds
// it and implements that concept's interface only.
type fake struct {
	user  string
	state *fakeState
}

// answer records a call and returns res, or what the test set for op.
func answer[T any](f fake, ctx context.Context, op string, res T, args ...any) (T, error) {
	var zero T
	s := f.state
	s.mu.Lock()
	s.calls = append(s.calls, fakeCall{User: f.user, Op: op, Args: args})
	err, panics := s.errs[op], s.panics[op]
	release, blocks := s.block[op]
	s.mu.Unlock()
	if panics {
		panic("fake ledger exploded with secret detail")
	}
	if blocks {
		s.entered <- op
		select {
		case <-release:
		case <-ctx.Done():
			return zero, &client.Error{Kind: client.ErrUnavailable, Op: op, Message: "context done: " + ctx.Err().Error(), Err: ctx.Err()}
		}
	}
	if err != nil {
		return zero, err
	}
	return res, nil
}

// fakeLedger is the Ledger composed of the concepts' fakes. A test of one
// handler group sets only that group's part; a call to any other panics,
// which the server answers 500.
type fakeLedger struct {
	ConfigLedger
	ActorLedger
	ParticipantLedger
	ExpertLedger
	DatasetLedger
	CallLedger
	ApplicationLedger
	ReviewLedger
	GrantLedger
	AgreementLedger
	AttestorLedger
	ReceiptLedger
	ProductLedger
	AuditLedger
	EventSource
	IncidentLedger
	UsageLedger
	DataRequestLedger
	NoticeLedger
	FeeLedger
}

// wholeFake is the whole ledger, every concept answering with defaults:
// what the server-level tests run on.
func wholeFake(f fake) Ledger {
	return fakeLedger{
		ConfigLedger: fakeConfig{f}, ActorLedger: fakeActor{f},
		ParticipantLedger: fakeParticipants{f}, ExpertLedger: fakeExperts{f},
		DatasetLedger: fakeDatasets{f}, CallLedger: fakeCalls{f},
		ApplicationLedger: fakeApplications{f}, ReviewLedger: fakeReviews{f},
		GrantLedger: fakeGrants{f}, AgreementLedger: fakeAgreements{f},
		AttestorLedger: fakeAttestors{f}, ReceiptLedger: fakeReceipts{f, &receiptBook{}},
		ProductLedger: fakeProducts{f}, AuditLedger: fakeAudit{f, nil},
		EventSource:    fakeEvents{f, &eventScript{}},
		IncidentLedger: fakeIncidents{f},
		UsageLedger:    fakeUsage{f},

		DataRequestLedger: fakeDataRequests{f},
		NoticeLedger:      fakeNotices{f},
		FeeLedger:         fakeFees{f},
	}
}

// fakeConnector connects every user to the ledger compose makes over the
// same fake state.
func fakeConnector(s *fakeState, compose func(fake) Ledger) Connect {
	return func(_ context.Context, user string) (Ledger, error) {
		return compose(fake{user: user, state: s}), nil
	}
}

// testServer is a Server over a fake ledger with two users.
type testServer struct {
	*Server
	state  *fakeState
	tokens map[string]string // user → token
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newTestServer is a Server over the whole fake ledger.
func newTestServer(t *testing.T, configure ...func(*Options)) *testServer {
	t.Helper()
	return newServerOver(t, wholeFake, configure...)
}

// newServerOver is a Server whose users each get the ledger compose makes.
func newServerOver(t *testing.T, compose func(fake) Ledger, configure ...func(*Options)) *testServer {
	t.Helper()
	users := []string{"Admin", "User1"}
	plain, file, err := IssueTokens("AuthorityMSP", users, rand.Reader)
	if err != nil {
		t.Fatalf("IssueTokens: %v", err)
	}
	auth, err := NewAuthenticator(file)
	if err != nil {
		t.Fatalf("NewAuthenticator: %v", err)
	}
	state := newFakeState()
	logs := &syncBuffer{}
	o := Options{
		Org:        "AuthorityMSP",
		Identities: NewPool(users, fakeConnector(state, compose)),
		Tokens:     auth,
		Logger:     slog.New(slog.NewJSONHandler(logs, nil)),
		ReadyUser:  "Admin",
	}
	for _, c := range configure {
		c(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := &testServer{Server: s, state: state, tokens: map[string]string{}, logs: logs}
	for _, p := range plain {
		ts.tokens[p.User] = p.Token
	}
	return ts
}

// request is one HTTP request of a test.
type request struct {
	method, path, body string
	user               string // "": no Authorization header
	header             map[string]string
}

func (ts *testServer) do(t *testing.T, r request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.user != "" {
		req.Header.Set("Authorization", "Bearer "+ts.tokens[r.user])
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// decodeError reads an error response's body, failing the test when it is
// not exactly {code, message[, field]}.
func decodeErrorBody(t *testing.T, rec *httptest.ResponseRecorder) ErrorBody {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type = %q, want application/json; body %s", ct, rec.Body)
	}
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body, err)
	}
	for k := range raw {
		if k != "code" && k != "message" && k != "field" {
			t.Errorf("error body has key %q; want only code, message, field", k)
		}
	}
	var b ErrorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &b)
	if b.Code == "" || b.Message == "" {
		t.Errorf("error body %s lacks code or message", rec.Body)
	}
	return b
}

// checkAnswer fails the test unless rec has wantStatus and, when wantCode
// is set, is an error body of that code. It reports whether rec is such an
// error, leaving nothing else to check.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantCode string) (failed bool) {
	t.Helper()
	if rec.Code != wantStatus {
		t.Fatalf("status: got %d, want %d; body %s", rec.Code, wantStatus, rec.Body)
	}
	if wantCode == "" {
		return false
	}
	if b := decodeErrorBody(t, rec); b.Code != wantCode {
		t.Errorf("code: got %q, want %q", b.Code, wantCode)
	}
	return true
}

// Valid request bodies, reused by several tests.
const (
	digest      = "0x" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"
	datasetBody = `{"id":"ds-1","name":"Clinics","domain":"health","fields":[{"name":"visits","sensitivity":2}],"classification":"general","personalInfo":false,"provinceReturned":false}`
	scopeJSON   = `{"datasets":[{"id":"ds-1","fields":["visits"]}],"purposes":["research"],"operations":["statistics"]}`
	termJSON    = `{"validFrom":"2026-01-01T00:00:00Z","validTo":"2027-01-01T00:00:00Z"}`
	statement   = `{"receiptId":"r-1","grantId":"g-1","datasets":[{"id":"ds-1","fields":["visits"]}],"operation":"statistics","purpose":"research","records":10,"inputDigest":"` + digest + `","outputDigest":"` + digest + `","time":1767225600}`
	signature   = "0x" + "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111" + "1b"
)
