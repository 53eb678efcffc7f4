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
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
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

// fakeLedger is the ledger at the process boundary: it records every call
// and answers with a default result, or with the error, block or panic a
// test sets for the operation.
type fakeLedger struct {
	user  string
	state *fakeState
}

type fakeState struct {
	mu      sync.Mutex
	calls   []fakeCall
	errs    map[string]error
	block   map[string]chan struct{} // op → released when closed; nil channel: until ctx ends
	panics  map[string]bool
	entered chan string // receives the op of every blocking call

	events       []client.ChainEvent
	eventsStart  []*uint64
	eventsHold   bool // keep the event channel open after the last event
	eventsDelay  time.Duration
	history      []ledger.HistoryEntry
	receipts     map[string]ledger.Receipt
	batch        *ledger.Batch
	hiddenInPage int // receipts of the batch QueryReceipts leaves out
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

// answer records a call and returns res, or what the test set for op.
func answer[T any](f *fakeLedger, ctx context.Context, op string, res T, args ...any) (T, error) {
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

func (f *fakeLedger) GetConfig(ctx context.Context) (*client.Config, error) {
	return answer(f, ctx, "GetConfig", &client.Config{AuthorityMSP: "AuthorityMSP"})
}
func (f *fakeLedger) WhoAmI(ctx context.Context) (*ledger.Actor, error) {
	return answer(f, ctx, "WhoAmI", &ledger.Actor{MSP: "AuthorityMSP", Client: "x509::CN=" + f.user, Role: ledger.RoleAuthority})
}
func (f *fakeLedger) GetHistory(ctx context.Context, objectType, id string) ([]ledger.HistoryEntry, error) {
	return answer(f, ctx, "GetHistory", f.state.history, objectType, id)
}
func (f *fakeLedger) RegisterParticipant(ctx context.Context, req ledger.ParticipantRequest) (*ledger.Participant, error) {
	return answer(f, ctx, "RegisterParticipant", &ledger.Participant{MSP: req.MSP, Role: req.Role, Name: req.Name}, req)
}
func (f *fakeLedger) SetOperatorStatus(ctx context.Context, req ledger.OperatorStatusRequest) (*ledger.Participant, error) {
	return answer(f, ctx, "SetOperatorStatus", &ledger.Participant{MSP: req.MSP, Status: req.Status}, req)
}
func (f *fakeLedger) RecordEvaluation(ctx context.Context, req ledger.EvaluationRequest) (*ledger.Participant, error) {
	return answer(f, ctx, "RecordEvaluation", &ledger.Participant{MSP: req.MSP}, req)
}
func (f *fakeLedger) GetParticipant(ctx context.Context, msp string) (*ledger.Participant, error) {
	return answer(f, ctx, "GetParticipant", &ledger.Participant{MSP: msp}, msp)
}
func (f *fakeLedger) QueryParticipants(ctx context.Context, q ledger.Query) (*ledger.ParticipantPage, error) {
	return answer(f, ctx, "QueryParticipants", &ledger.ParticipantPage{Items: []ledger.Participant{}}, q)
}
func (f *fakeLedger) RegisterExpert(ctx context.Context, req ledger.ExpertRequest) (*ledger.Expert, error) {
	return answer(f, ctx, "RegisterExpert", &ledger.Expert{MSP: req.MSP, Client: req.Client, Name: req.Name, Status: ledger.ExpertActive}, req)
}
func (f *fakeLedger) RetireExpert(ctx context.Context, client, reason string) (*ledger.Expert, error) {
	return answer(f, ctx, "RetireExpert", &ledger.Expert{Client: client, Status: ledger.ExpertRetired, Reason: reason}, client, reason)
}
func (f *fakeLedger) GetExpert(ctx context.Context, client string) (*ledger.Expert, error) {
	return answer(f, ctx, "GetExpert", &ledger.Expert{Client: client}, client)
}
func (f *fakeLedger) QueryExperts(ctx context.Context, q ledger.Query) (*ledger.ExpertPage, error) {
	return answer(f, ctx, "QueryExperts", &ledger.ExpertPage{Items: []ledger.Expert{}}, q)
}
func (f *fakeLedger) CreateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return answer(f, ctx, "CreateDataset", &ledger.Dataset{ID: req.ID, Name: req.Name}, req)
}
func (f *fakeLedger) UpdateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return answer(f, ctx, "UpdateDataset", &ledger.Dataset{ID: req.ID, Name: req.Name}, req)
}
func (f *fakeLedger) WithdrawDataset(ctx context.Context, id, reason string) (*ledger.Dataset, error) {
	return answer(f, ctx, "WithdrawDataset", &ledger.Dataset{ID: id}, id, reason)
}
func (f *fakeLedger) RelistDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return answer(f, ctx, "RelistDataset", &ledger.Dataset{ID: id}, id)
}
func (f *fakeLedger) GetDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return answer(f, ctx, "GetDataset", &ledger.Dataset{ID: id}, id)
}
func (f *fakeLedger) QueryDatasets(ctx context.Context, q ledger.Query) (*ledger.DatasetPage, error) {
	return answer(f, ctx, "QueryDatasets", &ledger.DatasetPage{Items: []ledger.Dataset{}}, q)
}
func (f *fakeLedger) PublishCall(ctx context.Context, req ledger.CallRequest) (*ledger.Call, error) {
	return answer(f, ctx, "PublishCall", &ledger.Call{ID: req.ID}, req)
}
func (f *fakeLedger) CancelCall(ctx context.Context, id, reason string) (*ledger.Call, error) {
	return answer(f, ctx, "CancelCall", &ledger.Call{ID: id}, id, reason)
}
func (f *fakeLedger) GetCall(ctx context.Context, id string) (*ledger.Call, error) {
	return answer(f, ctx, "GetCall", &ledger.Call{ID: id}, id)
}
func (f *fakeLedger) QueryCalls(ctx context.Context, q ledger.Query) (*ledger.CallPage, error) {
	return answer(f, ctx, "QueryCalls", &ledger.CallPage{Items: []ledger.Call{}}, q)
}
func (f *fakeLedger) SubmitApplication(ctx context.Context, req ledger.ApplicationRequest) (*ledger.Application, error) {
	return answer(f, ctx, "SubmitApplication", &ledger.Application{ID: req.ID}, req)
}
func (f *fakeLedger) WithdrawApplication(ctx context.Context, id, reason string) (*ledger.Application, error) {
	return answer(f, ctx, "WithdrawApplication", &ledger.Application{ID: id}, id, reason)
}
func (f *fakeLedger) GetApplication(ctx context.Context, id string) (*ledger.Application, error) {
	return answer(f, ctx, "GetApplication", &ledger.Application{ID: id}, id)
}
func (f *fakeLedger) QueryApplications(ctx context.Context, q ledger.Query) (*ledger.ApplicationPage, error) {
	return answer(f, ctx, "QueryApplications", &ledger.ApplicationPage{Items: []ledger.Application{}}, q)
}
func (f *fakeLedger) RecordReview(ctx context.Context, req ledger.ReviewRequest) (*ledger.Review, error) {
	return answer(f, ctx, "RecordReview", &ledger.Review{ID: req.ID}, req)
}
func (f *fakeLedger) GetReview(ctx context.Context, id string) (*ledger.Review, error) {
	return answer(f, ctx, "GetReview", &ledger.Review{ID: id}, id)
}
func (f *fakeLedger) QueryReviews(ctx context.Context, q ledger.Query) (*ledger.ReviewPage, error) {
	return answer(f, ctx, "QueryReviews", &ledger.ReviewPage{Items: []ledger.Review{}}, q)
}
func (f *fakeLedger) RecordOpinion(ctx context.Context, req ledger.OpinionRequest) (*ledger.Opinion, error) {
	return answer(f, ctx, "RecordOpinion", &ledger.Opinion{ID: req.ID}, req)
}
func (f *fakeLedger) QueryOpinions(ctx context.Context, q ledger.Query) (*ledger.OpinionPage, error) {
	return answer(f, ctx, "QueryOpinions", &ledger.OpinionPage{Items: []ledger.Opinion{}}, q)
}
func (f *fakeLedger) IssueGrant(ctx context.Context, req ledger.GrantRequest) (*ledger.Grant, error) {
	return answer(f, ctx, "IssueGrant", &ledger.Grant{ID: req.ID}, req)
}
func (f *fakeLedger) ApproveGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f, ctx, "ApproveGrant", &ledger.Grant{ID: id}, id)
}
func (f *fakeLedger) RejectGrant(ctx context.Context, id, reason string) (*ledger.Grant, error) {
	return answer(f, ctx, "RejectGrant", &ledger.Grant{ID: id}, id, reason)
}
func (f *fakeLedger) SuspendGrant(ctx context.Context, id, reason string) (*ledger.Grant, error) {
	return answer(f, ctx, "SuspendGrant", &ledger.Grant{ID: id}, id, reason)
}
func (f *fakeLedger) ResumeGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f, ctx, "ResumeGrant", &ledger.Grant{ID: id}, id)
}
func (f *fakeLedger) RevokeGrant(ctx context.Context, id, reason string) (*ledger.Grant, error) {
	return answer(f, ctx, "RevokeGrant", &ledger.Grant{ID: id}, id, reason)
}
func (f *fakeLedger) ExpireGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f, ctx, "ExpireGrant", &ledger.Grant{ID: id}, id)
}
func (f *fakeLedger) ProposeSubGrant(ctx context.Context, req ledger.SubGrantRequest) (*ledger.Grant, error) {
	return answer(f, ctx, "ProposeSubGrant", &ledger.Grant{ID: req.ID, ParentID: req.ParentID}, req)
}
func (f *fakeLedger) ActivateSubGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f, ctx, "ActivateSubGrant", &ledger.Grant{ID: id}, id)
}
func (f *fakeLedger) GetGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return answer(f, ctx, "GetGrant", &ledger.Grant{ID: id}, id)
}
func (f *fakeLedger) GetGrantUsage(ctx context.Context, id string) (*ledger.Usage, error) {
	return answer(f, ctx, "GetGrantUsage", &ledger.Usage{GrantID: id}, id)
}
func (f *fakeLedger) QueryGrants(ctx context.Context, q ledger.Query) (*ledger.GrantPage, error) {
	return answer(f, ctx, "QueryGrants", &ledger.GrantPage{Items: []ledger.Grant{}}, q)
}
func (f *fakeLedger) ProposeAgreement(ctx context.Context, req ledger.AgreementRequest) (*ledger.Agreement, error) {
	return answer(f, ctx, "ProposeAgreement", &ledger.Agreement{ID: req.ID}, req)
}
func (f *fakeLedger) SignAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return answer(f, ctx, "SignAgreement", &ledger.Agreement{ID: id}, id)
}
func (f *fakeLedger) GetAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return answer(f, ctx, "GetAgreement", &ledger.Agreement{ID: id}, id)
}
func (f *fakeLedger) QueryAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementPage, error) {
	return answer(f, ctx, "QueryAgreements", &ledger.AgreementPage{Items: []ledger.Agreement{}}, q)
}
func (f *fakeLedger) RegisterAttestor(ctx context.Context, req ledger.AttestorRequest) (*ledger.Attestor, error) {
	return answer(f, ctx, "RegisterAttestor", &ledger.Attestor{Address: strings.ToLower(req.Address)}, req)
}
func (f *fakeLedger) RetireAttestor(ctx context.Context, address, reason string) (*ledger.Attestor, error) {
	return answer(f, ctx, "RetireAttestor", &ledger.Attestor{Address: address}, address, reason)
}
func (f *fakeLedger) GetAttestor(ctx context.Context, address string) (*ledger.Attestor, error) {
	return answer(f, ctx, "GetAttestor", &ledger.Attestor{Address: address}, address)
}
func (f *fakeLedger) QueryAttestors(ctx context.Context, q ledger.Query) (*ledger.AttestorPage, error) {
	return answer(f, ctx, "QueryAttestors", &ledger.AttestorPage{Items: []ledger.Attestor{}}, q)
}
func (f *fakeLedger) SubmitReceipt(ctx context.Context, req ledger.ReceiptRequest) (*ledger.Receipt, error) {
	return answer(f, ctx, "SubmitReceipt", &ledger.Receipt{ID: req.Statement.ReceiptID}, req)
}
func (f *fakeLedger) SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error) {
	return answer(f, ctx, "SubmitReceiptBatch", &ledger.Batch{ID: req.ID, Count: len(req.Receipts)}, req)
}
func (f *fakeLedger) GetReceipt(ctx context.Context, id string) (*ledger.Receipt, error) {
	r, ok := f.state.receipts[id]
	if !ok {
		r = ledger.Receipt{ID: id}
	}
	return answer(f, ctx, "GetReceipt", &r, id)
}
func (f *fakeLedger) QueryReceipts(ctx context.Context, q ledger.Query) (*ledger.ReceiptPage, error) {
	page := &ledger.ReceiptPage{Items: []ledger.Receipt{}}
	if q.By == "batch" && f.state.batch != nil {
		// One receipt per page, to exercise the bookmarks.
		next := 0
		if q.Bookmark != "" {
			next = int(q.Bookmark[0] - '0')
		}
		for _, r := range f.state.receipts {
			if r.BatchID == q.Value && r.Index == next && r.Index >= f.state.hiddenInPage {
				page.Items = append(page.Items, r)
			}
		}
		if next+1 < f.state.batch.Count {
			page.Bookmark = string(rune('0' + next + 1))
		}
	}
	return answer(f, ctx, "QueryReceipts", page, q)
}
func (f *fakeLedger) GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error) {
	b := f.state.batch
	if b == nil {
		b = &ledger.Batch{ID: id}
	}
	return answer(f, ctx, "GetReceiptBatch", b, id)
}
func (f *fakeLedger) VerifyReceiptProof(ctx context.Context, req ledger.ProofRequest) (*ledger.ProofResult, error) {
	return answer(f, ctx, "VerifyReceiptProof", &ledger.ProofResult{Valid: true, BatchID: req.BatchID}, req)
}
func (f *fakeLedger) RegisterProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return answer(f, ctx, "RegisterProduct", &ledger.Product{ID: req.ID}, req)
}
func (f *fakeLedger) UpdateProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return answer(f, ctx, "UpdateProduct", &ledger.Product{ID: req.ID}, req)
}
func (f *fakeLedger) SubmitProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return answer(f, ctx, "SubmitProduct", &ledger.Product{ID: id}, id)
}
func (f *fakeLedger) DecideProduct(ctx context.Context, req ledger.ProductDecision) (*ledger.Product, error) {
	return answer(f, ctx, "DecideProduct", &ledger.Product{ID: req.ID}, req)
}
func (f *fakeLedger) ListProduct(ctx context.Context, id, registrationNo string) (*ledger.Product, error) {
	return answer(f, ctx, "ListProduct", &ledger.Product{ID: id}, id, registrationNo)
}
func (f *fakeLedger) DelistProduct(ctx context.Context, id, reason string) (*ledger.Product, error) {
	return answer(f, ctx, "DelistProduct", &ledger.Product{ID: id}, id, reason)
}
func (f *fakeLedger) GetProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return answer(f, ctx, "GetProduct", &ledger.Product{ID: id}, id)
}
func (f *fakeLedger) QueryProducts(ctx context.Context, q ledger.Query) (*ledger.ProductPage, error) {
	return answer(f, ctx, "QueryProducts", &ledger.ProductPage{Items: []ledger.Product{}}, q)
}
func (f *fakeLedger) GetProvenance(ctx context.Context, productID string) (*ledger.Provenance, error) {
	return answer(f, ctx, "GetProvenance", &ledger.Provenance{Product: ledger.ProvenanceStep{ID: productID}}, productID)
}
func (f *fakeLedger) DisclosedOperators(ctx context.Context, q ledger.Query) (*ledger.OperatorDisclosurePage, error) {
	return answer(f, ctx, "DisclosedOperators", &ledger.OperatorDisclosurePage{Items: []ledger.OperatorDisclosure{}}, q)
}
func (f *fakeLedger) DisclosedGrants(ctx context.Context, q ledger.Query) (*ledger.GrantSummaryPage, error) {
	return answer(f, ctx, "DisclosedGrants", &ledger.GrantSummaryPage{Items: []ledger.GrantSummary{}}, q)
}
func (f *fakeLedger) DisclosedAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementSummaryPage, error) {
	return answer(f, ctx, "DisclosedAgreements", &ledger.AgreementSummaryPage{Items: []ledger.AgreementSummary{}}, q)
}
func (f *fakeLedger) DisclosedProducts(ctx context.Context, q ledger.Query) (*ledger.ProductSummaryPage, error) {
	return answer(f, ctx, "DisclosedProducts", &ledger.ProductSummaryPage{Items: []ledger.ProductSummary{}}, q)
}

