package chaincode_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"

	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestMetadataListsTransactions(t *testing.T) {
	n := newNet(t)
	var md struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name string `json:"name"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	n.get(&md, lt.RegulatorMSP, "org.hyperledger.fabric:GetMetadata")
	var names []string
	for _, tr := range md.Contracts["Contract"].Transactions {
		names = append(names, tr.Name)
	}
	for _, want := range []string{"Bootstrap", "IssueGrant", "SubmitReceiptBatch", "VerifyReceiptProof", "GetProvenance", "DisclosedGrants"} {
		if !slices.Contains(names, want) {
			t.Errorf("got transactions %v, want %s among them", names, want)
		}
	}
	for _, helper := range []string{"changeGrant", "changeProduct"} {
		if slices.Contains(names, helper) {
			t.Errorf("got helper %s as a transaction", helper)
		}
	}
}

func TestBootstrap(t *testing.T) {
	cc, err := chaincode.NewChaincode()
	if err != nil {
		t.Fatal(err)
	}
	n := &net{t: t, peer: chaincodetest.New(cc, lt.T0)}
	n.refused("refused: register participant: the ledger is not bootstrapped", lt.AuthorityMSP, "RegisterParticipant", ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: ledger.RoleProvider, Name: "x"})
	n.refused("refused: get config", lt.AuthorityMSP, "GetConfig")
	n.refused("forbidden: bootstrap: caller OperatorMSP is not the authority AuthorityMSP", lt.OperatorMSP, "Bootstrap", lt.AuthorityMSP)
	n.refused("invalid: bootstrap: authorityMsp", lt.AuthorityMSP, "Bootstrap", "")
	tx := n.call(lt.AuthorityMSP, "Bootstrap", lt.AuthorityMSP)
	if !tx.OK() {
		t.Fatalf("got %q, want bootstrap to succeed", tx.Message)
	}
	if e := event(t, tx); e.Type != "config" || e.Change != "bootstrapped" {
		t.Errorf("got event %+v, want config.bootstrapped", e)
	}
	n.ok(lt.AuthorityMSP, "Bootstrap", lt.AuthorityMSP) // idempotent for the same authority
	n.refused("conflict: bootstrap: already bootstrapped with authority AuthorityMSP", lt.OperatorMSP, "Bootstrap", lt.OperatorMSP)
	var cfg chaincode.Config
	n.get(&cfg, lt.OperatorMSP, "GetConfig")
	if cfg.AuthorityMSP != lt.AuthorityMSP {
		t.Errorf("got authority %q, want %q", cfg.AuthorityMSP, lt.AuthorityMSP)
	}
}

func TestWhoAmI(t *testing.T) {
	n := world(t)
	for _, tt := range []struct {
		msp  string
		role ledger.Role
	}{{lt.AuthorityMSP, ledger.RoleAuthority}, {lt.HealthMSP, ledger.RoleProvider}, {lt.StrangerMSP, ""}} {
		var c ledger.Actor
		n.get(&c, tt.msp, "WhoAmI")
		if c.MSP != tt.msp || c.Role != tt.role || c.Client == "" {
			t.Errorf("got %+v, want %s as %q with a client identity", c, tt.msp, tt.role)
		}
	}
}

func TestKeyLevelEndorsement(t *testing.T) {
	n := world(t)
	tests := []struct {
		key  string
		want []string
	}{
		{key("dataset", "visits"), []string{lt.HealthMSP}},
		{key("dataset", "loans"), []string{lt.MarketMSP}},
		{key("grant", "grant-1"), []string{lt.AuthorityMSP, lt.HealthMSP, lt.MarketMSP}},
	}
	for _, tt := range tests {
		ep, err := statebased.NewStateEP(n.peer.ValidationParameter(tt.key))
		if err != nil {
			t.Fatal(err)
		}
		got := ep.ListOrgs()
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: got endorsers %v, want %v", tt.key, got, tt.want)
		}
	}
	if n.peer.ValidationParameter(key("application", "app-1")) != nil {
		t.Error("got a key-level policy on an application, want the chaincode policy")
	}
}

func TestProcessEvents(t *testing.T) {
	n := world(t)
	tx := n.call(lt.OperatorMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
	if !tx.OK() {
		t.Fatal(tx.Message)
	}
	e := event(t, tx)
	if e.Type != "receipt" || e.ID != "r-1" || e.Change != "accepted" || e.Actor != lt.OperatorMSP || e.TxID != tx.ID {
		t.Errorf("got %+v, want receipt r-1 accepted by OperatorMSP in %s", e, tx.ID)
	}
	if !slices.Contains(e.Related, ledger.EventRef{Type: "usage", ID: "grant-1", Change: "drawn"}) {
		t.Errorf("got related %+v, want the usage of grant-1", e.Related)
	}
	var g ledger.Grant
	n.get(&g, lt.HealthMSP, "GetGrant", "grant-1")
	if g.Status != ledger.GrantActive || g.Created.TxID == "" || len(g.History) != 2 {
		t.Errorf("got grant %s with %d status changes, want active after proposed", g.Status, len(g.History))
	}
	var u ledger.Usage
	n.get(&u, lt.OperatorMSP, "GetGrantUsage", "grant-1")
	if u.Records != 10 || u.Calls != 1 {
		t.Errorf("got usage %+v, want 10 records in 1 call", u)
	}
}

func TestQueriesAreReadOnly(t *testing.T) {
	n := world(t)
	tx := n.call(lt.RegulatorMSP, "QueryGrants", ledger.Query{By: "status", Value: "active"})
	if !tx.OK() || len(tx.Writes()) != 0 || len(tx.Events) != 0 {
		t.Errorf("got ok=%v writes=%v events=%d, want a read-only query", tx.OK(), tx.Writes(), len(tx.Events))
	}
	var page ledger.GrantPage
	if err := json.Unmarshal(tx.Payload, &page); err != nil || len(page.Items) != 1 {
		t.Errorf("got %s (%v), want one active grant", tx.Payload, err)
	}
}
