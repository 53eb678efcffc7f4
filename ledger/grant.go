package ledger

import (
	"fmt"
	"slices"
	"time"
)

// GrantStatus is the state of a grant (授权).
type GrantStatus string

// Grant states. proposed → active (all providers approved, or the authority
// activated a sub-grant) ⇄ suspended; proposed/active/suspended → revoked;
// proposed → rejected (a provider refused); expired is reached by time and
// evaluated on every read and write.
const (
	GrantProposed  GrantStatus = "proposed"  // 待批准
	GrantActive    GrantStatus = "active"    // 生效
	GrantSuspended GrantStatus = "suspended" // 暂停
	GrantRevoked   GrantStatus = "revoked"   // 撤销
	GrantRejected  GrantStatus = "rejected"  // 数据提供单位不同意
	GrantExpired   GrantStatus = "expired"   // 到期
)

// Decision is a provider's decision on a grant over its datasets.
type Decision string

// Provider decisions.
const (
	DecisionPending  Decision = "pending"
	DecisionApproved Decision = "approved"
	DecisionRejected Decision = "rejected"
)

// Approval is one provider's decision on a grant, signed by its own identity.
type Approval struct {
	Provider string   `json:"provider"`
	Decision Decision `json:"decision"`
	Reason   string   `json:"reason,omitempty" metadata:",optional"`
	Decided  Stamp    `json:"decided,omitzero" metadata:",optional"`
}

// StatusChange is one entry of a grant's status log.
type StatusChange struct {
	Status GrantStatus `json:"status"`
	Reason string      `json:"reason,omitempty" metadata:",optional"`
	Stamp  Stamp       `json:"stamp"`
	// Control marks a change the authority records alone, under the
	// grant's status key (GrantControl): suspension, resumption,
	// revocation, expiry. The others (issue, approvals, rejection,
	// activation) are the consent recorded under the grant's own key.
	Control bool `json:"control,omitempty" metadata:",optional"`
}

// GrantControl is the part of a grant's status the authority controls
// alone (emergency powers): suspension, resumption, revocation and the
// record of expiry. It is kept under its own key ("grantstatus"), whose
// key-level policy is the authority's peer only, so that no provider's
// peer can block it; consent (issue, approvals, rejection, activation)
// stays under the grant's key, which needs the authority and every owning
// provider. A control record can only take away: a grant is active only
// when its consent says active and its control does not say otherwise.
type GrantControl struct {
	GrantID string         `json:"grantId"`
	Status  GrantStatus    `json:"status,omitempty" metadata:",optional"`
	Reason  string         `json:"reason,omitempty" metadata:",optional"`
	History []StatusChange `json:"history"`
	Updated Stamp          `json:"updated,omitzero" metadata:",optional"`
}

// combine is the recorded status of a grant from its consent status and
// its control status.
func combine(consent, control GrantStatus) GrantStatus {
	switch {
	case control == GrantRevoked:
		return GrantRevoked
	case consent == GrantRejected:
		return GrantRejected
	case control == GrantExpired:
		return GrantExpired
	case consent == GrantActive && control == GrantSuspended:
		return GrantSuspended
	}
	return consent
}

// statusOf replays a merged status log up to and including t (the whole
// log when t is zero): the combined status and the reason of the entry
// that decides it.
func statusOf(history []StatusChange, t time.Time) (GrantStatus, string) {
	var consent, control StatusChange
	for _, h := range history {
		if !t.IsZero() && h.Stamp.Time.After(t) {
			break
		}
		if h.Control {
			control = h
		} else {
			consent = h
		}
	}
	s := combine(consent.Status, control.Status)
	if control.Status != "" && control.Status != GrantActive && s == control.Status {
		return s, control.Reason
	}
	return s, consent.Reason
}

// MergeGrant returns the grant as its consent record and its control
// record (nil when none) say together: one status log in time order, the
// status both decide, the latest change.
func MergeGrant(consent *Grant, ctl *GrantControl) *Grant {
	g := *consent
	if ctl == nil || len(ctl.History) == 0 {
		return &g
	}
	g.History = make([]StatusChange, 0, len(consent.History)+len(ctl.History))
	i, j := 0, 0
	for i < len(consent.History) || j < len(ctl.History) {
		if j >= len(ctl.History) || (i < len(consent.History) && !consent.History[i].Stamp.Time.After(ctl.History[j].Stamp.Time)) {
			h := consent.History[i]
			h.Control = false
			g.History = append(g.History, h)
			i++
			continue
		}
		h := ctl.History[j]
		h.Control = true
		g.History = append(g.History, h)
		j++
	}
	g.Status, g.Reason = statusOf(g.History, time.Time{})
	if ctl.Updated.Time.After(g.Updated.Time) {
		g.Updated = ctl.Updated
	}
	return &g
}

