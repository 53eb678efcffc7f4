package attest

import (
	"encoding/hex"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"
)

// Hash prefixes of the Merkle tree. Leaves and inner nodes are hashed with
// different prefixes so that an inner node can never be presented as a leaf
// (a second-preimage attack on the tree).
const (
	leafPrefix byte = 0x00
	nodePrefix byte = 0x01
)

// ProofStep is one level of a Merkle inclusion proof: the sibling's hash
// ("0x" + 64 hex) and whether the sibling is on the left of the path.
type ProofStep struct {
	Hash string `json:"hash"`
	Left bool   `json:"left"`
}

// HexDigest writes a digest as "0x" + 64 lower-case hex characters.
func HexDigest(d [32]byte) string {
	return "0x" + hex.EncodeToString(d[:])
}

// ParseDigest reads a digest written "0x" + 64 hex characters of either
// case; anything else is refused with ErrInvalid.
func ParseDigest(s string) ([32]byte, error) {
	b, err := decodeHex(s, 32)
	if err != nil {
		return [32]byte{}, fmt.Errorf("%w: digest %q: %w", ErrInvalid, s, err)
	}
	return [32]byte(b), nil
}

// MerkleRoot returns the root of the Merkle tree over the leaves (receipt
// digests, in batch order):
//
//	leaf hash  = keccak256(0x00 || leaf)
//	inner node = keccak256(0x01 || left || right)
//
// Each level pairs its nodes left to right; when a level has an odd number of
// nodes the last one is promoted unchanged to the next level (it is not
// duplicated, so no two different batches share a root by repeating the last
// leaf). The root of a single leaf is that leaf's hash. It refuses an empty
// batch with ErrInvalid.
func MerkleRoot(leaves [][32]byte) ([32]byte, error) {
	if len(leaves) == 0 {
		return [32]byte{}, fmt.Errorf("merkle root: %w: no leaves", ErrInvalid)
	}
	level := hashLeaves(leaves)
	for len(level) > 1 {
		level = nextLevel(level)
	}
	return level[0], nil
}

// MerkleProof returns the inclusion proof of leaves[index], from the leaf up
// to the root. A level where the node is promoted contributes no step.
func MerkleProof(leaves [][32]byte, index int) ([]ProofStep, error) {
	if index < 0 || index >= len(leaves) {
		return nil, fmt.Errorf("merkle proof: %w: index %d out of range for %d leaves", ErrInvalid, index, len(leaves))
	}
	var proof []ProofStep
	level := hashLeaves(leaves)
	for len(level) > 1 {
		if sibling := index ^ 1; sibling < len(level) {
			proof = append(proof, ProofStep{Hash: HexDigest(level[sibling]), Left: sibling < index})
		}
		level = nextLevel(level)
		index /= 2
	}
	return proof, nil
}

// VerifyProof reports whether proof proves that leaf is in the tree with the
// given root. A step whose hash is not a digest makes the proof fail.
func VerifyProof(leaf [32]byte, proof []ProofStep, root [32]byte) bool {
	h := leafHash(leaf)
	for _, step := range proof {
		sibling, err := ParseDigest(step.Hash)
		if err != nil {
			return false
		}
		if step.Left {
			h = nodeHash(sibling, h)
		} else {
			h = nodeHash(h, sibling)
		}
	}
	return h == root
}

func hashLeaves(leaves [][32]byte) [][32]byte {
	level := make([][32]byte, len(leaves))
	for i, l := range leaves {
		level[i] = leafHash(l)
	}
	return level
}

// nextLevel pairs the nodes of a level, promoting an odd last node.
func nextLevel(level [][32]byte) [][32]byte {
	next := make([][32]byte, 0, (len(level)+1)/2)
	for i := 0; i+1 < len(level); i += 2 {
		next = append(next, nodeHash(level[i], level[i+1]))
	}
	if len(level)%2 == 1 {
		next = append(next, level[len(level)-1])
	}
	return next
}

func leafHash(leaf [32]byte) [32]byte {
	return [32]byte(crypto.Keccak256Hash([]byte{leafPrefix}, leaf[:]))
}

func nodeHash(left, right [32]byte) [32]byte {
	return [32]byte(crypto.Keccak256Hash([]byte{nodePrefix}, left[:], right[:]))
}
