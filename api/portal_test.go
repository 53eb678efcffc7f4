package api

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
)

// TestPortalPage: / is the portal, with no token; it and every file it
// loads, and every module those import, answer 200 with their media type
// and the portal's headers; any other name is 404.
func TestPortalPage(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(t, request{method: http.MethodGet, path: "/"})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: status %d, want 200; body %s", rec.Code, rec.Body)
	}
	checkPortalHeaders(t, "/", rec.Header(), "text/html")
	page := rec.Body.String()
	if !strings.Contains(page, `lang="zh-CN"`) || !strings.Contains(page, "门户") {
		t.Errorf("GET /: the page is not Chinese first")
	}
	loads := regexp.MustCompile(`(?:src|href)="(portal/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(loads) != 2 {
		t.Fatalf("the page loads %v, want its module and style sheet", loads)
	}
	// Follow the modules' imports: every file the page needs is served.
	importRe := regexp.MustCompile(`(?m)^import .* from "\./([a-z0-9]+\.js)";$`)
	queue := []string{}
	for _, l := range loads {
		queue = append(queue, strings.TrimPrefix(l[1], "portal/"))
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		p := "/portal/" + name
		rec := ts.do(t, request{method: http.MethodGet, path: p})
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", p, rec.Code)
			continue
		}
		media := map[string]string{".js": "text/javascript", ".css": "text/css"}[path.Ext(name)]
		checkPortalHeaders(t, p, rec.Header(), media)
		for _, m := range importRe.FindAllStringSubmatch(rec.Body.String(), -1) {
			queue = append(queue, m[1])
		}
	}
	files, err := fs.Glob(web, "web/portal/*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !seen[path.Base(f)] {
			t.Errorf("%s is neither loaded by the page nor imported by its modules", f)
		}
	}
	for _, lang := range []string{"zh", "en"} {
		p := "/portal/" + lang + ".json"
		rec := ts.do(t, request{method: http.MethodGet, path: p})
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", p, rec.Code)
			continue
		}
		checkPortalHeaders(t, p, rec.Header(), "application/json")
	}
	for _, p := range []string{"/portal/index.html", "/portal/nothing.js", "/portal/portal.go", "/portal/..%2fdocs.js", "/portal/"} {
		rec := ts.do(t, request{method: http.MethodGet, path: p})
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, rec.Code)
		}
	}
}

// checkPortalHeaders: the portal's files allow script, style and calls
// from this server only, no inline script or style, no form submitted by
// the browser and no framing; no sniffing, no referrer.
func checkPortalHeaders(t *testing.T, path string, h http.Header, media string) {
	t.Helper()
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, media) {
		t.Errorf("GET %s: Content-Type %q, want %s", path, ct, media)
	}
	csp := map[string]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = value
	}
	want := map[string]string{
		"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "connect-src": "'self'",
		"object-src": "'none'", "base-uri": "'none'", "form-action": "'none'", "frame-ancestors": "'none'",
	}
	for name, value := range want {
		if csp[name] != value {
			t.Errorf("GET %s: Content-Security-Policy %s is %q, want %q", path, name, csp[name], value)
		}
	}
	for name, value := range csp {
		if strings.Contains(value, "unsafe") || strings.Contains(value, "data:") || strings.Contains(value, "*") {
			t.Errorf("GET %s: Content-Security-Policy %s %s allows more than this server", path, name, value)
		}
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if h.Get(k) != v {
			t.Errorf("GET %s: %s %q, want %q", path, k, h.Get(k), v)
		}
	}
}

// TestPortalHasNoInlineCode: what the policy forbids is not in the files
// either — no inline script, style or event handler in the page, no HTML
// parsed from strings, no eval, no style attribute set by the script —
// and nothing names another server.
func TestPortalHasNoInlineCode(t *testing.T) {
	page, err := web.ReadFile("web/portal/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []*regexp.Regexp{regexp.MustCompile(`<script[^>]*>[^<]+</script>`), regexp.MustCompile(`<style`), regexp.MustCompile(`\sstyle=`), regexp.MustCompile(`\son[a-z]+=`)} {
		if bad.Match(page) {
			t.Errorf("index.html has %s", bad)
		}
	}
	scripts, err := fs.Glob(web, "web/portal/*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range scripts {
		b, _ := web.ReadFile(f)
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", `setAttribute("style"`, "http://", "https://", "document.cookie"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s uses %s", f, bad)
			}
		}
		// The token is api.js's alone, kept for the tab's life only.
		if path.Base(f) != "api.js" && (strings.Contains(string(b), "sessionStorage") || strings.Contains(string(b), "Authorization")) {
			t.Errorf("%s reads the token or sends it", f)
		}
		if path.Base(f) == "api.js" && strings.Contains(string(b), "localStorage") {
			t.Errorf("api.js keeps something in localStorage, which outlives the tab")
		}
	}
}

// TestPortalTokenNotLogged: a request's bearer token, valid or not, is in
// no log line, whatever the route: the log writes the path, never a
// header.
func TestPortalTokenNotLogged(t *testing.T) {
	ts := newTestServer(t)
	forged := "forged-" + strings.Repeat("x", 40)
	for _, r := range []request{
		{method: http.MethodGet, path: "/", user: "User1"},
		{method: http.MethodGet, path: "/portal/portal.js", user: "User1"},
		{method: http.MethodGet, path: "/v1/me", user: "User1"},
		{method: http.MethodGet, path: "/v1/grants?status=proposed", user: "User1"},
		{method: http.MethodPost, path: "/v1/grants/g-none/approve", user: "User1"},
		{method: http.MethodGet, path: "/v1/me", header: map[string]string{"Authorization": "Bearer " + forged}},
		{method: http.MethodGet, path: "/v1/nothing", header: map[string]string{"Authorization": "Bearer " + forged}},
	} {
		ts.do(t, r)
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, `"path":"/v1/me"`) {
		t.Fatalf("the requests were not logged: %s", logs)
	}
	for user, token := range ts.tokens {
		if strings.Contains(logs, token) {
			t.Errorf("the log holds the token of %s", user)
		}
	}
	if strings.Contains(logs, forged) {
		t.Errorf("the log holds a token the API refused")
	}
}

// TestPortalCatalogues: the Chinese and English catalogues have the same
// keys, none empty; every key the page and its modules name is in them;
// and the values the page shows by name (statuses, roles, error codes,
// the kinds of a provenance's nodes) each have their words.
func TestPortalCatalogues(t *testing.T) {
	cat := map[string]map[string]string{}
	for _, lang := range []string{"zh", "en"} {
		b, err := web.ReadFile("web/portal/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s.json: %s is empty", lang, k)
			}
		}
		cat[lang] = m
	}
	zh, en := slices.Sorted(maps.Keys(cat["zh"])), slices.Sorted(maps.Keys(cat["en"]))
	for _, k := range zh {
		if _, ok := cat["en"][k]; !ok {
			t.Errorf("en.json lacks %s", k)
		}
	}
	for _, k := range en {
		if _, ok := cat["zh"][k]; !ok {
			t.Errorf("zh.json lacks %s", k)
		}
	}
	spaces := map[string]bool{}
	for _, k := range zh {
		ns, _, _ := strings.Cut(k, ".")
		spaces[ns] = true
	}

	used := map[string]string{} // key → file
	page, _ := web.ReadFile("web/portal/index.html")
	for _, m := range regexp.MustCompile(`data-i18n(?:-[a-z]+)?="([^"]+)"`).FindAllStringSubmatch(string(page), -1) {
		used[m[1]] = "index.html"
	}
	scripts, _ := fs.Glob(web, "web/portal/*.js")
	literal := regexp.MustCompile(`"([a-z]+)\.([A-Za-z0-9.-]+)"`)
	call := regexp.MustCompile(`\bt\("([^"]+)"`)
	for _, f := range scripts {
		b, _ := web.ReadFile(f)
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix, checked below
				used[m[1]] = f
			}
		}
		// Keys passed around before t reads them ("col.id", "refusal.quota"):
		// any string of a catalogue's namespace.
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if spaces[m[1]] && !strings.HasSuffix(m[2], ".") {
				used[m[1]+"."+m[2]] = f
			}
		}
		// Keys made of a prefix and a value: "prov.col." + a column's key.
		if strings.HasSuffix(f, "provenance.js") {
			for _, m := range regexp.MustCompile(`key: "([A-Za-z]+)"`).FindAllStringSubmatch(string(b), -1) {
				used["prov.col."+m[1]] = f
			}
		}
	}
	if len(used) < 100 {
		t.Fatalf("found %d keys in the page and its modules, want them all", len(used))
	}
	for _, k := range slices.Sorted(maps.Keys(used)) {
		if _, ok := cat["zh"][k]; !ok {
			t.Errorf("%s names %s, which the catalogues lack", used[k], k)
		}
	}

	var values []string
	for _, r := range []ledger.Role{ledger.RoleAuthority, ledger.RoleProvider, ledger.RoleOperator, ledger.RolePlatform, ledger.RoleRegulator, ledger.RoleDeveloper, ledger.RoleExpert, ledger.RoleExchange} {
		values = append(values, "role."+string(r))
	}
	for _, s := range []string{
		string(ledger.GrantProposed), string(ledger.GrantActive), string(ledger.GrantSuspended), string(ledger.GrantRevoked), string(ledger.GrantRejected), string(ledger.GrantExpired),
		string(ledger.AgreementProposed), string(ledger.AgreementInForce), string(ledger.AgreementExpired),
		string(ledger.ApplicationSubmitted), string(ledger.ApplicationApproved), string(ledger.ApplicationRejected), string(ledger.ApplicationGranted), string(ledger.ApplicationWithdrawn),
		string(ledger.AttestorActive), string(ledger.AttestorRetired), string(ledger.DatasetListed), string(ledger.DatasetWithdrawn),
		string(ledger.ProductDraft), string(ledger.ProductInReview), string(ledger.ProductApproved), string(ledger.ProductListingRequested), string(ledger.ProductListed), string(ledger.ProductDelisted),
		string(ledger.OperatorApplicant), string(ledger.OperatorAdmitted), string(ledger.OperatorSuspended), string(ledger.OperatorExited),
		string(ledger.IncidentReported), string(ledger.IncidentDecided), string(ledger.IncidentClosed),
	} {
		values = append(values, "status."+s)
	}
	for _, k := range []ledger.NoticeKind{ledger.NoticeGrantEnding, ledger.NoticeRenewalCutoff, ledger.NoticeAgreementEnding, ledger.NoticeReviewExpiring,
		ledger.NoticeCallClosing, ledger.NoticeApprovalWaiting, ledger.NoticeActivationWaiting, ledger.NoticeSignatureWaiting,
		ledger.NoticeGrantExpired, ledger.NoticeAgreementExpired} {
		values = append(values, "notice."+string(k))
		if typ := ledger.ObjectTypeOf(k); typ != "" {
			values = append(values, "kind."+typ)
		}
	}
	for code := range errorMeaning {
		values = append(values, "error."+code)
	}
	// The kinds of node a provenance has, as the contract's rules build it,
	// and the batches the page adds.
	stamp := ledger.Stamp{TxID: "tx", Time: time.Unix(1, 0)}
	prov := ledger.BuildProvenance(
		&ledger.Product{ID: "p", Receipts: []string{"r"}, Grants: []string{"g"}, Created: stamp, Updated: stamp},
		ledger.ProvenanceInputs{
			Receipts:  map[string]*ledger.Receipt{"r": {ID: "r", GrantID: "g", BatchID: "b"}},
			Grants:    map[string]*ledger.Grant{"g": {ID: "g"}},
			Datasets:  map[string]*ledger.Dataset{"d": {ID: "d", Owner: "m"}},
			Providers: map[string]*ledger.Participant{"m": {MSP: "m"}},
			Incidents: map[string]*ledger.Incident{"i": {ID: "i", SubjectType: ledger.IncidentOnGrant, SubjectID: "g"}},
		}, time.Unix(2, 0))
	values = append(values, "kind.batch", "kind."+prov.Product.Type)
	for _, steps := range [][]ledger.ProvenanceStep{prov.Receipts, prov.Grants, prov.Datasets, prov.Providers, prov.Incidents} {
		for _, s := range steps {
			values = append(values, "kind."+s.Type)
		}
	}
	for _, k := range values {
		if _, ok := cat["zh"][k]; !ok {
			t.Errorf("the catalogues lack %s", k)
		}
	}
}
