package ledger

import (
	"fmt"
	"regexp"
	"slices"
	"time"
)

// ProductType is the kind of a data product or service (数据产品和服务).
type ProductType string

// Product types.
const (
	ProductDataset ProductType = "dataset" // 数据集
	ProductAPI     ProductType = "api"     // 数据接口
	ProductReport  ProductType = "report"  // 数据报告
	ProductModel   ProductType = "model"   // 模型
)

// ProductStatus is the state of a product.
type ProductStatus string

// Product states: draft → in-review → approved → listing-requested →
// listed → delisted → listing-requested …; a rejected review returns the
// product to draft, a listing the data exchange rejects returns it to
// approved (or delisted, when it was listed before).
const (
	ProductDraft            ProductStatus = "draft"             // 草稿
	ProductInReview         ProductStatus = "in-review"         // 合规安全审核中
	ProductApproved         ProductStatus = "approved"          // 审核通过
	ProductListingRequested ProductStatus = "listing-requested" // 已申请交易所登记（待交易所确认）
	ProductListed           ProductStatus = "listed"            // 已在数据交易所登记上架
	ProductDelisted         ProductStatus = "delisted"          // 已下架
)

// Mark records that a grant in a product's lineage was suspended or revoked.
// An uncleared mark blocks listing; a suspension mark is cleared when the
// grant resumes, a revocation mark never is.
type Mark struct {
	// GrantID is the grant that was suspended or revoked.
	GrantID string `json:"grantId"`
	// Via is the sub-grant of GrantID the product was built from, if any.
	Via     string      `json:"via,omitempty" metadata:",optional"`
	Change  GrantStatus `json:"change"`
	Reason  string      `json:"reason"`
	Marked  Stamp       `json:"marked"`
	Cleared Stamp       `json:"cleared,omitzero" metadata:",optional"`
}

// Product is a data product or service built by an operator or developer,
// with its lineage: the grants and receipts it was built from.
type Product struct {
	ID                string        `json:"id"`
	Owner             string        `json:"owner"`
	Type              ProductType   `json:"type"`
	Name              string        `json:"name"`
	DescriptionDigest string        `json:"descriptionDigest"`
	Grants            []string      `json:"grants"`
	Receipts          []string      `json:"receipts"`
	Status            ProductStatus `json:"status"`
	StatusReason      string        `json:"statusReason,omitempty" metadata:",optional"`
	// RegistrationNo is the data exchange's registration number (数据交易所登记编号):
	// only the exchange issues it, when it confirms the listing.
	RegistrationNo string    `json:"registrationNo,omitempty" metadata:",optional"`
	Submitted      time.Time `json:"submitted,omitzero" metadata:",optional"`
	// ListingRequested is when the owner last asked the exchange to list the
	// product; from then on the exchange reads it.
	ListingRequested time.Time `json:"listingRequested,omitzero" metadata:",optional"`
	// Exchange is the data exchange (its MSP ID) that last confirmed or
	// rejected the listing.
	Exchange string    `json:"exchange,omitempty" metadata:",optional"`
	Listed   time.Time `json:"listed,omitzero" metadata:",optional"`
	Marks    []Mark    `json:"marks,omitempty" metadata:",optional"`
	Created  Stamp     `json:"created"`
	Updated  Stamp     `json:"updated"`
}

// ProductRequest registers or updates a product.
type ProductRequest struct {
	ID                string      `json:"id"`
	Type              ProductType `json:"type"`
	Name              string      `json:"name"`
	DescriptionDigest string      `json:"descriptionDigest"`
	Grants            []string    `json:"grants"`
	Receipts          []string    `json:"receipts"`
}

// ProductInputs are the objects a product's lineage is checked against.
type ProductInputs struct {
	Existing *Product
	// Grants and Receipts hold the lineage objects that exist.
	Grants   map[string]*Grant
	Receipts map[string]*Receipt
}

