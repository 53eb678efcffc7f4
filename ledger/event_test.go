package ledger_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestOpinionAudienceIsItsReaders: the event of an opinion reaches exactly
// those who may read the opinion: its author (an individual expert acts
// for no organisation, so it is named by its identity), the subject's
// owner, the authority and the regulator; not another expert, nor an
// identity of the same name under another organisation's CA.
func TestOpinionAudienceIsItsReaders(t *testing.T) {
	other := lt.Individual("user3", lt.AuthorityMSP)
	impostor := ledger.Actor{MSP: lt.MarketMSP, Client: lt.Member.Client, Role: ledger.RoleProvider}
	byExpert := &ledger.Opinion{ID: "op-1", SubjectType: ledger.SubjectProduct, SubjectID: "prod-1",
		Author: lt.Member.MSP, AuthorClient: lt.Member.Client, AuthorRole: ledger.RoleExpert}
	byPlatform := &ledger.Opinion{ID: "op-2", SubjectType: ledger.SubjectProduct, SubjectID: "prod-1",
		Author: lt.PlatformMSP, AuthorClient: lt.Platform.Client, AuthorRole: ledger.RolePlatform}
	for _, o := range []*ledger.Opinion{byExpert, byPlatform} {
		aud := o.Audience(lt.OperatorMSP)
		for _, c := range []ledger.Actor{lt.Member, other, impostor, lt.Operator, lt.Platform, lt.Authority, lt.Regulator, lt.Health, lt.Stranger} {
			if got, want := aud.Includes(c), o.VisibleTo(c, lt.OperatorMSP); got != want {
				t.Errorf("opinion by %s: the audience includes %s (%s): got %v, want %v as it may read the opinion", o.AuthorRole, c.Client, c.Role, got, want)
			}
		}
	}
	if !byExpert.Audience(lt.OperatorMSP).Includes(lt.Member) {
		t.Error("the event of an expert's opinion does not reach the expert who wrote it")
	}
}
