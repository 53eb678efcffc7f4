package ledger

import (
	"fmt"
	"slices"
	"time"
)

// Security incidents (数据安全事件): reported by a party of a grant, a
// dataset or an attestor, decided by the authority (处置), closed with the
// report of their handling. An application's emergency plan (应急预案) says
// how its operator will respond; an incident records that it had to.

// IncidentSeverity is the level of an incident (事件分级).
type IncidentSeverity string

// Incident levels: the four levels of China's national classification of
// cyber and data security incidents (特别重大, 重大, 较大, 一般). The seeds
// require an emergency plan but name no levels; these are the project's
// choice (docs/domain.md).
const (
	SeverityCritical IncidentSeverity = "critical" // 特别重大
	SeverityMajor    IncidentSeverity = "major"    // 重大
	SeveritySerious  IncidentSeverity = "serious"  // 较大
	SeverityGeneral  IncidentSeverity = "general"  // 一般
)

// severities lists the levels, gravest first.
var severities = []IncidentSeverity{SeverityCritical, SeverityMajor, SeveritySerious, SeverityGeneral}

// ReportDeadline is how long after its detection an incident of a level
// must be reported; HandlingDeadline how long after its report the
// authority must decide on it. The project's choice (docs/domain.md): the
// graver, the sooner.
var (
	ReportDeadline = map[IncidentSeverity]time.Duration{
		SeverityCritical: time.Hour, SeverityMajor: 2 * time.Hour,
		SeveritySerious: 24 * time.Hour, SeverityGeneral: 72 * time.Hour,
	}
	HandlingDeadline = map[IncidentSeverity]time.Duration{
		SeverityCritical: 4 * time.Hour, SeverityMajor: 24 * time.Hour,
		SeveritySerious: 72 * time.Hour, SeverityGeneral: 7 * 24 * time.Hour,
	}
)

// IncidentSubject is the kind of object an incident is on.
type IncidentSubject string

// Incident subjects.
const (
	IncidentOnGrant    IncidentSubject = "grant"    // 授权
	IncidentOnDataset  IncidentSubject = "dataset"  // 数据资源
	IncidentOnAttestor IncidentSubject = "attestor" // 可信执行环境
)

// IncidentStatus is the state of an incident: reported → decided → closed,
// or reported → closed when the authority closes it as its decision.
type IncidentStatus string

// Incident states.
const (
	IncidentReported IncidentStatus = "reported" // 已报告
	IncidentDecided  IncidentStatus = "decided"  // 已处置
	IncidentClosed   IncidentStatus = "closed"   // 已结案
)

// IncidentAction is the authority's decision on an incident (处置决定).
type IncidentAction string

// Decisions. The suspensions and the retirement are the authority's
// emergency powers, applied in the decision's own transaction under the
// rules of the object they change (Grant.Suspend, SetOperatorStatus,
// Attestor.Retire).
const (
	ActionSuspendGrant    IncidentAction = "suspend-grant"    // 暂停授权
	ActionSuspendOperator IncidentAction = "suspend-operator" // 暂停运营主体资格
	ActionRetireAttestor  IncidentAction = "retire-attestor"  // 停用可信执行环境
	ActionRectify         IncidentAction = "rectify"          // 责令整改: decided, nothing suspended
	ActionClose           IncidentAction = "close"            // 结案: closed at once, with the report
)

var actions = []IncidentAction{ActionSuspendGrant, ActionSuspendOperator, ActionRetireAttestor, ActionRectify, ActionClose}

// IncidentDecision is the authority's decision on an incident.
type IncidentDecision struct {
	Action IncidentAction `json:"action"`
	// ReasonDigest is the digest of the decision's reasoning, kept off-chain.
	ReasonDigest string `json:"reasonDigest"`
	// Late marks a decision after the incident's DecisionDue, LateBy by how
	// much (a Go duration, e.g. "3h0m0s").
	Late    bool   `json:"late,omitempty" metadata:",optional"`
	LateBy  string `json:"lateBy,omitempty" metadata:",optional"`
	Decided Stamp  `json:"decided"`
}

