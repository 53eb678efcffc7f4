package api

import (
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
// members are individuals known by their client identity (clientParam).
type experts struct{ group[ExpertLedger] }

func (h experts) register(c *gin.Context) error {
	var req expertRequest
	l, err := h.withBody(c, &req) // the contract checks the client identity's form
	if err != nil {
		return err
	}
	e, err := l.RegisterExpert(c.Request.Context(), ledger.ExpertRequest{MSP: req.MSP, Client: req.Client, Name: req.Name})
	return h.created(c, "/v1/experts/"+url.PathEscape(req.Client), e, err)
}
