//go:build e2e

package e2e

import (
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestAPISubGrant walks two-level authorization (分级授权) through the
// APIs: on a grant in force, its holder (the operator) proposes a sub-grant
// to the developer strictly inside the grant, the authority activates it,
// the developer's receipts draw on both the sub-grant's and the parent's
// quota, and the parent's revocation marks the developer's product and
// stops the sub-grant's use. Each step that may not happen is refused
// with its status.
func TestAPISubGrant(t *testing.T) {
	p := newAPIProcess(t, "sub")
	if p.developer == nil {
		t.Fatalf("the network under test has no developer organisation; the end-to-end topology (test/e2e/topology.json) has one")
	}
	sub := p.id("sub")
	subScope := obj{"datasets": []obj{{"id": p.visits, "fields": []string{"age"}}},
		"purposes": []string{"credit-assessment"}, "operations": []string{"statistics"}}
	subBody := func(quota ledger.Quota, scope obj) obj {
		return obj{"id": sub, "developer": p.developer.msp, "scope": scope,
			"quota": obj{"records": quota.Records, "calls": quota.Calls}, "term": p.term()}
	}
	// use is a developer's use of visits under the sub-grant.
	use := func(id string, records uint64, fields ...string) attest.Statement {
		s := p.statement(p.id(id), records)
		s.GrantID = sub
		if len(fields) > 0 {
			s.Datasets = []attest.DatasetUse{{ID: p.visits, Fields: fields}}
		}
		return s
	}
	var parentUsed uint64

	for _, phase := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"grant in force", func(t *testing.T) {
			p.parties(t)
			p.catalogue(t, p.visits, p.loans)
			p.apply(t, p.visits, p.loans)
			p.issue(t, ledger.Quota{Records: 1000, Calls: 10}, p.visits, p.loans)
			p.approve(t, p.health, "grant.approved", ledger.GrantProposed)
			p.approve(t, p.market, "grant.activated", ledger.GrantActive)
			p.sign(t)
			p.registerAttestor(t)
		}},
		{"proposals that may not be made", func(t *testing.T) {
			path := "/v1/grants/" + p.grant + "/subgrants"
			a := p.developer.do(t, apiRequest{method: http.MethodPost, path: path, body: subBody(ledger.Quota{Records: 50, Calls: 3}, subScope)})
			wantAPIError(t, a, http.StatusForbidden, "forbidden", "", "only its holder")
			wider := obj{"datasets": []obj{{"id": p.visits, "fields": []string{"age", "name"}}},
				"purposes": []string{"credit-assessment"}, "operations": []string{"statistics"}}
			a = p.operator.do(t, apiRequest{method: http.MethodPost, path: path, body: subBody(ledger.Quota{Records: 50, Calls: 3}, wider)})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "name")
			a = p.operator.do(t, apiRequest{method: http.MethodPost, path: path, body: subBody(ledger.Quota{Records: 5000, Calls: 3}, subScope)})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "over quota")
			a = p.operator.do(t, apiRequest{method: http.MethodPost, path: path, body: obj{"id": sub, "developer": p.platform.msp, "scope": subScope,
				"quota": obj{"records": 50, "calls": 3}, "term": p.term()}})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "not a developer")
		}},
		{"sub-grant proposed and activated", func(t *testing.T) {
			var g ledger.Grant
			p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/subgrants",
				body: subBody(ledger.Quota{Records: 50, Calls: 3}, subScope)}, http.StatusCreated, "grant.proposed", &g)
			if g.Status != ledger.GrantProposed || g.ParentID != p.grant || g.Holder != p.developer.msp || g.ParentHolder != p.operator.msp {
				t.Fatalf("proposed sub-grant: got %s of %s held by %s (parent holder %s), want proposed of %s held by %s (parent holder %s)",
					g.Status, g.ParentID, g.Holder, g.ParentHolder, p.grant, p.developer.msp, p.operator.msp)
			}
			a := p.health.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + sub + "/approve"})
			wantAPIError(t, a, http.StatusForbidden, "forbidden", "", "activated by the authority")
			a = p.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + sub + "/activate"})
			wantAPIError(t, a, http.StatusForbidden, "forbidden", "", "authority")
			p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + sub + "/activate"}, http.StatusOK, "grant.activated", &g)
			if g.Status != ledger.GrantActive {
				t.Fatalf("sub-grant after activation: got %s, want %s", g.Status, ledger.GrantActive)
			}
			p.usable = apiSecondAfter(p.usable, g.Updated.Time)
			// The developer reads its sub-grant; the parent's holder and
			// the providers in scope read it too.
			for _, o := range []*apiOrg{p.developer, p.operator, p.health, p.regulator} {
				p.get(t, o, "/v1/grants/"+sub, &g)
			}
		}},
		{"developer's receipts draw on both quotas", func(t *testing.T) {
			var parent ledger.Usage
			p.get(t, p.operator, "/v1/grants/"+p.grant+"/usage", &parent)
			parentUsed = parent.Records
			var r ledger.Receipt
			first := use("sr1", 20)
			p.write(t, p.developer, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(first)}, http.StatusCreated, "receipt.accepted", &r)
			if r.GrantID != sub || r.Records != 20 {
				t.Errorf("accepted receipt: got %+v, want 20 records under %s", r, sub)
			}
			p.receipts = []string{r.ID}
			var u ledger.Usage
			p.get(t, p.developer, "/v1/grants/"+sub+"/usage", &u)
			if u.Records != 20 || u.Calls != 1 {
				t.Errorf("sub-grant usage: got %d records in %d calls, want 20 in 1", u.Records, u.Calls)
			}
			p.get(t, p.operator, "/v1/grants/"+p.grant+"/usage", &parent)
			if parent.Records != parentUsed+20 {
				t.Errorf("parent usage: got %d records, want %d (the sub-grant's receipt counts against its parent too)", parent.Records, parentUsed+20)
			}
			// A field the parent grants but the sub-grant does not.
			a := p.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(use("sr-diag", 1, "diagnosis"))})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "out of scope")
			// More records than the sub-grant has left, though the parent has them.
			a = p.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(use("sr-big", 31))})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "over quota")
			// The developer may not submit receipts of its parent's grant.
			a = p.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(p.statement(p.id("sr-parent"), 1))})
			wantAPIError(t, a, http.StatusForbidden, "forbidden", "", p.grant)
		}},
		{"parent revoked: the developer's product is marked, the sub-grant unusable", func(t *testing.T) {
			product := p.id("subprod")
			var pr ledger.Product
			p.write(t, p.developer, apiRequest{method: http.MethodPost, path: "/v1/products", body: obj{
				"id": product, "type": "report", "name": "Clinic load report",
				"descriptionDigest": lt.Digest("report " + p.run), "grants": []string{sub}, "receipts": p.receipts,
			}}, http.StatusCreated, "product.registered", &pr)
			var g ledger.Grant
			p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/revoke",
				body: obj{"reason": "breach of agreement"}}, http.StatusOK, "grant.revoked", &g)
			p.get(t, p.developer, "/v1/products/"+product, &pr)
			if len(pr.Marks) != 1 || pr.Marks[0].GrantID != p.grant || pr.Marks[0].Change != ledger.GrantRevoked {
				t.Errorf("developer's product after the parent's revocation: got marks %+v, want one by the revocation of %s", pr.Marks, p.grant)
			}
			p.usable = apiSecondAfter(g.Updated.Time)
			a := p.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(use("sr-late", 1))})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "revoked")
		}},
	} {
		if !t.Run(phase.name, phase.run) {
			t.Fatalf("phase %q failed; the later phases need it", phase.name)
		}
	}
}
