package chaincode_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestEventAudiences: every event carries who may read its object, as the
// object's visibility rules say, so that readers of events pass each on only
// to those.
func TestEventAudiences(t *testing.T) {
	n := world(t)
	actor := func(msp string, role ledger.Role) ledger.Actor { return ledger.Actor{MSP: msp, Role: role} }
	var (
		authority = actor(lt.AuthorityMSP, ledger.RoleAuthority)
		regulator = actor(lt.RegulatorMSP, ledger.RoleRegulator)
		operator  = actor(lt.OperatorMSP, ledger.RoleOperator)
		health    = actor(lt.HealthMSP, ledger.RoleProvider)
		market    = actor(lt.MarketMSP, ledger.RoleProvider)
		platform  = actor(lt.PlatformMSP, ledger.RolePlatform)
		developer = actor(lt.DeveloperMSP, ledger.RoleDeveloper)
		expert    = ledger.Actor{MSP: lt.AuthorityMSP, Client: "x509::CN=e::CN=ca", Role: ledger.RoleExpert, Individual: true}
	)
	tests := []struct {
		name     string
		msp, fn  string
		args     []any
		readers  []ledger.Actor
		outsider []ledger.Actor
	}{
		{"an application: its operator and the experts", lt.OperatorMSP, "SubmitApplication", []any{lt.ApplicationRequest("app-2", "call-1")},
			[]ledger.Actor{authority, regulator, operator, expert}, []ledger.Actor{health, market, platform, developer}},
		{"a dataset: anyone", lt.HealthMSP, "CreateDataset", []any{lt.DatasetRequest("d-2", "medical", "x")},
			[]ledger.Actor{authority, operator, market, platform, developer}, nil},
		{"a grant: holder and providers", lt.AuthorityMSP, "SuspendGrant", []any{"grant-1", "audit"},
			[]ledger.Actor{authority, regulator, operator, health, market}, []ledger.Actor{platform, developer, expert}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := n.call(tt.msp, tt.fn, tt.args...)
			if !tx.OK() {
				t.Fatalf("%s: %s", tt.fn, tx.Message)
			}
			e := event(t, tx)
			if e.Audience == nil {
				t.Fatalf("event %s.%s has no audience", e.Type, e.Change)
			}
			for _, c := range tt.readers {
				if !e.Audience.Includes(c) {
					t.Errorf("%s.%s: audience %+v excludes %s (%s), who may read it", e.Type, e.Change, *e.Audience, c.MSP, c.Role)
				}
			}
			for _, c := range tt.outsider {
				if e.Audience.Includes(c) {
					t.Errorf("%s.%s: audience %+v includes %s (%s), who may not read it", e.Type, e.Change, *e.Audience, c.MSP, c.Role)
				}
			}
			for _, r := range e.Related {
				if r.Audience == nil {
					t.Errorf("related %s %s has no audience", r.Type, r.ID)
				}
			}
		})
	}
}
