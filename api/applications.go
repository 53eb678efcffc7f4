package api

import (
	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
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
// /v1/applications). The contract takes the digests of the emergency plan
// and the security documents, which only the operator's collection holds,
// in a transaction of their own (AttachApplicationDocuments), made after
// SubmitApplication. An absent emergencyPlanDigest is not a malformed
// request but a refusal (422), answered before anything is recorded: an
// application without an emergency plan cannot proceed.
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

// documents is the application's private part.
func (r applicationRequest) documents() applicationDocumentsRequest {
	return applicationDocumentsRequest{EmergencyPlanDigest: r.EmergencyPlanDigest, SecurityDocsDigest: r.SecurityDocsDigest}
}

// applicationDocumentsRequest attaches an application's documents (POST
// /v1/applications/{id}/documents): what POST /v1/applications takes in its
// second transaction, for an application recorded without them.
type applicationDocumentsRequest struct {
	EmergencyPlanDigest string `json:"emergencyPlanDigest" binding:"omitempty,digest"`
	SecurityDocsDigest  string `json:"securityDocsDigest" binding:"required,digest"`
}

// errNoEmergencyPlan is the contract's refusal of documents without an
// emergency plan, answered by the API before it records anything.
var errNoEmergencyPlan = &ledger.RuleError{Kind: client.ErrRefused,
	Msg: "no emergency plan: an application without an emergency plan (应急预案) cannot proceed; file the plan's digest in emergencyPlanDigest"}

func (r applicationDocumentsRequest) attachment() (ledger.ApplicationDocumentsRequest, error) {
	if r.EmergencyPlanDigest == "" {
		return ledger.ApplicationDocumentsRequest{}, errNoEmergencyPlan
	}
	return ledger.ApplicationDocumentsRequest{EmergencyPlanDigest: r.EmergencyPlanDigest, SecurityDocsDigest: r.SecurityDocsDigest}, nil
}

// applications handles /v1/applications: operators' applications (申请).
type applications struct{ group[ApplicationLedger] }

// submit records the application (SubmitApplication), then its documents
// (AttachApplicationDocuments), and answers the application with them.
func (h applications) submit(c *gin.Context) error {
	var req applicationRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	docs, err := req.documents().attachment()
	if err != nil {
		return err
	}
	ctx, location := c.Request.Context(), "/v1/applications/"+req.ID
	return createThenAttach(h.group, c, location, location+"/documents",
		func() (*ledger.Application, error) {
			return l.SubmitApplication(ctx, ledger.ApplicationRequest{
				ID: req.ID, CallID: req.CallID,
				Scenario:   ledger.Scenario{Name: req.Scenario.Name, Domain: req.Scenario.Domain, Description: req.Scenario.Description},
				Scope:      req.Scope.domain(),
				TermMonths: req.TermMonths, TrialMonths: req.TrialMonths, RenewsGrant: req.RenewsGrant,
			})
		},
		func() (*ledger.Application, error) { return l.AttachApplicationDocuments(ctx, req.ID, docs) })
}
