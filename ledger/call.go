package ledger

import (
	"slices"
	"time"
)

// Mode is how a call authorizes operators (授权方式).
type Mode string

// Authorization modes.
const (
	ModeWhole    Mode = "whole"    // 整体授权
	ModeDomain   Mode = "domain"   // 分领域授权
	ModeScenario Mode = "scenario" // 依场景授权
)

// CallStatus is the state of a call.
type CallStatus string

// Call states. Whether a published call is open is decided by its dates.
const (
	CallPublished CallStatus = "published" // 已发布
	CallCancelled CallStatus = "cancelled" // 已撤销
)

// Call is a call for operators (通告) published by the authority.
type Call struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Mode  Mode   `json:"mode"`
	// Domains the call covers; empty for a whole-mode call.
	Domains []string `json:"domains,omitempty" metadata:",optional"`
	// Datasets restricts the call to these datasets; empty means every listed
	// dataset of the call's domains (or of the catalogue for whole mode).
	Datasets     []string   `json:"datasets,omitempty" metadata:",optional"`
	Conditions   string     `json:"conditions"` // 申报条件
	Criteria     string     `json:"criteria"`   // 评审标准
	Opens        time.Time  `json:"opens"`
	Closes       time.Time  `json:"closes"`
	Status       CallStatus `json:"status"`
	StatusReason string     `json:"statusReason,omitempty" metadata:",optional"`
	Created      Stamp      `json:"created"`
	Updated      Stamp      `json:"updated"`
}

// CallRequest publishes a call.
type CallRequest struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Mode       Mode      `json:"mode"`
	Domains    []string  `json:"domains,omitempty"`
	Datasets   []string  `json:"datasets,omitempty"`
	Conditions string    `json:"conditions"`
	Criteria   string    `json:"criteria"`
	Opens      time.Time `json:"opens"`
	Closes     time.Time `json:"closes"`
}

// PublishCall publishes a call for operators. Only the authority publishes.
// The datasets named must exist in the catalogue and belong to the call's
// domains.
func PublishCall(c Actor, req CallRequest, existing *Call, datasets map[string]*Dataset, st Stamp) (*Call, error) {
	if !c.Is(RoleAuthority) {
		return nil, forbidden("only the authority publishes calls")
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, err
	}
	if err := checkText("title", req.Title, MaxNameLen, true); err != nil {
		return nil, err
	}
	switch req.Mode {
	case ModeWhole, ModeDomain, ModeScenario:
	default:
		return nil, invalid("mode", "%q is not one of whole, domain, scenario", req.Mode)
	}
	domains := sortedSet(req.Domains)
	for _, d := range domains {
		if err := checkDomain("domains", d); err != nil {
			return nil, err
		}
	}
	if req.Mode != ModeWhole && len(domains) == 0 {
		return nil, invalid("domains", "a %s call must name at least one domain", req.Mode)
	}
	ids, err := checkIDs("datasets", req.Datasets, false)
	if err != nil {
		return nil, err
	}
	if err := checkText("conditions", req.Conditions, MaxTextLen, true); err != nil {
		return nil, err
	}
	if err := checkText("criteria", req.Criteria, MaxTextLen, true); err != nil {
		return nil, err
	}
	if req.Opens.IsZero() || req.Closes.IsZero() {
		return nil, invalid("closes", "opens and closes are required (RFC 3339 times)")
	}
	if !req.Closes.After(req.Opens) {
		return nil, invalid("closes", "%s is not after opens %s", stamp(req.Closes), stamp(req.Opens))
	}
	if !req.Closes.After(st.Time) {
		return nil, invalid("closes", "%s is already past", stamp(req.Closes))
	}
	if existing != nil {
		return nil, conflict("call %s already exists", req.ID)
	}
	call := &Call{
		ID: req.ID, Title: req.Title, Mode: req.Mode, Domains: domains, Datasets: ids,
		Conditions: req.Conditions, Criteria: req.Criteria, Opens: req.Opens.UTC(), Closes: req.Closes.UTC(),
		Status: CallPublished, Created: st, Updated: st,
	}
	for _, id := range ids {
		d := datasets[id]
		if d == nil {
			return nil, NotFound("dataset", id)
		}
		if len(domains) > 0 && !slices.Contains(domains, d.Domain) {
			return nil, refused("dataset %s is in domain %s, outside the call's domains", id, d.Domain)
		}
	}
	return call, nil
}

// OpenAt reports whether applications may be filed under the call at t.
func (call *Call) OpenAt(t time.Time) bool {
	return call.Status == CallPublished && !t.Before(call.Opens) && t.Before(call.Closes)
}

// covers reports whether a dataset may be requested under the call.
func (call *Call) covers(d *Dataset) bool {
	if len(call.Datasets) > 0 {
		return slices.Contains(call.Datasets, d.ID)
	}
	return len(call.Domains) == 0 || slices.Contains(call.Domains, d.Domain)
}

// Cancel withdraws a call; applications already filed stay as they are.
func (call *Call) Cancel(c Actor, reason string, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return forbidden("only the authority cancels calls")
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if call.Status == CallCancelled {
		return conflict("call %s is already cancelled", call.ID)
	}
	if !st.Time.Before(call.Closes) {
		return conflict("call %s closed on %s", call.ID, stamp(call.Closes))
	}
	call.Status, call.StatusReason, call.Updated = CallCancelled, reason, st
	return nil
}