// ChaincodeEvents sends the fake's events from block start on, then
// closes the channel (unless eventsHold).
func (f *fakeLedger) ChaincodeEvents(ctx context.Context, start *uint64) (<-chan client.ChainEvent, error) {
	s := f.state
	s.mu.Lock()
	s.eventsStart = append(s.eventsStart, start)
	s.calls = append(s.calls, fakeCall{User: f.user, Op: "ChaincodeEvents", Args: []any{start}})
	err := s.errs["ChaincodeEvents"]
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make(chan client.ChainEvent)
	go func() {
		defer close(out)
		for _, ev := range s.events {
			if start != nil && ev.BlockNumber < *start {
				continue
			}
			if s.eventsDelay > 0 {
				time.Sleep(s.eventsDelay)
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
		if s.eventsHold {
			<-ctx.Done()
		}
	}()
	return out, nil
}

// fakeConnector connects every user to the same fake state.
func fakeConnector(s *fakeState) Connect {
	return func(_ context.Context, user string) (Ledger, error) {
		return &fakeLedger{user: user, state: s}, nil
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

func newTestServer(t *testing.T, configure ...func(*Options)) *testServer {
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
		Identities: NewPool(users, fakeConnector(state)),
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

// Valid request bodies, reused by several tests.
const (
	digest      = "0x" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"
	datasetBody = `{"id":"ds-1","name":"Clinics","domain":"health","fields":[{"name":"visits","sensitivity":2}],"classification":"general","personalInfo":false,"provinceReturned":false}`
	scopeJSON   = `{"datasets":[{"id":"ds-1","fields":["visits"]}],"purposes":["research"],"operations":["statistics"]}`
	termJSON    = `{"validFrom":"2026-01-01T00:00:00Z","validTo":"2027-01-01T00:00:00Z"}`
	statement   = `{"receiptId":"r-1","grantId":"g-1","datasets":[{"id":"ds-1","fields":["visits"]}],"operation":"statistics","purpose":"research","records":10,"inputDigest":"` + digest + `","outputDigest":"` + digest + `","time":1767225600}`
	signature   = "0x" + "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111" + "1b"
)
