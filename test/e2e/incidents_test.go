//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestIncidents runs security incidents (数据安全事件) through the APIs on a
// grant of its own over health's visits: the operator reports one on
// time, health one late, an unrelated provider is answered as if the
// grant did not exist, the authority decides to suspend the grant (in the
// decision's own transaction) and a receipt is then refused, and the
// regulator reads them all.
func TestIncidents(t *testing.T) {
	r := incidents{newAPIProcess(t, "inc")}
	if !t.Run("setup", r.setUp) {
		t.FailNow()
	}
	for _, c := range []phase{
		{"reports on time and late", r.reports},
		{"an unrelated organisation", r.unrelated},
		{"the authority suspends the grant", r.decide},
		{"the regulator reads them all", r.regulatorReads},
	} {
		if !t.Run(c.name, c.run) {
			t.FailNow()
		}
	}
}

// incidents is the run of TestIncidents.
type incidents struct{ *apiProcess }

// setUp puts the run's grant over health's visits in force, with its
// agreement signed and the platform's attestor registered.
func (r incidents) setUp(t *testing.T) {
	r.parties(t)
	r.catalogue(t, r.visits)
	r.apply(t, r.visits)
	r.issue(t, ledger.Quota{Records: 20, Calls: 5}, r.visits)
	r.approve(t, r.health, "grant.activated", ledger.GrantActive)
	r.sign(t)
	r.registerAttestor(t)
}

// incidentBody reports an incident on the run's grant, detected ago.
func (r incidents) incidentBody(id string, severity ledger.IncidentSeverity, ago time.Duration) obj {
	detected := time.Now().UTC().Add(-ago).Truncate(time.Second)
	return obj{"id": id, "subjectType": "grant", "subjectId": r.grant, "severity": severity,
		"occurred": detected.Add(-time.Hour), "detected": detected, "reportDigest": lt.Digest("incident " + id)}
}

// reports: the operator's critical incident, detected ten minutes ago, is
// on time (1 h); health's major one, detected five hours ago, is recorded
// late (2 h), by the transaction's time.
func (r incidents) reports(t *testing.T) {
	var inc ledger.Incident
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/incidents", body: r.incidentBody(r.id("inc-op"), ledger.SeverityCritical, 10*time.Minute)},
		http.StatusCreated, "incident.reported", &inc)
	if inc.Late || inc.Reporter != r.operator.msp || inc.Status != ledger.IncidentReported {
		t.Errorf("operator's report: got late=%v by %s, %s, want on time by %s, reported", inc.Late, inc.Reporter, inc.Status, r.operator.msp)
	}
	r.write(t, r.health, apiRequest{method: http.MethodPost, path: "/v1/incidents", body: r.incidentBody(r.id("inc-late"), ledger.SeverityMajor, 5*time.Hour)},
		http.StatusCreated, "incident.reported", &inc)
	if !inc.Late || inc.LateBy == "" {
		t.Errorf("health's report 5 h after detection: got late=%v by %q, want late by about 3 h", inc.Late, inc.LateBy)
	}
}

// unrelated: market owns none of the grant's data; it may not report on
// the grant nor read the incidents, and learns nothing of either.
func (r incidents) unrelated(t *testing.T) {
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodPost, path: "/v1/incidents", body: r.incidentBody(r.id("inc-mk"), ledger.SeverityGeneral, time.Minute)}),
		http.StatusNotFound, "not_found", "", "grant "+r.grant+" does not exist")
	wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodGet, path: "/v1/incidents/" + r.id("inc-op")}),
		http.StatusNotFound, "not_found", "", "incident "+r.id("inc-op")+" does not exist")
	var pg page[ledger.Incident]
	r.get(t, r.market, "/v1/incidents?grant="+r.grant, &pg)
	if len(pg.Items) != 0 {
		t.Errorf("market's incidents on the grant: got %d, want none", len(pg.Items))
	}
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/incidents/" + r.id("inc-op") + "/decide",
		body: obj{"action": "suspend-grant", "reasonDigest": lt.Digest("decision")}}),
		http.StatusForbidden, "forbidden", "", "only the authority decides on incidents")
}

// decide: the authority's decision suspends the grant in its own
// transaction; a receipt of a use after it is refused.
func (r incidents) decide(t *testing.T) {
	var inc ledger.Incident
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/incidents/" + r.id("inc-op") + "/decide",
		body: obj{"action": "suspend-grant", "reasonDigest": lt.Digest("decision")}}, http.StatusOK, "incident.decided", &inc)
	if inc.Status != ledger.IncidentDecided || inc.Decision.Action != ledger.ActionSuspendGrant || inc.Decision.Late {
		t.Errorf("decision: got %s, %+v, want decided on time to suspend the grant", inc.Status, inc.Decision)
	}
	var g ledger.Grant
	r.get(t, r.operator, "/v1/grants/"+r.grant, &g)
	if g.Status != ledger.GrantSuspended {
		t.Fatalf("grant after the decision: got %s, want %s", g.Status, ledger.GrantSuspended)
	}
	r.usable = secondAfter(g.Updated.Time)
	time.Sleep(time.Until(r.usable))
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: r.receiptBody(r.statement(r.id("r-after"), 1))}),
		http.StatusUnprocessableEntity, "refused", "", "suspended")
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/incidents/" + r.id("inc-op") + "/close",
		body: obj{"reportDigest": lt.Digest("closing report")}}, http.StatusOK, "incident.closed", &inc)
	if inc.Status != ledger.IncidentClosed {
		t.Errorf("after closing: got %s, want %s", inc.Status, ledger.IncidentClosed)
	}
}

// regulatorReads: the regulator lists both incidents on the grant.
func (r incidents) regulatorReads(t *testing.T) {
	var pg page[ledger.Incident]
	r.get(t, r.regulator, "/v1/incidents?grant="+r.grant, &pg)
	got := map[string]ledger.IncidentStatus{}
	for _, it := range pg.Items {
		got[it.ID] = it.Status
	}
	if got[r.id("inc-op")] != ledger.IncidentClosed || got[r.id("inc-late")] != ledger.IncidentReported || len(got) != 2 {
		t.Errorf("regulator's incidents on the grant: got %v, want %s closed and %s reported", got, r.id("inc-op"), r.id("inc-late"))
	}
}
