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
	s := &subGrant{apiProcess: p, sub: p.id("sub"), subScope: obj{"datasets": []obj{{"id": p.visits, "fields": []string{"age"}}},
		"purposes": []string{"credit-assessment"}, "operations": []string{"statistics"}}}
	runPhases(t,
		phase{"grant in force", s.grantInForce},
		phase{"proposals that may not be made", s.refusedProposals},
		phase{"sub-grant proposed and activated", s.proposedAndActivated},
		phase{"developer's receipts draw on both quotas", s.receiptsDrawOnBothQuotas},
		phase{"parent revoked: the developer's product is marked, the sub-grant unusable", s.parentRevoked},
	)
}

// subGrant is the run of TestAPISubGrant: the run's grant and the
// sub-grant of visits(age) for credit-assessment by statistics that its
// holder gives the developer.
type subGrant struct {
	*apiProcess
	sub      string
	subScope obj
	// parentUsed is the parent's usage in records before the developer's
	// first receipt.
	parentUsed uint64
}

// body is a proposal of the sub-grant of quota over scope.
func (s *subGrant) body(quota ledger.Quota, scope obj) obj {
	return obj{"id": s.sub, "developer": s.developer.msp, "scope": scope,
		"quota": obj{"records": quota.Records, "calls": quota.Calls}, "term": s.term()}
}

// use is a developer's use of visits under the sub-grant.
func (s *subGrant) use(id string, records uint64, fields ...string) attest.Statement {
	st := s.statement(s.id(id), records)
	st.GrantID = s.sub
	if len(fields) > 0 {
		st.Datasets = []attest.DatasetUse{{ID: s.visits, Fields: fields}}
	}
	return st
}

// grantInForce puts a grant over both datasets in force, with an attestor
// registered.
func (s *subGrant) grantInForce(t *testing.T) {
	s.parties(t)
	s.catalogue(t, s.visits, s.loans)
	s.apply(t, s.visits, s.loans)
	s.issueApprovedByBoth(t)
	s.sign(t)
	s.registerAttestor(t)
}

// refusedProposals: only the grant's holder proposes sub-grants, strictly
// inside the grant, to a developer.
func (s *subGrant) refusedProposals(t *testing.T) {
	path := "/v1/grants/" + s.grant + "/subgrants"
	a := s.developer.do(t, apiRequest{method: http.MethodPost, path: path, body: s.body(ledger.Quota{Records: 50, Calls: 3}, s.subScope)})
	// The developer may not read the parent grant: answered as missing.
	wantAPIError(t, a, http.StatusNotFound, "not_found", "", "grant "+s.grant+" does not exist")
	wider := obj{"datasets": []obj{{"id": s.visits, "fields": []string{"age", "name"}}},
		"purposes": []string{"credit-assessment"}, "operations": []string{"statistics"}}
	a = s.operator.do(t, apiRequest{method: http.MethodPost, path: path, body: s.body(ledger.Quota{Records: 50, Calls: 3}, wider)})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "name")
	a = s.operator.do(t, apiRequest{method: http.MethodPost, path: path, body: s.body(ledger.Quota{Records: 5000, Calls: 3}, s.subScope)})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "over quota")
	a = s.operator.do(t, apiRequest{method: http.MethodPost, path: path, body: obj{"id": s.sub, "developer": s.platform.msp, "scope": s.subScope,
		"quota": obj{"records": 50, "calls": 3}, "term": s.term()}})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "not a developer")
}

