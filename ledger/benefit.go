package ledger

// Benefit sharing (收益分配), on the principle "whoever invests, whoever
// contributes, benefits" (谁投入、谁贡献、谁受益): the operator of a product
// proposes how its revenue is split among the providers whose data it was
// built from, the platform and itself, in basis points; each party named
// agrees; the operator then records the product's revenue per period, and
// the contract computes each party's share in fen. Each party reads its
// own share. No money moves on the ledger.

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// WholeBasisPoints is the sum of a split's shares: 10000 basis points.
const WholeBasisPoints = 10000

// BenefitParty is one party of a split: its share in basis points, and
// when it agreed (zero until it does).
type BenefitParty struct {
	MSP         string `json:"msp"`
	Role        Role   `json:"role"`
	BasisPoints uint64 `json:"basisPoints"`
	Agreed      Stamp  `json:"agreed,omitzero" metadata:",optional"`
}

// BenefitSplitStatus is the state of a split.
type BenefitSplitStatus string

// Split states: proposed (some party has not agreed) → agreed.
const (
	SplitProposed BenefitSplitStatus = "proposed" // 已提议
	SplitAgreed   BenefitSplitStatus = "agreed"   // 各方已同意
)

// RevenuePeriod records that a product's period's revenue was recorded,
// and under which ID.
type RevenuePeriod struct {
	Period    string `json:"period"`
	RevenueID string `json:"revenueId"`
}

// BenefitSplit is how a product's revenue is split (收益分配方案): its
// parties, providers then the platform then the operator, and the periods
// whose revenue was recorded.
type BenefitSplit struct {
	ProductID string             `json:"productId"`
	Operator  string             `json:"operator"`
	Parties   []BenefitParty     `json:"parties"`
	Status    BenefitSplitStatus `json:"status"`
	Revenues  []RevenuePeriod    `json:"revenues"`
	Proposed  Stamp              `json:"proposed"`
	Updated   Stamp              `json:"updated"`
}

// BenefitShareRequest names a party of a proposed split and its share.
type BenefitShareRequest struct {
	MSP         string `json:"msp"`
	BasisPoints uint64 `json:"basisPoints"`
}

// BenefitSplitRequest proposes the split of a product's revenue.
type BenefitSplitRequest struct {
	ProductID string                `json:"productId"`
	Parties   []BenefitShareRequest `json:"parties"`
}

// BenefitSplitInputs are what a proposal is checked against: the split so
// far, the product, its grants and the participants the request names.
type BenefitSplitInputs struct {
	Existing     *BenefitSplit
	Product      *Product
	Grants       []*Grant
	Participants map[string]*Participant
}

// ProposeBenefitSplit records the split of a product's revenue proposed by
// its owner: every provider of a dataset in the scope of the product's
// grants, one registered platform and the owner, each once, with shares
// summing to 10000 basis points. Every party, the proposer too, then
// agrees (Agree); a proposal not yet agreed by all is replaced (and its
// agreements dropped); an agreed split is not changed.
func ProposeBenefitSplit(c Actor, req BenefitSplitRequest, in BenefitSplitInputs, st Stamp) (*BenefitSplit, error) {
	p := in.Product
	if p == nil {
		return nil, NotFound("product", req.ProductID)
	}
	if !c.ActsFor(p.Owner) {
		return nil, unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("the split of product %s is proposed by its owner %s, not %s", p.ID, p.Owner, c.who()))
	}
	if e := in.Existing; e != nil && e.Status == SplitAgreed {
		return nil, conflict("the split of product %s was agreed by every party on %s and is not changed", p.ID, stamp(e.Updated.Time))
	}
	var providers []string
	for _, g := range in.Grants {
		providers = append(providers, g.Providers...)
	}
	providers = sortedSet(providers)
	if len(req.Parties) == 0 || len(req.Parties) > 64 {
		return nil, invalid("parties", "names %d parties: the providers, a platform and the operator", len(req.Parties))
	}
	s := &BenefitSplit{ProductID: p.ID, Operator: p.Owner, Status: SplitProposed, Revenues: []RevenuePeriod{}, Proposed: st, Updated: st}
	var total uint64
	platforms := 0
	for i, r := range req.Parties {
		field := "parties[" + strconv.Itoa(i) + "]"
		if err := CheckID(field+".msp", r.MSP); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(s.Parties, func(o BenefitParty) bool { return o.MSP == r.MSP }) {
			return nil, invalid(field+".msp", "%s is named twice", r.MSP)
		}
		if r.BasisPoints > WholeBasisPoints {
			return nil, invalid(field+".basisPoints", "%d is more than %d", r.BasisPoints, WholeBasisPoints)
		}
		party := BenefitParty{MSP: r.MSP, BasisPoints: r.BasisPoints}
		switch pt := in.Participants[r.MSP]; {
		case r.MSP == p.Owner:
			party.Role = RoleOperator
		case slices.Contains(providers, r.MSP):
			party.Role = RoleProvider
		case pt != nil && pt.Role == RolePlatform:
			party.Role = RolePlatform
			platforms++
		default:
			return nil, refused("%s is neither a provider of the data of product %s, a registered platform nor its operator", r.MSP, p.ID)
		}
		total += r.BasisPoints
		s.Parties = append(s.Parties, party)
	}
	if total != WholeBasisPoints {
		return nil, invalid("parties", "the shares sum to %d basis points, not %d", total, WholeBasisPoints)
	}
	for _, msp := range append(providers, p.Owner) {
		if !slices.ContainsFunc(s.Parties, func(o BenefitParty) bool { return o.MSP == msp }) {
			return nil, refused("the split of product %s leaves out %s, whose data or work it is built from", p.ID, msp)
		}
	}
	if platforms != 1 {
		return nil, refused("the split of product %s names %d platforms, not one", p.ID, platforms)
	}
	order := map[Role]int{RoleProvider: 0, RolePlatform: 1, RoleOperator: 2}
	slices.SortFunc(s.Parties, func(a, b BenefitParty) int {
		return cmp.Or(cmp.Compare(order[a.Role], order[b.Role]), strings.Compare(a.MSP, b.MSP))
	})
	return s, nil
}