// SplitGrant returns the two records a grant is stored as: its consent
// under the grant's key, its control under the status key.
func SplitGrant(g *Grant) (*Grant, *GrantControl) {
	consent := *g
	consent.History = nil
	ctl := &GrantControl{GrantID: g.ID, History: []StatusChange{}}
	for _, h := range g.History {
		if h.Control {
			h.Control = false
			ctl.History = append(ctl.History, h)
			ctl.Status, ctl.Reason, ctl.Updated = h.Status, h.Reason, h.Stamp
			continue
		}
		consent.History = append(consent.History, h)
	}
	consent.Status, consent.Reason = GrantProposed, ""
	if n := len(consent.History); n > 0 {
		consent.Status, consent.Reason = consent.History[n-1].Status, consent.History[n-1].Reason
		if consent.Updated.Time.Before(consent.History[n-1].Stamp.Time) {
			consent.Updated = consent.History[n-1].Stamp
		}
	}
	return &consent, ctl
}

// Quota bounds the use of a grant: records processed and calls (receipts).
type Quota struct {
	Records uint64 `json:"records"`
	Calls   uint64 `json:"calls"`
}

func (q Quota) validate(field string) error {
	if q.Records == 0 {
		return invalid(field+".records", "must be at least 1")
	}
	if q.Calls == 0 {
		return invalid(field+".calls", "must be at least 1")
	}
	return nil
}

// Usage is what has been used of a grant: the totals of its accepted
// receipts, including those of its sub-grants. It is kept under its own key
// so that receipts do not rewrite the grant.
type Usage struct {
	GrantID string `json:"grantId"`
	Records uint64 `json:"records"`
	Calls   uint64 `json:"calls"`
	Updated Stamp  `json:"updated,omitzero" metadata:",optional"`
}

// Remaining returns what is left of q after u.
func (u Usage) Remaining(q Quota) Quota {
	r := Quota{}
	if q.Records > u.Records {
		r.Records = q.Records - u.Records
	}
	if q.Calls > u.Calls {
		r.Calls = q.Calls - u.Calls
	}
	return r
}

// Grant is an authorization (授权) of a holder to use datasets within a
// scope, quota and term. A grant issued from an application is a first-level
// grant; a sub-grant (分级授权) is carved out of one by its holder for a
// developer.
type Grant struct {
	ID string `json:"id"`
	// ApplicationID is the application a first-level grant was issued from.
	ApplicationID string `json:"applicationId,omitempty" metadata:",optional"`
	// ParentID and ParentHolder name the first-level grant of a sub-grant.
	ParentID     string   `json:"parentId,omitempty" metadata:",optional"`
	ParentHolder string   `json:"parentHolder,omitempty" metadata:",optional"`
	Holder       string   `json:"holder"`
	Mode         Mode     `json:"mode"`
	Scenario     string   `json:"scenario"`
	Domains      []string `json:"domains,omitempty" metadata:",optional"`
	Scope        Scope    `json:"scope"`
	Quota        Quota    `json:"quota"`
	Term         Term     `json:"term"`
	// Providers own the datasets in scope; their peers must endorse every
	// change of the grant, and each approves a first-level grant.
	Providers []string       `json:"providers"`
	Approvals []Approval     `json:"approvals,omitempty" metadata:",optional"`
	Status    GrantStatus    `json:"status"`
	Reason    string         `json:"reason,omitempty" metadata:",optional"`
	History   []StatusChange `json:"history"`
	Created   Stamp          `json:"created"`
	Updated   Stamp          `json:"updated"`
	// Version counts the grant's versions: 1 as issued, one more for each
	// approved amendment (data request, DataRequest), which Amendments
	// lists in order.
	Version    int              `json:"version,omitempty" metadata:",optional"`
	Amendments []GrantAmendment `json:"amendments,omitempty" metadata:",optional"`
}

