//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

// TestDataRequests runs data requests (公共数据需求申请) through each
// organisation's API on a grant of its own over health's visits: requests
// that may not be made (by a provider, by an organisation that may not
// read the grant, on a suspended grant), then the operator asks for
// market's loans, health may not consent, the authority may not approve
// before market consents, then approves, and the grant shows its second
// version (in its history too) and accepts a use of loans; a refused and a
// withdrawn request leave it as it is; the developer's sub-grant request
// is proposed by the operator, a second one declined.
func TestDataRequests(t *testing.T) {
	p := newAPIProcess(t, "req")
	if p.developer == nil {
		t.Fatalf("the network under test has no developer organisation; the end-to-end topology (test/e2e/topology.json) has one")
	}
	r := &dataRequestRun{apiProcess: p}
	runPhases(t,
		phase{"grant in force over visits", r.grantInForce},
		phase{"requests that may not be made", r.refusedRequests},
		phase{"amendment consented and approved", r.amendment},
		phase{"a use of the added dataset", r.useOfAddedDataset},
		phase{"refused and withdrawn requests leave the grant", r.refusedAndWithdrawn},
		phase{"developer's sub-grant requests", r.subGrantRequests},
	)
}

// dataRequestRun is the run of TestDataRequests.
type dataRequestRun struct {
	*apiProcess
	// version is the grant's version after the approved amendment.
	version int
}

func (r *dataRequestRun) path(id string, action ...string) string {
	p := "/v1/data-requests/" + id
	for _, a := range action {
		p += "/" + a
	}
	return p
}

// amendmentBody asks for add on the run's grant.
func (r *dataRequestRun) amendmentBody(id string, add obj) obj {
	return obj{"id": id, "kind": "amend-grant", "grantId": r.grant, "add": add, "reason": "the scenario needs more data"}
}

// loansAmount adds market's loans(amount).
func (r *dataRequestRun) loansAmount() obj {
	return obj{"datasets": []obj{{"id": r.loans, "fields": []string{"amount"}}}}
}

func (r *dataRequestRun) grantInForce(t *testing.T) {
	r.parties(t)
	r.catalogue(t, r.visits, r.loans)
	r.apply(t, r.visits)
	r.issue(t, ledger.Quota{Records: 100, Calls: 10}, r.visits)
	r.approve(t, r.health, "grant.activated", ledger.GrantActive)
	r.sign(t)
	r.registerAttestor(t)
}

// refusedRequests: a provider of the grant may not ask for more of it
// (403), an organisation that may not read it learns nothing (404), and a
// suspended grant is not amended (422).
func (r *dataRequestRun) refusedRequests(t *testing.T) {
	body := r.amendmentBody(r.id("dr-x"), r.loansAmount())
	wantAPIError(t, r.health.do(t, apiRequest{method: http.MethodPost, path: "/v1/data-requests", body: body}),
		http.StatusForbidden, "forbidden", "", "only its holder requests more")
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodPost, path: "/v1/data-requests", body: body}),
		http.StatusNotFound, "not_found", "", "grant "+r.grant+" does not exist")

	var g ledger.Grant
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + r.grant + "/suspend", body: obj{"reason": "audit"}},
		http.StatusOK, "grant.suspended", &g)
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/data-requests", body: body}),
		http.StatusUnprocessableEntity, "refused", "", "is suspended")
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + r.grant + "/resume"}, http.StatusOK, "grant.resumed", &g)
	r.usable = secondAfter(r.usable, g.Updated.Time)
}

