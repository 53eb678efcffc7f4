//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// The end-to-end tests of the REST API (docs/api.md): every organisation's
// own grantledger API, driven over plain HTTP with JSON bodies and the
// bearer tokens the network issued, against the real network. Each run
// uses IDs of its own, so runs on the same ledger never collide.

// obj is a JSON object of a request body.
type obj = map[string]any

// apiProcess is one run of the grant process through the APIs: the
// organisations' APIs by role, the follower of their event streams, and
// what the run has built.
type apiProcess struct {
	run string
	t0  time.Time

	orgs                                                     map[string]*apiOrg
	authority, health, market, operator, platform, regulator *apiOrg
	// developer is the developer organisation (开发利用主体) that holds
	// sub-grants; nil when the network has none.
	developer *apiOrg
	commits   *apiCommits

	visits, loans    string
	datasetTx        map[string]string
	call, app, grant string
	grantTx          string
	agreement        string
	// usable is the first whole second at which the grant is usable: it is
	// active, its agreement is in force and the attestor is registered.
	usable   time.Time
	attestor *attesttest.Attestor
	receipts []string
	product  string
	listed   bool
}

// newAPIProcess finds the APIs of the network under test by role and
// starts following their event streams from the last block; kind names
// the test in the run's IDs.
func newAPIProcess(t *testing.T, kind string) *apiProcess {
	t.Helper()
	now := time.Now().UTC()
	p := &apiProcess{
		run:       kind + strconv.FormatInt(now.UnixMilli(), 36),
		t0:        now,
		orgs:      apiOrgs(t),
		datasetTx: map[string]string{},
	}
	var providers []*apiOrg
	for _, msp := range apiSortedKeys(p.orgs) {
		o := p.orgs[msp]
		switch ledger.Role(o.role) {
		case ledger.RoleAuthority:
			p.authority = o
		case ledger.RoleProvider:
			providers = append(providers, o)
		case ledger.RoleOperator:
			p.operator = o
		case ledger.RolePlatform:
			p.platform = o
		case ledger.RoleRegulator:
			p.regulator = o
		case ledger.RoleDeveloper:
			p.developer = o
		}
	}
	if len(providers) < 2 || p.authority == nil || p.operator == nil || p.platform == nil || p.regulator == nil {
		t.Fatalf("profile: want an authority, two providers, an operator, a platform and a regulator, each with an API; got %v", apiSortedKeys(p.orgs))
	}
	p.health, p.market = providers[0], providers[1]
	for _, o := range shared.net.Topology().Orgs {
		if o.MSPID == p.authority.msp && len(o.Peers) > 0 {
			h, err := shared.net.PeerHeight(t.Context(), o.Name, o.Peers[0].Name)
			if err != nil || h == 0 {
				t.Fatalf("height of %s's %s: got %d, %v", o.Name, o.Peers[0].Name, h, err)
			}
			p.commits = followAPIEvents(t, p.orgs, h-1)
		}
	}
	if p.commits == nil {
		t.Fatalf("the topology has no peer of %s", p.authority.msp)
	}
	p.visits, p.loans = p.id("visits"), p.id("loans")
	t.Logf("run %s", p.run)
	return p
}

// id returns an ID unique to the run.
func (p *apiProcess) id(prefix string) string { return prefix + "-" + p.run }

// write sends a request that changes the ledger, wants the status, decodes
// the answer into out (when not nil) and waits until every organisation's
// API has streamed the transaction's event, which must be named event. A
// created object's Location must be readable by its creator.
func (p *apiProcess) write(t *testing.T, o *apiOrg, r apiRequest, status int, event string, out any) apiAnswer {
	t.Helper()
	a := o.do(t, r).want(t, status, out)
	p.commits.wait(t, txOf(t, a), event)
	if status == http.StatusCreated {
		loc := a.header.Get("Location")
		if !strings.HasPrefix(loc, "/v1/") {
			t.Fatalf("%s: got Location %q, want the new object's path", a, loc)
		}
		if strings.HasPrefix(loc, "/v1/opinions/") {
			// The contract has no GetOpinion: an opinion is read
			// through its history (docs/api.md).
			loc += "/history"
		}
		o.do(t, apiRequest{method: http.MethodGet, path: loc, user: r.user}).want(t, http.StatusOK, nil)
	}
	return a
}

// get reads path as org's User1 and decodes the answer, which must be 200.
func (p *apiProcess) get(t *testing.T, o *apiOrg, path string, out any) {
	t.Helper()
	o.do(t, apiRequest{method: http.MethodGet, path: path}).want(t, http.StatusOK, out)
}

// apiPage is a page of a list.
type apiPage[T any] struct {
	Items    []T    `json:"items"`
	Bookmark string `json:"bookmark"`
}

// apiFind pages through a list (path with its filter, if any), 100 at a
// time, until match holds.
func apiFind[T any](t *testing.T, o *apiOrg, path string, match func(T) bool) T {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	bookmark := ""
	for range 1000 {
		var page apiPage[T]
		o.do(t, apiRequest{method: http.MethodGet, path: path + sep + "pageSize=100&bookmark=" + url.QueryEscape(bookmark)}).want(t, http.StatusOK, &page)
		for _, it := range page.Items {
			if match(it) {
				return it
			}
		}
		if page.Bookmark == "" {
			break
		}
		bookmark = page.Bookmark
	}
	var zero T
	t.Fatalf("GET %s as %s: no matching item in any page", path, o.msp)
	return zero
}

