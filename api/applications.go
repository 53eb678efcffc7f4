package api

import (
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
type applications struct{ group[ApplicationLedger] }

func (h applications) submit(c *gin.Context) error {
	var req applicationRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	a, err := l.SubmitApplication(c.Request.Context(), ledger.ApplicationRequest{
		ID: req.ID, CallID: req.CallID,
		Scenario:   ledger.Scenario{Name: req.Scenario.Name, Domain: req.Scenario.Domain, Description: req.Scenario.Description},
		Scope:      req.Scope.domain(),
		TermMonths: req.TermMonths, TrialMonths: req.TrialMonths,
		EmergencyPlanDigest: req.EmergencyPlanDigest, SecurityDocsDigest: req.SecurityDocsDigest, RenewsGrant: req.RenewsGrant,
	})
	return h.created(c, "/v1/applications/"+req.ID, a, err)
}
