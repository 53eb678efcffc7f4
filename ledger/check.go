package ledger

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on request values.
const (
	// MaxNameLen bounds names and titles, in characters.
	MaxNameLen = 128
	// MaxTextLen bounds free-text fields (descriptions, reasons, notes), in characters.
	MaxTextLen = 2000
	// MaxListLen bounds every list in a request.
	MaxListLen = 200
)

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	digestPattern = regexp.MustCompile(`^0x[0-9a-f]{64}$`)
)

// CheckID reports whether v is a valid object or organisation identifier:
// 1–64 characters, letters, digits, '.', '_' or '-', starting with a letter
// or digit.
func CheckID(field, v string) error {
	if v == "" {
		return invalid(field, "is required")
	}
	if !idPattern.MatchString(v) {
		return invalid(field, "%q is not a valid identifier (1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)", v)
	}
	return nil
}

// checkDigest validates a document digest: 0x followed by 64 lower-case hex
// characters (a SHA-256 or Keccak-256 of a document kept off-chain).
func checkDigest(field, v string) error {
	if v == "" {
		return invalid(field, "is required (0x + 64 lower-case hex characters)")
	}
	if !digestPattern.MatchString(v) {
		return invalid(field, "%q is not a digest (0x + 64 lower-case hex characters)", v)
	}
	return nil
}

// checkText validates free text: valid UTF-8, no control characters except
// newline and tab, at most max characters, and present if required.
func checkText(field, v string, max int, required bool) error {
	if strings.TrimSpace(v) == "" {
		if required {
			return invalid(field, "is required")
		}
		return nil
	}
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalid(field, "is %d characters long, at most %d allowed", n, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return invalid(field, "contains a control character")
		}
	}
	return nil
}

// checkIDs validates a list of identifiers and returns it sorted without
// duplicates. An empty list is refused when required.
func checkIDs(field string, vs []string, required bool) ([]string, error) {
	if len(vs) == 0 {
		if required {
			return nil, invalid(field, "must list at least one entry")
		}
		return nil, nil
	}
	if len(vs) > MaxListLen {
		return nil, invalid(field, "lists %d entries, at most %d allowed", len(vs), MaxListLen)
	}
	for i, v := range vs {
		if err := CheckID(fmt.Sprintf("%s[%d]", field, i), v); err != nil {
			return nil, err
		}
	}
	return sortedSet(vs), nil
}

// sortedSet returns a sorted copy of vs without duplicates.
func sortedSet[T ~string](vs []T) []T {
	out := slices.Clone(vs)
	slices.Sort(out)
	return slices.Compact(out)
}

// subset returns the first element of a that is not in b, and whether all are.
func subset[T comparable](a, b []T) (T, bool) {
	for _, v := range a {
		if !slices.Contains(b, v) {
			return v, false
		}
	}
	var zero T
	return zero, true
}
