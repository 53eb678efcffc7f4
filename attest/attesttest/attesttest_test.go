package attesttest_test

import (
	"strings"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
)

func statement() attest.Statement {
	return attest.Statement{
		ReceiptID:    "receipt-1",
		GrantID:      "grant-1",
		Datasets:     []attest.DatasetUse{{ID: "ds", Fields: []string{"f"}}},
		Operation:    "count",
		Purpose:      "test",
		Records:      1,
		InputDigest:  "0x" + strings.Repeat("ab", 32),
		OutputDigest: "0x" + strings.Repeat("cd", 32),
		Time:         1,
	}
}

func TestAttestor(t *testing.T) {
	tests := []struct {
		name string
		a    *attesttest.Attestor
	}{
		{name: "random", a: attesttest.NewAttestor(t)},
		{name: "seeded", a: attesttest.NewAttestorFromSeed("demo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.a.Address()
			if norm, err := attest.NormalizeAddress(addr); err != nil || norm != addr {
				t.Errorf("Address() = %q, want a lower-case address (normalized %q, %v)", addr, norm, err)
			}
			sig, err := attest.ParseSignature(tt.a.Sign(statement()))
			if err != nil {
				t.Fatalf("ParseSignature(Sign()) error = %v", err)
			}
			got, err := attest.Recover(statement(), sig)
			if err != nil || got != addr {
				t.Errorf("Recover(Sign()) = %s, %v; want %s, nil", got, err, addr)
			}
			viaKey, err := attest.Sign(statement(), tt.a.Key())
			if err != nil {
				t.Fatalf("attest.Sign(Key()) error = %v", err)
			}
			if got, _ := attest.Recover(statement(), viaKey); got != addr {
				t.Errorf("Recover(attest.Sign(Key())) = %s, want %s", got, addr)
			}
		})
	}
}

func TestNewAttestorFromSeed(t *testing.T) {
	tests := []struct {
		name string
		seed string
		want string
	}{
		// Pinned (and reproduced with an independent Python secp256k1 and
		// keccak256) so that demos and other-language tools can rely on them.
		{name: "demo", seed: "demo", want: "0xcea8a88f63924728ae2484452b72df5cb7fc6af5"},
		{name: "empty seed", seed: "", want: "0x194a87262dbca70f8002b795f28ef5f22528d7d0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := attesttest.NewAttestorFromSeed(tt.seed).Address(); got != tt.want {
				t.Errorf("NewAttestorFromSeed(%q).Address() = %s, want %s", tt.seed, got, tt.want)
			}
		})
	}
	if a, b := attesttest.NewAttestorFromSeed("a").Address(), attesttest.NewAttestorFromSeed("b").Address(); a == b {
		t.Errorf("seeds a and b give the same address %s, want different", a)
	}
}

func TestSignUnvalidated(t *testing.T) {
	a := attesttest.NewAttestorFromSeed("unvalidated")
	s := statement()
	s.Records = 0
	if sig := a.Sign(s); len(sig) != 132 {
		t.Errorf("Sign(invalid statement) = %q, want a 0x + 130 hex signature", sig)
	}
}
