package ledger_test

import (
	"errors"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// usageGrant is a grant of the operator over visits (HealthMSP) and loans
// (MarketMSP).
func usageGrant(id, holder string) *ledger.Grant {
	return &ledger.Grant{ID: id, Holder: holder, Providers: []string{lt.HealthMSP, lt.MarketMSP}, Scope: ledger.Scope{Datasets: []ledger.DatasetScope{
		{ID: "loans", Owner: lt.MarketMSP, Fields: []string{"amount"}},
		{ID: "visits", Owner: lt.HealthMSP, Fields: []string{"age"}},
	}}}
}

func usedReceipt(records uint64, at time.Time, datasets ...string) *ledger.Receipt {
	r := &ledger.Receipt{Records: records, Time: at}
	for _, d := range datasets {
		r.Datasets = append(r.Datasets, attest.DatasetUse{ID: d, Fields: []string{"f"}})
	}
	return r
}

// A day row counts each receipt once for the grant, once for each dataset
// it used and once for each provider owning one, however many of its
// datasets that provider owns.
func TestUsageDayCountsEachReceiptOncePerKey(t *testing.T) {
	g := usageGrant("grant-1", lt.OperatorMSP)
	g.Scope.Datasets = append(g.Scope.Datasets, ledger.DatasetScope{ID: "wards", Owner: lt.HealthMSP, Fields: []string{"bed"}})
	day := ledger.UsageDayOf(lt.UseTime)
	d := ledger.NewUsageDay(g, day)
	d.Add(g, usedReceipt(10, lt.UseTime, "visits", "wards"), ledger.Stamp{TxID: "tx-1"})
	d.Add(g, usedReceipt(5, lt.UseTime, "loans", "visits"), ledger.Stamp{TxID: "tx-1"})
	if d.Records != 15 || d.Calls != 2 || d.Receipts != 2 || d.Holder != lt.OperatorMSP || d.Day != day {
		t.Errorf("row: got %+v, want 15 records in 2 receipts of the operator on %s", d, day)
	}
	want := map[string]ledger.UsageCount{
		"loans": {ID: "loans", Records: 5, Calls: 1, Receipts: 1}, "visits": {ID: "visits", Records: 15, Calls: 2, Receipts: 2},
		"wards":      {ID: "wards", Records: 10, Calls: 1, Receipts: 1},
		lt.HealthMSP: {ID: lt.HealthMSP, Records: 15, Calls: 2, Receipts: 2}, lt.MarketMSP: {ID: lt.MarketMSP, Records: 5, Calls: 1, Receipts: 1},
	}
	for _, list := range [][]ledger.UsageCount{d.Datasets, d.Providers} {
		for i, c := range list {
			if c != want[c.ID] {
				t.Errorf("%s: got %+v, want %+v", c.ID, c, want[c.ID])
			}
			if i > 0 && list[i-1].ID >= c.ID {
				t.Errorf("counts out of order: %+v", list)
			}
		}
	}
	if len(d.Datasets) != 3 || len(d.Providers) != 2 {
		t.Errorf("got %d datasets and %d providers, want 3 and 2", len(d.Datasets), len(d.Providers))
	}
	if got := ledger.UsageDayOf(time.Date(2025, 3, 1, 23, 59, 0, 0, time.FixedZone("CST", 8*3600))); got != "2025-03-01" {
		t.Errorf("a use at 23:59 CST counts on %s, want its UTC day 2025-03-01", got)
	}
}

func TestCheckUsageStatement(t *testing.T) {
	for _, tt := range []struct {
		name     string
		req      ledger.UsageStatementRequest
		from, to string
		field    string
	}{
		{"days", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2025-01-01", To: "2025-12-31"}, "2025-01-01", "2025-12-31", ""},
		{"months as months", ledger.UsageStatementRequest{By: "dataset", Period: "month", From: "2024-02", To: "2024-02"}, "2024-02-01", "2024-02-29", ""},
		{"months as days", ledger.UsageStatementRequest{By: "dataset", Period: "month", From: "2024-02-10", To: "2024-03-05"}, "2024-02-10", "2024-03-05", ""},
		{"36 months", ledger.UsageStatementRequest{By: "provider", Period: "month", From: "2023-01", To: "2025-12"}, "2023-01-01", "2025-12-31", ""},
		{"37 months", ledger.UsageStatementRequest{By: "provider", Period: "month", From: "2023-01", To: "2026-01"}, "", "", "to"},
		{"367 days", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2024-01-01", To: "2025-01-01"}, "", "", "to"},
		{"unknown by", ledger.UsageStatementRequest{By: "purpose", Period: "day", From: "2025-01-01", To: "2025-01-01"}, "", "", "by"},
		{"unknown period", ledger.UsageStatementRequest{By: "grant", Period: "year", From: "2025-01-01", To: "2025-01-01"}, "", "", "period"},
		{"a month by day", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2025-01", To: "2025-01-31"}, "", "", "from"},
		{"no end", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2025-01-01"}, "", "", "to"},
		{"backwards", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2025-01-02", To: "2025-01-01"}, "", "", "to"},
		{"bad id", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2025-01-01", To: "2025-01-01", ID: "a\x00b"}, "", "", "id"},
		{"a provider's use by grant", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2025-01-01", To: "2025-01-01", Provider: "HealthMSP"}, "2025-01-01", "2025-01-01", ""},
		{"a provider's use by operator", ledger.UsageStatementRequest{By: "operator", Period: "month", From: "2025-01", To: "2025-01", Provider: "HealthMSP"}, "2025-01-01", "2025-01-31", ""},
		{"a provider's use by dataset", ledger.UsageStatementRequest{By: "dataset", Period: "day", From: "2025-01-01", To: "2025-01-01", Provider: "HealthMSP"}, "", "", "provider"},
		{"a provider's use by provider", ledger.UsageStatementRequest{By: "provider", Period: "day", From: "2025-01-01", To: "2025-01-01", Provider: "HealthMSP"}, "", "", "provider"},
		{"bad provider", ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2025-01-01", To: "2025-01-01", Provider: "a b"}, "", "", "provider"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ledger.CheckUsageStatement(tt.req)
			if tt.field != "" {
				wantErr(t, err, ledger.ErrInvalid)
				var re *ledger.RuleError
				if !errors.As(err, &re) || re.Field != tt.field {
					t.Errorf("got %v, want a fault in %q", err, tt.field)
				}
				return
			}
			wantErr(t, err, nil)
			if got.From != tt.from || got.To != tt.to {
				t.Errorf("got %s to %s, want %s to %s", got.From, got.To, tt.from, tt.to)
			}
		})
	}
	req, _ := ledger.CheckUsageStatement(ledger.UsageStatementRequest{By: "grant", Period: "day", From: "2024-11-20", To: "2025-02-01"})
	if got := req.Months(); len(got) != 4 || got[0] != "2024-11" || got[3] != "2025-02" {
		t.Errorf("months: got %v", got)
	}
}

// Who reads which statement.
func TestAuthorizeUsageStatement(t *testing.T) {
	g := usageGrant("grant-1", lt.OperatorMSP)
	sub := usageGrant("sub-1", lt.DeveloperMSP)
	sub.ParentID, sub.ParentHolder = "grant-1", lt.OperatorMSP
	visits := &ledger.Dataset{ID: "visits", Owner: lt.HealthMSP}
	req := func(by, id string) ledger.UsageStatementRequest {
		return ledger.UsageStatementRequest{By: by, Period: "day", From: "2025-01-01", To: "2025-01-31", ID: id}
	}
	of := func(r ledger.UsageStatementRequest, provider string) ledger.UsageStatementRequest {
		r.Provider = provider
		return r
	}
	for _, tt := range []struct {
		caller ledger.Actor
		req    ledger.UsageStatementRequest
		ds     *ledger.Dataset
		g      *ledger.Grant
		want   error
	}{
		{lt.Actor(lt.HealthMSP), req("dataset", "visits"), visits, nil, nil},
		{lt.Actor(lt.MarketMSP), req("dataset", "visits"), visits, nil, ledger.ErrForbidden},
		{lt.Actor(lt.OperatorMSP), req("dataset", "visits"), visits, nil, ledger.ErrForbidden},
		{lt.Actor(lt.RegulatorMSP), req("dataset", "visits"), visits, nil, nil},
		{lt.Actor(lt.RegulatorMSP), req("dataset", "gone"), nil, nil, ledger.ErrNotFound},
		{lt.Actor(lt.AuthorityMSP), req("dataset", ""), nil, nil, nil},
		{lt.Actor(lt.HealthMSP), req("provider", ""), nil, nil, ledger.ErrForbidden},
		{lt.Actor(lt.OperatorMSP), req("grant", "grant-1"), nil, g, nil},
		{lt.Actor(lt.OperatorMSP), req("grant", "sub-1"), nil, sub, nil},
		{lt.Actor(lt.DeveloperMSP), req("grant", "sub-1"), nil, sub, nil},
		{lt.Actor(lt.DeveloperMSP), req("grant", "grant-1"), nil, g, ledger.ErrNotFound},
		{lt.Actor(lt.HealthMSP), req("grant", "grant-1"), nil, g, ledger.ErrForbidden},
		{lt.Actor(lt.OperatorMSP), req("operator", lt.OperatorMSP), nil, nil, nil},
		{lt.Actor(lt.DeveloperMSP), req("operator", lt.OperatorMSP), nil, nil, ledger.ErrForbidden},
		{lt.Actor(lt.HealthMSP), req("provider", lt.HealthMSP), nil, nil, nil},
		{lt.Actor(lt.HealthMSP), req("provider", lt.MarketMSP), nil, nil, ledger.ErrForbidden},
		{lt.Member, req("provider", lt.HealthMSP), nil, nil, ledger.ErrForbidden},
		// The use of a provider's datasets by grant or operator: the
		// provider reads it of every grant or operator, or of one grant
		// it can see; nobody else but the authority and the regulator.
		{lt.Actor(lt.HealthMSP), of(req("grant", ""), lt.HealthMSP), nil, nil, nil},
		{lt.Actor(lt.HealthMSP), of(req("operator", ""), lt.HealthMSP), nil, nil, nil},
		{lt.Actor(lt.HealthMSP), of(req("operator", lt.OperatorMSP), lt.HealthMSP), nil, nil, nil},
		{lt.Actor(lt.HealthMSP), of(req("grant", "grant-1"), lt.HealthMSP), nil, g, nil},
		{lt.Actor(lt.HealthMSP), of(req("grant", ""), lt.MarketMSP), nil, nil, ledger.ErrForbidden},
		{lt.Actor(lt.OperatorMSP), of(req("grant", ""), lt.HealthMSP), nil, nil, ledger.ErrForbidden},
		{lt.Actor(lt.OperatorMSP), of(req("grant", "grant-1"), lt.HealthMSP), nil, g, ledger.ErrForbidden},
		{lt.Actor(lt.DeveloperMSP), of(req("grant", "grant-1"), lt.HealthMSP), nil, g, ledger.ErrNotFound},
		{lt.Actor(lt.RegulatorMSP), of(req("operator", ""), lt.HealthMSP), nil, nil, nil},
		{lt.Actor(lt.AuthorityMSP), of(req("grant", "grant-1"), lt.MarketMSP), nil, g, nil},
	} {
		if err := ledger.AuthorizeUsageStatement(tt.caller, tt.req, tt.ds, tt.g); (err == nil) != (tt.want == nil) || (err != nil && ledger.Kind(err) != tt.want) {
			t.Errorf("%s by %s %q of %q: got %v, want %v", tt.caller.MSP, tt.req.By, tt.req.ID, tt.req.Provider, err, tt.want)
		}
	}
}

// A statement sums the rows inside its period by its key and period, keeps
// the one ID asked, and sorts by key then period.
func TestNewUsageStatement(t *testing.T) {
	g1, g2 := usageGrant("grant-1", lt.OperatorMSP), usageGrant("grant-2", "OtherMSP")
	day := func(g *ledger.Grant, on string, rs ...*ledger.Receipt) ledger.UsageDay {
		d := ledger.NewUsageDay(g, on)
		for _, r := range rs {
			d.Add(g, r, ledger.Stamp{})
		}
		return *d
	}
	days := []ledger.UsageDay{
		day(g1, "2025-01-31", usedReceipt(1, lt.T0, "visits")),
		day(g1, "2025-02-01", usedReceipt(2, lt.T0, "visits", "loans"), usedReceipt(3, lt.T0, "loans")),
		day(g2, "2025-02-01", usedReceipt(4, lt.T0, "visits")),
		day(g2, "2025-03-01", usedReceipt(100, lt.T0, "visits")),
	}
	type row = ledger.UsageStatementRow
	for _, tt := range []struct {
		req  ledger.UsageStatementRequest
		want []row
	}{
		{ledger.UsageStatementRequest{By: "dataset", Period: "month", From: "2025-01-01", To: "2025-02-28"},
			[]row{{"loans", "2025-02", 5, 2, 2}, {"visits", "2025-01", 1, 1, 1}, {"visits", "2025-02", 6, 2, 2}}},
		{ledger.UsageStatementRequest{By: "dataset", Period: "day", From: "2025-02-01", To: "2025-02-01", ID: "visits"},
			[]row{{"visits", "2025-02-01", 6, 2, 2}}},
		{ledger.UsageStatementRequest{By: "grant", Period: "month", From: "2025-01-01", To: "2025-03-31"},
			[]row{{"grant-1", "2025-01", 1, 1, 1}, {"grant-1", "2025-02", 5, 2, 2}, {"grant-2", "2025-02", 4, 1, 1}, {"grant-2", "2025-03", 100, 1, 1}}},
		{ledger.UsageStatementRequest{By: "operator", Period: "month", From: "2025-01-01", To: "2025-02-28", ID: lt.OperatorMSP},
			[]row{{lt.OperatorMSP, "2025-01", 1, 1, 1}, {lt.OperatorMSP, "2025-02", 5, 2, 2}}},
		{ledger.UsageStatementRequest{By: "provider", Period: "day", From: "2025-02-01", To: "2025-02-01"},
			[]row{{lt.HealthMSP, "2025-02-01", 6, 2, 2}, {lt.MarketMSP, "2025-02-01", 5, 2, 2}}},
		{ledger.UsageStatementRequest{By: "provider", Period: "day", From: "2025-04-01", To: "2025-04-30"}, []row{}},
		// Restricted to a provider's datasets: only the receipts that used
		// them, by grant or by the grant's holder.
		{ledger.UsageStatementRequest{By: "grant", Period: "month", From: "2025-01-01", To: "2025-03-31", Provider: lt.MarketMSP},
			[]row{{"grant-1", "2025-02", 5, 2, 2}}},
		{ledger.UsageStatementRequest{By: "operator", Period: "day", From: "2025-02-01", To: "2025-02-01", Provider: lt.HealthMSP},
			[]row{{lt.OperatorMSP, "2025-02-01", 2, 1, 1}, {"OtherMSP", "2025-02-01", 4, 1, 1}}},
		{ledger.UsageStatementRequest{By: "grant", Period: "month", From: "2025-01-01", To: "2025-03-31", ID: "grant-2", Provider: lt.HealthMSP},
			[]row{{"grant-2", "2025-02", 4, 1, 1}, {"grant-2", "2025-03", 100, 1, 1}}},
	} {
		s := ledger.NewUsageStatement(tt.req, days)
		if len(s.Rows) != len(tt.want) {
			t.Errorf("%+v: got %+v, want %+v", tt.req, s.Rows, tt.want)
			continue
		}
		var total ledger.UsageTotals
		for i := range tt.want {
			if s.Rows[i] != tt.want[i] {
				t.Errorf("%+v: row %d: got %+v, want %+v", tt.req, i, s.Rows[i], tt.want[i])
			}
			total.Records += tt.want[i].Records
			total.Calls += tt.want[i].Calls
			total.Receipts += tt.want[i].Receipts
		}
		if s.Totals != total {
			t.Errorf("%+v: totals %+v, want %+v", tt.req, s.Totals, total)
		}
	}
}
