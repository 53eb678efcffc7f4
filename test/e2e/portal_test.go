//go:build e2e

package e2e

// The portal (门户) in headless Chromium against the real network: people
// sign in with their own tokens at their own organisation's API and act
// through its /v1 routes. Screenshots go to E2E_ARTIFACTS/screenshots;
// with E2E_DOCS_IMG set to a directory (docs/img), the two the README
// shows are written there too.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/grantledger/grantledger/ledger"
)

// TestPortal: a provider signs in to its portal and approves a waiting
// grant, by keyboard, and the authority's inbox shows the grant waiting
// for one provider less, then in force; the regulator opens the product's
// provenance graph, reads a receipt's history and checks its inclusion
// proof in the page; the provider's inbox shows the use of its data and
// a further grant waiting, in Chinese drawn with a CJK font, at a desktop
// and a phone's width.
func TestPortal(t *testing.T) {
	p := newAPIProcess(t, "portal")
	runPhases(t,
		phase{"parties", p.parties},
		phase{"catalogue and call", func(t *testing.T) { p.catalogue(t, p.visits, p.loans) }},
		phase{"application and reviews", func(t *testing.T) { p.apply(t, p.visits, p.loans) }},
		phase{"grant issued", func(t *testing.T) { p.issue(t, ledger.Quota{Records: 1000, Calls: 10}, p.visits, p.loans) }},
		phase{"a provider approves in its portal, the authority sees it move", p.approveInPortal},
		phase{"agreement signed by both", p.sign},
		phase{"attestor and receipts", p.receiptsThroughAPI},
		phase{"the platform's inbox shows its anchoring backlog", p.anchoringInPortal},
		phase{"the operator's inbox shows its quota used and its receipts", p.operatorInboxInPortal},
		phase{"product reviewed and listed", p.productThroughAPI},
		phase{"the regulator's provenance graph and a proof checked", p.provenanceInPortal},
		phase{"the provider's inbox, desktop and phone", p.providerInboxInPortal},
	)
}

func sel(s string) chromedp.CSS { return chromedp.CSS(s) }

