package attest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
)

// Fuzz targets of the attest package. `scripts/test.sh fuzz` runs each for a
// few seconds; docs/testing.md says how to run them long.

// fuzzStatement builds a statement from fuzzed parts; datasets is written
// "id:field,field;id:field".
func fuzzStatement(receiptID, grantID, datasets, operation, purpose string, records uint64, in, out string, time int64) attest.Statement {
	s := attest.Statement{
		ReceiptID: receiptID, GrantID: grantID, Operation: operation, Purpose: purpose,
		Records: records, InputDigest: in, OutputDigest: out, Time: time,
	}
	if datasets != "" {
		for d := range strings.SplitSeq(datasets, ";") {
			id, fields, _ := strings.Cut(d, ":")
			use := attest.DatasetUse{ID: id}
			if fields != "" {
				use.Fields = strings.Split(fields, ",")
			}
			s.Datasets = append(s.Datasets, use)
		}
	}
	return s
}

// canonicalReader reads back the layout attest.Statement.Canonical
// documents, so that the fuzzer can check the encoding is unambiguous.
type canonicalReader struct {
	b   []byte
	bad bool
}

func (r *canonicalReader) u32() uint32 {
	if len(r.b) < 4 {
		r.bad = true
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *canonicalReader) u64() uint64 {
	if len(r.b) < 8 {
		r.bad = true
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *canonicalReader) str() string {
	n := r.u32()
	if r.bad || uint64(len(r.b)) < uint64(n) {
		r.bad = true
		return ""
	}
	v := string(r.b[:n])
	r.b = r.b[n:]
	return v
}

// parseCanonical decodes Canonical's bytes; ok is false when they are not
// exactly one encoded statement.
func parseCanonical(b []byte) (attest.Statement, bool) {
	r := &canonicalReader{b: b}
	var s attest.Statement
	s.ReceiptID = r.str()
	s.GrantID = r.str()
	n := r.u32()
	for i := uint32(0); i < n && !r.bad; i++ {
		d := attest.DatasetUse{ID: r.str()}
		m := r.u32()
		for j := uint32(0); j < m && !r.bad; j++ {
			d.Fields = append(d.Fields, r.str())
		}
		s.Datasets = append(s.Datasets, d)
	}
	s.Operation = r.str()
	s.Purpose = r.str()
	s.Records = r.u64()
	s.InputDigest = r.str()
	s.OutputDigest = r.str()
	s.Time = int64(r.u64())
	return s, !r.bad && len(r.b) == 0
}

// sameStatement compares statements up to the order of datasets and
// fields, treating nil and empty lists alike.
func sameStatement(a, b attest.Statement) bool {
	norm := func(s attest.Statement) attest.Statement {
		ds := make([]attest.DatasetUse, 0, len(s.Datasets))
		for _, d := range s.Datasets {
			f := append([]string{}, d.Fields...)
			slices.Sort(f)
			ds = append(ds, attest.DatasetUse{ID: d.ID, Fields: f})
		}
		slices.SortStableFunc(ds, func(x, y attest.DatasetUse) int { return strings.Compare(x.ID, y.ID) })
		s.Datasets = ds
		return s
	}
	a, b = norm(a), norm(b)
	if len(a.Datasets) != len(b.Datasets) {
		return false
	}
	for i := range a.Datasets {
		if a.Datasets[i].ID != b.Datasets[i].ID || !slices.Equal(a.Datasets[i].Fields, b.Datasets[i].Fields) {
			return false
		}
	}
	a.Datasets, b.Datasets = nil, nil
	return reflect.DeepEqual(a, b)
}

func addStatementSeeds(f *testing.F) {
	f.Add("receipt-1", "grant-1", "traffic-flow:road,count;weather:rain", "aggregate", "congestion forecast", uint64(1200), digestA, digestB, int64(1767225600))
	f.Add("r-1", "g-1", "ds-1:visits", "statistics", "research", uint64(10), digestA, digestA, int64(1))
	f.Add("收据-7", "授权-3", "医保:金额,日期;交通:路段", "model-training", "预测", uint64(1<<63), digestB, digestA, int64(1<<62))
	f.Add("", "", "", "", "", uint64(0), "", "", int64(0))
	f.Add("r\xff", "g", "a:x,x;a:y", "op", "p", uint64(1), "0x"+strings.Repeat("AB", 32), digestB, int64(-1))
	f.Add("r", "g", "b:;a:z,y", "op", "p\x00", uint64(2), digestA[:40], digestB, int64(5))
}

// FuzzStatementCanonical checks the canonical encoding on any statement:
// it decodes back to the statement (datasets and fields sorted), so no two
// different statements share an encoding; it and the digest ignore the order
// of datasets and fields of a valid statement; and a valid statement keeps
// its digest through JSON.
func FuzzStatementCanonical(f *testing.F) {
	addStatementSeeds(f)
	f.Fuzz(func(t *testing.T, receiptID, grantID, datasets, operation, purpose string, records uint64, in, out string, time int64) {
		s := fuzzStatement(receiptID, grantID, datasets, operation, purpose, records, in, out, time)
		c := s.Canonical()
		back, ok := parseCanonical(c)
		if !ok {
			t.Fatalf("Canonical() = %x does not decode as one statement", c)
		}
		if !sameStatement(back, s) {
			t.Fatalf("Canonical() decodes to %+v, want %+v", back, s)
		}
		if !bytes.Equal(back.Canonical(), c) {
			t.Fatalf("re-encoding the decoded statement changed its canonical bytes")
		}
		first := s.Digest()
		if !bytes.Equal(s.Canonical(), c) || s.Digest() != first {
			t.Fatalf("Canonical or Digest is not deterministic")
		}
		if s.Validate() != nil {
			return
		}
		// Reordered datasets and fields: the same statement.
		r := s
		r.Datasets = nil
		for _, d := range slices.Backward(s.Datasets) {
			fields := slices.Clone(d.Fields)
			slices.Reverse(fields)
			r.Datasets = append(r.Datasets, attest.DatasetUse{ID: d.ID, Fields: fields})
		}
		if !bytes.Equal(r.Canonical(), c) || r.Digest() != s.Digest() {
			t.Fatalf("reordering datasets and fields changed the canonical encoding of a valid statement")
		}
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		var j attest.Statement
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", raw, err)
		}
		if err := j.Validate(); err != nil {
			t.Fatalf("statement is no longer valid after JSON: %v", err)
		}
		if j.Digest() != s.Digest() {
			t.Fatalf("digest changed through JSON: %s", raw)
		}
	})
}

// FuzzStatementJSON decodes arbitrary JSON as a statement: whatever decodes
// keeps its canonical bytes and digest through encode and decode again, and
// is valid after it if it was before.
func FuzzStatementJSON(f *testing.F) {
	for _, s := range []string{
		`{"receiptId":"r-1","grantId":"g-1","datasets":[{"id":"ds-1","fields":["visits"]}],"operation":"statistics","purpose":"research","records":10,"inputDigest":"` + digestA + `","outputDigest":"` + digestB + `","time":1767225600}`,
		`{"receiptId":"r\ud800","datasets":[{"id":"a","fields":["x","x"]},{"id":"a"}],"records":18446744073709551615,"time":-9223372036854775808}`,
		`{"ReceiptID":"case","DATASETS":null,"time":1e3}`,
		`{}`, `null`, `[]`, `{"records":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s attest.Statement
		if json.Unmarshal(data, &s) != nil {
			return
		}
		valid := s.Validate() == nil
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("json.Marshal(%+v): %v", s, err)
		}
		var again attest.Statement
		if err := json.Unmarshal(raw, &again); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", raw, err)
		}
		if !bytes.Equal(again.Canonical(), s.Canonical()) || again.Digest() != s.Digest() {
			t.Fatalf("canonical encoding changed through JSON: %q then %q", s.Canonical(), again.Canonical())
		}
		if valid != (again.Validate() == nil) {
			t.Fatalf("validity changed through JSON: %v then %v", s.Validate(), again.Validate())
		}
		if back, ok := parseCanonical(s.Canonical()); !ok || !sameStatement(back, s) {
			t.Fatalf("canonical encoding of %+v does not decode back", s)
		}
	})
}

var addressPattern = regexp.MustCompile(`^0x[0-9a-f]{40}$`)

// FuzzRecoverRandomSignature hands Recover and ParseSignature arbitrary
// bytes: they never panic; whatever Recover accepts names a well-formed
// address, the same for V written 0/1 or 27/28, and the high-S twin of an
// accepted signature is refused.
func FuzzRecoverRandomSignature(f *testing.F) {
	a := attesttest.NewAttestorFromSeed("fuzz")
	st := validStatement()
	good, err := attest.Sign(st, a.Key())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "0x"+hex.EncodeToString(good))
	f.Add(bytes.Repeat([]byte{0x11}, 64), strings.ToUpper("0x"+hex.EncodeToString(good)))
	f.Add(append(bytes.Repeat([]byte{0xff}, 64), 27), "0X"+strings.Repeat("00", 65))
	f.Add([]byte{}, "")
	f.Add(make([]byte, 65), "0x"+strings.Repeat("zz", 65))
	f.Fuzz(func(t *testing.T, sig []byte, text string) {
		if b, err := attest.ParseSignature(text); err == nil {
			if len(b) != attest.SignatureLength || !strings.EqualFold("0x"+hex.EncodeToString(b), text) {
				t.Fatalf("ParseSignature(%q) = %x", text, b)
			}
			_, _ = attest.Recover(st, b)
		} else if !errors.Is(err, attest.ErrBadSignature) {
			t.Fatalf("ParseSignature(%q) error %v does not wrap ErrBadSignature", text, err)
		}
		addr, err := attest.Recover(st, sig)
		if err != nil {
			if !errors.Is(err, attest.ErrBadSignature) {
				t.Fatalf("Recover error %v does not wrap ErrBadSignature", err)
			}
			return
		}
		if !addressPattern.MatchString(addr) {
			t.Fatalf("Recover = %q, not a lower-case address", addr)
		}
		alias := slices.Clone(sig)
		if alias[64] < 2 {
			alias[64] += 27
		} else {
			alias[64] -= 27
		}
		if got, err := attest.Recover(st, alias); err != nil || got != addr {
			t.Fatalf("Recover with V %d = %q, %v; with V %d = %q", alias[64], got, err, sig[64], addr)
		}
		twin := slices.Clone(sig)
		s := new(big.Int).SetBytes(sig[32:64])
		new(big.Int).Sub(curveN, s).FillBytes(twin[32:64])
		twin[64] = (sig[64] % 27) ^ 1
		if got, err := attest.Recover(st, twin); err == nil {
			t.Fatalf("Recover accepted the high-S twin of an accepted signature (signer %s)", got)
		}
	})
}

// FuzzSignRecover signs fuzzed statements with keys from fuzzed seeds: a
// valid statement's signature recovers its signer; the signature with any
// byte changed (but for V written the other accepted way) never recovers
// that signer for the same statement, nor does the signature for another
// statement.
func FuzzSignRecover(f *testing.F) {
	f.Add("fuzz", "receipt-1", "traffic-flow:road,count", uint64(1200), int64(1767225600), uint8(0), uint8(1))
	f.Add("attestor-2", "r-2", "a:x;b:y,z", uint64(1), int64(1), uint8(64), uint8(27))
	f.Add("", "收据", "医保:金额", uint64(1<<64-1), int64(1<<63-1), uint8(33), uint8(0x80))
	f.Add("x", "", "", uint64(0), int64(0), uint8(10), uint8(0xff))
	f.Fuzz(func(t *testing.T, seed, receiptID, datasets string, records uint64, time int64, at, mask uint8) {
		a := attesttest.NewAttestorFromSeed(seed)
		s := fuzzStatement(receiptID, "grant-1", datasets, "aggregate", "forecast", records, digestA, digestB, time)
		sig, err := attest.Sign(s, a.Key())
		if s.Validate() != nil {
			if err == nil || !errors.Is(err, attest.ErrInvalid) {
				t.Fatalf("Sign of an invalid statement: %v, want ErrInvalid", err)
			}
			if raw, _ := hex.DecodeString(a.Sign(s)[2:]); func() bool { _, err := attest.Recover(s, raw); return err == nil }() {
				t.Fatal("Recover accepted an invalid statement")
			}
			return
		}
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if got, err := attest.Recover(s, sig); err != nil || got != a.Address() {
			t.Fatalf("Recover = %q, %v; want %s", got, err, a.Address())
		}
		i := int(at) % attest.SignatureLength
		if mask == 0 {
			mask = 1
		}
		bad := slices.Clone(sig)
		bad[i] ^= mask
		sameV := i == 64 && (bad[64] == sig[64]+27)
		if got, err := attest.Recover(s, bad); err == nil && got == a.Address() && !sameV {
			t.Fatalf("signature with byte %d ^ %#x still recovers the signer", i, mask)
		}
		other := s
		other.Records = s.Records + 1
		if other.Records == 0 {
			other.Records = s.Records - 1
		}
		if got, err := attest.Recover(other, sig); err == nil && got == a.Address() {
			t.Fatal("signature of one statement recovers the signer for another")
		}
	})
}

// fuzzLeaves makes n distinct leaves from a seed.
func fuzzLeaves(seed []byte, n int) [][32]byte {
	leaves := make([][32]byte, n)
	for i := range leaves {
		leaves[i] = sha256.Sum256(append(binary.BigEndian.AppendUint32(nil, uint32(i)), seed...))
	}
	return leaves
}

type step struct {
	hash [32]byte
	left bool
	ok   bool
}

func normProof(p []attest.ProofStep) []step {
	out := make([]step, len(p))
	for i, s := range p {
		d, err := attest.ParseDigest(s.Hash)
		out[i] = step{d, s.Left, err == nil}
	}
	return out
}

// FuzzMerkleProof checks inclusion proofs: the real proof of every leaf
// verifies, and proves no other leaf; a proof mutated by the fuzzer, or
// made of fuzzed bytes, verifies only when it is the real proof (up to the
// letter case of its hashes).
func FuzzMerkleProof(f *testing.F) {
	f.Add([]byte("batch"), uint8(7), uint8(3), []byte{0, 0, 5})
	f.Add([]byte("one"), uint8(0), uint8(0), []byte{3, 1, 2})
	f.Add([]byte{}, uint8(16), uint8(15), []byte{1, 0, 4, 1, 2, 0})
	f.Add([]byte("x"), uint8(38), uint8(37), bytes.Repeat([]byte{0xab}, 70))
	f.Fuzz(func(t *testing.T, seed []byte, n, index uint8, mutation []byte) {
		leaves := fuzzLeaves(seed, 1+int(n)%40)
		idx := int(index) % len(leaves)
		root, err := attest.MerkleRoot(leaves)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := attest.MerkleProof(leaves, idx)
		if err != nil {
			t.Fatal(err)
		}
		if !attest.VerifyProof(leaves[idx], proof, root) {
			t.Fatalf("the real proof of leaf %d of %d does not verify", idx, len(leaves))
		}
		for j, l := range leaves {
			if j != idx && attest.VerifyProof(l, proof, root) {
				t.Fatalf("the proof of leaf %d also proves leaf %d", idx, j)
			}
		}
		real := normProof(proof)
		check := func(kind string, p []attest.ProofStep) {
			if attest.VerifyProof(leaves[idx], p, root) && !slices.Equal(normProof(p), real) {
				t.Fatalf("%s proof %+v verifies leaf %d; the real one is %+v", kind, p, idx, proof)
			}
		}
		// Bounded, so that an execution stays cheap: 64 steps at most.
		if len(mutation) > 64*33 {
			mutation = mutation[:64*33]
		}
		// Mutations of the real proof, two bytes each.
		p := slices.Clone(proof)
		for k := 0; k+1 < len(mutation); k += 2 {
			op, arg := mutation[k]%6, int(mutation[k+1])
			switch {
			case op == 0 && len(p) > 0: // flip a bit of a hash
				d, _ := attest.ParseDigest(p[arg%len(p)].Hash)
				d[arg%32] ^= 1 << (arg % 8)
				p[arg%len(p)].Hash = attest.HexDigest(d)
			case op == 1 && len(p) > 0: // move a sibling to the other side
				p[arg%len(p)].Left = !p[arg%len(p)].Left
			case op == 2 && len(p) > 0: // drop a step
				p = slices.Delete(p, arg%len(p), arg%len(p)+1)
			case op == 3: // insert a step
				p = slices.Insert(p, arg%(len(p)+1), attest.ProofStep{Hash: attest.HexDigest(sha256.Sum256(binary.BigEndian.AppendUint32(slices.Clip(seed), uint32(k)))), Left: arg%2 == 0})
			case op == 4 && len(p) > 1: // swap two steps
				p[0], p[arg%len(p)] = p[arg%len(p)], p[0]
			case op == 5 && len(p) > 0: // spell a hash in upper case
				p[arg%len(p)].Hash = strings.ToUpper(p[arg%len(p)].Hash)
			}
		}
		check("mutated", p)
		// The fuzzed bytes as a proof: 33 bytes a step.
		var raw []attest.ProofStep
		for k := 0; k+33 <= len(mutation); k += 33 {
			raw = append(raw, attest.ProofStep{Hash: attest.HexDigest([32]byte(mutation[k+1 : k+33])), Left: mutation[k]&1 == 1})
		}
		check("random", raw)
		// And a step that is not a digest never verifies.
		if len(proof) > 0 {
			bad := slices.Clone(proof)
			bad[0].Hash = string(mutation)
			if _, err := attest.ParseDigest(string(mutation)); err != nil && attest.VerifyProof(leaves[idx], bad, root) {
				t.Fatalf("a proof with hash %q verifies", mutation)
			}
		}
	})
}
