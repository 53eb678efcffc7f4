package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// incidentRequest reports a security incident (POST /v1/incidents). The
// reporter is the caller; the contract checks the subject and the levels.
type incidentRequest struct {
	ID           string    `json:"id" binding:"required,objectid"`
	SubjectType  string    `json:"subjectType" binding:"required,oneof=grant dataset attestor"`
	SubjectID    string    `json:"subjectId" binding:"required,max=64"`
	Severity     string    `json:"severity" binding:"required,oneof=critical major serious general"`
	Occurred     time.Time `json:"occurred" binding:"required"`
	Detected     time.Time `json:"detected" binding:"required"`
	ReportDigest string    `json:"reportDigest" binding:"required,digest"`
}

// incidentDecisionRequest is the authority's decision on the incident in
// the path (POST /v1/incidents/{id}/decide).
type incidentDecisionRequest struct {
	Action       string `json:"action" binding:"required,oneof=suspend-grant suspend-operator retire-attestor rectify close"`
	ReasonDigest string `json:"reasonDigest" binding:"required,digest"`
}

// incidentClosingRequest closes the incident in the path with the digest
// of its report (POST /v1/incidents/{id}/close).
type incidentClosingRequest struct {
	ReportDigest string `json:"reportDigest" binding:"required,digest"`
}

// incidents handles /v1/incidents: security incidents (数据安全事件), their
// reports, the authority's decisions and their closing.
type incidents struct{ group[IncidentLedger] }

func (h incidents) report(c *gin.Context) error {
	var req incidentRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	inc, err := l.ReportIncident(c.Request.Context(), ledger.IncidentRequest{
		ID: req.ID, SubjectType: ledger.IncidentSubject(req.SubjectType), SubjectID: req.SubjectID,
		Severity: ledger.IncidentSeverity(req.Severity), Occurred: req.Occurred, Detected: req.Detected, ReportDigest: req.ReportDigest,
	})
	return h.created(c, "/v1/incidents/"+req.ID, inc, err)
}

func (h incidents) decide(c *gin.Context) error {
	var req incidentDecisionRequest
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	inc, err := l.DecideIncident(c.Request.Context(), ledger.IncidentDecisionRequest{ID: id, Action: ledger.IncidentAction(req.Action), ReasonDigest: req.ReasonDigest})
	return h.reply(c, http.StatusOK, inc, err)
}

func (h incidents) close(c *gin.Context) error {
	var req incidentClosingRequest
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	inc, err := l.CloseIncident(c.Request.Context(), id, req.ReportDigest)
	return h.reply(c, http.StatusOK, inc, err)
}
