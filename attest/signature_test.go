package attest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
)

// secp256k1 group order.
var curveN, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

func TestSignRecover(t *testing.T) {
	a := attesttest.NewAttestor(t)
	s := validStatement()
	sig, err := attest.Sign(s, a.Key())
	if err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
	if len(sig) != attest.SignatureLength {
		t.Fatalf("Sign() = %d bytes, want %d", len(sig), attest.SignatureLength)
	}
	if v := sig[64]; v > 1 {
		t.Errorf("Sign() V = %d, want 0 or 1", v)
	}
	sHalf := new(big.Int).Rsh(curveN, 1)
	if sv := new(big.Int).SetBytes(sig[32:64]); sv.Cmp(sHalf) > 0 {
		t.Errorf("Sign() S = %x, want at most N/2", sv)
	}
	// The statement's datasets reordered is the same statement.
	reordered := validStatement()
	reordered.Datasets[0], reordered.Datasets[1] = reordered.Datasets[1], reordered.Datasets[0]

	with := func(f func([]byte)) []byte {
		c := append([]byte(nil), sig...)
		f(c)
		return c
	}
	tests := []struct {
		name string
		s    attest.Statement
		sig  []byte
	}{
		{name: "as signed", s: s, sig: sig},
		{name: "V 27 or 28", s: s, sig: with(func(c []byte) { c[64] += 27 })},
		{name: "datasets reordered", s: reordered, sig: sig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := attest.Recover(tt.s, tt.sig)
			if err != nil {
				t.Fatalf("Recover() error = %v", err)
			}
			if got != a.Address() {
				t.Errorf("Recover() = %s, want %s", got, a.Address())
			}
		})
	}
}

func TestRecoverTampered(t *testing.T) {
	a := attesttest.NewAttestorFromSeed("tamper")
	sig, err := attest.Sign(validStatement(), a.Key())
	if err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
	tests := []struct {
		name   string
		modify func(*attest.Statement)
	}{
		{name: "receipt id", modify: func(s *attest.Statement) { s.ReceiptID = "receipt-2" }},
		{name: "grant id", modify: func(s *attest.Statement) { s.GrantID = "grant-2" }},
		{name: "field added", modify: func(s *attest.Statement) { s.Datasets[0].Fields = append(s.Datasets[0].Fields, "plate") }},
		{name: "dataset dropped", modify: func(s *attest.Statement) { s.Datasets = s.Datasets[:1] }},
		{name: "records", modify: func(s *attest.Statement) { s.Records = 1 }},
		{name: "output digest", modify: func(s *attest.Statement) { s.OutputDigest = digestA }},
		{name: "time", modify: func(s *attest.Statement) { s.Time-- }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validStatement()
			tt.modify(&s)
			got, err := attest.Recover(s, sig)
			if err == nil && got == a.Address() {
				t.Errorf("Recover(tampered) = %s, want an error or another address than the signer's", got)
			}
		})
	}
}

