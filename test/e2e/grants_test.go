//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// Applications, reviews, grants and agreements: the operator applies under
// a call, the authority reviews and issues a grant, every provider whose
// data it touches (and only those) decides on it, key-level endorsement
// keeps the grant and the datasets in their owners' hands, and both
// parties sign the grant's agreement.

// apply has the operator apply for both datasets and the authority record
// the operator's security reviews and the application's network-security
// and scenario reviews, which approves it.
func (p *process) apply(t *testing.T) {
	t.Helper()
	p.app = p.id("app")
	a, err := p.as(p.operator).SubmitApplication(t.Context(), p.applicationRequest(p.app, p.visits, p.loans))
	ok(t, err, "submit application %s", p.app)
	p.emitted(t, "application.submitted", a.ID, a.Created)
	p.attachDocuments(t, p.app)

	p.review(t, p.id("rev-basic"), ledger.ReviewBasicSecurity, p.operator)
	p.review(t, p.id("rev-tech"), ledger.ReviewTechnicalSecurity, p.operator)
	p.review(t, p.id("rev-net"), ledger.ReviewNetworkSecurity, p.app)
	p.review(t, p.id("rev-scenario"), ledger.ReviewScenario, p.app)
}

// review records a passing review dated now; a scenario review approves
// its application.
func (p *process) review(t *testing.T, id string, kind ledger.ReviewKind, subject string) {
	t.Helper()
	r, err := p.as(p.authority).RecordReview(t.Context(), lt.ReviewRequest(id, kind, subject, time.Now()))
	ok(t, err, "record %s review %s of %s", kind, id, subject)
	var related []ledger.EventRef
	if kind == ledger.ReviewScenario {
		related = append(related, ledger.EventRef{Type: "application", ID: subject, Change: string(ledger.ApplicationApproved)})
	}
	p.emitted(t, "review.recorded", r.ID, r.Created, related...)
}

// issueApprovedByBoth has the authority issue the run's grant over both
// datasets and both providers approve it.
func (p *process) issueApprovedByBoth(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	p.grant = p.id("grant")
	g, err := p.as(p.authority).IssueGrant(ctx, p.grantRequest(p.grant, p.app, p.visits, p.loans))
	ok(t, err, "issue grant %s", p.grant)
	p.emitted(t, "grant.issued", g.ID, g.Updated, ledger.EventRef{Type: "application", ID: p.app, Change: string(ledger.ApplicationGranted)})
	p.grantTx = g.Created.TxID
	if want := []string{p.health, p.market}; g.Status != ledger.GrantProposed || !sameSet(g.Providers, want) {
		t.Fatalf("issued grant: got %s with providers %v, want proposed waiting for %v", g.Status, g.Providers, want)
	}

	g, err = p.as(p.health).ApproveGrant(ctx, p.grant)
	ok(t, err, "%s approves %s", p.health, p.grant)
	p.emitted(t, "grant.approved", g.ID, g.Updated)
	g, err = p.as(p.market).ApproveGrant(ctx, p.grant)
	ok(t, err, "%s approves %s", p.market, p.grant)
	p.emitted(t, "grant.activated", g.ID, g.Updated)
	if g.Status != ledger.GrantActive {
		t.Fatalf("grant after both approvals: got %s, want %s", g.Status, ledger.GrantActive)
	}
}

// sign has the authority propose the grant's agreement and both parties
// sign it, which puts it in force.
func (p *process) sign(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	auth := p.as(p.authority)
	agr := p.id("agr")
	p.agreement = agr
	ag, err := auth.ProposeAgreement(ctx, ledger.AgreementRequest{ID: agr, GrantID: p.grant, Term: p.term()})
	ok(t, err, "propose agreement %s", agr)
	p.emitted(t, "agreement.proposed", ag.ID, ag.Created, ledger.EventRef{Type: "grant", ID: p.grant, Change: "agreement"})
	// The text goes to the operator's private collection, as transient
	// data endorsed by the collection's members only.
	text := lt.AgreementText(agr)
	ag, err = auth.AttachAgreementText(ctx, agr, text)
	ok(t, err, "attach the text of %s", agr)
	if ag.TextDigest != text.TextDigest {
		t.Fatalf("agreement after its text: got text %q, want %q", ag.TextDigest, text.TextDigest)
	}
	ag, err = auth.SignAgreement(ctx, agr)
	ok(t, err, "%s signs %s", p.authority, agr)
	p.emitted(t, "agreement.signed", ag.ID, ag.Updated)
	ag, err = p.as(p.operator).SignAgreement(ctx, agr)
	ok(t, err, "%s signs %s", p.operator, agr)
	p.emitted(t, "agreement.in-force", ag.ID, ag.Updated)
	if ag.Status != ledger.AgreementInForce || ag.InForceFrom.IsZero() {
		t.Fatalf("agreement after both signatures: got %s from %v, want %s", ag.Status, ag.InForceFrom, ledger.AgreementInForce)
	}
	p.agreementInForce = ag.InForceFrom
}

