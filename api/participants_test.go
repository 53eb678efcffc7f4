package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// TestParticipantRolesAccepted: the API lets every role the registry
// takes through to the contract (its request rule once lagged behind a
// new role, refusing the data exchange's registration with a 400).
func TestParticipantRolesAccepted(t *testing.T) {
	ts := newTestServer(t)
	for _, role := range ledger.Roles() {
		rec := ts.do(t, request{method: http.MethodPost, path: "/v1/participants", user: "User1",
			body: `{"msp":"NewMSP","role":"` + string(role) + `","name":"New"}`})
		if rec.Code != http.StatusCreated {
			t.Errorf("POST /v1/participants as %s: got %d %s, want 201", role, rec.Code, rec.Body)
		}
	}
}

// fakeParticipants is the participants registry (ParticipantLedger) at the process boundary.
type fakeParticipants struct{ fake }

func (f fakeParticipants) RegisterParticipant(ctx context.Context, req ledger.ParticipantRequest) (*ledger.Participant, error) {
	return answer(f.fake, ctx, "RegisterParticipant", &ledger.Participant{MSP: req.MSP, Role: req.Role, Name: req.Name}, req)
}
func (f fakeParticipants) SetOperatorStatus(ctx context.Context, req ledger.OperatorStatusRequest) (*ledger.Participant, error) {
	return answer(f.fake, ctx, "SetOperatorStatus", &ledger.Participant{MSP: req.MSP, Status: req.Status}, req)
}
func (f fakeParticipants) RecordEvaluation(ctx context.Context, req ledger.EvaluationRequest) (*ledger.Participant, error) {
	return answer(f.fake, ctx, "RecordEvaluation", &ledger.Participant{MSP: req.MSP}, req)
}
func (f fakeParticipants) AttachEvaluationReport(ctx context.Context, msp, evaluationID string, req ledger.ReportRequest) (*ledger.Participant, error) {
	p := &ledger.Participant{MSP: msp, Evaluations: []ledger.Evaluation{{ID: evaluationID, ReportDigest: req.ReportDigest, Note: req.Note}}}
	return answer(f.fake, ctx, "AttachEvaluationReport", p, msp, evaluationID, req)
}
func (f fakeParticipants) GetParticipant(ctx context.Context, msp string) (*ledger.Participant, error) {
	return answer(f.fake, ctx, "GetParticipant", &ledger.Participant{MSP: msp}, msp)
}
func (f fakeParticipants) QueryParticipants(ctx context.Context, q ledger.Query) (*ledger.ParticipantPage, error) {
	return answer(f.fake, ctx, "QueryParticipants", &ledger.ParticipantPage{Items: []ledger.Participant{}}, q)
}
