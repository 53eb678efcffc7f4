package ledger

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Data requests (公共数据需求申请): "授权运营主体应当在授权运营平台提出公共
// 数据需求申请，经公共数据主管部门会同数据提供单位……审核同意后获取". Once a
// grant is in force its holder asks for more through a request: added
// datasets, fields, purposes, operations or quota (amend-grant), which every
// provider concerned consents to and the authority approves, giving the
// grant its next version; or a developer asks the holder of a grant in
// force for a sub-grant of it (sub-grant), which the holder proposes
// (ProposeSubGrant naming the request) or declines.

// DataRequestKind is what a data request asks for.
type DataRequestKind string

// Kinds of data request.
const (
	RequestAmendGrant DataRequestKind = "amend-grant" // 授权变更: more datasets, fields, purposes, operations or quota
	RequestSubGrant   DataRequestKind = "sub-grant"   // 分级授权申请: a developer asks for a sub-grant
)

// DataRequestStatus is the state of a data request.
type DataRequestStatus string

// Data request states. An amendment: submitted → consented (every
// provider concerned consented) → approved | refused; a provider's refusal
// or the authority's refuses it at once; the requester may withdraw it
// until it is decided. A sub-grant request: submitted → proposed (its
// holder proposed the sub-grant) | declined | withdrawn.
const (
	RequestSubmitted DataRequestStatus = "submitted" // 已提交
	RequestConsented DataRequestStatus = "consented" // 数据提供单位已同意
	RequestApproved  DataRequestStatus = "approved"  // 主管部门已批准
	RequestRefused   DataRequestStatus = "refused"   // 不予同意
	RequestWithdrawn DataRequestStatus = "withdrawn" // 已撤回
	RequestProposed  DataRequestStatus = "proposed"  // 已提出分级授权
	RequestDeclined  DataRequestStatus = "declined"  // 运营主体拒绝
)

// GrantAddition is what an amendment adds to a grant: datasets or fields
// of datasets in scope, purposes, operations, and records and calls of
// quota. Each part is optional; together they add something.
type GrantAddition struct {
	Datasets   []DatasetScope `json:"datasets,omitempty" metadata:",optional"`
	Purposes   []string       `json:"purposes,omitempty" metadata:",optional"`
	Operations []Operation    `json:"operations,omitempty" metadata:",optional"`
	// Quota is added to the grant's: records and calls more (either may be 0).
	Quota Quota `json:"quota,omitzero" metadata:",optional"`
}

// SubGrantAsk is what a developer asks of a grant's holder: a sub-grant
// of that scope, quota and term.
type SubGrantAsk struct {
	Scope Scope `json:"scope"`
	Quota Quota `json:"quota"`
	Term  Term  `json:"term"`
}

// DataRequestSubmission submits a data request. Add is an amendment's,
// SubGrant a sub-grant request's; the other is absent.
type DataRequestSubmission struct {
	ID       string          `json:"id"`
	Kind     DataRequestKind `json:"kind"`
	GrantID  string          `json:"grantId"`
	Add      *GrantAddition  `json:"add,omitempty" metadata:",optional"`
	SubGrant *SubGrantAsk    `json:"subGrant,omitempty" metadata:",optional"`
	// Reason says why the data is needed (需求说明); ReasonDigest, when
	// given, is the digest of a supporting document kept off-chain.
	Reason       string `json:"reason"`
	ReasonDigest string `json:"reasonDigest,omitempty" metadata:",optional"`
}

// DataRequestChange is one entry of a data request's log.
type DataRequestChange struct {
	Status DataRequestStatus `json:"status"`
	Reason string            `json:"reason,omitempty" metadata:",optional"`
	Stamp  Stamp             `json:"stamp"`
}

