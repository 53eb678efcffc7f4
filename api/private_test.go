package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// privateCase is a creating route whose body holds private fields: the
// public transaction, then the Attach… one with those fields.
type privateCase struct {
	name       string
	path, body string
	location   string
	publicOp   string
	attachOp   string
	attachArgs []any
	// private names the body's private fields: the public call must carry
	// none of their values, and the answer (the attach's result) must.
	private []string
}

func privateCases() []privateCase {
	const (
		plan = "0x" + "cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34"
		docs = "0x" + "ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56ef56"
	)
	return []privateCase{
		{name: "application", path: "/v1/applications",
			body: `{"id":"a-1","callId":"c-1","scenario":{"name":"Clinic load","domain":"health","description":"d"},"scope":` + scopeJSON +
				`,"termMonths":12,"emergencyPlanDigest":"` + plan + `","securityDocsDigest":"` + docs + `"}`,
			location: "/v1/applications/a-1", publicOp: "SubmitApplication", attachOp: "AttachApplicationDocuments",
			attachArgs: []any{"a-1", ledger.ApplicationDocumentsRequest{EmergencyPlanDigest: plan, SecurityDocsDigest: docs}},
			private:    []string{plan, docs}},
		{name: "review", path: "/v1/reviews",
			body:     `{"id":"rv-1","kind":"scenario","subject":"a-1","outcome":"pass","date":"2026-01-01T00:00:00Z","reportDigest":"` + plan + `","note":"confidential finding"}`,
			location: "/v1/reviews/rv-1", publicOp: "RecordReview", attachOp: "AttachReviewReport",
			attachArgs: []any{"rv-1", ledger.ReportRequest{ReportDigest: plan, Note: "confidential finding"}},
			private:    []string{plan, "confidential finding"}},
		{name: "evaluation", path: "/v1/participants/OperatorMSP/evaluations",
			body:     `{"id":"ev-1","date":"2026-01-01T00:00:00Z","result":"rectify","reportDigest":"` + plan + `","note":"confidential finding"}`,
			location: "/v1/participants/OperatorMSP", publicOp: "RecordEvaluation", attachOp: "AttachEvaluationReport",
			attachArgs: []any{"OperatorMSP", "ev-1", ledger.ReportRequest{ReportDigest: plan, Note: "confidential finding"}},
			private:    []string{plan, "confidential finding"}},
		{name: "agreement", path: "/v1/agreements",
			body:     `{"id":"ag-1","grantId":"g-1","textDigest":"` + plan + `","term":` + termJSON + `}`,
			location: "/v1/agreements/ag-1", publicOp: "ProposeAgreement", attachOp: "AttachAgreementText",
			attachArgs: []any{"ag-1", ledger.AgreementTextRequest{TextDigest: plan}},
			private:    []string{plan}},
	}
}

func TestCreateThenAttach(t *testing.T) {
	for _, tc := range privateCases() {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			rec := ts.do(t, request{method: http.MethodPost, path: tc.path, body: tc.body, user: "Admin"})
			checkAnswer(t, rec, http.StatusCreated, "")
			if got := rec.Header().Get("Location"); got != tc.location {
				t.Errorf("Location: got %q, want %q", got, tc.location)
			}
			calls := ts.state.recorded()
			if len(calls) != 2 || calls[0].Op != tc.publicOp || calls[1].Op != tc.attachOp {
				t.Fatalf("ledger calls: got %v, want %s then %s", ts.state.ops(), tc.publicOp, tc.attachOp)
			}
			public, err := json.Marshal(calls[0].Args)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tc.private {
				if strings.Contains(string(public), v) {
					t.Errorf("%s carries private value %q: %s", tc.publicOp, v, public)
				}
				if !strings.Contains(rec.Body.String(), v) {
					t.Errorf("answer lacks %q (not the attach's result?): %s", v, rec.Body)
				}
			}
			if !reflect.DeepEqual(calls[1].Args, tc.attachArgs) {
				t.Errorf("%s arguments:\n got %#v\nwant %#v", tc.attachOp, calls[1].Args, tc.attachArgs)
			}
			if calls[0].User != "Admin" || calls[1].User != "Admin" {
				t.Errorf("calls made as %s and %s, want Admin", calls[0].User, calls[1].User)
			}
		})
	}
}

func TestCreateThenAttachFailures(t *testing.T) {
	for _, tc := range privateCases() {
		t.Run(tc.name+": attach fails after the public transaction", func(t *testing.T) {
			ts := newTestServer(t)
			ts.state.setErr(tc.attachOp, &client.Error{Kind: client.ErrForbidden, Op: tc.attachOp, Message: "not a member of the collection"})
			rec := ts.do(t, request{method: http.MethodPost, path: tc.path, body: tc.body, user: "Admin"})
			checkAnswer(t, rec, http.StatusForbidden, "forbidden")
			if b := decodeErrorBody(t, rec); b.Message != "not a member of the collection" {
				t.Errorf("message: got %q, want the attach's", b.Message)
			}
			if rec.Header().Get("Location") != "" {
				t.Errorf("failed creation answered a Location")
			}
			if ops := ts.state.ops(); strings.Join(ops, " ") != tc.publicOp+" "+tc.attachOp {
				t.Errorf("ledger calls: got %v, want %s then %s", ops, tc.publicOp, tc.attachOp)
			}
		})
		t.Run(tc.name+": the public transaction fails", func(t *testing.T) {
			ts := newTestServer(t)
			ts.state.setErr(tc.publicOp, &client.Error{Kind: client.ErrConflict, Op: tc.publicOp, Message: "already exists"})
			rec := ts.do(t, request{method: http.MethodPost, path: tc.path, body: tc.body, user: "Admin"})
			checkAnswer(t, rec, http.StatusConflict, "conflict")
			if ops := ts.state.ops(); strings.Join(ops, " ") != tc.publicOp {
				t.Errorf("ledger calls: got %v, want %s alone, no attach", ops, tc.publicOp)
			}
		})
	}
}

