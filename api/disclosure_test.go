package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
)

// disclosureOps are the contract's disclosure queries, by route.
var disclosureOps = map[string]string{
	"/v1/disclosure/grants":     "DisclosedGrants",
	"/v1/disclosure/agreements": "DisclosedAgreements",
	"/v1/disclosure/operators":  "DisclosedOperators",
	"/v1/disclosure/products":   "DisclosedProducts",
}

// from sends a request from a client address (RemoteAddr host:port).
func (ts *testServer) from(t *testing.T, addr string, r request) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(r.method, r.path, nil)
	req.RemoteAddr = addr
	if r.user != "" {
		req.Header.Set("Authorization", "Bearer "+ts.tokens[r.user])
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// TestDisclosureWithoutToken: the four disclosures answer 200 without a
// token, read as the public identity; a token, valid or not, changes
// nothing, for it is not used. Every other route of the ledger still
// answers 401 without a token and reaches nothing.
func TestDisclosureWithoutToken(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.PublicUser = "User1" }) // ReadyUser is Admin
	for path, op := range disclosureOps {
		for _, tc := range []struct {
			name   string
			user   string
			header map[string]string
		}{
			{name: "no token"},
			{name: "Admin's token", user: "Admin"},
			{name: "a token of no one", header: map[string]string{"Authorization": "Bearer glt_nobody"}},
		} {
			before := len(ts.state.recorded())
			rec := ts.do(t, request{method: http.MethodGet, path: path + "?pageSize=5", user: tc.user, header: tc.header})
			if rec.Code != http.StatusOK {
				t.Errorf("GET %s with %s: status %d, want 200; body %s", path, tc.name, rec.Code, rec.Body)
				continue
			}
			if !json.Valid(rec.Body.Bytes()) || !strings.Contains(rec.Body.String(), `"items"`) {
				t.Errorf("GET %s with %s: body %s, want a page", path, tc.name, rec.Body)
			}
			calls := ts.state.recorded()[before:]
			if len(calls) != 1 || calls[0].Op != op || calls[0].User != "User1" {
				t.Errorf("GET %s with %s: ledger calls %+v, want %s as the public identity User1", path, tc.name, calls, op)
				continue
			}
			if want := []any{ledger.Query{PageSize: 5}}; fmt.Sprint(calls[0].Args) != fmt.Sprint(want) {
				t.Errorf("GET %s: arguments %v, want %v", path, calls[0].Args, want)
			}
		}
	}
	// A bad page size is refused before the ledger, as on every list.
	if rec := ts.do(t, request{method: http.MethodGet, path: "/v1/disclosure/grants?pageSize=0"}); rec.Code != http.StatusBadRequest {
		t.Errorf("pageSize=0: status %d, want 400", rec.Code)
	}

	before := len(ts.state.recorded())
	checked := 0
	for _, r := range ts.routes {
		if r.Public {
			if r.Anonymous != strings.HasPrefix(r.Path, "/v1/disclosure/") {
				t.Errorf("%s %s: anonymous %v; only the disclosure is", r.Method, r.Path, r.Anonymous)
			}
			continue
		}
		path := strings.NewReplacer(":msp", "HealthMSP", ":client", "x", ":address", "0xab", ":evaluationId", "ev-1", ":id", "x-1").Replace(r.Path)
		rec := ts.do(t, request{method: r.Method, path: path})
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: status %d, want 401", r.Method, path, rec.Code)
		}
		checked++
	}
	if checked < 50 {
		t.Errorf("checked %d authenticated routes, want them all", checked)
	}
	if calls := ts.state.recorded()[before:]; len(calls) != 0 {
		t.Errorf("requests without a token reached the ledger: %v", calls)
	}
}

