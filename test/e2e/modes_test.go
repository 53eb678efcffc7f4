//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestModes: the authorization mode of a call (整体授权 / 分领域授权 /
// 依场景授权) has effect, through the APIs on the real network, on data of
// the run's own: a whole-mode grant is issued and its holder's sub-grant
// to the developer stays allowed; a domain grant over a dataset its owner
// moved to another domain is refused; a scenario grant naming two purposes
// is refused.
//
// The refusal of a second operator's grant while a whole-mode grant is in
// force needs two operators; the end-to-end network has one (OperatorMSP;
// DeveloperMSP is a developer and only holds sub-grants), so the contract
// tests show it on the in-memory peer (chaincode/modes_test.go).
func TestModes(t *testing.T) {
	p := newAPIProcess(t, "mod")
	if p.developer == nil {
		t.Fatalf("the network under test has no developer organisation; the end-to-end topology (test/e2e/topology.json) has one")
	}
	m := modes{p}
	runPhases(t,
		phase{"parties and catalogue", func(t *testing.T) {
			p.parties(t)
			p.catalogue(t, p.visits, p.loans)
		}},
		phase{"whole-mode grant with its holder's sub-grant", m.wholeWithSubGrant},
		phase{"domain grant over another domain's dataset refused", m.domainRefused},
		phase{"scenario grant of two purposes refused", m.scenarioRefused},
	)
}

// modes is the run of TestModes.
type modes struct{ *apiProcess }

// publish publishes a call of the run in mode over domains.
func (m modes) publish(t *testing.T, id, mode string, domains ...string) {
	t.Helper()
	body := m.callBody(id)
	body["mode"], body["domains"] = mode, domains
	if len(domains) == 0 {
		delete(body, "domains")
	}
	m.write(t, m.authority, apiRequest{method: http.MethodPost, path: "/v1/calls", body: body}, http.StatusCreated, "call.published", nil)
}

// applyUnder files application app under call with body's changes made,
// attaches nothing more (the body carries the documents' digests) and
// records the reviews that approve it, the operator's included.
func (m modes) applyUnder(t *testing.T, app, call string, edit func(obj), datasets ...string) {
	t.Helper()
	body := m.applicationBody(app, datasets...)
	body["callId"] = call
	if edit != nil {
		edit(body)
	}
	m.write(t, m.operator, apiRequest{method: http.MethodPost, path: "/v1/applications", body: body}, http.StatusCreated, "application.submitted", nil)
	for _, r := range []struct{ id, kind, subject string }{
		{app + "-basic", "basic-security", m.operator.msp},
		{app + "-tech", "technical-security", m.operator.msp},
		{app + "-net", "network-security", app},
		{app + "-scenario", "scenario", app},
	} {
		m.write(t, m.authority, apiRequest{method: http.MethodPost, path: "/v1/reviews", body: obj{
			"id": r.id, "kind": r.kind, "subject": r.subject, "outcome": "pass",
			"date": time.Now().UTC().Add(-time.Minute), "reportDigest": lt.Digest("report " + r.id),
		}}, http.StatusCreated, "review.recorded", nil)
	}
}

// grantBody is a grant of application app over scope for the run's term.
func (m modes) grantBody(id, app string, scope ledger.Scope) obj {
	return obj{"id": id, "applicationId": app, "scope": scope,
		"quota": obj{"records": 1000, "calls": 10}, "term": m.term()}
}

