package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// callRequest publishes a call for operators (POST /v1/calls).
type callRequest struct {
	ID         string    `json:"id" binding:"required,objectid"`
	Title      string    `json:"title" binding:"required,max=128"`
	Mode       string    `json:"mode" binding:"required,oneof=whole domain scenario"`
	Domains    []string  `json:"domains" binding:"max=200"`
	Datasets   []string  `json:"datasets" binding:"max=200,dive,objectid"`
	Conditions string    `json:"conditions" binding:"required,max=2000"`
	Criteria   string    `json:"criteria" binding:"required,max=2000"`
	Opens      time.Time `json:"opens" binding:"required"`
	Closes     time.Time `json:"closes" binding:"required"`
}

// calls handles /v1/calls: the authority's calls (通告).
type calls struct{ group[CallLedger] }

func (h calls) publish(c *gin.Context) error {
	var req callRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	call, err := l.PublishCall(c.Request.Context(), ledger.CallRequest{
		ID: req.ID, Title: req.Title, Mode: ledger.Mode(req.Mode), Domains: req.Domains, Datasets: req.Datasets,
		Conditions: req.Conditions, Criteria: req.Criteria, Opens: req.Opens, Closes: req.Closes,
	})
	return h.created(c, "/v1/calls/"+req.ID, call, err)
}
