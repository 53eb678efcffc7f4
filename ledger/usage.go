package ledger

// Usage statements (用数统计, 使用情况): who used whose data, summed by
// dataset, grant, operator or provider, by day or by month. Every
// transaction that accepts receipts adds them to one row per grant and day
// of use (UsageDay); a statement sums those rows, so that reading it costs
// rows of days, not receipts.

import (
	"slices"
	"strings"
	"time"
)

// Usage statement dimensions (by) and periods.
const (
	UsageByDataset  = "dataset"
	UsageByGrant    = "grant"
	UsageByOperator = "operator"
	UsageByProvider = "provider"

	PeriodDay   = "day"
	PeriodMonth = "month"
)

// UsageBys and UsagePeriods list what a statement request may name.
var (
	UsageBys     = []string{UsageByDataset, UsageByGrant, UsageByOperator, UsageByProvider}
	UsagePeriods = []string{PeriodDay, PeriodMonth}
)

// Bounds of a statement's period: a daily statement covers at most
// MaxStatementDays days, a monthly one MaxStatementMonths months.
const (
	MaxStatementDays   = 366
	MaxStatementMonths = 36
)

const (
	dayLayout   = "2006-01-02"
	monthLayout = "2006-01"
)

// UsageDayOf is the day (UTC, YYYY-MM-DD) a use at t counts on.
func UsageDayOf(t time.Time) string { return t.UTC().Format(dayLayout) }

// UsageCount is what was used of one dataset, or of one provider's
// datasets, in a UsageDay.
type UsageCount struct {
	ID       string `json:"id"`
	Records  uint64 `json:"records"`
	Calls    uint64 `json:"calls"`
	Receipts uint64 `json:"receipts"`
}

func (u *UsageCount) add(records uint64) {
	u.Records += records
	u.Calls++
	u.Receipts++
}

// UsageDay is what one grant used on one day, by the attestor's time of
// use (UTC): its receipts, records and calls, and the same per dataset and
// per provider owning a dataset used. A receipt over two datasets of one
// provider counts once for that provider and once for each dataset.
type UsageDay struct {
	GrantID string `json:"grantId"`
	// Holder is the grant's holder: the operator (or developer, for a
	// sub-grant) that used the data.
	Holder    string       `json:"holder"`
	Day       string       `json:"day"`
	Records   uint64       `json:"records"`
	Calls     uint64       `json:"calls"`
	Receipts  uint64       `json:"receipts"`
	Datasets  []UsageCount `json:"datasets"`
	Providers []UsageCount `json:"providers"`
	Updated   Stamp        `json:"updated"`
}

// NewUsageDay is the empty row of grant g on day.
func NewUsageDay(g *Grant, day string) *UsageDay {
	return &UsageDay{GrantID: g.ID, Holder: g.Holder, Day: day, Datasets: []UsageCount{}, Providers: []UsageCount{}}
}

// Add counts an accepted receipt of grant g: one call and receipt, its
// records, for the row, each dataset it used and each provider owning one
// (from g's scope).
func (d *UsageDay) Add(g *Grant, r *Receipt, st Stamp) {
	d.Records += r.Records
	d.Calls++
	d.Receipts++
	var owners []string
	for _, u := range r.Datasets {
		countIn(&d.Datasets, u.ID).add(r.Records)
		if s, ok := g.Scope.dataset(u.ID); ok && s.Owner != "" {
			owners = append(owners, s.Owner)
		}
	}
	for _, o := range sortedSet(owners) {
		countIn(&d.Providers, o).add(r.Records)
	}
	d.Updated = st
}

// countIn returns the count of id in the sorted list, adding it if absent.
func countIn(list *[]UsageCount, id string) *UsageCount {
	i, found := slices.BinarySearchFunc(*list, id, func(c UsageCount, id string) int { return strings.Compare(c.ID, id) })
	if !found {
		*list = slices.Insert(*list, i, UsageCount{ID: id})
	}
	return &(*list)[i]
}

// UsageStatementRequest asks for a usage statement: use summed by dataset,
// grant, operator (a grant's holder) or provider, per day or month, from a
// day to a day (inclusive, UTC, YYYY-MM-DD; YYYY-MM for a monthly
// statement, the whole month). ID names the one dataset, grant, operator
// or provider; empty, every one (the authority and the regulator only).
//
// Provider, with a statement by grant or by operator, counts only the use
// of that provider's datasets: how each grant, or each operator, used them.
// A provider reads it of its own datasets, for every grant or operator
// (ID empty) or one, without reading the grants' whole use, which is
// their holders'.
type UsageStatementRequest struct {
	By       string `json:"by"`
	Period   string `json:"period"`
	From     string `json:"from"`
	To       string `json:"to"`
	ID       string `json:"id"`
	Provider string `json:"provider,omitempty" metadata:",optional"`
}