// keyLevelEndorsement shows that the key-level policies the contract sets
// are enforced by the peers' validation, not merely by the contract: a
// change of a grant's status endorsed by enough peers for the chaincode
// policy but not by the authority's, and a change of a dataset without its
// owner's peer, are ordered into a block and invalidated there, and change
// nothing; the authority's emergency powers need its peer alone, so no
// provider's peer being down can block them. (A grant's consent needs the
// providers' peers: providersInScope shows an approval without them
// invalidated.) The same changes submitted normally take effect.
func (p *process) keyLevelEndorsement(t *testing.T) {
	t.Run("the same endorsers satisfy the chaincode policy", p.sameEndorsersSatisfyChaincodePolicy)
	t.Run("grant status change without the authority's peer", func(t *testing.T) { p.grantChangeWithout(t, []string{p.authority}) })
	t.Run("suspension and resumption by the authority's peer alone", p.emergencyPowersAlone)
	t.Run("dataset change without the owner's peer", p.datasetChangeWithoutOwner)
	t.Run("the same changes endorsed as the gateway chooses", p.changesEndorsedAsGatewayChooses)
}

// emergencyPowersAlone suspends and resumes the grant endorsed by the
// authority's peer alone: both are valid.
func (p *process) emergencyPowersAlone(t *testing.T) {
	ctx, auth := t.Context(), p.as(p.authority)
	for _, step := range []struct {
		name string
		args []string
		want ledger.GrantStatus
	}{
		{"SuspendGrant", []string{p.grant, "emergency, endorsed by the authority alone"}, ledger.GrantSuspended},
		{"ResumeGrant", []string{p.grant}, ledger.GrantActive},
	} {
		txID, status := endorsedOnlyBy(t, auth, []string{p.authority}, step.name, step.args...)
		if !status.Successful {
			t.Fatalf("%s endorsed by %s alone: got code %s, want %s", step.name, p.authority, status.Code, peer.TxValidationCode_VALID)
		}
		p.commits.wait(t, txID, map[ledger.GrantStatus]string{ledger.GrantSuspended: "grant.suspended", ledger.GrantActive: "grant.resumed"}[step.want])
		g, err := auth.GetGrant(ctx, p.grant)
		ok(t, err, "get grant %s", p.grant)
		if g.Status != step.want {
			t.Fatalf("grant after %s by %s alone: got %s, want %s", step.name, p.authority, g.Status, step.want)
		}
	}
}

// sameEndorsersSatisfyChaincodePolicy writes a key without a key-level
// policy (a new call), endorsed by the peers of all but the providers: it
// is valid, so what fails in the other cases is the key-level policy and
// nothing else.
func (p *process) sameEndorsersSatisfyChaincodePolicy(t *testing.T) {
	withoutProviders := p.orgsExcept(p.health, p.market)
	req := p.callRequest()
	req.ID = p.id("call-control")
	raw, err := json.Marshal(req)
	ok(t, err, "encode call request")
	txID, status := endorsedOnlyBy(t, p.as(p.authority), withoutProviders, "PublishCall", string(raw))
	if !status.Successful {
		t.Fatalf("PublishCall endorsed by %v: got code %s, want %s", withoutProviders, status.Code, peer.TxValidationCode_VALID)
	}
	p.emitted(t, "call.published", req.ID, ledger.Stamp{TxID: txID})
}

