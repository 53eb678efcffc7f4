package chaincode_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// transportMSP is a third provider, whose routes dataset grant-1 does not
// cover.
const transportMSP = "TransportMSP"

// requestWorld is world with the transport bureau registered and its
// routes dataset listed.
func requestWorld(t *testing.T) *net {
	n := world(t)
	n.ok(lt.AuthorityMSP, "RegisterParticipant", ledger.ParticipantRequest{MSP: transportMSP, Role: ledger.RoleProvider, Name: "Transport bureau"})
	n.ok(transportMSP, "CreateDataset", lt.DatasetRequest("routes", "transport", "line", "load"))
	return n
}

// An amendment adding another provider's dataset, through the contract:
// the provider consents (the grant's own providers may not), the authority
// approves, and the grant's next version is written in the same
// transaction, its key from then on needing the new provider's peer too;
// a use of the added dataset is then accepted.
func TestAmendmentThroughTheContract(t *testing.T) {
	n := requestWorld(t)
	n.ok(lt.OperatorMSP, "SubmitDataRequest", amendmentRequest("dr-1", "routes", "load"))
	n.refused("forbidden: consent to data request dr-1: HealthMSP owns none of the datasets", lt.HealthMSP, "ConsentDataRequest", "dr-1")
	n.refused("not found: consent to data request dr-1: data request dr-1 does not exist", lt.DeveloperMSP, "ConsentDataRequest", "dr-1")
	n.refused("refused: approve data request dr-1: data request dr-1 waits for the consent of TransportMSP", lt.AuthorityMSP, "ApproveDataRequest", "dr-1")

	// The request's key needs the peer of every provider asked.
	probe := n.peer.InvokeEndorsedBy([]string{lt.AuthorityMSP, lt.HealthMSP, lt.MarketMSP, lt.OperatorMSP}, transportMSP, "ConsentDataRequest", "dr-1")
	if !errors.Is(probe.CommitErr, chaincodetest.ErrEndorsementPolicy) {
		t.Errorf("consent without the provider's peer: got %q (commit %v), want ENDORSEMENT_POLICY_FAILURE", probe.Message, probe.CommitErr)
	}
	var r ledger.DataRequest
	n.get(&r, transportMSP, "ConsentDataRequest", "dr-1")
	if r.Status != ledger.RequestConsented {
		t.Fatalf("after the consent: got %s, want consented", r.Status)
	}
	tx := n.call(lt.AuthorityMSP, "ApproveDataRequest", "dr-1")
	if !tx.OK() {
		t.Fatalf("approve: %s", tx.Message)
	}
	if e := event(t, tx); e.Type != "datarequest" || e.Change != "approved" || !hasRelated(e, "grant", "grant-1", "amended") {
		t.Errorf("got event %+v, want datarequest.approved with grant-1 amended", e)
	}
	var g ledger.Grant
	n.get(&g, transportMSP, "GetGrant", "grant-1")
	if g.Version != 2 || !slices.Equal(g.Providers, []string{lt.HealthMSP, lt.MarketMSP, transportMSP}) ||
		len(g.Amendments) != 1 || g.Amendments[0].RequestID != "dr-1" || g.Status != ledger.GrantActive {
		t.Fatalf("grant after the approval: version %d, providers %v, amendments %+v, %s", g.Version, g.Providers, g.Amendments, g.Status)
	}
	var page ledger.GrantPage
	n.get(&page, transportMSP, "QueryGrants", ledger.Query{By: "provider", Value: transportMSP})
	if len(page.Items) != 1 || page.Items[0].ID != "grant-1" {
		t.Errorf("grants of the new provider: got %d, want grant-1", len(page.Items))
	}

	s := lt.Statement("r-routes", "grant-1", 3)
	s.Datasets, s.Time = []attest.DatasetUse{{ID: "routes", Fields: []string{"load"}}}, n.peer.Now().Unix()
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(s))

	// The grant's key now needs the new provider's peer.
	quota := ledger.DataRequestSubmission{ID: "dr-2", Kind: ledger.RequestAmendGrant, GrantID: "grant-1", Reason: "more uses",
		Add: &ledger.GrantAddition{Quota: ledger.Quota{Calls: 5}}}
	n.ok(lt.OperatorMSP, "SubmitDataRequest", quota)
	for _, p := range []string{lt.HealthMSP, lt.MarketMSP, transportMSP} {
		n.ok(p, "ConsentDataRequest", "dr-2")
	}
	probe = n.peer.InvokeEndorsedBy([]string{lt.AuthorityMSP, lt.HealthMSP, lt.MarketMSP, lt.OperatorMSP}, lt.AuthorityMSP, "ApproveDataRequest", "dr-2")
	if !errors.Is(probe.CommitErr, chaincodetest.ErrEndorsementPolicy) {
		t.Errorf("approval without the new provider's peer: got %q (commit %v), want ENDORSEMENT_POLICY_FAILURE", probe.Message, probe.CommitErr)
	}
	n.get(&r, lt.AuthorityMSP, "ApproveDataRequest", "dr-2")
	n.get(&g, lt.OperatorMSP, "GetGrant", "grant-1")
	if g.Version != 3 || g.Quota.Calls != 15 || r.GrantVersion != 3 {
		t.Errorf("after the second amendment: version %d, %d calls (request for version %d); want 3, 15, 3", g.Version, g.Quota.Calls, r.GrantVersion)
	}
}

