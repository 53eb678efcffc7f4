package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// quotaRequest bounds the use of a grant.
type quotaRequest struct {
	Records uint64 `json:"records" binding:"required,min=1"`
	Calls   uint64 `json:"calls" binding:"required,min=1"`
}

// termRequest is a validity window with an optional trial period.
type termRequest struct {
	ValidFrom time.Time `json:"validFrom" binding:"required"`
	TrialEnds time.Time `json:"trialEnds"`
	ValidTo   time.Time `json:"validTo" binding:"required"`
}

func (r quotaRequest) domain() ledger.Quota {
	return ledger.Quota{Records: r.Records, Calls: r.Calls}
}

func (r termRequest) domain() ledger.Term {
	return ledger.Term{ValidFrom: r.ValidFrom, TrialEnds: r.TrialEnds, ValidTo: r.ValidTo}
}

// grantRequest issues a first-level grant from an approved application
// (POST /v1/grants).
type grantRequest struct {
	ID            string       `json:"id" binding:"required,objectid"`
	ApplicationID string       `json:"applicationId" binding:"required,objectid"`
	Scope         scopeRequest `json:"scope" binding:"required"`
	Quota         quotaRequest `json:"quota" binding:"required"`
	Term          termRequest  `json:"term" binding:"required"`
}

// subGrantRequest proposes a sub-grant of the grant in the path to a
// developer (POST /v1/grants/{id}/subgrants).
type subGrantRequest struct {
	ID        string       `json:"id" binding:"required,objectid"`
	Developer string       `json:"developer" binding:"required,objectid"`
	Scope     scopeRequest `json:"scope" binding:"required"`
	Quota     quotaRequest `json:"quota" binding:"required"`
	Term      termRequest  `json:"term" binding:"required"`
	// RequestID names the developer's sub-grant request the proposal
	// answers, marked proposed in the same transaction.
	RequestID string `json:"requestId,omitempty" binding:"omitempty,objectid"`
}

// grants handles /v1/grants: grants (授权), providers' decisions, the life
// cycle, sub-grants (分级授权) and usage.
type grants struct{ group[GrantLedger] }

func (h grants) issue(c *gin.Context) error {
	var req grantRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	g, err := l.IssueGrant(c.Request.Context(), ledger.GrantRequest{
		ID: req.ID, ApplicationID: req.ApplicationID, Scope: req.Scope.domain(),
		Quota: req.Quota.domain(), Term: req.Term.domain(),
	})
	return h.created(c, "/v1/grants/"+req.ID, g, err)
}

func (h grants) proposeSubGrant(c *gin.Context) error {
	var req subGrantRequest
	l, parent, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	g, err := l.ProposeSubGrant(c.Request.Context(), ledger.SubGrantRequest{
		ID: req.ID, ParentID: parent, Developer: req.Developer, Scope: req.Scope.domain(),
		Quota: req.Quota.domain(), Term: req.Term.domain(), RequestID: req.RequestID,
	})
	return h.created(c, "/v1/grants/"+req.ID, g, err)
}
