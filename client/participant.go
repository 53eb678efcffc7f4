package client

// Participants (参与方): the organisations of the channel, their roles and, for
// operators, their admission status and evaluations.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// WhoAmI returns the caller as the ledger sees it: MSP ID, client identity,
// role, and whether it acts as an individual expert.
func (c *Client) WhoAmI(ctx context.Context) (*ledger.Actor, error) {
	return evaluateArgs[ledger.Actor](ctx, c, "WhoAmI")
}

// RegisterParticipant registers an organisation with its role and name.
func (c *Client) RegisterParticipant(ctx context.Context, req ledger.ParticipantRequest) (*ledger.Participant, error) {
	return submitJSON[ledger.Participant](ctx, c, "RegisterParticipant", req)
}

// SetOperatorStatus admits, suspends, readmits or exits an operator.
func (c *Client) SetOperatorStatus(ctx context.Context, req ledger.OperatorStatusRequest) (*ledger.Participant, error) {
	return submitJSON[ledger.Participant](ctx, c, "SetOperatorStatus", req)
}

// RecordEvaluation appends a dated evaluation (动态评估) to an operator.
func (c *Client) RecordEvaluation(ctx context.Context, req ledger.EvaluationRequest) (*ledger.Participant, error) {
	return submitJSON[ledger.Participant](ctx, c, "RecordEvaluation", req)
}

// GetParticipant returns the participant of an MSP ID.
func (c *Client) GetParticipant(ctx context.Context, msp string) (*ledger.Participant, error) {
	return evaluateArgs[ledger.Participant](ctx, c, "GetParticipant", msp)
}

// QueryParticipants pages through participants by role or status.
func (c *Client) QueryParticipants(ctx context.Context, q ledger.Query) (*ledger.ParticipantPage, error) {
	return evaluateJSON[ledger.ParticipantPage](ctx, c, "QueryParticipants", q)
}

// AttachEvaluationReport records the report of an operator's evaluation in
// its private collection (transient data).
// Like AttachApplicationDocuments, it reads the participant back with the
// reports.
func (c *Client) AttachEvaluationReport(ctx context.Context, msp, evaluationID string, req ledger.ReportRequest) (*ledger.Participant, error) {
	if err := c.attach(ctx, "AttachEvaluationReport", req, msp, evaluationID); err != nil {
		return nil, err
	}
	return c.GetParticipant(ctx, msp)
}