// grantChangeWithout suspends the grant endorsed by every peer but those
// of leftOut: validation invalidates it, and the grant stays as it was.
// A grant's status is governed by the authority's peer alone.
func (p *process) grantChangeWithout(t *testing.T, leftOut []string) {
	ctx, auth := t.Context(), p.as(p.authority)
	// Read back through the gateway that reported the commit status: its
	// peer has validated the block.
	before, err := auth.GetGrant(ctx, p.grant)
	ok(t, err, "get grant %s", p.grant)
	txID := p.invalidated(t, auth, p.orgsExcept(leftOut...), "SuspendGrant", p.grant, "endorsed without "+strings.Join(leftOut, " and "))
	after, err := auth.GetGrant(ctx, p.grant)
	ok(t, err, "get grant %s", p.grant)
	if !reflect.DeepEqual(after, before) || after.Status != ledger.GrantActive {
		t.Errorf("grant after the invalidated suspension: got %s updated by %s, want it unchanged (active, updated by %s)",
			after.Status, after.Updated.TxID, before.Updated.TxID)
	}
	notInHistory(t, auth, "grant", p.grant, txID)
}

// datasetChangeWithoutOwner has health update visits endorsed by every
// peer but its own: validation invalidates it, and the dataset stays as
// it was.
func (p *process) datasetChangeWithoutOwner(t *testing.T) {
	ctx, owner := t.Context(), p.as(p.health)
	before, err := owner.GetDataset(ctx, p.visits)
	ok(t, err, "get dataset %s", p.visits)
	req := p.datasetRequest(p.visits)
	req.Description = "changed without its owner's peer"
	raw, err := json.Marshal(req)
	ok(t, err, "encode dataset request")
	txID := p.invalidated(t, owner, p.orgsExcept(p.health), "UpdateDataset", string(raw))
	after, err := owner.GetDataset(ctx, p.visits)
	ok(t, err, "get dataset %s", p.visits)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("dataset after the invalidated update: got description %q updated by %s, want it unchanged (updated by %s)",
			after.Description, after.Updated.TxID, before.Updated.TxID)
	}
	notInHistory(t, owner, "dataset", p.visits, txID)
}

// invalidated submits a transaction endorsed by the peers of endorsers
// alone, wants validation to invalidate it for its endorsement policy,
// and returns its ID.
func (p *process) invalidated(t *testing.T, c *client.Client, endorsers []string, name string, args ...string) string {
	t.Helper()
	txID, status := endorsedOnlyBy(t, c, endorsers, name, args...)
	p.invalid = append(p.invalid, txID)
	if status.Successful || status.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
		t.Fatalf("%s endorsed by %v: got successful=%t code %s, want %s",
			name, endorsers, status.Successful, status.Code, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)
	}
	return txID
}

// changesEndorsedAsGatewayChooses suspends and resumes the grant and
// updates the dataset, the gateway choosing the endorsers: they take
// effect.
func (p *process) changesEndorsedAsGatewayChooses(t *testing.T) {
	ctx := t.Context()
	auth, reg := p.as(p.authority), p.as(p.regulator)
	g, err := auth.SuspendGrant(ctx, p.grant, "security audit")
	ok(t, err, "suspend grant %s", p.grant)
	p.emitted(t, "grant.suspended", g.ID, g.Updated)
	if g, err = reg.GetGrant(ctx, p.grant); err != nil || g.Status != ledger.GrantSuspended {
		t.Fatalf("grant after the suspension: got %v (%v), want %s", grantStatus(g), err, ledger.GrantSuspended)
	}
	g, err = auth.ResumeGrant(ctx, p.grant)
	ok(t, err, "resume grant %s", p.grant)
	p.emitted(t, "grant.resumed", g.ID, g.Updated)
	if g, err = reg.GetGrant(ctx, p.grant); err != nil || g.Status != ledger.GrantActive {
		t.Fatalf("grant after resuming: got %v (%v), want %s", grantStatus(g), err, ledger.GrantActive)
	}

	req := p.datasetRequest(p.visits)
	req.Description = "outpatient visits, updated by its owner"
	d, err := p.as(p.health).UpdateDataset(ctx, req)
	ok(t, err, "%s updates dataset %s", p.health, p.visits)
	p.emitted(t, "dataset.updated", d.ID, d.Updated)
	if d, err = reg.GetDataset(ctx, p.visits); err != nil || d.Description != req.Description {
		t.Fatalf("dataset after the update: got %+v (%v), want description %q", d, err, req.Description)
	}
}

