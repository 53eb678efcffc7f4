package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

// TestRoutesReachTheLedger sends a valid request to every route and checks
// that it reaches the contract transaction it documents, with the path and
// body turned into the transaction's arguments.
func TestRoutesReachTheLedger(t *testing.T) {
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stmt := attest.Statement{
		ReceiptID: "r-1", GrantID: "g-1", Datasets: []attest.DatasetUse{{ID: "ds-1", Fields: []string{"visits"}}},
		Operation: "statistics", Purpose: "research", Records: 10, InputDigest: digest, OutputDigest: digest, Time: 1767225600,
	}
	scope := ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "ds-1", Fields: []string{"visits"}}}, Purposes: []string{"research"}, Operations: []ledger.Operation{"statistics"}}
	term := ledger.Term{ValidFrom: date, ValidTo: date.AddDate(1, 0, 0)}
	dataset := ledger.DatasetRequest{ID: "ds-1", Name: "Clinics", Domain: "health", Fields: []ledger.Field{{Name: "visits", Sensitivity: 2}}, Classification: "general"}
	product := ledger.ProductRequest{ID: "p-1", Type: "report", Name: "Report", DescriptionDigest: digest, Grants: []string{"g-1"}, Receipts: []string{"r-1"}}
	const expertID = "x509::CN=user2@authority.grantledger.local,OU=client,L=Hangzhou::CN=ca.authority.grantledger.local,O=authority.grantledger.local"
	productBody := `"type":"report","name":"Report","descriptionDigest":"` + digest + `","grants":["g-1"],"receipts":["r-1"]}`

	type routeCase struct {
		route    string // "METHOD /gin/path"
		path     string
		body     string
		wantOp   string
		wantArgs []any
		status   int
		// thenOp, thenArgs: the second transaction of a route that makes two.
		thenOp   string
		thenArgs []any
	}
	tests := []routeCase{
		{route: "GET /v1/me", path: "/v1/me", wantOp: "WhoAmI"},
		{route: "GET /v1/config", path: "/v1/config", wantOp: "GetConfig"},
		{route: "GET /v1/events", path: "/v1/events", wantOp: "WhoAmI", thenOp: "ChaincodeEvents", thenArgs: []any{(*uint64)(nil)}},

		{route: "POST /v1/participants", body: `{"msp":"HealthMSP","role":"provider","name":"Health"}`, wantOp: "RegisterParticipant",
			wantArgs: []any{ledger.ParticipantRequest{MSP: "HealthMSP", Role: "provider", Name: "Health"}}, status: 201},
		{route: "GET /v1/participants", path: "/v1/participants?role=operator&pageSize=5", wantOp: "QueryParticipants",
			wantArgs: []any{ledger.Query{By: "role", Value: "operator", PageSize: 5}}},
		{route: "GET /v1/participants/:msp", path: "/v1/participants/HealthMSP", wantOp: "GetParticipant", wantArgs: []any{"HealthMSP"}},
		{route: "POST /v1/participants/:msp/status", path: "/v1/participants/OperatorMSP/status", body: `{"status":"suspended","reason":"audit"}`,
			wantOp: "SetOperatorStatus", wantArgs: []any{ledger.OperatorStatusRequest{MSP: "OperatorMSP", Status: "suspended", Reason: "audit"}}},
		{route: "POST /v1/participants/:msp/evaluations", path: "/v1/participants/OperatorMSP/evaluations",
			body:   `{"id":"ev-1","date":"2026-01-01T00:00:00Z","result":"qualified","reportDigest":"` + digest + `"}`,
			wantOp: "RecordEvaluation", wantArgs: []any{ledger.EvaluationRequest{MSP: "OperatorMSP", ID: "ev-1", Date: date, Result: "qualified"}}, status: 201,
			thenOp: "AttachEvaluationReport", thenArgs: []any{"OperatorMSP", "ev-1", ledger.ReportRequest{ReportDigest: digest}}},
		{route: "POST /v1/participants/:msp/evaluations/:evaluationId/report", path: "/v1/participants/OperatorMSP/evaluations/ev-1/report",
			body:   `{"reportDigest":"` + digest + `","note":"on site"}`,
			wantOp: "AttachEvaluationReport", wantArgs: []any{"OperatorMSP", "ev-1", ledger.ReportRequest{ReportDigest: digest, Note: "on site"}}},

		{route: "POST /v1/experts", body: `{"msp":"AuthorityMSP","client":"` + expertID + `","name":"Expert A"}`, wantOp: "RegisterExpert",
			wantArgs: []any{ledger.ExpertRequest{MSP: "AuthorityMSP", Client: expertID, Name: "Expert A"}}, status: 201},
		{route: "GET /v1/experts", path: "/v1/experts?status=active", wantOp: "QueryExperts", wantArgs: []any{ledger.Query{By: "status", Value: "active", PageSize: DefaultPageSize}}},
		{route: "GET /v1/experts/:client", path: "/v1/experts/" + url.PathEscape(expertID), wantOp: "GetExpert", wantArgs: []any{expertID}},
		{route: "POST /v1/experts/:client/retire", path: "/v1/experts/" + url.PathEscape(expertID) + "/retire", body: `{"reason":"term ended"}`,
			wantOp: "RetireExpert", wantArgs: []any{expertID, "term ended"}},

		{route: "POST /v1/datasets", body: datasetBody, wantOp: "CreateDataset", wantArgs: []any{dataset}, status: 201},
		{route: "GET /v1/datasets", path: "/v1/datasets?bookmark=b1", wantOp: "QueryDatasets", wantArgs: []any{ledger.Query{PageSize: DefaultPageSize, Bookmark: "b1"}}},
		{route: "GET /v1/datasets/:id", path: "/v1/datasets/ds-1", wantOp: "GetDataset", wantArgs: []any{"ds-1"}},
		{route: "PUT /v1/datasets/:id", path: "/v1/datasets/ds-1", body: strings.Replace(datasetBody, `"id":"ds-1",`, "", 1), wantOp: "UpdateDataset", wantArgs: []any{dataset}},
		{route: "POST /v1/datasets/:id/withdraw", path: "/v1/datasets/ds-1/withdraw", body: `{"reason":"obsolete"}`, wantOp: "WithdrawDataset", wantArgs: []any{"ds-1", "obsolete"}},
		{route: "POST /v1/datasets/:id/relist", path: "/v1/datasets/ds-1/relist", wantOp: "RelistDataset", wantArgs: []any{"ds-1"}},

		{route: "POST /v1/calls", body: `{"id":"c-1","title":"Health","mode":"domain","domains":["health"],"conditions":"c","criteria":"k","opens":"2026-01-01T00:00:00Z","closes":"2026-02-01T00:00:00Z"}`,
			wantOp: "PublishCall", status: 201},
		{route: "GET /v1/calls", path: "/v1/calls?status=published", wantOp: "QueryCalls", wantArgs: []any{ledger.Query{By: "status", Value: "published", PageSize: DefaultPageSize}}},
		{route: "GET /v1/calls/:id", path: "/v1/calls/c-1", wantOp: "GetCall", wantArgs: []any{"c-1"}},
		{route: "POST /v1/calls/:id/cancel", path: "/v1/calls/c-1/cancel", body: `{"reason":"budget"}`, wantOp: "CancelCall", wantArgs: []any{"c-1", "budget"}},

		{route: "POST /v1/applications", body: `{"id":"a-1","callId":"c-1","scenario":{"name":"Clinic load","domain":"health","description":"d"},"scope":` + scopeJSON +
			`,"termMonths":12,"emergencyPlanDigest":"` + digest + `","securityDocsDigest":"` + digest + `"}`,
			wantOp: "SubmitApplication", status: 201, wantArgs: []any{ledger.ApplicationRequest{
				ID: "a-1", CallID: "c-1", Scenario: ledger.Scenario{Name: "Clinic load", Domain: "health", Description: "d"}, Scope: scope,
				TermMonths: 12}},
			thenOp: "AttachApplicationDocuments", thenArgs: []any{"a-1", ledger.ApplicationDocumentsRequest{EmergencyPlanDigest: digest, SecurityDocsDigest: digest}}},
		{route: "POST /v1/applications/:id/documents", path: "/v1/applications/a-1/documents", body: `{"emergencyPlanDigest":"` + digest + `","securityDocsDigest":"` + digest + `"}`,
			wantOp: "AttachApplicationDocuments", wantArgs: []any{"a-1", ledger.ApplicationDocumentsRequest{EmergencyPlanDigest: digest, SecurityDocsDigest: digest}}},
		{route: "GET /v1/applications", path: "/v1/applications?call=c-1", wantOp: "QueryApplications", wantArgs: []any{ledger.Query{By: "call", Value: "c-1", PageSize: DefaultPageSize}}},
		{route: "GET /v1/applications/:id", path: "/v1/applications/a-1", wantOp: "GetApplication", wantArgs: []any{"a-1"}},
		{route: "POST /v1/applications/:id/withdraw", path: "/v1/applications/a-1/withdraw", body: `{}`, wantOp: "WithdrawApplication", wantArgs: []any{"a-1", ""}},

		{route: "POST /v1/reviews", body: `{"id":"rv-1","kind":"scenario","subject":"a-1","outcome":"pass","date":"2026-01-01T00:00:00Z","reportDigest":"` + digest + `","note":"n"}`,
			wantOp: "RecordReview", status: 201, wantArgs: []any{ledger.ReviewRequest{ID: "rv-1", Kind: "scenario", Subject: "a-1", Outcome: "pass", Date: date}},
			thenOp: "AttachReviewReport", thenArgs: []any{"rv-1", ledger.ReportRequest{ReportDigest: digest, Note: "n"}}},
		{route: "POST /v1/reviews/:id/report", path: "/v1/reviews/rv-1/report", body: `{"reportDigest":"` + digest + `"}`,
			wantOp: "AttachReviewReport", wantArgs: []any{"rv-1", ledger.ReportRequest{ReportDigest: digest}}},
		{route: "GET /v1/reviews", path: "/v1/reviews?subject=a-1", wantOp: "QueryReviews", wantArgs: []any{ledger.Query{By: "subject", Value: "a-1", PageSize: DefaultPageSize}}},
		{route: "GET /v1/reviews/:id", path: "/v1/reviews/rv-1", wantOp: "GetReview", wantArgs: []any{"rv-1"}},
		{route: "POST /v1/opinions", body: `{"id":"op-1","subjectType":"product","subjectId":"p-1","recommendation":"approve","digest":"` + digest + `"}`,
			wantOp: "RecordOpinion", status: 201},
		{route: "GET /v1/opinions", path: "/v1/opinions?subject=product/p-1", wantOp: "QueryOpinions", wantArgs: []any{ledger.Query{By: "subject", Value: "product/p-1", PageSize: DefaultPageSize}}},

		{route: "POST /v1/grants", body: `{"id":"g-1","applicationId":"a-1","scope":` + scopeJSON + `,"quota":{"records":100,"calls":10},"term":` + termJSON + `}`,
			wantOp: "IssueGrant", status: 201, wantArgs: []any{ledger.GrantRequest{ID: "g-1", ApplicationID: "a-1", Scope: scope, Quota: ledger.Quota{Records: 100, Calls: 10}, Term: term}}},
		{route: "GET /v1/grants", path: "/v1/grants?holder=OperatorMSP", wantOp: "QueryGrants", wantArgs: []any{ledger.Query{By: "holder", Value: "OperatorMSP", PageSize: DefaultPageSize}}},
		{route: "GET /v1/grants/:id", path: "/v1/grants/g-1", wantOp: "GetGrant", wantArgs: []any{"g-1"}},
		{route: "GET /v1/grants/:id/usage", path: "/v1/grants/g-1/usage", wantOp: "GetGrantUsage", wantArgs: []any{"g-1"}},
		{route: "POST /v1/grants/:id/approve", path: "/v1/grants/g-1/approve", wantOp: "ApproveGrant", wantArgs: []any{"g-1"}},
		{route: "POST /v1/grants/:id/reject", path: "/v1/grants/g-1/reject", body: `{"reason":"no"}`, wantOp: "RejectGrant", wantArgs: []any{"g-1", "no"}},
		{route: "POST /v1/grants/:id/suspend", path: "/v1/grants/g-1/suspend", body: `{"reason":"audit"}`, wantOp: "SuspendGrant", wantArgs: []any{"g-1", "audit"}},
		{route: "POST /v1/grants/:id/resume", path: "/v1/grants/g-1/resume", wantOp: "ResumeGrant", wantArgs: []any{"g-1"}},
		{route: "POST /v1/grants/:id/revoke", path: "/v1/grants/g-1/revoke", body: `{"reason":"breach"}`, wantOp: "RevokeGrant", wantArgs: []any{"g-1", "breach"}},
		{route: "POST /v1/grants/:id/expire", path: "/v1/grants/g-1/expire", wantOp: "ExpireGrant", wantArgs: []any{"g-1"}},
		{route: "POST /v1/grants/:id/subgrants", path: "/v1/grants/g-1/subgrants",
			body:   `{"id":"g-2","developer":"DevMSP","scope":` + scopeJSON + `,"quota":{"records":10,"calls":1},"term":` + termJSON + `}`,
			wantOp: "ProposeSubGrant", status: 201, wantArgs: []any{ledger.SubGrantRequest{ID: "g-2", ParentID: "g-1", Developer: "DevMSP", Scope: scope, Quota: ledger.Quota{Records: 10, Calls: 1}, Term: term}}},
		{route: "POST /v1/grants/:id/activate", path: "/v1/grants/g-2/activate", wantOp: "ActivateSubGrant", wantArgs: []any{"g-2"}},

		{route: "POST /v1/agreements", body: `{"id":"ag-1","grantId":"g-1","textDigest":"` + digest + `","term":` + termJSON + `}`,
			wantOp: "ProposeAgreement", status: 201, wantArgs: []any{ledger.AgreementRequest{ID: "ag-1", GrantID: "g-1", Term: term}},
			thenOp: "AttachAgreementText", thenArgs: []any{"ag-1", ledger.AgreementTextRequest{TextDigest: digest}}},
		{route: "POST /v1/agreements/:id/text", path: "/v1/agreements/ag-1/text", body: `{"textDigest":"` + digest + `"}`,
			wantOp: "AttachAgreementText", wantArgs: []any{"ag-1", ledger.AgreementTextRequest{TextDigest: digest}}},
		{route: "GET /v1/agreements", path: "/v1/agreements?grant=g-1", wantOp: "QueryAgreements", wantArgs: []any{ledger.Query{By: "grant", Value: "g-1", PageSize: DefaultPageSize}}},
		{route: "GET /v1/agreements/:id", path: "/v1/agreements/ag-1", wantOp: "GetAgreement", wantArgs: []any{"ag-1"}},
		{route: "POST /v1/agreements/:id/sign", path: "/v1/agreements/ag-1/sign", wantOp: "SignAgreement", wantArgs: []any{"ag-1"}},

		{route: "POST /v1/attestors", body: `{"address":"0x00000000000000000000000000000000000000Ab","name":"TEE 1"}`, wantOp: "RegisterAttestor", status: 201,
			wantArgs: []any{ledger.AttestorRequest{Address: "0x00000000000000000000000000000000000000Ab", Name: "TEE 1"}}},
		{route: "GET /v1/attestors", path: "/v1/attestors?platform=PlatformMSP", wantOp: "QueryAttestors", wantArgs: []any{ledger.Query{By: "platform", Value: "PlatformMSP", PageSize: DefaultPageSize}}},
		{route: "GET /v1/attestors/:address", path: "/v1/attestors/0x00000000000000000000000000000000000000ab", wantOp: "GetAttestor", wantArgs: []any{"0x00000000000000000000000000000000000000ab"}},
		{route: "POST /v1/attestors/:address/retire", path: "/v1/attestors/0x00000000000000000000000000000000000000ab/retire", body: `{"reason":"key rotated"}`,
			wantOp: "RetireAttestor", wantArgs: []any{"0x00000000000000000000000000000000000000ab", "key rotated"}},

		{route: "POST /v1/receipts", body: `{"statement":` + statement + `,"signature":"` + signature + `"}`, wantOp: "SubmitReceipts", status: 201,
			wantArgs: []any{ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{{Statement: stmt, Signature: signature}}}}},
		{route: "GET /v1/receipts", path: "/v1/receipts?batch=b-1", wantOp: "QueryReceipts", wantArgs: []any{ledger.Query{By: "batch", Value: "b-1", PageSize: DefaultPageSize}}},
		{route: "GET /v1/receipts/:id", path: "/v1/receipts/r-1", wantOp: "GetReceipt", wantArgs: []any{"r-1"}},
		{route: "GET /v1/receipts/:id/proof", path: "/v1/receipts/r-1/proof", wantOp: "GetReceipt", wantArgs: []any{"r-1"}, status: http.StatusConflict},
		{route: "POST /v1/batches", body: `{"id":"b-1","receipts":[{"statement":` + statement + `,"signature":"` + signature + `"}]}`, wantOp: "SubmitReceiptBatch", status: 201,
			wantArgs: []any{ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{{Statement: stmt, Signature: signature}}}}},
		{route: "GET /v1/batches/:id", path: "/v1/batches/b-1", wantOp: "GetReceiptBatch", wantArgs: []any{"b-1"}},
		{route: "POST /v1/batches/:id/verify", path: "/v1/batches/b-1/verify", body: `{"statement":` + statement + `,"proof":[{"hash":"` + digest + `","left":true}]}`,
			wantOp: "VerifyReceiptProof", wantArgs: []any{ledger.ProofRequest{BatchID: "b-1", Statement: stmt, Proof: []attest.ProofStep{{Hash: digest, Left: true}}}}},

		{route: "POST /v1/products", body: `{"id":"p-1",` + productBody, wantOp: "RegisterProduct", status: 201, wantArgs: []any{product}},
		{route: "GET /v1/products", path: "/v1/products?status=listed", wantOp: "QueryProducts", wantArgs: []any{ledger.Query{By: "status", Value: "listed", PageSize: DefaultPageSize}}},
		{route: "GET /v1/products/:id", path: "/v1/products/p-1", wantOp: "GetProduct", wantArgs: []any{"p-1"}},
		{route: "PUT /v1/products/:id", path: "/v1/products/p-1", body: `{` + productBody, wantOp: "UpdateProduct", wantArgs: []any{product}},
		{route: "POST /v1/products/:id/submit", path: "/v1/products/p-1/submit", wantOp: "SubmitProduct", wantArgs: []any{"p-1"}},
		{route: "POST /v1/products/:id/review", path: "/v1/products/p-1/review", body: `{"approve":false,"reason":"lineage"}`,
			wantOp: "DecideProduct", wantArgs: []any{ledger.ProductDecision{ID: "p-1", Approve: false, Reason: "lineage"}}},
		{route: "POST /v1/products/:id/list", path: "/v1/products/p-1/list", wantOp: "RequestListing", wantArgs: []any{"p-1"}},
		{route: "POST /v1/products/:id/listing/confirm", path: "/v1/products/p-1/listing/confirm", body: `{"registrationNo":"HZDE-1"}`, wantOp: "ConfirmListing", wantArgs: []any{"p-1", "HZDE-1"}},
		{route: "POST /v1/products/:id/listing/reject", path: "/v1/products/p-1/listing/reject", body: `{"reason":"incomplete"}`, wantOp: "RejectListing", wantArgs: []any{"p-1", "incomplete"}},
		{route: "POST /v1/products/:id/delist", path: "/v1/products/p-1/delist", body: `{"reason":"stale"}`, wantOp: "DelistProduct", wantArgs: []any{"p-1", "stale"}},
		{route: "GET /v1/products/:id/provenance", path: "/v1/products/p-1/provenance", wantOp: "GetProvenance", wantArgs: []any{"p-1"}},

		{route: "GET /v1/disclosure/grants", path: "/v1/disclosure/grants?pageSize=100", wantOp: "DisclosedGrants", wantArgs: []any{ledger.Query{PageSize: 100}}},
		{route: "GET /v1/disclosure/agreements", path: "/v1/disclosure/agreements", wantOp: "DisclosedAgreements", wantArgs: []any{ledger.Query{PageSize: DefaultPageSize}}},
		{route: "GET /v1/disclosure/operators", path: "/v1/disclosure/operators", wantOp: "DisclosedOperators", wantArgs: []any{ledger.Query{PageSize: DefaultPageSize}}},
		{route: "GET /v1/disclosure/products", path: "/v1/disclosure/products", wantOp: "DisclosedProducts", wantArgs: []any{ledger.Query{PageSize: DefaultPageSize}}},

		{route: "POST /v1/incidents", status: 201,
			body:   `{"id":"inc-1","subjectType":"grant","subjectId":"g-1","severity":"major","occurred":"2026-01-01T00:00:00Z","detected":"2026-01-01T00:00:00Z","reportDigest":"` + digest + `"}`,
			wantOp: "ReportIncident", wantArgs: []any{ledger.IncidentRequest{ID: "inc-1", SubjectType: "grant", SubjectID: "g-1", Severity: "major", Occurred: date, Detected: date, ReportDigest: digest}}},
		{route: "GET /v1/incidents", path: "/v1/incidents?grant=g-1", wantOp: "QueryIncidents", wantArgs: []any{ledger.Query{By: "grant", Value: "g-1", PageSize: DefaultPageSize}}},
		{route: "GET /v1/incidents/:id", path: "/v1/incidents/inc-1", wantOp: "GetIncident", wantArgs: []any{"inc-1"}},
		{route: "POST /v1/incidents/:id/decide", path: "/v1/incidents/inc-1/decide", body: `{"action":"suspend-grant","reasonDigest":"` + digest + `"}`,
			wantOp: "DecideIncident", wantArgs: []any{ledger.IncidentDecisionRequest{ID: "inc-1", Action: "suspend-grant", ReasonDigest: digest}}},
		{route: "POST /v1/incidents/:id/close", path: "/v1/incidents/inc-1/close", body: `{"reportDigest":"` + digest + `"}`,
			wantOp: "CloseIncident", wantArgs: []any{"inc-1", digest}},

		{route: "GET /v1/usage/statements", path: "/v1/usage/statements?by=grant&period=day&from=2026-01-01&to=2026-01-31&id=g-1",
			wantOp: "UsageStatement", wantArgs: []any{ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2026-01-01", To: "2026-01-31", ID: "g-1"}}},

		{route: "POST /v1/data-requests", status: 201,
			body:   `{"id":"dr-1","kind":"amend-grant","grantId":"g-1","add":{"datasets":[{"id":"ds-2","fields":["beds"]}],"quota":{"records":50}},"reason":"beds too"}`,
			wantOp: "SubmitDataRequest", wantArgs: []any{ledger.DataRequestSubmission{ID: "dr-1", Kind: "amend-grant", GrantID: "g-1", Reason: "beds too",
				Add: &ledger.GrantAddition{Datasets: []ledger.DatasetScope{{ID: "ds-2", Fields: []string{"beds"}}}, Quota: ledger.Quota{Records: 50}}}}},
		{route: "GET /v1/data-requests", path: "/v1/data-requests?status=submitted", wantOp: "QueryDataRequests", wantArgs: []any{ledger.Query{By: "status", Value: "submitted", PageSize: DefaultPageSize}}},
		{route: "GET /v1/data-requests/:id", path: "/v1/data-requests/dr-1", wantOp: "GetDataRequest", wantArgs: []any{"dr-1"}},
		{route: "POST /v1/data-requests/:id/consent", path: "/v1/data-requests/dr-1/consent", wantOp: "ConsentDataRequest", wantArgs: []any{"dr-1"}},
		{route: "POST /v1/data-requests/:id/approve", path: "/v1/data-requests/dr-1/approve", wantOp: "ApproveDataRequest", wantArgs: []any{"dr-1"}},
		{route: "POST /v1/data-requests/:id/refuse", path: "/v1/data-requests/dr-1/refuse", body: `{"reason":"not needed"}`, wantOp: "RefuseDataRequest", wantArgs: []any{"dr-1", "not needed"}},
		{route: "POST /v1/data-requests/:id/withdraw", path: "/v1/data-requests/dr-1/withdraw", body: `{}`, wantOp: "WithdrawDataRequest", wantArgs: []any{"dr-1", ""}},
		{route: "POST /v1/data-requests/:id/decline", path: "/v1/data-requests/dr-1/decline", body: `{"reason":"enough"}`, wantOp: "DeclineDataRequest", wantArgs: []any{"dr-1", "enough"}},
		{route: "GET /v1/notices", path: "/v1/notices?within=30d", wantOp: "QueryNotices", wantArgs: []any{ledger.NoticeQuery{WithinDays: 30}}},
		{route: "POST /v1/agreements/:id/expire", path: "/v1/agreements/agr-1/expire", wantOp: "ExpireAgreement", wantArgs: []any{"agr-1"}},
		{route: "PUT /v1/grants/:id/fee-schedule", path: "/v1/grants/g-1/fee-schedule", body: `{"effectiveFrom":"2026-02","payee":"PlatformMSP","perRecord":2,"perCall":50,"fixedPerMonth":10000}`,
			wantOp: "SetFeeSchedule", wantArgs: []any{ledger.FeeScheduleRequest{GrantID: "g-1", EffectiveFrom: "2026-02", Payee: "PlatformMSP", PerRecord: 2, PerCall: 50, FixedPerMonth: 10000}}},
		{route: "GET /v1/grants/:id/fee-schedule", path: "/v1/grants/g-1/fee-schedule", wantOp: "GetFeeSchedule", wantArgs: []any{"g-1"}},
		{route: "POST /v1/fee-statements", status: 201, body: `{"id":"fs-1","grantId":"g-1","period":"2026-01"}`,
			wantOp: "RecordFeeStatement", wantArgs: []any{ledger.FeeStatementRequest{ID: "fs-1", GrantID: "g-1", Period: "2026-01"}}},
		{route: "GET /v1/fee-statements", path: "/v1/fee-statements?grant=g-1", wantOp: "QueryFeeStatements", wantArgs: []any{ledger.Query{By: "grant", Value: "g-1", PageSize: DefaultPageSize}}},
		{route: "GET /v1/fee-statements/:id", path: "/v1/fee-statements/fs-1", wantOp: "GetFeeStatement", wantArgs: []any{"fs-1"}},
		{route: "POST /v1/fee-statements/:id/confirm", path: "/v1/fee-statements/fs-1/confirm", body: `{"referenceDigest":"` + digest + `"}`,
			wantOp: "ConfirmFeePayment", wantArgs: []any{"fs-1", digest}},
		{route: "POST /v1/fee-statements/:id/acknowledge", path: "/v1/fee-statements/fs-1/acknowledge", wantOp: "AcknowledgeFeeStatement", wantArgs: []any{"fs-1"}},
		{route: "POST /v1/products/:id/benefit-split", path: "/v1/products/p-1/benefit-split", body: `{"parties":[{"msp":"HealthMSP","basisPoints":7000},{"msp":"PlatformMSP","basisPoints":3000}]}`,
			wantOp: "ProposeBenefitSplit", wantArgs: []any{ledger.BenefitSplitRequest{ProductID: "p-1", Parties: []ledger.BenefitShareRequest{{MSP: "HealthMSP", BasisPoints: 7000}, {MSP: "PlatformMSP", BasisPoints: 3000}}}}},
		{route: "GET /v1/products/:id/benefit-split", path: "/v1/products/p-1/benefit-split", wantOp: "GetBenefitSplit", wantArgs: []any{"p-1"}},
		{route: "POST /v1/products/:id/benefit-split/agree", path: "/v1/products/p-1/benefit-split/agree", wantOp: "AgreeBenefitSplit", wantArgs: []any{"p-1"}},
		{route: "POST /v1/products/:id/revenue", status: 201, path: "/v1/products/p-1/revenue", body: `{"id":"rev-1","period":"2026-01","amount":10001,"referenceDigest":"` + digest + `"}`,
			wantOp: "RecordRevenue", wantArgs: []any{ledger.RevenueRequest{ID: "rev-1", ProductID: "p-1", Period: "2026-01", Amount: 10001, ReferenceDigest: digest}}},
		{route: "GET /v1/revenues/:id", path: "/v1/revenues/rev-1", wantOp: "GetRevenue", wantArgs: []any{"rev-1"}},
		{route: "GET /v1/benefit-shares", path: "/v1/benefit-shares?product=p-1", wantOp: "QueryBenefitShares", wantArgs: []any{ledger.Query{By: "product", Value: "p-1", PageSize: DefaultPageSize}}},
		{route: "GET /v1/benefit-shares/:id", path: "/v1/benefit-shares/rev-1.1", wantOp: "GetBenefitShare", wantArgs: []any{"rev-1.1"}},
		// The fake's caller is the authority, which the route refuses once the
		// ledger says so; anchoring_test.go has the platform's answer.
		{route: "GET /v1/anchoring/backlog", wantOp: "WhoAmI", status: http.StatusForbidden},
	}
	for _, k := range historyKinds {
		path := strings.NewReplacer(":msp", "HealthMSP", ":id", "x-1", ":address", "0xab", ":client", url.PathEscape(expertID)).Replace(k.path)
		id := "x-1"
		switch k.param {
		case "msp":
			id = "HealthMSP"
		case "address":
			id = "0xab"
		case "client":
			id = expertID
		}
		tests = append(tests, routeCase{route: "GET " + k.path + "/history", path: path + "/history", wantOp: "QueryHistory", wantArgs: []any{ledger.HistoryQuery{ObjectType: k.kind, ID: id, PageSize: DefaultPageSize}}})
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.route] = true
		t.Run(tt.route, func(t *testing.T) {
			ts := newTestServer(t)
			method, ginPath, _ := strings.Cut(tt.route, " ")
			path := tt.path
			if path == "" {
				path = ginPath
			}
			rec := ts.do(t, request{method: method, path: path, body: tt.body, user: "Admin"})
			want := tt.status
			if want == 0 {
				want = http.StatusOK
			}
			if rec.Code != want {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, want, rec.Body)
			}
			if want == http.StatusCreated && rec.Header().Get("Location") == "" {
				t.Errorf("201 without Location")
			}
			if want < 300 && !json.Valid(rec.Body.Bytes()) && method != http.MethodGet {
				t.Errorf("body is not JSON: %s", rec.Body)
			}
			calls := ts.state.recorded()
			if len(calls) == 0 || calls[0].Op != tt.wantOp {
				t.Fatalf("ledger calls: got %v, want %s first", ts.state.ops(), tt.wantOp)
			}
			if tt.wantArgs != nil && !reflect.DeepEqual(calls[0].Args, tt.wantArgs) {
				t.Errorf("%s arguments:\n got %#v\nwant %#v", tt.wantOp, calls[0].Args, tt.wantArgs)
			}
			if tt.thenOp == "" {
				if len(calls) != 1 {
					t.Errorf("ledger calls: got %v, want %s alone", ts.state.ops(), tt.wantOp)
				}
				return
			}
			if len(calls) != 2 || calls[1].Op != tt.thenOp {
				t.Fatalf("ledger calls: got %v, want %s then %s", ts.state.ops(), tt.wantOp, tt.thenOp)
			}
			if tt.thenArgs != nil && !reflect.DeepEqual(calls[1].Args, tt.thenArgs) {
				t.Errorf("%s arguments:\n got %#v\nwant %#v", tt.thenOp, calls[1].Args, tt.thenArgs)
			}
		})
	}
	ts := newTestServer(t)
	for _, r := range ts.routes {
		if r.Public {
			continue
		}
		if key := r.Method + " " + r.Path; !covered[key] {
			t.Errorf("route %s has no case in this test", key)
		}
	}
}