// TestAPIGrantProcess walks the whole process of the seeds through the
// organisations' APIs, each acting with its own identity: the authority
// registers the parties, the providers list datasets, the authority
// publishes a call, the operator applies, the authority reviews and issues
// a grant, both providers approve it, both parties sign its agreement, the
// platform registers an attestor whose signed receipts are recorded alone
// and in a batch (with an inclusion proof checked through the API), the
// operator's product is reviewed with an expert's and the platform's
// opinions, approved and listed, the regulator follows its provenance and
// reads a history, and the grant's revocation marks the product.
func TestAPIGrantProcess(t *testing.T) {
	p := newAPIProcess(t, "api")
	for _, phase := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"parties", p.parties},
		{"catalogue and call", func(t *testing.T) { p.catalogue(t, p.visits, p.loans) }},
		{"application and reviews", func(t *testing.T) { p.apply(t, p.visits, p.loans) }},
		{"grant approved by both providers", func(t *testing.T) {
			p.issue(t, ledger.Quota{Records: 1000, Calls: 10}, p.visits, p.loans)
			p.approve(t, p.health, "grant.approved", ledger.GrantProposed)
			p.approve(t, p.market, "grant.activated", ledger.GrantActive)
		}},
		{"agreement signed by both", p.sign},
		{"attestor and receipts", p.receiptsThroughAPI},
		{"product reviewed and listed", p.productThroughAPI},
		{"regulator audits", p.audit},
		{"revocation marks the product", p.revokeAndMark},
	} {
		if !t.Run(phase.name, phase.run) {
			t.Fatalf("phase %q failed; the later phases need it", phase.name)
		}
	}
}

// parties checks who each token acts as, has the authority register every
// other organisation with its role unless an earlier run did, admits the
// operator unless it is admitted, and makes the authority's User2 an
// expert when the ledger knows experts as individuals.
func (p *apiProcess) parties(t *testing.T) {
	for _, msp := range apiSortedKeys(p.orgs) {
		o := p.orgs[msp]
		var me api.Identity
		p.get(t, o, "/v1/me", &me)
		if me.Org != o.msp || me.User != "User1" || me.Caller == nil || me.Caller.MSP != o.msp || !strings.Contains(me.Caller.Client, "User1@") {
			t.Errorf("GET /v1/me as %s/User1: got %+v (caller %+v), want %s's User1", o.msp, me, me.Caller, o.msp)
		}
	}
	others := []*apiOrg{p.health, p.market, p.operator, p.platform, p.regulator}
	if p.developer != nil {
		others = append(others, p.developer)
	}
	for _, o := range others {
		a := p.authority.do(t, apiRequest{method: http.MethodGet, path: "/v1/participants/" + o.msp})
		switch a.status {
		case http.StatusOK:
			var pt ledger.Participant
			a.want(t, http.StatusOK, &pt)
			if string(pt.Role) != o.role {
				t.Fatalf("participant %s: registered as %s, the profile says %s", o.msp, pt.Role, o.role)
			}
		case http.StatusNotFound:
			wantAPIError(t, a, http.StatusNotFound, "not_found", "", o.msp)
			var pt ledger.Participant
			p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/participants",
				body: obj{"msp": o.msp, "role": o.role, "name": o.name + " (API e2e)"}}, http.StatusCreated, "participant.registered", &pt)
			if pt.MSP != o.msp || string(pt.Role) != o.role {
				t.Errorf("registered participant: got %s as %s, want %s as %s", pt.MSP, pt.Role, o.msp, o.role)
			}
		default:
			t.Fatalf("%s: want 200 or 404", a)
		}
	}
	var op ledger.Participant
	p.get(t, p.operator, "/v1/participants/"+p.operator.msp, &op)
	switch op.Status {
	case ledger.OperatorAdmitted:
	case ledger.OperatorApplicant:
		p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/participants/" + p.operator.msp + "/status",
			body: obj{"status": "admitted"}}, http.StatusOK, "participant.admitted", &op)
		if op.Status != ledger.OperatorAdmitted {
			t.Fatalf("operator after admission: got %s, want %s", op.Status, ledger.OperatorAdmitted)
		}
	default:
		t.Fatalf("operator %s is %s; an earlier run left it so, and this one cannot admit it", p.operator.msp, op.Status)
	}
	p.convene(t)
}

// convene makes the authority's User2 a member of the expert committee
// (专家咨询委员会): the authority registers that individual identity, as
// GET /v1/me reports it, as an expert (POST /v1/experts), unless an earlier
// run did, and reads it back by its percent-encoded identity.
func (p *apiProcess) convene(t *testing.T) {
	t.Helper()
	var me api.Identity
	p.authority.do(t, apiRequest{method: http.MethodGet, path: "/v1/me", user: "User2"}).want(t, http.StatusOK, &me)
	if me.Caller == nil {
		t.Fatalf("GET /v1/me as %s/User2: no caller", p.authority.msp)
	}
	client := me.Caller.Client
	if me.Caller.Role != ledger.RoleExpert {
		var e ledger.Expert
		a := p.authority.do(t, apiRequest{method: http.MethodPost, path: "/v1/experts",
			body: obj{"msp": me.Caller.MSP, "client": client, "name": "Expert " + p.run}}).want(t, http.StatusCreated, &e)
		p.commits.wait(t, txOf(t, a), "expert.registered")
		if e.Client != client || e.MSP != me.Caller.MSP || e.Status != ledger.ExpertActive {
			t.Errorf("registered expert: got %+v, want %s of %s, active", e, client, me.Caller.MSP)
		}
		p.authority.do(t, apiRequest{method: http.MethodGet, path: "/v1/me", user: "User2"}).want(t, http.StatusOK, &me)
		if me.Caller == nil || me.Caller.Role != ledger.RoleExpert || !me.Caller.Individual {
			t.Fatalf("GET /v1/me as the registered expert: got %+v, want an individual in role %s", me.Caller, ledger.RoleExpert)
		}
	}
	var e ledger.Expert
	p.get(t, p.regulator, "/v1/experts/"+url.PathEscape(client), &e)
	if e.Client != client || e.Status != ledger.ExpertActive {
		t.Errorf("GET /v1/experts/{client} as the regulator: got %+v, want %s, active", e, client)
	}
}