// grantStatus returns a grant's status for messages, "" for none.
func grantStatus(g *ledger.Grant) ledger.GrantStatus {
	if g == nil {
		return ""
	}
	return g.Status
}

// notInHistory fails the test if the transaction wrote a version of the object.
func notInHistory(t *testing.T, c *client.Client, objectType, id, txID string) {
	t.Helper()
	h, err := c.GetHistory(t.Context(), objectType, id)
	ok(t, err, "history of %s %s", objectType, id)
	if len(h) == 0 {
		t.Fatalf("history of %s %s: got no versions, want at least its creation", objectType, id)
	}
	for _, e := range h {
		if e.TxID == txID {
			t.Errorf("history of %s %s: got a version written by the invalidated transaction %s", objectType, id, txID)
		}
	}
}

// providersInScope issues a second grant over health's dataset alone: the
// other provider may not decide on it; its one provider rejects it.
func (p *process) providersInScope(t *testing.T) {
	ctx := t.Context()
	app := p.id("app-visits")
	a, err := p.as(p.operator).SubmitApplication(ctx, p.applicationRequest(app, p.visits))
	ok(t, err, "submit application %s", app)
	p.emitted(t, "application.submitted", a.ID, a.Created)
	p.attachDocuments(t, app)
	p.review(t, p.id("rev-net-visits"), ledger.ReviewNetworkSecurity, app)
	p.review(t, p.id("rev-scenario-visits"), ledger.ReviewScenario, app)
	id := p.id("grant-visits")
	g, err := p.as(p.authority).IssueGrant(ctx, p.grantRequest(id, app, p.visits))
	ok(t, err, "issue grant %s", id)
	p.emitted(t, "grant.issued", g.ID, g.Updated, ledger.EventRef{Type: "application", ID: app, Change: string(ledger.ApplicationGranted)})

	// Health's consent endorsed by every peer but health's: invalidated.
	p.invalidated(t, p.as(p.health), p.orgsExcept(p.health), "ApproveGrant", id)
	_, err = p.as(p.market).ApproveGrant(ctx, id)
	// market may not read a grant over health's data alone: it is
	// answered as if the grant did not exist.
	wantErr(t, p.market+" approves "+id, err, client.ErrNotFound, "grant "+id+" does not exist")
	if g, err := p.as(p.authority).GetGrant(ctx, id); err != nil || g.Status != ledger.GrantProposed || len(g.Approvals) != 1 || g.Approvals[0].Decision != ledger.DecisionPending {
		t.Fatalf("grant %s after the refused approval: got %+v (%v), want proposed, waiting for %s alone", id, g, err, p.health)
	}

	g, err = p.as(p.health).RejectGrant(ctx, id, "the scenario does not need diagnoses")
	ok(t, err, "%s rejects %s", p.health, id)
	p.emitted(t, "grant.rejected", g.ID, g.Updated)
	if g.Status != ledger.GrantRejected {
		t.Errorf("grant after its provider's rejection: got %s, want %s", g.Status, ledger.GrantRejected)
	}
}

// apply has the operator apply for the datasets and the authority record
// the operator's security reviews and the application's network-security
// and scenario reviews, which approves it.
func (p *apiProcess) apply(t *testing.T, datasets ...string) {
	p.app = p.id("app")
	var a ledger.Application
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/applications", body: p.applicationBody(p.app, datasets...)},
		http.StatusCreated, "application.submitted", &a)
	if a.Status != ledger.ApplicationSubmitted || a.Operator != p.operator.msp {
		t.Errorf("submitted application: got %s by %s, want %s by %s", a.Status, a.Operator, ledger.ApplicationSubmitted, p.operator.msp)
	}
	for _, r := range []struct{ id, kind, subject string }{
		{p.id("rev-basic"), "basic-security", p.operator.msp},
		{p.id("rev-tech"), "technical-security", p.operator.msp},
		{p.id("rev-net"), "network-security", p.app},
		{p.id("rev-scenario"), "scenario", p.app},
	} {
		p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/reviews", body: obj{
			"id": r.id, "kind": r.kind, "subject": r.subject, "outcome": "pass",
			"date": time.Now().UTC().Add(-time.Minute), "reportDigest": lt.Digest("report " + r.id),
		}}, http.StatusCreated, "review.recorded", nil)
	}
	p.get(t, p.operator, "/v1/applications/"+p.app, &a)
	if a.Status != ledger.ApplicationApproved {
		t.Errorf("application after its scenario review: got %s, want %s", a.Status, ledger.ApplicationApproved)
	}
}

