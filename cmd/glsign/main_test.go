package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/internal/config"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func statementJSON(t *testing.T) (attest.Statement, string) {
	t.Helper()
	s := lt.Statement("r-1", "g-1", 5)
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, string(raw)
}

func TestAddress(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"address", "-seed", "demo"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("glsign address: got exit %d (%s), want 0", code, errOut.String())
	}
	if got, want := strings.TrimSpace(out.String()), attesttest.NewAttestorFromSeed("demo").Address(); got != want {
		t.Errorf("address: got %s, want %s", got, want)
	}
}

func TestSign(t *testing.T) {
	s, raw := statementJSON(t)
	want := attesttest.NewAttestorFromSeed("demo").Address()

	t.Run("signature", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := run([]string{"sign", "-seed", "demo"}, strings.NewReader(raw), &out, &errOut); code != 0 {
			t.Fatalf("glsign sign: got exit %d (%s), want 0", code, errOut.String())
		}
		sig, err := attest.ParseSignature(strings.TrimSpace(out.String()))
		if err != nil {
			t.Fatalf("signature %q: %v", out.String(), err)
		}
		if got, err := attest.Recover(s, sig); err != nil || got != want {
			t.Errorf("signer: got %s (%v), want %s", got, err, want)
		}
	})
	t.Run("receipt", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := run([]string{"sign", "-seed", "demo", "-receipt", "-"}, strings.NewReader(raw), &out, &errOut); code != 0 {
			t.Fatalf("glsign sign -receipt: got exit %d (%s), want 0", code, errOut.String())
		}
		var r struct {
			Statement attest.Statement `json:"statement"`
			Signature string           `json:"signature"`
		}
		dec := json.NewDecoder(&out)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("receipt %q: %v", out.String(), err)
		}
		sig, err := attest.ParseSignature(r.Signature)
		if err != nil {
			t.Fatalf("signature %q: %v", r.Signature, err)
		}
		if got, err := attest.Recover(r.Statement, sig); err != nil || got != want || r.Statement.ReceiptID != s.ReceiptID {
			t.Errorf("receipt %s signed by %s (%v), want %s signed by %s", r.Statement.ReceiptID, got, err, s.ReceiptID, want)
		}
	})
}

func TestRefusals(t *testing.T) {
	_, raw := statementJSON(t)
	for _, tt := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		text  string
	}{
		{"no command", nil, "", 2, "usage"},
		{"unknown command", []string{"verify", "-seed", "x"}, "", 2, "unknown command"},
		{"no seed", []string{"sign"}, raw, 2, "seed is required (set -seed)"},
		{"an argument to address", []string{"address", "-seed", "x", "extra"}, "", 2, "unexpected argument"},
		{"-receipt to address", []string{"address", "-seed", "x", "-receipt"}, "", 2, "not defined: -receipt"},
		{"not JSON", []string{"sign", "-seed", "x"}, "receiptId=r-1", 1, "decode the statement"},
		{"an unknown field", []string{"sign", "-seed", "x"}, strings.Replace(raw, "{", `{"colour":"red",`, 1), 1, "colour"},
		{"two statements", []string{"sign", "-seed", "x"}, raw + raw, 1, "more than one"},
		{"an invalid statement", []string{"sign", "-seed", "x"}, strings.Replace(raw, `"records":5`, `"records":0`, 1), 1, "records"},
		{"a missing file", []string{"sign", "-seed", "x", "/nonexistent/statement.json"}, "", 1, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &out, &errOut)
			if code != tt.code || !strings.Contains(errOut.String(), tt.text) || out.Len() != 0 {
				t.Errorf("glsign %v: got exit %d, stderr %q, stdout %q; want exit %d mentioning %q and nothing on stdout",
					tt.args, code, errOut.String(), out.String(), tt.code, tt.text)
			}
		})
	}
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	// The table covers both commands: sign's settings include address's.
	if err := config.CheckDoc(doc, "## glsign", config.Options{}, config.Describe(signConfig{})); err != nil {
		t.Error(err)
	}
	for _, s := range config.Describe(addressConfig{}) {
		if s != config.Describe(signConfig{})[0] {
			t.Errorf("address's -%s differs from sign's", s.Flag)
		}
	}
}
