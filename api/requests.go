package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// quotaAdditionRequest is the quota an amendment adds: records and calls
// more, either of which may be 0.
type quotaAdditionRequest struct {
	Records uint64 `json:"records"`
	Calls   uint64 `json:"calls"`
}

// grantAdditionRequest is what an amendment adds to a grant; the
// contract refuses one that adds nothing.
type grantAdditionRequest struct {
	Datasets   []datasetScopeRequest `json:"datasets" binding:"max=200,dive"`
	Purposes   []string              `json:"purposes" binding:"max=200,dive,objectid"`
	Operations []string              `json:"operations" binding:"max=5,dive,oneof=query statistics model-training joint-modelling verification"`
	Quota      quotaAdditionRequest  `json:"quota"`
}

// subGrantAskRequest is the sub-grant a developer asks for.
type subGrantAskRequest struct {
	Scope scopeRequest `json:"scope" binding:"required"`
	Quota quotaRequest `json:"quota" binding:"required"`
	Term  termRequest  `json:"term" binding:"required"`
}

// dataRequestBody submits a data request (POST /v1/data-requests): an
// amendment of the caller's grant (kind amend-grant, with add) or a
// developer's request for a sub-grant (kind sub-grant, with subGrant).
type dataRequestBody struct {
	ID           string                `json:"id" binding:"required,objectid"`
	Kind         string                `json:"kind" binding:"required,oneof=amend-grant sub-grant"`
	GrantID      string                `json:"grantId" binding:"required,objectid"`
	Add          *grantAdditionRequest `json:"add,omitempty" binding:"required_if=Kind amend-grant,excluded_unless=Kind amend-grant"`
	SubGrant     *subGrantAskRequest   `json:"subGrant,omitempty" binding:"required_if=Kind sub-grant,excluded_unless=Kind sub-grant"`
	Reason       string                `json:"reason" binding:"required,max=2000"`
	ReasonDigest string                `json:"reasonDigest,omitempty" binding:"omitempty,digest"`
}

func (b dataRequestBody) domain() ledger.DataRequestSubmission {
	r := ledger.DataRequestSubmission{ID: b.ID, Kind: ledger.DataRequestKind(b.Kind), GrantID: b.GrantID, Reason: b.Reason, ReasonDigest: b.ReasonDigest}
	if a := b.Add; a != nil {
		add := &ledger.GrantAddition{Purposes: a.Purposes, Quota: ledger.Quota{Records: a.Quota.Records, Calls: a.Quota.Calls}}
		for _, d := range a.Datasets {
			add.Datasets = append(add.Datasets, ledger.DatasetScope{ID: d.ID, Fields: d.Fields})
		}
		for _, op := range a.Operations {
			add.Operations = append(add.Operations, ledger.Operation(op))
		}
		r.Add = add
	}
	if s := b.SubGrant; s != nil {
		r.SubGrant = &ledger.SubGrantAsk{Scope: s.Scope.domain(), Quota: s.Quota.domain(), Term: s.Term.domain()}
	}
	return r
}

// dataRequests handles /v1/data-requests: data requests (公共数据需求申请),
// the providers' consents, the authority's decision, withdrawals and the
// holder's declines of sub-grant requests.
type dataRequests struct{ group[DataRequestLedger] }

func (h dataRequests) submit(c *gin.Context) error {
	var req dataRequestBody
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	r, err := l.SubmitDataRequest(c.Request.Context(), req.domain())
	return h.created(c, "/v1/data-requests/"+req.ID, r, err)
}

// dataRequestRoutes are the routes of data requests.
func dataRequestRoutes(dr dataRequests) []route {
	const (
		get  = http.MethodGet
		post = http.MethodPost
		ok   = http.StatusOK
		made = http.StatusCreated
	)
	type request = ledger.DataRequest
	return []route{
		{Method: post, Path: "/v1/data-requests", Op: "SubmitDataRequest", Tag: "data-requests", Status: made, Request: dataRequestBody{}, Response: request{}, Handler: dr.submit,
			Summary: "Ask for more on one's grant (amend-grant: its holder) or for a sub-grant of a grant in force (sub-grant: a developer)"},
		{Method: get, Path: "/v1/data-requests", Op: "QueryDataRequests", Tag: "data-requests", Status: ok, List: true, Indexes: []string{"grant", "requester", "holder", "kind", "status"}, Response: ledger.DataRequestPage{}, Handler: answerList(dr.group, DataRequestLedger.QueryDataRequests),
			Summary: "List the data requests the caller may read"},
		{Method: get, Path: "/v1/data-requests/:id", Op: "GetDataRequest", Tag: "data-requests", Status: ok, Response: request{}, Handler: answerByID(dr.group, idParam, DataRequestLedger.GetDataRequest),
			Summary: "Read a data request"},
		{Method: post, Path: "/v1/data-requests/:id/consent", Op: "ConsentDataRequest", Tag: "data-requests", Status: ok, Response: request{}, Handler: answerByID(dr.group, idParam, DataRequestLedger.ConsentDataRequest),
			Summary: "Consent to an amendment (a provider whose datasets it concerns)"},
		{Method: post, Path: "/v1/data-requests/:id/approve", Op: "ApproveDataRequest", Tag: "data-requests", Status: ok, Response: request{}, Handler: answerByID(dr.group, idParam, DataRequestLedger.ApproveDataRequest),
			Summary: "Approve a consented amendment, writing the grant's next version in the same transaction (authority)"},
		{Method: post, Path: "/v1/data-requests/:id/refuse", Op: "RefuseDataRequest", Tag: "data-requests", Status: ok, Request: reasonRequest{}, Response: request{}, Handler: answerWithReason[reasonRequest](dr.group, idParam, DataRequestLedger.RefuseDataRequest),
			Summary: "Refuse an amendment (authority, or a provider asked to consent)"},
		{Method: post, Path: "/v1/data-requests/:id/withdraw", Op: "WithdrawDataRequest", Tag: "data-requests", Status: ok, Request: optionalReasonRequest{}, Response: request{}, Handler: answerWithReason[optionalReasonRequest](dr.group, idParam, DataRequestLedger.WithdrawDataRequest),
			Summary: "Withdraw an undecided request (its requester)"},
		{Method: post, Path: "/v1/data-requests/:id/decline", Op: "DeclineDataRequest", Tag: "data-requests", Status: ok, Request: reasonRequest{}, Response: request{}, Handler: answerWithReason[reasonRequest](dr.group, idParam, DataRequestLedger.DeclineDataRequest),
			Summary: "Decline a developer's sub-grant request (the grant's holder)"},
	}
}
