//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/api"
)

// Operations: every API answers liveness and readiness, counts its
// requests in its Prometheus metrics, and documents every route in OpenAPI.

// TestAPIOperations checks every API's operational endpoints: liveness,
// readiness, the Prometheus metrics with a request counter that counts,
// and the OpenAPI document listing every route the API tests use.
func TestAPIOperations(t *testing.T) {
	orgs := apiOrgs(t)
	for _, msp := range sortedKeys(orgs) {
		o := orgs[msp]
		t.Run(o.name, func(t *testing.T) {
			var st api.Status
			o.do(t, apiRequest{method: http.MethodGet, path: "/healthz", anonymous: true}).want(t, http.StatusOK, &st)
			if st.Status != "ok" {
				t.Errorf("/healthz: got %+v, want status ok", st)
			}
			o.do(t, apiRequest{method: http.MethodGet, path: "/readyz", anonymous: true}).want(t, http.StatusOK, &st)
			if st.Status != "ready" || st.Authority != "AuthorityMSP" {
				t.Errorf("/readyz: got %+v, want ready with authority AuthorityMSP", st)
			}

			before := healthzCount(t, o)
			o.do(t, apiRequest{method: http.MethodGet, path: "/healthz", anonymous: true}).want(t, http.StatusOK, nil)
			if after := healthzCount(t, o); after < before+1 {
				t.Errorf("grantledger_api_requests_total of GET /healthz 200: got %v after one more request, want at least %v", after, before+1)
			}

			doc := fetchOpenAPI(t, o)
			if !strings.HasPrefix(doc.OpenAPI, "3.") {
				t.Errorf("/v1/openapi.json: got openapi %q, want 3.x", doc.OpenAPI)
			}
			for _, r := range apiRoutesUsed {
				method, path, _ := strings.Cut(r, " ")
				if !doc.has(method, path) {
					t.Errorf("/v1/openapi.json: no operation %s", r)
				}
			}
		})
	}
}

// apiRoutesUsed are the routes the API tests call, as the OpenAPI
// document writes them.
var apiRoutesUsed = []string{
	"GET /v1/me", "GET /v1/events",
	"GET /v1/participants/{msp}", "POST /v1/participants", "POST /v1/participants/{msp}/status",
	"POST /v1/datasets", "GET /v1/datasets", "GET /v1/datasets/{id}",
	"POST /v1/calls", "GET /v1/calls/{id}", "GET /v1/calls/{id}/history",
	"POST /v1/applications", "GET /v1/applications/{id}", "POST /v1/reviews", "GET /v1/reviews/{id}",
	"POST /v1/grants", "GET /v1/grants", "GET /v1/grants/{id}", "POST /v1/grants/{id}/approve", "POST /v1/grants/{id}/revoke",
	"GET /v1/grants/{id}/usage", "GET /v1/grants/{id}/history",
	"POST /v1/agreements", "GET /v1/agreements/{id}", "POST /v1/agreements/{id}/sign", "GET /v1/disclosure/grants",
	"POST /v1/attestors", "GET /v1/attestors/{address}",
	"POST /v1/receipts", "GET /v1/receipts/{id}", "GET /v1/receipts/{id}/proof",
	"POST /v1/batches", "GET /v1/batches/{id}", "POST /v1/batches/{id}/verify",
	"POST /v1/products", "GET /v1/products/{id}", "POST /v1/products/{id}/submit", "POST /v1/products/{id}/review",
	"POST /v1/products/{id}/list", "GET /v1/products/{id}/provenance", "GET /v1/disclosure/products",
	"POST /v1/opinions", "GET /v1/opinions", "GET /v1/opinions/{id}/history",
	"GET /healthz", "GET /readyz", "GET /metrics", "GET /v1/openapi.json",
}

// healthzCount reads grantledger_api_requests_total of GET /healthz with
// status 200 from an API's metrics.
func healthzCount(t *testing.T, o *apiOrg) float64 {
	t.Helper()
	a := o.do(t, apiRequest{method: http.MethodGet, path: "/metrics", anonymous: true}).want(t, http.StatusOK, nil)
	for line := range strings.Lines(string(a.body)) {
		name, rest, ok := strings.Cut(line, "{")
		if !ok || name != "grantledger_api_requests_total" {
			continue
		}
		labels, value, _ := strings.Cut(rest, "} ")
		if strings.Contains(labels, `route="/healthz"`) && strings.Contains(labels, `method="GET"`) && strings.Contains(labels, `status="200"`) {
			n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				t.Fatalf("/metrics of %s: %q: %v", o.msp, line, err)
			}
			return n
		}
	}
	t.Fatalf("/metrics of %s: no grantledger_api_requests_total of GET /healthz 200:\n%s", o.msp, a.body)
	return 0
}

// openAPIDoc is what the tests read of the OpenAPI document.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// has reports whether the document has an operation for method and path.
func (d *openAPIDoc) has(method, path string) bool {
	_, ok := d.Paths[path][strings.ToLower(method)]
	return ok
}

// fetchOpenAPI reads an API's OpenAPI document, which needs no token.
func fetchOpenAPI(t *testing.T, o *apiOrg) *openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	o.do(t, apiRequest{method: http.MethodGet, path: "/v1/openapi.json", anonymous: true}).want(t, http.StatusOK, &doc)
	if len(doc.Paths) == 0 {
		t.Fatalf("/v1/openapi.json of %s: no paths", o.msp)
	}
	return &doc
}
