package chaincode_test

import (
	"encoding/json"
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// proposedGrant2 files app-2 over loans and issues grant-2, waiting for MarketMSP.
func proposedGrant2(n *net) {
	req := lt.ApplicationRequest("app-2", "call-1")
	req.Scope.Datasets = req.Scope.Datasets[1:]
	n.ok(lt.OperatorMSP, "SubmitApplication", req)
	n.okPrivate(lt.OperatorMSP, "AttachApplicationDocuments", lt.ApplicationDocuments(), "app-2")
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-net-2", ledger.ReviewNetworkSecurity, "app-2", lt.Days(2)))
	n.ok(lt.AuthorityMSP, "RecordReview", lt.ReviewRequest("rev-scenario-2", ledger.ReviewScenario, "app-2", lt.Days(2)))
	g := lt.GrantRequest("grant-2", "app-2")
	g.Scope.Datasets = g.Scope.Datasets[1:]
	n.ok(lt.AuthorityMSP, "IssueGrant", g)
}

func draftProduct(n *net) {
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
	n.ok(lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductAPI, Name: "API", DescriptionDigest: lt.Digest("api"), Grants: []string{"grant-1"}, Receipts: []string{"r-1"}})
}

// TestStateChanges checks that each state-changing transaction commits and
// emits exactly one event, named after its object and change.
func TestStateChanges(t *testing.T) {
	tests := []struct {
		name  string
		setup func(n *net)
		msp   string
		fn    string
		args  []any
		want  string
	}{
		{"update dataset", nil, lt.HealthMSP, "UpdateDataset", []any{lt.DatasetRequest("visits", "medical", "age", "diagnosis", "name", "sex")}, "dataset.updated"},
		{"withdraw dataset", nil, lt.HealthMSP, "WithdrawDataset", []any{"visits", "source system retired"}, "dataset.withdrawn"},
		{"relist dataset", func(n *net) { n.ok(lt.HealthMSP, "WithdrawDataset", "visits", "x") }, lt.HealthMSP, "RelistDataset", []any{"visits"}, "dataset.relisted"},
		{"cancel call", nil, lt.AuthorityMSP, "CancelCall", []any{"call-1", "scope changed"}, "call.cancelled"},
		{"suspend operator", nil, lt.AuthorityMSP, "SetOperatorStatus", []any{ledger.OperatorStatusRequest{MSP: lt.OperatorMSP, Status: ledger.OperatorSuspended, Reason: "evaluation"}}, "participant.suspended"},
		{"evaluate operator", nil, lt.AuthorityMSP, "RecordEvaluation", []any{ledger.EvaluationRequest{MSP: lt.OperatorMSP, ID: "e-1", Date: lt.Days(9), Result: ledger.EvaluationRectify}}, "participant.evaluated"},
		{"withdraw application", func(n *net) {
			n.ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest("app-2", "call-1"))
		}, lt.OperatorMSP, "WithdrawApplication", []any{"app-2", "duplicate"}, "application.withdrawn"},
		{"expert opinion on an application", func(n *net) {
			n.ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest("app-2", "call-1"))
		}, lt.ExpertMSP, "RecordOpinion", []any{ledger.OpinionRequest{ID: "op-1", SubjectType: ledger.SubjectApplication, SubjectID: "app-2", Recommendation: ledger.RecommendRevise, Digest: lt.Digest("op")}}, "opinion.recorded"},
		{"provider rejects a grant", proposedGrant2, lt.MarketMSP, "RejectGrant", []any{"grant-2", "loan data is not for this scenario"}, "grant.rejected"},
		{"provider approves the last", proposedGrant2, lt.MarketMSP, "ApproveGrant", []any{"grant-2"}, "grant.activated"},
		{"retire attestor", nil, lt.PlatformMSP, "RetireAttestor", []any{"", "key rotated"}, "attestor.retired"},
		{"update product", draftProduct, lt.OperatorMSP, "UpdateProduct", []any{ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductAPI, Name: "API v2", DescriptionDigest: lt.Digest("api2"), Grants: []string{"grant-1"}, Receipts: []string{"r-1"}}}, "product.updated"},
		{"delist product", func(n *net) {
			n.ok(lt.OperatorMSP, "RequestListing", "prod-1")
			n.ok(lt.ExchangeMSP, "ConfirmListing", "prod-1", "HZDE-1")
		}, lt.AuthorityMSP, "DelistProduct", []any{"prod-1", "complaint"}, "product.delisted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n *net
			if tt.fn == "DelistProduct" {
				n = productWorld(t)
			} else {
				n = world(t)
			}
			if tt.setup != nil {
				tt.setup(n)
			}
			if tt.fn == "RetireAttestor" {
				tt.args[0] = n.attestor.Address()
			}
			tx := n.call(tt.msp, tt.fn, tt.args...)
			if !tx.OK() {
				t.Fatalf("got %q, want success", tx.Message)
			}
			if len(tx.Events) != 1 || tx.Events[0].Name != tt.want {
				t.Errorf("got events %+v, want one %s", tx.Events, tt.want)
			}
		})
	}
}

