package ledger_test

import (
	"errors"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestRegisterParticipant(t *testing.T) {
	existing := &ledger.Participant{MSP: lt.HealthMSP, Role: ledger.RoleProvider}
	tests := []struct {
		name     string
		caller   ledger.Actor
		req      ledger.ParticipantRequest
		existing *ledger.Participant
		want     error
	}{
		{"provider", lt.Authority, ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: ledger.RoleProvider, Name: "卫健委"}, nil, nil},
		{"authority registers itself", lt.Authority, ledger.ParticipantRequest{MSP: lt.AuthorityMSP, Role: ledger.RoleAuthority, Name: "数据局"}, nil, nil},
		{"wrong party", lt.Operator, ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: ledger.RoleProvider, Name: "x"}, nil, ledger.ErrForbidden},
		{"unregistered caller", lt.Stranger, ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: ledger.RoleProvider, Name: "x"}, nil, ledger.ErrForbidden},
		{"bad msp", lt.Authority, ledger.ParticipantRequest{MSP: "bad msp", Role: ledger.RoleProvider, Name: "x"}, nil, ledger.ErrInvalid},
		{"bad role", lt.Authority, ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: "king", Name: "x"}, nil, ledger.ErrInvalid},
		{"no name", lt.Authority, ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: ledger.RoleProvider}, nil, ledger.ErrInvalid},
		{"already registered", lt.Authority, ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: ledger.RoleOperator, Name: "x"}, existing, ledger.ErrConflict},
		{"second authority", lt.Authority, ledger.ParticipantRequest{MSP: lt.MarketMSP, Role: ledger.RoleAuthority, Name: "x"}, nil, ledger.ErrRefused},
		{"authority as provider", lt.Authority, ledger.ParticipantRequest{MSP: lt.AuthorityMSP, Role: ledger.RoleProvider, Name: "x"}, nil, ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ledger.RegisterParticipant(tt.caller, tt.req, lt.AuthorityMSP, tt.existing, lt.Stamp(tt.caller, lt.T0))
			wantErr(t, err, tt.want)
			if err == nil && (p.MSP != tt.req.MSP || p.Role != tt.req.Role || p.Created.TxID == "") {
				t.Errorf("got %+v, want msp %s role %s with a stamp", p, tt.req.MSP, tt.req.Role)
			}
		})
	}
}

func TestRegisterOperatorStartsAsApplicant(t *testing.T) {
	p, err := ledger.RegisterParticipant(lt.Authority, ledger.ParticipantRequest{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Name: "数据集团"}, lt.AuthorityMSP, nil, lt.Stamp(lt.Authority, lt.T0))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != ledger.OperatorApplicant {
		t.Errorf("got status %q, want %q", p.Status, ledger.OperatorApplicant)
	}
}

func TestSetOperatorStatus(t *testing.T) {
	tests := []struct {
		name   string
		caller ledger.Actor
		role   ledger.Role
		from   ledger.OperatorStatus
		to     ledger.OperatorStatus
		reason string
		want   error
	}{
		{"admit", lt.Authority, ledger.RoleOperator, ledger.OperatorApplicant, ledger.OperatorAdmitted, "", nil},
		{"suspend", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, ledger.OperatorSuspended, "failed evaluation", nil},
		{"readmit", lt.Authority, ledger.RoleOperator, ledger.OperatorSuspended, ledger.OperatorAdmitted, "", nil},
		{"exit", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, ledger.OperatorExited, "contract ended", nil},
		{"reject applicant", lt.Authority, ledger.RoleOperator, ledger.OperatorApplicant, ledger.OperatorExited, "not qualified", nil},
		{"wrong party", lt.Operator, ledger.RoleOperator, ledger.OperatorApplicant, ledger.OperatorAdmitted, "", ledger.ErrForbidden},
		{"not an operator", lt.Authority, ledger.RoleProvider, "", ledger.OperatorAdmitted, "", ledger.ErrRefused},
		{"unknown status", lt.Authority, ledger.RoleOperator, ledger.OperatorApplicant, "promoted", "", ledger.ErrInvalid},
		{"suspend without reason", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, ledger.OperatorSuspended, "", ledger.ErrInvalid},
		{"exit is final", lt.Authority, ledger.RoleOperator, ledger.OperatorExited, ledger.OperatorAdmitted, "", ledger.ErrConflict},
		{"suspend applicant", lt.Authority, ledger.RoleOperator, ledger.OperatorApplicant, ledger.OperatorSuspended, "x", ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &ledger.Participant{MSP: lt.OperatorMSP, Role: tt.role, Status: tt.from}
			before := *p
			err := p.SetOperatorStatus(tt.caller, ledger.OperatorStatusRequest{MSP: p.MSP, Status: tt.to, Reason: tt.reason}, lt.Stamp(tt.caller, lt.T0))
			wantErr(t, err, tt.want)
			switch {
			case err == nil && p.Status != tt.to:
				t.Errorf("got status %q, want %q", p.Status, tt.to)
			case err != nil && p.Status != before.Status:
				t.Errorf("refused change altered status to %q, want %q", p.Status, before.Status)
			}
		})
	}
}

