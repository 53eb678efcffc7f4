package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
)

// OpenAPIPath converts a gin path (/v1/grants/:id) to an OpenAPI path
// template (/v1/grants/{id}) and returns its parameters in order.
func OpenAPIPath(ginPath string) (string, []string) {
	parts := strings.Split(ginPath, "/")
	var params []string
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			parts[i] = "{" + name + "}"
			params = append(params, name)
		}
	}
	return strings.Join(parts, "/"), params
}

// openAPIDocument builds the OpenAPI 3 document of the routes: paths,
// operations, parameters, request and response schemas generated from
// the Go types of the route table.
func openAPIDocument(org string, routes []route) map[string]any {
	g := &schemaGen{schemas: map[string]any{}, names: map[reflect.Type]string{}, responses: map[string]any{}}
	errorRef := g.ref(reflect.TypeFor[ErrorBody]())
	paths := map[string]map[string]any{}
	for _, r := range routes {
		path, params := OpenAPIPath(r.Path)
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(r.Method)] = g.operation(r, params, errorRef)
	}
	var tags []any
	for _, t := range openAPITags {
		tags = append(tags, map[string]any{"name": t.name, "description": t.description})
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "grantledger API",
			"version": "1.0.0",
			"description": "The REST API of organisation " + org + " on the grantledger ledger of public data " +
				"authorized operation (公共数据授权运营). Every request under /v1 but this document, its " +
				"reference page (/v1/docs) and the public disclosure (/v1/disclosure/…, which needs no token and " +
				"is limited per client address) runs as the Fabric identity its bearer token was issued to. " +
				"Every error answers the ErrorBody schema; docs/api.md lists its codes.",
		},
		// Each organisation's API serves the document itself: the server
		// is the one it was read from.
		"servers": []any{map[string]any{"url": "/", "description": "the API that served this document"}},
		"tags":    tags,
		"paths":   paths,
		"components": map[string]any{
			"schemas":   g.schemas,
			"responses": g.responses,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer",
					"description": "a token issued by `grantledger-api tokens` to one user of the organisation (glt_…)"},
			},
		},
		"security": []any{map[string]any{"bearer": []string{}}},
	}
}

// openAPITags describe the tags of the route table, in the order the
// reference page shows them: Chinese first, as its readers read it.
var openAPITags = []struct{ name, description string }{
	{"meta", "身份、配置与事件 (who the token acts as, the contract's configuration, the event stream)"},
	{"participants", "参与方与专家 (organisations, their roles, evaluations; the expert committee)"},
	{"datasets", "数据目录 (the catalogue of datasets providers offer)"},
	{"calls", "征集公告 (calls for operators)"},
	{"applications", "授权申请 (applications under a call, with their private documents)"},
	{"reviews", "评审与意见 (reviews of operators and applications; opinions of experts and the platform)"},
	{"grants", "授权 (grants and sub-grants: approval, suspension, revocation, usage)"},
	{"agreements", "授权协议 (the agreements of first-level grants)"},
	{"attestors", "可信环境 (the trusted environments whose signatures receipts carry)"},
	{"receipts", "使用回执 (signed usage receipts, batches, Merkle proofs)"},
	{"products", "数据产品 (products, their review, listing and provenance 溯源)"},
	{"disclosure", "公开结果 (public summaries anyone may read, without a token, limited per client address; and their page)"},
	{"incidents", "数据安全事件 (security incidents: reports, the authority's decisions, deadlines by level)"},
	{"data-requests", "公共数据需求申请 (data requests: more data for a grant in force, consented by its providers and approved by the authority; developers' sub-grant requests)"},
	{"notices", "期限与提醒 (what needs action by the caller and by when: terms ending, renewal cut-offs, reviews lapsing, calls closing, approvals and signatures waiting)"},
	{"fees", "平台使用费与收益分配 (fee schedules and statements of grants, settled between holder and platform; benefit splits of products and each party's share)"},
	{"anchoring", "锚定服务 (the backlog of the organisation's anchoring service: receipts acknowledged and not yet anchored; platform)"},
	{"history", "历史记录 (every recorded version of an object)"},
	{"operations", "运维 (health, readiness, metrics, this document and its reference page; no token)"},
	{"portal", "门户 (the portal people use: its page and files; it calls the routes above with the user's own token)"},
}