// GrantRequest issues a first-level grant from an approved application.
type GrantRequest struct {
	ID            string `json:"id"`
	ApplicationID string `json:"applicationId"`
	Scope         Scope  `json:"scope"`
	Quota         Quota  `json:"quota"`
	Term          Term   `json:"term"`
}

// GrantInputs are the objects a grant is checked against.
type GrantInputs struct {
	Existing    *Grant
	Application *Application
	Call        *Call
	Operator    *Participant
	// Reviews holds the operator's reviews and the application's.
	Reviews []Review
	// Datasets holds every dataset in the requested scope that exists.
	Datasets map[string]*Dataset
	// Others holds the first-level grants over any dataset of the requested
	// scope that the authorization modes compare it with (as recorded,
	// consent and control merged): every one for a whole-mode call, the
	// whole-mode ones otherwise. See checkMode.
	Others []*Grant
	// DocumentsAttached: the application's emergency plan and security
	// documents are attached (their private record exists, as its hash on
	// the ledger shows).
	DocumentsAttached bool
}

// IssueGrant issues a grant from an application whose scenario review passed,
// to an admitted operator holding valid basic- and technical-security
// reviews, once the application has passed the network-security review (and
// the province's approval when province-returned data is in scope). The
// scope must lie inside the application's, the term inside the requested
// term, and the grant within what its call's authorization mode allows
// (checkMode). The grant starts proposed, waiting for every owning provider; the
// application is returned marked granted.
func IssueGrant(c Actor, req GrantRequest, in GrantInputs, st Stamp) (*Grant, *Application, error) {
	if !c.Is(RoleAuthority) {
		return nil, nil, forbidden("only the authority issues grants")
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, nil, err
	}
	if err := CheckID("applicationId", req.ApplicationID); err != nil {
		return nil, nil, err
	}
	scope, err := req.Scope.normalize("scope")
	if err != nil {
		return nil, nil, err
	}
	if err := req.Quota.validate("quota"); err != nil {
		return nil, nil, err
	}
	term := req.Term.normalize()
	if err := term.Validate("term"); err != nil {
		return nil, nil, err
	}
	if !term.ValidTo.After(st.Time) {
		return nil, nil, invalid("term.validTo", "%s is already past", stamp(term.ValidTo))
	}
	if in.Existing != nil {
		return nil, nil, conflict("grant %s already exists", req.ID)
	}
	app := in.Application
	if app == nil {
		return nil, nil, NotFound("application", req.ApplicationID)
	}
	if !in.DocumentsAttached {
		return nil, nil, refused("no emergency plan: application %s has no emergency plan (应急预案) and security documents attached; its operator attaches their digests", app.ID)
	}
	switch app.Status {
	case ApplicationApproved:
	case ApplicationGranted:
		return nil, nil, conflict("application %s was already granted as %s", app.ID, app.GrantID)
	case ApplicationSubmitted:
		return nil, nil, refused("application %s has not passed its scenario review", app.ID)
	default:
		return nil, nil, refused("application %s is %s", app.ID, app.Status)
	}
	if in.Operator == nil {
		return nil, nil, NotFound("participant", app.Operator)
	}
	if in.Operator.Status != OperatorAdmitted {
		return nil, nil, refused("operator %s is %s, not admitted", app.Operator, in.Operator.Status)
	}
	for _, k := range []ReviewKind{ReviewBasicSecurity, ReviewTechnicalSecurity} {
		if err := RequirePassed(in.Reviews, k, app.Operator, st.Time); err != nil {
			return nil, nil, err
		}
	}
	if err := RequirePassed(in.Reviews, ReviewScenario, app.ID, st.Time); err != nil {
		return nil, nil, err
	}
	if err := RequirePassed(in.Reviews, ReviewNetworkSecurity, app.ID, st.Time); err != nil {
		return nil, nil, err
	}
	if err := app.Scope.Covers(scope, "application "+app.ID); err != nil {
		return nil, nil, err
	}
	if scope, err = scope.resolve("scope", in.Datasets); err != nil {
		return nil, nil, err
	}
	for _, d := range scope.Datasets {
		if in.Datasets[d.ID].ProvinceReturned {
			if err := RequirePassed(in.Reviews, ReviewProvince, app.ID, st.Time); err != nil {
				return nil, nil, refused("dataset %s is province-returned data (省回流数据) and needs the province's approval: %s", d.ID, message(err))
			}
		}
	}
	if err := termInsideRequest(term, app); err != nil {
		return nil, nil, err
	}
	mode := ModeScenario
	if in.Call != nil {
		mode = in.Call.Mode
	}
	g := &Grant{
		ID: req.ID, ApplicationID: app.ID, Holder: app.Operator, Mode: mode,
		Scenario: app.Scenario.Name, Domains: domainsOf(scope, in.Datasets),
		Scope: scope, Quota: req.Quota, Term: term, Providers: scope.Owners(),
		Status: GrantProposed, Created: st, Updated: st, Version: 1,
	}
	if err := g.checkMode(in.Call, in.Datasets, in.Others, st.Time); err != nil {
		return nil, nil, err
	}
	for _, p := range g.Providers {
		g.Approvals = append(g.Approvals, Approval{Provider: p, Decision: DecisionPending})
	}
	g.History = []StatusChange{{Status: GrantProposed, Stamp: st}}
	granted := *app
	granted.Status, granted.GrantID, granted.Updated = ApplicationGranted, g.ID, st
	return g, &granted, nil
}