// Incident is a security incident (数据安全事件) on a grant, a dataset or an
// attestor, as its reporter recorded it and the authority handled it.
type Incident struct {
	ID          string           `json:"id"`
	SubjectType IncidentSubject  `json:"subjectType"`
	SubjectID   string           `json:"subjectId"`
	Severity    IncidentSeverity `json:"severity"`
	// Occurred and Detected are when the incident happened and when its
	// reporter found it, as the reporter says.
	Occurred time.Time `json:"occurred"`
	Detected time.Time `json:"detected"`
	// ReportDigest is the digest of the incident report, kept off-chain.
	ReportDigest string `json:"reportDigest"`
	// Reporter is the organisation that reported it, from its identity.
	Reporter     string `json:"reporter"`
	ReporterRole Role   `json:"reporterRole"`
	// Parties are the organisations of the subject when it was reported:
	// a grant's holder, parent's holder and providers; a dataset's owner;
	// an attestor's platform. They read the incident.
	Parties []string `json:"parties"`
	// Operator is the operator (or developer) a suspend-operator decision
	// suspends: a grant's holder, or the operator that reported an
	// incident on a dataset; empty otherwise.
	Operator string `json:"operator,omitempty" metadata:",optional"`
	// ReportDue is Detected plus the report deadline of the level; a report
	// recorded after it is Late, by LateBy (a Go duration).
	ReportDue time.Time `json:"reportDue"`
	Late      bool      `json:"late,omitempty" metadata:",optional"`
	LateBy    string    `json:"lateBy,omitempty" metadata:",optional"`
	// DecisionDue is the report's time plus the handling deadline of the level.
	DecisionDue time.Time        `json:"decisionDue"`
	Status      IncidentStatus   `json:"status"`
	Decision    IncidentDecision `json:"decision,omitzero" metadata:",optional"`
	// ClosingDigest is the digest of the report that closes the incident.
	ClosingDigest string `json:"closingDigest,omitempty" metadata:",optional"`
	Reported      Stamp  `json:"reported"`
	Closed        Stamp  `json:"closed,omitzero" metadata:",optional"`
	Updated       Stamp  `json:"updated"`
}

// IncidentRequest reports an incident.
type IncidentRequest struct {
	ID           string           `json:"id"`
	SubjectType  IncidentSubject  `json:"subjectType"`
	SubjectID    string           `json:"subjectId"`
	Severity     IncidentSeverity `json:"severity"`
	Occurred     time.Time        `json:"occurred"`
	Detected     time.Time        `json:"detected"`
	ReportDigest string           `json:"reportDigest"`
}

// IncidentInputs are the objects a report is checked against: the one its
// subject names (nil when it does not exist) and, for a dataset, the
// first-level grants over it.
type IncidentInputs struct {
	Existing *Incident
	Grant    *Grant
	Dataset  *Dataset
	Attestor *Attestor
	// GrantsOverDataset are the first-level grants over the dataset.
	GrantsOverDataset []*Grant
}

// late says whether t is after due, and by how much.
func late(t, due time.Time) (bool, string) {
	if !t.After(due) {
		return false, ""
	}
	return true, t.Sub(due).Round(time.Second).String()
}

