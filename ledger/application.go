package ledger

import (
	"slices"
	"time"
)

// ApplicationStatus is the state of an application.
type ApplicationStatus string

// Application states: submitted → approved | rejected (scenario review) →
// granted; submitted or approved → withdrawn.
const (
	ApplicationSubmitted ApplicationStatus = "submitted" // 已提交
	ApplicationApproved  ApplicationStatus = "approved"  // 场景审核通过
	ApplicationRejected  ApplicationStatus = "rejected"  // 场景审核未通过
	ApplicationGranted   ApplicationStatus = "granted"   // 已授权
	ApplicationWithdrawn ApplicationStatus = "withdrawn" // 已撤回
)

// Scenario is the one application scenario of an application (应用场景).
// Its name and domain are public once granted.
type Scenario struct {
	Name        string `json:"name"`
	Domain      string `json:"domain"`
	Description string `json:"description"`
}

// Application is an operator's application under a call (申请), for one
// scenario ("一场景一清单一审核").
type Application struct {
	ID       string   `json:"id"`
	CallID   string   `json:"callId"`
	Operator string   `json:"operator"`
	Scenario Scenario `json:"scenario"`
	// Scope is the list of requested datasets and fields, purposes and operations (数据清单).
	Scope Scope `json:"scope"`
	// TermMonths is the requested formal term; TrialMonths the requested trial.
	TermMonths  int `json:"termMonths"`
	TrialMonths int `json:"trialMonths,omitempty" metadata:",optional"`
	// Digests of the emergency plan (应急预案) and security documents kept
	// off-chain. They live in the operator's private collection
	// (ApplicationDocuments): empty in the public record, filled in for
	// those who read the collection.
	EmergencyPlanDigest string `json:"emergencyPlanDigest,omitempty" metadata:",optional"`
	SecurityDocsDigest  string `json:"securityDocsDigest,omitempty" metadata:",optional"`
	// RenewsGrant names the grant this application renews (重新申请), if any.
	RenewsGrant    string            `json:"renewsGrant,omitempty" metadata:",optional"`
	Status         ApplicationStatus `json:"status"`
	StatusReason   string            `json:"statusReason,omitempty" metadata:",optional"`
	ScenarioReview string            `json:"scenarioReview,omitempty" metadata:",optional"`
	GrantID        string            `json:"grantId,omitempty" metadata:",optional"`
	Created        Stamp             `json:"created"`
	Updated        Stamp             `json:"updated"`
}

// ApplicationRequest files an application.
type ApplicationRequest struct {
	ID          string   `json:"id"`
	CallID      string   `json:"callId"`
	Scenario    Scenario `json:"scenario"`
	Scope       Scope    `json:"scope"`
	TermMonths  int      `json:"termMonths"`
	TrialMonths int      `json:"trialMonths,omitempty"`
	RenewsGrant string   `json:"renewsGrant,omitempty"`
}

// ApplicationInputs are the objects an application is checked against.
type ApplicationInputs struct {
	Existing *Application
	Call     *Call
	Operator *Participant
	// Datasets holds every requested dataset that exists.
	Datasets map[string]*Dataset
	// Renews is the grant named by RenewsGrant, if it exists.
	Renews *Grant
}

