package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// scenarioRequest is the one application scenario of an application.
type scenarioRequest struct {
	Name        string `json:"name" binding:"required,max=128"`
	Domain      string `json:"domain" binding:"required"`
	Description string `json:"description" binding:"required,max=2000"`
}

// datasetScopeRequest names a dataset and the fields of it in scope.
type datasetScopeRequest struct {
	ID     string   `json:"id" binding:"required,objectid"`
	Fields []string `json:"fields" binding:"required,min=1,max=200,dive,objectid"`
}

// scopeRequest is what may be used: datasets and fields, purposes, operations.
type scopeRequest struct {
	Datasets   []datasetScopeRequest `json:"datasets" binding:"required,min=1,max=200,dive"`
	Purposes   []string              `json:"purposes" binding:"required,min=1,max=200,dive,objectid"`
	Operations []string              `json:"operations" binding:"required,min=1,max=5,dive,oneof=query statistics model-training joint-modelling verification"`
}

func (r scopeRequest) domain() ledger.Scope {
	s := ledger.Scope{Purposes: r.Purposes}
	for _, d := range r.Datasets {
		s.Datasets = append(s.Datasets, ledger.DatasetScope{ID: d.ID, Fields: d.Fields})
	}
	for _, op := range r.Operations {
		s.Operations = append(s.Operations, ledger.Operation(op))
	}
	return s
}

// applicationRequest files an application under a call (POST
// /v1/applications). An absent emergencyPlanDigest is not a malformed
// request but a refusal of the ledger's (422): an application without an
// emergency plan cannot proceed.
type applicationRequest struct {
	ID                  string          `json:"id" binding:"required,objectid"`
	CallID              string          `json:"callId" binding:"required,objectid"`
	Scenario            scenarioRequest `json:"scenario" binding:"required"`
	Scope               scopeRequest    `json:"scope" binding:"required"`
	TermMonths          int             `json:"termMonths" binding:"required,min=1,max=24"`
	TrialMonths         int             `json:"trialMonths" binding:"min=0,max=6"`
	EmergencyPlanDigest string          `json:"emergencyPlanDigest" binding:"omitempty,digest"`
	SecurityDocsDigest  string          `json:"securityDocsDigest" binding:"required,digest"`
	RenewsGrant         string          `json:"renewsGrant" binding:"omitempty,objectid"`
}

// applications handles /v1/applications: operators' applications (申请).
type applications struct{ base }

func (h applications) submit(c *gin.Context) {
	var req applicationRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	a, err := l.SubmitApplication(c.Request.Context(), ledger.ApplicationRequest{
		ID: req.ID, CallID: req.CallID,
		Scenario:   ledger.Scenario{Name: req.Scenario.Name, Domain: req.Scenario.Domain, Description: req.Scenario.Description},
		Scope:      req.Scope.domain(),
		TermMonths: req.TermMonths, TrialMonths: req.TrialMonths,
		EmergencyPlanDigest: req.EmergencyPlanDigest, SecurityDocsDigest: req.SecurityDocsDigest, RenewsGrant: req.RenewsGrant,
	})
	h.created(c, "/v1/applications/"+req.ID, a, err)
}

func (h applications) withdraw(c *gin.Context) {
	var req optionalReasonRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	a, err := l.WithdrawApplication(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, a, err)
}

func (h applications) get(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	a, err := l.GetApplication(c.Request.Context(), id)
	h.reply(c, http.StatusOK, a, err)
}

func (h applications) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryApplications(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}

// reviewRequest records a review (POST /v1/reviews).
type reviewRequest struct {
	ID           string    `json:"id" binding:"required,objectid"`
	Kind         string    `json:"kind" binding:"required,oneof=basic-security technical-security scenario network-security province"`
	Subject      string    `json:"subject" binding:"required,objectid"`
	Outcome      string    `json:"outcome" binding:"required,oneof=pass fail"`
	Date         time.Time `json:"date" binding:"required"`
	ReportDigest string    `json:"reportDigest" binding:"required,digest"`
	Note         string    `json:"note" binding:"max=2000"`
}

// opinionRequest records an expert's or the platform's opinion (POST
// /v1/opinions).
type opinionRequest struct {
	ID             string `json:"id" binding:"required,objectid"`
	SubjectType    string `json:"subjectType" binding:"required,oneof=application product"`
	SubjectID      string `json:"subjectId" binding:"required,objectid"`
	Recommendation string `json:"recommendation" binding:"required,oneof=approve reject revise"`
	Digest         string `json:"digest" binding:"required,digest"`
	Note           string `json:"note" binding:"max=2000"`
}

// reviews handles /v1/reviews and /v1/opinions.
type reviews struct{ base }

func (h reviews) record(c *gin.Context) {
	var req reviewRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	r, err := l.RecordReview(c.Request.Context(), ledger.ReviewRequest{
		ID: req.ID, Kind: ledger.ReviewKind(req.Kind), Subject: req.Subject, Outcome: ledger.Outcome(req.Outcome),
		Date: req.Date, ReportDigest: req.ReportDigest, Note: req.Note,
	})
	h.created(c, "/v1/reviews/"+req.ID, r, err)
}

func (h reviews) get(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	r, err := l.GetReview(c.Request.Context(), id)
	h.reply(c, http.StatusOK, r, err)
}

func (h reviews) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryReviews(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}

func (h reviews) recordOpinion(c *gin.Context) {
	var req opinionRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	o, err := l.RecordOpinion(c.Request.Context(), ledger.OpinionRequest{
		ID: req.ID, SubjectType: ledger.SubjectType(req.SubjectType), SubjectID: req.SubjectID,
		Recommendation: ledger.Recommendation(req.Recommendation), Digest: req.Digest, Note: req.Note,
	})
	h.created(c, "/v1/opinions/"+req.ID, o, err)
}

func (h reviews) listOpinions(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryOpinions(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}