// DataRequest is a data request (公共数据需求申请) on a grant.
type DataRequest struct {
	ID      string          `json:"id"`
	Kind    DataRequestKind `json:"kind"`
	GrantID string          `json:"grantId"`
	// Requester is the organisation that submitted it, from its identity:
	// the grant's holder for an amendment, a developer for a sub-grant.
	Requester string `json:"requester"`
	// Holder is the grant's holder: who proposes or declines a sub-grant.
	Holder       string         `json:"holder"`
	Add          *GrantAddition `json:"add,omitempty" metadata:",optional"`
	SubGrant     *SubGrantAsk   `json:"subGrant,omitempty" metadata:",optional"`
	Reason       string         `json:"reason"`
	ReasonDigest string         `json:"reasonDigest,omitempty" metadata:",optional"`
	// Parties read the request besides its requester and holder: the
	// grant's providers and the owners of the datasets it names.
	Parties []string `json:"parties"`
	// Consents are the decisions of the providers an amendment needs (see
	// Grant.amend), one each.
	Consents []Approval        `json:"consents,omitempty" metadata:",optional"`
	Status   DataRequestStatus `json:"status"`
	// StatusReason is the reason of a refusal, withdrawal or decline.
	StatusReason string `json:"statusReason,omitempty" metadata:",optional"`
	// GrantVersion is the version of the grant an approved amendment made;
	// SubGrantID the sub-grant proposed in answer to a sub-grant request.
	GrantVersion int                 `json:"grantVersion,omitempty" metadata:",optional"`
	SubGrantID   string              `json:"subGrantId,omitempty" metadata:",optional"`
	History      []DataRequestChange `json:"history"`
	Created      Stamp               `json:"created"`
	Updated      Stamp               `json:"updated"`
}

// GrantAmendment is one approved amendment of a grant: the version it
// made, the request it answers, what it added, the providers' consents
// and the authority's approval.
type GrantAmendment struct {
	Version   int           `json:"version"`
	RequestID string        `json:"requestId"`
	Requested Stamp         `json:"requested"`
	Added     GrantAddition `json:"added"`
	Consents  []Approval    `json:"consents"`
	Approved  Stamp         `json:"approved"`
}

// DataRequestInputs are the objects a data request is checked against.
type DataRequestInputs struct {
	Existing *DataRequest
	// Grant is the grant it is on, as recorded (consent and control merged).
	Grant *Grant
	// Agreements are the grant's agreements (a sub-grant request needs the
	// grant usable).
	Agreements []Agreement
	// Datasets holds the catalogue entries of the datasets an amendment
	// names that exist.
	Datasets map[string]*Dataset
	// Call is the call the grant's application was filed under (nil: none),
	// and Others the grants its mode compares the amended grant with, as
	// for IssueGrant (GrantInputs.Others).
	Call   *Call
	Others []*Grant
}

// normalize validates the syntax of an addition and returns it sorted.
func (a GrantAddition) normalize(field string) (GrantAddition, error) {
	out := GrantAddition{Quota: a.Quota}
	if len(a.Datasets) > MaxListLen {
		return out, invalid(field+".datasets", "lists %d datasets, at most %d allowed", len(a.Datasets), MaxListLen)
	}
	seen := map[string]bool{}
	for i, d := range a.Datasets {
		f := fmt.Sprintf("%s.datasets[%d]", field, i)
		if err := CheckID(f+".id", d.ID); err != nil {
			return out, err
		}
		if seen[d.ID] {
			return out, invalid(f+".id", "dataset %s appears twice", d.ID)
		}
		seen[d.ID] = true
		fields, err := checkIDs(f+".fields", d.Fields, true)
		if err != nil {
			return out, err
		}
		out.Datasets = append(out.Datasets, DatasetScope{ID: d.ID, Fields: fields})
	}
	slices.SortFunc(out.Datasets, func(a, b DatasetScope) int { return strings.Compare(a.ID, b.ID) })
	var err error
	if out.Purposes, err = checkIDs(field+".purposes", a.Purposes, false); err != nil {
		return out, err
	}
	for i, op := range a.Operations {
		if !slices.Contains(Operations, op) {
			return out, invalid(fmt.Sprintf("%s.operations[%d]", field, i), "%q is not one of query, statistics, model-training, joint-modelling, verification", op)
		}
	}
	out.Operations = sortedSet(a.Operations)
	if len(out.Datasets) == 0 && len(out.Purposes) == 0 && len(out.Operations) == 0 && out.Quota == (Quota{}) {
		return out, invalid(field, "adds nothing: name datasets or fields, purposes, operations or quota to add")
	}
	return out, nil
}