// A refusal and a withdrawal leave the grant as it was; a request on a
// suspended grant, or by someone other than its holder, is refused.
func TestAmendmentRefusalsThroughTheContract(t *testing.T) {
	n := requestWorld(t)
	var before ledger.Grant
	n.get(&before, lt.OperatorMSP, "GetGrant", "grant-1")
	n.ok(lt.OperatorMSP, "SubmitDataRequest", amendmentRequest("dr-r", "routes", "load"))
	n.ok(lt.OperatorMSP, "SubmitDataRequest", amendmentRequest("dr-w", "routes", "line"))
	n.ok(transportMSP, "ConsentDataRequest", "dr-r")
	n.ok(lt.AuthorityMSP, "RefuseDataRequest", "dr-r", "the scenario needs no transport data")
	n.refused("conflict: approve data request dr-r: data request dr-r is refused", lt.AuthorityMSP, "ApproveDataRequest", "dr-r")
	n.refused("forbidden: withdraw data request dr-w: only OperatorMSP", transportMSP, "WithdrawDataRequest", "dr-w", "")
	n.ok(lt.OperatorMSP, "WithdrawDataRequest", "dr-w", "asked for the wrong field")
	var after ledger.Grant
	n.get(&after, lt.OperatorMSP, "GetGrant", "grant-1")
	if after.Version != before.Version || after.Updated != before.Updated || len(after.Providers) != 2 {
		t.Errorf("grant after a refusal and a withdrawal: version %d, updated %v, providers %v; want it unchanged", after.Version, after.Updated, after.Providers)
	}

	n.refused("forbidden: submit data request dr-x: grant grant-1 is not held by HealthMSP", lt.HealthMSP, "SubmitDataRequest", amendmentRequest("dr-x", "routes", "load"))
	n.refused("not found: submit data request dr-x: grant grant-1 does not exist", transportMSP, "SubmitDataRequest", amendmentRequest("dr-x", "routes", "load"))
	n.ok(lt.AuthorityMSP, "SuspendGrant", "grant-1", "security audit")
	n.refused("refused: submit data request dr-x: grant grant-1 is suspended", lt.OperatorMSP, "SubmitDataRequest", amendmentRequest("dr-x", "routes", "load"))

	var page ledger.DataRequestPage
	n.get(&page, transportMSP, "QueryDataRequests", ledger.Query{By: "grant", Value: "grant-1"})
	if len(page.Items) != 2 {
		t.Errorf("the transport bureau's requests on grant-1: got %d, want dr-r and dr-w", len(page.Items))
	}
	n.get(&page, lt.DeveloperMSP, "QueryDataRequests", ledger.Query{})
	if len(page.Items) != 0 {
		t.Errorf("the developer's requests: got %d, want none", len(page.Items))
	}
}

// A developer's sub-grant request, proposed by the grant's holder naming
// it (in the proposal's own transaction); a second one declined.
func TestSubGrantRequestThroughTheContract(t *testing.T) {
	n := requestWorld(t)
	ask := subGrantAsk("dr-s")
	n.ok(lt.DeveloperMSP, "SubmitDataRequest", ask)
	ask.ID = "dr-d"
	n.ok(lt.DeveloperMSP, "SubmitDataRequest", ask)
	n.refused("forbidden: decline data request dr-s: only the holder of grant grant-1", lt.DeveloperMSP, "DeclineDataRequest", "dr-s", "no")

	proposal := ledger.SubGrantRequest{ID: "sub-1", ParentID: "grant-1", Developer: lt.DeveloperMSP, RequestID: "dr-s",
		Scope: ask.SubGrant.Scope, Quota: ask.SubGrant.Quota, Term: ask.SubGrant.Term}
	wrong := proposal
	wrong.RequestID = "dr-missing"
	n.refused("not found: propose sub-grant sub-1: data request dr-missing does not exist", lt.OperatorMSP, "ProposeSubGrant", wrong)
	tx := n.call(lt.OperatorMSP, "ProposeSubGrant", proposal)
	if !tx.OK() {
		t.Fatalf("propose: %s", tx.Message)
	}
	if e := event(t, tx); e.Change != "proposed" || !hasRelated(e, "datarequest", "dr-s", "proposed") {
		t.Errorf("got event %+v, want grant.proposed with dr-s proposed", e)
	}
	var r ledger.DataRequest
	n.get(&r, lt.DeveloperMSP, "GetDataRequest", "dr-s")
	if r.Status != ledger.RequestProposed || r.SubGrantID != "sub-1" {
		t.Errorf("request after the proposal: got %s with %q, want proposed with sub-1", r.Status, r.SubGrantID)
	}
	proposal.ID = "sub-2"
	n.refused("conflict: propose sub-grant sub-2: data request dr-s is already proposed", lt.OperatorMSP, "ProposeSubGrant", proposal)

	n.get(&r, lt.OperatorMSP, "DeclineDataRequest", "dr-d", "one sub-grant of this scope is enough")
	if r.Status != ledger.RequestDeclined {
		t.Errorf("after the decline: got %s, want declined", r.Status)
	}
	n.refused("not found: get data request dr-d: data request dr-d does not exist", lt.MarketMSP, "GetDataRequest", "dr-d")
}