// SubmitApplication files an operator's application under an open call.
// An application without an emergency plan is refused (未制定应急预案的，
// 不得开展公共数据授权运营工作); a renewal must be filed at least
// RenewalLeadMonths before the renewed grant expires.
func SubmitApplication(c Actor, req ApplicationRequest, in ApplicationInputs, st Stamp) (*Application, error) {
	if !c.Is(RoleOperator) {
		return nil, forbidden("only operators apply; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, err
	}
	if err := CheckID("callId", req.CallID); err != nil {
		return nil, err
	}
	if err := checkText("scenario.name", req.Scenario.Name, MaxNameLen, true); err != nil {
		return nil, err
	}
	if err := checkDomain("scenario.domain", req.Scenario.Domain); err != nil {
		return nil, err
	}
	if err := checkText("scenario.description", req.Scenario.Description, MaxTextLen, true); err != nil {
		return nil, err
	}
	scope, err := req.Scope.normalize("scope")
	if err != nil {
		return nil, err
	}
	if req.TermMonths < 1 || req.TermMonths > 12*MaxTermYears {
		return nil, invalid("termMonths", "%d is not between 1 and %d", req.TermMonths, 12*MaxTermYears)
	}
	if req.TrialMonths < 0 || req.TrialMonths > MaxTrialMonths {
		return nil, invalid("trialMonths", "%d is not between 0 and %d", req.TrialMonths, MaxTrialMonths)
	}
	if req.RenewsGrant != "" {
		if err := CheckID("renewsGrant", req.RenewsGrant); err != nil {
			return nil, err
		}
	}
	if in.Existing != nil {
		return nil, conflict("application %s already exists", req.ID)
	}
	if in.Operator == nil {
		return nil, NotFound("participant", c.MSP)
	}
	if s := in.Operator.Status; s == OperatorSuspended || s == OperatorExited {
		return nil, refused("operator %s is %s and may not apply", c.MSP, s)
	}
	if in.Call == nil {
		return nil, NotFound("call", req.CallID)
	}
	if !in.Call.OpenAt(st.Time) {
		return nil, refused("call %s is not open (%s, open from %s to %s)", req.CallID, in.Call.Status, stamp(in.Call.Opens), stamp(in.Call.Closes))
	}
	if len(in.Call.Domains) > 0 && !slices.Contains(in.Call.Domains, req.Scenario.Domain) {
		return nil, refused("scenario domain %s is outside call %s", req.Scenario.Domain, req.CallID)
	}
	if scope, err = scope.resolve("scope", in.Datasets); err != nil {
		return nil, err
	}
	for _, d := range scope.Datasets {
		if !in.Call.covers(in.Datasets[d.ID]) {
			return nil, refused("out of scope: dataset %s is not offered by call %s", d.ID, req.CallID)
		}
	}
	if req.RenewsGrant != "" {
		if err := checkRenewal(c, req.RenewsGrant, in.Renews, st.Time); err != nil {
			return nil, err
		}
	}
	return &Application{
		ID: req.ID, CallID: req.CallID, Operator: c.MSP, Scenario: req.Scenario, Scope: scope,
		TermMonths: req.TermMonths, TrialMonths: req.TrialMonths,
		RenewsGrant: req.RenewsGrant, Status: ApplicationSubmitted, Created: st, Updated: st,
	}, nil
}

func checkRenewal(c Actor, id string, g *Grant, now time.Time) error {
	if g == nil {
		return NotFound("grant", id)
	}
	if !c.ActsFor(g.Holder) {
		return unlessVisible(g.VisibleTo(c), "grant", id, forbidden("grant %s is not held by %s", id, c.who()))
	}
	if g.ParentID != "" {
		return refused("grant %s is a sub-grant; its holder cannot renew it by application", id)
	}
	switch s := g.EffectiveStatus(now); s {
	case GrantActive, GrantSuspended:
	default:
		return refused("grant %s is %s; only a grant in force can be renewed, file a new application", id, s)
	}
	deadline := g.Term.ValidTo.AddDate(0, -RenewalLeadMonths, 0)
	if now.After(deadline) {
		return refused("late renewal: a renewal must be filed at least %d months before grant %s expires on %s, that is by %s",
			RenewalLeadMonths, id, stamp(g.Term.ValidTo), stamp(deadline))
	}
	return nil
}

// Withdraw lets the operator withdraw its application before it is granted.
func (a *Application) Withdraw(c Actor, reason string, st Stamp) error {
	if !c.ActsFor(a.Operator) {
		return unlessVisible(a.VisibleTo(c), "application", a.ID, forbidden("application %s does not belong to %s", a.ID, c.who()))
	}
	if err := checkText("reason", reason, MaxTextLen, false); err != nil {
		return err
	}
	if a.Status != ApplicationSubmitted && a.Status != ApplicationApproved {
		return conflict("application %s is %s and can no longer be withdrawn", a.ID, a.Status)
	}
	a.Status, a.StatusReason, a.Updated = ApplicationWithdrawn, reason, st
	return nil
}

// VisibleTo reports whether c may read the application: its operator, the
// authority, the regulator and experts (who give opinions on it).
func (a *Application) VisibleTo(c Actor) bool {
	return c.readsAll() || c.Is(RoleExpert) || c.ActsFor(a.Operator)
}