// amendment: the operator asks for loans(amount); health owns none of it
// and may not consent; the authority may not approve before market
// consents, then approves, and every organisation concerned reads the
// grant's second version.
func (r *dataRequestRun) amendment(t *testing.T) {
	id := r.id("dr-1")
	var req ledger.DataRequest
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/data-requests", body: r.amendmentBody(id, r.loansAmount())},
		http.StatusCreated, "datarequest.submitted", &req)
	if req.Status != ledger.RequestSubmitted || len(req.Consents) != 1 || req.Consents[0].Provider != r.market.msp {
		t.Fatalf("submitted request: got %s waiting for %+v, want submitted, waiting for %s", req.Status, req.Consents, r.market.msp)
	}
	wantAPIError(t, r.authority.do(t, apiRequest{method: http.MethodPost, path: r.path(id, "approve")}),
		http.StatusUnprocessableEntity, "refused", "", "waits for the consent of "+r.market.msp)
	wantAPIError(t, r.health.do(t, apiRequest{method: http.MethodPost, path: r.path(id, "consent")}),
		http.StatusForbidden, "forbidden", "", "owns none of the datasets")
	r.write(t, r.market, apiRequest{method: http.MethodPost, path: r.path(id, "consent")}, http.StatusOK, "datarequest.consented", &req)
	if req.Status != ledger.RequestConsented {
		t.Fatalf("after market's consent: got %s, want %s", req.Status, ledger.RequestConsented)
	}
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: r.path(id, "approve")}, http.StatusOK, "datarequest.approved", &req)
	if req.Status != ledger.RequestApproved || req.GrantVersion != 2 {
		t.Fatalf("approved request: got %s for version %d, want approved for version 2", req.Status, req.GrantVersion)
	}
	r.version = req.GrantVersion

	var g ledger.Grant
	for _, o := range []*apiOrg{r.operator, r.health, r.market, r.regulator} {
		r.get(t, o, "/v1/grants/"+r.grant, &g)
	}
	if g.Version != 2 || !sameSet(g.Providers, []string{r.health.msp, r.market.msp}) || len(g.Amendments) != 1 ||
		g.Amendments[0].RequestID != id || g.Status != ledger.GrantActive {
		t.Fatalf("amended grant: version %d, providers %v, amendments %+v, %s; want version 2 over both providers' data, listing %s, active",
			g.Version, g.Providers, g.Amendments, g.Status, id)
	}
	r.usable = secondAfter(r.usable, g.Updated.Time)

	// The grant's history holds the version as issued and the amended one.
	var history api.HistoryPage
	r.get(t, r.regulator, "/v1/grants/"+r.grant+"/history?pageSize=100", &history)
	var versions []int
	for _, e := range history.Items {
		raw, err := json.Marshal(e.Value)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Version   int
			Providers []string
		}
		if e.Record == "" && json.Unmarshal(raw, &v) == nil {
			versions = append(versions, v.Version)
		}
	}
	if len(versions) < 2 || versions[0] != 2 || versions[len(versions)-1] != 1 {
		t.Errorf("grant history, newest first: got versions %v, want 2 first and 1 (issued) last", versions)
	}
}

// useOfAddedDataset: a receipt of a use of loans under the grant is
// accepted now.
func (r *dataRequestRun) useOfAddedDataset(t *testing.T) {
	time.Sleep(time.Until(r.usable))
	s := r.statement(r.id("r-loans"), 5)
	s.Datasets = []attest.DatasetUse{{ID: r.loans, Fields: []string{"amount"}}}
	var rc ledger.Receipt
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: r.receiptBody(s)}, http.StatusCreated, "receipt.accepted", &rc)
	if rc.GrantID != r.grant || rc.Records != 5 {
		t.Errorf("accepted receipt: got %+v, want 5 records under %s", rc, r.grant)
	}
}

// refusedAndWithdrawn: the authority refuses a request for visits' name
// after health's consent; the operator withdraws one for more quota; the
// grant stays at its version.
func (r *dataRequestRun) refusedAndWithdrawn(t *testing.T) {
	refused, withdrawn := r.id("dr-r"), r.id("dr-w")
	var req ledger.DataRequest
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/data-requests",
		body: r.amendmentBody(refused, obj{"datasets": []obj{{"id": r.visits, "fields": []string{"name"}}}})},
		http.StatusCreated, "datarequest.submitted", &req)
	r.write(t, r.health, apiRequest{method: http.MethodPost, path: r.path(refused, "consent")}, http.StatusOK, "datarequest.consented", &req)
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: r.path(refused, "refuse"), body: obj{"reason": "names are not needed"}},
		http.StatusOK, "datarequest.refused", &req)
	if req.Status != ledger.RequestRefused || req.StatusReason != "names are not needed" {
		t.Errorf("refused request: got %s (%q)", req.Status, req.StatusReason)
	}
	wantAPIError(t, r.authority.do(t, apiRequest{method: http.MethodPost, path: r.path(refused, "approve")}),
		http.StatusConflict, "conflict", "", "is refused")

	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/data-requests",
		body: r.amendmentBody(withdrawn, obj{"quota": obj{"records": 50}})}, http.StatusCreated, "datarequest.submitted", &req)
	if !sameSet(r.providersOf(req), []string{r.health.msp, r.market.msp}) {
		t.Errorf("a request for quota waits for %v, want both providers", r.providersOf(req))
	}
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodPost, path: r.path(withdrawn, "withdraw"), body: obj{}}),
		http.StatusForbidden, "forbidden", "", "withdraws it")
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: r.path(withdrawn, "withdraw"), body: obj{"reason": "enough for now"}},
		http.StatusOK, "datarequest.withdrawn", &req)

	var g ledger.Grant
	r.get(t, r.operator, "/v1/grants/"+r.grant, &g)
	if g.Version != r.version || g.Quota.Records != 100 || slices.ContainsFunc(g.Scope.Datasets, func(d ledger.DatasetScope) bool {
		return d.ID == r.visits && slices.Contains(d.Fields, "name")
	}) {
		t.Errorf("grant after a refusal and a withdrawal: version %d, %d records, scope %+v; want it unchanged", g.Version, g.Quota.Records, g.Scope)
	}
	var pg page[ledger.DataRequest]
	r.get(t, r.operator, "/v1/data-requests?grant="+r.grant, &pg)
	if len(pg.Items) != 3 {
		t.Errorf("the operator's requests on the grant: got %d, want 3", len(pg.Items))
	}
}

