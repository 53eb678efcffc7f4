package ledger

// Platform usage fees (平台使用费): the operator holding a grant pays the
// platform for its use of the platform (授权运营主体向平台运营主体支付平台使用费).
// The authority sets a grant's fee schedule (收费标准): amounts per record
// used, per call and fixed per month, in versions effective from a month.
// After a month ends, a fee statement (费用结算单) of the grant for that
// month is computed by the contract from the rows of use its receipts wrote
// (UsageDay) and the version in force; the platform confirms payment
// against it, and the holder acknowledges. No money moves on the ledger:
// it records amounts, confirmations and who agreed.

import (
	"math/bits"
	"slices"
	"strings"
	"time"
)

// MaxFeeAmount bounds every amount a request names, in fen (分, the minor
// unit of CNY): ten billion yuan. Amounts are integers, never floats.
const MaxFeeAmount uint64 = 1_000_000_000_000

// FeePeriodOf is the period (the UTC month, YYYY-MM) a use at t is billed in.
func FeePeriodOf(t time.Time) string { return t.UTC().Format(monthLayout) }

// checkPeriod parses a period (YYYY-MM).
func checkPeriod(field, v string) (time.Time, error) {
	m, err := time.Parse(monthLayout, v)
	if err != nil || m.Format(monthLayout) != v {
		return time.Time{}, invalid(field, "%q is not a month (YYYY-MM)", v)
	}
	return m, nil
}

// FeeVersion is one version of a grant's fee schedule: the amounts in fen
// from its month on, until the next version's month, and the platform
// they are paid to.
type FeeVersion struct {
	// EffectiveFrom is the first month (YYYY-MM) the version is in force.
	EffectiveFrom string `json:"effectiveFrom"`
	// Payee is the platform (平台运营主体) the fees are paid to.
	Payee         string `json:"payee"`
	PerRecord     uint64 `json:"perRecord"`
	PerCall       uint64 `json:"perCall"`
	FixedPerMonth uint64 `json:"fixedPerMonth"`
	Set           Stamp  `json:"set"`
}

// StatedPeriod records that a grant's period was stated, and by which
// statement.
type StatedPeriod struct {
	Period      string `json:"period"`
	StatementID string `json:"statementId"`
}

// FeeSchedule is a grant's fee schedule (收费标准): its versions by month,
// and the periods already stated, whose amounts may no longer change.
type FeeSchedule struct {
	GrantID string `json:"grantId"`
	// Holder pays the fees: the grant's holder.
	Holder   string         `json:"holder"`
	Versions []FeeVersion   `json:"versions"`
	Stated   []StatedPeriod `json:"stated"`
	Updated  Stamp          `json:"updated"`
}

// FeeScheduleRequest sets the version of a grant's fee schedule effective
// from a month; a version of the same month not yet stated is replaced.
type FeeScheduleRequest struct {
	GrantID       string `json:"grantId"`
	EffectiveFrom string `json:"effectiveFrom"`
	Payee         string `json:"payee"`
	PerRecord     uint64 `json:"perRecord"`
	PerCall       uint64 `json:"perCall"`
	FixedPerMonth uint64 `json:"fixedPerMonth"`
}

