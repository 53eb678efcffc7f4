package attest_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/attest"
)

const (
	digestA = "0x1111111111111111111111111111111111111111111111111111111111111111"
	digestB = "0x2222222222222222222222222222222222222222222222222222222222222222"
)

// validStatement returns a fresh statement that passes Validate.
func validStatement() attest.Statement {
	return attest.Statement{
		ReceiptID: "receipt-1",
		GrantID:   "grant-1",
		Datasets: []attest.DatasetUse{
			{ID: "traffic-flow", Fields: []string{"road", "count"}},
			{ID: "weather", Fields: []string{"rain"}},
		},
		Operation:    "aggregate",
		Purpose:      "congestion forecast",
		Records:      1200,
		InputDigest:  digestA,
		OutputDigest: digestB,
		Time:         1767225600,
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*attest.Statement)
		field  string // part of the error text naming the field; "" when valid
	}{
		{name: "valid", modify: func(*attest.Statement) {}},
		{name: "one record", modify: func(s *attest.Statement) { s.Records = 1 }},
		{name: "other digest", modify: func(s *attest.Statement) { s.InputDigest = "0x" + strings.Repeat("ab", 32) }},
		{name: "empty receipt id", modify: func(s *attest.Statement) { s.ReceiptID = "" }, field: "receiptId"},
		{name: "empty grant id", modify: func(s *attest.Statement) { s.GrantID = "" }, field: "grantId"},
		{name: "empty operation", modify: func(s *attest.Statement) { s.Operation = "" }, field: "operation"},
		{name: "empty purpose", modify: func(s *attest.Statement) { s.Purpose = "" }, field: "purpose"},
		{name: "receipt id not UTF-8", modify: func(s *attest.Statement) { s.ReceiptID = "r\xff" }, field: "receiptId"},
		{name: "no datasets", modify: func(s *attest.Statement) { s.Datasets = nil }, field: "datasets"},
		{name: "empty dataset id", modify: func(s *attest.Statement) { s.Datasets[1].ID = "" }, field: "datasets[1].id"},
		{name: "duplicate dataset", modify: func(s *attest.Statement) { s.Datasets[1].ID = "traffic-flow" }, field: "datasets[1].id"},
		{name: "dataset without fields", modify: func(s *attest.Statement) { s.Datasets[0].Fields = nil }, field: "datasets[0].fields"},
		{name: "empty field", modify: func(s *attest.Statement) { s.Datasets[0].Fields[1] = "" }, field: "datasets[0].fields[1]"},
		{name: "duplicate field", modify: func(s *attest.Statement) { s.Datasets[0].Fields[1] = "road" }, field: "datasets[0].fields[1]"},
		{name: "zero records", modify: func(s *attest.Statement) { s.Records = 0 }, field: "records"},
		{name: "input digest without prefix", modify: func(s *attest.Statement) { s.InputDigest = digestA[2:] }, field: "inputDigest"},
		{name: "input digest too short", modify: func(s *attest.Statement) { s.InputDigest = digestA[:65] }, field: "inputDigest"},
		{name: "input digest not hex", modify: func(s *attest.Statement) { s.InputDigest = "0x" + strings.Repeat("zz", 32) }, field: "inputDigest"},
		{name: "output digest upper-case", modify: func(s *attest.Statement) { s.OutputDigest = "0x" + strings.Repeat("AB", 32) }, field: "outputDigest"},
		{name: "output digest empty", modify: func(s *attest.Statement) { s.OutputDigest = "" }, field: "outputDigest"},
		{name: "zero time", modify: func(s *attest.Statement) { s.Time = 0 }, field: "time"},
		{name: "negative time", modify: func(s *attest.Statement) { s.Time = -1 }, field: "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validStatement()
			tt.modify(&s)
			err := s.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, attest.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Validate() = %q, want it to name %q", err, tt.field)
			}
		})
	}
}