// issue has the authority issue the run's grant over the datasets.
func (p *apiProcess) issue(t *testing.T, quota ledger.Quota, datasets ...string) {
	t.Helper()
	p.grant = p.id("grant")
	var g ledger.Grant
	p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/grants", body: obj{
		"id": p.grant, "applicationId": p.app, "scope": p.scope(datasets...),
		"quota": obj{"records": quota.Records, "calls": quota.Calls}, "term": p.term(),
	}}, http.StatusCreated, "grant.issued", &g)
	var want []string
	for _, id := range datasets {
		owner, _ := p.datasetOf(id)
		want = append(want, owner.msp)
	}
	if g.Status != ledger.GrantProposed || g.Holder != p.operator.msp || !sameSet(g.Providers, want) {
		t.Fatalf("issued grant: got %s held by %s waiting for %v, want %s held by %s waiting for %v",
			g.Status, g.Holder, g.Providers, ledger.GrantProposed, p.operator.msp, want)
	}
	p.grantTx = g.Created.TxID
}

// approve has a provider approve the run's grant.
func (p *apiProcess) approve(t *testing.T, provider *apiOrg, event string, want ledger.GrantStatus) {
	t.Helper()
	var g ledger.Grant
	p.write(t, provider, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/approve"}, http.StatusOK, event, &g)
	if g.Status != want {
		t.Fatalf("grant after %s's approval: got %s, want %s", provider.msp, g.Status, want)
	}
	p.usable = secondAfter(g.Updated.Time)
}

// sign has the authority propose the grant's agreement and both parties
// sign it; the grant is then in force, and public.
func (p *apiProcess) sign(t *testing.T) {
	p.agreement = p.id("agr")
	var ag ledger.Agreement
	p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/agreements", body: obj{
		"id": p.agreement, "grantId": p.grant, "textDigest": lt.Digest("agreement " + p.agreement), "term": p.term(),
	}}, http.StatusCreated, "agreement.proposed", &ag)
	p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/agreements/" + p.agreement + "/sign"}, http.StatusOK, "agreement.signed", &ag)
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/agreements/" + p.agreement + "/sign"}, http.StatusOK, "agreement.in-force", &ag)
	if ag.Status != ledger.AgreementInForce || ag.InForceFrom.IsZero() {
		t.Fatalf("agreement after both signatures: got %s from %v, want %s", ag.Status, ag.InForceFrom, ledger.AgreementInForce)
	}
	p.usable = secondAfter(p.usable, ag.InForceFrom)
	g := apiFind(t, p.market, "/v1/disclosure/grants", func(g ledger.GrantSummary) bool { return g.ID == p.grant })
	if g.Holder != p.operator.msp || g.Status != ledger.GrantActive {
		t.Errorf("disclosed grant: got %+v, want %s held by %s, active", g, p.grant, p.operator.msp)
	}
}

// issueApprovedByBoth has the authority issue the run's grant of 1000
// records in 10 calls over both datasets, and both providers approve it.
func (p *apiProcess) issueApprovedByBoth(t *testing.T) {
	t.Helper()
	p.issue(t, ledger.Quota{Records: 1000, Calls: 10}, p.visits, p.loans)
	p.approve(t, p.health, "grant.approved", ledger.GrantProposed)
	p.approve(t, p.market, "grant.activated", ledger.GrantActive)
}

// attachDocuments has the operator attach the application's emergency plan
// and security documents, which go to its private collection, and reads
// them back merged into the application.
func (p *process) attachDocuments(t *testing.T, app string) {
	t.Helper()
	docs := lt.ApplicationDocuments()
	a, err := p.as(p.operator).AttachApplicationDocuments(t.Context(), app, docs)
	ok(t, err, "attach the documents of %s", app)
	if a.EmergencyPlanDigest != docs.EmergencyPlanDigest || a.SecurityDocsDigest != docs.SecurityDocsDigest {
		t.Fatalf("application %s after its documents: got %q, %q; want the attached digests", app, a.EmergencyPlanDigest, a.SecurityDocsDigest)
	}
}