func TestAddEvaluation(t *testing.T) {
	valid := ledger.EvaluationRequest{MSP: lt.OperatorMSP, ID: "eval-1", Date: lt.Days(1), Result: ledger.EvaluationQualified}
	tests := []struct {
		name   string
		caller ledger.Actor
		role   ledger.Role
		status ledger.OperatorStatus
		edit   func(*ledger.EvaluationRequest)
		want   error
	}{
		{"qualified", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, nil, nil},
		{"wrong party", lt.Regulator, ledger.RoleOperator, ledger.OperatorAdmitted, nil, ledger.ErrForbidden},
		{"not an operator", lt.Authority, ledger.RoleProvider, "", nil, ledger.ErrRefused},
		{"exited", lt.Authority, ledger.RoleOperator, ledger.OperatorExited, nil, ledger.ErrRefused},
		{"future date", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, func(r *ledger.EvaluationRequest) { r.Date = lt.Days(9) }, ledger.ErrInvalid},
		{"no date", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, func(r *ledger.EvaluationRequest) { r.Date = time.Time{} }, ledger.ErrInvalid},
		{"bad result", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, func(r *ledger.EvaluationRequest) { r.Result = "great" }, ledger.ErrInvalid},
		{"bad id", lt.Authority, ledger.RoleOperator, ledger.OperatorAdmitted, func(r *ledger.EvaluationRequest) { r.ID = "" }, ledger.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &ledger.Participant{MSP: lt.OperatorMSP, Role: tt.role, Status: tt.status}
			req := valid
			if tt.edit != nil {
				tt.edit(&req)
			}
			err := p.AddEvaluation(tt.caller, req, lt.Stamp(tt.caller, lt.Days(2)))
			wantErr(t, err, tt.want)
			if want := map[bool]int{true: 1, false: 0}[err == nil]; len(p.Evaluations) != want {
				t.Errorf("got %d evaluations, want %d", len(p.Evaluations), want)
			}
		})
	}
	t.Run("duplicate", func(t *testing.T) {
		p := &ledger.Participant{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Status: ledger.OperatorAdmitted}
		if err := p.AddEvaluation(lt.Authority, valid, lt.Stamp(lt.Authority, lt.Days(2))); err != nil {
			t.Fatal(err)
		}
		wantErr(t, p.AddEvaluation(lt.Authority, valid, lt.Stamp(lt.Authority, lt.Days(2))), ledger.ErrConflict)
	})
}

func TestParticipantVisibleTo(t *testing.T) {
	p := ledger.Participant{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Evaluations: []ledger.Evaluation{{ID: "e"}}}
	for _, tt := range []struct {
		caller ledger.Actor
		want   int
	}{{lt.Operator, 1}, {lt.Authority, 1}, {lt.Regulator, 1}, {lt.Health, 0}, {lt.Stranger, 0}} {
		if got := len(p.VisibleTo(tt.caller).Evaluations); got != tt.want {
			t.Errorf("%s: got %d evaluations, want %d", tt.caller.MSP, got, tt.want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	err := ledger.NotFound("grant", "g1")
	if ledger.Kind(err) != ledger.ErrNotFound || err.Error() != "grant g1 does not exist" {
		t.Errorf("got %v (%q), want not found \"grant g1 does not exist\"", ledger.Kind(err), err)
	}
	err = ledger.Invalid("id", "is bad")
	if !errors.Is(err, ledger.ErrInvalid) || err.Error() != "id: is bad" {
		t.Errorf("got %q, want \"id: is bad\"", err)
	}
	if ledger.Kind(errors.New("disk")) != nil {
		t.Error("got a kind for a plain error, want nil")
	}
}
