package ledgertest_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestNewWorld(t *testing.T) {
	w := lt.NewWorld(t)
	if w.Grant.Status != ledger.GrantActive || w.Agreement.Status != ledger.AgreementInForce {
		t.Fatalf("got grant %s and agreement %s, want active and in force", w.Grant.Status, w.Agreement.Status)
	}
	s, err := ledger.OpenReceipt("", w.Receipt(lt.Statement("r-1", "grant-1", 1)))
	if err != nil || s.Signer != w.AttestorRec.Address {
		t.Errorf("got signer %v (%v), want the world's attestor %s", s, err, w.AttestorRec.Address)
	}
	if len(w.Agreements()) != 1 || lt.Actor(lt.StrangerMSP).Role != "" {
		t.Error("got wrong fixtures")
	}
}