func termInsideRequest(t Term, app *Application) error {
	start := t.ValidFrom
	if !t.TrialEnds.IsZero() {
		if app.TrialMonths == 0 {
			return refused("application %s did not request a trial period", app.ID)
		}
		if t.TrialEnds.After(t.ValidFrom.AddDate(0, app.TrialMonths, 0)) {
			return refused("the trial period exceeds the %d months application %s requested", app.TrialMonths, app.ID)
		}
		start = t.TrialEnds
	}
	if t.ValidTo.After(start.AddDate(0, app.TermMonths, 0)) {
		return refused("the term exceeds the %d months application %s requested", app.TermMonths, app.ID)
	}
	return nil
}

// EffectiveStatus returns the status at now: a proposed, active or
// suspended grant whose term has ended is expired.
func (g *Grant) EffectiveStatus(now time.Time) GrantStatus {
	switch g.Status {
	case GrantProposed, GrantActive, GrantSuspended:
		if !now.Before(g.Term.ValidTo) {
			return GrantExpired
		}
	}
	return g.Status
}

// AsOf returns the grant as seen at now, with its effective status.
func (g Grant) AsOf(now time.Time) Grant {
	g.Status = g.EffectiveStatus(now)
	return g
}

// Under returns the grant as seen at now under its parent (a sub-grant's
// parent, nil for a first-level grant): a sub-grant whose parent is
// suspended or revoked shows that status, with a reason naming the parent,
// unless its own status is already final.
func (g Grant) Under(parent *Grant, now time.Time) Grant {
	g = g.AsOf(now)
	if g.ParentID == "" || parent == nil {
		return g
	}
	switch g.Status {
	case GrantProposed, GrantActive, GrantSuspended:
	default:
		return g
	}
	p := parent.AsOf(now)
	switch p.Status {
	case GrantSuspended, GrantRevoked:
		if g.Status == GrantSuspended && p.Status == GrantSuspended {
			return g
		}
		g.Status, g.Reason = p.Status, fmt.Sprintf("parent grant %s is %s: %s", p.ID, p.Status, p.Reason)
	}
	return g
}

// StatusAt returns the status the grant had at t, from its status log and
// term; "" before it was issued.
func (g *Grant) StatusAt(t time.Time) GrantStatus {
	var s GrantStatus
	if len(g.History) > 0 && !g.History[0].Stamp.Time.After(t) {
		s, _ = statusOf(g.History, t)
	}
	switch s {
	case GrantProposed, GrantActive, GrantSuspended:
		if !t.Before(g.Term.ValidTo) {
			return GrantExpired
		}
	}
	return s
}

func (g *Grant) setStatus(s GrantStatus, reason string, st Stamp) {
	g.Status, g.Reason, g.Updated = s, reason, st
	g.History = append(g.History, StatusChange{Status: s, Reason: reason, Stamp: st})
}

// control records a change the authority makes alone (GrantControl).
func (g *Grant) control(s GrantStatus, reason string, st Stamp) {
	g.History = append(g.History, StatusChange{Status: s, Reason: reason, Stamp: st, Control: true})
	g.Status, g.Reason = statusOf(g.History, time.Time{})
	g.Updated = st
}

