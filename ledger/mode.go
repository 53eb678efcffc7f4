package ledger

import (
	"slices"
	"strings"
	"time"
)

// The authorization mode of a call (授权方式) decides what a grant issued
// under it may cover ("授权运营模式，包括整体授权、分领域授权和依场景授权等"):
//
//   - whole (整体授权, "将属地公共数据一揽子授权，由运营主体统筹开发"): the
//     holder is the sole operator of the grant's datasets for its term. No
//     other operator may hold a grant over any of them while it is in force,
//     and it is not issued while another operator holds one. The holder's
//     sub-grants to developers (分级授权) are its own and stay allowed.
//   - domain (分领域授权, "按领域委托多个主体运营"): the grant covers only
//     datasets of the call's domains, as the catalogue files them when the
//     grant is issued.
//   - scenario (依场景授权, "获取特定数据进行特定场景的开发利用"): the grant
//     covers its application's one scenario, so its scope names exactly one
//     purpose (用途): receipts, whose purpose must be in scope, can then
//     serve that scenario only.
//
// The rules are checked when the authority issues a grant. A proposed grant
// counts as in force for the exclusivity of whole mode, because the
// providers' approvals activate it without another check; so approval,
// resumption and sub-grant activation cannot create a conflict the issue
// did not refuse.

// inForce reports whether a grant still holds, or may come to hold, its
// datasets at now: proposed, active or suspended, and its term not over.
func inForce(g *Grant, now time.Time) bool {
	switch g.EffectiveStatus(now) {
	case GrantProposed, GrantActive, GrantSuspended:
		return true
	}
	return false
}

// checkMode refuses a grant its call's authorization mode does not allow.
// call is the call the grant's application was filed under (nil: no call,
// scenario mode); datasets the catalogue entries of its scope; others the
// grants over any of its datasets, as recorded (consent and control).
func (g *Grant) checkMode(call *Call, datasets map[string]*Dataset, others []*Grant, now time.Time) error {
	switch g.Mode {
	case ModeDomain:
		if err := g.withinDomains(call, datasets); err != nil {
			return err
		}
	case ModeScenario:
		if n := len(g.Scope.Purposes); n != 1 {
			return refused("one scenario: a scenario grant (依场景授权) covers only its scenario %s, so its scope names exactly one purpose, not %d (%s)",
				g.Scenario, n, strings.Join(g.Scope.Purposes, ", "))
		}
	}
	return g.exclusive(others, now)
}

// withinDomains refuses a domain grant over a dataset outside its call's
// domains. The application was checked against them when filed, but a
// dataset's owner may have moved it to another domain since.
func (g *Grant) withinDomains(call *Call, datasets map[string]*Dataset) error {
	if call == nil {
		return nil
	}
	for _, d := range g.Scope.Datasets {
		ds := datasets[d.ID]
		if ds != nil && !slices.Contains(call.Domains, ds.Domain) {
			return refused("out of domain: dataset %s is in domain %s; a domain grant (分领域授权) under call %s covers only its domains (%s)",
				d.ID, ds.Domain, call.ID, strings.Join(call.Domains, ", "))
		}
	}
	return nil
}

// exclusive refuses a first-level grant that would share a dataset, for
// overlapping terms, with another operator's first-level grant in force
// when either of the two is whole-mode. Sub-grants are not compared: each
// lies inside its parent's scope and term, and its parent is compared.
func (g *Grant) exclusive(others []*Grant, now time.Time) error {
	if g.ParentID != "" {
		return nil
	}
	for _, o := range others {
		if o.ID == g.ID || o.ParentID != "" || o.Holder == g.Holder {
			continue
		}
		if g.Mode != ModeWhole && o.Mode != ModeWhole {
			continue
		}
		if !inForce(o, now) || !g.Term.Overlaps(o.Term) {
			continue
		}
		shared, ok := sharedDataset(g.Scope, o.Scope)
		if !ok {
			continue
		}
		if o.Mode == ModeWhole {
			return refused("sole operator: %s holds whole-mode grant %s (整体授权, %s) over dataset %s until %s; no other operator may be granted it for that term",
				o.Holder, o.ID, o.EffectiveStatus(now), shared, stamp(o.Term.ValidTo))
		}
		return refused("sole operator: a whole-mode grant (整体授权) makes %s the sole operator of dataset %s, but %s holds grant %s (%s) over it until %s",
			g.Holder, shared, o.Holder, o.ID, o.EffectiveStatus(now), stamp(o.Term.ValidTo))
	}
	return nil
}

// sharedDataset returns the first dataset (by ID) in both scopes.
func sharedDataset(a, b Scope) (string, bool) {
	for _, d := range a.Datasets {
		if _, ok := b.dataset(d.ID); ok {
			return d.ID, true
		}
	}
	return "", false
}