// signIn opens o's portal in a new headless Chromium and signs in as its
// User1, typing the token in the form; the inbox of o's role shows. The
// token is then in no URL and no cookie.
func signIn(t *testing.T, o *apiOrg, width, height int) context.Context {
	t.Helper()
	ctx := browser(t, width, height)
	token := o.tokens["User1"]
	err := chromedp.Do(ctx,
		// Headless Chromium's window is at least 500 px wide; a phone's
		// width is emulated.
		chromedp.EmulateViewport(int64(width), int64(height)),
		chromedp.Navigate(o.url+"/"),
		chromedp.WaitVisible(sel("#token")),
		chromedp.SendKeys(sel("#token"), token),
		chromedp.Click(sel("#signin-form button[type=submit]")),
		chromedp.WaitVisible(sel("#inbox section")),
	)
	if err != nil {
		t.Fatalf("sign in to %s's portal: %v", o.msp, err)
	}
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "|" + document.cookie + "|" + document.getElementById("token").value`))
	if err != nil || strings.Contains(seen, token) {
		t.Errorf("after signing in, the token is in the URL, a cookie or the form (%v)", err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(sel("#who")))
	if err != nil || !strings.Contains(who, o.msp) {
		t.Errorf("the portal says it acts as %q (%v), want %s", who, err, o.msp)
	}
	return ctx
}

// evalJS evaluates a script expression and fails the test if it fails.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// portalShot writes a full-page screenshot as an artifact and, when docs
// names a file and E2E_DOCS_IMG a directory, there too.
func portalShot(t *testing.T, ctx context.Context, name, docs string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	screenshot(t, name, png)
	if dir := os.Getenv("E2E_DOCS_IMG"); dir != "" && docs != "" {
		if err := os.WriteFile(filepath.Join(dir, docs), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("docs image %s", filepath.Join(dir, docs))
	}
}

// approveInPortal: the authority's inbox lists the run's grant as waiting
// for both providers; the health provider approves it in its portal with
// the keyboard and reads the contract's answer; the authority's inbox,
// read again, shows it waiting for the other provider alone, whose
// approval (through its API) then moves it to the grants in force.
func (p *apiProcess) approveInPortal(t *testing.T) {
	row := fmt.Sprintf(`tr[data-grant=%q]`, p.grant)
	// Each browser tab has a minute (browser): the authority reads its
	// inbox before and after the approval in two tabs.
	auth := signIn(t, p.authority, 1280, 800)
	waiting := func() string {
		t.Helper()
		if err := chromedp.Do(auth, chromedp.WaitVisible(sel("#waiting-grants "+row+" .waiting"))); err != nil {
			t.Fatalf("the authority's inbox does not list %s as waiting: %v", p.grant, err)
		}
		return evalJS[string](t, auth, fmt.Sprintf(`document.querySelector('#waiting-grants %s .waiting').textContent`, row))
	}
	if got, want := waiting(), []string{p.health.msp, p.market.msp}; !sameSet(strings.Split(got, "、"), want) {
		t.Errorf("the authority's inbox: %s waiting for %q, want %v", p.grant, got, want)
	}

	prov := signIn(t, p.health, 1280, 800)
	approve := "#consent " + row + " button.approve"
	err := chromedp.Do(prov,
		chromedp.WaitVisible(sel(approve)),
		chromedp.Focus(sel(approve)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(sel("#answer.ok")),
	)
	if err != nil {
		shown, _ := chromedp.Run(prov, chromedp.Evaluate[string](`document.getElementById("answer").textContent`))
		t.Fatalf("approve %s in %s's portal: %v; the page shows %q", p.grant, p.health.msp, err, shown)
	}
	answer := evalJS[string](t, prov, `document.getElementById("answer").textContent`)
	var g ledger.Grant
	p.get(t, p.health, "/v1/grants/"+p.grant, &g)
	if !strings.Contains(answer, p.grant) || !strings.Contains(answer, g.Updated.TxID) {
		t.Errorf("the portal's answer %q names neither %s nor its transaction %s", answer, p.grant, g.Updated.TxID)
	}
	if !slices.ContainsFunc(g.Approvals, func(a ledger.Approval) bool {
		return a.Provider == p.health.msp && a.Decision == ledger.DecisionApproved
	}) {
		t.Fatalf("grant %s after the approval in the portal: approvals %+v, want %s's", p.grant, g.Approvals, p.health.msp)
	}
	p.awaitCommit(t, g.Updated.TxID, "grant.approved")
	if err := chromedp.Do(prov, chromedp.WaitNotPresent(sel("#consent "+row))); err != nil {
		t.Errorf("%s still waits for %s's consent in its inbox: %v", p.grant, p.health.msp, err)
	}
	portalShot(t, prov, "portal-provider-approved.png", "")

	auth = signIn(t, p.authority, 1280, 800)
	if got := waiting(); got != p.market.msp {
		t.Errorf("the authority's inbox after %s's approval: %s waiting for %q, want %s", p.health.msp, p.grant, got, p.market.msp)
	}
	p.approve(t, p.market, "grant.activated", ledger.GrantActive)
	// A reload keeps the tab signed in.
	err = chromedp.Do(auth,
		chromedp.Reload(),
		chromedp.WaitVisible(sel("#active-grants "+row)),
		chromedp.WaitVisible(sel("#waiting-grants .body table, #waiting-grants .body .empty")),
	)
	if err != nil {
		t.Fatalf("the authority's inbox does not list %s in force: %v", p.grant, err)
	}
	if still := evalJS[bool](t, auth, fmt.Sprintf(`document.querySelector('#waiting-grants %s') !== null`, row)); still {
		t.Errorf("the authority's inbox lists %s as waiting and in force", p.grant)
	}
	portalShot(t, auth, "portal-authority-inbox.png", "")
}

// provenanceInPortal: the regulator finds the run's product, whose
// provenance graph has a node for each receipt, the batch, the grant, both
// datasets and both providers; a batched receipt's node shows its history
// with its transaction and checks its inclusion proof in the page.
func (p *apiProcess) provenanceInPortal(t *testing.T) {
	var prov ledger.Provenance
	p.get(t, p.regulator, "/v1/products/"+p.product+"/provenance", &prov)
	ctx := signIn(t, p.regulator, 1280, 800)
	err := chromedp.Do(ctx,
		chromedp.SetValue(sel("#search-kind"), "product"),
		chromedp.SendKeys(sel("#search-id"), p.product),
		chromedp.Click(sel("#search-form button[type=submit]")),
		chromedp.WaitVisible(sel("svg.graph")),
	)
	if err != nil {
		t.Fatalf("open the provenance of %s: %v", p.product, err)
	}
	count := func(sel string) int {
		return evalJS[int](t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
	}
	for sel, want := range map[string]int{
		"g.node.product": 1, "g.node.receipt": len(prov.Receipts), "g.node.batch": 1, "g.node.grant": len(prov.Grants),
		"g.node.dataset": len(prov.Datasets), "g.node.participant": len(prov.Providers),
	} {
		if got := count(sel); got != want {
			t.Errorf("the graph has %d %s, want %d", got, sel, want)
		}
	}
	if len(prov.Datasets) != 2 || len(prov.Providers) != 2 {
		t.Errorf("provenance of %s: %d datasets and %d providers, want both of the run's", p.product, len(prov.Datasets), len(prov.Providers))
	}
	var batched ledger.ProvenanceStep
	for _, r := range prov.Receipts {
		if r.Status != "" {
			batched = r
		}
	}
	if batched.ID == "" {
		t.Fatalf("provenance of %s: no receipt in a batch among %+v", p.product, prov.Receipts)
	}
	node := fmt.Sprintf(`g.node[data-type="receipt"][data-id=%q]`, batched.ID)
	err = chromedp.Do(ctx,
		chromedp.Focus(sel(node)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(sel("#timeline li code")),
		chromedp.Click(sel("#proof-check")),
		chromedp.WaitVisible(sel("#proof-result.valid, #proof-result.invalid")),
	)
	if err != nil {
		t.Fatalf("open receipt %s in the graph and check its proof: %v", batched.ID, err)
	}
	detail := evalJS[string](t, ctx, `document.getElementById("node-detail").textContent`)
	if !strings.Contains(detail, batched.TxID) || !strings.Contains(detail, batched.Status) {
		t.Errorf("receipt %s's details do not name its transaction %s and batch %s: %q", batched.ID, batched.TxID, batched.Status, detail)
	}
	history := evalJS[string](t, ctx, `Array.from(document.querySelectorAll("#timeline code")).map(c => c.textContent).join(" ")`)
	if !strings.Contains(history, batched.TxID) {
		t.Errorf("receipt %s's history %q lacks its transaction %s", batched.ID, history, batched.TxID)
	}
	if cls := evalJS[string](t, ctx, `document.getElementById("proof-result").className`); cls != "proof valid" {
		t.Errorf("the proof of %s checked in the page: %q (%s), want valid", batched.ID, evalJS[string](t, ctx, `document.getElementById("proof-result").textContent`), cls)
	}
	portalShot(t, ctx, "portal-provenance.png", "portal-provenance.png")

	// English by the switch, remembered across a reload; then Chinese again.
	err = chromedp.Do(ctx, chromedp.Click(sel("#lang")), chromedp.WaitVisible(sel(`html[lang="en"]`)), chromedp.Reload(), chromedp.WaitVisible(sel("#inbox section")))
	if err != nil {
		t.Fatalf("switch to English and reload: %v", err)
	}
	if lang, title := evalJS[string](t, ctx, `document.documentElement.lang`), evalJS[string](t, ctx, `document.querySelector("h1").textContent`); lang != "en" || !strings.Contains(title, "portal") {
		t.Errorf("after the switch and a reload: lang %q, title %q; want English", lang, title)
	}
	if err := chromedp.Do(ctx, chromedp.Click(sel("#lang")), chromedp.WaitVisible(sel(`html[lang="zh-CN"]`))); err != nil {
		t.Errorf("switch back to Chinese: %v", err)
	}
	// Signing out forgets the token: a reload asks for it again.
	err = chromedp.Do(ctx, chromedp.Click(sel("#signout")), chromedp.WaitVisible(sel("#token")), chromedp.Reload(), chromedp.WaitVisible(sel("#token")))
	if err != nil {
		t.Errorf("sign out: %v", err)
	}
	if n := evalJS[int](t, ctx, `sessionStorage.length`); n != 0 {
		t.Errorf("after signing out, the tab keeps %d values", n)
	}
}

// providerInboxInPortal: a further grant over the run's data waits for the
// health provider, whose inbox shows it with its fields in scope, and the
// use of its data recorded by the run's receipts, in Chinese drawn with a
// CJK font; at a phone's width nothing is wider than the screen.
func (p *apiProcess) providerInboxInPortal(t *testing.T) {
	next := p.another("-2")
	next.apply(t, p.visits, p.loans)
	next.issue(t, ledger.Quota{Records: 500, Calls: 5}, p.visits, p.loans)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := signIn(t, p.health, size.width, size.height)
			row := fmt.Sprintf(`#consent tr[data-grant=%q]`, next.grant)
			if err := chromedp.Do(ctx, chromedp.WaitVisible(sel(row)), chromedp.WaitVisible(sel("#usage svg.chart"))); err != nil {
				t.Fatalf("the provider's inbox: %v", err)
			}
			scope := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector('%s ul.scope').textContent`, row))
			if !strings.Contains(scope, p.visits) || strings.Contains(scope, p.loans) || !strings.Contains(scope, "diagnosis") {
				t.Errorf("%s's scope in %s's inbox: %q, want its own dataset %s and fields only", next.grant, p.health.msp, scope, p.visits)
			}
			used := evalJS[bool](t, ctx, `Array.from(document.querySelectorAll("#usage rect.bar title")).some(e => !e.textContent.endsWith(": 0"))`)
			if !used {
				t.Errorf("the chart of %s's use shows no use, after the run's receipts", p.health.msp)
			}
			p.providerUseByGrantInPortal(t, ctx)
			if lang := evalJS[string](t, ctx, `document.documentElement.lang`); lang != "zh-CN" {
				t.Errorf("page language %q, want zh-CN", lang)
			}
			fonts, err := platformFonts(ctx, "h1")
			if err != nil || !slices.ContainsFunc(fonts, func(f string) bool { return strings.Contains(f, "CJK") }) {
				t.Errorf("the Chinese heading is drawn with %v (%v), no CJK font", fonts, err)
			}
			if size.name == "phone" {
				if w := evalJS[int](t, ctx, `document.documentElement.scrollWidth`); w > size.width {
					t.Errorf("at %d px the page is %d px wide", size.width, w)
				}
				portalShot(t, ctx, "portal-provider-inbox-phone.png", "")
				return
			}
			portalShot(t, ctx, "portal-provider-inbox.png", "portal-provider-inbox.png")
		})
	}
	// The portal needs no token, and its policy holds on the real network.
	a := p.health.do(t, apiRequest{method: http.MethodGet, path: "/", anonymous: true})
	if csp := a.header.Get("Content-Security-Policy"); a.status != http.StatusOK || !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "form-action 'none'") {
		t.Errorf("GET / without a token: %d, Content-Security-Policy %q", a.status, csp)
	}
}

// providerUseByGrantInPortal: the provider's inbox breaks the use of its
// datasets down by grant, holder and operator — the run's grant among them,
// with the records the ledger's statement of the provider's datasets by
// grant gives it over the same 30 days, and a part in the stacked chart.
func (p *apiProcess) providerUseByGrantInPortal(t *testing.T, ctx context.Context) {
	t.Helper()
	row := fmt.Sprintf(`#usage .usage-by-grant tr[data-grant=%q]`, p.grant)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel(row))); err != nil {
		t.Fatalf("the use of %s's datasets by grant: %v", p.health.msp, err)
	}
	cells := evalJS[[]string](t, ctx, fmt.Sprintf(`Array.from(document.querySelector('%s').children).map(c => c.textContent)`, row))
	now := time.Now().UTC()
	q := url.Values{"by": {"grant"}, "period": {"day"}, "from": {ledger.UsageDayOf(now.AddDate(0, 0, -29))}, "to": {ledger.UsageDayOf(now)},
		"id": {p.grant}, "provider": {p.health.msp}}
	var st ledger.UsageStatement
	p.get(t, p.health, "/v1/usage/statements?"+q.Encode(), &st)
	if st.Totals.Records == 0 {
		t.Fatalf("the ledger's statement of %s's datasets used by %s is empty: %+v", p.health.msp, p.grant, st)
	}
	want := []string{p.grant, p.operator.msp, strconv.FormatUint(st.Totals.Records, 10), strconv.FormatUint(st.Totals.Calls, 10), strconv.FormatUint(st.Totals.Receipts, 10)}
	if !slices.Equal(cells, want) {
		t.Errorf("the portal's row of %s in %s's use by grant: %q, want %q (the ledger's statement)", p.grant, p.health.msp, cells, want)
	}
	if !evalJS[bool](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll("#usage svg.stacked rect.part title")).some(e => e.textContent.includes(%q))`, p.grant)) {
		t.Errorf("the stacked chart of %s's use has no part for %s", p.health.msp, p.grant)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel(fmt.Sprintf(`#usage .usage-by-operator tr[data-operator=%q]`, p.operator.msp)))); err != nil {
		t.Errorf("the use of %s's datasets by operator lacks %s: %v", p.health.msp, p.operator.msp, err)
	}
}

