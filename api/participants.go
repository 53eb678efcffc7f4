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
	Role string `json:"role" binding:"required,oneof=authority provider operator platform regulator developer expert exchange"`
	Name string `json:"name" binding:"required,max=128"`
}

// operatorStatusRequest admits, suspends or exits an operator.
type operatorStatusRequest struct {
	Status string `json:"status" binding:"required,oneof=applicant admitted suspended exited"`
	Reason string `json:"reason" binding:"max=2000"`
}

// evaluationRequest records a dynamic evaluation of an operator. The
// contract takes the report's digest and the note, which only the
// operator's collection holds, in a transaction of their own
// (AttachEvaluationReport), made after RecordEvaluation.
type evaluationRequest struct {
	ID           string    `json:"id" binding:"required,objectid"`
	Date         time.Time `json:"date" binding:"required"`
	Result       string    `json:"result" binding:"required,oneof=qualified rectify unqualified"`
	ReportDigest string    `json:"reportDigest" binding:"required,digest"`
	Note         string    `json:"note" binding:"max=2000,text"`
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

// addEvaluation records the evaluation (RecordEvaluation), then its report
// (AttachEvaluationReport), and answers the participant with it.
func (h participants) addEvaluation(c *gin.Context) error {
	var req evaluationRequest
	l, msp, err := h.byIDWithBody(c, mspParam, &req)
	if err != nil {
		return err
	}
	report := reportRequest{ReportDigest: req.ReportDigest, Note: req.Note}.domain()
	ctx, location := c.Request.Context(), "/v1/participants/"+msp
	return createThenAttach(h.group, c, location, location+"/evaluations/"+req.ID+"/report",
		func() (*ledger.Participant, error) {
			return l.RecordEvaluation(ctx, ledger.EvaluationRequest{
				MSP: msp, ID: req.ID, Date: req.Date, Result: ledger.EvaluationResult(req.Result),
			})
		},
		func() (*ledger.Participant, error) { return l.AttachEvaluationReport(ctx, msp, req.ID, report) })
}

// attachEvaluationReport attaches the report of one of the participant's
// evaluations (AttachEvaluationReport).
func (h participants) attachEvaluationReport(c *gin.Context) error {
	evaluationID, err := evaluationParam(c)
	if err != nil {
		return err
	}
	var req reportRequest
	l, msp, err := h.byIDWithBody(c, mspParam, &req)
	if err != nil {
		return err
	}
	p, err := l.AttachEvaluationReport(c.Request.Context(), msp, evaluationID, req.domain())
	return h.reply(c, http.StatusOK, p, err)
}
