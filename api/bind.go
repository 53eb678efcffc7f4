package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/grantledger/grantledger/ledger"
)

// Page sizes of every list.
const (
	// DefaultPageSize is the page size when a list request names none
	// (the contract's default).
	DefaultPageSize = 20
	// MaxPageSize is the largest page size a list request may ask for
	// (the contract's maximum).
	MaxPageSize = 100
)

// binder decodes and validates request bodies, path parameters and query
// strings, naming the field at fault in every error.
type binder struct {
	v *validator.Validate
}

// digestPattern is a document digest as the ledger records it.
var digestPattern = regexp.MustCompile(`^0x[0-9a-f]{64}$`)

func newBinder() binder {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.SetTagName("binding")
	// Errors name fields as the request spells them.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"json", "form", "uri"} {
			name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
		return f.Name
	})
	// objectid: the ledger's identifier syntax (ledger.CheckID).
	_ = v.RegisterValidation("objectid", func(fl validator.FieldLevel) bool {
		return ledger.CheckID("", fl.Field().String()) == nil
	})
	// digest: 0x + 64 lower-case hex characters.
	_ = v.RegisterValidation("digest", func(fl validator.FieldLevel) bool {
		return digestPattern.MatchString(fl.Field().String())
	})
	// text: free text as the ledger takes it, without control characters
	// but newline and tab (the contract refuses them; checking here keeps
	// a second transaction from failing on them after the first recorded).
	_ = v.RegisterValidation("text", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return strings.TrimSpace(s) == "" || !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' })
	})
	// month: a period of fees and revenue, a UTC month (YYYY-MM).
	_ = v.RegisterValidation("month", func(fl validator.FieldLevel) bool {
		return monthRE.MatchString(fl.Field().String())
	})
	return binder{v: v}
}

// decodeJSON decodes the request body into dst, a pointer to a request
// type: exactly one JSON object, no unknown fields, every field of the
// right type, then the type's binding rules.
func (b binder) decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fmt.Errorf("%w: %q; send application/json", errUnsupportedMedia, ct)
		}
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("%w: %w", errTooLarge, err)
		}
		return &InputError{Msg: "the request body could not be read"}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return &InputError{Msg: "the request body is empty; send a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(raw, dst, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &InputError{Msg: "the request body must hold one JSON object and nothing after it"}
	}
	return b.validate(dst)
}

// decodeError explains why raw does not decode into dst, naming the field.
func decodeError(raw []byte, dst any, err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &InputError{Msg: fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, se.Error())}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &InputError{Msg: "malformed JSON: the body ends too early"}
	}
	t := reflect.TypeOf(dst).Elem()
	if path, msg, ok := locate(raw, t, ""); ok {
		return &InputError{Field: path, Msg: msg}
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return &InputError{Field: te.Field, Msg: "must be " + typeName(te.Type) + ", not " + te.Value}
	}
	return &InputError{Msg: "the request body does not match the request type"}
}

// locate finds the first place where raw does not decode into a value of
// type t: an unknown object key, or a value of the wrong JSON type or form.
// It returns the path there ("scope.datasets[0].id") and what is wrong.
// Keys are visited in sorted order so that the answer is stable.
func locate(raw json.RawMessage, t reflect.Type, path string) (string, string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "", "", false
	}
	leaf := t.Kind() != reflect.Struct && t.Kind() != reflect.Slice && t.Kind() != reflect.Array && t.Kind() != reflect.Map
	if leaf || t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[json.RawMessage]() ||
		reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			return path, "must be " + typeName(t), true
		}
		return "", "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return path, "must be a JSON object", true
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				f, ok = fieldFold(fields, k)
			}
			if !ok {
				return join(path, k), "is not a field of this request", true
			}
			if p, msg, ok := locate(obj[k], f.Type, join(path, k)); ok {
				return p, msg, true
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return path, "must be a JSON array", true
		}
		for i, item := range items {
			if p, msg, ok := locate(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, msg, true
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return path, "must be a JSON object", true
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if p, msg, ok := locate(obj[k], t.Elem(), join(path, k)); ok {
				return p, msg, true
			}
		}
	}
	return "", "", false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonFields returns the fields of a struct type by JSON name, following