// requireStatus refuses a change unless the grant is, at now, in one of the
// given states.
func (g *Grant) requireStatus(now time.Time, action string, ok ...GrantStatus) error {
	s := g.EffectiveStatus(now)
	if slices.Contains(ok, s) {
		return nil
	}
	if s == GrantExpired {
		return refused("expired: grant %s expired on %s and cannot be %s", g.ID, stamp(g.Term.ValidTo), action)
	}
	return conflict("grant %s is %s and cannot be %s", g.ID, s, action)
}

// Approve records a provider's approval of a first-level grant. When every
// provider has approved, the grant becomes active.
func (g *Grant) Approve(c Actor, st Stamp) error {
	return g.decide(c, DecisionApproved, "", st)
}

// Reject records a provider's refusal, with a reason: the grant is rejected.
func (g *Grant) Reject(c Actor, reason string, st Stamp) error {
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	return g.decide(c, DecisionRejected, reason, st)
}

func (g *Grant) decide(c Actor, d Decision, reason string, st Stamp) error {
	i := slices.IndexFunc(g.Approvals, func(a Approval) bool { return c.ActsFor(a.Provider) })
	if !c.Is(RoleProvider) || i < 0 {
		if !g.VisibleTo(c) {
			return NotFound("grant", g.ID)
		}
		if g.ParentID != "" {
			return forbidden("sub-grant %s is activated by the authority, not approved by providers", g.ID)
		}
		return forbidden("%s is not a provider of any dataset in scope of grant %s", c.MSP, g.ID)
	}
	if err := g.requireStatus(st.Time, "decided", GrantProposed); err != nil {
		return err
	}
	if g.Approvals[i].Decision != DecisionPending {
		return conflict("%s already %s grant %s", c.MSP, g.Approvals[i].Decision, g.ID)
	}
	g.Approvals[i] = Approval{Provider: c.MSP, Decision: d, Reason: reason, Decided: st}
	g.Updated = st
	if d == DecisionRejected {
		g.setStatus(GrantRejected, c.MSP+": "+reason, st)
		return nil
	}
	for _, a := range g.Approvals {
		if a.Decision != DecisionApproved {
			return nil
		}
	}
	g.setStatus(GrantActive, "", st)
	return nil
}

// Pending returns the providers that have not yet decided.
func (g *Grant) Pending() []string {
	var ps []string
	for _, a := range g.Approvals {
		if a.Decision == DecisionPending {
			ps = append(ps, a.Provider)
		}
	}
	return ps
}

// Suspend suspends an active grant (暂停). Only the authority suspends.
func (g *Grant) Suspend(c Actor, reason string, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("only the authority suspends grants"))
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if err := g.requireStatus(st.Time, "suspended", GrantActive); err != nil {
		return err
	}
	g.control(GrantSuspended, reason, st)
	return nil
}

// Resume returns a suspended grant to active.
func (g *Grant) Resume(c Actor, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("only the authority resumes grants"))
	}
	if err := g.requireStatus(st.Time, "resumed", GrantSuspended); err != nil {
		return err
	}
	g.control(GrantActive, "", st)
	return nil
}

// Revoke ends a grant for good, with a reason (撤销). Only the authority revokes.
func (g *Grant) Revoke(c Actor, reason string, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("only the authority revokes grants"))
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if err := g.requireStatus(st.Time, "revoked", GrantProposed, GrantActive, GrantSuspended); err != nil {
		return err
	}
	g.control(GrantRevoked, reason, st)
	return nil
}

// End revokes a grant whose holder (or whose parent's holder) exited,
// with a reason naming the exit; it reports whether the grant changed (a
// grant already revoked, rejected or expired is left as it is). The
// authority's exit decision is the authority here.
func (g *Grant) End(reason string, st Stamp) bool {
	switch g.EffectiveStatus(st.Time) {
	case GrantProposed, GrantActive, GrantSuspended:
		g.control(GrantRevoked, reason, st)
		return true
	}
	return false
}

