package api

import (
	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// attestorRequest registers a trusted environment's address (POST /v1/attestors).
type attestorRequest struct {
	Address string `json:"address" binding:"required,len=42,startswith=0x,hexadecimal"`
	Name    string `json:"name" binding:"required,max=128"`
}

// attestors handles /v1/attestors: the platform's trusted processing
// environments, known by the address their receipts recover to.
type attestors struct{ group[AttestorLedger] }

func (h attestors) register(c *gin.Context) error {
	var req attestorRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	a, err := l.RegisterAttestor(c.Request.Context(), ledger.AttestorRequest{Address: req.Address, Name: req.Name})
	location := "/v1/attestors/" + req.Address
	if a != nil { // the ledger keeps the address in lower case
		location = "/v1/attestors/" + a.Address
	}
	return h.created(c, location, a, err)
}
