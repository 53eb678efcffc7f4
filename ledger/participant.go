package ledger

import (
	"slices"
	"time"
)

// OperatorStatus is an operator's qualification (准入与退出).
type OperatorStatus string

// Operator qualification states.
const (
	OperatorApplicant OperatorStatus = "applicant" // registered, not yet admitted (申请)
	OperatorAdmitted  OperatorStatus = "admitted"  // admitted (准入)
	OperatorSuspended OperatorStatus = "suspended" // suspended after an evaluation (暂停)
	OperatorExited    OperatorStatus = "exited"    // exited, final (退出)
)

var operatorTransitions = map[OperatorStatus][]OperatorStatus{
	OperatorApplicant: {OperatorAdmitted, OperatorExited},
	OperatorAdmitted:  {OperatorSuspended, OperatorExited},
	OperatorSuspended: {OperatorAdmitted, OperatorExited},
}

// EvaluationResult is the outcome of a dynamic evaluation (动态评估).
type EvaluationResult string

// Evaluation results.
const (
	EvaluationQualified   EvaluationResult = "qualified"   // 合格
	EvaluationRectify     EvaluationResult = "rectify"     // 限期整改
	EvaluationUnqualified EvaluationResult = "unqualified" // 不合格
)

// Evaluation is a dated evaluation record of an operator (动态评估记录).
type Evaluation struct {
	ID     string           `json:"id"`
	Date   time.Time        `json:"date"`
	Result EvaluationResult `json:"result"`
	// ReportDigest and Note live in the operator's private collection
	// (EvaluationReport): empty in the public record.
	ReportDigest string `json:"reportDigest,omitempty" metadata:",optional"`
	Note         string `json:"note,omitempty" metadata:",optional"`
	Recorded     Stamp  `json:"recorded"`
}

// Participant is an organisation in the registry (参与方名录).
type Participant struct {
	MSP  string `json:"msp"`
	Role Role   `json:"role"`
	Name string `json:"name"`
	// Status is the qualification of an operator; empty for other roles.
	Status       OperatorStatus `json:"status,omitempty" metadata:",optional"`
	StatusReason string         `json:"statusReason,omitempty" metadata:",optional"`
	// Evaluations are shown to the operator itself, the authority and the regulator.
	Evaluations []Evaluation `json:"evaluations,omitempty" metadata:",optional"`
	Created     Stamp        `json:"created"`
	Updated     Stamp        `json:"updated"`
}

// ParticipantRequest registers an organisation.
type ParticipantRequest struct {
	MSP  string `json:"msp"`
	Role Role   `json:"role"`
	Name string `json:"name"`
}

// RegisterParticipant registers an organisation with its role. Only the
// authority registers; the authority role belongs to the MSP fixed at
// bootstrap and to no other.
func RegisterParticipant(c Actor, req ParticipantRequest, authorityMSP string, existing *Participant, st Stamp) (*Participant, error) {
	if !c.Is(RoleAuthority) {
		return nil, forbidden("only the authority registers participants; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := CheckID("msp", req.MSP); err != nil {
		return nil, err
	}
	if !slices.Contains(roles, req.Role) {
		return nil, invalid("role", "%q is not one of authority, provider, operator, platform, regulator, developer, expert, exchange", req.Role)
	}
	if err := checkText("name", req.Name, MaxNameLen, true); err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, conflict("%s is already registered as %s", req.MSP, existing.Role)
	}
	if (req.Role == RoleAuthority) != (req.MSP == authorityMSP) {
		return nil, refused("the authority role belongs to %s alone, fixed at bootstrap", authorityMSP)
	}
	p := &Participant{MSP: req.MSP, Role: req.Role, Name: req.Name, Created: st, Updated: st}
	if req.Role == RoleOperator {
		p.Status = OperatorApplicant
	}
	return p, nil
}

// OperatorStatusRequest changes an operator's qualification.
type OperatorStatusRequest struct {
	MSP    string         `json:"msp"`
	Status OperatorStatus `json:"status"`
	Reason string         `json:"reason,omitempty"`
}

