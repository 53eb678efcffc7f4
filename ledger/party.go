package ledger

import (
	"slices"
	"time"
)

// Role is a party's part in authorized operation: an organisation's, or an
// individual expert's (RoleExpert).
type Role string

// The roles of the participants registry (参与方).
const (
	RoleAuthority Role = "authority" // 公共数据主管部门: publishes calls, reviews, grants, signs agreements
	RoleProvider  Role = "provider"  // 数据提供单位: owns datasets, approves grants over them
	RoleOperator  Role = "operator"  // 授权运营主体: applies, holds grants, builds products
	RolePlatform  Role = "platform"  // 平台运营主体: runs the trusted environment, registers attestors
	RoleRegulator Role = "regulator" // 监管方: reads everything
	RoleDeveloper Role = "developer" // 开发利用主体: holds sub-grants (分级授权)
	RoleExpert    Role = "expert"    // 专家咨询委员会: records opinions
)

var roles = []Role{RoleAuthority, RoleProvider, RoleOperator, RolePlatform, RoleRegulator, RoleDeveloper, RoleExpert}

// Caller is the identity a transaction runs as, resolved by the chaincode
// from the Fabric client identity: never taken from an argument.
type Caller struct {
	// MSP is the caller's organisation (MSP ID).
	MSP string `json:"msp"`
	// Client is the client identity (x509 subject and issuer) kept for audit.
	Client string `json:"client"`
	// Role is the organisation's registered role; the authority MSP fixed at
	// bootstrap is always RoleAuthority; empty when not registered. An
	// individual expert's role is RoleExpert, whatever its organisation's.
	Role Role `json:"role,omitempty" metadata:",optional"`
	// Individual is set when the client identity is a registered, active
	// expert (专家咨询委员会成员): the caller then acts as that individual, in
	// RoleExpert, and not for its organisation.
	Individual bool `json:"individual,omitempty" metadata:",optional"`
}

// ResolveCaller returns the caller a transaction runs as, given the MSP ID
// and client identity of the Fabric client, the authority MSP fixed at
// bootstrap, the registered participant of that MSP (nil when none) and the
// expert registered under that client identity (nil when none). A client
// identity registered as an active expert of that MSP is an individual in
// RoleExpert; otherwise the caller has its organisation's role: authority
// for the authority MSP, else the registered one, else none.
func ResolveCaller(msp, client, authorityMSP string, org *Participant, expert *Expert) Caller {
	c := Caller{MSP: msp, Client: client}
	switch {
	case expert != nil && expert.Status == ExpertActive && expert.MSP == msp && expert.Client == client:
		c.Role, c.Individual = RoleExpert, true
	case msp == authorityMSP:
		c.Role = RoleAuthority
	case org != nil && org.MSP == msp:
		c.Role = org.Role
	}
	return c
}

// Is reports whether the caller has one of the roles.
func (c Caller) Is(rs ...Role) bool { return c.Role != "" && slices.Contains(rs, c.Role) }

// ActsFor reports whether c acts for the organisation msp: c is one of its
// identities and not an individual expert, who acts for itself alone, so
// that an expert of an operator cannot, say, list the operator's products.
func (c Caller) ActsFor(msp string) bool { return !c.Individual && msp != "" && c.MSP == msp }

// who names the caller in messages.
func (c Caller) who() string {
	if c.Individual {
		return c.MSP + " acting as an individual expert"
	}
	return c.MSP
}

// readsAll reports whether the caller may read every record: the regulator
// and the authority that administers the process.
func (c Caller) readsAll() bool { return c.Is(RoleRegulator, RoleAuthority) }

// Stamp records who changed an object, in which transaction and when.
type Stamp struct {
	TxID   string    `json:"txId"`
	Time   time.Time `json:"time"`
	MSP    string    `json:"msp"`
	Client string    `json:"client"`
}

// NewStamp returns the stamp of a transaction by caller c.
func NewStamp(c Caller, txID string, at time.Time) Stamp {
	return Stamp{TxID: txID, Time: at.UTC(), MSP: c.MSP, Client: c.Client}
}

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
	ID           string           `json:"id"`
	Date         time.Time        `json:"date"`
	Result       EvaluationResult `json:"result"`
	ReportDigest string           `json:"reportDigest"`
	Note         string           `json:"note,omitempty" metadata:",optional"`
	Recorded     Stamp            `json:"recorded"`
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
func RegisterParticipant(c Caller, req ParticipantRequest, authorityMSP string, existing *Participant, st Stamp) (*Participant, error) {
	if !c.Is(RoleAuthority) {
		return nil, forbidden("only the authority registers participants; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := CheckID("msp", req.MSP); err != nil {
		return nil, err
	}
	if !slices.Contains(roles, req.Role) {
		return nil, invalid("role", "%q is not one of authority, provider, operator, platform, regulator, developer, expert", req.Role)
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

// SetOperatorStatus moves an operator through applicant → admitted →
// suspended → exited. Suspension and exit need a reason; exit is final.
func (p *Participant) SetOperatorStatus(c Caller, req OperatorStatusRequest, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return forbidden("only the authority admits, suspends or exits operators")
	}
	if p.Role != RoleOperator {
		return refused("%s is a %s, not an operator", p.MSP, p.Role)
	}
	if _, ok := operatorTransitions[req.Status]; !ok && req.Status != OperatorExited {
		return invalid("status", "%q is not one of applicant, admitted, suspended, exited", req.Status)
	}
	if err := checkText("reason", req.Reason, MaxTextLen, req.Status == OperatorSuspended || req.Status == OperatorExited); err != nil {
		return err
	}
	if !slices.Contains(operatorTransitions[p.Status], req.Status) {
		return conflict("operator %s is %s and cannot become %s", p.MSP, p.Status, req.Status)
	}
	p.Status, p.StatusReason, p.Updated = req.Status, req.Reason, st
	return nil
}

// EvaluationRequest records a dynamic evaluation of an operator.
type EvaluationRequest struct {
	MSP          string           `json:"msp"`
	ID           string           `json:"id"`
	Date         time.Time        `json:"date"`
	Result       EvaluationResult `json:"result"`
	ReportDigest string           `json:"reportDigest"`
	Note         string           `json:"note,omitempty"`
}

// AddEvaluation appends a dated evaluation record to an operator. The
// authority records it; the result does not change the status by itself.
func (p *Participant) AddEvaluation(c Caller, req EvaluationRequest, st Stamp) error {
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
	if err := checkDigest("reportDigest", req.ReportDigest); err != nil {
		return err
	}
	if err := checkText("note", req.Note, MaxTextLen, false); err != nil {
		return err
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
		ID: req.ID, Date: req.Date.UTC(), Result: req.Result, ReportDigest: req.ReportDigest, Note: req.Note, Recorded: st,
	})
	p.Updated = st
	return nil
}

// VisibleTo returns the participant as c may see it: evaluations only for
// the operator itself, the authority and the regulator.
func (p Participant) VisibleTo(c Caller) Participant {
	if c.readsAll() || c.ActsFor(p.MSP) {
		return p
	}
	p.Evaluations = nil
	return p
}

func roleName(r Role) string {
	switch r {
	case "":
		return "not a registered participant"
	case RoleAuthority, RoleOperator, RoleExpert:
		return "an " + string(r)
	}
	return "a " + string(r)
}