// Expire records that a grant's term has ended. Expiry is effective without
// it (every read and write evaluates the term); recording it keeps lists by
// status exact. Any registered participant who may read the grant may
// record it; to the others the grant does not exist, as on every read.
func (g *Grant) Expire(c Actor, st Stamp) error {
	if c.Role == "" || !g.VisibleTo(c) {
		return unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("%s is not a registered participant", c.MSP))
	}
	if g.Status == GrantExpired {
		return conflict("grant %s is already recorded as expired", g.ID)
	}
	if g.EffectiveStatus(st.Time) != GrantExpired {
		return conflict("grant %s is %s and its term runs to %s", g.ID, g.Status, stamp(g.Term.ValidTo))
	}
	g.control(GrantExpired, "term ended "+stamp(g.Term.ValidTo), st)
	return nil
}

// UsableAt returns nil when the grant may be used at t: it was active then,
// t falls in its term, and its agreement was in force (for a sub-grant: its
// parent was usable at t). Otherwise a refusal says why.
func UsableAt(g *Grant, agreements []Agreement, parent *Grant, parentAgreements []Agreement, t time.Time) error {
	if s := g.StatusAt(t); s != GrantActive {
		if s == "" {
			s = "not yet issued"
		}
		if s == GrantExpired || !t.Before(g.Term.ValidTo) {
			return refused("expired: grant %s expired on %s, before %s", g.ID, stamp(g.Term.ValidTo), stamp(t))
		}
		return refused("grant %s was %s at %s", g.ID, s, stamp(t))
	}
	if !g.Term.Contains(t) {
		return refused("grant %s is in force from %s, not at %s", g.ID, stamp(g.Term.ValidFrom), stamp(t))
	}
	if g.ParentID != "" {
		if parent == nil {
			return NotFound("grant", g.ParentID)
		}
		if err := UsableAt(parent, parentAgreements, nil, nil, t); err != nil {
			return refused("parent of sub-grant %s: %s", g.ID, message(err))
		}
		return nil
	}
	if InForceAgreement(agreements, g.ID, t) == nil {
		return refused("grant %s has no agreement in force at %s (signed by both the authority and %s)", g.ID, stamp(t), g.Holder)
	}
	return nil
}

// SubGrantRequest proposes a sub-grant to a developer (分级授权).
type SubGrantRequest struct {
	ID        string `json:"id"`
	ParentID  string `json:"parentId"`
	Developer string `json:"developer"`
	Scope     Scope  `json:"scope"`
	Quota     Quota  `json:"quota"`
	Term      Term   `json:"term"`
	// RequestID, when set, names the developer's sub-grant request
	// (DataRequest) the proposal answers; it is marked proposed in the
	// same transaction.
	RequestID string `json:"requestId,omitempty" metadata:",optional"`
}

// SubGrantInputs are the objects a sub-grant is checked against.
type SubGrantInputs struct {
	Existing         *Grant
	Parent           *Grant
	ParentAgreements []Agreement
	ParentUsage      Usage
	Developer        *Participant
}

// ProposeSubGrant lets the holder of a usable first-level grant propose a
// sub-grant to a registered developer, strictly inside the parent's scope,
// remaining quota and term. The authority activates it.
func ProposeSubGrant(c Actor, req SubGrantRequest, in SubGrantInputs, st Stamp) (*Grant, error) {
	if err := CheckID("id", req.ID); err != nil {
		return nil, err
	}
	if err := CheckID("parentId", req.ParentID); err != nil {
		return nil, err
	}
	if err := CheckID("developer", req.Developer); err != nil {
		return nil, err
	}
	scope, err := req.Scope.normalize("scope")
	if err != nil {
		return nil, err
	}
	if err := req.Quota.validate("quota"); err != nil {
		return nil, err
	}
	term := req.Term.normalize()
	if err := term.Validate("term"); err != nil {
		return nil, err
	}
	if in.Existing != nil {
		return nil, conflict("grant %s already exists", req.ID)
	}
	p := in.Parent
	if p == nil {
		return nil, NotFound("grant", req.ParentID)
	}
	if !c.ActsFor(p.Holder) {
		return nil, unlessVisible(p.VisibleTo(c), "grant", p.ID, forbidden("grant %s is not held by %s; only its holder proposes sub-grants", p.ID, c.who()))
	}
	if err := c.admitted("propose sub-grants"); err != nil {
		return nil, err
	}
	if p.ParentID != "" {
		return nil, refused("grant %s is itself a sub-grant; authorization has two levels only", p.ID)
	}
	if in.Developer == nil {
		return nil, NotFound("participant", req.Developer)
	}
	if in.Developer.Role != RoleDeveloper {
		return nil, refused("%s is a %s, not a developer", req.Developer, in.Developer.Role)
	}
	if err := RequireAdmitted(in.Developer, "hold sub-grants"); err != nil {
		return nil, err
	}
	if err := UsableAt(p, in.ParentAgreements, nil, nil, st.Time); err != nil {
		return nil, err
	}
	if err := p.Scope.Covers(scope, "parent grant "+p.ID); err != nil {
		return nil, err
	}
	if !term.Within(p.Term) {
		return nil, refused("out of window: the sub-grant term must lie within parent grant %s (%s to %s)", p.ID, stamp(p.Term.ValidFrom), stamp(p.Term.ValidTo))
	}
	if err := quotaWithin(req.Quota, p, in.ParentUsage); err != nil {
		return nil, err
	}
	for i := range scope.Datasets {
		parent, _ := p.Scope.dataset(scope.Datasets[i].ID)
		scope.Datasets[i].Owner = parent.Owner
	}
	g := &Grant{
		ID: req.ID, ParentID: p.ID, ParentHolder: p.Holder, Holder: req.Developer, Mode: p.Mode,
		Scenario: p.Scenario, Domains: slices.Clone(p.Domains), Scope: scope, Quota: req.Quota, Term: term,
		Providers: scope.Owners(), Status: GrantProposed, Created: st, Updated: st, Version: 1,
	}
	g.History = []StatusChange{{Status: GrantProposed, Stamp: st}}
	return g, nil
}