// ReportIncident records an incident reported by a party of its subject:
// on a grant, its holder, its providers or the platform (which runs the
// trusted environment every grant is used in); on a dataset, its owner or
// the holder of a grant over it; on an attestor, the platform that
// registered it. A report after the deadline of its level is recorded,
// marked late: the transaction's time decides, never the reporter's clock.
func ReportIncident(c Actor, req IncidentRequest, in IncidentInputs, st Stamp) (*Incident, error) {
	if err := CheckID("id", req.ID); err != nil {
		return nil, err
	}
	inc := &Incident{
		ID: req.ID, SubjectType: req.SubjectType, SubjectID: req.SubjectID, Severity: req.Severity,
		Occurred: req.Occurred.UTC(), Detected: req.Detected.UTC(), ReportDigest: req.ReportDigest,
		Reporter: c.MSP, ReporterRole: c.Role, Status: IncidentReported, Reported: st, Updated: st,
	}
	switch req.SubjectType {
	case IncidentOnGrant:
		g := in.Grant
		if g == nil {
			return nil, NotFound("grant", req.SubjectID)
		}
		if c.Individual || !(c.ActsFor(g.Holder) || slices.ContainsFunc(g.Providers, c.ActsFor) || c.Is(RolePlatform)) {
			return nil, unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("incidents on grant %s are reported by its holder, its providers or the platform, not %s", g.ID, c.who()))
		}
		inc.Parties = orgs(append([]string{g.Holder, g.ParentHolder}, g.Providers...)...).Orgs
		inc.Operator = g.Holder
	case IncidentOnDataset:
		d := in.Dataset
		if d == nil {
			return nil, NotFound("dataset", req.SubjectID)
		}
		holds := slices.ContainsFunc(in.GrantsOverDataset, func(g *Grant) bool { return c.ActsFor(g.Holder) })
		if c.Individual || !(c.ActsFor(d.Owner) || holds) {
			return nil, forbidden("incidents on dataset %s are reported by its owner or the holder of a grant over it, not %s", d.ID, c.who())
		}
		inc.Parties = []string{d.Owner}
		if holds {
			inc.Operator = c.MSP
		}
	case IncidentOnAttestor:
		a := in.Attestor
		if a == nil {
			return nil, NotFound("attestor", req.SubjectID)
		}
		if !(c.Is(RolePlatform) && c.ActsFor(a.Platform)) {
			return nil, forbidden("incidents on attestor %s are reported by the platform that registered it, not %s", a.Address, c.who())
		}
		inc.SubjectID = a.Address
		inc.Parties = []string{a.Platform}
	default:
		return nil, invalid("subjectType", "%q is not one of grant, dataset, attestor", req.SubjectType)
	}
	if !slices.Contains(severities, req.Severity) {
		return nil, invalid("severity", "%q is not one of critical (特别重大), major (重大), serious (较大), general (一般)", req.Severity)
	}
	if req.Detected.IsZero() {
		return nil, invalid("detected", "is required")
	}
	if req.Occurred.IsZero() {
		return nil, invalid("occurred", "is required")
	}
	if req.Occurred.After(req.Detected) {
		return nil, invalid("occurred", "%s is after its detection %s", stamp(req.Occurred), stamp(req.Detected))
	}
	if req.Detected.After(st.Time) {
		return nil, invalid("detected", "%s is after the transaction's time %s", stamp(req.Detected), stamp(st.Time))
	}
	if err := checkDigest("reportDigest", req.ReportDigest); err != nil {
		return nil, err
	}
	if in.Existing != nil {
		return nil, conflict("incident %s already exists", req.ID)
	}
	inc.ReportDue = inc.Detected.Add(ReportDeadline[req.Severity])
	inc.Late, inc.LateBy = late(st.Time, inc.ReportDue)
	inc.DecisionDue = st.Time.Add(HandlingDeadline[req.Severity])
	return inc, nil
}

// IncidentDecisionRequest is the authority's decision on an incident.
type IncidentDecisionRequest struct {
	ID           string         `json:"id"`
	Action       IncidentAction `json:"action"`
	ReasonDigest string         `json:"reasonDigest"`
}

// IncidentEffects are the objects a decision changes, loaded by the
// contract as Target names them: the grant to suspend, the operator's
// registry entry, the attestor to retire.
type IncidentEffects struct {
	Grant    *Grant
	Operator *Participant
	Attestor *Attestor
}

// Target names the object a decision of action acts on: its type and ID,
// empty when the action changes nothing else or does not apply.
func (inc *Incident) Target(action IncidentAction) (typ, id string) {
	switch {
	case action == ActionSuspendGrant && inc.SubjectType == IncidentOnGrant:
		return "grant", inc.SubjectID
	case action == ActionSuspendOperator && inc.Operator != "":
		return "participant", inc.Operator
	case action == ActionRetireAttestor && inc.SubjectType == IncidentOnAttestor:
		return "attestor", inc.SubjectID
	}
	return "", ""
}

// reason is the reason the suspensions and retirement a decision makes give.
func (inc *Incident) reason() string {
	return fmt.Sprintf("security incident %s (%s)", inc.ID, inc.Severity)
}