// TestQueries checks the reads: who sees what, and how many.
func TestQueries(t *testing.T) {
	n := productWorld(t)
	tests := []struct {
		name  string
		msp   string
		fn    string
		args  []any
		items int
	}{
		{"providers by role", lt.StrangerMSP, "QueryParticipants", []any{ledger.Query{By: "role", Value: "provider"}}, 2},
		{"admitted operators", lt.StrangerMSP, "QueryParticipants", []any{ledger.Query{By: "status", Value: "admitted"}}, 1},
		{"published calls", lt.StrangerMSP, "QueryCalls", []any{ledger.Query{By: "status", Value: "published"}}, 1},
		{"datasets by domain", lt.StrangerMSP, "QueryDatasets", []any{ledger.Query{By: "domain", Value: "finance"}}, 1},
		{"attestors", lt.StrangerMSP, "QueryAttestors", []any{ledger.Query{By: "platform", Value: lt.PlatformMSP}}, 1},
		{"agreements of a grant, operator", lt.OperatorMSP, "QueryAgreements", []any{ledger.Query{By: "grant", Value: "grant-1"}}, 1},
		{"agreements of a grant, provider", lt.HealthMSP, "QueryAgreements", []any{ledger.Query{By: "grant", Value: "grant-1"}}, 0},
		{"opinions on a product, owner", lt.OperatorMSP, "QueryOpinions", []any{ledger.Query{By: "subject", Value: "product/prod-1"}}, 2},
		{"opinions on a product, provider", lt.HealthMSP, "QueryOpinions", []any{ledger.Query{By: "subject", Value: "product/prod-1"}}, 0},
		{"opinions by author", lt.ExpertMSP, "QueryOpinions", []any{ledger.Query{By: "author", Value: lt.ExpertMSP}}, 1},
		{"grants of a provider", lt.HealthMSP, "QueryGrants", []any{ledger.Query{By: "provider", Value: lt.HealthMSP}}, 1},
		{"grants, hidden from the platform", lt.PlatformMSP, "QueryGrants", []any{ledger.Query{By: "holder", Value: lt.OperatorMSP}}, 0},
		{"products of an owner", lt.OperatorMSP, "QueryProducts", []any{ledger.Query{By: "owner", Value: lt.OperatorMSP}}, 1},
		{"receipts of a grant", lt.RegulatorMSP, "QueryReceipts", []any{ledger.Query{By: "grant", Value: "grant-1"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			n.get(&page, tt.msp, tt.fn, tt.args...)
			if len(page.Items) != tt.items {
				t.Errorf("got %d items, want %d", len(page.Items), tt.items)
			}
		})
	}
	gets := []struct {
		fn, arg string
	}{{"GetCall", "call-1"}, {"GetDataset", "loans"}, {"GetAttestor", n.attestor.Address()}, {"GetApplication", "app-1"}, {"GetReview", "rev-scenario"}, {"GetAgreement", "agr-1"}, {"GetReceipt", "r-1"}, {"GetProduct", "prod-1"}, {"GetProvenance", "prod-1"}}
	for _, g := range gets {
		t.Run(g.fn, func(t *testing.T) {
			var v map[string]any
			n.get(&v, lt.RegulatorMSP, g.fn, g.arg)
			if len(v) == 0 {
				t.Errorf("got an empty %s, want the object", g.fn)
			}
		})
	}
	for _, typ := range []string{"participant", "call", "application", "review", "opinion", "usage", "agreement", "attestor", "receipt", "product"} {
		id := map[string]string{"participant": lt.OperatorMSP, "call": "call-1", "application": "app-1", "review": "rev-scenario", "opinion": "op-1",
			"usage": "grant-1", "agreement": "agr-1", "attestor": n.attestor.Address(), "receipt": "r-1", "product": "prod-1"}[typ]
		t.Run("history of "+typ, func(t *testing.T) {
			var h []ledger.HistoryEntry
			n.get(&h, lt.RegulatorMSP, "GetHistory", typ, id)
			if len(h) == 0 {
				t.Errorf("got no history of %s %s", typ, id)
			}
		})
	}
}
