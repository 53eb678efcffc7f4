//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestDisclosureWithoutToken runs the grant process through the APIs to a
// grant in force, its receipts and a listed product, then reads the public
// disclosure as anyone: an HTTP client with no Authorization header finds
// the grant, its agreement, the operator and the product, as a token
// holder does; the public page answers; every other route still wants a
// token; and a client address that asks too fast is told to wait.
func TestDisclosureWithoutToken(t *testing.T) {
	p := newAPIProcess(t, "pub")
	runPhases(t, append(p.grantInForce(),
		phase{"attestor and receipts", p.receiptsThroughAPI},
		phase{"product reviewed and listed", p.productThroughAPI},
		phase{"the disclosure without a token", p.anonymousDisclosure},
		phase{"the public page", p.publicPage},
		phase{"the public page in a browser", p.publicPageInBrowser},
		phase{"the API reference in a browser", p.apiDocsInBrowser},
		phase{"anonymous requests limited per address", p.anonymousRateLimit},
	)...)
}

// anonFind pages through a public list of o's API without a token, 100 at
// a time, until match holds; a 429 is waited out as its Retry-After says.
func anonFind[T any](t *testing.T, o *apiOrg, list string, match func(T) bool) T {
	t.Helper()
	bookmark, waits := "", 0
	for pages := 1; pages <= 100; pages++ {
		path := "/v1/disclosure/" + list + "?pageSize=100&bookmark=" + url.QueryEscape(bookmark)
		a := o.do(t, apiRequest{method: http.MethodGet, path: path, anonymous: true})
		if a.status == http.StatusTooManyRequests && waits < 10 {
			waits++
			wait, _ := strconv.Atoi(a.header.Get("Retry-After"))
			time.Sleep(time.Duration(max(wait, 1)) * time.Second)
			pages--
			continue
		}
		var pg page[T]
		a.want(t, http.StatusOK, &pg)
		for _, it := range pg.Items {
			if match(it) {
				return it
			}
		}
		if pg.Bookmark == "" {
			break
		}
		bookmark = pg.Bookmark
	}
	var none T
	t.Fatalf("GET /v1/disclosure/%s of %s without a token: not found", list, o.msp)
	return none
}

// mustJSON is v as JSON, to compare answers field by field.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return string(b)
}

// anonymousDisclosure reads the four disclosures of two organisations'
// APIs without a token and finds the run's grant, agreement, operator and
// product in them, the same as a token holder reads.
func (p *apiProcess) anonymousDisclosure(t *testing.T) {
	for _, o := range []*apiOrg{p.market, p.regulator} {
		t.Run(o.name, func(t *testing.T) {
			g := anonFind(t, o, "grants", func(g ledger.GrantSummary) bool { return g.ID == p.grant })
			if g.Holder != p.operator.msp || g.Status != ledger.GrantActive || !sameSet(g.Datasets, []string{p.visits, p.loans}) {
				t.Errorf("disclosed grant: got %+v, want %s held by %s over %s and %s, active", g, p.grant, p.operator.msp, p.visits, p.loans)
			}
			withToken := apiFind(t, p.health, "/v1/disclosure/grants", func(g ledger.GrantSummary) bool { return g.ID == p.grant })
			if anon, tok := mustJSON(t, g), mustJSON(t, withToken); anon != tok {
				t.Errorf("disclosed grant without a token %+v, with a token of %s %+v: want the same", g, p.health.msp, withToken)
			}
			a := anonFind(t, o, "agreements", func(a ledger.AgreementSummary) bool { return a.ID == p.agreement })
			if a.GrantID != p.grant || a.Operator != p.operator.msp || a.InForceFrom.IsZero() {
				t.Errorf("disclosed agreement: got %+v, want %s of %s, in force", a, p.agreement, p.grant)
			}
			op := anonFind(t, o, "operators", func(d ledger.OperatorDisclosure) bool { return d.MSP == p.operator.msp })
			if !slices.Contains(op.Grants, p.grant) || len(op.Scenarios) == 0 {
				t.Errorf("disclosed operator: got %+v, want grant %s and its scenario", op, p.grant)
			}
			pr := anonFind(t, o, "products", func(s ledger.ProductSummary) bool { return s.ID == p.product })
			if pr.Owner != p.operator.msp || pr.RegistrationNo != "HZDE-"+p.run || !slices.Contains(pr.Grants, p.grant) {
				t.Errorf("disclosed product: got %+v, want %s of %s, registered HZDE-%s, from %s", pr, p.product, p.operator.msp, p.run, p.grant)
			}
		})
	}
	// Nothing else became public.
	for _, path := range []string{"/v1/grants/" + p.grant, "/v1/grants", "/v1/agreements/" + p.agreement, "/v1/products/" + p.product, "/v1/me"} {
		a := p.market.do(t, apiRequest{method: http.MethodGet, path: path, anonymous: true})
		wantAPIError(t, a, http.StatusUnauthorized, "unauthenticated", "", "Bearer")
	}
}

// publicPage reads the public page without a token, at /public/ as a
// person would type it, and the script it loads.
func (p *apiProcess) publicPage(t *testing.T) {
	a := p.regulator.do(t, apiRequest{method: http.MethodGet, path: "/public/", anonymous: true}).want(t, http.StatusOK, nil)
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want text/html", a.req, ct)
	}
	if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("%s: Content-Security-Policy %q, want default-src 'self'", a.req, csp)
	}
	if !strings.Contains(string(a.body), "公开信息") || !strings.Contains(string(a.body), "public/disclosure.js") {
		t.Errorf("%s: not the public page", a)
	}
	js := p.regulator.do(t, apiRequest{method: http.MethodGet, path: "/public/disclosure.js", anonymous: true}).want(t, http.StatusOK, nil)
	if !strings.Contains(string(js.body), "v1/disclosure/") {
		t.Errorf("%s: the script does not read the disclosure", js.req)
	}
}

// anonymousRateLimit sends requests without a token faster than an
// address may (malformed ones, refused before the ledger, so that they
// come fast enough): after the burst they answer 429 rate_limited with
// Retry-After; after waiting that long, one answers again.
func (p *apiProcess) anonymousRateLimit(t *testing.T) {
	o := p.regulator
	var limited apiAnswer
	for i := range 200 {
		a := o.do(t, apiRequest{method: http.MethodGet, path: "/v1/disclosure/grants?pageSize=0", anonymous: true})
		if a.status == http.StatusTooManyRequests {
			limited = a
			t.Logf("request %d without a token: 429, Retry-After %s", i+1, a.header.Get("Retry-After"))
			break
		}
		wantAPIError(t, a, http.StatusBadRequest, "invalid", "pageSize", "")
	}
	if limited.status == 0 {
		t.Fatal("200 requests without a token from one address: none limited")
	}
	wantAPIError(t, limited, http.StatusTooManyRequests, "rate_limited", "", "client address")
	wait, err := strconv.Atoi(limited.header.Get("Retry-After"))
	if err != nil || wait < 1 {
		t.Fatalf("%s: Retry-After %q, want whole seconds", limited, limited.header.Get("Retry-After"))
	}
	// A token holder is not limited by the address.
	o.do(t, apiRequest{method: http.MethodGet, path: "/v1/me"}).want(t, http.StatusOK, nil)
	time.Sleep(time.Duration(wait) * time.Second)
	var pg page[ledger.GrantSummary]
	o.do(t, apiRequest{method: http.MethodGet, path: "/v1/disclosure/grants?pageSize=1", anonymous: true}).want(t, http.StatusOK, &pg)
	// Leave the address a full bucket for the tests that follow.
	time.Sleep(3 * time.Second)
}