// SetFeeSchedule sets a version of grant g's fee schedule (existing is the
// schedule so far, nil when none). Only the authority sets fees; the payee
// is a registered platform; a version takes effect from the month of the
// transaction or a later one, never a stated month, so that what was
// stated stays what was in force.
func SetFeeSchedule(c Actor, req FeeScheduleRequest, existing *FeeSchedule, g *Grant, payee *Participant, st Stamp) (*FeeSchedule, error) {
	if g == nil {
		return nil, NotFound("grant", req.GrantID)
	}
	if !c.Is(RoleAuthority) || c.Individual {
		return nil, unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("only the authority sets fee schedules, not %s", c.who()))
	}
	from, err := checkPeriod("effectiveFrom", req.EffectiveFrom)
	if err != nil {
		return nil, err
	}
	if now := FeePeriodOf(st.Time); req.EffectiveFrom < now {
		return nil, invalid("effectiveFrom", "%s is before the month of the transaction %s: fees are not changed for the past", from.Format(monthLayout), now)
	}
	if err := CheckID("payee", req.Payee); err != nil {
		return nil, err
	}
	if payee == nil || payee.Role != RolePlatform {
		return nil, refused("payee %s is not a registered platform (平台运营主体)", req.Payee)
	}
	for _, a := range []struct {
		field string
		v     uint64
	}{{"perRecord", req.PerRecord}, {"perCall", req.PerCall}, {"fixedPerMonth", req.FixedPerMonth}} {
		if a.v > MaxFeeAmount {
			return nil, invalid(a.field, "%d fen is more than the %d allowed", a.v, MaxFeeAmount)
		}
	}
	switch s := g.EffectiveStatus(st.Time); s {
	case GrantRevoked, GrantRejected, GrantExpired:
		return nil, refused("grant %s is %s: its fees are no longer set", g.ID, s)
	}
	s := existing
	if s == nil {
		s = &FeeSchedule{GrantID: g.ID, Holder: g.Holder, Versions: []FeeVersion{}, Stated: []StatedPeriod{}}
	}
	if last := s.lastStated(); last != "" && req.EffectiveFrom <= last {
		return nil, conflict("grant %s is stated through %s: a version cannot take effect in %s", g.ID, last, req.EffectiveFrom)
	}
	v := FeeVersion{EffectiveFrom: req.EffectiveFrom, Payee: req.Payee, PerRecord: req.PerRecord, PerCall: req.PerCall, FixedPerMonth: req.FixedPerMonth, Set: st}
	s.Versions = slices.DeleteFunc(s.Versions, func(o FeeVersion) bool { return o.EffectiveFrom == v.EffectiveFrom })
	i, _ := slices.BinarySearchFunc(s.Versions, v.EffectiveFrom, func(o FeeVersion, m string) int { return strings.Compare(o.EffectiveFrom, m) })
	s.Versions = slices.Insert(s.Versions, i, v)
	s.Updated = st
	return s, nil
}

// InForce returns the version in force in period, if any.
func (s *FeeSchedule) InForce(period string) (FeeVersion, bool) {
	var out FeeVersion
	found := false
	for _, v := range s.Versions {
		if v.EffectiveFrom <= period {
			out, found = v, true
		}
	}
	return out, found
}

// StatementOf returns the ID of the statement of period, if stated.
func (s *FeeSchedule) StatementOf(period string) (string, bool) {
	if s == nil {
		return "", false
	}
	for _, p := range s.Stated {
		if p.Period == period {
			return p.StatementID, true
		}
	}
	return "", false
}

func (s *FeeSchedule) lastStated() string {
	last := ""
	for _, p := range s.Stated {
		last = max(last, p.Period)
	}
	return last
}

// RequireUnstated refuses a use at used of grant grantID in a period
// already stated (s may be nil: no schedule): the statement summed that
// period's use, which must stay what it summed.
func RequireUnstated(s *FeeSchedule, grantID string, used time.Time) error {
	period := FeePeriodOf(used)
	if id, ok := s.StatementOf(period); ok {
		return refused("the use of grant %s in %s was stated by fee statement %s: a use in that period can no longer be recorded", grantID, period, id)
	}
	return nil
}

// VisibleTo reports whether c may read the schedule: the grant's holder,
// its payees, the authority and the regulator.
func (s *FeeSchedule) VisibleTo(c Actor) bool {
	return c.readsAll() || c.ActsFor(s.Holder) || slices.ContainsFunc(s.Versions, func(v FeeVersion) bool { return c.ActsFor(v.Payee) })
}

// Audience of a fee schedule: the holder and the payees.
func (s *FeeSchedule) Audience() Audience {
	msps := []string{s.Holder}
	for _, v := range s.Versions {
		msps = append(msps, v.Payee)
	}
	return orgs(msps...)
}

// FeeStatementStatus is the state of a fee statement.
type FeeStatementStatus string

// Fee statement states: stated → paid → acknowledged.
const (
	FeeStated       FeeStatementStatus = "stated"       // 已出账
	FeePaid         FeeStatementStatus = "paid"         // 平台已确认收款
	FeeAcknowledged FeeStatementStatus = "acknowledged" // 授权运营主体已确认
)

