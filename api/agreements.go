package api

import (
	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// agreementRequest proposes the agreement of a first-level grant (POST
// /v1/agreements).
type agreementRequest struct {
	ID         string      `json:"id" binding:"required,objectid"`
	GrantID    string      `json:"grantId" binding:"required,objectid"`
	TextDigest string      `json:"textDigest" binding:"required,digest"`
	Term       termRequest `json:"term" binding:"required"`
}

// agreements handles /v1/agreements: authorized-operation agreements (授权运营协议).
type agreements struct{ group[AgreementLedger] }

func (h agreements) propose(c *gin.Context) error {
	var req agreementRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	a, err := l.ProposeAgreement(c.Request.Context(), ledger.AgreementRequest{
		ID: req.ID, GrantID: req.GrantID, TextDigest: req.TextDigest, Term: req.Term.domain(),
	})
	return h.created(c, "/v1/agreements/"+req.ID, a, err)
}