// Agree records that the caller's organisation, a party of the split,
// agrees to it; once every party has, the split is agreed.
func (s *BenefitSplit) Agree(c Actor, st Stamp) error {
	i := slices.IndexFunc(s.Parties, func(p BenefitParty) bool { return c.ActsFor(p.MSP) })
	if i < 0 {
		return unlessVisible(s.VisibleTo(c), "benefit split", s.ProductID, forbidden("the split of product %s is agreed by its parties, not %s", s.ProductID, c.who()))
	}
	if !s.Parties[i].Agreed.Time.IsZero() {
		return conflict("%s agreed to the split of product %s on %s", c.MSP, s.ProductID, stamp(s.Parties[i].Agreed.Time))
	}
	s.Parties[i].Agreed, s.Updated = st, st
	if !slices.ContainsFunc(s.Parties, func(p BenefitParty) bool { return p.Agreed.Time.IsZero() }) {
		s.Status = SplitAgreed
	}
	return nil
}

// Waiting lists the parties that have not agreed.
func (s *BenefitSplit) Waiting() []string {
	var out []string
	for _, p := range s.Parties {
		if p.Agreed.Time.IsZero() {
			out = append(out, p.MSP)
		}
	}
	return out
}

// VisibleTo reports whether c may read the split: its parties, the
// authority and the regulator.
func (s *BenefitSplit) VisibleTo(c Actor) bool {
	return c.readsAll() || slices.ContainsFunc(s.Parties, func(p BenefitParty) bool { return c.ActsFor(p.MSP) })
}

// Audience of a split: its parties.
func (s *BenefitSplit) Audience() Audience {
	var msps []string
	for _, p := range s.Parties {
		msps = append(msps, p.MSP)
	}
	return orgs(msps...)
}

// BenefitShare is one party's share of a period's revenue of a product
// (收益分配明细): the one line that party reads.
type BenefitShare struct {
	ID          string `json:"id"`
	RevenueID   string `json:"revenueId"`
	ProductID   string `json:"productId"`
	Period      string `json:"period"`
	Party       string `json:"party"`
	Role        Role   `json:"role"`
	BasisPoints uint64 `json:"basisPoints"`
	Amount      uint64 `json:"amount"`
	Recorded    Stamp  `json:"recorded"`
}

// VisibleTo reports whether c may read the share: its party, the
// authority and the regulator; not the other parties.
func (b *BenefitShare) VisibleTo(c Actor) bool { return c.readsAll() || c.ActsFor(b.Party) }

// Audience of a share: its party.
func (b *BenefitShare) Audience() Audience { return orgs(b.Party) }

// BenefitSharePage is a page of shares.
type BenefitSharePage struct {
	Items    []BenefitShare `json:"items"`
	Bookmark string         `json:"bookmark"`
}

// Revenue is a product's revenue for a period (产品收益), recorded by its
// operator, and its split into shares.
type Revenue struct {
	ID        string `json:"id"`
	ProductID string `json:"productId"`
	Period    string `json:"period"`
	Operator  string `json:"operator"`
	// Amount is in fen.
	Amount          uint64         `json:"amount"`
	ReferenceDigest string         `json:"referenceDigest"`
	Shares          []BenefitShare `json:"shares"`
	Recorded        Stamp          `json:"recorded"`
}

// RevenueRequest records a product's revenue for a period, in fen, with
// the digest of the document it comes from (a settlement of the exchange).
type RevenueRequest struct {
	ID              string `json:"id"`
	ProductID       string `json:"productId"`
	Period          string `json:"period"`
	Amount          uint64 `json:"amount"`
	ReferenceDigest string `json:"referenceDigest"`
}

