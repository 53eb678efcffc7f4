package chaincode_test

import (
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// usedAt is a receipt of records of grant over datasets (fields granted
// by lt.Scope) used at t.
func (n *net) usedAt(id, grant string, records uint64, t time.Time, datasets ...string) ledger.ReceiptRequest {
	s := lt.Statement(id, grant, records)
	s.Time = t.Unix()
	s.Datasets = nil
	for _, d := range datasets {
		field := "age"
		if d == "loans" {
			field = "amount"
		}
		s.Datasets = append(s.Datasets, attest.DatasetUse{ID: d, Fields: []string{field}})
	}
	return n.receipt(s)
}

// statement reads a usage statement as msp.
func (n *net) statement(msp, by, period, id string) ledger.UsageStatement {
	n.t.Helper()
	var s ledger.UsageStatement
	n.get(&s, msp, "UsageStatement", ledger.UsageStatementRequest{By: by, Period: period, From: ledger.UsageDayOf(lt.T0), To: ledger.UsageDayOf(lt.Days(60)), ID: id})
	return s
}

func rowsOf(s ledger.UsageStatement) string {
	var b strings.Builder
	for _, r := range s.Rows {
		b.WriteString(r.Key + " " + r.Period + " " + itoa(r.Records) + "/" + itoa(r.Calls) + "/" + itoa(r.Receipts) + "; ")
	}
	return b.String()
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var d []byte
	for ; v > 0; v /= 10 {
		d = append([]byte{byte('0' + v%10)}, d...)
	}
	return string(d)
}

// Receipts accepted alone, together and in a batch, on a grant and its
// sub-grant, over two days and two providers' datasets: every statement
// sums what was accepted, and only that, by dataset, grant, operator and
// provider, by day and by month; each reader sees what is its own.
func TestUsageStatementsSumTheReceipts(t *testing.T) {
	n := subWorld(t)
	day, before := lt.UseTime, lt.UseTime.Add(-24*time.Hour)
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.usedAt("r-1", "grant-1", 10, day, "visits"))
	n.ok(lt.OperatorMSP, "SubmitReceipts", ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{
		n.usedAt("r-2", "grant-1", 20, day, "visits", "loans"),
		n.usedAt("r-3", "grant-1", 5, before, "loans"),
	}})
	// r-1 again is refused in the batch: it counts nowhere.
	n.ok(lt.PlatformMSP, "SubmitReceiptBatch", ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{
		n.usedAt("r-4", "grant-1", 7, day, "visits"), n.usedAt("r-1", "grant-1", 10, day, "visits"),
	}})
	n.ok(lt.DeveloperMSP, "SubmitReceipt", n.usedAt("r-6", "sub-1", 3, n.peer.Now(), "visits"))

	d, d0, m := ledger.UsageDayOf(day), ledger.UsageDayOf(before), ledger.UsageDayOf(day)[:7]
	m0 := ledger.UsageDayOf(before)[:7]
	for _, tt := range []struct {
		msp, by, period, id string
		want                string
		total               ledger.UsageTotals
	}{
		{lt.HealthMSP, "dataset", "day", "visits", "visits " + d + " 40/4/4; ", ledger.UsageTotals{Records: 40, Calls: 4, Receipts: 4}},
		{lt.MarketMSP, "dataset", "day", "loans", "loans " + d0 + " 5/1/1; loans " + d + " 20/1/1; ", ledger.UsageTotals{Records: 25, Calls: 2, Receipts: 2}},
		{lt.HealthMSP, "provider", "day", lt.HealthMSP, lt.HealthMSP + " " + d + " 40/4/4; ", ledger.UsageTotals{Records: 40, Calls: 4, Receipts: 4}},
		{lt.OperatorMSP, "grant", "day", "grant-1", "grant-1 " + d0 + " 5/1/1; grant-1 " + d + " 37/3/3; ", ledger.UsageTotals{Records: 42, Calls: 4, Receipts: 4}},
		{lt.OperatorMSP, "grant", "day", "sub-1", "sub-1 " + d + " 3/1/1; ", ledger.UsageTotals{Records: 3, Calls: 1, Receipts: 1}},
		{lt.DeveloperMSP, "operator", "day", lt.DeveloperMSP, lt.DeveloperMSP + " " + d + " 3/1/1; ", ledger.UsageTotals{Records: 3, Calls: 1, Receipts: 1}},
		{lt.RegulatorMSP, "dataset", "day", "", "loans " + d0 + " 5/1/1; loans " + d + " 20/1/1; visits " + d + " 40/4/4; ", ledger.UsageTotals{Records: 65, Calls: 6, Receipts: 6}},
		{lt.AuthorityMSP, "grant", "day", "", "grant-1 " + d0 + " 5/1/1; grant-1 " + d + " 37/3/3; sub-1 " + d + " 3/1/1; ", ledger.UsageTotals{Records: 45, Calls: 5, Receipts: 5}},
	} {
		s := n.statement(tt.msp, tt.by, tt.period, tt.id)
		if got := rowsOf(s); got != tt.want || s.Totals != tt.total {
			t.Errorf("%s by %s %q: got %s%+v, want %s%+v", tt.msp, tt.by, tt.id, got, s.Totals, tt.want, tt.total)
		}
	}
	// By month: the two days fold into their months.
	s := n.statement(lt.MarketMSP, "provider", "month", lt.MarketMSP)
	want := lt.MarketMSP + " " + m + " 25/2/2; "
	if m0 != m {
		want = lt.MarketMSP + " " + m0 + " 5/1/1; " + lt.MarketMSP + " " + m + " 20/1/1; "
	}
	if got := rowsOf(s); got != want {
		t.Errorf("MarketMSP by month: got %s, want %s", got, want)
	}
	s = n.statement(lt.OperatorMSP, "operator", "month", lt.OperatorMSP)
	if s.Totals != (ledger.UsageTotals{Records: 42, Calls: 4, Receipts: 4}) {
		t.Errorf("OperatorMSP by month: got %s%+v, want grant-1's 42 records in 4 receipts", rowsOf(s), s.Totals)
	}
	// A provider's datasets, by grant and by operator: only the receipts
	// that used them, the developer's sub-grant included; the provider
	// reads it without naming a grant or an operator.
	for _, tt := range []struct {
		msp, by, provider, id string
		want                  string
	}{
		{lt.HealthMSP, "grant", lt.HealthMSP, "", "grant-1 " + d + " 37/3/3; sub-1 " + d + " 3/1/1; "},
		{lt.HealthMSP, "operator", lt.HealthMSP, "", lt.DeveloperMSP + " " + d + " 3/1/1; " + lt.OperatorMSP + " " + d + " 37/3/3; "},
		{lt.HealthMSP, "grant", lt.HealthMSP, "sub-1", "sub-1 " + d + " 3/1/1; "},
		{lt.MarketMSP, "grant", lt.MarketMSP, "", "grant-1 " + d0 + " 5/1/1; grant-1 " + d + " 20/1/1; "},
		{lt.MarketMSP, "operator", lt.MarketMSP, lt.DeveloperMSP, ""},
		{lt.RegulatorMSP, "operator", lt.MarketMSP, "", lt.OperatorMSP + " " + d0 + " 5/1/1; " + lt.OperatorMSP + " " + d + " 20/1/1; "},
	} {
		var s ledger.UsageStatement
		n.get(&s, tt.msp, "UsageStatement", ledger.UsageStatementRequest{By: tt.by, Period: "day", From: ledger.UsageDayOf(lt.T0), To: ledger.UsageDayOf(lt.Days(60)), ID: tt.id, Provider: tt.provider})
		if got := rowsOf(s); got != tt.want || s.Provider != tt.provider {
			t.Errorf("%s: %s's datasets by %s %q: got %s (of %q), want %s", tt.msp, tt.provider, tt.by, tt.id, got, s.Provider, tt.want)
		}
	}
	// A period that ends before the use shows nothing.
	var empty ledger.UsageStatement
	n.get(&empty, lt.HealthMSP, "UsageStatement", ledger.UsageStatementRequest{By: "dataset", Period: "day", From: ledger.UsageDayOf(lt.T0), To: d0, ID: "visits"})
	if len(empty.Rows) != 0 || empty.Totals != (ledger.UsageTotals{}) {
		t.Errorf("visits before its use: got %s", rowsOf(empty))
	}
}

