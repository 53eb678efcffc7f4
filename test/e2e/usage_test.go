//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

// TestUsageStatements runs usage statements (用数统计) through the APIs on
// a grant of its own over health's visits and market's loans: receipts
// accepted alone and in a batch; health reads its dataset's statement and
// it equals what was submitted, the operator its grant's, the regulator
// every grant's; market reads its own dataset's use, and is refused
// health's dataset; the platform learns nothing of the grant.
func TestUsageStatements(t *testing.T) {
	r := usageRun{newAPIProcess(t, "use")}
	if !t.Run("setup", r.setUp) {
		t.FailNow()
	}
	for _, c := range []phase{
		{"the provider reads its dataset's use", r.providerReads},
		{"the provider reads its datasets' use by grant and operator", r.providerReadsByGrant},
		{"the holder reads its grant's use", r.holderReads},
		{"the regulator reads every grant's", r.regulatorReads},
		{"others are refused", r.refusals},
	} {
		if !t.Run(c.name, c.run) {
			t.FailNow()
		}
	}
}

// usageRun is the run of TestUsageStatements.
type usageRun struct{ *apiProcess }

// setUp puts the run's grant over visits and loans in force and records
// receipts on it: r1 (visits, 5 records) alone; r2 (visits and loans, 10)
// and r3 (visits, 10) in a batch. All are used at the same second.
func (r usageRun) setUp(t *testing.T) {
	r.rulesGrantInForce(t)
	var rec ledger.Receipt
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: r.receiptBody(r.statement(r.id("r1"), 5))},
		http.StatusCreated, "receipt.accepted", &rec)
	both := r.statement(r.id("r2"), 10)
	both.Datasets = append(both.Datasets, attest.DatasetUse{ID: r.loans, Fields: []string{"amount"}})
	var b ledger.Batch
	r.write(t, r.platform, apiRequest{method: http.MethodPost, path: "/v1/batches", body: obj{"id": r.id("batch"),
		"receipts": []obj{r.receiptBody(both), r.receiptBody(r.statement(r.id("r3"), 10))}}}, http.StatusCreated, "batch.accepted", &b)
	if b.Count != 2 {
		t.Fatalf("batch: got %d accepted (%+v), want 2", b.Count, b.Outcomes)
	}
}

// statementPath asks for the statement by and id, per day, from the day
// before the use to the day after.
func (r usageRun) statementPath(by, period, id string) string {
	q := url.Values{"by": {by}, "period": {period}, "from": {ledger.UsageDayOf(r.usable.AddDate(0, 0, -1))}, "to": {ledger.UsageDayOf(r.usable.AddDate(0, 0, 1))}}
	if id != "" {
		q.Set("id", id)
	}
	return "/v1/usage/statements?" + q.Encode()
}

