package chaincode_test

import (
	"errors"
	"testing"

	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// Individual callers of the in-memory peer: user2 of the authority and of
// the operator, whom the tests convene as experts.
const (
	authorityUser2 = "user2@" + lt.AuthorityMSP
	authorityUser3 = "user3@" + lt.AuthorityMSP
	operatorUser2  = "user2@" + lt.OperatorMSP
)

// whoAmI returns the caller as the contract resolves it.
func (n *net) whoAmI(caller string) ledger.Actor {
	n.t.Helper()
	var c ledger.Actor
	n.get(&c, caller, "WhoAmI")
	return c
}

// inReviewProduct runs the world up to prod-1 in review, without opinions.
func inReviewProduct(t *testing.T) *net {
	n := world(t)
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
	n.at(lt.Days(20))
	n.ok(lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductModel, Name: "SME credit model", DescriptionDigest: lt.Digest("card"), Grants: []string{"grant-1"}, Receipts: []string{"r-1"}})
	n.ok(lt.OperatorMSP, "SubmitProduct", "prod-1")
	return n
}

func productOpinion(id string) ledger.OpinionRequest {
	return ledger.OpinionRequest{ID: id, SubjectType: ledger.SubjectProduct, SubjectID: "prod-1", Recommendation: ledger.RecommendApprove, Digest: lt.Digest(id)}
}