func (g *schemaGen) operation(r route, pathParams []string, errorRef map[string]any) map[string]any {
	op := map[string]any{
		"operationId": r.Op,
		"summary":     r.Summary,
		"tags":        []string{r.Tag},
	}
	if r.Public {
		op["security"] = []any{}
	}
	var params []any
	for _, p := range pathParams {
		params = append(params, map[string]any{"name": p, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	if r.List {
		params = append(params,
			map[string]any{"name": "pageSize", "in": "query", "description": "items per page",
				"schema": map[string]any{"type": "integer", "minimum": 1, "maximum": MaxPageSize, "default": DefaultPageSize}},
			map[string]any{"name": "bookmark", "in": "query", "description": "the bookmark of the previous page",
				"schema": map[string]any{"type": "string"}},
		)
	}
	for _, index := range r.Indexes {
		params = append(params, map[string]any{"name": index, "in": "query",
			"description": "list only the objects whose " + index + " is this value; one filter at a time",
			"schema":      map[string]any{"type": "string"}})
	}
	for _, q := range r.Query {
		schema := map[string]any{"type": "string"}
		if len(q.Enum) > 0 {
			schema["enum"] = q.Enum
		}
		if q.Pattern != "" {
			schema["pattern"] = q.Pattern
		}
		params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "required": q.Required, "schema": schema})
	}
	if r.Method == http.MethodPost {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header",
			"description": "repeats of a request with the same key get the first response (24 h)",
			"schema":      map[string]any{"type": "string", "maxLength": maxKeyLen}})
	}
	if r.Stream {
		params = append(params,
			map[string]any{"name": "Last-Event-ID", "in": "header", "description": "resume after this event (<block>:<index>)",
				"schema": map[string]any{"type": "string"}},
			map[string]any{"name": "lastEventId", "in": "query", "description": "as Last-Event-ID, for clients that cannot set headers",
				"schema": map[string]any{"type": "string"}},
			map[string]any{"name": "fromBlock", "in": "query", "description": "start with the events of this block",
				"schema": map[string]any{"type": "integer", "minimum": 0}},
		)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if r.Request != nil {
		op["requestBody"] = map[string]any{
			"required": true,
			"content":  map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(r.Request))}},
		}
	}
	ok := map[string]any{"description": http.StatusText(r.Status)}
	switch {
	case r.Stream:
		ok["content"] = map[string]any{"text/event-stream": map[string]any{"schema": map[string]any{"type": "string"}}}
	case r.Response != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(r.Response))}}
	case len(r.Media) > 0:
		content := map[string]any{}
		for _, m := range r.Media {
			content[m] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		ok["content"] = content
	default:
		ok["content"] = map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	}
	responses := map[string]any{
		strconv.Itoa(r.Status): ok,
		"default": map[string]any{
			"description": "another error: an unknown route (404) or method (405), a client gone (499); docs/api.md lists every code",
			"content":     map[string]any{"application/json": map[string]any{"schema": errorRef}},
		},
	}
	for _, e := range errorResponses(r, pathParams) {
		responses[strconv.Itoa(e.status)] = g.errorResponse(e, errorRef)
	}
	op["responses"] = responses
	return op
}

// errorResponse refers to the component response of an error status with
// its codes, made on first use: the routes share a few dozen of them.
func (g *schemaGen) errorResponse(e errorResponse, errorRef map[string]any) map[string]any {
	name := strings.Join(e.codes, "_or_")
	if _, done := g.responses[name]; !done {
		var text []string
		for _, code := range e.codes {
			text = append(text, "`"+code+"`: "+errorMeaning[code])
		}
		g.responses[name] = map[string]any{
			"description": strings.Join(text, "; "),
			"content": map[string]any{"application/json": map[string]any{
				"schema":  errorRef,
				"example": ErrorBody{Code: e.codes[0], Message: errorExample[e.codes[0]]},
			}},
		}
	}
	return map[string]any{"$ref": "#/components/responses/" + name}
}

// errorResponse is one error status a route answers, with its codes.
type errorResponse struct {
	status int
	codes  []string
}