// RegisterProduct registers a product as a draft. Its lineage must be the
// caller's own: grants it holds that have been in force and are not
// suspended or revoked, and receipts accepted under those grants.
func RegisterProduct(c Actor, req ProductRequest, in ProductInputs, st Stamp) (*Product, error) {
	if !c.Is(RoleOperator, RoleDeveloper) {
		return nil, forbidden("only operators and developers register products; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := c.admitted("register products"); err != nil {
		return nil, err
	}
	p := &Product{ID: req.ID, Owner: c.MSP, Status: ProductDraft, Created: st}
	if err := p.apply(req, in, st); err != nil {
		return nil, err
	}
	if in.Existing != nil {
		return nil, conflict("product %s already exists", req.ID)
	}
	return p, nil
}

// Update replaces a draft product's description and lineage.
func (p *Product) Update(c Actor, req ProductRequest, in ProductInputs, st Stamp) error {
	if !c.ActsFor(p.Owner) {
		return unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("product %s does not belong to %s", p.ID, c.who()))
	}
	if req.ID != p.ID {
		return invalid("id", "%q does not match product %s", req.ID, p.ID)
	}
	if err := c.admitted("update products"); err != nil {
		return err
	}
	if p.Status != ProductDraft {
		return conflict("product %s is %s; only a draft can be changed", p.ID, p.Status)
	}
	next := *p
	if err := next.apply(req, in, st); err != nil {
		return err
	}
	*p = next
	return nil
}

func (p *Product) apply(req ProductRequest, in ProductInputs, st Stamp) error {
	if err := CheckID("id", req.ID); err != nil {
		return err
	}
	switch req.Type {
	case ProductDataset, ProductAPI, ProductReport, ProductModel:
	default:
		return invalid("type", "%q is not one of dataset, api, report, model", req.Type)
	}
	if err := checkText("name", req.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := checkDigest("descriptionDigest", req.DescriptionDigest); err != nil {
		return err
	}
	grants, err := checkIDs("grants", req.Grants, true)
	if err != nil {
		return err
	}
	receipts, err := checkIDs("receipts", req.Receipts, true)
	if err != nil {
		return err
	}
	for _, id := range grants {
		g := in.Grants[id]
		if g == nil {
			return NotFound("grant", id)
		}
		if g.Holder != p.Owner {
			// The owner (the caller) may read a grant it holds the parent of or
			// provides data to; any other grant answers as missing.
			return unlessVisible(g.ParentHolder == p.Owner || slices.Contains(g.Providers, p.Owner), "grant", id, forbidden("grant %s is not held by the product's owner; a product's lineage must be its owner's own", id))
		}
		switch s := g.EffectiveStatus(st.Time); {
		case s == GrantActive:
		case s == GrantExpired && slices.ContainsFunc(g.History, func(h StatusChange) bool { return h.Status == GrantActive }):
		default:
			return refused("grant %s is %s; a product can only be built from a grant that was in force", id, s)
		}
	}
	for _, id := range receipts {
		r := in.Receipts[id]
		if r == nil {
			return NotFound("receipt", id)
		}
		if !slices.Contains(grants, r.GrantID) {
			return refused("receipt %s was recorded under grant %s, which is not in the product's lineage", id, r.GrantID)
		}
	}
	p.Type, p.Name, p.DescriptionDigest = req.Type, req.Name, req.DescriptionDigest
	p.Grants, p.Receipts, p.Updated = grants, receipts, st
	return nil
}

// Submit sends a draft product to review (合规安全审核).
func (p *Product) Submit(c Actor, st Stamp) error {
	if !c.ActsFor(p.Owner) {
		return unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("product %s does not belong to %s", p.ID, c.who()))
	}
	if err := c.admitted("submit products"); err != nil {
		return err
	}
	if p.Status != ProductDraft {
		return conflict("product %s is %s, not a draft", p.ID, p.Status)
	}
	if err := p.checkUnmarked(); err != nil {
		return err
	}
	p.Status, p.StatusReason, p.Submitted, p.Updated = ProductInReview, "", st.Time, st
	return nil
}