// operatorInboxInPortal: the operator's inbox shows the run's grant with
// its quota used as the ledger counts it, and the grant's receipts, each
// as the ledger records it.
func (p *apiProcess) operatorInboxInPortal(t *testing.T) {
	ctx := signIn(t, p.operator, 1280, 800)
	gauge := fmt.Sprintf(`#my-grants figure[data-grant=%q]`, p.grant)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel(gauge)), chromedp.WaitVisible(sel("#my-receipts tr[data-receipt]"))); err != nil {
		t.Fatalf("the operator's inbox: %v", err)
	}
	var used ledger.Usage
	p.get(t, p.operator, "/v1/grants/"+p.grant+"/usage", &used)
	shown := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector('%s svg.gauge').textContent`, gauge))
	if want := fmt.Sprintf("%d / 1000", used.Records); !strings.Contains(shown, want) {
		t.Errorf("the records gauge of %s shows %q, want %q (the ledger's usage)", p.grant, shown, want)
	}
	var page ledger.ReceiptPage
	p.get(t, p.operator, "/v1/receipts?grant="+p.grant+"&pageSize=100", &page)
	if len(page.Items) == 0 {
		t.Fatalf("the ledger holds no receipt of %s", p.grant)
	}
	rows := evalJS[[][]string](t, ctx, `Array.from(document.querySelectorAll("#my-receipts tr[data-receipt]")).map(tr => [tr.dataset.receipt, tr.children[1].textContent, tr.children[3].textContent])`)
	// The newest 20 of every grant the operator holds: the run's grant's
	// receipts are the newest, the other tests' grants older.
	byID := map[string]ledger.Receipt{}
	for _, r := range page.Items {
		byID[r.ID] = r
	}
	mine := 0
	for _, row := range rows {
		if row[1] != p.grant {
			continue
		}
		mine++
		r, ok := byID[row[0]]
		if !ok || row[2] != strconv.FormatUint(r.Records, 10) {
			t.Errorf("the inbox's receipt %q: not the ledger's %+v", row, r)
		}
	}
	if want := min(len(page.Items), 20); mine != want || len(rows) > 20 {
		t.Errorf("the operator's inbox lists %d receipts, %d of %s; want at most 20, %d of them the ledger's receipts of %s", len(rows), mine, p.grant, want, p.grant)
	}
}

// anchoringInPortal: the platform's inbox shows its anchoring service's
// backlog, read through its own API (-anchor-url), as a number.
func (p *apiProcess) anchoringInPortal(t *testing.T) {
	ctx := signIn(t, p.platform, 1280, 800)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel("#anchoring dl.facts[data-pending]"))); err != nil {
		t.Fatalf("the platform's anchoring backlog: %v", err)
	}
	pending := evalJS[string](t, ctx, `document.querySelector("#anchoring dl.facts").dataset.pending`)
	if _, err := strconv.ParseUint(pending, 10, 64); err != nil {
		t.Errorf("the platform's inbox shows %q receipts waiting to be anchored, want a number", pending)
	}
}