// datasetBody is a request for a general dataset whose fields are of grade 2.
func datasetBody(id, domain string, fields ...string) obj {
	fs := []obj{}
	for _, f := range fields {
		fs = append(fs, obj{"name": f, "sensitivity": 2})
	}
	return obj{"id": id, "name": "Dataset " + id, "domain": domain, "fields": fs, "classification": "general"}
}

// datasetOf returns the owner and request of one of the run's datasets:
// health's visits(age, diagnosis, name) or market's loans(amount, term).
func (p *apiProcess) datasetOf(id string) (*apiOrg, obj) {
	if id == p.visits {
		return p.health, datasetBody(id, "medical", "age", "diagnosis", "name")
	}
	return p.market, datasetBody(id, "finance", "amount", "term")
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

func (p *apiProcess) callBody(id string) obj {
	return obj{
		"id": id, "title": "Call " + id, "mode": "scenario", "domains": []string{"finance", "medical"},
		"conditions": "registered legal person", "criteria": "scenario value and security",
		"opens": p.t0.Add(-time.Hour), "closes": p.t0.Add(24 * time.Hour),
	}
}

// scope is visits(age, diagnosis) and loans(amount) for credit-assessment
// by statistics or joint-modelling, limited to the datasets named.
func (p *apiProcess) scope(datasets ...string) obj {
	var ds []obj
	for _, id := range datasets {
		fields := []string{"amount"}
		if id == p.visits {
			fields = []string{"age", "diagnosis"}
		}
		ds = append(ds, obj{"id": id, "fields": fields})
	}
	return obj{"datasets": ds, "purposes": []string{"credit-assessment"}, "operations": []string{"statistics", "joint-modelling"}}
}

func (p *apiProcess) applicationBody(id string, datasets ...string) obj {
	return obj{
		"id": id, "callId": p.call,
		"scenario":   obj{"name": "inclusive-credit", "domain": "finance", "description": "credit scoring for small firms"},
		"scope":      p.scope(datasets...),
		"termMonths": 12, "trialMonths": 3,
		"emergencyPlanDigest": lt.Digest("emergency plan " + id), "securityDocsDigest": lt.Digest("security docs " + id),
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

// term runs from a minute before the run for six months.
func (p *apiProcess) term() obj {
	from := p.t0.Add(-time.Minute)
	return obj{"validFrom": from, "validTo": from.AddDate(0, 6, 0)}
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
	if g.Status != ledger.GrantProposed || g.Holder != p.operator.msp || !apiSameStrings(g.Providers, want) {
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
	p.usable = apiSecondAfter(g.Updated.Time)
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
	p.usable = apiSecondAfter(p.usable, ag.InForceFrom)
	g := apiFind(t, p.market, "/v1/disclosure/grants", func(g ledger.GrantSummary) bool { return g.ID == p.grant })
	if g.Holder != p.operator.msp || g.Status != ledger.GrantActive {
		t.Errorf("disclosed grant: got %+v, want %s held by %s, active", g, p.grant, p.operator.msp)
	}
}

// registerAttestor has the platform register the run's attestor, a
// trusted environment whose key is derived from the run.
func (p *apiProcess) registerAttestor(t *testing.T) {
	t.Helper()
	p.attestor = attesttest.NewAttestorFromSeed("api-e2e-" + p.run)
	var at ledger.Attestor
	p.write(t, p.platform, apiRequest{method: http.MethodPost, path: "/v1/attestors",
		body: obj{"address": p.attestor.Address(), "name": "TEE " + p.run}}, http.StatusCreated, "attestor.registered", &at)
	if at.Address != p.attestor.Address() || at.Status != ledger.AttestorActive || at.Platform != p.platform.msp {
		t.Fatalf("registered attestor: got %+v, want %s active, of %s", at, p.attestor.Address(), p.platform.msp)
	}
	p.usable = apiSecondAfter(p.usable, at.Created.Time)
}

// statement is a use of visits(age) for credit-assessment by statistics
// under the run's grant, of records records, when the grant is usable.
func (p *apiProcess) statement(id string, records uint64) attest.Statement {
	return attest.Statement{
		ReceiptID: id, GrantID: p.grant,
		Datasets:  []attest.DatasetUse{{ID: p.visits, Fields: []string{"age"}}},
		Operation: "statistics", Purpose: "credit-assessment", Records: records,
		InputDigest: lt.Digest("in " + id), OutputDigest: lt.Digest("out " + id), Time: p.usable.Unix(),
	}
}

// receiptBody is the receipt of s signed by the run's attestor.
func (p *apiProcess) receiptBody(s attest.Statement) obj {
	return obj{"statement": s, "signature": p.attestor.Sign(s)}
}

// receiptsThroughAPI registers an attestor; the operator submits one
// signed receipt and the platform a batch of three, whose inclusion
// proofs the regulator obtains and anyone verifies through the API.
func (p *apiProcess) receiptsThroughAPI(t *testing.T) {
	p.registerAttestor(t)
	first := p.statement(p.id("r1"), 5)
	var r ledger.Receipt
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(first)}, http.StatusCreated, "receipt.accepted", &r)
	if r.ID != first.ReceiptID || r.GrantID != p.grant || r.Attestor != p.attestor.Address() || r.Records != 5 {
		t.Errorf("accepted receipt: got %+v, want %s of 5 records under %s signed by %s", r, first.ReceiptID, p.grant, p.attestor.Address())
	}
	p.receipts = append(p.receipts, r.ID)
	// A provider in scope reads the receipts of its data.
	p.get(t, p.health, "/v1/receipts/"+r.ID, &r)

	var stmts []attest.Statement
	var leaves [][32]byte
	var receipts []obj
	for _, n := range []string{"r2", "r3", "r4"} {
		s := p.statement(p.id(n), 10)
		stmts = append(stmts, s)
		leaves = append(leaves, s.Digest())
		receipts = append(receipts, p.receiptBody(s))
	}
	batchID := p.id("batch")
	var b ledger.Batch
	p.write(t, p.platform, apiRequest{method: http.MethodPost, path: "/v1/batches", body: obj{"id": batchID, "receipts": receipts}},
		http.StatusCreated, "batch.accepted", &b)
	p.receipts = append(p.receipts, stmts[0].ReceiptID)
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		t.Fatalf("merkle root: %v", err)
	}
	want := []ledger.GrantTotal{{GrantID: p.grant, Records: 30, Calls: 3}}
	if b.ID != batchID || b.Count != 3 || b.Root != attest.HexDigest(root) || !slices.Equal(b.Totals, want) {
		t.Errorf("batch: got %s of %d, root %s, totals %+v; want %s of 3, root %s, totals %+v", b.ID, b.Count, b.Root, b.Totals, batchID, attest.HexDigest(root), want)
	}

	t.Run("inclusion proof", func(t *testing.T) {
		var proof api.ReceiptProof
		p.get(t, p.regulator, "/v1/receipts/"+stmts[1].ReceiptID+"/proof", &proof)
		wantSteps, err := attest.MerkleProof(leaves, 1)
		if err != nil {
			t.Fatalf("merkle proof: %v", err)
		}
		if proof.BatchID != batchID || proof.Index != 1 || proof.Root != b.Root || proof.Leaf != attest.HexDigest(leaves[1]) || !slices.Equal(proof.Proof, wantSteps) {
			t.Errorf("proof of %s: got %+v, want index 1 of %s under %s along %+v", stmts[1].ReceiptID, proof, batchID, b.Root, wantSteps)
		}
		var res ledger.ProofResult
		p.market.do(t, apiRequest{method: http.MethodPost, path: "/v1/batches/" + batchID + "/verify",
			body: obj{"statement": stmts[1], "proof": proof.Proof}}).want(t, http.StatusOK, &res)
		if !res.Valid || res.Index != 1 || res.Root != b.Root || res.ReceiptID != stmts[1].ReceiptID {
			t.Errorf("verify the proof of %s: got %+v, want valid at index 1 under %s", stmts[1].ReceiptID, res, b.Root)
		}
		tampered := stmts[1]
		tampered.Records = 1
		p.market.do(t, apiRequest{method: http.MethodPost, path: "/v1/batches/" + batchID + "/verify",
			body: obj{"statement": tampered, "proof": proof.Proof}}).want(t, http.StatusOK, &res)
		if res.Valid || res.Reason == "" {
			t.Errorf("verify the proof of a tampered statement: got %+v, want invalid with a reason", res)
		}
		// A receipt accepted alone has no proof: its statement and
		// signature are on record.
		a := p.regulator.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + first.ReceiptID + "/proof"})
		wantAPIError(t, a, http.StatusConflict, "conflict", "", "not in a batch")
	})

	var u ledger.Usage
	p.get(t, p.operator, "/v1/grants/"+p.grant+"/usage", &u)
	if u.Records != 35 || u.Calls != 4 {
		t.Errorf("usage of %s: got %d records in %d calls, want 35 in 4", p.grant, u.Records, u.Calls)
	}
}