// Decide records the authority's review decision. Approval needs at least
// one expert opinion and one platform opinion recorded since the product was
// submitted (会同专家咨询委员会和平台运营主体); rejection returns the product to
// draft with the reason.
func (p *Product) Decide(c Actor, approve bool, reason string, opinions []Opinion, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("only the authority decides product reviews"))
	}
	if err := checkText("reason", reason, MaxTextLen, !approve); err != nil {
		return err
	}
	if p.Status != ProductInReview {
		return conflict("product %s is %s, not in review", p.ID, p.Status)
	}
	if !approve {
		p.Status, p.StatusReason, p.Updated = ProductDraft, reason, st
		return nil
	}
	for _, role := range []Role{RoleExpert, RolePlatform} {
		if !slices.ContainsFunc(opinions, func(o Opinion) bool {
			return o.SubjectType == SubjectProduct && o.SubjectID == p.ID && o.AuthorRole == role && !o.Created.Time.Before(p.Submitted)
		}) {
			return refused("product %s has no %s opinion since it was submitted; approval needs expert and platform opinions", p.ID, role)
		}
	}
	if err := p.checkUnmarked(); err != nil {
		return err
	}
	p.Status, p.StatusReason, p.Updated = ProductApproved, reason, st
	return nil
}

// RequestListing asks the data exchange to list an approved (or delisted)
// product (申请在数据交易所登记). The owner cannot list it itself: the
// exchange confirms the listing and issues the registration number
// (ConfirmListing). A marked product cannot ask.
func (p *Product) RequestListing(c Actor, st Stamp) error {
	if !c.ActsFor(p.Owner) {
		return unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("product %s does not belong to %s", p.ID, c.who()))
	}
	if err := c.admitted("list products"); err != nil {
		return err
	}
	if p.Status != ProductApproved && p.Status != ProductDelisted {
		return conflict("product %s is %s; only an approved or delisted product can be offered to the exchange", p.ID, p.Status)
	}
	if err := p.checkUnmarked(); err != nil {
		return err
	}
	p.Status, p.StatusReason, p.ListingRequested, p.Updated = ProductListingRequested, "", st.Time, st
	return nil
}

// ConfirmListing records the data exchange's listing of a product and the
// registration number it issued (数据交易所登记编号). holder is the product
// the number was already issued to ("" when none): a number names one
// product. The exchange may confirm a relisted product under its former
// number.
func (p *Product) ConfirmListing(c Actor, registrationNo, holder string, st Stamp) error {
	if !c.Is(RoleExchange) {
		return unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("only a data exchange confirms listings and issues registration numbers; %s is %s", c.who(), roleName(c.Role)))
	}
	if !p.VisibleTo(c) {
		return NotFound("product", p.ID)
	}
	if err := checkRegistrationNo(registrationNo); err != nil {
		return err
	}
	if p.Status != ProductListingRequested {
		return conflict("product %s is %s; the exchange confirms only a product whose owner asked for listing", p.ID, p.Status)
	}
	if holder != "" && holder != p.ID {
		return conflict("registration number %s was issued to product %s", registrationNo, holder)
	}
	if err := p.checkUnmarked(); err != nil {
		return err
	}
	p.Status, p.StatusReason, p.RegistrationNo, p.Exchange, p.Listed, p.Updated = ProductListed, "", registrationNo, c.MSP, st.Time, st
	return nil
}

// RejectListing records that the data exchange declined to list a
// product, with its reason; the product returns to where it was before
// the request (approved, or delisted when it was listed before).
func (p *Product) RejectListing(c Actor, reason string, st Stamp) error {
	if !c.Is(RoleExchange) {
		return unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("only a data exchange rejects listings; %s is %s", c.who(), roleName(c.Role)))
	}
	if !p.VisibleTo(c) {
		return NotFound("product", p.ID)
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if p.Status != ProductListingRequested {
		return conflict("product %s is %s, not waiting for the exchange", p.ID, p.Status)
	}
	back := ProductApproved
	if p.RegistrationNo != "" {
		back = ProductDelisted
	}
	p.Status, p.StatusReason, p.Exchange, p.Updated = back, reason, c.MSP, st
	return nil
}