// DatasetIDs returns the IDs of the datasets an addition names, sorted.
func (a GrantAddition) DatasetIDs() []string {
	return Scope{Datasets: a.Datasets}.DatasetIDs()
}

// amend returns the grant as the addition would leave it (its scope,
// quota, providers and domains; not yet its version), and the providers
// whose consent the addition needs: the owner of every dataset added or
// given fields, and, when it adds purposes, operations or quota (which
// widen the use of every dataset in scope), every provider of the grant.
// Each part must add something the grant does not have; a dataset added
// must be listed, have the fields named and not be province-returned
// (省回流数据, whose approval by the province is recorded on an
// application: such data is applied for).
func (g *Grant) amend(add GrantAddition, datasets map[string]*Dataset) (*Grant, []string, error) {
	out := *g
	out.Approvals, out.Amendments = slices.Clone(g.Approvals), slices.Clone(g.Amendments)
	out.Scope.Datasets = make([]DatasetScope, len(g.Scope.Datasets))
	for i, d := range g.Scope.Datasets {
		d.Fields = slices.Clone(d.Fields)
		out.Scope.Datasets[i] = d
	}
	var consenters, domains []string
	for i, d := range add.Datasets {
		f := fmt.Sprintf("add.datasets[%d]", i)
		ds := datasets[d.ID]
		if ds == nil {
			return nil, nil, NotFound("dataset", d.ID)
		}
		if ds.Status != DatasetListed {
			return nil, nil, refused("dataset %s is %s from the catalogue", d.ID, ds.Status)
		}
		for _, name := range d.Fields {
			if !ds.HasField(name) {
				return nil, nil, invalid(f+".fields", "dataset %s has no field %q", d.ID, name)
			}
		}
		j := slices.IndexFunc(out.Scope.Datasets, func(x DatasetScope) bool { return x.ID == d.ID })
		if j < 0 {
			if ds.ProvinceReturned {
				return nil, nil, refused("dataset %s is province-returned data (省回流数据): the province's approval is recorded on an application; apply for it", d.ID)
			}
			out.Scope.Datasets = append(out.Scope.Datasets, DatasetScope{ID: d.ID, Owner: ds.Owner, Fields: d.Fields})
			domains = append(domains, ds.Domain)
		} else {
			have := out.Scope.Datasets[j].Fields
			if _, all := subset(d.Fields, have); all {
				return nil, nil, invalid(f+".fields", "grant %s already covers these fields of dataset %s", g.ID, d.ID)
			}
			out.Scope.Datasets[j].Fields = sortedSet(append(have, d.Fields...))
		}
		consenters = append(consenters, ds.Owner)
	}
	slices.SortFunc(out.Scope.Datasets, func(a, b DatasetScope) int { return strings.Compare(a.ID, b.ID) })
	for _, p := range add.Purposes {
		if slices.Contains(g.Scope.Purposes, p) {
			return nil, nil, invalid("add.purposes", "purpose %s is already in the scope of grant %s", p, g.ID)
		}
	}
	for _, op := range add.Operations {
		if slices.Contains(g.Scope.Operations, op) {
			return nil, nil, invalid("add.operations", "operation %s is already in the scope of grant %s", op, g.ID)
		}
	}
	out.Scope.Purposes = sortedSet(append(slices.Clone(g.Scope.Purposes), add.Purposes...))
	out.Scope.Operations = sortedSet(append(slices.Clone(g.Scope.Operations), add.Operations...))
	if add.Quota.Records > math.MaxUint64-g.Quota.Records || add.Quota.Calls > math.MaxUint64-g.Quota.Calls {
		return nil, nil, invalid("add.quota", "the grant's quota would overflow")
	}
	out.Quota = Quota{Records: g.Quota.Records + add.Quota.Records, Calls: g.Quota.Calls + add.Quota.Calls}
	if len(add.Purposes) > 0 || len(add.Operations) > 0 || add.Quota != (Quota{}) {
		consenters = append(consenters, g.Providers...)
	}
	out.Providers = out.Scope.Owners()
	out.Domains = sortedSet(append(slices.Clone(g.Domains), domains...))
	return &out, sortedSet(consenters), nil
}