// opinion records an opinion recommending the run's product, as an
// organisation's user.
func (p *apiProcess) opinion(t *testing.T, o *apiOrg, user, id string) {
	t.Helper()
	var op ledger.Opinion
	p.write(t, o, apiRequest{method: http.MethodPost, path: "/v1/opinions", user: user, body: obj{
		"id": id, "subjectType": "product", "subjectId": p.product, "recommendation": "approve", "digest": lt.Digest("opinion " + id),
	}}, http.StatusCreated, "opinion.recorded", &op)
	if op.ID != id || op.SubjectID != p.product {
		t.Errorf("recorded opinion: got %s on %s, want %s on %s", op.ID, op.SubjectID, id, p.product)
	}
}

// productThroughAPI has the operator register a product built from the
// grant and its receipts and submit it for review; the platform and an
// expert give their opinions, the authority approves it and the operator
// lists it on the data exchange, where the public finds it. Without an
// expert the authority's approval is refused.
func (p *apiProcess) productThroughAPI(t *testing.T) {
	p.product = p.id("prod")
	var pr ledger.Product
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/products", body: obj{
		"id": p.product, "type": "model", "name": "SME credit model",
		"descriptionDigest": lt.Digest("model card " + p.run), "grants": []string{p.grant}, "receipts": p.receipts,
	}}, http.StatusCreated, "product.registered", &pr)
	if pr.Status != ledger.ProductDraft || pr.Owner != p.operator.msp {
		t.Errorf("registered product: got %s owned by %s, want %s owned by %s", pr.Status, pr.Owner, ledger.ProductDraft, p.operator.msp)
	}
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/submit"}, http.StatusOK, "product.in-review", &pr)
	p.opinion(t, p.platform, "User1", p.id("op-platform"))
	review := apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/review", body: obj{"approve": true}}
	a := p.authority.do(t, review)
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "expert")
	p.opinion(t, p.authority, "User2", p.id("op-expert"))
	page := apiPage[ledger.Opinion]{}
	p.get(t, p.regulator, "/v1/opinions?subject=product/"+p.product, &page)
	if len(page.Items) != 2 {
		t.Errorf("opinions on %s: got %d, want the platform's and the expert's", p.product, len(page.Items))
	}
	p.write(t, p.authority, review, http.StatusOK, "product.approved", &pr)
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/list",
		body: obj{"registrationNo": "HZDE-" + p.run}}, http.StatusOK, "product.listed", &pr)
	if pr.Status != ledger.ProductListed || pr.RegistrationNo != "HZDE-"+p.run {
		t.Errorf("listed product: got %s with registration %q, want %s with HZDE-%s", pr.Status, pr.RegistrationNo, ledger.ProductListed, p.run)
	}
	p.listed = true
	apiFind(t, p.health, "/v1/disclosure/products", func(s ledger.ProductSummary) bool { return s.ID == p.product })
}

