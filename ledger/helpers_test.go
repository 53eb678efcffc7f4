package ledger_test

import (
	"errors"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// wantErr fails t unless err wraps want (or is nil when want is nil).
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("got error %q, want none", err)
	case want != nil && err == nil:
		t.Fatalf("got no error, want %q", want)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("got error %q (kind %v), want kind %q", err, ledger.Kind(err), want)
	}
}