// FeeStatement is what a grant's holder owes the platform for a period
// (费用结算单): the use summed from the grant's rows of that period, the
// version in force, and each part of the amount in fen.
type FeeStatement struct {
	ID      string `json:"id"`
	GrantID string `json:"grantId"`
	Period  string `json:"period"`
	// Holder pays; Payee (the platform) is paid.
	Holder   string     `json:"holder"`
	Payee    string     `json:"payee"`
	Version  FeeVersion `json:"version"`
	Records  uint64     `json:"records"`
	Calls    uint64     `json:"calls"`
	Receipts uint64     `json:"receipts"`
	// Days is how many days of the period had use.
	Days          int    `json:"days"`
	RecordsAmount uint64 `json:"recordsAmount"`
	CallsAmount   uint64 `json:"callsAmount"`
	FixedAmount   uint64 `json:"fixedAmount"`
	Amount        uint64 `json:"amount"`
	// Ended says why the period could be stated: "period" (it ended) or the
	// grant's status ("revoked", "expired") that ended its use before.
	Ended  string             `json:"ended"`
	Status FeeStatementStatus `json:"status"`
	// PaymentDigest is the digest of the payment's reference, confirmed by
	// the payee.
	PaymentDigest string `json:"paymentDigest,omitempty" metadata:",optional"`
	Paid          Stamp  `json:"paid,omitzero" metadata:",optional"`
	Acknowledged  Stamp  `json:"acknowledged,omitzero" metadata:",optional"`
	Created       Stamp  `json:"created"`
	Updated       Stamp  `json:"updated"`
}

// FeeStatementRequest asks for the statement of a grant's period to be
// recorded under ID.
type FeeStatementRequest struct {
	ID      string `json:"id"`
	GrantID string `json:"grantId"`
	Period  string `json:"period"`
}

// FeeStatementInputs are what a statement is computed from: the statement
// of that ID, the grant, its schedule and its rows of use in the period.
type FeeStatementInputs struct {
	Existing *FeeStatement
	Grant    *Grant
	Schedule *FeeSchedule
	Days     []UsageDay
}

// RecordFeeStatement computes and records the statement of a grant's
// period, once, after the period ended by the transaction's time, or after
// the grant's use ended (revoked or expired: no later use can be
// recorded). The platform or the authority asks for it; the schedule must
// have a version in force in the period. The schedule is returned with the
// period marked stated: no use in it is recorded afterwards.
func RecordFeeStatement(c Actor, req FeeStatementRequest, in FeeStatementInputs, st Stamp) (*FeeStatement, *FeeSchedule, error) {
	g := in.Grant
	if g == nil {
		return nil, nil, NotFound("grant", req.GrantID)
	}
	if !c.Is(RolePlatform, RoleAuthority) || c.Individual {
		return nil, nil, unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("fee statements are recorded by the platform or the authority, not %s", c.who()))
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, nil, err
	}
	month, err := checkPeriod("period", req.Period)
	if err != nil {
		return nil, nil, err
	}
	if in.Existing != nil {
		return nil, nil, conflict("fee statement %s already exists", req.ID)
	}
	if id, ok := in.Schedule.StatementOf(req.Period); ok {
		return nil, nil, conflict("the period %s of grant %s is already stated by fee statement %s", req.Period, g.ID, id)
	}
	ended := "period"
	if end := month.AddDate(0, 1, 0); st.Time.Before(end) {
		switch s := g.EffectiveStatus(st.Time); s {
		case GrantRevoked, GrantExpired:
			ended = string(s)
		default:
			return nil, nil, refused("the period %s has not ended: it ends at %s, and grant %s is %s", req.Period, end.Format(time.RFC3339), g.ID, s)
		}
	}
	if in.Schedule == nil {
		return nil, nil, refused("grant %s has no fee schedule: the authority sets one first", g.ID)
	}
	v, ok := in.Schedule.InForce(req.Period)
	if !ok {
		return nil, nil, refused("grant %s has no fee schedule in force in %s: its first version takes effect in %s", g.ID, req.Period, in.Schedule.Versions[0].EffectiveFrom)
	}
	fs := &FeeStatement{ID: req.ID, GrantID: g.ID, Period: req.Period, Holder: g.Holder, Payee: v.Payee, Version: v,
		Ended: ended, Status: FeeStated, Created: st, Updated: st}
	for _, d := range in.Days {
		if d.GrantID != g.ID || !strings.HasPrefix(d.Day, req.Period+"-") {
			continue
		}
		fs.Days++
		fs.Records += d.Records
		fs.Calls += d.Calls
		fs.Receipts += d.Receipts
	}
	if fs.RecordsAmount, err = times("records", fs.Records, v.PerRecord); err != nil {
		return nil, nil, err
	}
	if fs.CallsAmount, err = times("calls", fs.Calls, v.PerCall); err != nil {
		return nil, nil, err
	}
	fs.FixedAmount = v.FixedPerMonth
	if fs.Amount, err = sum(fs.RecordsAmount, fs.CallsAmount, fs.FixedAmount); err != nil {
		return nil, nil, err
	}
	s := *in.Schedule
	s.Stated = append(slices.Clone(s.Stated), StatedPeriod{Period: req.Period, StatementID: req.ID})
	slices.SortFunc(s.Stated, func(a, b StatedPeriod) int { return strings.Compare(a.Period, b.Period) })
	s.Updated = st
	return fs, &s, nil
}

