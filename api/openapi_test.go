package api

import (
	"encoding/json"
	"net/http"
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
			if wantPublic := !strings.HasPrefix(path, "/v1/") || path == "/v1/openapi.json"; public != wantPublic {
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