// version is the grant's version: 1 as issued (a grant recorded before
// versions were counted has none).
func (g *Grant) version() int { return max(g.Version, 1) }

func (r DataRequestSubmission) checkKind() error {
	switch r.Kind {
	case RequestAmendGrant:
		if r.Add == nil || r.SubGrant != nil {
			return invalid("add", "an amend-grant request names what it adds (add), and no subGrant")
		}
	case RequestSubGrant:
		if r.SubGrant == nil || r.Add != nil {
			return invalid("subGrant", "a sub-grant request names the sub-grant it asks for (subGrant), and no add")
		}
	default:
		return invalid("kind", "%q is not one of amend-grant, sub-grant", r.Kind)
	}
	return nil
}

// SubmitDataRequest records a data request. An amendment is asked by the
// holder of an active first-level grant, for additions that exist in the
// catalogue and that the grant's authorization mode allows (checkMode, as
// when it was issued); it waits for the consent of every provider
// concerned. A sub-grant is asked by an admitted developer, of a
// first-level grant in force (its summary is public), strictly inside
// the grant's scope and term; it waits for the grant's holder.
func SubmitDataRequest(c Actor, req DataRequestSubmission, in DataRequestInputs, st Stamp) (*DataRequest, error) {
	if err := CheckID("id", req.ID); err != nil {
		return nil, err
	}
	if err := req.checkKind(); err != nil {
		return nil, err
	}
	if err := CheckID("grantId", req.GrantID); err != nil {
		return nil, err
	}
	if err := checkText("reason", req.Reason, MaxTextLen, true); err != nil {
		return nil, err
	}
	if req.ReasonDigest != "" {
		if err := checkDigest("reasonDigest", req.ReasonDigest); err != nil {
			return nil, err
		}
	}
	r := &DataRequest{
		ID: req.ID, Kind: req.Kind, GrantID: req.GrantID, Requester: c.MSP, Reason: req.Reason, ReasonDigest: req.ReasonDigest,
		Status: RequestSubmitted, History: []DataRequestChange{{Status: RequestSubmitted, Stamp: st}}, Created: st, Updated: st,
	}
	var err error
	if req.Kind == RequestAmendGrant {
		err = r.submitAmendment(c, *req.Add, in, st)
	} else {
		err = r.submitSubGrant(c, *req.SubGrant, in, st)
	}
	if err != nil {
		return nil, err
	}
	if in.Existing != nil {
		return nil, conflict("data request %s already exists", req.ID)
	}
	return r, nil
}

func (r *DataRequest) submitAmendment(c Actor, add GrantAddition, in DataRequestInputs, st Stamp) error {
	add, err := add.normalize("add")
	if err != nil {
		return err
	}
	g := in.Grant
	if g == nil {
		return NotFound("grant", r.GrantID)
	}
	if !c.ActsFor(g.Holder) {
		return unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("grant %s is not held by %s; only its holder requests more for it", g.ID, c.who()))
	}
	if err := c.admitted("request data"); err != nil {
		return err
	}
	if g.ParentID != "" {
		return refused("grant %s is a sub-grant: its holder asks the holder of grant %s for a new one", g.ID, g.ParentID)
	}
	if s := g.EffectiveStatus(st.Time); s != GrantActive {
		return refused("grant %s is %s: only an active grant is amended", g.ID, s)
	}
	amended, consenters, err := g.amend(add, in.Datasets)
	if err != nil {
		return err
	}
	if err := amended.checkMode(in.Call, in.Datasets, in.Others, st.Time); err != nil {
		return err
	}
	r.Holder, r.Add = g.Holder, &add
	r.Parties = sortedSet(append(slices.Clone(g.Providers), amended.Providers...))
	for _, p := range consenters {
		r.Consents = append(r.Consents, Approval{Provider: p, Decision: DecisionPending})
	}
	return nil
}

