package ledger_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestDiscloseOperator(t *testing.T) {
	w := lt.NewWorld(t)
	revoked := *w.Grant
	revoked.ID, revoked.Status, revoked.Scenario = "grant-0", ledger.GrantRevoked, "old"
	d := ledger.DiscloseOperator(w.Participants[lt.OperatorMSP], []*ledger.Grant{w.Grant, &revoked}, lt.UseTime)
	if len(d.Grants) != 1 || d.Grants[0] != "grant-1" || len(d.Scenarios) != 1 || d.Scenarios[0] != "inclusive-credit" {
		t.Errorf("got %+v, want only grant-1 and its scenario", d)
	}
	if len(d.Domains) != 2 || d.Domains[0] != "finance" || d.Domains[1] != "medical" {
		t.Errorf("got domains %v, want [finance medical]", d.Domains)
	}
	if d := ledger.DiscloseOperator(w.Participants[lt.OperatorMSP], []*ledger.Grant{w.Grant}, lt.GrantTo); len(d.Grants) != 0 {
		t.Errorf("got grants %v after expiry, want none", d.Grants)
	}
}

func TestBuildProvenance(t *testing.T) {
	w := lt.NewWorld(t)
	sub := *w.Grant
	sub.ID, sub.ParentID, sub.Holder = "sub-1", "grant-1", lt.DeveloperMSP
	p := &ledger.Product{ID: "prod-1", Owner: lt.DeveloperMSP, Grants: []string{"sub-1"}, Receipts: []string{"r-1"}, Status: ledger.ProductListed,
		Created: lt.Stamp(lt.Developer, lt.Days(20)), Updated: lt.Stamp(lt.Developer, lt.Days(21))}
	prov := ledger.BuildProvenance(p, ledger.ProvenanceInputs{
		Receipts:  map[string]*ledger.Receipt{"r-1": {ID: "r-1", GrantID: "sub-1", Recorded: lt.Stamp(lt.Developer, lt.UseTime)}},
		Grants:    map[string]*ledger.Grant{"sub-1": &sub, "grant-1": w.Grant},
		Datasets:  w.Datasets,
		Providers: map[string]*ledger.Participant{lt.HealthMSP: w.Participants[lt.HealthMSP], lt.MarketMSP: w.Participants[lt.MarketMSP]},
	}, lt.UseTime)
	if prov.Product.TxID != p.Created.TxID || prov.Product.LastTxID != p.Updated.TxID {
		t.Errorf("got product step %+v, want created and updated tx IDs", prov.Product)
	}
	if len(prov.Receipts) != 1 || prov.Receipts[0].From[0] != "sub-1" {
		t.Errorf("got receipts %+v, want r-1 from sub-1", prov.Receipts)
	}
	if len(prov.Grants) != 2 || prov.Grants[0].ID != "grant-1" || prov.Grants[1].From[0] != "grant-1" {
		t.Errorf("got grants %+v, want grant-1 and sub-1 leading to grant-1", prov.Grants)
	}
	if len(prov.Datasets) != 2 || len(prov.Providers) != 2 || prov.Providers[0].TxID == "" {
		t.Errorf("got %d datasets and %d providers, want 2 and 2 with tx IDs", len(prov.Datasets), len(prov.Providers))
	}
}