// TestDisclosureRateLimitPerAddress: each client address has its own
// bucket (an IPv6 /64 one between them); beyond it, 429 rate_limited with
// Retry-After, a token or none; X-Forwarded-For is not believed; the page
// is not limited.
func TestDisclosureRateLimitPerAddress(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	ts := newTestServer(t, func(o *Options) {
		o.Public = PublicLimits{Rate: 2, Burst: 3}
		o.Now = clk.Now
	})
	get := func(addr string, r request) *httptest.ResponseRecorder {
		r.method = http.MethodGet
		if r.path == "" {
			r.path = "/v1/disclosure/grants"
		}
		return ts.from(t, addr, r)
	}
	const a, b = "198.51.100.7:4000", "203.0.113.9:4000"
	for i := range 3 {
		if rec := get(a, request{header: map[string]string{"X-Forwarded-For": fmt.Sprintf("10.0.0.%d", i)}}); rec.Code != http.StatusOK {
			t.Fatalf("request %d of a burst of 3: got %d %s, want 200", i+1, rec.Code, rec.Body)
		}
	}
	rec := get(a, request{user: "Admin"}) // a token is not used: same bucket
	if checkAnswer(t, rec, http.StatusTooManyRequests, "rate_limited") {
		if got := rec.Header().Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After: got %q, want 1", got)
		}
		if msg := decodeErrorBody(t, rec).Message; !strings.Contains(msg, "client address") || !strings.Contains(msg, "2 requests a second") {
			t.Errorf("message %q does not say the address's rate", msg)
		}
	}
	if rec := get(a, request{path: "/v1/disclosure/products"}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("another disclosure from the same address: got %d, want 429 (one bucket per address)", rec.Code)
	}
	if calls := len(ts.state.recorded()); calls != 3 {
		t.Errorf("ledger calls: got %d, want 3: a refused request reaches nothing", calls)
	}
	if rec := get(b, request{}); rec.Code != http.StatusOK {
		t.Errorf("another address: got %d, want 200", rec.Code)
	}
	for range 5 {
		if rec := get(a, request{path: "/public"}); rec.Code != http.StatusOK {
			t.Fatalf("/public: got %d, want 200 (the page is not limited)", rec.Code)
		}
	}
	// Authenticated routes count under the token, not the address.
	if rec := get(a, request{path: "/v1/grants", user: "Admin"}); rec.Code != http.StatusOK {
		t.Errorf("an authenticated list from a limited address: got %d, want 200", rec.Code)
	}
	clk.add(500 * time.Millisecond)
	if rec := get(a, request{}); rec.Code != http.StatusOK {
		t.Errorf("half a second later: got %d, want 200", rec.Code)
	}
	if rec := get(a, request{}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("right after: got %d, want 429", rec.Code)
	}
	// Two addresses of one IPv6 /64 share a bucket; another /64 has its own.
	for i := range 3 {
		if rec := get(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), request{}); rec.Code != http.StatusOK {
			t.Fatalf("IPv6 request %d: got %d, want 200", i+1, rec.Code)
		}
	}
	if rec := get("[2001:db8:1:2:ffff::1]:443", request{}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("a fourth address of the same /64: got %d, want 429", rec.Code)
	}
	if rec := get("[2001:db8:1:3::1]:443", request{}); rec.Code != http.StatusOK {
		t.Errorf("another /64: got %d, want 200", rec.Code)
	}
	metrics := ts.do(t, request{method: http.MethodGet, path: "/metrics"}).Body.String()
	if want := `grantledger_api_limited_total{limit="address"} 4`; !strings.Contains(metrics, want) {
		t.Errorf("metrics lack %s", want)
	}
}

// TestAddressLimitsBounded: the limiter remembers at most Addresses
// addresses, forgets those whose buckets have filled again first, then
// the least recently seen; a forgotten address starts with a full bucket.
func TestAddressLimitsBounded(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	l := newAddressLimits(PublicLimits{Rate: 1, Burst: 2, Addresses: 3}, clk.Now)
	addr := func(i int) string { return fmt.Sprintf("192.0.2.%d", i) }
	for i := range 1000 {
		if _, ok := l.allow(addr(i % 250)); !ok && i < 250 {
			t.Fatalf("the first request of %s refused", addr(i))
		}
		if n := l.remembered(); n > 3 {
			t.Fatalf("after %d addresses: %d remembered, want at most 3", i+1, n)
		}
	}
	// The least recently seen goes first: 1 and 2 are kept while 3 and
	// 4 come and go, and 1 is still out of requests.
	clk.add(100 * time.Millisecond)
	l.allow(addr(1))
	l.allow(addr(1))
	if _, ok := l.allow(addr(1)); ok {
		t.Fatalf("a third request of %s at once allowed with a burst of 2", addr(1))
	}
	l.allow(addr(2))
	l.allow(addr(3))
	l.allow(addr(1))
	l.allow(addr(4)) // forgets 2, the least recently seen
	if _, ok := l.allow(addr(1)); ok {
		t.Errorf("%s was forgotten while recently seen", addr(1))
	}
	// Idle addresses whose buckets have filled again (2 s) are forgotten
	// at the next new address, losing nothing.
	clk.add(3 * time.Second)
	l.allow(addr(5))
	if n := l.remembered(); n != 1 {
		t.Errorf("after 3 s idle: %d addresses remembered, want only the new one", n)
	}
	if wait, ok := newAddressLimits(PublicLimits{}, clk.Now).allow(addr(1)); !ok || wait != 0 {
		t.Errorf("no rate: got %v %v, want allowed", wait, ok)
	}
}

func TestAddressKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1":               "192.0.2.1",
		"::ffff:192.0.2.1":        "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2::1%eth0":    "2001:db8:1:2::/64",
		"::1":                     "::/64",
		"not an address":          "not an address",
		"2001:db8:ffff:ffff:1::9": "2001:db8:ffff:ffff::/64",
	} {
		if got := addressKey(addr); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestPublicPage: the public page and the files it loads answer 200
// without a token, with a policy that lets them load from this server
// only; the script reads the disclosure routes; /public/ leads to the
// page; no other file is served.
func TestPublicPage(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(t, request{method: http.MethodGet, path: "/public"})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /public: status %d, want 200; body %s", rec.Code, rec.Body)
	}
	checkWebHeaders(t, "/public", rec.Header(), "text/html")
	page := rec.Body.String()
	for _, want := range []string{`lang="zh-CN"`, "公开信息", "(public disclosure", "北京时间"} {
		if !strings.Contains(page, want) {
			t.Errorf("GET /public: the page lacks %q", want)
		}
	}
	assets := regexp.MustCompile(`(?:src|href)="(public/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(assets) != 2 {
		t.Fatalf("the page loads %v, want its script and style sheet", assets)
	}
	for _, a := range assets {
		path := "/" + a[1]
		rec := ts.do(t, request{method: http.MethodGet, path: path})
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, rec.Code)
			continue
		}
		want := "text/css"
		if strings.HasSuffix(path, ".js") {
			want = "text/javascript"
			// It reads the disclosure, shows times in Beijing time (UTC+8)
			// whatever the reader's zone, and sets text as text.
			for _, s := range []string{`fetch("v1/disclosure/"`, "8 * 3600 * 1000", "textContent"} {
				if !strings.Contains(rec.Body.String(), s) {
					t.Errorf("GET %s: the script lacks %q", path, s)
				}
			}
			if strings.Contains(rec.Body.String(), "innerHTML") {
				t.Errorf("GET %s: the script parses text as HTML", path)
			}
			for name := range disclosureOps {
				list := strings.TrimPrefix(name, "/v1/disclosure/")
				if !strings.Contains(page, `data-list="`+list+`"`) {
					t.Errorf("the page has no section of %s", list)
				}
			}
		}
		checkWebHeaders(t, path, rec.Header(), want)
	}
	if rec := ts.do(t, request{method: http.MethodGet, path: "/public/"}); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/public" {
		t.Errorf("GET /public/: got %d to %q, want 301 to /public", rec.Code, rec.Header().Get("Location"))
	}
	for _, path := range []string{"/public/index.html", "/public/nothing.js", "/public/docs.js", "/public/..", "/v1/docs/public", "/public/disclosure.go"} {
		rec := ts.do(t, request{method: http.MethodGet, path: path})
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, rec.Code)
		}
	}
}

// TestDisclosureDocumented: the document lists, for the disclosure, the
// answers an anonymous read can give (400, 429, 502, 503, 504) and no
// 401; for the page, no 429.
func TestDisclosureDocumented(t *testing.T) {
	ts := newTestServer(t)
	var d errorDocument
	if err := json.Unmarshal(ts.doc, &d); err != nil {
		t.Fatal(err)
	}
	for path := range disclosureOps {
		op := d.Paths[path]["get"]
		if op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("%s: security %v, want none", path, op.Security)
		}
		for _, status := range []string{"400", "413", "429", "500", "502", "503", "504"} {
			if _, ok := op.Responses[status]; !ok {
				t.Errorf("%s: no %s response", path, status)
			}
		}
		if _, ok := op.Responses["401"]; ok {
			t.Errorf("%s: lists 401", path)
		}
	}
	for _, path := range []string{"/public", "/public/{asset}"} {
		if _, ok := d.Paths[path]["get"].Responses["429"]; ok {
			t.Errorf("%s: lists 429", path)
		}
	}
}
