package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

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
	if c := ts.state.recorded()[0]; c.Args[0] != "grant" || c.Args[1] != "g-1" {
		t.Errorf("GetHistory args: got %v, want grant g-1", c.Args)
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
func (f fakeAudit) GetHistory(ctx context.Context, objectType, id string) ([]ledger.HistoryEntry, error) {
	return answer(f.fake, ctx, "GetHistory", f.history, objectType, id)
}
