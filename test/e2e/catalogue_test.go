//go:build e2e

package e2e

import (
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// The data catalogue and calls: each provider lists its datasets, which the
// catalogue shows by owner, and the authority publishes a call.

// catalogue has health create visits and market loans, and the authority
// publish the run's call.
func (p *process) catalogue(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	for _, ds := range []struct{ owner, id string }{{p.health, p.visits}, {p.market, p.loans}} {
		d, err := p.as(ds.owner).CreateDataset(ctx, p.datasetRequest(ds.id))
		ok(t, err, "%s creates dataset %s", ds.owner, ds.id)
		if d.Owner != ds.owner {
			t.Fatalf("dataset %s: got owner %s, want %s", ds.id, d.Owner, ds.owner)
		}
		p.emitted(t, "dataset.created", d.ID, d.Created)
		p.datasetTx[d.ID] = d.Created.TxID
	}

	p.call = p.id("call")
	c, err := p.as(p.authority).PublishCall(ctx, p.callRequest())
	ok(t, err, "publish call %s", p.call)
	p.emitted(t, "call.published", c.ID, c.Created)
}

// catalogue has each dataset's provider list it, checks the catalogue
// lists it by owner, and has the authority publish a scenario call over
// medical and finance data, open from an hour ago for a day.
func (p *apiProcess) catalogue(t *testing.T, datasets ...string) {
	for _, id := range datasets {
		owner, body := p.datasetOf(id)
		var d ledger.Dataset
		p.write(t, owner, apiRequest{method: http.MethodPost, path: "/v1/datasets", body: body}, http.StatusCreated, "dataset.created", &d)
		if d.ID != id || d.Owner != owner.msp || d.Status != ledger.DatasetListed {
			t.Errorf("created dataset: got %s owned by %s, %s; want %s owned by %s, listed", d.ID, d.Owner, d.Status, id, owner.msp)
		}
		p.datasetTx[id] = d.Created.TxID
		apiFind(t, p.operator, "/v1/datasets?owner="+owner.msp, func(d ledger.Dataset) bool { return d.ID == id })
	}
	p.call = p.id("call")
	var c ledger.Call
	p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/calls", body: p.callBody(p.call)}, http.StatusCreated, "call.published", &c)
	if c.ID != p.call {
		t.Errorf("published call: got %s, want %s", c.ID, p.call)
	}
}