func TestRecoverRefusals(t *testing.T) {
	a := attesttest.NewAttestorFromSeed("refusals")
	s := validStatement()
	sig, err := attest.Sign(s, a.Key())
	if err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
	with := func(f func([]byte)) []byte {
		c := append([]byte(nil), sig...)
		f(c)
		return c
	}
	highS := with(func(c []byte) {
		sv := new(big.Int).SetBytes(c[32:64])
		new(big.Int).Sub(curveN, sv).FillBytes(c[32:64])
		c[64] ^= 1 // (R, N-S, V^1) is the malleable twin: same key, same digest
	})
	invalid := validStatement()
	invalid.Records = 0

	tests := []struct {
		name string
		s    attest.Statement
		sig  []byte
		want error
	}{
		{name: "nil", s: s, sig: nil, want: attest.ErrBadSignature},
		{name: "64 bytes", s: s, sig: sig[:64], want: attest.ErrBadSignature},
		{name: "66 bytes", s: s, sig: append(append([]byte(nil), sig...), 0), want: attest.ErrBadSignature},
		{name: "high S", s: s, sig: highS, want: attest.ErrBadSignature},
		{name: "V 2", s: s, sig: with(func(c []byte) { c[64] = 2 }), want: attest.ErrBadSignature},
		{name: "V 29", s: s, sig: with(func(c []byte) { c[64] = 29 }), want: attest.ErrBadSignature},
		{name: "R zero", s: s, sig: with(func(c []byte) { clear(c[:32]) }), want: attest.ErrBadSignature},
		{name: "S zero", s: s, sig: with(func(c []byte) { clear(c[32:64]) }), want: attest.ErrBadSignature},
		{name: "R at least N", s: s, sig: with(func(c []byte) { curveN.FillBytes(c[:32]) }), want: attest.ErrBadSignature},
		{
			// x = 5 is not the x coordinate of a secp256k1 point (5³+7 is
			// not a square mod p), so no key can be recovered.
			name: "R not on the curve", s: s, want: attest.ErrBadSignature,
			sig: with(func(c []byte) { big.NewInt(5).FillBytes(c[:32]) }),
		},
		{name: "invalid statement", s: invalid, sig: sig, want: attest.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := attest.Recover(tt.s, tt.sig)
			if !errors.Is(err, tt.want) {
				t.Errorf("Recover() = %q, %v; want error wrapping %v", got, err, tt.want)
			}
		})
	}
	// The high-S twin is a genuine signature by the same key under plain
	// ECDSA: refusing it is Recover's doing, not an accident of the test.
	d := s.Digest()
	pub, err := crypto.SigToPub(d[:], highS)
	if err != nil {
		t.Fatalf("SigToPub(high S) error = %v, want the twin to recover", err)
	}
	if got, _ := attest.NormalizeAddress(crypto.PubkeyToAddress(*pub).Hex()); got != a.Address() {
		t.Errorf("SigToPub(high S) = %s, want %s", got, a.Address())
	}
}

func TestSignRefusals(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate P-256 key: %v", err)
	}
	invalid := validStatement()
	invalid.ReceiptID = ""
	tests := []struct {
		name string
		s    attest.Statement
		key  *ecdsa.PrivateKey
	}{
		{name: "invalid statement", s: invalid, key: attesttest.NewAttestorFromSeed("x").Key()},
		{name: "nil key", s: validStatement(), key: nil},
		{name: "key without scalar", s: validStatement(), key: &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: crypto.S256()}}},
		{name: "P-256 key", s: validStatement(), key: p256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := attest.Sign(tt.s, tt.key)
			if !errors.Is(err, attest.ErrInvalid) {
				t.Errorf("Sign() = %x, %v; want error wrapping ErrInvalid", sig, err)
			}
		})
	}
}

func TestNormalizeAddress(t *testing.T) {
	const lower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{name: "lower-case", in: lower, want: lower},
		{name: "EIP-55 checksummed", in: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", want: lower},
		{name: "upper-case with 0X", in: "0X" + strings.ToUpper(lower[2:]), want: lower},
		{name: "empty", in: "", wantErr: true},
		{name: "no prefix", in: lower[2:], wantErr: true},
		{name: "39 hex", in: lower[:41], wantErr: true},
		{name: "41 hex", in: lower + "0", wantErr: true},
		{name: "not hex", in: "0x" + strings.Repeat("g", 40), wantErr: true},
		{name: "spaces", in: " " + lower, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := attest.NormalizeAddress(tt.in)
			if tt.wantErr {
				if !errors.Is(err, attest.ErrInvalid) {
					t.Errorf("NormalizeAddress(%q) = %q, %v; want error wrapping ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("NormalizeAddress(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseSignature(t *testing.T) {
	raw := make([]byte, 65)
	for i := range raw {
		raw[i] = byte(i)
	}
	h := hex.EncodeToString(raw)
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "lower-case", in: "0x" + h},
		{name: "upper-case", in: "0x" + strings.ToUpper(h)},
		{name: "empty", in: "", wantErr: true},
		{name: "no prefix", in: h, wantErr: true},
		{name: "128 hex", in: "0x" + h[:128], wantErr: true},
		{name: "132 hex", in: "0x" + h + "00", wantErr: true},
		{name: "odd length", in: "0x" + h + "0", wantErr: true},
		{name: "not hex", in: "0x" + strings.Repeat("x", 130), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := attest.ParseSignature(tt.in)
			if tt.wantErr {
				if !errors.Is(err, attest.ErrBadSignature) {
					t.Errorf("ParseSignature(%q) = %x, %v; want error wrapping ErrBadSignature", tt.in, got, err)
				}
				return
			}
			if err != nil || hex.EncodeToString(got) != h {
				t.Errorf("ParseSignature(%q) = %x, %v; want %s, nil", tt.in, got, err, h)
			}
		})
	}
}
