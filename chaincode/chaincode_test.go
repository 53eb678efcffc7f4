package chaincode_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

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
	n := &net{t: t}
	current.Store(n)
	cc, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	n.peer = chaincodetest.New(cc, lt.T0)
	n.refused("refused: register participant: the ledger is not bootstrapped", lt.AuthorityMSP, "RegisterParticipant", ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: ledger.RoleProvider, Name: "x"})
	n.refused("refused: get config", lt.AuthorityMSP, "GetConfig")
	n.refused("forbidden: bootstrap: only the authority named when the network was set up bootstraps the ledger, not OperatorMSP", lt.OperatorMSP, "Bootstrap", lt.AuthorityMSP)
	// Another organisation racing to bootstrap first, naming itself, is
	// refused: the contract service knows the authority from the set-up.
	n.refused("forbidden: bootstrap: only the authority named when the network was set up bootstraps the ledger, not OperatorMSP", lt.OperatorMSP, "Bootstrap", lt.OperatorMSP)
	n.refused("invalid: bootstrap: authorityMsp", lt.AuthorityMSP, "Bootstrap", "")
	tx := n.call(lt.AuthorityMSP, "Bootstrap", lt.AuthorityMSP)
	if !tx.OK() {
		t.Fatalf("got %q, want bootstrap to succeed", tx.Message)
	}
	if e := event(t, tx); e.Type != "config" || e.Change != "bootstrapped" {
		t.Errorf("got event %+v, want config.bootstrapped", e)
	}
	n.ok(lt.AuthorityMSP, "Bootstrap", lt.AuthorityMSP) // idempotent for the same authority
	n.refused("forbidden: bootstrap: only the authority named when the network was set up bootstraps the ledger, not OperatorMSP", lt.OperatorMSP, "Bootstrap", lt.OperatorMSP)
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
	if !hasRelated(e, "usage", "grant-1", "drawn") {
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

// TestBootstrapNeedsTheConfiguredAuthority: a contract service started
// without the authority's MSP ID bootstraps nothing, even for the authority.
func TestBootstrapNeedsTheConfiguredAuthority(t *testing.T) {
	cc, err := chaincode.NewChaincode(chaincode.WithClock(func() time.Time { return lt.T0 }))
	if err != nil {
		t.Fatal(err)
	}
	n := &net{t: t, peer: chaincodetest.New(cc, lt.T0)}
	n.refused("refused: bootstrap: this contract service was started without the authority's MSP ID", lt.AuthorityMSP, "Bootstrap", lt.AuthorityMSP)
}

// TestCheckedTime: a proposal whose timestamp is further from the
// endorser's clock than MaxProposalSkew, either way, is refused before
// anything is read or decided; within it, it runs at its own timestamp.
func TestCheckedTime(t *testing.T) {
	n := world(t)
	tests := []struct {
		name string
		skew time.Duration
		ok   bool
	}{
		{"on time", 0, true},
		{"a minute ahead", time.Minute, true},
		{"a minute behind", -time.Minute, true},
		{"forged into the future", chaincode.MaxProposalSkew + time.Second, false},
		{"backdated", -chaincode.MaxProposalSkew - time.Second, false},
		{"backdated by a year", -365 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n.skew = tt.skew
			defer func() { n.skew = 0 }()
			tx := n.call(lt.AuthorityMSP, "ExpireGrant", "grant-1")
			read := n.call(lt.HealthMSP, "GetDataset", "visits")
			if tt.ok {
				if !read.OK() {
					t.Errorf("read at skew %s: got %q, want success", tt.skew, read.Message)
				}
				if strings.Contains(tx.Message, "timestamp") {
					t.Errorf("transaction at skew %s: got %q, want it judged on its rules", tt.skew, tx.Message)
				}
				return
			}
			for _, got := range []*chaincodetest.Tx{tx, read} {
				if got.OK() || !strings.Contains(got.Message, "from this endorser's clock") {
					t.Errorf("at skew %s: got %q, want the timestamp refused", tt.skew, got.Message)
				}
			}
		})
	}
	var g ledger.Grant
	n.get(&g, lt.AuthorityMSP, "GetGrant", "grant-1")
	if g.Status != ledger.GrantActive {
		t.Errorf("grant after forged expiries: got %s, want active", g.Status)
	}
}