func (r *DataRequest) submitSubGrant(c Actor, ask SubGrantAsk, in DataRequestInputs, st Stamp) error {
	if !c.Is(RoleDeveloper) || c.Individual {
		return forbidden("sub-grants are requested by developers (开发利用主体), not %s", c.who())
	}
	if err := c.admitted("request sub-grants"); err != nil {
		return err
	}
	scope, err := ask.Scope.normalize("subGrant.scope")
	if err != nil {
		return err
	}
	if err := ask.Quota.validate("subGrant.quota"); err != nil {
		return err
	}
	term := ask.Term.normalize()
	if err := term.Validate("subGrant.term"); err != nil {
		return err
	}
	g := in.Grant
	if g == nil {
		return NotFound("grant", r.GrantID)
	}
	// A grant in force is public (DisclosedGrants); another is answered
	// as missing to whoever may not read it.
	if !g.VisibleTo(c) && (g.ParentID != "" || g.EffectiveStatus(st.Time) != GrantActive) {
		return NotFound("grant", g.ID)
	}
	if g.ParentID != "" {
		return refused("grant %s is itself a sub-grant; authorization has two levels only", g.ID)
	}
	if err := UsableAt(g, in.Agreements, nil, nil, st.Time); err != nil {
		return err
	}
	if err := g.Scope.Covers(scope, "grant "+g.ID); err != nil {
		return err
	}
	if !term.Within(g.Term) {
		return refused("out of window: the sub-grant term must lie within grant %s (%s to %s)", g.ID, stamp(g.Term.ValidFrom), stamp(g.Term.ValidTo))
	}
	for i := range scope.Datasets {
		d, _ := g.Scope.dataset(scope.Datasets[i].ID)
		scope.Datasets[i].Owner = d.Owner
	}
	r.Holder = g.Holder
	r.SubGrant = &SubGrantAsk{Scope: scope, Quota: ask.Quota, Term: term}
	r.Parties = scope.Owners()
	return nil
}

func (r *DataRequest) setStatus(s DataRequestStatus, reason string, st Stamp) {
	r.Status, r.StatusReason, r.Updated = s, reason, st
	r.History = append(r.History, DataRequestChange{Status: s, Reason: reason, Stamp: st})
}

// pendingConsents returns the providers that have not consented yet.
func (r *DataRequest) pendingConsents() []string {
	var ps []string
	for _, a := range r.Consents {
		if a.Decision != DecisionApproved {
			ps = append(ps, a.Provider)
		}
	}
	return ps
}

// consenter returns the index of c's consent, -1 when it is not asked.
func (r *DataRequest) consenter(c Actor) int {
	if !c.Is(RoleProvider) {
		return -1
	}
	return slices.IndexFunc(r.Consents, func(a Approval) bool { return c.ActsFor(a.Provider) })
}

// Consent records the calling provider's consent to an amendment; the
// last consent makes it consented, ready for the authority. Only the
// providers whose consent it needs consent; a provider that owns none of
// what it adds is refused.
func (r *DataRequest) Consent(c Actor, st Stamp) error {
	i := r.consenter(c)
	if i < 0 {
		if r.Kind != RequestAmendGrant {
			return unlessVisible(r.VisibleTo(c), "data request", r.ID, forbidden("data request %s asks for a sub-grant: the grant's holder answers it, not the providers", r.ID))
		}
		return unlessVisible(r.VisibleTo(c), "data request", r.ID, forbidden("%s owns none of the datasets data request %s adds and is not asked to consent (asked: %s)",
			c.who(), r.ID, strings.Join(r.providers(), ", ")))
	}
	if r.Status != RequestSubmitted {
		return conflict("data request %s is %s: consents are given while it is submitted", r.ID, r.Status)
	}
	if r.Consents[i].Decision != DecisionPending {
		return conflict("%s already consented to data request %s", c.MSP, r.ID)
	}
	r.Consents[i] = Approval{Provider: r.Consents[i].Provider, Decision: DecisionApproved, Decided: st}
	r.Updated = st
	if len(r.pendingConsents()) == 0 {
		r.setStatus(RequestConsented, "", st)
	}
	return nil
}

