package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// The history route asks the contract for one page (QueryHistory) with
// the list's pageSize and bookmark and answers that page as it is.
func TestHistoryPages(t *testing.T) {
	var entries []ledger.HistoryEntry
	for i := range 5 {
		entries = append(entries, ledger.HistoryEntry{TxID: fmt.Sprintf("tx%d", i)})
	}
	ts := newServerOver(t, func(f fake) Ledger { return fakeLedger{AuditLedger: fakeAudit{f, entries}} })
	var got []string
	bookmark := ""
	for range 4 {
		path := "/v1/grants/g-1/history?pageSize=2"
		if bookmark != "" {
			path += "&bookmark=" + bookmark
		}
		rec := ts.do(t, request{method: http.MethodGet, path: path, user: "Admin"})
		if rec.Code != http.StatusOK {
			t.Fatalf("status: got %d, want 200; body %s", rec.Code, rec.Body)
		}
		var page HistoryPage
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			got = append(got, e.TxID)
		}
		if bookmark = page.Bookmark; bookmark == "" {
			break
		}
	}
	if want := "tx0 tx1 tx2 tx3 tx4"; strings.Join(got, " ") != want {
		t.Errorf("history: got %v, want %s", got, want)
	}
	calls := ts.state.recorded()
	if len(calls) != 3 {
		t.Fatalf("got %d ledger calls, want one per page (3)", len(calls))
	}
	if q, ok := calls[1].Args[0].(ledger.HistoryQuery); !ok || q.ObjectType != "grant" || q.ID != "g-1" || q.PageSize != 2 || q.Bookmark != "b2" {
		t.Errorf("QueryHistory of the second page: got %v, want grant g-1, 2 from bookmark b2", calls[1].Args)
	}
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/grants/g-1/history?pageSize=101", user: "Admin"})
	if rec.Code != http.StatusBadRequest {
		t.Errorf("pageSize 101: got %d, want 400", rec.Code)
	}
}

// fakeAudit is the disclosure, provenance and history (AuditLedger) at the
// process boundary; every object's history is the one given.
type fakeAudit struct {
	fake
	history []ledger.HistoryEntry
}

func (f fakeAudit) DisclosedOperators(ctx context.Context, q ledger.Query) (*ledger.OperatorDisclosurePage, error) {
	return answer(f.fake, ctx, "DisclosedOperators", &ledger.OperatorDisclosurePage{Items: []ledger.OperatorDisclosure{}}, q)
}
func (f fakeAudit) DisclosedGrants(ctx context.Context, q ledger.Query) (*ledger.GrantSummaryPage, error) {
	return answer(f.fake, ctx, "DisclosedGrants", &ledger.GrantSummaryPage{Items: []ledger.GrantSummary{}}, q)
}
func (f fakeAudit) DisclosedAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementSummaryPage, error) {
	return answer(f.fake, ctx, "DisclosedAgreements", &ledger.AgreementSummaryPage{Items: []ledger.AgreementSummary{}}, q)
}
func (f fakeAudit) DisclosedProducts(ctx context.Context, q ledger.Query) (*ledger.ProductSummaryPage, error) {
	return answer(f.fake, ctx, "DisclosedProducts", &ledger.ProductSummaryPage{Items: []ledger.ProductSummary{}}, q)
}
func (f fakeAudit) GetProvenance(ctx context.Context, productID string) (*ledger.Provenance, error) {
	return answer(f.fake, ctx, "GetProvenance", &ledger.Provenance{Product: ledger.ProvenanceStep{ID: productID}}, productID)
}

// QueryHistory pages through the history given as the contract does, the
// bookmark "b<offset>".
func (f fakeAudit) QueryHistory(ctx context.Context, q ledger.HistoryQuery) (*ledger.HistoryPage, error) {
	from := 0
	if q.Bookmark != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.Bookmark, "b"))
		if err != nil {
			return nil, fmt.Errorf("%w: bad bookmark", ledger.ErrInvalid)
		}
		from = n
	}
	page := &ledger.HistoryPage{Items: []ledger.HistoryEntry{}}
	if from < len(f.history) {
		end := min(from+int(q.PageSize), len(f.history))
		page.Items = f.history[from:end]
		if end < len(f.history) {
			page.Bookmark = "b" + strconv.Itoa(end)
		}
	}
	return answer(f.fake, ctx, "QueryHistory", page, q)
}