// TestRefusedBeforeRecording checks that what the attach would refuse for
// sure is answered before anything is sent to the ledger.
func TestRefusedBeforeRecording(t *testing.T) {
	app := privateCases()[0].body
	noPlan := strings.Replace(app, `"emergencyPlanDigest":"0xcd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34",`, "", 1)
	if noPlan == app {
		t.Fatal("test body lacks the emergency plan to remove")
	}
	emptyPlan := strings.Replace(app, `"emergencyPlanDigest":"0xcd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34"`, `"emergencyPlanDigest":""`, 1)
	review := privateCases()[1].body
	evaluation := privateCases()[2].body
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantCode         string
		wantField        string
		wantMessage      string
	}{
		{name: "application without an emergency plan", path: "/v1/applications", body: noPlan,
			wantStatus: 422, wantCode: "refused", wantMessage: "no emergency plan"},
		{name: "application with an empty emergency plan", path: "/v1/applications", body: emptyPlan,
			wantStatus: 422, wantCode: "refused", wantMessage: "no emergency plan"},
		{name: "documents without an emergency plan", path: "/v1/applications/a-1/documents", body: `{"securityDocsDigest":"` + digest + `"}`,
			wantStatus: 422, wantCode: "refused", wantMessage: "no emergency plan"},
		{name: "review note with a control character", path: "/v1/reviews", body: strings.Replace(review, "confidential finding", `bad\u0007bell`, 1),
			wantStatus: 400, wantCode: "invalid", wantField: "note"},
		{name: "evaluation note with a control character", path: "/v1/participants/OperatorMSP/evaluations", body: strings.Replace(evaluation, "confidential finding", `bad\u001bescape`, 1),
			wantStatus: 400, wantCode: "invalid", wantField: "note"},
		{name: "report note with a control character", path: "/v1/reviews/rv-1/report", body: `{"reportDigest":"` + digest + `","note":"a\u0000b"}`,
			wantStatus: 400, wantCode: "invalid", wantField: "note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			rec := ts.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin"})
			checkAnswer(t, rec, tt.wantStatus, tt.wantCode)
			b := decodeErrorBody(t, rec)
			if b.Field != tt.wantField || !strings.Contains(b.Message, tt.wantMessage) {
				t.Errorf("error: got field %q message %q; want field %q, message containing %q", b.Field, b.Message, tt.wantField, tt.wantMessage)
			}
			if calls := ts.state.recorded(); len(calls) != 0 {
				t.Errorf("ledger calls: got %v, want none", ts.state.ops())
			}
		})
	}
}

func TestNotesWithNewlinesAndTabsPass(t *testing.T) {
	ts := newTestServer(t)
	body := `{"reportDigest":"` + digest + `","note":"line one\nline\ttwo"}`
	rec := ts.do(t, request{method: http.MethodPost, path: "/v1/reviews/rv-1/report", body: body, user: "Admin"})
	checkAnswer(t, rec, http.StatusOK, "")
	if ops := ts.state.ops(); strings.Join(ops, " ") != "AttachReviewReport" {
		t.Errorf("ledger calls: got %v, want AttachReviewReport", ops)
	}
}

func TestAttachEvaluationReportPath(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(t, request{method: http.MethodPost, path: "/v1/participants/OperatorMSP/evaluations/bad%20id/report", body: `{"reportDigest":"` + digest + `"}`, user: "Admin"})
	checkAnswer(t, rec, http.StatusBadRequest, "invalid")
	if b := decodeErrorBody(t, rec); b.Field != "evaluationId" {
		t.Errorf("field: got %q, want evaluationId", b.Field)
	}
	if calls := ts.state.recorded(); len(calls) != 0 {
		t.Errorf("ledger calls: got %v, want none", ts.state.ops())
	}
}

// An attach endorsed by a peer that has not committed the creation yet is
// answered "does not exist": it is sent again, a few times at most.
func TestAttachWaitsForAPeerBehind(t *testing.T) {
	tc := privateCases()[1] // a review
	notYet := &client.Error{Kind: client.ErrNotFound, Op: tc.attachOp, Message: "review rv-1 does not exist"}
	t.Run("the peer catches up", func(t *testing.T) {
		ts := newTestServer(t)
		ts.state.setErr(tc.attachOp, notYet)
		go func() {
			for !slices.Contains(ts.state.ops(), tc.attachOp) {
				time.Sleep(5 * time.Millisecond)
			}
			ts.state.setErr(tc.attachOp, nil)
		}()
		rec := ts.do(t, request{method: http.MethodPost, path: tc.path, body: tc.body, user: "Admin"})
		checkAnswer(t, rec, http.StatusCreated, "")
		if ops := ts.state.ops(); strings.Join(ops, " ") != tc.publicOp+" "+tc.attachOp+" "+tc.attachOp {
			t.Errorf("ledger calls: got %v, want %s then %s twice", ops, tc.publicOp, tc.attachOp)
		}
	})
	t.Run("it does not", func(t *testing.T) {
		ts := newTestServer(t)
		ts.state.setErr(tc.attachOp, notYet)
		rec := ts.do(t, request{method: http.MethodPost, path: tc.path, body: tc.body, user: "Admin"})
		checkAnswer(t, rec, http.StatusNotFound, "not_found")
		if n := len(ts.state.ops()); n != 5 {
			t.Errorf("ledger calls: got %v, want the creation and 4 attaches", ts.state.ops())
		}
	})
}
