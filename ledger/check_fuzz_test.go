package ledger

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/grantledger/grantledger/attest"
)

// Fuzz targets of the ledger's value checks. `scripts/test.sh fuzz` runs
// each for a few seconds; docs/testing.md says how to run them long.

// FuzzChecks checks the identifier, digest, address, client-identity and
// text checks against their definitions, written out here independently:
// each accepts exactly what its documentation says, refuses with ErrInvalid,
// and the ledger's digest check agrees with the attest package's.
func FuzzChecks(f *testing.F) {
	for _, s := range []string{
		"ds-1", "HealthMSP", "a", strings.Repeat("x", 64), strings.Repeat("x", 65), "-lead", ".x", "has space", "ümlaut", "",
		"0x" + strings.Repeat("ab", 32), "0x" + strings.Repeat("AB", 32), "0X" + strings.Repeat("ab", 32), "0x" + strings.Repeat("ab", 20),
		"0x" + strings.Repeat("Ab", 20), "x509::CN=User1,OU=client::CN=ca.health", "x509::::CN=ca", "x509::a::", "x509::a::b::c",
		"line\nbreak\ttab", "bell\a", "\xff", "ds-1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		isInvalid := func(err error) bool { return err == nil || errors.Is(err, ErrInvalid) }

		// CheckID: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.
		alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
		wantID := len(v) >= 1 && len(v) <= 64 && alnum(v[0])
		for i := 0; wantID && i < len(v); i++ {
			wantID = alnum(v[i]) || v[i] == '.' || v[i] == '_' || v[i] == '-'
		}
		if err := CheckID("id", v); (err == nil) != wantID || !isInvalid(err) {
			t.Fatalf("CheckID(%q) = %v, want valid %v", v, err, wantID)
		}

		// checkDigest: 0x + 64 lower-case hex, as attest spells digests.
		d, perr := attest.ParseDigest(v)
		wantDigest := perr == nil && attest.HexDigest(d) == v
		if err := checkDigest("digest", v); (err == nil) != wantDigest || !isInvalid(err) {
			t.Fatalf("checkDigest(%q) = %v, want valid %v", v, err, wantDigest)
		}

		// NormalizeAttestorAddress: 0x + 40 hex of any case, stored lower-case.
		if a, err := NormalizeAttestorAddress("address", v); err == nil {
			if !strings.EqualFold(a, v) || a != strings.ToLower(a) || len(a) != 42 || !strings.HasPrefix(a, "0x") {
				t.Fatalf("NormalizeAttestorAddress(%q) = %q", v, a)
			}
			if again, err := NormalizeAttestorAddress("address", a); err != nil || again != a {
				t.Fatalf("NormalizeAttestorAddress is not idempotent on %q: %q, %v", a, again, err)
			}
		} else if !isInvalid(err) {
			t.Fatalf("NormalizeAttestorAddress(%q) error %v", v, err)
		}

		// checkText: valid UTF-8, no control character but newline and
		// tab, at most max characters; blank only when not required.
		const max = 16
		blank := strings.TrimSpace(v) == ""
		wantText := blank || (utf8.ValidString(v) && utf8.RuneCountInString(v) <= max &&
			!strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }))
		if err := checkText("text", v, max, false); (err == nil) != wantText || !isInvalid(err) {
			t.Fatalf("checkText(%q, optional) = %v, want valid %v", v, err, wantText)
		}
		if err := checkText("text", v, max, true); (err == nil) != (wantText && !blank) {
			t.Fatalf("checkText(%q, required) = %v, want valid %v", v, err, wantText && !blank)
		}

		// CheckClientIdentity: x509::<subject>::<issuer>, valid text.
		err := CheckClientIdentity("client", v)
		if !isInvalid(err) {
			t.Fatalf("CheckClientIdentity(%q) error %v", v, err)
		}
		if err == nil {
			rest, ok := strings.CutPrefix(v, "x509::")
			subject, issuer, cut := strings.Cut(rest, "::")
			if !ok || !cut || subject == "" || issuer == "" || checkText("client", v, MaxClientLen, true) != nil {
				t.Fatalf("CheckClientIdentity accepted %q", v)
			}
		}
	})
}
