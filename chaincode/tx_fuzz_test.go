package chaincode

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/grantledger/grantledger/ledger"
)

// Fuzz targets of the contract's argument decoding and bookmarks.
// `scripts/test.sh fuzz` runs each for a few seconds; docs/testing.md says
// how to run them long.

// decodeTargets are request types the contract decodes, chosen by a byte.
var decodeTargets = []func() any{
	func() any { return new(ledger.Query) },
	func() any { return new(ledger.DatasetRequest) },
	func() any { return new(ledger.GrantRequest) },
	func() any { return new(ledger.ReceiptRequest) },
	func() any { return new(ledger.BatchRequest) },
	func() any { return new(ledger.ProductRequest) },
	func() any { return new(ledger.ParticipantRequest) },
	func() any { return new(ledger.AgreementRequest) },
}

// jsonNames lists the JSON names of a struct type's fields (promoted ones
// included), as encoding/json matches them.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// FuzzDecode checks the contract's request decoding: no panic; what it
// accepts is blank or exactly one JSON value (no trailing data), whose object
// keys are all fields of the request type; the same object with an unknown
// field added is refused; and the decoded request survives encoding and
// decoding unchanged. What it refuses, it refuses as invalid input.
func FuzzDecode(f *testing.F) {
	for i, s := range []string{
		`{"by":"status","value":"active","pageSize":20,"bookmark":"AGNhbGwAYy0xAAA"}`,
		`{"id":"ds-1","name":"Clinics","domain":"health","fields":[{"name":"visits","sensitivity":2}],"classification":"general"}`,
		`{"id":"g-1","applicationId":"a-1","scope":{"datasets":[{"id":"ds-1","fields":["visits"]}],"purposes":["research"],"operations":["statistics"]},"quota":{"records":10,"calls":1},"term":{"validFrom":"2026-01-01T00:00:00Z","validTo":"2027-01-01T00:00:00+08:00"}}`,
		`{"statement":{"receiptId":"r-1","grantId":"g-1","datasets":[{"id":"ds-1","fields":["visits"]}],"operation":"statistics","purpose":"research","records":10,"inputDigest":"0x1111111111111111111111111111111111111111111111111111111111111111","outputDigest":"0x2222222222222222222222222222222222222222222222222222222222222222","time":1767225600},"signature":"0x00"}`,
		`{"id":"b-1","receipts":[]}`,
		`{"id":"p-1","name":"Forecast","grants":["g-1"]}`,
		`{"msp":"HealthMSP","role":"provider","name":"Health"}`,
		`{"id":"ag-1","grantId":"g-1","textDigest":"0x00"}`,
		``, `   `, `{}`, `null`, `{}{}`, `{} x`, `{}]`, `{"pageSize":1}}`, `{"PAGESIZE":3}`, `{"colour":"red"}`, `[1]`, `"x"`,
	} {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, request string, target uint8) {
		newV := decodeTargets[int(target)%len(decodeTargets)]
		v := newV()
		err := decode(request, v)
		if err != nil {
			if !errors.Is(err, ledger.ErrInvalid) {
				t.Fatalf("decode(%q) error %q is not invalid input", request, err)
			}
			return
		}
		trimmed := strings.TrimSpace(request)
		if trimmed == "" {
			return
		}
		if !json.Valid([]byte(trimmed)) {
			t.Fatalf("decode accepted %q, which is not exactly one JSON value", request)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(trimmed), &obj) == nil && obj != nil {
			names := jsonNames(reflect.TypeOf(v).Elem())
			for k := range obj {
				known := false
				for _, n := range names {
					known = known || strings.EqualFold(n, k)
				}
				if !known {
					t.Fatalf("decode accepted unknown field %q in %q", k, request)
				}
			}
			inner := strings.TrimSpace(trimmed[1:])
			extra := `{"fuzzUnknownField":0`
			if !strings.HasPrefix(inner, "}") {
				extra += ","
			}
			if decode(extra+inner, newV()) == nil {
				t.Fatalf("decode accepted an unknown field added to %q", request)
			}
		}
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("encode the decoded request: %v", err)
		}
		again := newV()
		if err := decode(string(raw), again); err != nil {
			t.Fatalf("decode refused the encoding %s of what it decoded: %v", raw, err)
		}
		raw2, _ := json.Marshal(again)
		if !bytes.Equal(raw, raw2) {
			t.Fatalf("request changed through encode and decode: %s then %s", raw, raw2)
		}
	})
}

// FuzzBookmark checks bookmarks: whatever decodeBookmark accepts for a query
// is a key strictly inside the query's key prefix; the bookmark of any key of
// the range is URL-safe and decodes to the next key after it; and it is
// refused for a range that does not hold the key.
func FuzzBookmark(f *testing.F) {
	f.Add("call", "", "", "c-1", "AGNhbGwAYy0xAAA")
	f.Add("idx~dataset", "owner", "HealthMSP", "ds-1\x00", "AGFncmVlbWVudAA")
	f.Add("idx~product", "grant", "g-1", "p-1", "%%%")
	f.Add("grant", "", "", "", "AGdyYW50AA")
	f.Add("receipt", "x", "", "\U0010FFFF", "")
	f.Fuzz(func(t *testing.T, typ, attr1, attr2, key, bookmark string) {
		var attrs []string
		for _, a := range []string{attr1, attr2} {
			if a != "" {
				attrs = append(attrs, a)
			}
		}
		prefix, err := shim.CreateCompositeKey(typ, attrs)
		if err != nil {
			return
		}
		start, err := decodeBookmark(bookmark, prefix)
		switch {
		case err != nil:
			if !errors.Is(err, ledger.ErrInvalid) {
				t.Fatalf("decodeBookmark error %q is not invalid input", err)
			}
		case bookmark == "":
			if start != "" {
				t.Fatalf("empty bookmark starts at %q", start)
			}
		case !strings.HasPrefix(start, prefix) || len(start) <= len(prefix):
			t.Fatalf("bookmark %q decodes to %q, outside the range of prefix %q", bookmark, start, prefix)
		}

		k := prefix + key
		b := encodeBookmark(k)
		if url.QueryEscape(b) != b {
			t.Fatalf("bookmark %q is not URL-safe", b)
		}
		got, err := decodeBookmark(b, prefix)
		if err != nil {
			t.Fatalf("decodeBookmark(encodeBookmark(%q)) refused: %v", k, err)
		}
		if got != k+"\x00" || got <= k {
			t.Fatalf("decodeBookmark(encodeBookmark(%q)) = %q, want the next key", k, got)
		}
		other, err := shim.CreateCompositeKey(typ+"x", attrs)
		if err == nil && !strings.HasPrefix(k, other) {
			if _, err := decodeBookmark(b, other); err == nil {
				t.Fatalf("bookmark of %q accepted for the range %q", k, other)
			}
		}
	})
}