// audit has the regulator follow the product's provenance back to the
// providers, and read the grant's history, whole and a page at a time.
func (p *apiProcess) audit(t *testing.T) {
	var pr ledger.Product
	p.get(t, p.regulator, "/v1/products/"+p.product, &pr)
	t.Run("provenance", func(t *testing.T) {
		var prov ledger.Provenance
		p.get(t, p.regulator, "/v1/products/"+p.product+"/provenance", &prov)
		if prov.Product.ID != p.product || prov.Product.Party != p.operator.msp || prov.Product.TxID != pr.Created.TxID || prov.Product.Status != string(pr.Status) {
			t.Errorf("provenance product: got %+v, want %s by %s created in %s, %s", prov.Product, p.product, p.operator.msp, pr.Created.TxID, pr.Status)
		}
		if got := apiStepIDs(prov.Receipts); !apiSameStrings(got, p.receipts) {
			t.Errorf("provenance receipts: got %v, want %v", got, p.receipts)
		}
		for _, r := range prov.Receipts {
			if r.Party != p.attestor.Address() || !slices.Equal(r.From, []string{p.grant}) {
				t.Errorf("provenance receipt %s: got signer %s from %v, want %s from %s", r.ID, r.Party, r.From, p.attestor.Address(), p.grant)
			}
		}
		if len(prov.Grants) != 1 || prov.Grants[0].ID != p.grant || prov.Grants[0].TxID != p.grantTx || !apiSameStrings(prov.Grants[0].From, []string{p.visits, p.loans}) {
			t.Errorf("provenance grants: got %+v, want %s issued in %s from %s and %s", prov.Grants, p.grant, p.grantTx, p.visits, p.loans)
		}
		for _, d := range prov.Datasets {
			if d.TxID != p.datasetTx[d.ID] {
				t.Errorf("provenance dataset %s: got created in %q, want %q", d.ID, d.TxID, p.datasetTx[d.ID])
			}
		}
		if got := apiStepIDs(prov.Datasets); !apiSameStrings(got, []string{p.visits, p.loans}) {
			t.Errorf("provenance datasets: got %v, want %s and %s", got, p.visits, p.loans)
		}
		if got := apiStepIDs(prov.Providers); !apiSameStrings(got, []string{p.health.msp, p.market.msp}) {
			t.Errorf("provenance providers: got %v, want %s and %s", got, p.health.msp, p.market.msp)
		}
	})
	t.Run("history", func(t *testing.T) {
		var g ledger.Grant
		p.get(t, p.regulator, "/v1/grants/"+p.grant, &g)
		var all api.HistoryPage
		p.get(t, p.regulator, "/v1/grants/"+p.grant+"/history?pageSize=100", &all)
		n := len(all.Items)
		// Issued, approved by one provider, activated by the other, at least.
		if n < 3 || all.Bookmark != "" || all.Items[0].TxID != g.Updated.TxID || all.Items[n-1].TxID != p.grantTx {
			t.Fatalf("history of %s: got %d versions (bookmark %q), newest %s, oldest %s; want at least 3, newest %s, oldest the issuance %s",
				p.grant, n, all.Bookmark, all.Items[0].TxID, all.Items[n-1].TxID, g.Updated.TxID, p.grantTx)
		}
		for i := 1; i < n; i++ {
			if all.Items[i].Time.After(all.Items[i-1].Time) || all.Items[i].Deleted {
				t.Errorf("history of %s: version %d (%s at %v) is deleted or newer than version %d", p.grant, i, all.Items[i].TxID, all.Items[i].Time, i-1)
			}
		}
		var paged []string
		path := "/v1/grants/" + p.grant + "/history?pageSize=2"
		for range n {
			var page api.HistoryPage
			p.get(t, p.regulator, path, &page)
			for _, e := range page.Items {
				paged = append(paged, e.TxID)
			}
			if page.Bookmark == "" {
				break
			}
			path = "/v1/grants/" + p.grant + "/history?pageSize=2&bookmark=" + url.QueryEscape(page.Bookmark)
		}
		var whole []string
		for _, e := range all.Items {
			whole = append(whole, e.TxID)
		}
		if !slices.Equal(paged, whole) {
			t.Errorf("history of %s two at a time: got %v, want %v", p.grant, paged, whole)
		}
	})
}

// revokeAndMark has the authority revoke the grant: the product built from
// it is marked (and delisted if it was listed), and no later use of the
// grant is accepted.
func (p *apiProcess) revokeAndMark(t *testing.T) {
	var g ledger.Grant
	p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/revoke",
		body: obj{"reason": "breach of agreement"}}, http.StatusOK, "grant.revoked", &g)
	if g.Status != ledger.GrantRevoked {
		t.Fatalf("revoked grant: got %s, want %s", g.Status, ledger.GrantRevoked)
	}
	want := ledger.ProductInReview
	if p.listed {
		want = ledger.ProductDelisted
	}
	var pr ledger.Product
	p.get(t, p.operator, "/v1/products/"+p.product, &pr)
	if pr.Status != want || len(pr.Marks) != 1 || pr.Marks[0].GrantID != p.grant || pr.Marks[0].Change != ledger.GrantRevoked {
		t.Errorf("product after the revocation: got %s with marks %+v, want %s marked by the revocation of %s", pr.Status, pr.Marks, want, p.grant)
	}
	p.usable = apiSecondAfter(g.Updated.Time)
	late := p.statement(p.id("r-late"), 1)
	a := p.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(late)})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "revoked")
}