// providers returns the providers whose consent an amendment needs.
func (r *DataRequest) providers() []string {
	ps := make([]string, len(r.Consents))
	for i, a := range r.Consents {
		ps[i] = a.Provider
	}
	return ps
}

// Refuse refuses an amendment, with a reason: the authority while it is
// undecided, or a provider whose consent it needs while that consent is
// pending (its refusal is recorded as its decision). The grant is left as
// it is.
func (r *DataRequest) Refuse(c Actor, reason string, st Stamp) error {
	i := r.consenter(c)
	if !(c.Is(RoleAuthority) && !c.Individual) && i < 0 {
		return unlessVisible(r.VisibleTo(c), "data request", r.ID, forbidden("data request %s is refused by the authority or a provider whose consent it needs, not %s", r.ID, c.who()))
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if r.Kind != RequestAmendGrant {
		return refused("data request %s asks for a sub-grant: the grant's holder declines it", r.ID)
	}
	switch {
	case r.Status != RequestSubmitted && r.Status != RequestConsented:
		return conflict("data request %s is already %s", r.ID, r.Status)
	case !c.Is(RoleAuthority) && r.Consents[i].Decision != DecisionPending:
		return conflict("%s already consented to data request %s", c.MSP, r.ID)
	}
	if !c.Is(RoleAuthority) {
		r.Consents[i] = Approval{Provider: r.Consents[i].Provider, Decision: DecisionRejected, Reason: reason, Decided: st}
		reason = c.MSP + ": " + reason
	}
	r.setStatus(RequestRefused, reason, st)
	return nil
}

// Withdraw withdraws a request its requester no longer needs, while it is
// undecided. The grant is left as it is.
func (r *DataRequest) Withdraw(c Actor, reason string, st Stamp) error {
	if !c.ActsFor(r.Requester) {
		return unlessVisible(r.VisibleTo(c), "data request", r.ID, forbidden("only %s, which submitted data request %s, withdraws it", r.Requester, r.ID))
	}
	if err := checkText("reason", reason, MaxTextLen, false); err != nil {
		return err
	}
	if r.Status != RequestSubmitted && r.Status != RequestConsented {
		return conflict("data request %s is already %s", r.ID, r.Status)
	}
	r.setStatus(RequestWithdrawn, reason, st)
	return nil
}

// Approve lets the authority approve a consented amendment and returns
// the grant's next version, to be written in the same transaction. Every
// rule of the submission is checked again on the ledger as it is now (the
// grant still active and held by the requester, the additions in the
// catalogue and within the grant's mode), and every provider the
// amendment needs now must have consented.
func (r *DataRequest) Approve(c Actor, in DataRequestInputs, st Stamp) (*Grant, error) {
	if !c.Is(RoleAuthority) || c.Individual {
		return nil, unlessVisible(r.VisibleTo(c), "data request", r.ID, forbidden("only the authority approves data requests, not %s", c.who()))
	}
	if r.Kind != RequestAmendGrant {
		return nil, refused("data request %s asks for a sub-grant: the grant's holder proposes it, and the authority activates the sub-grant", r.ID)
	}
	switch r.Status {
	case RequestConsented:
	case RequestSubmitted:
		return nil, refused("data request %s waits for the consent of %s", r.ID, strings.Join(r.pendingConsents(), ", "))
	default:
		return nil, conflict("data request %s is %s and cannot be approved", r.ID, r.Status)
	}
	g := in.Grant
	if g == nil {
		return nil, NotFound("grant", r.GrantID)
	}
	if g.Holder != r.Requester {
		return nil, refused("grant %s is now held by %s, not %s", g.ID, g.Holder, r.Requester)
	}
	if s := g.EffectiveStatus(st.Time); s != GrantActive {
		return nil, refused("grant %s is %s: only an active grant is amended", g.ID, s)
	}
	amended, consenters, err := g.amend(*r.Add, in.Datasets)
	if err != nil {
		return nil, err
	}
	for _, p := range consenters {
		if !slices.Contains(r.providers(), p) {
			return nil, refused("grant %s changed since data request %s was submitted: %s's consent was not asked; submit a new request", g.ID, r.ID, p)
		}
	}
	if err := amended.checkMode(in.Call, in.Datasets, in.Others, st.Time); err != nil {
		return nil, err
	}
	for _, p := range amended.Providers {
		if !slices.ContainsFunc(amended.Approvals, func(a Approval) bool { return a.Provider == p }) {
			i := slices.IndexFunc(r.Consents, func(a Approval) bool { return a.Provider == p })
			amended.Approvals = append(amended.Approvals, Approval{Provider: p, Decision: DecisionApproved,
				Reason: "consented to data request " + r.ID, Decided: r.Consents[i].Decided})
		}
	}
	amended.Version = g.version() + 1
	amended.Amendments = append(amended.Amendments, GrantAmendment{
		Version: amended.Version, RequestID: r.ID, Requested: r.Created, Added: *r.Add,
		Consents: slices.Clone(r.Consents), Approved: st,
	})
	amended.Updated = st
	r.GrantVersion = amended.Version
	r.setStatus(RequestApproved, "", st)
	return amended, nil
}

// Decline lets the grant's holder decline a developer's sub-grant
// request, with a reason.
func (r *DataRequest) Decline(c Actor, reason string, st Stamp) error {
	if !c.ActsFor(r.Holder) || r.Kind != RequestSubGrant {
		return unlessVisible(r.VisibleTo(c), "data request", r.ID, forbidden("only the holder of grant %s declines sub-grant requests on it, not %s", r.GrantID, c.who()))
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if r.Status != RequestSubmitted {
		return conflict("data request %s is already %s", r.ID, r.Status)
	}
	r.setStatus(RequestDeclined, reason, st)
	return nil
}

// Propose records that the grant's holder proposed sub-grant g in answer
// to this sub-grant request (ProposeSubGrant naming it, in the same
// transaction): to the developer that asked, of the grant it asked for,
// within the scope and quota it asked for (the holder may give less).
func (r *DataRequest) Propose(c Actor, g *Grant, st Stamp) error {
	if !c.ActsFor(r.Holder) {
		return unlessVisible(r.VisibleTo(c), "data request", r.ID, forbidden("only the holder of grant %s answers sub-grant requests on it, not %s", r.GrantID, c.who()))
	}
	if r.Kind != RequestSubGrant {
		return refused("data request %s is an amendment of grant %s, not a sub-grant request", r.ID, r.GrantID)
	}
	if r.Status != RequestSubmitted {
		return conflict("data request %s is already %s", r.ID, r.Status)
	}
	if g.ParentID != r.GrantID || g.Holder != r.Requester {
		return refused("data request %s asks for a sub-grant of %s to %s, not of %s to %s", r.ID, r.GrantID, r.Requester, g.ParentID, g.Holder)
	}
	if err := r.SubGrant.Scope.Covers(g.Scope, "data request "+r.ID); err != nil {
		return err
	}
	if g.Quota.Records > r.SubGrant.Quota.Records || g.Quota.Calls > r.SubGrant.Quota.Calls {
		return refused("over quota: data request %s asks for %d records and %d calls", r.ID, r.SubGrant.Quota.Records, r.SubGrant.Quota.Calls)
	}
	r.SubGrantID = g.ID
	r.setStatus(RequestProposed, "sub-grant "+g.ID, st)
	return nil
}

// VisibleTo reports whether c may read the request: the authority, the
// regulator, its requester, the grant's holder and its parties (the
// grant's providers and the owners of the datasets it names).
func (r *DataRequest) VisibleTo(c Actor) bool {
	return c.readsAll() || c.ActsFor(r.Requester) || c.ActsFor(r.Holder) || slices.ContainsFunc(r.Parties, c.ActsFor)
}

// Audience of a data request: its requester, the grant's holder, its parties.
func (r *DataRequest) Audience() Audience {
	return orgs(append([]string{r.Requester, r.Holder}, r.Parties...)...)
}

// DataRequestPage is a page of data requests.
type DataRequestPage struct {
	Items    []DataRequest `json:"items"`
	Bookmark string        `json:"bookmark"`
}
