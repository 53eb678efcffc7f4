package api

import (
	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// agreementRequest proposes the agreement of a first-level grant (POST
// /v1/agreements). The contract takes the text's digest, which only the
// operator's collection holds, in a transaction of its own
// (AttachAgreementText), made after ProposeAgreement.
type agreementRequest struct {
	ID         string      `json:"id" binding:"required,objectid"`
	GrantID    string      `json:"grantId" binding:"required,objectid"`
	TextDigest string      `json:"textDigest" binding:"required,digest"`
	Term       termRequest `json:"term" binding:"required"`
}

// agreementTextRequest attaches an agreement's text (POST
// /v1/agreements/{id}/text): what POST /v1/agreements takes in its second
// transaction, for an agreement recorded without it.
type agreementTextRequest struct {
	TextDigest string `json:"textDigest" binding:"required,digest"`
}

func (r agreementTextRequest) domain() ledger.AgreementTextRequest {
	return ledger.AgreementTextRequest{TextDigest: r.TextDigest}
}

func (r agreementTextRequest) attachment() (ledger.AgreementTextRequest, error) {
	return r.domain(), nil
}

// agreements handles /v1/agreements: authorized-operation agreements (授权运营协议).
type agreements struct{ group[AgreementLedger] }

// propose records the agreement (ProposeAgreement), then its text
// (AttachAgreementText), and answers the agreement with it.
func (h agreements) propose(c *gin.Context) error {
	var req agreementRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	text := agreementTextRequest{TextDigest: req.TextDigest}.domain()
	ctx, location := c.Request.Context(), "/v1/agreements/"+req.ID
	return createThenAttach(h.group, c, location, location+"/text",
		func() (*ledger.Agreement, error) {
			return l.ProposeAgreement(ctx, ledger.AgreementRequest{ID: req.ID, GrantID: req.GrantID, Term: req.Term.domain()})
		},
		func() (*ledger.Agreement, error) { return l.AttachAgreementText(ctx, req.ID, text) })
}
