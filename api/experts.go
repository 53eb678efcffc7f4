package api

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// expertRequest convenes an individual as a member of the expert committee
// (POST /v1/experts). Client is the identity's client ID as GET /v1/me
// reports it to that user (caller.client).
type expertRequest struct {
	MSP    string `json:"msp" binding:"required,objectid"`
	Client string `json:"client" binding:"required,max=1024"`
	Name   string `json:"name" binding:"required,max=128"`
}

// experts handles /v1/experts: the expert committee (专家咨询委员会), whose
// members are individuals known by their client identity. The identity is
// the path segment, percent-encoded: it holds commas, '=' and spaces.
type experts struct{ base }

// clientParam reads and checks the client identity in the path.
func clientParam(c *gin.Context) (string, bool) {
	id := c.Param("client")
	if err := ledger.CheckClientIdentity("client", id); err != nil {
		_ = c.Error(&InputError{Field: "client", Msg: "must be a client identity as GET /v1/me reports it (x509::<subject>::<issuer>), percent-encoded"})
		return "", false
	}
	return id, true
}

func (h experts) register(c *gin.Context) {
	var req expertRequest
	l, ok := h.withBody(c, &req) // the contract checks the client identity's form
	if !ok {
		return
	}
	e, err := l.RegisterExpert(c.Request.Context(), ledger.ExpertRequest{MSP: req.MSP, Client: req.Client, Name: req.Name})
	h.created(c, "/v1/experts/"+url.PathEscape(req.Client), e, err)
}

func (h experts) retire(c *gin.Context) {
	id, ok := clientParam(c)
	if !ok {
		return
	}
	var req reasonRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	e, err := l.RetireExpert(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, e, err)
}

func (h experts) get(c *gin.Context) {
	id, ok := clientParam(c)
	if !ok {
		return
	}
	l, ok := h.ledger(c)
	if !ok {
		return
	}
	e, err := l.GetExpert(c.Request.Context(), id)
	h.reply(c, http.StatusOK, e, err)
}

func (h experts) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryExperts(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}
