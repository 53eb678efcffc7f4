package api

import (
	"net/http"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// route is one endpoint: how the router registers it and how the OpenAPI
// document describes it. The router and the document are both built from
// the route table, so neither can list an endpoint the other lacks.
type route struct {
	Method string
	// Path is in gin syntax: /v1/datasets/:id.
	Path string
	// Op names the operation: the OpenAPI operationId and the "op" label
	// of the ledger-call metrics.
	Op      string
	Summary string
	Tag     string
	// Public routes need no bearer token.
	Public bool
	// Anonymous routes are public routes that read the ledger: the public
	// disclosure, read as the public identity whoever asks, a token or
	// none, and limited per client address (PublicLimits).
	Anonymous bool
	// Stream routes (Server-Sent Events) have no request deadline.
	Stream bool
	// Status is the status of a successful answer.
	Status int
	// Request is a zero value of the request body type; nil: no body.
	Request any
	// Response is a zero value of the response body type.
	Response any
	// List marks paginated lists (pageSize, bookmark).
	List bool
	// Indexes are the filters a list offers, one at a time: each is a
	// query parameter named after the contract index it selects by.
	Indexes []string
	// Errors are errors the route's handler answers beyond those its
	// kind gives (errorResponses), for the OpenAPI document.
	Errors []error
	// Media are the media types of an answer that is not JSON (Response
	// nil); none: text/plain.
	Media []string
	// Query are the query parameters of a route that is not a list,
	// for the OpenAPI document; its handler reads and checks them.
	Query []queryParam
	// Handler answers the route's requests; serve adapts it to gin.
	Handler handler
}

// queryParam is a query parameter of a route, as the OpenAPI document
// describes it.
type queryParam struct {
	Name        string
	Description string
	Required    bool
	// Enum lists the values it may take; Pattern the form of its value.
	Enum    []string
	Pattern string
}

// routeTable lists every endpoint of the API.
func (s *Server) routeTable() []route {
	hp := health{ids: s.ids, user: s.readyUser, timeout: s.readyWait}
	mt := meta{group: newGroup[MetaLedger](s), org: s.org}
	ev := events{group: newGroup[EventLedger](s), heartbeat: s.heartbeat, stop: s.stop}
	pa := participants{newGroup[ParticipantLedger](s)}
	ex := experts{newGroup[ExpertLedger](s)}
	ds := datasets{newGroup[DatasetLedger](s)}
	ca := calls{newGroup[CallLedger](s)}
	ap := applications{newGroup[ApplicationLedger](s)}
	rv := reviews{newGroup[ReviewLedger](s)}
	gr := grants{newGroup[GrantLedger](s)}
	ag := agreements{newGroup[AgreementLedger](s)}
	at := attestors{newGroup[AttestorLedger](s)}
	rc := receipts{group: newGroup[ReceiptLedger](s), coalescer: s.receipts}
	pr := products{newGroup[ProductLedger](s)}
	au := newGroup[AuditLedger](s)
	dc := disclosure{group: newGroup[DisclosureLedger](s), user: s.publicUser}
	in := incidents{newGroup[IncidentLedger](s)}
	us := usage{newGroup[UsageLedger](s)}
	nt := notices{newGroup[NoticeLedger](s)}
	fe := fees{newGroup[FeeLedger](s)}

	const (
		get  = http.MethodGet
		post = http.MethodPost
		put  = http.MethodPut
		ok   = http.StatusOK
		made = http.StatusCreated
	)
	type (
		participant = ledger.Participant
		expert      = ledger.Expert
		dataset     = ledger.Dataset
		call        = ledger.Call
		application = ledger.Application
		review      = ledger.Review
		opinion     = ledger.Opinion
		grant       = ledger.Grant
		agreement   = ledger.Agreement
		attestor    = ledger.Attestor
		receipt     = ledger.Receipt
		batch       = ledger.Batch
		product     = ledger.Product
	)
	rs := []route{
		{Method: get, Path: "/healthz", Op: "Healthz", Tag: "operations", Public: true, Status: ok, Response: Status{}, Handler: hp.alive,
			Summary: "The process is alive"},
		{Method: get, Path: "/readyz", Op: "Readyz", Tag: "operations", Public: true, Status: ok, Response: Status{}, Handler: hp.ready,
			Errors: []error{errNotReady}, Summary: "The organisation's peer answers a query of the contract"},
		{Method: get, Path: "/metrics", Op: "Metrics", Tag: "operations", Public: true, Status: ok, Handler: s.m.handler(),
			Summary: "Prometheus metrics (text format)"},
		{Method: get, Path: "/v1/openapi.json", Op: "OpenAPI", Tag: "operations", Public: true, Status: ok, Response: map[string]any{}, Handler: s.openapi,
			Summary: "This document"},
		{Method: get, Path: "/v1/docs", Op: "Reference", Tag: "operations", Public: true, Status: ok, Media: []string{"text/html"}, Handler: docsPage,
			Summary: "This document as a reference page (HTML, 中文), which needs no network but this server"},
		{Method: get, Path: "/v1/docs/:asset", Op: "ReferenceAsset", Tag: "operations", Public: true, Status: ok, Media: []string{"text/javascript", "text/css"}, Handler: docsAsset,
			Errors: []error{client.ErrNotFound}, Summary: "The reference page's script (docs.js) or style sheet (docs.css)"},
		{Method: get, Path: "/v1/me", Op: "WhoAmI", Tag: "meta", Status: ok, Response: Identity{}, Handler: mt.me,
			Summary: "The organisation and user the bearer token acts as, and the caller as the ledger sees it"},
		{Method: get, Path: "/v1/config", Op: "GetConfig", Tag: "meta", Status: ok, Response: client.Config{}, Handler: mt.config,
			Summary: "The contract's bootstrap configuration (the data authority)"},
		{Method: get, Path: "/v1/events", Op: "Events", Tag: "meta", Stream: true, Status: ok, Handler: ev.stream,
			Summary: "The contract's chaincode events the caller may read, as Server-Sent Events, resumable with Last-Event-ID"},

		{Method: post, Path: "/v1/participants", Op: "RegisterParticipant", Tag: "participants", Status: made, Request: participantRequest{}, Response: participant{}, Handler: pa.register,
			Summary: "Register an organisation with its role (authority)"},
		{Method: get, Path: "/v1/participants", Op: "QueryParticipants", Tag: "participants", Status: ok, List: true, Indexes: []string{"role", "status"}, Response: ledger.ParticipantPage{}, Handler: answerList(pa.group, ParticipantLedger.QueryParticipants),
			Summary: "List participants"},
		{Method: get, Path: "/v1/participants/:msp", Op: "GetParticipant", Tag: "participants", Status: ok, Response: participant{}, Handler: answerByID(pa.group, mspParam, ParticipantLedger.GetParticipant),
			Summary: "Read a participant"},
		{Method: post, Path: "/v1/participants/:msp/status", Op: "SetOperatorStatus", Tag: "participants", Status: ok, Request: operatorStatusRequest{}, Response: participant{}, Handler: pa.setStatus,
			Summary: "Admit, suspend or exit an operator (authority)"},
		{Method: post, Path: "/v1/participants/:msp/evaluations", Op: "RecordEvaluation", Tag: "participants", Status: made, Request: evaluationRequest{}, Response: participant{}, Handler: pa.addEvaluation,
			Summary: "Record a dynamic evaluation of an operator, then attach its report (authority)"},
		{Method: post, Path: "/v1/participants/:msp/evaluations/:evaluationId/report", Op: "AttachEvaluationReport", Tag: "participants", Status: ok, Request: reportRequest{}, Response: participant{}, Handler: pa.attachEvaluationReport,
			Summary: "Attach the report of an operator's evaluation, kept in the operator's private collection (authority)"},

		{Method: post, Path: "/v1/experts", Op: "RegisterExpert", Tag: "participants", Status: made, Request: expertRequest{}, Response: expert{}, Handler: ex.register,
			Summary: "Convene an individual, by client identity, as a member of the expert committee; a retired one again (authority)"},
		{Method: get, Path: "/v1/experts", Op: "QueryExperts", Tag: "participants", Status: ok, List: true, Indexes: []string{"status", "msp"}, Response: ledger.ExpertPage{}, Handler: answerList(ex.group, ExpertLedger.QueryExperts),
			Summary: "List the expert committee"},
		{Method: get, Path: "/v1/experts/:client", Op: "GetExpert", Tag: "participants", Status: ok, Response: expert{}, Handler: answerByID(ex.group, clientParam, ExpertLedger.GetExpert),
			Summary: "Read an expert by its percent-encoded client identity"},
		{Method: post, Path: "/v1/experts/:client/retire", Op: "RetireExpert", Tag: "participants", Status: ok, Request: reasonRequest{}, Response: expert{}, Handler: answerWithReason[reasonRequest](ex.group, clientParam, ExpertLedger.RetireExpert),
			Summary: "End an expert's membership (authority)"},

		{Method: post, Path: "/v1/datasets", Op: "CreateDataset", Tag: "datasets", Status: made, Request: datasetRequest{}, Response: dataset{}, Handler: ds.create,
			Summary: "Add a dataset to the catalogue (provider)"},
		{Method: get, Path: "/v1/datasets", Op: "QueryDatasets", Tag: "datasets", Status: ok, List: true, Indexes: []string{"owner", "status", "domain"}, Response: ledger.DatasetPage{}, Handler: answerList(ds.group, DatasetLedger.QueryDatasets),
			Summary: "List the catalogue"},
		{Method: get, Path: "/v1/datasets/:id", Op: "GetDataset", Tag: "datasets", Status: ok, Response: dataset{}, Handler: answerByID(ds.group, idParam, DatasetLedger.GetDataset),
			Summary: "Read a dataset"},
		{Method: put, Path: "/v1/datasets/:id", Op: "UpdateDataset", Tag: "datasets", Status: ok, Request: datasetUpdateRequest{}, Response: dataset{}, Handler: ds.update,
			Summary: "Replace a dataset's description (its owner)"},
		{Method: post, Path: "/v1/datasets/:id/withdraw", Op: "WithdrawDataset", Tag: "datasets", Status: ok, Request: reasonRequest{}, Response: dataset{}, Handler: answerWithReason[reasonRequest](ds.group, idParam, DatasetLedger.WithdrawDataset),
			Summary: "Take a dataset out of the catalogue (its owner)"},
		{Method: post, Path: "/v1/datasets/:id/relist", Op: "RelistDataset", Tag: "datasets", Status: ok, Response: dataset{}, Handler: answerByID(ds.group, idParam, DatasetLedger.RelistDataset),
			Summary: "Put a withdrawn dataset back in the catalogue (its owner)"},

		{Method: post, Path: "/v1/calls", Op: "PublishCall", Tag: "calls", Status: made, Request: callRequest{}, Response: call{}, Handler: ca.publish,
			Summary: "Publish a call for operators (authority)"},
		{Method: get, Path: "/v1/calls", Op: "QueryCalls", Tag: "calls", Status: ok, List: true, Indexes: []string{"status"}, Response: ledger.CallPage{}, Handler: answerList(ca.group, CallLedger.QueryCalls),
			Summary: "List calls"},
		{Method: get, Path: "/v1/calls/:id", Op: "GetCall", Tag: "calls", Status: ok, Response: call{}, Handler: answerByID(ca.group, idParam, CallLedger.GetCall),
			Summary: "Read a call"},
		{Method: post, Path: "/v1/calls/:id/cancel", Op: "CancelCall", Tag: "calls", Status: ok, Request: reasonRequest{}, Response: call{}, Handler: answerWithReason[reasonRequest](ca.group, idParam, CallLedger.CancelCall),
			Summary: "Cancel a call (authority)"},

		{Method: post, Path: "/v1/applications", Op: "SubmitApplication", Tag: "applications", Status: made, Request: applicationRequest{}, Response: application{}, Handler: ap.submit,
			Summary: "File an application under an open call, then attach its documents (operator)"},
		{Method: post, Path: "/v1/applications/:id/documents", Op: "AttachApplicationDocuments", Tag: "applications", Status: ok, Request: applicationDocumentsRequest{}, Response: application{}, Handler: answerAttach[applicationDocumentsRequest](ap.group, idParam, ApplicationLedger.AttachApplicationDocuments),
			Summary: "Attach an application's emergency plan and security documents, kept in the operator's private collection (its operator)"},
		{Method: get, Path: "/v1/applications", Op: "QueryApplications", Tag: "applications", Status: ok, List: true, Indexes: []string{"operator", "call", "status"}, Response: ledger.ApplicationPage{}, Handler: answerList(ap.group, ApplicationLedger.QueryApplications),
			Summary: "List the applications the caller may read"},
		{Method: get, Path: "/v1/applications/:id", Op: "GetApplication", Tag: "applications", Status: ok, Response: application{}, Handler: answerByID(ap.group, idParam, ApplicationLedger.GetApplication),
			Summary: "Read an application"},
		{Method: post, Path: "/v1/applications/:id/withdraw", Op: "WithdrawApplication", Tag: "applications", Status: ok, Request: optionalReasonRequest{}, Response: application{}, Handler: answerWithReason[optionalReasonRequest](ap.group, idParam, ApplicationLedger.WithdrawApplication),
			Summary: "Withdraw an application before it is granted (its operator)"},

		{Method: post, Path: "/v1/reviews", Op: "RecordReview", Tag: "reviews", Status: made, Request: reviewRequest{}, Response: review{}, Handler: rv.record,
			Summary: "Record a review of an operator or an application, then attach its report (authority)"},
		{Method: post, Path: "/v1/reviews/:id/report", Op: "AttachReviewReport", Tag: "reviews", Status: ok, Request: reportRequest{}, Response: review{}, Handler: answerAttach[reportRequest](rv.group, idParam, ReviewLedger.AttachReviewReport),
			Summary: "Attach a review's report, kept in the private collection of the operator concerned (authority)"},
		{Method: get, Path: "/v1/reviews", Op: "QueryReviews", Tag: "reviews", Status: ok, List: true, Indexes: []string{"subject", "kind"}, Response: ledger.ReviewPage{}, Handler: answerList(rv.group, ReviewLedger.QueryReviews),
			Summary: "List reviews"},
		{Method: get, Path: "/v1/reviews/:id", Op: "GetReview", Tag: "reviews", Status: ok, Response: review{}, Handler: answerByID(rv.group, idParam, ReviewLedger.GetReview),
			Summary: "Read a review"},
		{Method: post, Path: "/v1/opinions", Op: "RecordOpinion", Tag: "reviews", Status: made, Request: opinionRequest{}, Response: opinion{}, Handler: rv.recordOpinion,
			Summary: "Record an opinion on an application or a product (expert, platform)"},
		{Method: get, Path: "/v1/opinions", Op: "QueryOpinions", Tag: "reviews", Status: ok, List: true, Indexes: []string{"subject", "author"}, Response: ledger.OpinionPage{}, Handler: answerList(rv.group, ReviewLedger.QueryOpinions),
			Summary: "List opinions"},

		{Method: post, Path: "/v1/grants", Op: "IssueGrant", Tag: "grants", Status: made, Request: grantRequest{}, Response: grant{}, Handler: gr.issue,
			Summary: "Issue a grant from an approved application (authority)"},
		{Method: get, Path: "/v1/grants", Op: "QueryGrants", Tag: "grants", Status: ok, List: true, Indexes: []string{"status", "holder", "provider", "parent", "application"}, Response: ledger.GrantPage{}, Handler: answerList(gr.group, GrantLedger.QueryGrants),
			Summary: "List the grants the caller may read"},
		{Method: get, Path: "/v1/grants/:id", Op: "GetGrant", Tag: "grants", Status: ok, Response: grant{}, Handler: answerByID(gr.group, idParam, GrantLedger.GetGrant),
			Summary: "Read a grant"},
		{Method: get, Path: "/v1/grants/:id/usage", Op: "GetGrantUsage", Tag: "grants", Status: ok, Response: ledger.Usage{}, Handler: answerByID(gr.group, idParam, GrantLedger.GetGrantUsage),
			Summary: "What has been used of a grant's quota"},
		{Method: post, Path: "/v1/grants/:id/approve", Op: "ApproveGrant", Tag: "grants", Status: ok, Response: grant{}, Handler: answerByID(gr.group, idParam, GrantLedger.ApproveGrant),
			Summary: "Approve a grant over the caller's datasets (provider)"},
		{Method: post, Path: "/v1/grants/:id/reject", Op: "RejectGrant", Tag: "grants", Status: ok, Request: reasonRequest{}, Response: grant{}, Handler: answerWithReason[reasonRequest](gr.group, idParam, GrantLedger.RejectGrant),
			Summary: "Refuse a grant over the caller's datasets (provider)"},
		{Method: post, Path: "/v1/grants/:id/suspend", Op: "SuspendGrant", Tag: "grants", Status: ok, Request: reasonRequest{}, Response: grant{}, Handler: answerWithReason[reasonRequest](gr.group, idParam, GrantLedger.SuspendGrant),
			Summary: "Suspend an active grant (authority)"},
		{Method: post, Path: "/v1/grants/:id/resume", Op: "ResumeGrant", Tag: "grants", Status: ok, Response: grant{}, Handler: answerByID(gr.group, idParam, GrantLedger.ResumeGrant),
			Summary: "Resume a suspended grant (authority)"},
		{Method: post, Path: "/v1/grants/:id/revoke", Op: "RevokeGrant", Tag: "grants", Status: ok, Request: reasonRequest{}, Response: grant{}, Handler: answerWithReason[reasonRequest](gr.group, idParam, GrantLedger.RevokeGrant),
			Summary: "Revoke a grant for good (authority)"},
		{Method: post, Path: "/v1/grants/:id/expire", Op: "ExpireGrant", Tag: "grants", Status: ok, Response: grant{}, Handler: answerByID(gr.group, idParam, GrantLedger.ExpireGrant),
			Summary: "Record that a grant's term has ended"},
		{Method: post, Path: "/v1/grants/:id/subgrants", Op: "ProposeSubGrant", Tag: "grants", Status: made, Request: subGrantRequest{}, Response: grant{}, Handler: gr.proposeSubGrant,
			Summary: "Propose a sub-grant of this grant to a developer (its holder)"},
		{Method: post, Path: "/v1/grants/:id/activate", Op: "ActivateSubGrant", Tag: "grants", Status: ok, Response: grant{}, Handler: answerByID(gr.group, idParam, GrantLedger.ActivateSubGrant),
			Summary: "Activate a proposed sub-grant (authority)"},

		{Method: post, Path: "/v1/agreements", Op: "ProposeAgreement", Tag: "agreements", Status: made, Request: agreementRequest{}, Response: agreement{}, Handler: ag.propose,
			Summary: "Propose the agreement of a first-level grant, then attach its text (authority)"},
		{Method: post, Path: "/v1/agreements/:id/text", Op: "AttachAgreementText", Tag: "agreements", Status: ok, Request: agreementTextRequest{}, Response: agreement{}, Handler: answerAttach[agreementTextRequest](ag.group, idParam, AgreementLedger.AttachAgreementText),
			Summary: "Attach an agreement's text, kept in the operator's private collection, before anyone signs (authority)"},
		{Method: get, Path: "/v1/agreements", Op: "QueryAgreements", Tag: "agreements", Status: ok, List: true, Indexes: []string{"grant", "operator", "status"}, Response: ledger.AgreementPage{}, Handler: answerList(ag.group, AgreementLedger.QueryAgreements),
			Summary: "List the agreements the caller may read"},
		{Method: get, Path: "/v1/agreements/:id", Op: "GetAgreement", Tag: "agreements", Status: ok, Response: agreement{}, Handler: answerByID(ag.group, idParam, AgreementLedger.GetAgreement),
			Summary: "Read an agreement"},
		{Method: post, Path: "/v1/agreements/:id/sign", Op: "SignAgreement", Tag: "agreements", Status: ok, Response: agreement{}, Handler: answerByID(ag.group, idParam, AgreementLedger.SignAgreement),
			Summary: "Sign an agreement (authority, its operator)"},

		{Method: post, Path: "/v1/attestors", Op: "RegisterAttestor", Tag: "attestors", Status: made, Request: attestorRequest{}, Response: attestor{}, Handler: at.register,
			Summary: "Register a trusted environment's address (platform)"},
		{Method: get, Path: "/v1/attestors", Op: "QueryAttestors", Tag: "attestors", Status: ok, List: true, Indexes: []string{"status", "platform"}, Response: ledger.AttestorPage{}, Handler: answerList(at.group, AttestorLedger.QueryAttestors),
			Summary: "List attestors"},
		{Method: get, Path: "/v1/attestors/:address", Op: "GetAttestor", Tag: "attestors", Status: ok, Response: attestor{}, Handler: answerByID(at.group, addressParam, AttestorLedger.GetAttestor),
			Summary: "Read an attestor"},
		{Method: post, Path: "/v1/attestors/:address/retire", Op: "RetireAttestor", Tag: "attestors", Status: ok, Request: reasonRequest{}, Response: attestor{}, Handler: answerWithReason[reasonRequest](at.group, addressParam, AttestorLedger.RetireAttestor),
			Summary: "Retire an attestor (its platform, authority)"},

		{Method: post, Path: "/v1/receipts", Op: "SubmitReceipt", Tag: "receipts", Status: made, Request: receiptRequest{}, Response: receipt{}, Handler: rc.submit,
			Summary: "Submit one signed usage receipt (grant holder, platform)"},
		{Method: get, Path: "/v1/receipts", Op: "QueryReceipts", Tag: "receipts", Status: ok, List: true, Indexes: []string{"grant", "batch"}, Response: ledger.ReceiptPage{}, Handler: answerList(rc.group, ReceiptLedger.QueryReceipts),
			Summary: "List the receipts the caller may read"},
		{Method: get, Path: "/v1/receipts/:id", Op: "GetReceipt", Tag: "receipts", Status: ok, Response: receipt{}, Handler: answerByID(rc.group, idParam, ReceiptLedger.GetReceipt),
			Summary: "Read a receipt"},
		{Method: get, Path: "/v1/receipts/:id/proof", Op: "GetReceiptProof", Tag: "receipts", Status: ok, Response: ReceiptProof{}, Handler: answerByID(rc.group, idParam, proofOf),
			Errors: []error{client.ErrForbidden, client.ErrConflict}, Summary: "The Merkle inclusion proof of a receipt accepted in a batch"},
		{Method: post, Path: "/v1/batches", Op: "SubmitReceiptBatch", Tag: "receipts", Status: made, Request: batchRequest{}, Response: batch{}, Handler: rc.submitBatch,
			Summary: "Submit up to 500 signed receipts in one transaction (grant holder, platform)"},
		{Method: get, Path: "/v1/batches/:id", Op: "GetReceiptBatch", Tag: "receipts", Status: ok, Response: batch{}, Handler: answerByID(rc.group, idParam, ReceiptLedger.GetReceiptBatch),
			Summary: "Read a batch: its Merkle root and per-grant totals"},
		{Method: post, Path: "/v1/batches/:id/verify", Op: "VerifyReceiptProof", Tag: "receipts", Status: ok, Request: proofRequest{}, Response: ledger.ProofResult{}, Handler: rc.verify,
			Summary: "Check that a statement was accepted in this batch (an inclusion proof)"},

		{Method: post, Path: "/v1/products", Op: "RegisterProduct", Tag: "products", Status: made, Request: productRequest{}, Response: product{}, Handler: pr.register,
			Summary: "Register a product as a draft (operator, developer)"},
		{Method: get, Path: "/v1/products", Op: "QueryProducts", Tag: "products", Status: ok, List: true, Indexes: []string{"owner", "status", "grant"}, Response: ledger.ProductPage{}, Handler: answerList(pr.group, ProductLedger.QueryProducts),
			Summary: "List the products the caller may read"},
		{Method: get, Path: "/v1/products/:id", Op: "GetProduct", Tag: "products", Status: ok, Response: product{}, Handler: answerByID(pr.group, idParam, ProductLedger.GetProduct),
			Summary: "Read a product"},
		{Method: put, Path: "/v1/products/:id", Op: "UpdateProduct", Tag: "products", Status: ok, Request: productUpdateRequest{}, Response: product{}, Handler: pr.update,
			Summary: "Replace a draft product's description and lineage (its owner)"},
		{Method: post, Path: "/v1/products/:id/submit", Op: "SubmitProduct", Tag: "products", Status: ok, Response: product{}, Handler: answerByID(pr.group, idParam, ProductLedger.SubmitProduct),
			Summary: "Send a draft product to review (its owner)"},
		{Method: post, Path: "/v1/products/:id/review", Op: "DecideProduct", Tag: "products", Status: ok, Request: decisionRequest{}, Response: product{}, Handler: pr.review,
			Summary: "Approve or reject a product in review (authority)"},
		{Method: post, Path: "/v1/products/:id/list", Op: "RequestListing", Tag: "products", Status: ok, Response: product{}, Handler: pr.requestListing,
			Summary: "Ask the data exchange to list an approved or delisted product (its owner); no body: the exchange issues the registration number"},
		{Method: post, Path: "/v1/products/:id/listing/confirm", Op: "ConfirmListing", Tag: "products", Status: ok, Request: listingConfirmation{}, Response: product{}, Handler: pr.confirmListing,
			Summary: "List the product under the registration number the exchange issues (data exchange)"},
		{Method: post, Path: "/v1/products/:id/listing/reject", Op: "RejectListing", Tag: "products", Status: ok, Request: reasonRequest{}, Response: product{}, Handler: answerWithReason[reasonRequest](pr.group, idParam, ProductLedger.RejectListing),
			Summary: "Decline to list the product, with the reason (data exchange)"},
		{Method: post, Path: "/v1/products/:id/delist", Op: "DelistProduct", Tag: "products", Status: ok, Request: reasonRequest{}, Response: product{}, Handler: answerWithReason[reasonRequest](pr.group, idParam, ProductLedger.DelistProduct),
			Summary: "Take a listed product off the market (its owner, authority, data exchange)"},
		{Method: get, Path: "/v1/products/:id/provenance", Op: "GetProvenance", Tag: "products", Status: ok, Response: ledger.Provenance{}, Handler: answerByID(au, idParam, AuditLedger.GetProvenance),
			Summary: "A product's path back to receipts, grants, datasets and providers (溯源)"},

		// The public disclosure (公开结果) needs no token (Anonymous); its page neither.
		{Method: get, Path: "/v1/disclosure/grants", Op: "DisclosedGrants", Tag: "disclosure", Public: true, Anonymous: true, Status: ok, List: true, Response: ledger.GrantSummaryPage{}, Handler: answerDisclosure(dc, DisclosureLedger.DisclosedGrants),
			Summary: "Public summaries of the grants in force"},
		{Method: get, Path: "/v1/disclosure/agreements", Op: "DisclosedAgreements", Tag: "disclosure", Public: true, Anonymous: true, Status: ok, List: true, Response: ledger.AgreementSummaryPage{}, Handler: answerDisclosure(dc, DisclosureLedger.DisclosedAgreements),
			Summary: "Public summaries of the agreements in force"},
		{Method: get, Path: "/v1/disclosure/operators", Op: "DisclosedOperators", Tag: "disclosure", Public: true, Anonymous: true, Status: ok, List: true, Response: ledger.OperatorDisclosurePage{}, Handler: answerDisclosure(dc, DisclosureLedger.DisclosedOperators),
			Summary: "Admitted operators with the domains and scenarios they hold grants for"},
		{Method: get, Path: "/v1/disclosure/products", Op: "DisclosedProducts", Tag: "disclosure", Public: true, Anonymous: true, Status: ok, List: true, Response: ledger.ProductSummaryPage{}, Handler: answerDisclosure(dc, DisclosureLedger.DisclosedProducts),
			Summary: "Public summaries of the listed products"},
		{Method: get, Path: "/public", Op: "PublicPage", Tag: "disclosure", Public: true, Status: ok, Media: []string{"text/html"}, Handler: publicPage,
			Summary: "The public disclosure as a page (HTML, 中文), which reads the four lists above"},
		{Method: get, Path: "/public/:asset", Op: "PublicPageAsset", Tag: "disclosure", Public: true, Status: ok, Media: []string{"text/javascript", "text/css"}, Handler: publicAsset,
			Errors: []error{client.ErrNotFound}, Summary: "The public page's script (disclosure.js) or style sheet (disclosure.css)"},
	}
	for _, k := range historyKinds {
		h := newHistory(au, k.kind, k.param)
		rs = append(rs, route{
			Method: get, Path: k.path + "/history", Op: historyOp(k.kind), Tag: "history",
			Status: ok, List: true, Response: HistoryPage{}, Handler: h.list,
			Summary: "Every recorded version of the " + k.kind + ", newest first, a page at a time, from QueryHistory",
		})
	}
	rs = append(rs, incidentRoutes(in)...)
	rs = append(rs, dataRequestRoutes(dataRequests{newGroup[DataRequestLedger](s)})...)
	rs = append(rs, usageRoutes(us)...)
	rs = append(rs, noticeRoutes(nt)...)
	rs = append(rs, feeRoutes(fe)...)
	rs = append(rs, anchoringRoutes(anchoring{group: newGroup[ActorLedger](s), url: s.anchorURL, http: newAnchorClient(s.timeout)})...)
	return append(rs, portalRoutes()...)
}

// incidentRoutes are the routes of security incidents (数据安全事件).
func incidentRoutes(in incidents) []route {
	const (
		get  = http.MethodGet
		post = http.MethodPost
		ok   = http.StatusOK
		made = http.StatusCreated
	)
	type incident = ledger.Incident
	return []route{
		{Method: post, Path: "/v1/incidents", Op: "ReportIncident", Tag: "incidents", Status: made, Request: incidentRequest{}, Response: incident{}, Handler: in.report,
			Summary: "Report a security incident on a grant, a dataset or an attestor (their parties, the platform)"},
		{Method: get, Path: "/v1/incidents", Op: "QueryIncidents", Tag: "incidents", Status: ok, List: true, Indexes: []string{"grant", "dataset", "attestor", "status", "reporter"}, Response: ledger.IncidentPage{}, Handler: answerList(in.group, IncidentLedger.QueryIncidents),
			Summary: "List the incidents the caller may read"},
		{Method: get, Path: "/v1/incidents/:id", Op: "GetIncident", Tag: "incidents", Status: ok, Response: incident{}, Handler: answerByID(in.group, idParam, IncidentLedger.GetIncident),
			Summary: "Read an incident"},
		{Method: post, Path: "/v1/incidents/:id/decide", Op: "DecideIncident", Tag: "incidents", Status: ok, Request: incidentDecisionRequest{}, Response: incident{}, Handler: in.decide,
			Summary: "Decide on a reported incident, applying a suspension or retirement in the same transaction (authority)"},
		{Method: post, Path: "/v1/incidents/:id/close", Op: "CloseIncident", Tag: "incidents", Status: ok, Request: incidentClosingRequest{}, Response: incident{}, Handler: in.close,
			Summary: "Close a decided incident with its report's digest (authority)"},
	}
}

// usageRoutes are the routes of usage statements (用数统计).
func usageRoutes(us usage) []route {
	return []route{
		{Method: http.MethodGet, Path: "/v1/usage/statements", Op: "UsageStatement", Tag: "receipts", Status: http.StatusOK, Query: usageParams,
			Response: ledger.UsageStatement{}, Handler: us.statement,
			Errors:  []error{client.ErrInvalid, client.ErrForbidden, client.ErrNotFound},
			Summary: "Use summed by dataset, grant, operator or provider, per day or month (用数统计): a provider's datasets, a holder's grants, all for the authority and regulator"},
	}
}