// embedded structs as encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if ft, ok := embeddedStruct(f, name); ok {
			for k, v := range jsonFields(ft) {
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// embeddedStruct returns the struct type of f when encoding/json promotes
// its fields: an embedded struct, or pointer to one, without a JSON name.
func embeddedStruct(f reflect.StructField, jsonName string) (reflect.Type, bool) {
	if !f.Anonymous || jsonName != "" {
		return nil, false
	}
	ft := f.Type
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	return ft, ft.Kind() == reflect.Struct
}

// fieldFold finds a field by a key that differs only in case, as
// encoding/json accepts.
func fieldFold(fields map[string]reflect.StructField, key string) (reflect.StructField, bool) {
	for name, f := range fields {
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// typeName describes a Go type in JSON terms.
func typeName(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "an RFC 3339 time string such as 2026-01-02T15:04:05Z"
	case t == reflect.TypeFor[json.RawMessage]():
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	case reflect.Map, reflect.Struct:
		return "a JSON object"
	}
	return "a JSON value"
}

// validate applies the binding rules of dst's type.
func (b binder) validate(dst any) error {
	err := b.v.Struct(dst)
	if err == nil {
		return nil
	}
	if ves, ok := errors.AsType[validator.ValidationErrors](err); ok && len(ves) > 0 {
		fe := ves[0]
		ns := fe.Namespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest
		}
		return &InputError{Field: ns, Msg: describe(fe)}
	}
	return &InputError{Msg: "the request could not be validated"}
}

// describe says in words which binding rule a field broke.
func describe(fe validator.FieldError) string {
	countable := fe.Kind() == reflect.Slice || fe.Kind() == reflect.Map || fe.Kind() == reflect.Array
	unit := "characters"
	if countable {
		unit = "items"
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of " + strings.Join(strings.Fields(fe.Param()), ", ")
	case "max", "lte":
		if fe.Kind() == reflect.String || countable {
			return fmt.Sprintf("must have at most %s %s", fe.Param(), unit)
		}
		return "must be at most " + fe.Param()
	case "min", "gte":
		if fe.Kind() == reflect.String || countable {
			return fmt.Sprintf("must have at least %s %s", fe.Param(), unit)
		}
		return "must be at least " + fe.Param()
	case "objectid":
		return "must be an identifier: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit"
	case "digest":
		return "must be a digest: 0x followed by 64 lower-case hex characters"
	case "text":
		return "contains a control character (only newline and tab are allowed)"
	case "month":
		return "must be a month: YYYY-MM"
	case "hexadecimal", "startswith":
		return fmt.Sprintf("is malformed (%s %s)", fe.Tag(), fe.Param())
	}
	if fe.Param() != "" {
		return fmt.Sprintf("fails the %s=%s rule", fe.Tag(), fe.Param())
	}
	return "fails the " + fe.Tag() + " rule"
}

// listQuery reads the query string of a list: pageSize, bookmark and at
// most one filter, a parameter named after one of the indexes the list
// offers (?status=active). Unknown parameters are refused, so that a
// misspelt filter does not silently list everything.
func listQuery(q url.Values, indexes []string) (ledger.Query, error) {
	query := ledger.Query{PageSize: DefaultPageSize}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		values := q[name]
		if len(values) != 1 {
			return query, &InputError{Field: name, Msg: "must be given once"}
		}
		value := values[0]
		switch {
		case name == "pageSize":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > MaxPageSize {
				return query, &InputError{Field: name, Msg: fmt.Sprintf("must be an integer from 1 to %d", MaxPageSize)}
			}
			query.PageSize = int32(n)
		case name == "bookmark":
			query.Bookmark = value
		case slices.Contains(indexes, name):
			if query.By != "" {
				return query, &InputError{Field: name, Msg: "filter by one of " + strings.Join(indexes, ", ") + " at a time, not by " + query.By + " too"}
			}
			if value == "" || len(value) > 256 {
				return query, &InputError{Field: name, Msg: "must be 1 to 256 characters"}
			}
			query.By, query.Value = name, value
		case len(indexes) == 0:
			return query, &InputError{Field: name, Msg: "is not a query parameter of this list (pageSize, bookmark)"}
		default:
			return query, &InputError{Field: name, Msg: "is not a query parameter of this list (pageSize, bookmark, and one of " + strings.Join(indexes, ", ") + ")"}
		}
	}
	return query, nil
}

// bindQuery reads a list's query string with the indexes of its route.
func bindQuery(c *gin.Context) (ledger.Query, error) {
	indexes, _ := c.Get(ctxIndexes)
	names, _ := indexes.([]string)
	return listQuery(c.Request.URL.Query(), names)
}

// pathParam reads and checks the path parameter that names an object.
type pathParam func(c *gin.Context) (string, error)

// objectID reads path parameter name, an identifier of a ledger object.
func objectID(name string) pathParam {
	return func(c *gin.Context) (string, error) {
		id := c.Param(name)
		if err := ledger.CheckID(name, id); err != nil {
			return "", &InputError{Field: name, Msg: "must be an identifier: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit"}
		}
		return id, nil
	}
}

// The path parameters that name objects.
var (
	idParam      = objectID("id")
	mspParam     = objectID("msp")
	addressParam = objectID("address")
	// evaluationParam names one of a participant's evaluations.
	evaluationParam = objectID("evaluationId")
)

// clientParam reads the client identity that names an expert: it is the
// path segment, percent-encoded, for it holds commas, '=' and spaces.
func clientParam(c *gin.Context) (string, error) {
	id := c.Param("client")
	if err := ledger.CheckClientIdentity("client", id); err != nil {
		return "", &InputError{Field: "client", Msg: "must be a client identity as GET /v1/me reports it (x509::<subject>::<issuer>), percent-encoded"}
	}
	return id, nil
}