func quotaWithin(q Quota, parent *Grant, used Usage) error {
	left := used.Remaining(parent.Quota)
	if q.Records > left.Records || q.Calls > left.Calls {
		return refused("over quota: the sub-grant asks for %d records and %d calls; parent grant %s has %d records and %d calls left",
			q.Records, q.Calls, parent.ID, left.Records, left.Calls)
	}
	return nil
}

// ActivateSubGrant lets the authority activate a proposed sub-grant while
// its parent is usable and still has the quota.
func (g *Grant) ActivateSubGrant(c Actor, in SubGrantInputs, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("only the authority activates sub-grants"))
	}
	if g.ParentID == "" {
		return refused("grant %s is a first-level grant; its providers approve it", g.ID)
	}
	if err := g.requireStatus(st.Time, "activated", GrantProposed); err != nil {
		return err
	}
	if in.Parent == nil {
		return NotFound("grant", g.ParentID)
	}
	if err := UsableAt(in.Parent, in.ParentAgreements, nil, nil, st.Time); err != nil {
		return err
	}
	if err := quotaWithin(g.Quota, in.Parent, in.ParentUsage); err != nil {
		return err
	}
	g.setStatus(GrantActive, "", st)
	return nil
}

// VisibleTo reports whether c may read the grant in full: the authority,
// the regulator, the holder, the parent's holder and the providers in scope.
// Everyone else sees its disclosure summary while it is in force.
func (g *Grant) VisibleTo(c Actor) bool {
	return c.readsAll() || c.ActsFor(g.Holder) || c.ActsFor(g.ParentHolder) || slices.ContainsFunc(g.Providers, c.ActsFor)
}

// GrantSummary is the public disclosure of a grant in force (公开结果).
type GrantSummary struct {
	ID         string      `json:"id"`
	ParentID   string      `json:"parentId,omitempty" metadata:",optional"`
	Holder     string      `json:"holder"`
	Mode       Mode        `json:"mode"`
	Scenario   string      `json:"scenario"`
	Domains    []string    `json:"domains,omitempty" metadata:",optional"`
	Datasets   []string    `json:"datasets"`
	Purposes   []string    `json:"purposes"`
	Operations []Operation `json:"operations"`
	Term       Term        `json:"term"`
	Status     GrantStatus `json:"status"`
}

// Summary returns the grant's public summary at now.
func (g *Grant) Summary(now time.Time) GrantSummary {
	return GrantSummary{
		ID: g.ID, ParentID: g.ParentID, Holder: g.Holder, Mode: g.Mode, Scenario: g.Scenario,
		Domains: g.Domains, Datasets: g.Scope.DatasetIDs(), Purposes: g.Scope.Purposes, Operations: g.Scope.Operations,
		Term: g.Term, Status: g.EffectiveStatus(now),
	}
}