// UsageStatementRow is what one dataset, grant, operator or provider used
// in one period (YYYY-MM-DD or YYYY-MM).
type UsageStatementRow struct {
	Key      string `json:"key"`
	Period   string `json:"period"`
	Records  uint64 `json:"records"`
	Calls    uint64 `json:"calls"`
	Receipts uint64 `json:"receipts"`
}

// UsageTotals sums a statement's rows.
type UsageTotals struct {
	Records  uint64 `json:"records"`
	Calls    uint64 `json:"calls"`
	Receipts uint64 `json:"receipts"`
}

// UsageStatement is a usage statement: its request, as checked (From and To
// as days), its rows sorted by key then period, and their totals. Periods
// without use have no row.
type UsageStatement struct {
	By       string              `json:"by"`
	Period   string              `json:"period"`
	From     string              `json:"from"`
	To       string              `json:"to"`
	ID       string              `json:"id"`
	Provider string              `json:"provider,omitempty" metadata:",optional"`
	Rows     []UsageStatementRow `json:"rows"`
	Totals   UsageTotals         `json:"totals"`
}

// CheckUsageStatement checks a statement request and returns it with From
// and To as days: the first and last days of their months for a monthly
// statement given months.
func CheckUsageStatement(req UsageStatementRequest) (UsageStatementRequest, error) {
	if !slices.Contains(UsageBys, req.By) {
		return req, invalid("by", "%q is not one of %s", req.By, strings.Join(UsageBys, ", "))
	}
	if !slices.Contains(UsagePeriods, req.Period) {
		return req, invalid("period", "%q is not one of %s", req.Period, strings.Join(UsagePeriods, ", "))
	}
	if req.ID != "" {
		if err := CheckID("id", req.ID); err != nil {
			return req, err
		}
	}
	if req.Provider != "" {
		if req.By != UsageByGrant && req.By != UsageByOperator {
			return req, invalid("provider", "restricts a statement by grant or by operator to one provider's datasets, not one by %s", req.By)
		}
		if err := CheckID("provider", req.Provider); err != nil {
			return req, err
		}
	}
	from, err := statementDay("from", req.From, req.Period, false)
	if err != nil {
		return req, err
	}
	to, err := statementDay("to", req.To, req.Period, true)
	if err != nil {
		return req, err
	}
	if to.Before(from) {
		return req, invalid("to", "%s is before from %s", req.To, req.From)
	}
	switch req.Period {
	case PeriodDay:
		if days := int(to.Sub(from).Hours()/24) + 1; days > MaxStatementDays {
			return req, invalid("to", "the statement covers %d days, at most %d by day", days, MaxStatementDays)
		}
	case PeriodMonth:
		if months := monthIndex(to) - monthIndex(from) + 1; months > MaxStatementMonths {
			return req, invalid("to", "the statement covers %d months, at most %d by month", months, MaxStatementMonths)
		}
	}
	req.From, req.To = from.Format(dayLayout), to.Format(dayLayout)
	return req, nil
}

// statementDay parses a bound: a day, or for a monthly statement a month
// too (its first day, or its last for the end).
func statementDay(field, v, period string, end bool) (time.Time, error) {
	if d, err := time.Parse(dayLayout, v); err == nil {
		return d, nil
	}
	if period == PeriodMonth {
		if m, err := time.Parse(monthLayout, v); err == nil {
			if end {
				return m.AddDate(0, 1, -1), nil
			}
			return m, nil
		}
		return time.Time{}, invalid(field, "%q is not a day (YYYY-MM-DD) or a month (YYYY-MM)", v)
	}
	return time.Time{}, invalid(field, "%q is not a day (YYYY-MM-DD)", v)
}

func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// Months lists the months (YYYY-MM) a checked request covers: the rows
// a statement reads are kept by grant and month.
func (req UsageStatementRequest) Months() []string {
	from, err1 := time.Parse(dayLayout, req.From)
	to, err2 := time.Parse(dayLayout, req.To)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []string
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format(monthLayout))
	}
	return out
}

