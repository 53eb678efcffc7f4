package api

import (
	"net/http"
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
}

// grants handles /v1/grants: grants (授权), providers' decisions, the life
// cycle and sub-grants (分级授权).
type grants struct{ base }

func (h grants) issue(c *gin.Context) {
	var req grantRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	g, err := l.IssueGrant(c.Request.Context(), ledger.GrantRequest{
		ID: req.ID, ApplicationID: req.ApplicationID, Scope: req.Scope.domain(),
		Quota: ledger.Quota{Records: req.Quota.Records, Calls: req.Quota.Calls}, Term: req.Term.domain(),
	})
	h.created(c, "/v1/grants/"+req.ID, g, err)
}

func (h grants) approve(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	g, err := l.ApproveGrant(c.Request.Context(), id)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) reject(c *gin.Context) {
	var req reasonRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	g, err := l.RejectGrant(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) suspend(c *gin.Context) {
	var req reasonRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	g, err := l.SuspendGrant(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) resume(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	g, err := l.ResumeGrant(c.Request.Context(), id)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) revoke(c *gin.Context) {
	var req reasonRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	g, err := l.RevokeGrant(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) expire(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	g, err := l.ExpireGrant(c.Request.Context(), id)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) proposeSubGrant(c *gin.Context) {
	var req subGrantRequest
	l, parent, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	g, err := l.ProposeSubGrant(c.Request.Context(), ledger.SubGrantRequest{
		ID: req.ID, ParentID: parent, Developer: req.Developer, Scope: req.Scope.domain(),
		Quota: ledger.Quota{Records: req.Quota.Records, Calls: req.Quota.Calls}, Term: req.Term.domain(),
	})
	h.created(c, "/v1/grants/"+req.ID, g, err)
}

func (h grants) activate(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	g, err := l.ActivateSubGrant(c.Request.Context(), id)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) get(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	g, err := l.GetGrant(c.Request.Context(), id)
	h.reply(c, http.StatusOK, g, err)
}

func (h grants) usage(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	u, err := l.GetGrantUsage(c.Request.Context(), id)
	h.reply(c, http.StatusOK, u, err)
}

func (h grants) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryGrants(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}

// agreementRequest proposes the agreement of a first-level grant (POST
// /v1/agreements).
type agreementRequest struct {
	ID         string      `json:"id" binding:"required,objectid"`
	GrantID    string      `json:"grantId" binding:"required,objectid"`
	TextDigest string      `json:"textDigest" binding:"required,digest"`
	Term       termRequest `json:"term" binding:"required"`
}

// agreements handles /v1/agreements: authorized-operation agreements (授权运营协议).
type agreements struct{ base }

func (h agreements) propose(c *gin.Context) {
	var req agreementRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	a, err := l.ProposeAgreement(c.Request.Context(), ledger.AgreementRequest{
		ID: req.ID, GrantID: req.GrantID, TextDigest: req.TextDigest, Term: req.Term.domain(),
	})
	h.created(c, "/v1/agreements/"+req.ID, a, err)
}

func (h agreements) sign(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	a, err := l.SignAgreement(c.Request.Context(), id)
	h.reply(c, http.StatusOK, a, err)
}

func (h agreements) get(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	a, err := l.GetAgreement(c.Request.Context(), id)
	h.reply(c, http.StatusOK, a, err)
}

func (h agreements) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryAgreements(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}
