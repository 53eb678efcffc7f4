package api

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDocsPage: the reference page and every file it loads answer 200
// without a token, with their media type and a policy that lets them load
// from this server only.
func TestDocsPage(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/docs"})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/docs: status %d, want 200; body %s", rec.Code, rec.Body)
	}
	checkWebHeaders(t, "/v1/docs", rec.Header(), "text/html")
	page := rec.Body.String()
	if !strings.Contains(page, "接口文档") {
		t.Errorf("GET /v1/docs: the page has no Chinese title")
	}
	assets := regexp.MustCompile(`(?:src|href)="(docs/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(assets) != 2 {
		t.Fatalf("the page loads %v, want its script and style sheet", assets)
	}
	for _, a := range assets {
		path := "/v1/" + a[1]
		rec := ts.do(t, request{method: http.MethodGet, path: path})
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, rec.Code)
			continue
		}
		want := "text/css"
		if strings.HasSuffix(path, ".js") {
			want = "text/javascript"
			if !strings.Contains(rec.Body.String(), `fetch("openapi.json"`) {
				t.Errorf("GET %s: the script does not read the document the API serves", path)
			}
		}
		checkWebHeaders(t, path, rec.Header(), want)
	}
	for _, path := range []string{"/v1/docs/index.html", "/v1/docs/nothing.js", "/v1/docs/openapi.go"} {
		rec := ts.do(t, request{method: http.MethodGet, path: path})
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, rec.Code)
		}
		if b := decodeErrorBody(t, rec); b.Code != "not_found" {
			t.Errorf("GET %s: code %q, want not_found", path, b.Code)
		}
	}
}

func checkWebHeaders(t *testing.T, path string, h http.Header, media string) {
	t.Helper()
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, media) {
		t.Errorf("GET %s: Content-Type %q, want %s", path, ct, media)
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("GET %s: Content-Security-Policy %q, want default-src 'self'", path, csp)
	}
	for _, src := range strings.Fields(strings.ReplaceAll(csp, ";", " ")) {
		if strings.HasSuffix(src, "-src") || strings.HasSuffix(src, "-uri") || strings.HasSuffix(src, "-action") || src == "frame-ancestors" {
			continue
		}
		if src != "'self'" {
			t.Errorf("GET %s: Content-Security-Policy allows %s, want 'self' only", path, src)
		}
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: no X-Content-Type-Options: nosniff", path)
	}
}

// TestDocsPageNeedsNoNetwork: nothing the page is made of names another
// server: no CDN, no font, no absolute URL.
func TestDocsPageNeedsNoNetwork(t *testing.T) {
	err := fs.WalkDir(web, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := web.ReadFile(path)
		if err != nil {
			return err
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "@import", "url("} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
