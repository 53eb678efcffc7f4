// Command glsign signs usage receipt statements (用数凭证) as a test
// attestor whose secp256k1 key is derived from a seed
// (attesttest.NewAttestorFromSeed), for demos and manual runs against a
// grantledger API. Its keys are public by construction: never use it for
// a real trusted environment.
//
//	glsign address -seed SEED             the attestor's address, 0x + 40 hex
//	glsign sign -seed SEED [FILE]         the signature of the statement in FILE
//	                                      (default: standard input), 0x + 130 hex
//	glsign sign -seed SEED -receipt [FILE]
//	                                      the receipt request {"statement", "signature"}
//	                                      as one line of JSON, ready for POST /v1/receipts
//
// The statement is the JSON of attest.Statement (docs/domain.md):
//
//	{"receiptId","grantId","datasets":[{"id","fields"}],"operation","purpose",
//	 "records","inputDigest","outputDigest","time"}
//
// Unknown fields are refused and the statement is validated before it is
// signed. Exit status: 0 done, 1 the statement could not be read or
// signed, 2 bad usage.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/internal/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  glsign address -seed SEED
  glsign sign -seed SEED [-receipt] [FILE]
`

// addressConfig and signConfig are the settings of glsign address and
// glsign sign (package internal/config; flags only).
type (
	addressConfig struct {
		Seed string `flag:"seed" required:"true" secret:"true" usage:"the seed the attestor's key is derived from (required)"`
	}
	signConfig struct {
		Seed    string `flag:"seed" required:"true" secret:"true" usage:"the seed the attestor's key is derived from (required)"`
		Receipt bool   `flag:"receipt" usage:"print the receipt request {statement, signature} instead of the signature alone"`
	}
)

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	opts := config.Options{Command: "glsign " + cmd, Usage: usage, Output: stderr}
	var (
		seed    string
		receipt bool
		rest    []string
		err     error
	)
	switch cmd {
	case "address":
		var c addressConfig
		rest, err = config.Load(&c, args[1:], opts)
		seed = c.Seed
	case "sign":
		var c signConfig
		opts.Args = true
		rest, err = config.Load(&c, args[1:], opts)
		seed, receipt = c.Seed, c.Receipt
	default:
		fmt.Fprintf(stderr, "glsign: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		return config.ExitCode(err, stderr, "glsign "+cmd)
	}
	a := attesttest.NewAttestorFromSeed(seed)
	if cmd == "address" {
		fmt.Fprintln(stdout, a.Address())
		return 0
	}

	in := stdin
	switch len(rest) {
	case 0:
	case 1:
		if name := rest[0]; name != "-" {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintf(stderr, "glsign sign: %v\n", err)
				return 1
			}
			defer f.Close()
			in = f
		}
	default:
		fmt.Fprintf(stderr, "glsign sign: one statement file at most, got %v\n", rest)
		return 2
	}
	out, err := sign(in, a, receipt)
	if err != nil {
		fmt.Fprintf(stderr, "glsign sign: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, out)
	return 0
}

// sign reads one statement from r, validates and signs it with the
// attestor's key, and returns the signature, or the receipt request when
// receipt is set.
func sign(r io.Reader, a *attesttest.Attestor, receipt bool) (string, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read the statement: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var s attest.Statement
	if err := dec.Decode(&s); err != nil {
		return "", fmt.Errorf("decode the statement: %w", err)
	}
	if dec.More() {
		return "", errors.New("decode the statement: more than one JSON value")
	}
	sig, err := attest.Sign(s, a.Key())
	if err != nil {
		return "", err
	}
	hexSig := "0x" + hex.EncodeToString(sig)
	if !receipt {
		return hexSig, nil
	}
	body, err := json.Marshal(struct {
		Statement attest.Statement `json:"statement"`
		Signature string           `json:"signature"`
	}{s, hexSig})
	if err != nil {
		return "", fmt.Errorf("encode the receipt: %w", err)
	}
	return string(body), nil
}