// wantRow checks that s has key's one row on the day of use, of records
// in receipts (one call each).
func (r usageRun) wantRow(t *testing.T, who string, s ledger.UsageStatement, key string, records, receipts uint64) {
	t.Helper()
	want := ledger.UsageStatementRow{Key: key, Period: ledger.UsageDayOf(r.usable), Records: records, Calls: receipts, Receipts: receipts}
	var got []ledger.UsageStatementRow
	for _, row := range s.Rows {
		if row.Key == key {
			got = append(got, row)
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("%s's statement by %s: got rows %+v for %s, want %+v", who, s.By, got, key, want)
	}
}

func (r usageRun) providerReads(t *testing.T) {
	var s ledger.UsageStatement
	r.get(t, r.health, r.statementPath("dataset", "day", r.visits), &s)
	r.wantRow(t, "health", s, r.visits, 25, 3)
	if len(s.Rows) != 1 || s.Totals != (ledger.UsageTotals{Records: 25, Calls: 3, Receipts: 3}) {
		t.Errorf("health's statement of %s: got %+v, want one row of 25 records in 3 receipts", r.visits, s)
	}
	// Market's loans were used by r2 alone.
	r.get(t, r.market, r.statementPath("dataset", "month", r.loans), &s)
	if len(s.Rows) != 1 || s.Rows[0].Period != ledger.UsageDayOf(r.usable)[:7] || s.Totals != (ledger.UsageTotals{Records: 10, Calls: 1, Receipts: 1}) {
		t.Errorf("market's statement of %s: got %+v, want one month of 10 records in 1 receipt", r.loans, s)
	}
}

// providerReadsByGrant: each provider reads the use of its own datasets
// by grant and by operator, counting only the receipts that used them —
// health all three, market r2 alone — without reading the grant's own
// statement (refused above and below).
func (r usageRun) providerReadsByGrant(t *testing.T) {
	var s ledger.UsageStatement
	r.get(t, r.health, r.statementPath("grant", "day", "")+"&provider="+r.health.msp, &s)
	r.wantRow(t, "health", s, r.grant, 25, 3)
	r.get(t, r.market, r.statementPath("grant", "day", r.grant)+"&provider="+r.market.msp, &s)
	r.wantRow(t, "market", s, r.grant, 10, 1)
	if len(s.Rows) != 1 || s.Provider != r.market.msp {
		t.Errorf("market's use of its datasets by %s: got %+v, want its one row", r.grant, s)
	}
	// By operator the grant's use is among the operator's other grants
	// over market's datasets on this network: at least r2's.
	r.get(t, r.market, r.statementPath("operator", "day", r.operator.msp)+"&provider="+r.market.msp, &s)
	if len(s.Rows) != 1 || s.Rows[0].Key != r.operator.msp || s.Rows[0].Records < 10 || s.Rows[0].Receipts < 1 {
		t.Errorf("market's use of its datasets by operator %s: got %+v, want one row of at least r2's 10 records", r.operator.msp, s)
	}
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("grant", "day", "") + "&provider=" + r.health.msp}),
		http.StatusForbidden, "forbidden", "", fmt.Sprintf("the use of provider %s's datasets by grant is read by that provider", r.health.msp))
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("operator", "day", "") + "&provider=" + r.health.msp}),
		http.StatusForbidden, "forbidden", "", fmt.Sprintf("the use of provider %s's datasets by operator is read by that provider", r.health.msp))
	wantAPIError(t, r.health.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("dataset", "day", r.visits) + "&provider=" + r.health.msp}),
		http.StatusBadRequest, "invalid", "provider", "restricts a statement by grant or by operator")
}

func (r usageRun) holderReads(t *testing.T) {
	var s ledger.UsageStatement
	r.get(t, r.operator, r.statementPath("grant", "day", r.grant), &s)
	r.wantRow(t, "the operator", s, r.grant, 25, 3)
	if len(s.Rows) != 1 {
		t.Errorf("the operator's statement of %s: got %+v, want one row", r.grant, s.Rows)
	}
}

func (r usageRun) regulatorReads(t *testing.T) {
	var s ledger.UsageStatement
	r.get(t, r.regulator, r.statementPath("grant", "day", ""), &s)
	r.wantRow(t, "the regulator", s, r.grant, 25, 3)
	r.get(t, r.regulator, r.statementPath("dataset", "day", ""), &s)
	r.wantRow(t, "the regulator", s, r.visits, 25, 3)
	r.wantRow(t, "the regulator", s, r.loans, 10, 1)
}

func (r usageRun) refusals(t *testing.T) {
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("dataset", "day", r.visits)}),
		http.StatusForbidden, "forbidden", "", fmt.Sprintf("usage statements of dataset %s are read by its provider %s", r.visits, r.health.msp))
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("grant", "day", r.grant)}),
		http.StatusForbidden, "forbidden", "", fmt.Sprintf("usage statements of grant %s are read by its holder", r.grant))
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("provider", "day", r.health.msp)}),
		http.StatusForbidden, "forbidden", "", "usage statements of provider "+r.health.msp)
	wantAPIError(t, r.health.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("dataset", "day", "")}),
		http.StatusForbidden, "forbidden", "", "usage statements of every dataset are read by the authority and the regulator")
	wantAPIError(t, r.platform.do(t, apiRequest{method: http.MethodGet, path: r.statementPath("grant", "day", r.grant)}),
		http.StatusNotFound, "not_found", "", "grant "+r.grant+" does not exist")
	wantAPIError(t, r.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/usage/statements?by=purpose&period=day&from=2026-01-01&to=2026-01-02"}),
		http.StatusBadRequest, "invalid", "by", "is not one of")
}
