package chaincode

import (
	"errors"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

func TestTxError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
		kind error
	}{
		{"domain error", ledger.NotFound("grant", "g1"), "not found: approve grant g1: grant g1 does not exist", ledger.ErrNotFound},
		{"field error", ledger.Invalid("term.validTo", "is required"), "invalid: approve grant g1: term.validTo: is required", ledger.ErrInvalid},
		{"wrapped domain error", errors.Join(ledger.Refused("late renewal")), "refused: approve grant g1: late renewal", ledger.ErrRefused},
		{"infrastructure error", errors.New("read grant g1: disk full"), "internal: approve grant g1: read grant g1: disk full", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := txError("approve grant g1", tt.err)
			if err.Error() != tt.want {
				t.Errorf("got %q, want %q", err, tt.want)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("got %v not wrapping %v", err, tt.kind)
			}
			if again := txError("other", err); again != err {
				t.Errorf("got %q mapped twice, want it kept", again)
			}
		})
	}
	if txError("x", nil) != nil {
		t.Error("got an error for nil, want nil")
	}
}