// wholeWithSubGrant: under a whole-mode call the operator's grant over
// both datasets is issued in whole mode, approved and put in force; its
// holder's sub-grant to the developer is proposed and activated.
func (m modes) wholeWithSubGrant(t *testing.T) {
	call, app := m.id("call-whole"), m.id("app-whole")
	m.publish(t, call, "whole")
	m.applyUnder(t, app, call, nil, m.visits, m.loans)
	m.app, m.grant = app, m.id("grant-whole")
	var g ledger.Grant
	m.write(t, m.authority, apiRequest{method: http.MethodPost, path: "/v1/grants", body: m.grantBody(m.grant, app, m.scope(m.visits, m.loans))},
		http.StatusCreated, "grant.issued", &g)
	if g.Mode != ledger.ModeWhole {
		t.Fatalf("grant under a whole-mode call: got mode %s, want %s", g.Mode, ledger.ModeWhole)
	}
	m.approve(t, m.health, "grant.approved", ledger.GrantProposed)
	m.approve(t, m.market, "grant.activated", ledger.GrantActive)
	m.sign(t)
	sub := m.id("sub")
	m.write(t, m.operator, apiRequest{method: http.MethodPost, path: "/v1/grants/" + m.grant + "/subgrants", body: obj{
		"id": sub, "developer": m.developer.msp, "quota": obj{"records": 50, "calls": 3}, "term": m.term(),
		"scope": obj{"datasets": []obj{{"id": m.visits, "fields": []string{"age"}}}, "purposes": []string{"credit-assessment"}, "operations": []string{"statistics"}},
	}}, http.StatusCreated, "grant.proposed", &g)
	m.write(t, m.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + sub + "/activate"}, http.StatusOK, "grant.activated", &g)
	if g.Status != ledger.GrantActive || g.Holder != m.developer.msp {
		t.Fatalf("sub-grant of the whole-mode grant: got %s held by %s, want active held by %s", g.Status, g.Holder, m.developer.msp)
	}
}

// domainRefused: an application under a medical domain call names the
// run's visits (medical); health then files visits under finance, and the
// domain grant over it is refused. Filed back under medical, it is issued.
func (m modes) domainRefused(t *testing.T) {
	call, app := m.id("call-medical"), m.id("app-medical")
	m.publish(t, call, "domain", "medical")
	m.applyUnder(t, app, call, func(b obj) {
		b["scenario"] = obj{"name": "chronic-care", "domain": "medical", "description": "follow-up of chronic patients"}
	}, m.visits)
	m.fileVisitsUnder(t, "finance")
	a := m.authority.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants", body: m.grantBody(m.id("grant-medical"), app, m.scope(m.visits))})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "",
		"out of domain: dataset "+m.visits+" is in domain finance; a domain grant (分领域授权) under call "+call+" covers only its domains (medical)")
	m.fileVisitsUnder(t, "medical")
	var g ledger.Grant
	m.write(t, m.authority, apiRequest{method: http.MethodPost, path: "/v1/grants", body: m.grantBody(m.id("grant-medical"), app, m.scope(m.visits))},
		http.StatusCreated, "grant.issued", &g)
	if g.Mode != ledger.ModeDomain {
		t.Errorf("grant under a domain call: got mode %s, want %s", g.Mode, ledger.ModeDomain)
	}
}

// fileVisitsUnder has health move the run's visits to domain.
func (m modes) fileVisitsUnder(t *testing.T, domain string) {
	t.Helper()
	body := datasetBody(m.visits, domain, "age", "diagnosis", "name")
	delete(body, "id")
	m.write(t, m.health, apiRequest{method: http.MethodPut, path: "/v1/datasets/" + m.visits, body: body}, http.StatusOK, "dataset.updated", nil)
}

// scenarioRefused: under the run's scenario call, a grant naming two
// purposes is refused; its scenario is one.
func (m modes) scenarioRefused(t *testing.T) {
	app := m.id("app-two")
	m.applyUnder(t, app, m.call, func(b obj) {
		s := m.scope(m.loans)
		s.Purposes = []string{"credit-assessment", "risk-control"}
		b["scope"] = s
	}, m.loans)
	two := m.scope(m.loans)
	two.Purposes = []string{"credit-assessment", "risk-control"}
	a := m.authority.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants", body: m.grantBody(m.id("grant-two"), app, two)})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "",
		"one scenario: a scenario grant (依场景授权) covers only its scenario inclusive-credit, so its scope names exactly one purpose, not 2 (credit-assessment, risk-control)")
}
