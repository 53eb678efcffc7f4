package attest

import (
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
)

// SignatureLength is the length of a signature: R (32 bytes) || S (32
// bytes) || V (1 byte, the recovery id).
const SignatureLength = 65

// Sign validates the statement and signs its Digest with an attestor's
// secp256k1 key. The signature is 65 bytes [R || S || V] with V in {0, 1}
// and S in the lower half of the curve order.
func Sign(s Statement, key *ecdsa.PrivateKey) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("sign receipt: %w", err)
	}
	//lint:ignore SA1019 go-ethereum's secp256k1 keys carry their scalar in D; a nil D would crash its signer.
	if key == nil || key.D == nil || key.Curve != crypto.S256() {
		return nil, fmt.Errorf("sign receipt %s: %w: key is not a secp256k1 private key", s.ReceiptID, ErrInvalid)
	}
	d := s.Digest()
	sig, err := crypto.Sign(d[:], key)
	if err != nil {
		return nil, fmt.Errorf("sign receipt %s: %w", s.ReceiptID, err)
	}
	return sig, nil
}

// Recover validates the statement and returns the address, lower-case "0x"
// + 40 hex characters, of the key that signed it. It accepts V as 0/1 or
// 27/28 and refuses, with ErrBadSignature, a signature of the wrong length,
// another V, R or S out of range, a high S (the malleable twin of a valid
// signature) or one from which no key can be recovered. A signature of a
// different statement recovers some other address: callers must compare the
// result with the attestor they expect.
func Recover(s Statement, sig []byte) (string, error) {
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("recover receipt signer: %w", err)
	}
	if len(sig) != SignatureLength {
		return "", fmt.Errorf("recover receipt %s signer: %w: %d bytes, want %d", s.ReceiptID, ErrBadSignature, len(sig), SignatureLength)
	}
	norm := make([]byte, SignatureLength)
	copy(norm, sig)
	switch v := norm[64]; v {
	case 0, 1:
	case 27, 28:
		norm[64] = v - 27
	default:
		return "", fmt.Errorf("recover receipt %s signer: %w: recovery id V is %d, want 0, 1, 27 or 28", s.ReceiptID, ErrBadSignature, v)
	}
	r, sv := new(big.Int).SetBytes(norm[:32]), new(big.Int).SetBytes(norm[32:64])
	if !crypto.ValidateSignatureValues(norm[64], r, sv, true) {
		return "", fmt.Errorf("recover receipt %s signer: %w: R or S out of range or S not in the lower half", s.ReceiptID, ErrBadSignature)
	}
	d := s.Digest()
	pub, err := crypto.SigToPub(d[:], norm)
	if err != nil {
		return "", fmt.Errorf("recover receipt %s signer: %w: %w", s.ReceiptID, ErrBadSignature, err)
	}
	addr := crypto.PubkeyToAddress(*pub)
	return "0x" + hex.EncodeToString(addr[:]), nil
}

// NormalizeAddress returns an attestor address in its one stored spelling,
// "0x" + 40 lower-case hex characters. It accepts any letter case (including
// EIP-55 checksummed addresses, whose checksum it does not check) and
// refuses anything else with ErrInvalid.
func NormalizeAddress(a string) (string, error) {
	b, err := decodeHex(a, 20)
	if err != nil {
		return "", fmt.Errorf("%w: address %q: %w", ErrInvalid, a, err)
	}
	return "0x" + hex.EncodeToString(b), nil
}

// ParseSignature decodes a signature written "0x" + 130 hex characters into
// its 65 bytes; anything else is refused with ErrBadSignature. It does not
// check the values: Recover does.
func ParseSignature(s string) ([]byte, error) {
	b, err := decodeHex(s, SignatureLength)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrBadSignature, err)
	}
	return b, nil
}

// decodeHex decodes "0x" (or "0X") followed by exactly 2*n hex digits of
// either case.
func decodeHex(s string, n int) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "0x")
	if !ok {
		rest, ok = strings.CutPrefix(s, "0X")
	}
	if !ok {
		return nil, errors.New("missing 0x prefix")
	}
	if len(rest) != 2*n {
		return nil, fmt.Errorf("%d hex characters, want %d", len(rest), 2*n)
	}
	b, err := hex.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("not hex: %w", err)
	}
	return b, nil
}
