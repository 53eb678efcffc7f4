//go:build e2e

package e2e

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// Participants: the authority registers every organisation with its role,
// admits the operator, and convenes an individual expert; each token and
// identity acts as whom it should.

// parties registers every organisation but the authority with its role,
// admits the operator and convenes the expert.
func (p *process) parties(t *testing.T) {
	t.Helper()
	for _, msp := range []string{p.health, p.market, p.operator, p.platform, p.regulator, p.exchange} {
		p.register(t, msp, p.roles[msp])
	}
	p.admitOperator(t)
	p.convene(t)
}

// register registers an organisation with its role, unless an earlier run
// on the same ledger did (an MSP is registered once).
func (p *process) register(t *testing.T, msp string, role ledger.Role) {
	t.Helper()
	auth := p.as(p.authority)
	got, err := auth.GetParticipant(t.Context(), msp)
	switch {
	case err == nil:
		if got.Role != role {
			t.Fatalf("participant %s: registered as %s, the profile says %s", msp, got.Role, role)
		}
	case errors.Is(err, client.ErrNotFound):
		pt, err := auth.RegisterParticipant(t.Context(), ledger.ParticipantRequest{MSP: msp, Role: role, Name: msp + " (e2e)"})
		ok(t, err, "register %s as %s", msp, role)
		p.emitted(t, "participant.registered", msp, pt.Created)
	default:
		t.Fatalf("get participant %s: %v", msp, err)
	}
}

// convene registers the authority's User2 as an individual expert, unless
// an earlier run on the same ledger did and it is still active, and checks
// that it then acts as the expert and not as the authority.
func (p *process) convene(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	me, err := p.expert.WhoAmI(ctx)
	ok(t, err, "who is %s's User2", p.authority)
	p.expertID = me.Client
	e, err := p.as(p.authority).GetExpert(ctx, me.Client)
	switch {
	case err == nil && e.Status == ledger.ExpertActive:
	case err == nil || errors.Is(err, client.ErrNotFound):
		e, err = p.as(p.authority).RegisterExpert(ctx, ledger.ExpertRequest{MSP: me.MSP, Client: me.Client, Name: "Expert " + p.run})
		ok(t, err, "register %s's User2 as an expert", p.authority)
		p.emitted(t, "expert.registered", e.Client, e.Updated)
	default:
		t.Fatalf("get expert %s: %v", me.Client, err)
	}
	me, err = p.expert.WhoAmI(ctx)
	ok(t, err, "who is the expert")
	if me.Role != ledger.RoleExpert || !me.Individual || me.MSP != p.authority {
		t.Fatalf("%s's User2 after its registration: got %+v, want an individual in role %s", p.authority, me, ledger.RoleExpert)
	}
}

// admitOperator admits the operator unless it already is.
func (p *process) admitOperator(t *testing.T) {
	t.Helper()
	op, err := p.as(p.operator).GetParticipant(t.Context(), p.operator)
	ok(t, err, "get participant %s", p.operator)
	switch op.Status {
	case ledger.OperatorAdmitted:
	case ledger.OperatorApplicant:
		op, err = p.as(p.authority).SetOperatorStatus(t.Context(), ledger.OperatorStatusRequest{MSP: p.operator, Status: ledger.OperatorAdmitted})
		ok(t, err, "admit %s", p.operator)
		p.emitted(t, "participant.admitted", p.operator, op.Updated)
	default:
		t.Fatalf("operator %s is %s; an earlier run left it so, and this one cannot admit it", p.operator, op.Status)
	}
}

// parties checks who each token acts as, has the authority register every
// other organisation with its role unless an earlier run did, admits the
// operator unless it is admitted, and makes the authority's User2 an
// expert when the ledger knows experts as individuals.
func (p *apiProcess) parties(t *testing.T) {
	for _, msp := range sortedKeys(p.orgs) {
		o := p.orgs[msp]
		var me api.Identity
		p.get(t, o, "/v1/me", &me)
		if me.Org != o.msp || me.User != "User1" || me.Caller == nil || me.Caller.MSP != o.msp || !strings.Contains(me.Caller.Client, "User1@") {
			t.Errorf("GET /v1/me as %s/User1: got %+v (caller %+v), want %s's User1", o.msp, me, me.Caller, o.msp)
		}
	}
	others := []*apiOrg{p.health, p.market, p.operator, p.platform, p.regulator, p.exchange}
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
		p.awaitCommit(t, txOf(t, a), "expert.registered")
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