// times multiplies a count by a unit amount, refusing an overflow.
func times(what string, count, unit uint64) (uint64, error) {
	hi, lo := bits.Mul64(count, unit)
	if hi != 0 {
		return 0, refused("%d %s at %d fen overflows the amount", count, what, unit)
	}
	return lo, nil
}

// sum adds amounts, refusing an overflow.
func sum(amounts ...uint64) (uint64, error) {
	var total, carry uint64
	for _, a := range amounts {
		total, carry = bits.Add64(total, a, 0)
		if carry != 0 {
			return 0, refused("the amount overflows")
		}
	}
	return total, nil
}

// ConfirmPayment records that the payee received the statement's amount,
// with the digest of the payment's reference (a transfer's number, kept
// off the ledger). Only the statement's payee confirms, once.
func (fs *FeeStatement) ConfirmPayment(c Actor, referenceDigest string, st Stamp) error {
	if !c.Is(RolePlatform) || !c.ActsFor(fs.Payee) {
		return unlessVisible(fs.VisibleTo(c), "fee statement", fs.ID, forbidden("payment of fee statement %s is confirmed by its payee %s, not %s", fs.ID, fs.Payee, c.who()))
	}
	if err := checkDigest("referenceDigest", referenceDigest); err != nil {
		return err
	}
	if fs.Status != FeeStated {
		return conflict("fee statement %s is already %s", fs.ID, fs.Status)
	}
	fs.Status, fs.PaymentDigest, fs.Paid, fs.Updated = FeePaid, referenceDigest, st, st
	return nil
}

// Acknowledge records that the holder agrees the paid statement is
// settled. Only the holder acknowledges, after the payment is confirmed.
func (fs *FeeStatement) Acknowledge(c Actor, st Stamp) error {
	if !c.ActsFor(fs.Holder) {
		return unlessVisible(fs.VisibleTo(c), "fee statement", fs.ID, forbidden("fee statement %s is acknowledged by its holder %s, not %s", fs.ID, fs.Holder, c.who()))
	}
	switch fs.Status {
	case FeePaid:
	case FeeStated:
		return conflict("fee statement %s is not paid yet: its payee confirms the payment first", fs.ID)
	default:
		return conflict("fee statement %s is already %s", fs.ID, fs.Status)
	}
	fs.Status, fs.Acknowledged, fs.Updated = FeeAcknowledged, st, st
	return nil
}

// VisibleTo reports whether c may read the statement: its holder, its
// payee, the authority and the regulator.
func (fs *FeeStatement) VisibleTo(c Actor) bool {
	return c.readsAll() || c.ActsFor(fs.Holder) || c.ActsFor(fs.Payee)
}

// Audience of a fee statement: its holder and its payee.
func (fs *FeeStatement) Audience() Audience { return orgs(fs.Holder, fs.Payee) }

// FeeStatementPage is a page of fee statements.
type FeeStatementPage struct {
	Items    []FeeStatement `json:"items"`
	Bookmark string         `json:"bookmark"`
}