// RevenueInputs are what a revenue is checked against: the revenue of
// that ID, the product and its split.
type RevenueInputs struct {
	Existing *Revenue
	Product  *Product
	Split    *BenefitSplit
}

// RecordRevenue records the revenue of a listed product for a period, no
// later than the transaction's month, once per period, by the product's
// owner, once every party agreed to the split; and splits it: each party
// gets amount × basis points ÷ 10000, rounded down, and the fen left over
// (fewer than the parties) go one each to the parties whose rounded-down
// part was largest, ties to the earlier party in the split's order
// (providers, the platform, the operator), so that the shares sum to the
// amount exactly. The split is returned with the period recorded.
func RecordRevenue(c Actor, req RevenueRequest, in RevenueInputs, st Stamp) (*Revenue, *BenefitSplit, error) {
	p := in.Product
	if p == nil {
		return nil, nil, NotFound("product", req.ProductID)
	}
	if !c.ActsFor(p.Owner) {
		return nil, nil, unlessVisible(p.VisibleTo(c), "product", p.ID, forbidden("the revenue of product %s is recorded by its owner %s, not %s", p.ID, p.Owner, c.who()))
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, nil, err
	}
	if _, err := checkPeriod("period", req.Period); err != nil {
		return nil, nil, err
	}
	if now := FeePeriodOf(st.Time); req.Period > now {
		return nil, nil, invalid("period", "%s is after the month of the transaction %s", req.Period, now)
	}
	if req.Amount == 0 || req.Amount > MaxFeeAmount {
		return nil, nil, invalid("amount", "%d fen is not between 1 and %d", req.Amount, MaxFeeAmount)
	}
	if err := checkDigest("referenceDigest", req.ReferenceDigest); err != nil {
		return nil, nil, err
	}
	if in.Existing != nil {
		return nil, nil, conflict("revenue %s already exists", req.ID)
	}
	if p.Status != ProductListed {
		return nil, nil, refused("product %s is %s: revenue is recorded on a listed product", p.ID, p.Status)
	}
	s := in.Split
	if s == nil {
		return nil, nil, refused("product %s has no benefit split: its operator proposes one first", p.ID)
	}
	if s.Status != SplitAgreed {
		return nil, nil, refused("the split of product %s is not agreed: waiting for %s", p.ID, strings.Join(s.Waiting(), ", "))
	}
	if i := slices.IndexFunc(s.Revenues, func(r RevenuePeriod) bool { return r.Period == req.Period }); i >= 0 {
		return nil, nil, conflict("the revenue of product %s in %s is already recorded as %s", p.ID, req.Period, s.Revenues[i].RevenueID)
	}
	amounts := SplitAmount(req.Amount, s.Parties)
	rev := &Revenue{ID: req.ID, ProductID: p.ID, Period: req.Period, Operator: p.Owner, Amount: req.Amount,
		ReferenceDigest: req.ReferenceDigest, Recorded: st}
	for i, party := range s.Parties {
		rev.Shares = append(rev.Shares, BenefitShare{ID: req.ID + "." + strconv.Itoa(i+1), RevenueID: req.ID, ProductID: p.ID, Period: req.Period,
			Party: party.MSP, Role: party.Role, BasisPoints: party.BasisPoints, Amount: amounts[i], Recorded: st})
	}
	next := *s
	next.Revenues = append(slices.Clone(s.Revenues), RevenuePeriod{Period: req.Period, RevenueID: req.ID})
	next.Updated = st
	return rev, &next, nil
}

// SplitAmount splits amount (fen) by the parties' basis points, which sum
// to 10000: each part rounded down, then the fen left over one each to
// the parts with the largest remainders, ties to the earlier party. The
// parts sum to amount.
func SplitAmount(amount uint64, parties []BenefitParty) []uint64 {
	parts := make([]uint64, len(parties))
	rems := make([]uint64, len(parties))
	var given uint64
	for i, p := range parties {
		// amount ≤ MaxFeeAmount and basis points ≤ 10000: no overflow,
		// but the 128-bit product keeps it exact whatever the inputs.
		hi, lo := bits.Mul64(amount, p.BasisPoints)
		if hi >= WholeBasisPoints {
			return parts
		}
		parts[i], rems[i] = bits.Div64(hi, lo, WholeBasisPoints)
		given += parts[i]
	}
	order := make([]int, len(parties))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rems[b], rems[a]) })
	for _, i := range order {
		if given >= amount {
			break
		}
		parts[i]++
		given++
	}
	return parts
}

// VisibleTo reports whether c may read the revenue with every share: the
// operator that recorded it, the authority and the regulator.
func (r *Revenue) VisibleTo(c Actor) bool { return c.readsAll() || c.ActsFor(r.Operator) }

// Audience of a revenue: its operator.
func (r *Revenue) Audience() Audience { return orgs(r.Operator) }