// Statements are read by those whose data or use they sum; others are
// refused without learning of a grant they may not read.
func TestUsageStatementRefusals(t *testing.T) {
	n := subWorld(t)
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.useNow("r-1", "grant-1", 10))
	req := func(by, id string) ledger.UsageStatementRequest {
		return ledger.UsageStatementRequest{By: by, Period: "day", From: "2025-01-01", To: "2025-03-01", ID: id}
	}
	of := func(r ledger.UsageStatementRequest, provider string) ledger.UsageStatementRequest {
		r.Provider = provider
		return r
	}
	for _, tt := range []struct {
		msp  string
		req  ledger.UsageStatementRequest
		want string
	}{
		{lt.MarketMSP, req("dataset", "visits"), "forbidden: usage statement by dataset visits: usage statements of dataset visits are read by its provider HealthMSP, the authority and the regulator, not MarketMSP"},
		{lt.OperatorMSP, req("dataset", "visits"), "forbidden: usage statement by dataset visits: usage statements of dataset visits are read by its provider HealthMSP, the authority and the regulator, not OperatorMSP"},
		{lt.HealthMSP, req("grant", "grant-1"), "forbidden: usage statement by grant grant-1: usage statements of grant grant-1 are read by its holder, the authority and the regulator, not HealthMSP"},
		{lt.DeveloperMSP, req("grant", "grant-1"), "not found: usage statement by grant grant-1: grant grant-1 does not exist"},
		{lt.DeveloperMSP, req("grant", "grant-9"), "not found: usage statement by grant grant-9: grant grant-9 does not exist"},
		{lt.PlatformMSP, req("operator", lt.OperatorMSP), "forbidden: usage statement by operator OperatorMSP: usage statements of operator OperatorMSP are read by that operator, the authority and the regulator, not PlatformMSP"},
		{lt.OperatorMSP, req("provider", lt.HealthMSP), "forbidden: usage statement by provider HealthMSP: usage statements of provider HealthMSP are read by that provider, the authority and the regulator, not OperatorMSP"},
		{lt.HealthMSP, req("dataset", ""), "forbidden: usage statement by dataset: usage statements of every dataset are read by the authority and the regulator, not HealthMSP"},
		{lt.RegulatorMSP, req("dataset", "nothing"), "not found: usage statement by dataset nothing: dataset nothing does not exist"},
		{lt.HealthMSP, req("product", "visits"), "invalid: usage statement: by: \"product\" is not one of dataset, grant, operator, provider"},
		{lt.HealthMSP, ledger.UsageStatementRequest{By: "dataset", Period: "week", From: "2025-01-01", To: "2025-01-02", ID: "visits"}, "invalid: usage statement: period: "},
		{lt.HealthMSP, ledger.UsageStatementRequest{By: "dataset", Period: "day", From: "2025-01-02", To: "2025-01-01", ID: "visits"}, "invalid: usage statement: to: 2025-01-01 is before from 2025-01-02"},
		{lt.HealthMSP, ledger.UsageStatementRequest{By: "dataset", Period: "day", From: "2025-01-01", To: "2026-01-02", ID: "visits"}, "invalid: usage statement: to: the statement covers 367 days, at most 366 by day"},
		{lt.HealthMSP, ledger.UsageStatementRequest{By: "dataset", Period: "day", From: "2025-01", To: "2025-02-01", ID: "visits"}, "invalid: usage statement: from: \"2025-01\" is not a day (YYYY-MM-DD)"},
		{lt.OperatorMSP, of(req("grant", ""), lt.HealthMSP), "forbidden: usage statement by grant: the use of provider HealthMSP's datasets by grant is read by that provider, the authority and the regulator, not OperatorMSP"},
		{lt.MarketMSP, of(req("operator", lt.OperatorMSP), lt.HealthMSP), "forbidden: usage statement by operator OperatorMSP: the use of provider HealthMSP's datasets by operator is read by that provider, the authority and the regulator, not MarketMSP"},
		{lt.DeveloperMSP, of(req("grant", "grant-1"), lt.HealthMSP), "not found: usage statement by grant grant-1: grant grant-1 does not exist"},
		{lt.HealthMSP, of(req("dataset", "visits"), lt.HealthMSP), "invalid: usage statement: provider: restricts a statement by grant or by operator to one provider's datasets, not one by dataset"},
	} {
		n.refused(tt.want, tt.msp, "UsageStatement", tt.req)
	}
	// The developer reads its sub-grant; the parent's holder reads it too.
	n.ok(lt.DeveloperMSP, "UsageStatement", req("grant", "sub-1"))
	n.ok(lt.OperatorMSP, "UsageStatement", req("grant", "sub-1"))
	// A monthly statement takes months.
	n.ok(lt.HealthMSP, "UsageStatement", ledger.UsageStatementRequest{By: "dataset", Period: "month", From: "2025-01", To: "2025-12", ID: "visits"})
}

