package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
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
	g := &schemaGen{schemas: map[string]any{}, names: map[reflect.Type]string{}}
	errorRef := g.ref(reflect.TypeFor[ErrorBody]())
	paths := map[string]map[string]any{}
	for _, r := range routes {
		path, params := OpenAPIPath(r.Path)
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(r.Method)] = g.operation(r, params, errorRef)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "grantledger API",
			"version": "1.0.0",
			"description": "The REST API of organisation " + org + " on the grantledger ledger of public data " +
				"authorized operation (公共数据授权运营). Every request under /v1 but this document runs as the " +
				"Fabric identity its bearer token was issued to.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
		},
		"security": []any{map[string]any{"bearer": []string{}}},
	}
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
	default:
		ok["content"] = map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	}
	op["responses"] = map[string]any{
		strconv.Itoa(r.Status): ok,
		"default": map[string]any{
			"description": "an error (docs/api.md lists the codes)",
			"content":     map[string]any{"application/json": map[string]any{"schema": errorRef}},
		},
	}
	return op
}

// schemaGen turns Go types into OpenAPI schemas, struct types into named
// components.
type schemaGen struct {
	schemas map[string]any
	names   map[reflect.Type]string
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

// openapi serves the document.
func (s *Server) openapi(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.doc)
	return nil
}