// TestCanonicalLayout spells out the documented layout byte by byte: it is
// the reference for attestors written in other languages.
func TestCanonicalLayout(t *testing.T) {
	s := attest.Statement{
		ReceiptID: "r",
		GrantID:   "g",
		Datasets: []attest.DatasetUse{
			{ID: "ds2", Fields: []string{"b", "a"}},
			{ID: "ds1", Fields: []string{"x"}},
		},
		Operation:    "op",
		Purpose:      "p",
		Records:      7,
		InputDigest:  digestA,
		OutputDigest: digestB,
		Time:         1700000000,
	}
	var want []byte
	str := func(v string) {
		want = binary.BigEndian.AppendUint32(want, uint32(len(v)))
		want = append(want, v...)
	}
	u32 := func(v uint32) { want = binary.BigEndian.AppendUint32(want, v) }
	str("r")
	str("g")
	u32(2)
	str("ds1")
	u32(1)
	str("x")
	str("ds2")
	u32(2)
	str("a")
	str("b")
	str("op")
	str("p")
	want = binary.BigEndian.AppendUint64(want, 7)
	str(digestA)
	str(digestB)
	want = binary.BigEndian.AppendUint64(want, 1700000000)

	if got := s.Canonical(); !bytes.Equal(got, want) {
		t.Errorf("Canonical() = %x, want %x", got, want)
	}
	if s.Datasets[0].ID != "ds2" || s.Datasets[0].Fields[0] != "b" {
		t.Errorf("Canonical() reordered its receiver's datasets or fields: got %+v", s.Datasets)
	}
}

// TestDigestVector pins the digest of validStatement as a cross-language test
// vector (reproduced independently with a Python keccak256); an attestor in
// another language must produce the same value.
func TestDigestVector(t *testing.T) {
	const want = "0x7f8a2b0f7aed03d9dfedbd18823a9f8e062e09fe4ff51fde126ee01de1aa7a00"
	if got := attest.HexDigest(validStatement().Digest()); got != want {
		t.Errorf("Digest() = %s, want %s", got, want)
	}
}

func TestDigest(t *testing.T) {
	base := validStatement().Digest()
	tests := []struct {
		name   string
		modify func(*attest.Statement)
		same   bool
	}{
		{name: "datasets reordered", same: true, modify: func(s *attest.Statement) {
			s.Datasets[0], s.Datasets[1] = s.Datasets[1], s.Datasets[0]
		}},
		{name: "fields reordered", same: true, modify: func(s *attest.Statement) {
			s.Datasets[0].Fields = []string{"count", "road"}
		}},
		{name: "receipt id", modify: func(s *attest.Statement) { s.ReceiptID = "receipt-2" }},
		{name: "grant id", modify: func(s *attest.Statement) { s.GrantID = "grant-2" }},
		{name: "bytes moved between ids", modify: func(s *attest.Statement) { s.ReceiptID, s.GrantID = "receipt-1g", "rant-1" }},
		{name: "field moved to other dataset", modify: func(s *attest.Statement) {
			s.Datasets[0].Fields = []string{"road"}
			s.Datasets[1].Fields = []string{"rain", "count"}
		}},
		{name: "field added", modify: func(s *attest.Statement) { s.Datasets[1].Fields = append(s.Datasets[1].Fields, "wind") }},
		{name: "dataset id", modify: func(s *attest.Statement) { s.Datasets[1].ID = "weather-2" }},
		{name: "operation", modify: func(s *attest.Statement) { s.Operation = "join" }},
		{name: "purpose", modify: func(s *attest.Statement) { s.Purpose = "advertising" }},
		{name: "records", modify: func(s *attest.Statement) { s.Records++ }},
		{name: "digests swapped", modify: func(s *attest.Statement) { s.InputDigest, s.OutputDigest = s.OutputDigest, s.InputDigest }},
		{name: "time", modify: func(s *attest.Statement) { s.Time++ }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validStatement()
			tt.modify(&s)
			got := s.Digest()
			if (got == base) != tt.same {
				t.Errorf("Digest() = %s, base %s: got equal %t, want %t", attest.HexDigest(got), attest.HexDigest(base), got == base, tt.same)
			}
		})
	}
}