func (r *dataRequestRun) providersOf(req ledger.DataRequest) []string {
	var ps []string
	for _, c := range req.Consents {
		ps = append(ps, c.Provider)
	}
	return ps
}

// subGrantRequests: the developer asks the operator for a sub-grant of
// visits(age); the operator proposes it naming the request; a second
// request is declined; market, whose data none of it names, learns
// nothing of them.
func (r *dataRequestRun) subGrantRequests(t *testing.T) {
	asked, declined, sub := r.id("dr-s"), r.id("dr-d"), r.id("sub")
	ask := obj{"scope": obj{"datasets": []obj{{"id": r.visits, "fields": []string{"age"}}}, "purposes": []string{"credit-assessment"}, "operations": []string{"statistics"}},
		"quota": obj{"records": 20, "calls": 2}, "term": r.term()}
	var req ledger.DataRequest
	for _, id := range []string{asked, declined} {
		r.write(t, r.developer, apiRequest{method: http.MethodPost, path: "/v1/data-requests",
			body: obj{"id": id, "kind": "sub-grant", "grantId": r.grant, "subGrant": ask, "reason": "a clinic load model"}},
			http.StatusCreated, "datarequest.submitted", &req)
	}
	if req.Holder != r.operator.msp || req.Requester != r.developer.msp {
		t.Errorf("sub-grant request: got holder %s, requester %s; want %s, %s", req.Holder, req.Requester, r.operator.msp, r.developer.msp)
	}
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodGet, path: r.path(asked)}),
		http.StatusNotFound, "not_found", "", "data request "+asked+" does not exist")
	wantAPIError(t, r.developer.do(t, apiRequest{method: http.MethodPost, path: r.path(asked, "decline"), body: obj{"reason": "no"}}),
		http.StatusForbidden, "forbidden", "", "only the holder")

	var g ledger.Grant
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/grants/" + r.grant + "/subgrants", body: obj{
		"id": sub, "developer": r.developer.msp, "requestId": asked, "scope": ask["scope"], "quota": ask["quota"], "term": ask["term"],
	}}, http.StatusCreated, "grant.proposed", &g)
	r.get(t, r.developer, r.path(asked), &req)
	if req.Status != ledger.RequestProposed || req.SubGrantID != sub {
		t.Errorf("request after the proposal: got %s with sub-grant %q, want proposed with %s", req.Status, req.SubGrantID, sub)
	}
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: r.path(declined, "decline"), body: obj{"reason": "one sub-grant is enough"}},
		http.StatusOK, "datarequest.declined", &req)
	r.get(t, r.developer, r.path(declined), &req)
	if req.Status != ledger.RequestDeclined || req.StatusReason != "one sub-grant is enough" {
		t.Errorf("declined request as its developer reads it: got %s (%q)", req.Status, req.StatusReason)
	}
	var pg page[ledger.DataRequest]
	r.get(t, r.developer, "/v1/data-requests?requester="+r.developer.msp, &pg)
	if len(pg.Items) < 2 {
		t.Errorf("the developer's requests: got %d, want at least its 2 of this run", len(pg.Items))
	}
}
