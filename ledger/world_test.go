package ledger_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestWorldReachesAnActiveGrant(t *testing.T) {
	w := lt.NewWorld(t)
	if got := w.Grant.EffectiveStatus(lt.UseTime); got != ledger.GrantActive {
		t.Errorf("got grant status %q, want active", got)
	}
	if got := w.Agreement.Status; got != ledger.AgreementInForce {
		t.Errorf("got agreement status %q, want in-force", got)
	}
	if err := ledger.UsableAt(w.Grant, w.Agreements(), nil, nil, lt.UseTime); err != nil {
		t.Errorf("got %v, want the grant usable at %s", err, lt.UseTime)
	}
}
