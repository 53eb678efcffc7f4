// Package attest defines usage receipts (用数凭证): statements, signed by a
// trusted processing environment (an attestor, 可信执行环境), that granted
// public data was used, and the Merkle trees that commit to batches of them.
//
// An attestor is identified by the Ethereum-style address of its secp256k1
// key. It signs the Digest of a Statement; anyone holding the statement and
// the 65-byte signature can Recover the attestor's address and compare it
// with the attestors the ledger trusts. The package is plain Go with no
// Fabric dependency, so the contract, the API and off-chain tools share it,
// and its byte layouts are documented so that an attestor written in another
// language can reproduce them.
package attest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/crypto"
)

// ErrInvalid is wrapped by every error about a malformed statement, address
// or digest.
var ErrInvalid = errors.New("invalid")

// ErrBadSignature is wrapped by every error about a signature that is
// malformed or cannot be verified.
var ErrBadSignature = errors.New("bad signature")

// receiptDomain separates statement digests from every other keccak256 hash
// an attestor key might sign. Changing the layout of Canonical requires a new
// version here.
const receiptDomain = "grantledger/receipt/v1"

// DatasetUse names a dataset and the fields of it that a use touched.
type DatasetUse struct {
	ID     string   `json:"id"`
	Fields []string `json:"fields"`
}

// Statement is what an attestor signs: one use of granted data.
type Statement struct {
	ReceiptID    string       `json:"receiptId"`
	GrantID      string       `json:"grantId"`
	Datasets     []DatasetUse `json:"datasets"`
	Operation    string       `json:"operation"`
	Purpose      string       `json:"purpose"`
	Records      uint64       `json:"records"`
	InputDigest  string       `json:"inputDigest"`  // 0x + 64 lower-case hex chars
	OutputDigest string       `json:"outputDigest"` // 0x + 64 lower-case hex chars
	Time         int64        `json:"time"`         // unix seconds (UTC) of the use
}

// Validate reports the first field of the statement that is malformed; the
// error wraps ErrInvalid and names the field by its JSON path. A valid
// statement has non-empty, valid UTF-8 receiptId, grantId, operation and
// purpose; at least one dataset; non-empty, distinct dataset IDs, each with
// at least one non-empty field and no field twice; records >= 1; both
// digests written "0x" + 64 lower-case hex characters (one spelling per
// digest, so digests can be compared as strings); and a positive time.
func (s Statement) Validate() error {
	for _, f := range []struct{ name, value string }{
		{"receiptId", s.ReceiptID},
		{"grantId", s.GrantID},
		{"operation", s.Operation},
		{"purpose", s.Purpose},
	} {
		if err := checkText(f.value); err != nil {
			return fmt.Errorf("%w: statement %s %s", ErrInvalid, f.name, err)
		}
	}
	if len(s.Datasets) == 0 {
		return fmt.Errorf("%w: statement datasets is empty", ErrInvalid)
	}
	datasets := make(map[string]bool, len(s.Datasets))
	for i, d := range s.Datasets {
		if err := checkText(d.ID); err != nil {
			return fmt.Errorf("%w: statement datasets[%d].id %s", ErrInvalid, i, err)
		}
		if datasets[d.ID] {
			return fmt.Errorf("%w: statement datasets[%d].id: dataset %q appears twice", ErrInvalid, i, d.ID)
		}
		datasets[d.ID] = true
		if len(d.Fields) == 0 {
			return fmt.Errorf("%w: statement datasets[%d].fields is empty", ErrInvalid, i)
		}
		fields := make(map[string]bool, len(d.Fields))
		for j, f := range d.Fields {
			if err := checkText(f); err != nil {
				return fmt.Errorf("%w: statement datasets[%d].fields[%d] %s", ErrInvalid, i, j, err)
			}
			if fields[f] {
				return fmt.Errorf("%w: statement datasets[%d].fields[%d]: field %q appears twice", ErrInvalid, i, j, f)
			}
			fields[f] = true
		}
	}
	if s.Records == 0 {
		return fmt.Errorf("%w: statement records must be at least 1", ErrInvalid)
	}
	if err := checkDigest(s.InputDigest); err != nil {
		return fmt.Errorf("%w: statement inputDigest %s", ErrInvalid, err)
	}
	if err := checkDigest(s.OutputDigest); err != nil {
		return fmt.Errorf("%w: statement outputDigest %s", ErrInvalid, err)
	}
	if s.Time <= 0 {
		return fmt.Errorf("%w: statement time must be positive unix seconds, got %d", ErrInvalid, s.Time)
	}
	return nil
}

// checkText returns the reason a required text value is unacceptable.
func checkText(v string) error {
	switch {
	case v == "":
		return errors.New("is empty")
	case !utf8.ValidString(v):
		return errors.New("is not valid UTF-8")
	}
	return nil
}

// checkDigest returns the reason v is not the lower-case spelling of a digest.
func checkDigest(v string) error {
	d, err := ParseDigest(v)
	if err != nil {
		return fmt.Errorf("is not 0x + 64 hex characters: %q", v)
	}
	if HexDigest(d) != v {
		return fmt.Errorf("must be lower-case hex: %q", v)
	}
	return nil
}

// Canonical returns the deterministic byte encoding of the statement that
// Digest hashes. It is defined for every statement, but only statements that
// pass Validate can be signed or recovered.
//
// Layout, with str(x) = uint32 big-endian byte length of x, then the UTF-8
// bytes of x; u32 and u64 unsigned big-endian; i64 two's complement
// big-endian:
//
//	str(receiptId)
//	str(grantId)
//	u32(number of datasets)
//	for each dataset, in ascending byte order of id:
//	    str(id)
//	    u32(number of fields)
//	    for each field, in ascending byte order: str(field)
//	str(operation)
//	str(purpose)
//	u64(records)
//	str(inputDigest)   // the "0x…" text, 66 bytes when valid
//	str(outputDigest)  // the "0x…" text, 66 bytes when valid
//	i64(time)
//
// Every variable-length item is length-prefixed, so no two different
// statements (up to the order of datasets and fields, which the sort
// removes) share an encoding.
func (s Statement) Canonical() []byte {
	datasets := slices.Clone(s.Datasets)
	slices.SortStableFunc(datasets, func(a, b DatasetUse) int { return strings.Compare(a.ID, b.ID) })

	var b []byte
	b = appendString(b, s.ReceiptID)
	b = appendString(b, s.GrantID)
	b = binary.BigEndian.AppendUint32(b, uint32(len(datasets)))
	for _, d := range datasets {
		b = appendString(b, d.ID)
		fields := slices.Clone(d.Fields)
		slices.Sort(fields)
		b = binary.BigEndian.AppendUint32(b, uint32(len(fields)))
		for _, f := range fields {
			b = appendString(b, f)
		}
	}
	b = appendString(b, s.Operation)
	b = appendString(b, s.Purpose)
	b = binary.BigEndian.AppendUint64(b, s.Records)
	b = appendString(b, s.InputDigest)
	b = appendString(b, s.OutputDigest)
	b = binary.BigEndian.AppendUint64(b, uint64(s.Time))
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Digest returns the hash an attestor signs:
// keccak256("grantledger/receipt/v1" || Canonical()). The ASCII domain
// prefix keeps a receipt signature from being valid for any other message.
func (s Statement) Digest() [32]byte {
	return [32]byte(crypto.Keccak256Hash([]byte(receiptDomain), s.Canonical()))
}