// TestIndividualExperts convenes user2 of the authority as an expert on a
// network without an expert organisation, and takes a product to approval
// with its opinion.
func TestIndividualExperts(t *testing.T) {
	n := inReviewProduct(t)
	me := n.whoAmI(authorityUser2)
	if me.Role != ledger.RoleAuthority || me.Individual {
		t.Fatalf("user2 of the authority before registration: got %+v, want the authority", me)
	}
	expert := ledger.ExpertRequest{MSP: lt.AuthorityMSP, Client: me.Client, Name: "专家 A"}
	tx := n.call(lt.AuthorityMSP, "RegisterExpert", expert)
	if !tx.OK() {
		t.Fatalf("register expert: got %q, want success", tx.Message)
	}
	if e := event(t, tx); e.Type != "expert" || e.ID != me.Client || e.Change != "registered" || e.Actor != lt.AuthorityMSP {
		t.Errorf("got event %+v, want expert.registered of %s by the authority", e, me.Client)
	}
	if got := n.whoAmI(authorityUser2); got.Role != ledger.RoleExpert || !got.Individual || got.Client != me.Client {
		t.Errorf("user2 of the authority after registration: got %+v, want an individual in role expert", got)
	}
	if got := n.whoAmI(lt.AuthorityMSP); got.Role != ledger.RoleAuthority || got.Individual {
		t.Errorf("user1 of the authority: got %+v, want the authority still", got)
	}
	second := n.whoAmI(authorityUser3)
	n.ok(lt.AuthorityMSP, "RegisterExpert", ledger.ExpertRequest{MSP: lt.AuthorityMSP, Client: second.Client, Name: "专家 B"})
	ofOperator := n.whoAmI(operatorUser2)

	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			name   string
			caller string
			fn     string
			args   []any
			want   string
		}{
			{"only the authority registers experts", lt.HealthMSP, "RegisterExpert",
				[]any{ledger.ExpertRequest{MSP: lt.HealthMSP, Client: lt.ClientID("user2", lt.HealthMSP), Name: "x"}},
				"forbidden: register expert x509::CN=user2@HealthMSP::CN=ca.HealthMSP: only the authority registers experts; HealthMSP is a provider"},
			{"an expert does not register experts", authorityUser2, "RegisterExpert",
				[]any{ledger.ExpertRequest{MSP: lt.HealthMSP, Client: lt.ClientID("user2", lt.HealthMSP), Name: "x"}},
				"forbidden: register expert x509::CN=user2@HealthMSP::CN=ca.HealthMSP: only the authority registers experts; AuthorityMSP is an expert"},
			{"the authority's expert does not act as the authority", authorityUser2, "PublishCall",
				[]any{lt.CallRequest("call-2")}, "forbidden: publish call call-2: only the authority publishes calls"},
			{"the authority's expert does not decide products", authorityUser2, "DecideProduct",
				[]any{ledger.ProductDecision{ID: "prod-1", Reason: "no"}}, "forbidden: decide product prod-1: only the authority decides product reviews"},
			{"an expert does not act for an operator", authorityUser3, "WithdrawApplication",
				[]any{"app-1", ""}, "forbidden: withdraw application app-1: application app-1 does not belong to AuthorityMSP acting as an individual expert"},
			{"an expert does not read grants, and learns nothing of them", authorityUser3, "GetGrant",
				[]any{"grant-1"}, "not found: get grant grant-1: grant grant-1 does not exist"},
			{"another organisation's identity cannot be made an expert", lt.AuthorityMSP, "RegisterExpert",
				[]any{ledger.ExpertRequest{MSP: lt.OperatorMSP, Client: ofOperator.Client, Name: "x"}},
				"refused: register expert " + ofOperator.Client + ": experts are identities of the authority's organisation AuthorityMSP, not of OperatorMSP"},
			{"registered twice", lt.AuthorityMSP, "RegisterExpert", []any{expert},
				"conflict: register expert " + me.Client + ": expert " + me.Client + " is already registered and active"},
			{"the authority's own identity", lt.AuthorityMSP, "RegisterExpert",
				[]any{ledger.ExpertRequest{MSP: lt.AuthorityMSP, Client: n.whoAmI(lt.AuthorityMSP).Client, Name: "x"}},
				"refused: register expert"},
			{"not a client identity", lt.AuthorityMSP, "RegisterExpert",
				[]any{ledger.ExpertRequest{MSP: lt.AuthorityMSP, Client: "User2@AuthorityMSP", Name: "x"}},
				`invalid: register expert: client: "User2@AuthorityMSP" is not a client identity`},
			{"retire an unknown expert", lt.AuthorityMSP, "RetireExpert", []any{lt.ClientID("user9", lt.HealthMSP), "x"},
				"not found: retire expert x509::CN=user9@HealthMSP::CN=ca.HealthMSP: expert x509::CN=user9@HealthMSP::CN=ca.HealthMSP does not exist"},
			{"an expert does not retire itself", authorityUser2, "RetireExpert", []any{me.Client, "resigns"},
				"forbidden: retire expert " + me.Client + ": only the authority retires experts"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n.refused(tt.want, tt.caller, tt.fn, tt.args...)
			})
		}
	})

	var op ledger.Opinion
	n.get(&op, authorityUser2, "RecordOpinion", productOpinion("op-expert"))
	if op.Author != lt.AuthorityMSP || op.AuthorClient != me.Client || op.AuthorRole != ledger.RoleExpert {
		t.Errorf("opinion: got author %s %q in role %s, want %s %q in role expert", op.Author, op.AuthorClient, op.AuthorRole, lt.AuthorityMSP, me.Client)
	}
	n.ok(lt.PlatformMSP, "RecordOpinion", productOpinion("op-platform"))
	var p ledger.Product
	n.get(&p, lt.AuthorityMSP, "DecideProduct", ledger.ProductDecision{ID: "prod-1", Approve: true})
	if p.Status != ledger.ProductApproved {
		t.Errorf("product after the decision: got %s, want approved on the individual expert's and the platform's opinions", p.Status)
	}

	t.Run("queries", func(t *testing.T) {
		var byAuthor ledger.OpinionPage
		n.get(&byAuthor, authorityUser2, "QueryOpinions", ledger.Query{By: "author", Value: me.Client})
		if len(byAuthor.Items) != 1 || byAuthor.Items[0].ID != "op-expert" {
			t.Errorf("opinions by the expert's identity, read by it: got %+v, want op-expert", byAuthor.Items)
		}
		var hidden ledger.OpinionPage
		n.get(&hidden, authorityUser3, "QueryOpinions", ledger.Query{By: "author", Value: me.Client})
		if len(hidden.Items) != 0 {
			t.Errorf("another expert's opinion on someone else's product: got %d visible, want none", len(hidden.Items))
		}
		var active ledger.ExpertPage
		n.get(&active, lt.StrangerMSP, "QueryExperts", ledger.Query{By: "status", Value: string(ledger.ExpertActive)})
		if len(active.Items) != 2 {
			t.Errorf("active experts: got %d, want 2", len(active.Items))
		}
		var ofMSP ledger.ExpertPage
		n.get(&ofMSP, lt.StrangerMSP, "QueryExperts", ledger.Query{By: "msp", Value: lt.AuthorityMSP})
		if len(ofMSP.Items) != 2 {
			t.Errorf("experts of %s: got %+v, want user2 and user3 of it", lt.AuthorityMSP, ofMSP.Items)
		}
		var e ledger.Expert
		n.get(&e, lt.StrangerMSP, "GetExpert", me.Client)
		if e.Name != "专家 A" || e.Status != ledger.ExpertActive || e.MSP != lt.AuthorityMSP {
			t.Errorf("get expert: got %+v, want 专家 A of %s, active", e, lt.AuthorityMSP)
		}
		n.refused("invalid: get expert : client: is required", lt.StrangerMSP, "GetExpert", "")
	})

	t.Run("a retirement or registration invalidates the identity's transactions endorsed before it", func(t *testing.T) {
		// Every transaction reads its caller's expert row; WhoAmI reads
		// nothing else, so only that read can conflict.
		stale := n.peer.Simulate(authorityUser3, "WhoAmI")
		n.ok(lt.AuthorityMSP, "RetireExpert", second.Client, "conflict of interest")
		if err := n.peer.Commit(stale); !errors.Is(err, chaincodetest.ErrMVCCConflict) {
			t.Errorf("commit after the retirement: got %v, want %v", err, chaincodetest.ErrMVCCConflict)
		}
		if got := n.whoAmI(authorityUser3); got.Role != ledger.RoleAuthority || got.Individual {
			t.Errorf("user3 of the authority after retirement: got %+v, want the authority", got)
		}
		stale = n.peer.Simulate(authorityUser3, "WhoAmI")
		n.ok(lt.AuthorityMSP, "RegisterExpert", ledger.ExpertRequest{MSP: lt.AuthorityMSP, Client: second.Client, Name: "专家 B (second term)"})
		if err := n.peer.Commit(stale); !errors.Is(err, chaincodetest.ErrMVCCConflict) {
			t.Errorf("commit after the registration: got %v, want %v", err, chaincodetest.ErrMVCCConflict)
		}
		if got := n.whoAmI(authorityUser3); got.Role != ledger.RoleExpert || !got.Individual {
			t.Errorf("user3 of the authority registered again: got %+v, want an individual expert", got)
		}
	})

	t.Run("retirement", func(t *testing.T) {
		tx := n.call(lt.AuthorityMSP, "RetireExpert", me.Client, "term ended")
		if !tx.OK() {
			t.Fatalf("retire expert: got %q, want success", tx.Message)
		}
		if e := event(t, tx); e.Type != "expert" || e.ID != me.Client || e.Change != "retired" {
			t.Errorf("got event %+v, want expert.retired of %s", e, me.Client)
		}
		if got := n.whoAmI(authorityUser2); got.Role != ledger.RoleAuthority || got.Individual {
			t.Errorf("user2 of the authority after retirement: got %+v, want the authority again", got)
		}
		n.refused("forbidden: record opinion op-late: only experts and the platform record opinions; AuthorityMSP is an authority",
			authorityUser2, "RecordOpinion", productOpinion("op-late"))
		n.refused("conflict: retire expert "+me.Client+": expert "+me.Client+" is already retired", lt.AuthorityMSP, "RetireExpert", me.Client, "again")
		var h []ledger.HistoryEntry
		n.get(&h, lt.RegulatorMSP, "GetHistory", "expert", me.Client)
		if len(h) != 2 {
			t.Errorf("history of the expert: got %d versions, want registration and retirement", len(h))
		}
	})
}
