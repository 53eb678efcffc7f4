package attest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/grantledger/grantledger/attest"
)

func leaves(n int) [][32]byte {
	l := make([][32]byte, n)
	for i := range l {
		l[i] = [32]byte(crypto.Keccak256Hash([]byte(fmt.Sprintf("receipt-%d", i))))
	}
	return l
}

func TestMerkleProofEveryIndex(t *testing.T) {
	for n := 1; n <= 17; n++ {
		l := leaves(n)
		root, err := attest.MerkleRoot(l)
		if err != nil {
			t.Fatalf("MerkleRoot(%d leaves) error = %v", n, err)
		}
		for i := range n {
			proof, err := attest.MerkleProof(l, i)
			if err != nil {
				t.Fatalf("MerkleProof(%d leaves, %d) error = %v", n, i, err)
			}
			if !attest.VerifyProof(l[i], proof, root) {
				t.Errorf("VerifyProof(leaf %d of %d) = false, want true", i, n)
			}
			other := l[(i+1)%n]
			if n > 1 && attest.VerifyProof(other, proof, root) {
				t.Errorf("VerifyProof(leaf %d with proof of %d, %d leaves) = true, want false", (i+1)%n, i, n)
			}
		}
	}
}

// TestMerkleRootLayout spells out the documented tree shape: prefixed
// hashes, odd nodes promoted.
func TestMerkleRootLayout(t *testing.T) {
	h := func(prefix byte, parts ...[32]byte) [32]byte {
		data := [][]byte{{prefix}}
		for _, p := range parts {
			data = append(data, p[:])
		}
		return [32]byte(crypto.Keccak256Hash(data...))
	}
	leaf := func(d [32]byte) [32]byte { return h(0x00, d) }
	node := func(a, b [32]byte) [32]byte { return h(0x01, a, b) }
	l := leaves(5)
	tests := []struct {
		name string
		n    int
		want [32]byte
	}{
		{name: "one leaf", n: 1, want: leaf(l[0])},
		{name: "two leaves", n: 2, want: node(leaf(l[0]), leaf(l[1]))},
		{name: "three leaves", n: 3, want: node(node(leaf(l[0]), leaf(l[1])), leaf(l[2]))},
		{name: "five leaves", n: 5, want: node(node(node(leaf(l[0]), leaf(l[1])), node(leaf(l[2]), leaf(l[3]))), leaf(l[4]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := attest.MerkleRoot(l[:tt.n])
			if err != nil {
				t.Fatalf("MerkleRoot() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("MerkleRoot() = %s, want %s", attest.HexDigest(got), attest.HexDigest(tt.want))
			}
		})
	}
	// A duplicated last leaf is a different batch, so it must be a different root.
	three, _ := attest.MerkleRoot(l[:3])
	four, _ := attest.MerkleRoot(append(l[:3:3], l[2]))
	if three == four {
		t.Errorf("MerkleRoot(a,b,c) = MerkleRoot(a,b,c,c) = %s, want different roots", attest.HexDigest(three))
	}
}

func TestVerifyProofRefusals(t *testing.T) {
	l := leaves(6)
	root, err := attest.MerkleRoot(l)
	if err != nil {
		t.Fatalf("MerkleRoot() error = %v", err)
	}
	proof, err := attest.MerkleProof(l, 2)
	if err != nil {
		t.Fatalf("MerkleProof() error = %v", err)
	}
	with := func(f func([]attest.ProofStep) []attest.ProofStep) []attest.ProofStep {
		return f(append([]attest.ProofStep(nil), proof...))
	}
	otherRoot, _ := attest.MerkleRoot(l[:5])
	tests := []struct {
		name  string
		leaf  [32]byte
		proof []attest.ProofStep
		root  [32]byte
	}{
		{name: "wrong leaf", leaf: l[3], proof: proof, root: root},
		{name: "wrong root", leaf: l[2], proof: proof, root: otherRoot},
		{name: "inner node as leaf", leaf: root, proof: nil, root: root},
		{name: "side flipped", leaf: l[2], root: root, proof: with(func(p []attest.ProofStep) []attest.ProofStep {
			p[0].Left = !p[0].Left
			return p
		})},
		{name: "sibling changed", leaf: l[2], root: root, proof: with(func(p []attest.ProofStep) []attest.ProofStep {
			p[1].Hash = attest.HexDigest(l[0])
			return p
		})},
		{name: "step dropped", leaf: l[2], root: root, proof: with(func(p []attest.ProofStep) []attest.ProofStep { return p[1:] })},
		{name: "step added", leaf: l[2], root: root, proof: with(func(p []attest.ProofStep) []attest.ProofStep {
			return append(p, attest.ProofStep{Hash: attest.HexDigest(l[0])})
		})},
		{name: "sibling not hex", leaf: l[2], root: root, proof: with(func(p []attest.ProofStep) []attest.ProofStep {
			p[0].Hash = "0x" + strings.Repeat("zz", 32)
			return p
		})},
		{name: "sibling empty", leaf: l[2], root: root, proof: with(func(p []attest.ProofStep) []attest.ProofStep {
			p[0].Hash = ""
			return p
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if attest.VerifyProof(tt.leaf, tt.proof, tt.root) {
				t.Errorf("VerifyProof() = true, want false")
			}
		})
	}
}

func TestMerkleRefusals(t *testing.T) {
	tests := []struct {
		name string
		run  func() error
	}{
		{name: "root of no leaves", run: func() error { _, err := attest.MerkleRoot(nil); return err }},
		{name: "proof of no leaves", run: func() error { _, err := attest.MerkleProof(nil, 0); return err }},
		{name: "proof index negative", run: func() error { _, err := attest.MerkleProof(leaves(3), -1); return err }},
		{name: "proof index past end", run: func() error { _, err := attest.MerkleProof(leaves(3), 3); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, attest.ErrInvalid) {
				t.Errorf("got error %v, want error wrapping ErrInvalid", err)
			}
		})
	}
}

func TestParseDigest(t *testing.T) {
	d := [32]byte(crypto.Keccak256Hash([]byte("x")))
	lower := attest.HexDigest(d)
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "lower-case", in: lower},
		{name: "upper-case", in: "0x" + strings.ToUpper(lower[2:])},
		{name: "empty", in: "", wantErr: true},
		{name: "no prefix", in: lower[2:], wantErr: true},
		{name: "63 hex", in: lower[:65], wantErr: true},
		{name: "odd length", in: lower + "0", wantErr: true},
		{name: "65 bytes", in: lower + "00", wantErr: true},
		{name: "not hex", in: "0x" + strings.Repeat("-", 64), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := attest.ParseDigest(tt.in)
			if tt.wantErr {
				if !errors.Is(err, attest.ErrInvalid) {
					t.Errorf("ParseDigest(%q) = %x, %v; want error wrapping ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != d {
				t.Errorf("ParseDigest(%q) = %x, %v; want %x, nil", tt.in, got, err, d)
			}
		})
	}
	if got := attest.HexDigest(d); len(got) != 66 || got != strings.ToLower(got) {
		t.Errorf("HexDigest() = %q, want 0x + 64 lower-case hex", got)
	}
}