// AuthorizeUsageStatement decides whether c may read the statement of a
// checked request: the authority and the regulator every statement; a
// provider those of its own datasets (by dataset) and its own (by provider);
// a grant's holder (or its parent's) those of the grant, and an operator
// its own (by operator). ds is the dataset of a statement by dataset, g the
// grant of one by grant (nil when they do not exist). A grant the caller
// may not read is answered as one that does not exist.
//
// A statement restricted to a provider's datasets (Provider) is read by
// that provider, of every grant or operator or of one, besides the
// authority and the regulator: it shows the provider how its own data was
// used and nothing of the grants' other use.
func AuthorizeUsageStatement(c Actor, req UsageStatementRequest, ds *Dataset, g *Grant) error {
	switch {
	case req.By == UsageByDataset && req.ID != "" && ds == nil:
		return NotFound("dataset", req.ID)
	case req.By == UsageByGrant && req.ID != "" && g == nil:
		return NotFound("grant", req.ID)
	}
	if c.readsAll() {
		return nil
	}
	if req.Provider != "" {
		if !c.ActsFor(req.Provider) {
			err := forbidden("the use of provider %s's datasets by %s is read by that provider, the authority and the regulator, not %s", req.Provider, req.By, c.who())
			if g != nil {
				return unlessVisible(g.VisibleTo(c), "grant", g.ID, err)
			}
			return err
		}
		if g != nil {
			return unlessVisible(g.VisibleTo(c), "grant", g.ID, nil)
		}
		return nil
	}
	if req.ID == "" {
		return forbidden("usage statements of every %s are read by the authority and the regulator, not %s", req.By, c.who())
	}
	switch req.By {
	case UsageByDataset:
		if !c.ActsFor(ds.Owner) {
			return forbidden("usage statements of dataset %s are read by its provider %s, the authority and the regulator, not %s", ds.ID, ds.Owner, c.who())
		}
	case UsageByGrant:
		if !c.ActsFor(g.Holder) && !c.ActsFor(g.ParentHolder) {
			return unlessVisible(g.VisibleTo(c), "grant", g.ID,
				forbidden("usage statements of grant %s are read by its holder, the authority and the regulator, not %s", g.ID, c.who()))
		}
	case UsageByOperator, UsageByProvider:
		if !c.ActsFor(req.ID) {
			return forbidden("usage statements of %s %s are read by that %s, the authority and the regulator, not %s", req.By, req.ID, req.By, c.who())
		}
	}
	return nil
}

// NewUsageStatement sums the rows of days for a checked request: by the
// request's dimension, per period, within From and To, keeping only the
// request's ID when it names one, and only the use of the request's
// provider's datasets when it names one. The rows may be more than the
// request selects (every grant of a provider, whole months); what is
// outside is left out.
func NewUsageStatement(req UsageStatementRequest, days []UsageDay) *UsageStatement {
	type cell struct{ key, period string }
	sums := map[cell]*UsageStatementRow{}
	add := func(key, period string, records, calls, receipts uint64) {
		if req.ID != "" && key != req.ID {
			return
		}
		c := cell{key, period}
		r := sums[c]
		if r == nil {
			r = &UsageStatementRow{Key: key, Period: period}
			sums[c] = r
		}
		r.Records += records
		r.Calls += calls
		r.Receipts += receipts
	}
	for _, d := range days {
		if d.Day < req.From || d.Day > req.To {
			continue
		}
		period := d.Day
		if req.Period == PeriodMonth {
			period = d.Day[:len(monthLayout)]
		}
		if req.Provider != "" {
			// Only the counts of the receipts that used the provider's
			// datasets, which the row keeps per provider.
			i, found := slices.BinarySearchFunc(d.Providers, req.Provider, func(c UsageCount, id string) int { return strings.Compare(c.ID, id) })
			if !found {
				continue
			}
			u := d.Providers[i]
			key := d.GrantID
			if req.By == UsageByOperator {
				key = d.Holder
			}
			add(key, period, u.Records, u.Calls, u.Receipts)
			continue
		}
		switch req.By {
		case UsageByGrant:
			add(d.GrantID, period, d.Records, d.Calls, d.Receipts)
		case UsageByOperator:
			add(d.Holder, period, d.Records, d.Calls, d.Receipts)
		case UsageByDataset:
			for _, u := range d.Datasets {
				add(u.ID, period, u.Records, u.Calls, u.Receipts)
			}
		case UsageByProvider:
			for _, u := range d.Providers {
				add(u.ID, period, u.Records, u.Calls, u.Receipts)
			}
		}
	}
	s := &UsageStatement{By: req.By, Period: req.Period, From: req.From, To: req.To, ID: req.ID, Provider: req.Provider, Rows: make([]UsageStatementRow, 0, len(sums))}
	for _, r := range sums {
		s.Rows = append(s.Rows, *r)
		s.Totals.Records += r.Records
		s.Totals.Calls += r.Calls
		s.Totals.Receipts += r.Receipts
	}
	slices.SortFunc(s.Rows, func(a, b UsageStatementRow) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Period, b.Period)
	})
	return s
}