// errorResponses lists the error statuses a route can answer, derived in
// this one place from what the route is: public or authenticated, with a
// body, query or path parameters, a read or a change, a stream. Each
// error is one the API raises, given its status and code by errorStatus,
// the error table, so that the document cannot disagree with it. Errors
// any request may meet regardless of its route (an unknown route or
// method, a client gone) are left to the default response; r.Errors adds
// what a route's own handler answers beyond its kind.
func errorResponses(r route, pathParams []string) []errorResponse {
	post := r.Method == http.MethodPost
	change := r.Method != http.MethodGet
	// Authenticated and anonymous routes read the ledger, within a rate.
	reads := !r.Public || r.Anonymous
	var kinds []error
	add := func(when bool, errs ...error) {
		if when {
			kinds = append(kinds, errs...)
		}
	}
	// A body, a query, a path ID or an Idempotency-Key header can be bad.
	add(reads && (r.Request != nil || r.List || r.Stream || post || len(pathParams) > 0), client.ErrInvalid)
	add(!r.Public, errUnauthenticated)
	// Reads hide what the caller may not see as not found; changes are
	// refused.
	add(!r.Public && change, client.ErrForbidden)
	add(!r.Public && (change || len(pathParams) > 0), client.ErrNotFound)
	add(!r.Public && change, client.ErrConflict)
	add(!r.Public && post, errKeyInProgress)
	// limitBody refuses a body over the limit on every route, before the
	// route runs (a keyed POST reads its body whole, whatever the route).
	add(true, errTooLarge)
	add(!r.Public && r.Request != nil, errUnsupportedMedia)
	add(!r.Public && change, client.ErrRefused)
	add(!r.Public && post, errKeyReused)
	add(reads, errRateLimited)
	add(!r.Public && r.Stream, errTooManyStreams)
	add(true, errPanic)
	add(reads, client.ErrEndorsement, client.ErrUnavailable)
	// The event stream has no deadline.
	add(reads && !r.Stream, errDeadline)
	kinds = append(kinds, r.Errors...)

	byStatus := map[int][]string{}
	for _, err := range kinds {
		status, code := errorStatus(err)
		if !slices.Contains(byStatus[status], code) {
			byStatus[status] = append(byStatus[status], code)
		}
	}
	var out []errorResponse
	for _, status := range slices.Sorted(maps.Keys(byStatus)) {
		out = append(out, errorResponse{status: status, codes: byStatus[status]})
	}
	return out
}

// errorMeaning says, for each code the document names, when it is
// answered; docs/api.md's error table says it at length.
var errorMeaning = map[string]string{
	"invalid":                     "malformed JSON, a failed validation, a bad path ID, query parameter or header, or the contract's invalid error; `field` names the part at fault",
	"unauthenticated":             "no or an unknown bearer token",
	"forbidden":                   "the caller's identity or role may not",
	"not_found":                   "the object does not exist, or the caller may not read it",
	"conflict":                    "the state conflicts: the ID exists, already decided, a replayed receipt, a lost read conflict",
	"idempotency_key_in_progress": "a request with the same Idempotency-Key is still running",
	"payload_too_large":           "the body is over the limit (1 MiB by default)",
	"unsupported_media_type":      "the body is not JSON",
	"refused":                     "a business rule refuses the request; `message` is the contract's reason",
	"idempotency_key_reused":      "the Idempotency-Key was used for another request",
	"rate_limited":                "the bearer token (or, without a token, the client address) made more requests than its rate allows; see Retry-After",
	"too_many_streams":            "the bearer token holds as many event streams open as allowed; see Retry-After",
	"internal":                    "an unclassified error; the server log has it under the request ID the message names",
	"endorsement_failed":          "the peers did not endorse the transaction, or it was invalidated",
	"unavailable":                 "the peer or orderer could not be reached in time; \"outcome unknown\" in the message: the transaction may still commit",
	"not_ready":                   "the organisation's peer did not answer",
	"timeout":                     "the request did not finish within its deadline",
	"anchoring_failed":            "the organisation's anchoring service could not be reached, or answered other than 200; `message` says what it answered",
}

// errorExample is a message of each code, for the example of the status
// it is the first code of.
var errorExample = map[string]string{
	"invalid":                "must be one of general, important, core",
	"unauthenticated":        "unauthenticated: send Authorization: Bearer <token>",
	"forbidden":              "only the authority issues grants",
	"not_found":              "grant g-1 does not exist",
	"conflict":               "application a-1 already exists",
	"payload_too_large":      "request body too large: 2097152 bytes, at most 1048576 allowed",
	"unsupported_media_type": "unsupported media type: \"text/plain\"; send application/json",
	"refused":                "over quota: grant g-1 has used all 10 calls",
	"rate_limited":           "too many requests: a token may make 1000 requests a second, 2000 at once; retry after 1 s",
	"internal":               "internal error; the server log has the details under request ID 3f2a…",
	"endorsement_failed":     "the peers did not endorse the transaction; the server log has the details under request ID 3f2a…",
	"unavailable":            "the ledger could not be reached in time; the server log has the details under request ID 3f2a…",
	"not_ready":              "the ledger did not answer (context deadline exceeded); the server log has the details under request ID 3f2a…",
	"timeout":                "the request did not finish within its deadline; the server log has the details under request ID 3f2a…",
}