// Decide records the authority's decision on a reported incident and
// applies it in the same transaction: suspend the grant it is on, suspend
// its operator, retire the attestor it is on, order rectification, or
// close it (the reason digest is then its closing report). Each effect
// follows the rules of the object it changes: a grant that is not active
// cannot be suspended, and so on. A decision after DecisionDue is recorded,
// marked late.
func (inc *Incident) Decide(c Actor, req IncidentDecisionRequest, eff IncidentEffects, st Stamp) error {
	if !c.Is(RoleAuthority) || c.Individual {
		return unlessVisible(inc.VisibleTo(c), "incident", inc.ID, forbidden("only the authority decides on incidents, not %s", c.who()))
	}
	if !slices.Contains(actions, req.Action) {
		return invalid("action", "%q is not one of suspend-grant, suspend-operator, retire-attestor, rectify, close", req.Action)
	}
	if err := checkDigest("reasonDigest", req.ReasonDigest); err != nil {
		return err
	}
	if inc.Status != IncidentReported {
		return conflict("incident %s is %s and cannot be decided again", inc.ID, inc.Status)
	}
	switch req.Action {
	case ActionSuspendGrant:
		if inc.SubjectType != IncidentOnGrant {
			return refused("incident %s is on %s %s: suspend-grant decides an incident on a grant", inc.ID, inc.SubjectType, inc.SubjectID)
		}
		if eff.Grant == nil {
			return NotFound("grant", inc.SubjectID)
		}
		if err := eff.Grant.Suspend(c, inc.reason(), st); err != nil {
			return err
		}
	case ActionSuspendOperator:
		if inc.Operator == "" {
			return refused("incident %s concerns no operator: suspend-operator decides an incident on a grant, or on a dataset reported by an operator", inc.ID)
		}
		if eff.Operator == nil {
			return NotFound("participant", inc.Operator)
		}
		if err := eff.Operator.SetOperatorStatus(c, OperatorStatusRequest{MSP: inc.Operator, Status: OperatorSuspended, Reason: inc.reason()}, st); err != nil {
			return err
		}
	case ActionRetireAttestor:
		if inc.SubjectType != IncidentOnAttestor {
			return refused("incident %s is on %s %s: retire-attestor decides an incident on an attestor", inc.ID, inc.SubjectType, inc.SubjectID)
		}
		if eff.Attestor == nil {
			return NotFound("attestor", inc.SubjectID)
		}
		if err := eff.Attestor.Retire(c, inc.reason(), st); err != nil {
			return err
		}
	}
	d := IncidentDecision{Action: req.Action, ReasonDigest: req.ReasonDigest, Decided: st}
	d.Late, d.LateBy = late(st.Time, inc.DecisionDue)
	inc.Decision, inc.Status, inc.Updated = d, IncidentDecided, st
	if req.Action == ActionClose {
		inc.Status, inc.ClosingDigest, inc.Closed = IncidentClosed, req.ReasonDigest, st
	}
	return nil
}

// Close closes a decided incident with the digest of the report on its
// handling (结案报告). Only the authority closes.
func (inc *Incident) Close(c Actor, reportDigest string, st Stamp) error {
	if !c.Is(RoleAuthority) || c.Individual {
		return unlessVisible(inc.VisibleTo(c), "incident", inc.ID, forbidden("only the authority closes incidents, not %s", c.who()))
	}
	if err := checkDigest("reportDigest", reportDigest); err != nil {
		return err
	}
	switch inc.Status {
	case IncidentDecided:
	case IncidentReported:
		return conflict("incident %s is not decided yet; the authority decides it first (close is one of the decisions)", inc.ID)
	default:
		return conflict("incident %s is already %s", inc.ID, inc.Status)
	}
	inc.Status, inc.ClosingDigest, inc.Closed, inc.Updated = IncidentClosed, reportDigest, st, st
	return nil
}

// VisibleTo reports whether c may read the incident: the authority, the
// regulator, its reporter and the parties of its subject.
func (inc *Incident) VisibleTo(c Actor) bool {
	return c.readsAll() || c.ActsFor(inc.Reporter) || slices.ContainsFunc(inc.Parties, c.ActsFor)
}

// Audience of an incident: its reporter and the parties of its subject.
func (inc *Incident) Audience() Audience {
	return orgs(append([]string{inc.Reporter}, inc.Parties...)...)
}

// IncidentPage is a page of incidents.
type IncidentPage struct {
	Items    []Incident `json:"items"`
	Bookmark string     `json:"bookmark"`
}
