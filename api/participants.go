package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// participantRequest registers an organisation (POST /v1/participants).
type participantRequest struct {
	MSP  string `json:"msp" binding:"required,objectid"`
	Role string `json:"role" binding:"required,oneof=authority provider operator platform regulator developer expert"`
	Name string `json:"name" binding:"required,max=128"`
}

// operatorStatusRequest admits, suspends or exits an operator.
type operatorStatusRequest struct {
	Status string `json:"status" binding:"required,oneof=applicant admitted suspended exited"`
	Reason string `json:"reason" binding:"max=2000"`
}

// evaluationRequest records a dynamic evaluation of an operator.
type evaluationRequest struct {
	ID           string    `json:"id" binding:"required,objectid"`
	Date         time.Time `json:"date" binding:"required"`
	Result       string    `json:"result" binding:"required,oneof=qualified rectify unqualified"`
	ReportDigest string    `json:"reportDigest" binding:"required,digest"`
	Note         string    `json:"note" binding:"max=2000"`
}

// participants handles /v1/participants: the registry (参与方名录).
type participants struct{ group[ParticipantLedger] }

func (h participants) register(c *gin.Context) error {
	var req participantRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	p, err := l.RegisterParticipant(c.Request.Context(), ledger.ParticipantRequest{
		MSP: req.MSP, Role: ledger.Role(req.Role), Name: req.Name,
	})
	return h.created(c, "/v1/participants/"+req.MSP, p, err)
}

func (h participants) setStatus(c *gin.Context) error {
	var req operatorStatusRequest
	l, msp, err := h.byIDWithBody(c, mspParam, &req)
	if err != nil {
		return err
	}
	p, err := l.SetOperatorStatus(c.Request.Context(), ledger.OperatorStatusRequest{
		MSP: msp, Status: ledger.OperatorStatus(req.Status), Reason: req.Reason,
	})
	return h.reply(c, http.StatusOK, p, err)
}

func (h participants) addEvaluation(c *gin.Context) error {
	var req evaluationRequest
	l, msp, err := h.byIDWithBody(c, mspParam, &req)
	if err != nil {
		return err
	}
	p, err := l.RecordEvaluation(c.Request.Context(), ledger.EvaluationRequest{
		MSP: msp, ID: req.ID, Date: req.Date, Result: ledger.EvaluationResult(req.Result),
		ReportDigest: req.ReportDigest, Note: req.Note,
	})
	return h.created(c, "/v1/participants/"+msp, p, err)
}