// schemaGen turns Go types into OpenAPI schemas, struct types into named
// components.
type schemaGen struct {
	schemas map[string]any
	names   map[reflect.Type]string
	// responses are the shared error responses (errorResponse).
	responses map[string]any
}

func (g *schemaGen) ref(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.TypeFor[json.RawMessage]():
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": g.ref(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.ref(t.Elem())}
	case reflect.Struct:
		name := g.name(t)
		if _, done := g.schemas[name]; !done {
			g.schemas[name] = map[string]any{} // a placeholder breaks cycles
			g.schemas[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// name gives a struct type its component name: Go's name, capitalised,
// with a generic's type argument in front (Page[ledger.Grant] → GrantPage)
// and the package in front when two packages use the same name.
func (g *schemaGen) name(t reflect.Type) string {
	if n, ok := g.names[t]; ok {
		return n
	}
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		arg := strings.TrimSuffix(n[i+1:], "]")
		arg = arg[strings.LastIndexByte(arg, '.')+1:]
		n = capitalize(arg) + n[:i]
	}
	n = capitalize(n)
	if n == "" {
		n = "Object"
	}
	for _, taken := range g.names {
		if taken == n {
			n = capitalize(t.PkgPath()[strings.LastIndexByte(t.PkgPath(), '/')+1:]) + n
			break
		}
	}
	g.names[t] = n
	return n
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// object is the schema of a struct. In request types (those with binding
// tags) the fields whose binding says required are required; in response
// types the fields that are never omitted are.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	isRequest := false
	fields := flatFields(t)
	for _, f := range fields {
		if _, ok := f.Tag.Lookup("binding"); ok {
			isRequest = true
		}
	}
	for _, f := range fields {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		props[name] = g.field(f)
		rules, _, _ := strings.Cut(f.Tag.Get("binding"), ",dive")
		omitted := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		if (isRequest && slices.Contains(strings.Split(rules, ","), "required")) || (!isRequest && !omitted) {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	if isRequest {
		s["additionalProperties"] = false
	}
	return s
}

// field is the schema of a struct field, with the enum its binding tag's
// oneof rule allows (for a slice, its items').
func (g *schemaGen) field(f reflect.StructField) map[string]any {
	s := g.ref(f.Type)
	binding := f.Tag.Get("binding")
	own, items, dive := strings.Cut(binding, ",dive")
	target := s
	rules := own
	if dive {
		rules = items
		if it, ok := s["items"].(map[string]any); ok && it["$ref"] == nil {
			target = it
		}
	}
	for _, rule := range strings.Split(rules, ",") {
		if values, ok := strings.CutPrefix(rule, "oneof="); ok && target["$ref"] == nil {
			target["enum"] = strings.Fields(values)
		}
	}
	return s
}

// flatFields lists the JSON-visible fields of a struct, embedded ones
// flattened.
func flatFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if ft, ok := embeddedStruct(f, name); ok {
			out = append(out, flatFields(ft)...)
			continue
		}
		if f.IsExported() {
			out = append(out, f)
		}
	}
	return out
}

// Document returns the OpenAPI document of organisation org's API, as
// GET /v1/openapi.json serves it, without a ledger or tokens: for tools
// that check or publish it offline (grantledger-api openapi, the lint
// step). The document depends on the route table only, never on state.
func Document(org string) ([]byte, error) {
	keys, err := OpenIdempotencyStore("", StoreOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = keys.Close() }() // nothing was stored in it
	s, err := New(Options{Org: org, Identities: noIdentities{}, Tokens: noTokens{}, Idempotency: keys, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	return s.doc, nil
}

// noIdentities and noTokens stand in for a ledger and a token file where
// only the route table is needed (Document): nobody is let in.
type (
	noIdentities struct{}
	noTokens     struct{}
)

func (noIdentities) As(context.Context, string) (Ledger, error) {
	return nil, errors.New("no ledger: the server only describes its routes")
}

func (noTokens) User(string) (string, bool) { return "", false }

// openapi serves the document.
func (s *Server) openapi(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.doc)
	return nil
}
