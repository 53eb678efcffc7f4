// Package attesttest provides attestors (trusted processing environments)
// with in-memory keys for tests, demos and end-to-end runs of grantledger.
// Its keys are for testing only: a seeded attestor's key is derived from a
// public string.
package attesttest

import (
	"crypto/ecdsa"
	"encoding/hex"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/grantledger/grantledger/attest"
)

// seedDomain separates seeded test keys from any other keccak256 use.
const seedDomain = "grantledger/attestor-seed/v1"

// Attestor is a test attestor: a secp256k1 key and its address.
type Attestor struct {
	key  *ecdsa.PrivateKey
	addr string
}

// NewAttestor returns an attestor with a fresh random key; it fails the test
// if no key can be generated.
func NewAttestor(t testing.TB) *Attestor {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatalf("generate attestor key: %v", err)
	}
	return newAttestor(key)
}

// NewAttestorFromSeed returns the attestor whose key is derived from seed,
// the same for every run and every machine: the key is
// keccak256("grantledger/attestor-seed/v1" || seed), re-hashed with
// keccak256 until it is a valid secp256k1 scalar (in practice never).
func NewAttestorFromSeed(seed string) *Attestor {
	d := crypto.Keccak256([]byte(seedDomain), []byte(seed))
	for {
		key, err := crypto.ToECDSA(d)
		if err == nil {
			return newAttestor(key)
		}
		d = crypto.Keccak256(d)
	}
}

func newAttestor(key *ecdsa.PrivateKey) *Attestor {
	addr := crypto.PubkeyToAddress(key.PublicKey)
	return &Attestor{key: key, addr: "0x" + hex.EncodeToString(addr[:])}
}

// Address returns the attestor's address, lower-case "0x" + 40 hex.
func (a *Attestor) Address() string { return a.addr }

// Key returns the attestor's private key, for attest.Sign.
func (a *Attestor) Key() *ecdsa.PrivateKey { return a.key }

// Sign returns the attestor's signature of the statement's digest, "0x" +
// 130 hex characters, V in {0, 1}. Unlike attest.Sign it does not validate
// the statement, so tests can show that the ledger refuses a malformed
// statement even when it is properly signed.
func (a *Attestor) Sign(s attest.Statement) string {
	d := s.Digest()
	sig, err := crypto.Sign(d[:], a.key)
	if err != nil {
		// Unreachable: the key is a valid secp256k1 key and the digest is
		// 32 bytes. An empty signature fails every verification.
		return ""
	}
	return "0x" + hex.EncodeToString(sig)
}