// TestAPIRefusals checks what the APIs refuse, each with its status and
// JSON error body, on a grant of its own over health's visits(age,
// diagnosis) with a quota of 20 records: decisions by those who may not
// decide, receipts that are forged, unknown, replayed, out of scope, over
// quota or of a revoked grant, malformed requests, missing tokens, and a
// repeated Idempotency-Key.
func TestAPIRefusals(t *testing.T) {
	p := newAPIProcess(t, "apr")
	t.Run("setup", func(t *testing.T) {
		p.parties(t)
		p.catalogue(t, p.visits)
		p.apply(t, p.visits)
		p.issue(t, ledger.Quota{Records: 20, Calls: 5}, p.visits)
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("grant decisions", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			by   *apiOrg
			text string
		}{
			{"an operator approves a grant", p.operator, p.operator.msp + " is not a provider"},
			{"a provider approves a grant that does not touch its data", p.market, p.market.msp + " is not a provider"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				a := tt.by.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/approve"})
				wantAPIError(t, a, http.StatusForbidden, "forbidden", "", tt.text)
			})
		}
		var g ledger.Grant
		p.get(t, p.regulator, "/v1/grants/"+p.grant, &g)
		if g.Status != ledger.GrantProposed || len(g.Approvals) != 1 || g.Approvals[0].Decision != ledger.DecisionPending {
			t.Errorf("grant after the refused approvals: got %s with approvals %+v, want %s, %s's still pending", g.Status, g.Approvals, ledger.GrantProposed, p.health.msp)
		}
	})
	t.Run("grant in force", func(t *testing.T) {
		p.approve(t, p.health, "grant.activated", ledger.GrantActive)
		p.sign(t)
		p.registerAttestor(t)
		p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(p.statement(p.id("r1"), 5))},
			http.StatusCreated, "receipt.accepted", nil)
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("receipts", func(t *testing.T) {
		stranger := attesttest.NewAttestorFromSeed("unregistered-" + p.run)
		for _, tt := range []struct {
			name string
			body func() obj
			// recorded: the receipt ID is on the ledger after the refusal
			// (a replay of a recorded receipt).
			recorded          bool
			status            int
			code, field, text string
		}{
			{name: "replayed", recorded: true, status: http.StatusConflict, code: "conflict", text: "replay",
				body: func() obj { return p.receiptBody(p.statement(p.id("r1"), 5)) }},
			{name: "forged: the statement changed after signing", status: http.StatusUnprocessableEntity, code: "refused", text: "forged signature",
				body: func() obj {
					s := p.statement(p.id("r-forged"), 5)
					b := p.receiptBody(s)
					s.Records = 15
					b["statement"] = s
					return b
				}},
			{name: "signed by an unknown attestor", status: http.StatusUnprocessableEntity, code: "refused", text: "not a registered attestor",
				body: func() obj {
					s := p.statement(p.id("r-stranger"), 5)
					return obj{"statement": s, "signature": stranger.Sign(s)}
				}},
			{name: "over quota", status: http.StatusUnprocessableEntity, code: "refused", text: "over quota",
				body: func() obj { return p.receiptBody(p.statement(p.id("r-quota"), 16)) }},
			{name: "out of scope: a field not granted", status: http.StatusUnprocessableEntity, code: "refused", text: "out of scope",
				body: func() obj {
					s := p.statement(p.id("r-field"), 1)
					s.Datasets = []attest.DatasetUse{{ID: p.visits, Fields: []string{"name"}}}
					return p.receiptBody(s)
				}},
			{name: "out of scope: a purpose not granted", status: http.StatusUnprocessableEntity, code: "refused", text: "out of scope",
				body: func() obj {
					s := p.statement(p.id("r-purpose"), 1)
					s.Purpose = "marketing"
					return p.receiptBody(s)
				}},
			{name: "a signature that is not hex", status: http.StatusBadRequest, code: "invalid", field: "signature", text: "malformed",
				body: func() obj {
					b := p.receiptBody(p.statement(p.id("r-hex"), 1))
					b["signature"] = "0x" + strings.Repeat("zz", 65)
					return b
				}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				body := tt.body()
				a := p.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: body})
				wantAPIError(t, a, tt.status, tt.code, tt.field, tt.text)
				id := body["statement"].(attest.Statement).ReceiptID
				if r := p.regulator.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + id}); (r.status == http.StatusOK) != tt.recorded {
					t.Errorf("%s after the refusal: recorded %v, want %v", r, r.status == http.StatusOK, tt.recorded)
				}
			})
		}
		var u ledger.Usage
		p.get(t, p.operator, "/v1/grants/"+p.grant+"/usage", &u)
		if u.Records != 5 || u.Calls != 1 {
			t.Errorf("usage after the refusals: got %d records in %d calls, want the first receipt's 5 in 1", u.Records, u.Calls)
		}
	})

	t.Run("malformed requests", func(t *testing.T) {
		dataset := func(edit func(obj)) obj {
			_, b := p.datasetOf(p.id("visits-bad"))
			edit(b)
			return b
		}
		for _, tt := range []struct {
			name        string
			body        any
			contentType string
			status      int
			code        string
			field, text string
		}{
			{name: "a number where a string is expected", body: dataset(func(b obj) { b["id"] = 42 }),
				status: http.StatusBadRequest, code: "invalid", field: "id", text: "must be a string"},
			{name: "a nested field of the wrong type", body: dataset(func(b obj) { b["fields"] = []obj{{"name": "age", "sensitivity": "high"}} }),
				status: http.StatusBadRequest, code: "invalid", field: "fields[0].sensitivity", text: "must be an integer"},
			{name: "an unknown field", body: dataset(func(b obj) { b["colour"] = "red" }),
				status: http.StatusBadRequest, code: "invalid", field: "colour", text: "is not a field"},
			{name: "a value outside its set", body: dataset(func(b obj) { b["classification"] = "secret" }),
				status: http.StatusBadRequest, code: "invalid", field: "classification", text: "must be one of"},
			{name: "broken JSON", body: `{"id": "x",`,
				status: http.StatusBadRequest, code: "invalid", text: "malformed JSON"},
			{name: "two objects", body: `{} {}`,
				status: http.StatusBadRequest, code: "invalid", text: "one JSON object"},
			{name: "not JSON", body: "id=x", contentType: "application/x-www-form-urlencoded",
				status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", text: "application/json"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := apiRequest{method: http.MethodPost, path: "/v1/datasets", body: tt.body}
				if tt.contentType != "" {
					r.header = map[string]string{"Content-Type": tt.contentType}
				}
				wantAPIError(t, p.health.do(t, r), tt.status, tt.code, tt.field, tt.text)
			})
		}
		a := p.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/datasets/" + p.id("visits-bad")})
		wantAPIError(t, a, http.StatusNotFound, "not_found", "", p.id("visits-bad"))
		a = p.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/grants?holder=" + p.operator.msp + "&status=active"})
		wantAPIError(t, a, http.StatusBadRequest, "invalid", "status", "one of")
	})

	t.Run("tokens", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			r    apiRequest
		}{
			{"no token", apiRequest{anonymous: true}},
			{"an unknown token", apiRequest{token: "glt_" + strings.Repeat("A", 43)}},
			{"another organisation's token", apiRequest{token: p.health.tokens["User1"]}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.r
				r.method, r.path = http.MethodPost, "/v1/calls"
				r.body = p.callBody(p.id("call-anon"))
				a := p.authority.do(t, r)
				wantAPIError(t, a, http.StatusUnauthorized, "unauthenticated", "", "token")
				if got := a.header.Get("WWW-Authenticate"); got != `Bearer realm="grantledger"` {
					t.Errorf("%s: got WWW-Authenticate %q, want Bearer realm=\"grantledger\"", a.req, got)
				}
			})
		}
		a := p.authority.do(t, apiRequest{method: http.MethodGet, path: "/v1/calls/" + p.id("call-anon")})
		wantAPIError(t, a, http.StatusNotFound, "not_found", "", p.id("call-anon"))
	})

	t.Run("the same Idempotency-Key twice", func(t *testing.T) {
		id, key := p.id("call-idem"), "key-"+p.run
		r := apiRequest{method: http.MethodPost, path: "/v1/calls", body: p.callBody(id), header: map[string]string{"Idempotency-Key": key}}
		first := p.write(t, p.authority, r, http.StatusCreated, "call.published", nil)
		second := p.authority.do(t, r)
		if second.status != first.status || !bytes.Equal(second.body, first.body) {
			t.Errorf("the repeat: got %s, want the first answer %s", second, first)
		}
		if got, want := second.header.Get("Location"), first.header.Get("Location"); got != want {
			t.Errorf("the repeat: got Location %q, want the first answer's %q", got, want)
		}
		if got := second.header.Get("Idempotent-Replayed"); got != "true" {
			t.Errorf("the repeat: got Idempotent-Replayed %q, want true", got)
		}
		var h api.HistoryPage
		p.get(t, p.regulator, "/v1/calls/"+id+"/history", &h)
		if len(h.Items) != 1 || h.Items[0].TxID != txOf(t, first) {
			t.Errorf("history of %s: got %d versions, want the one creation in %s", id, len(h.Items), txOf(t, first))
		}
		// The same key for another request is refused, and records nothing.
		other := r
		other.body = p.callBody(p.id("call-idem2"))
		wantAPIError(t, p.authority.do(t, other), http.StatusUnprocessableEntity, "idempotency_key_reused", "", key)
		wantAPIError(t, p.authority.do(t, apiRequest{method: http.MethodGet, path: "/v1/calls/" + p.id("call-idem2")}), http.StatusNotFound, "not_found", "", "")
		// Without a key, the repeat reaches the contract, which refuses
		// to record the call twice.
		again := r
		again.header = nil
		wantAPIError(t, p.authority.do(t, again), http.StatusConflict, "conflict", "", "already exists")
	})

	t.Run("receipts of a revoked grant", func(t *testing.T) {
		// A use while the grant was in force, and one after its revocation.
		before := p.statement(p.id("r-before"), 5)
		// Its use time is a whole second, which may be a little ahead of
		// the clock: the revocation must come after it.
		time.Sleep(time.Until(time.Unix(before.Time+1, 0)))
		var g ledger.Grant
		p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/revoke",
			body: obj{"reason": "breach of agreement"}}, http.StatusOK, "grant.revoked", &g)
		p.usable = apiSecondAfter(g.Updated.Time)
		for _, n := range []string{"r-after", "r-after-batch"} {
			s := p.statement(p.id(n), 1)
			r := apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(s)}
			if n == "r-after-batch" {
				r = apiRequest{method: http.MethodPost, path: "/v1/batches", body: obj{"id": p.id("batch-after"), "receipts": []obj{p.receiptBody(s)}}}
			}
			wantAPIError(t, p.operator.do(t, r), http.StatusUnprocessableEntity, "refused", "", "revoked")
		}
		// The use time, signed by the attestor, decides: a use while the
		// grant was in force is still recorded.
		p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(before)},
			http.StatusCreated, "receipt.accepted", nil)
	})
}