// registrationNoRE is the shape of an exchange's registration number:
// letters, digits and separators, as exchanges print them (HZDE-2025-0001).
var registrationNoRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)

func checkRegistrationNo(no string) error {
	if !registrationNoRE.MatchString(no) {
		return invalid("registrationNo", "%q is not a registration number: 1 to 64 letters, digits, '.', '_', '/' or '-', starting with a letter or digit", no)
	}
	return nil
}

// Delist takes a listed product off the market: the data exchange records
// it (下架), as do its owner withdrawing it and the authority ordering it.
func (p *Product) Delist(c Actor, reason string, st Stamp) error {
	if !c.ActsFor(p.Owner) && !c.Is(RoleAuthority, RoleExchange) {
		return forbidden("product %s is delisted by its owner, the authority or the exchange, not %s", p.ID, c.who())
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if p.Status != ProductListed {
		return conflict("product %s is %s, not listed", p.ID, p.Status)
	}
	p.Status, p.StatusReason, p.Updated = ProductDelisted, reason, st
	return nil
}

// Blocking returns the marks that block listing.
func (p *Product) Blocking() []Mark {
	var ms []Mark
	for _, m := range p.Marks {
		if m.Cleared.Time.IsZero() {
			ms = append(ms, m)
		}
	}
	return ms
}

func (p *Product) checkUnmarked() error {
	if ms := p.Blocking(); len(ms) > 0 {
		return refused("product %s is marked: grant %s was %s (%s)", p.ID, ms[0].GrantID, ms[0].Change, ms[0].Reason)
	}
	return nil
}

// Mark records that grant (reached through the sub-grant via, if any) was
// suspended or revoked. A listed product is delisted. It reports whether the
// product changed.
func (p *Product) Mark(grantID, via string, change GrantStatus, reason string, st Stamp) bool {
	for _, m := range p.Marks {
		if m.GrantID == grantID && m.Via == via && m.Change == change && m.Cleared.Time.IsZero() {
			return false
		}
	}
	p.Marks = append(p.Marks, Mark{GrantID: grantID, Via: via, Change: change, Reason: reason, Marked: st})
	if p.Status == ProductListed {
		p.Status, p.StatusReason = ProductDelisted, fmt.Sprintf("grant %s %s: %s", grantID, change, reason)
	}
	p.Updated = st
	return true
}

// WithLineage returns the product as its lineage stands now (marks are
// kept lazily): grants holds the grants of its lineage and their parents,
// each as its consent and control records say together (MergeGrant).
// Every suspension of one of them (cleared at its resumption) and every
// revocation is a mark, whether or not a transaction wrote it on the
// product; a product listed before such a mark shows delisted until its
// owner lists it again. Marks written on the product before are kept; a
// suspension cleared before the product was registered is none of its.
func (p Product) WithLineage(grants map[string]*Grant) Product {
	var derived []Mark
	add := func(g *Grant, via string) {
		open := -1
		for _, h := range g.History {
			if !h.Control {
				continue
			}
			switch h.Status {
			case GrantSuspended:
				derived = append(derived, Mark{GrantID: g.ID, Via: via, Change: GrantSuspended, Reason: h.Reason, Marked: h.Stamp})
				open = len(derived) - 1
			case GrantActive:
				if open >= 0 {
					derived[open].Cleared = h.Stamp
					open = -1
				}
			case GrantRevoked:
				derived = append(derived, Mark{GrantID: g.ID, Via: via, Change: GrantRevoked, Reason: h.Reason, Marked: h.Stamp})
			}
		}
	}
	for _, id := range p.Grants {
		g := grants[id]
		if g == nil {
			continue
		}
		add(g, "")
		if parent := grants[g.ParentID]; g.ParentID != "" && parent != nil {
			add(parent, g.ID)
		}
	}
	// A suspension over before the product existed is no mark of it.
	derived = slices.DeleteFunc(derived, func(m Mark) bool {
		return m.Change == GrantSuspended && !m.Cleared.Time.IsZero() && !m.Cleared.Time.After(p.Created.Time)
	})
	if len(derived) == 0 {
		return p
	}
	same := func(a, b Mark) bool {
		return a.GrantID == b.GrantID && a.Via == b.Via && a.Change == b.Change && a.Marked.TxID == b.Marked.TxID
	}
	marks := slices.Clone(p.Marks)
	for _, d := range derived {
		if i := slices.IndexFunc(marks, func(m Mark) bool { return same(m, d) }); i >= 0 {
			marks[i] = d
			continue
		}
		marks = append(marks, d)
	}
	p.Marks = marks
	if p.Status == ProductListed {
		for _, m := range marks {
			if m.Marked.Time.After(p.Listed) || (m.Marked.Time.Equal(p.Listed) && m.Cleared.Time.IsZero()) {
				p.Status, p.StatusReason = ProductDelisted, fmt.Sprintf("grant %s %s: %s", m.GrantID, m.Change, m.Reason)
				break
			}
		}
	}
	return p
}

// ClearSuspension clears the suspension marks of a grant that resumed and
// reports whether the product changed. The product stays delisted until its
// owner lists it again.
func (p *Product) ClearSuspension(grantID string, st Stamp) bool {
	changed := false
	for i, m := range p.Marks {
		if m.GrantID == grantID && m.Change == GrantSuspended && m.Cleared.Time.IsZero() {
			p.Marks[i].Cleared = st
			changed = true
		}
	}
	if changed {
		p.Updated = st
	}
	return changed
}

// VisibleTo reports whether c may read the product: its owner, the
// authority, the regulator and the reviewers (experts, platform) always;
// the data exchanges once its owner asked for listing; everyone once it
// is listed.
func (p *Product) VisibleTo(c Actor) bool {
	return p.Status == ProductListed || c.readsAll() || c.Is(RoleExpert, RolePlatform) || c.ActsFor(p.Owner) ||
		(c.Is(RoleExchange) && p.OfferedToExchange())
}

// OfferedToExchange reports whether the owner ever asked an exchange to
// list the product.
func (p *Product) OfferedToExchange() bool { return !p.ListingRequested.IsZero() }

// ProductSummary is the public disclosure of a listed product.
type ProductSummary struct {
	ID             string      `json:"id"`
	Owner          string      `json:"owner"`
	Type           ProductType `json:"type"`
	Name           string      `json:"name"`
	RegistrationNo string      `json:"registrationNo"`
	Grants         []string    `json:"grants"`
	Listed         time.Time   `json:"listed"`
}

// Summary returns the product's public summary.
func (p *Product) Summary() ProductSummary {
	return ProductSummary{ID: p.ID, Owner: p.Owner, Type: p.Type, Name: p.Name, RegistrationNo: p.RegistrationNo, Grants: p.Grants, Listed: p.Listed}
}

// VisibleTo reports whether c may read the opinion: its author (the
// identity that recorded it, and its organisation when it acted in the
// organisation's role), the authority, the regulator, and the owner of the
// subject.
func (o *Opinion) VisibleTo(c Actor, subjectOwner string) bool {
	author := (c.MSP == o.Author && o.AuthorClient != "" && c.Client == o.AuthorClient) ||
		(c.ActsFor(o.Author) && c.Role == o.AuthorRole)
	return c.readsAll() || author || c.ActsFor(subjectOwner)
}

// ProductDecision is the authority's decision on a product in review.
type ProductDecision struct {
	ID      string `json:"id"`
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"`
}
