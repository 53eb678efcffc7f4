package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// documented lists "METHOD /path" of every operation of an OpenAPI document.
func documented(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("document: %v", err)
	}
	var out []string
	for path, ops := range d.Paths {
		for method := range ops {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// registered lists "METHOD /path" of every route of the router, in
// OpenAPI path syntax.
func registered(e *gin.Engine) []string {
	var out []string
	for _, r := range e.Routes() {
		path, _ := OpenAPIPath(r.Path)
		out = append(out, r.Method+" "+path)
	}
	slices.Sort(out)
	return out
}

// mismatches reports routes missing from the document and operations
// missing from the router.
func mismatches(routes, ops []string) []string {
	var out []string
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			out = append(out, "undocumented route "+r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			out = append(out, "documented operation without a route "+o)
		}
	}
	return out
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/openapi.json"})
	if rec.Code != http.StatusOK {
		t.Fatalf("status: got %d, want 200", rec.Code)
	}
	routes, ops := registered(ts.engine), documented(t, rec.Body.Bytes())
	if len(routes) < 70 {
		t.Errorf("routes: got %d, want the whole API (70 or more)", len(routes))
	}
	for _, m := range mismatches(routes, ops) {
		t.Error(m)
	}
}

func TestOpenAPICheckCatchesUndocumentedRoutes(t *testing.T) {
	ts := newTestServer(t)
	ts.engine.GET("/v1/backdoor", func(c *gin.Context) {})
	got := mismatches(registered(ts.engine), documented(t, ts.doc))
	want := []string{"undocumented route GET /v1/backdoor"}
	if !slices.Equal(got, want) {
		t.Errorf("mismatches: got %v, want %v", got, want)
	}
	got = mismatches(registered(ts.engine), append(documented(t, ts.doc), "GET /v1/ghost"))
	if !slices.Contains(got, "documented operation without a route GET /v1/ghost") {
		t.Errorf("mismatches: got %v, want the ghost operation reported", got)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	ts := newTestServer(t)
	var d struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			OperationID string            `json:"operationId"`
			Security    *[]any            `json:"security"`
			RequestBody *json.RawMessage  `json:"requestBody"`
			Parameters  []json.RawMessage `json:"parameters"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(ts.doc, &d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		t.Errorf("openapi: got %q, want 3.x", d.OpenAPI)
	}
	ids := map[string]string{}
	for path, ops := range d.Paths {
		for method, op := range ops {
			if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %s used by %s and %s %s", op.OperationID, prev, method, path)
			}
			ids[op.OperationID] = method + " " + path
			public := op.Security != nil && len(*op.Security) == 0
			wantPublic := !strings.HasPrefix(path, "/v1/") || path == "/v1/openapi.json" || path == "/v1/docs" || strings.HasPrefix(path, "/v1/docs/") || strings.HasPrefix(path, "/v1/disclosure/")
			if public != wantPublic {
				t.Errorf("%s %s: public %v, want %v", method, path, public, wantPublic)
			}
		}
	}
	for _, tc := range []struct{ schema, field string }{
		{"DatasetRequest", "fields"},
		{"GrantRequest", "term"},
		{"TermRequest", "validFrom"},
		{"ErrorBody", "code"},
	} {
		s, ok := d.Components.Schemas[tc.schema]
		if !ok {
			t.Errorf("schema %s missing", tc.schema)
			continue
		}
		if !slices.Contains(s.Required, tc.field) {
			t.Errorf("schema %s: required %v, want %s in it", tc.schema, s.Required, tc.field)
		}
	}
	if _, ok := d.Components.Schemas["GrantPage"].Properties["bookmark"]; !ok {
		t.Errorf("GrantPage schema lacks bookmark")
	}
	if op := d.Paths["/v1/grants"]["get"]; len(op.Parameters) != 7 { // pageSize, bookmark, 5 filters
		t.Errorf("GET /v1/grants parameters: got %d, want 7", len(op.Parameters))
	}
}

func TestAPIDocListsEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatalf("docs/api.md: %v", err)
	}
	ts := newTestServer(t)
	for _, r := range registered(ts.engine) {
		if !strings.Contains(string(doc), "`"+r+"`") {
			t.Errorf("docs/api.md does not list `%s`", r)
		}
	}
}

// errorDocument is what TestOpenAPIErrorResponses reads of the document.
type errorDocument struct {
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths map[string]map[string]struct {
		Security  *[]any                     `json:"security"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"paths"`
	Components struct {
		Responses map[string]struct {
			Description string `json:"description"`
			Content     map[string]struct {
				Schema  map[string]string `json:"schema"`
				Example ErrorBody         `json:"example"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"components"`
}

// TestOpenAPIErrorResponses: the document names its server, and every
// operation lists a 4xx answer, every error answer with the ErrorBody
// schema; authenticated operations list 401, public ones do not.
func TestOpenAPIErrorResponses(t *testing.T) {
	ts := newTestServer(t)
	var d errorDocument
	if err := json.Unmarshal(ts.doc, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Servers) == 0 || d.Servers[0].URL == "" {
		t.Errorf("servers: got %v, want the relative server", d.Servers)
	}
	const errorSchema = "#/components/schemas/ErrorBody"
	for name, r := range d.Components.Responses {
		c, ok := r.Content["application/json"]
		if !ok || c.Schema["$ref"] != errorSchema {
			t.Errorf("response %s: content %v, want application/json with %s", name, r.Content, errorSchema)
		}
		if r.Description == "" || c.Example.Code == "" || c.Example.Message == "" {
			t.Errorf("response %s: description %q, example %+v; want both", name, r.Description, c.Example)
		}
		if !strings.HasPrefix(name, c.Example.Code) {
			t.Errorf("response %s: example code %q, want its first code", name, c.Example.Code)
		}
	}
	ops := 0
	for path, item := range d.Paths {
		for method, op := range item {
			ops++
			public := op.Security != nil && len(*op.Security) == 0
			var fours int
			for status, raw := range op.Responses {
				if status[0] == '2' {
					continue
				}
				var ref struct {
					Ref     string `json:"$ref"`
					Content map[string]struct {
						Schema map[string]string `json:"schema"`
					} `json:"content"`
				}
				if err := json.Unmarshal(raw, &ref); err != nil {
					t.Fatal(err)
				}
				if status == "default" {
					if ref.Content["application/json"].Schema["$ref"] != errorSchema {
						t.Errorf("%s %s: default answer without %s", method, path, errorSchema)
					}
					continue
				}
				if status[0] == '4' {
					fours++
				}
				name, ok := strings.CutPrefix(ref.Ref, "#/components/responses/")
				if _, defined := d.Components.Responses[name]; !ok || !defined {
					t.Errorf("%s %s: %s answer %s, want a shared error response", method, path, status, raw)
				}
			}
			if fours == 0 {
				t.Errorf("%s %s: no 4xx answer", method, path)
			}
			if _, has401 := op.Responses["401"]; has401 == public {
				t.Errorf("%s %s: public %v, lists 401 %v", method, path, public, has401)
			}
		}
	}
	if ops < 70 {
		t.Errorf("operations: got %d, want the whole API", ops)
	}
}

// TestOpenAPIErrorsAreAnswered checks the derived error statuses against
// the router: an unauthenticated request answers 401 exactly on the
// operations that list it, and a body that is not JSON 415 on those that
// list 415.
func TestOpenAPIErrorsAreAnswered(t *testing.T) {
	ts := newTestServer(t)
	var d errorDocument
	if err := json.Unmarshal(ts.doc, &d); err != nil {
		t.Fatal(err)
	}
	expert := url.PathEscape("x509::CN=user2@authority.grantledger.local,OU=client::CN=ca.authority.grantledger.local,O=authority.grantledger.local")
	fill := strings.NewReplacer("{msp}", "HealthMSP", "{client}", expert, "{address}", "0xab", "{evaluationId}", "ev-1", "{asset}", "docs.css", "{id}", "x-1")
	for _, r := range ts.routes {
		path, _ := OpenAPIPath(r.Path)
		op := d.Paths[path][strings.ToLower(r.Method)]
		concrete := fill.Replace(path)
		if r.Op == "Events" {
			continue // an authenticated stream would stay open; 401 is checked below without a token
		}
		rec := ts.do(t, request{method: r.Method, path: concrete})
		_, lists401 := op.Responses["401"]
		if got := rec.Code == http.StatusUnauthorized; got != lists401 {
			t.Errorf("%s %s without a token: status %d, document lists 401 %v", r.Method, path, rec.Code, lists401)
		}
		if r.Public {
			continue
		}
		rec = ts.do(t, request{method: r.Method, path: concrete, user: "Admin", body: "x", header: map[string]string{"Content-Type": "text/plain"}})
		_, lists415 := op.Responses["415"]
		if got := rec.Code == http.StatusUnsupportedMediaType; got != lists415 {
			t.Errorf("%s %s with a text body: status %d, document lists 415 %v", r.Method, path, rec.Code, lists415)
		}
	}
	if rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /v1/events without a token: status %d, want 401", rec.Code)
	}
}

// TestErrorCodesAreDocumented: every code the document explains is in
// docs/api.md's error table, and every code errorResponses may name is
// explained.
func TestErrorCodesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for code := range errorMeaning {
		if !strings.Contains(string(doc), "| `"+code+"` |") {
			t.Errorf("docs/api.md's error table lacks `%s`", code)
		}
	}
	ts := newTestServer(t)
	for _, r := range ts.routes {
		path, params := OpenAPIPath(r.Path)
		for _, e := range errorResponses(r, params) {
			for _, code := range e.codes {
				if errorMeaning[code] == "" {
					t.Errorf("%s %s: code %s has no errorMeaning", r.Method, path, code)
				}
			}
			if errorExample[e.codes[0]] == "" {
				t.Errorf("%s %s: code %s has no errorExample", r.Method, path, e.codes[0])
			}
		}
	}
}

// Every tag of the route table is described, for the reference page.
func TestEveryTagDescribed(t *testing.T) {
	described := map[string]bool{}
	for _, tag := range openAPITags {
		described[tag.name] = true
	}
	ts := newTestServer(t)
	for _, r := range ts.routes {
		if !described[r.Tag] {
			t.Errorf("%s %s: tag %q has no description in openAPITags", r.Method, r.Path, r.Tag)
		}
	}
}