// TestAPIOperations checks every API's operational endpoints: liveness,
// readiness, the Prometheus metrics with a request counter that counts,
// and the OpenAPI document listing every route the API tests use.
func TestAPIOperations(t *testing.T) {
	orgs := apiOrgs(t)
	for _, msp := range apiSortedKeys(orgs) {
		o := orgs[msp]
		t.Run(o.name, func(t *testing.T) {
			var st api.Status
			o.do(t, apiRequest{method: http.MethodGet, path: "/healthz", anonymous: true}).want(t, http.StatusOK, &st)
			if st.Status != "ok" {
				t.Errorf("/healthz: got %+v, want status ok", st)
			}
			o.do(t, apiRequest{method: http.MethodGet, path: "/readyz", anonymous: true}).want(t, http.StatusOK, &st)
			if st.Status != "ready" || st.Authority != "AuthorityMSP" {
				t.Errorf("/readyz: got %+v, want ready with authority AuthorityMSP", st)
			}

			before := healthzCount(t, o)
			o.do(t, apiRequest{method: http.MethodGet, path: "/healthz", anonymous: true}).want(t, http.StatusOK, nil)
			if after := healthzCount(t, o); after < before+1 {
				t.Errorf("grantledger_api_requests_total of GET /healthz 200: got %v after one more request, want at least %v", after, before+1)
			}

			doc := fetchOpenAPI(t, o)
			if !strings.HasPrefix(doc.OpenAPI, "3.") {
				t.Errorf("/v1/openapi.json: got openapi %q, want 3.x", doc.OpenAPI)
			}
			for _, r := range apiRoutesUsed {
				method, path, _ := strings.Cut(r, " ")
				if !doc.has(method, path) {
					t.Errorf("/v1/openapi.json: no operation %s", r)
				}
			}
		})
	}
}