// Receipts of one transaction on one grant and day of use write one day
// row between them, beside the receipts and the grant's usage row.
func TestUsageDayIsWrittenOncePerTransaction(t *testing.T) {
	n := world(t)
	var reqs []ledger.ReceiptRequest
	for _, id := range []string{"r-1", "r-2", "r-3"} {
		reqs = append(reqs, n.usedAt(id, "grant-1", 1, lt.UseTime, "visits", "loans"))
	}
	tx := n.call(lt.OperatorMSP, "SubmitReceipts", ledger.ReceiptsRequest{Receipts: reqs})
	if !tx.OK() {
		t.Fatal(tx.Message)
	}
	days := 0
	for _, k := range tx.Writes() {
		if strings.HasPrefix(k, "\x00usageday\x00") {
			days++
			if !strings.HasPrefix(k, "\x00usageday\x00grant-1\x00"+ledger.UsageDayOf(lt.UseTime)[:7]+"\x00"+ledger.UsageDayOf(lt.UseTime)+"\x00") {
				t.Errorf("wrote day row %q", k)
			}
		}
	}
	if days != 1 {
		t.Errorf("wrote %d day rows (%q), want 1", days, tx.Writes())
	}
	s := n.statement(lt.MarketMSP, "dataset", "day", "loans")
	if s.Totals != (ledger.UsageTotals{Records: 3, Calls: 3, Receipts: 3}) {
		t.Errorf("loans: got %s%+v, want 3 records in 3 receipts", rowsOf(s), s.Totals)
	}
}
