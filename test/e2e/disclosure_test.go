//go:build e2e

package e2e

import (
	"slices"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// Lists and public disclosure: the ledger's lists page with bookmarks, and
// the public finds every grant, agreement and operator in force.

// pagesAndDisclosure pages through the run's receipts two at a time, and
// finds the run's grant, agreement and operator in the public disclosure
// lists, which grow with every run on the same ledger.
func (p *process) pagesAndDisclosure(t *testing.T) {
	ctx := t.Context()
	t.Run("receipts two at a time", func(t *testing.T) {
		var got []string
		q := ledger.Query{By: "grant", Value: p.grant, PageSize: 2}
		for pages := 1; ; pages++ {
			page, err := p.as(p.operator).QueryReceipts(ctx, q)
			ok(t, err, "query receipts of %s, page %d", p.grant, pages)
			if len(page.Items) > 2 {
				t.Fatalf("page %d: got %d receipts, want at most 2", pages, len(page.Items))
			}
			for _, r := range page.Items {
				got = append(got, r.ID)
			}
			if page.Bookmark == "" {
				break
			}
			if pages > 10 {
				t.Fatalf("still a bookmark after %d pages", pages)
			}
			q.Bookmark = page.Bookmark
		}
		want := []string{p.id("r1"), p.id("r2"), p.id("r3"), p.id("r4")}
		if !slices.Equal(got, want) {
			t.Errorf("receipts of %s: got %v, want %v in key order", p.grant, got, want)
		}
	})
	public := p.as(p.market)
	t.Run("grants in force", func(t *testing.T) {
		g := findInPages(t, "disclosed grants", public.DisclosedGrants, func(g ledger.GrantSummary) bool { return g.ID == p.grant })
		if g.Holder != p.operator || g.Status != ledger.GrantActive || !sameSet(g.Datasets, []string{p.visits, p.loans}) {
			t.Errorf("disclosed grant: got %+v, want %s held by %s over %s and %s", g, p.grant, p.operator, p.visits, p.loans)
		}
	})
	t.Run("agreements in force", func(t *testing.T) {
		a := findInPages(t, "disclosed agreements", public.DisclosedAgreements, func(a ledger.AgreementSummary) bool { return a.ID == p.agreement })
		if a.GrantID != p.grant || !a.InForceFrom.Equal(p.agreementInForce) {
			t.Errorf("disclosed agreement: got %+v, want grant %s in force from %v", a, p.grant, p.agreementInForce)
		}
	})
	t.Run("operators", func(t *testing.T) {
		o := findInPages(t, "disclosed operators", public.DisclosedOperators, func(o ledger.OperatorDisclosure) bool { return o.MSP == p.operator })
		if !slices.Contains(o.Grants, p.grant) || !slices.Contains(o.Scenarios, "inclusive-credit") {
			t.Errorf("disclosed operator: got %+v, want grant %s and its scenario among those in force", o, p.grant)
		}
	})
}