// apiRoutesUsed are the routes the API tests call, as the OpenAPI
// document writes them.
var apiRoutesUsed = []string{
	"GET /v1/me", "GET /v1/events",
	"GET /v1/participants/{msp}", "POST /v1/participants", "POST /v1/participants/{msp}/status",
	"POST /v1/datasets", "GET /v1/datasets", "GET /v1/datasets/{id}",
	"POST /v1/calls", "GET /v1/calls/{id}", "GET /v1/calls/{id}/history",
	"POST /v1/applications", "GET /v1/applications/{id}", "POST /v1/reviews", "GET /v1/reviews/{id}",
	"POST /v1/grants", "GET /v1/grants", "GET /v1/grants/{id}", "POST /v1/grants/{id}/approve", "POST /v1/grants/{id}/revoke",
	"GET /v1/grants/{id}/usage", "GET /v1/grants/{id}/history",
	"POST /v1/agreements", "GET /v1/agreements/{id}", "POST /v1/agreements/{id}/sign", "GET /v1/disclosure/grants",
	"POST /v1/attestors", "GET /v1/attestors/{address}",
	"POST /v1/receipts", "GET /v1/receipts/{id}", "GET /v1/receipts/{id}/proof",
	"POST /v1/batches", "GET /v1/batches/{id}", "POST /v1/batches/{id}/verify",
	"POST /v1/products", "GET /v1/products/{id}", "POST /v1/products/{id}/submit", "POST /v1/products/{id}/review",
	"POST /v1/products/{id}/list", "GET /v1/products/{id}/provenance", "GET /v1/disclosure/products",
	"POST /v1/opinions", "GET /v1/opinions", "GET /v1/opinions/{id}/history",
	"GET /healthz", "GET /readyz", "GET /metrics", "GET /v1/openapi.json",
}

// healthzCount reads grantledger_api_requests_total of GET /healthz with
// status 200 from an API's metrics.
func healthzCount(t *testing.T, o *apiOrg) float64 {
	t.Helper()
	a := o.do(t, apiRequest{method: http.MethodGet, path: "/metrics", anonymous: true}).want(t, http.StatusOK, nil)
	for line := range strings.Lines(string(a.body)) {
		name, rest, ok := strings.Cut(line, "{")
		if !ok || name != "grantledger_api_requests_total" {
			continue
		}
		labels, value, _ := strings.Cut(rest, "} ")
		if strings.Contains(labels, `route="/healthz"`) && strings.Contains(labels, `method="GET"`) && strings.Contains(labels, `status="200"`) {
			n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				t.Fatalf("/metrics of %s: %q: %v", o.msp, line, err)
			}
			return n
		}
	}
	t.Fatalf("/metrics of %s: no grantledger_api_requests_total of GET /healthz 200:\n%s", o.msp, a.body)
	return 0
}

// openAPIDoc is what the tests read of the OpenAPI document.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// has reports whether the document has an operation for method and path.
func (d *openAPIDoc) has(method, path string) bool {
	_, ok := d.Paths[path][strings.ToLower(method)]
	return ok
}

// fetchOpenAPI reads an API's OpenAPI document, which needs no token.
func fetchOpenAPI(t *testing.T, o *apiOrg) *openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	o.do(t, apiRequest{method: http.MethodGet, path: "/v1/openapi.json", anonymous: true}).want(t, http.StatusOK, &doc)
	if len(doc.Paths) == 0 {
		t.Fatalf("/v1/openapi.json of %s: no paths", o.msp)
	}
	return &doc
}

func apiStepIDs(steps []ledger.ProvenanceStep) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.ID
	}
	return out
}

// sameStrings reports whether a and b hold the same strings, in any order.
func apiSameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func apiSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// apiSecondAfter returns the first whole second after every time given:
// statements carry their use time in whole seconds, and a use must not
// precede what made it possible.
func apiSecondAfter(ts ...time.Time) time.Time {
	latest := slices.MaxFunc(ts, time.Time.Compare)
	return latest.Truncate(time.Second).Add(time.Second)
}