// proposedAndActivated has the operator propose the sub-grant and the
// authority, and no provider, activate it; the developer, the parent's
// holder and the providers in scope read it.
func (s *subGrant) proposedAndActivated(t *testing.T) {
	var g ledger.Grant
	s.write(t, s.operator, apiRequest{method: http.MethodPost, path: "/v1/grants/" + s.grant + "/subgrants",
		body: s.body(ledger.Quota{Records: 50, Calls: 3}, s.subScope)}, http.StatusCreated, "grant.proposed", &g)
	if g.Status != ledger.GrantProposed || g.ParentID != s.grant || g.Holder != s.developer.msp || g.ParentHolder != s.operator.msp {
		t.Fatalf("proposed sub-grant: got %s of %s held by %s (parent holder %s), want proposed of %s held by %s (parent holder %s)",
			g.Status, g.ParentID, g.Holder, g.ParentHolder, s.grant, s.developer.msp, s.operator.msp)
	}
	a := s.health.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + s.sub + "/approve"})
	wantAPIError(t, a, http.StatusForbidden, "forbidden", "", "activated by the authority")
	a = s.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + s.sub + "/activate"})
	wantAPIError(t, a, http.StatusForbidden, "forbidden", "", "authority")
	s.write(t, s.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + s.sub + "/activate"}, http.StatusOK, "grant.activated", &g)
	if g.Status != ledger.GrantActive {
		t.Fatalf("sub-grant after activation: got %s, want %s", g.Status, ledger.GrantActive)
	}
	s.usable = secondAfter(s.usable, g.Updated.Time)
	// The developer reads its sub-grant; the parent's holder and
	// the providers in scope read it too.
	for _, o := range []*apiOrg{s.developer, s.operator, s.health, s.regulator} {
		s.get(t, o, "/v1/grants/"+s.sub, &g)
	}
}

// receiptsDrawOnBothQuotas has the developer submit a receipt under the
// sub-grant, which counts against the sub-grant and its parent; uses out
// of the sub-grant's scope or quota, or under the parent, are refused.
func (s *subGrant) receiptsDrawOnBothQuotas(t *testing.T) {
	var parent ledger.Usage
	s.get(t, s.operator, "/v1/grants/"+s.grant+"/usage", &parent)
	s.parentUsed = parent.Records
	var r ledger.Receipt
	first := s.use("sr1", 20)
	s.write(t, s.developer, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: s.receiptBody(first)}, http.StatusCreated, "receipt.accepted", &r)
	if r.GrantID != s.sub || r.Records != 20 {
		t.Errorf("accepted receipt: got %+v, want 20 records under %s", r, s.sub)
	}
	s.receipts = []string{r.ID}
	var u ledger.Usage
	s.get(t, s.developer, "/v1/grants/"+s.sub+"/usage", &u)
	if u.Records != 20 || u.Calls != 1 {
		t.Errorf("sub-grant usage: got %d records in %d calls, want 20 in 1", u.Records, u.Calls)
	}
	s.get(t, s.operator, "/v1/grants/"+s.grant+"/usage", &parent)
	if parent.Records != s.parentUsed+20 {
		t.Errorf("parent usage: got %d records, want %d (the sub-grant's receipt counts against its parent too)", parent.Records, s.parentUsed+20)
	}
	// A field the parent grants but the sub-grant does not.
	a := s.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: s.receiptBody(s.use("sr-diag", 1, "diagnosis"))})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "out of scope")
	// More records than the sub-grant has left, though the parent has them.
	a = s.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: s.receiptBody(s.use("sr-big", 31))})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "over quota")
	// The developer may not submit receipts of its parent's grant.
	a = s.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: s.receiptBody(s.statement(s.id("sr-parent"), 1))})
	wantAPIError(t, a, http.StatusNotFound, "not_found", "", "grant "+s.grant+" does not exist")
}

// parentRevoked has the developer register a product from its sub-grant
// and the authority revoke the parent: the product is marked, and the
// sub-grant can no longer be used.
func (s *subGrant) parentRevoked(t *testing.T) {
	product := s.id("subprod")
	var pr ledger.Product
	s.write(t, s.developer, apiRequest{method: http.MethodPost, path: "/v1/products", body: obj{
		"id": product, "type": "report", "name": "Clinic load report",
		"descriptionDigest": lt.Digest("report " + s.run), "grants": []string{s.sub}, "receipts": s.receipts,
	}}, http.StatusCreated, "product.registered", &pr)
	var g ledger.Grant
	s.write(t, s.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + s.grant + "/revoke",
		body: obj{"reason": "breach of agreement"}}, http.StatusOK, "grant.revoked", &g)
	s.get(t, s.developer, "/v1/products/"+product, &pr)
	if len(pr.Marks) != 1 || pr.Marks[0].GrantID != s.grant || pr.Marks[0].Change != ledger.GrantRevoked {
		t.Errorf("developer's product after the parent's revocation: got marks %+v, want one by the revocation of %s", pr.Marks, s.grant)
	}
	s.usable = secondAfter(g.Updated.Time)
	a := s.developer.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: s.receiptBody(s.use("sr-late", 1))})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "revoked")
}