// RequireAdmitted refuses a suspended or exited operator or developer (nil
// and other roles pass): it may not act — record receipts, sign
// agreements, register or submit products, propose sub-grants — until
// re-admitted. The refusal names the status, e.g. "operator OperatorMSP
// is suspended".
func RequireAdmitted(p *Participant, action string) error {
	if p == nil {
		return nil
	}
	switch p.Status {
	case OperatorSuspended:
		return refused("%s %s is suspended (%s) and may not %s until re-admitted", p.Role, p.MSP, p.StatusReason, action)
	case OperatorExited:
		return refused("%s %s is exited (%s) and may not %s", p.Role, p.MSP, p.StatusReason, action)
	}
	return nil
}

// SetOperatorStatus moves an operator through applicant → admitted →
// suspended → exited. Suspension and exit need a reason; exit is final.
// A developer (开发利用主体), registered without a status and counted as
// admitted, is suspended, re-admitted and exited the same way.
func (p *Participant) SetOperatorStatus(c Actor, req OperatorStatusRequest, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return forbidden("only the authority admits, suspends or exits operators")
	}
	if p.Role != RoleOperator && p.Role != RoleDeveloper {
		return refused("%s is a %s, not an operator or developer", p.MSP, p.Role)
	}
	if _, ok := operatorTransitions[req.Status]; !ok && req.Status != OperatorExited {
		return invalid("status", "%q is not one of applicant, admitted, suspended, exited", req.Status)
	}
	if err := checkText("reason", req.Reason, MaxTextLen, req.Status == OperatorSuspended || req.Status == OperatorExited); err != nil {
		return err
	}
	from := p.Status
	if p.Role == RoleDeveloper && from == "" {
		from = OperatorAdmitted
	}
	if !slices.Contains(operatorTransitions[from], req.Status) {
		return conflict("%s %s is %s and cannot become %s", p.Role, p.MSP, from, req.Status)
	}
	p.Status, p.StatusReason, p.Updated = req.Status, req.Reason, st
	return nil
}

// EvaluationRequest records a dynamic evaluation of an operator.
type EvaluationRequest struct {
	MSP    string           `json:"msp"`
	ID     string           `json:"id"`
	Date   time.Time        `json:"date"`
	Result EvaluationResult `json:"result"`
}

// AddEvaluation appends a dated evaluation record to an operator. The
// authority records it; the result does not change the status by itself.
func (p *Participant) AddEvaluation(c Actor, req EvaluationRequest, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return forbidden("only the authority records evaluations")
	}
	if p.Role != RoleOperator {
		return refused("%s is a %s; only operators are evaluated", p.MSP, p.Role)
	}
	if err := CheckID("id", req.ID); err != nil {
		return err
	}
	if req.Date.IsZero() {
		return invalid("date", "is required (RFC 3339 time)")
	}
	if req.Date.After(st.Time) {
		return invalid("date", "%s is in the future", stamp(req.Date))
	}
	switch req.Result {
	case EvaluationQualified, EvaluationRectify, EvaluationUnqualified:
	default:
		return invalid("result", "%q is not one of qualified, rectify, unqualified", req.Result)
	}
	if p.Status == OperatorExited {
		return refused("operator %s has exited", p.MSP)
	}
	for _, e := range p.Evaluations {
		if e.ID == req.ID {
			return conflict("evaluation %s of %s is already recorded", req.ID, p.MSP)
		}
	}
	p.Evaluations = append(p.Evaluations, Evaluation{
		ID: req.ID, Date: req.Date.UTC(), Result: req.Result, Recorded: st,
	})
	p.Updated = st
	return nil
}

// VisibleTo returns the participant as c may see it: evaluations only for
// the operator itself, the authority and the regulator.
func (p Participant) VisibleTo(c Actor) Participant {
	if c.readsAll() || c.ActsFor(p.MSP) {
		return p
	}
	p.Evaluations = nil
	return p
}
