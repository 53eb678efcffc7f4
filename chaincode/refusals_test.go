package chaincode_test

import (
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestRefusals checks, through the contract, that each rule refuses with an
// error naming its kind, operation and cause, and that a refused
// transaction changes nothing.
func TestRefusals(t *testing.T) {
	forged := attesttest.NewAttestorFromSeed("not registered")
	renewBy := lt.GrantTo.AddDate(0, -ledger.RenewalLeadMonths, 0)
	stmt := func(id string, edit func(*attest.Statement)) attest.Statement {
		s := lt.Statement(id, "grant-1", 10)
		if edit != nil {
			edit(&s)
		}
		return s
	}
	tests := []struct {
		name  string
		setup func(n *net)
		msp   string
		fn    string
		args  func(n *net) []any
		want  string
	}{
		{"malformed request", nil, lt.OperatorMSP, "SubmitApplication",
			func(*net) []any { return []any{`{"id":"app-2","colour":"red"}`} },
			`invalid: submit application: request: is not a valid JSON request: json: unknown field "colour"`},
		{"wrong party: provider not in scope approves, and learns nothing of the grant", func(n *net) {
			n.ok(lt.AuthorityMSP, "RegisterParticipant", ledger.ParticipantRequest{MSP: "TransportMSP", Role: ledger.RoleProvider, Name: "交通局"})
		}, "TransportMSP", "ApproveGrant",
			func(*net) []any { return []any{"grant-1"} },
			"not found: approve grant grant-1: grant grant-1 does not exist"},
		{"wrong party: unregistered organisation", nil, lt.StrangerMSP, "CreateDataset",
			func(*net) []any { return []any{lt.DatasetRequest("d-x", "medical", "a")} },
			"forbidden: create dataset d-x: only providers create datasets; StrangerMSP is not a registered participant"},
		{"wrong party: another provider's dataset", nil, lt.MarketMSP, "UpdateDataset",
			func(*net) []any { return []any{lt.DatasetRequest("visits", "medical", "age")} },
			"forbidden: update dataset visits: dataset visits does not belong to MarketMSP"},
		{"wrong party: operator issues a grant", nil, lt.OperatorMSP, "IssueGrant",
			func(*net) []any { return []any{lt.GrantRequest("grant-2", "app-1")} },
			"forbidden: issue grant grant-2: only the authority issues grants"},
		{"wrong state: approve an active grant", nil, lt.HealthMSP, "ApproveGrant",
			func(*net) []any { return []any{"grant-1"} },
			"conflict: approve grant grant-1: grant grant-1 is active and cannot be decided"},
		{"wrong state: grant an application twice", nil, lt.AuthorityMSP, "IssueGrant",
			func(*net) []any { return []any{lt.GrantRequest("grant-2", "app-1")} },
			"conflict: issue grant grant-2: application app-1 was already granted as grant-1"},
		{"wrong state: sign twice", nil, lt.OperatorMSP, "SignAgreement",
			func(*net) []any { return []any{"agr-1"} },
			"conflict: sign agreement agr-1: OperatorMSP already signed agreement agr-1"},
		{"not found", nil, lt.RegulatorMSP, "GetGrant",
			func(*net) []any { return []any{"grant-9"} },
			"not found: get grant grant-9: grant grant-9 does not exist"},
		{"late renewal", func(n *net) {
			n.at(renewBy.AddDate(0, 0, -1))
			c := lt.CallRequest("call-2")
			c.Opens, c.Closes = renewBy.AddDate(0, 0, -1), renewBy.AddDate(0, 1, 0)
			n.ok(lt.AuthorityMSP, "PublishCall", c)
			n.at(renewBy.AddDate(0, 0, 1))
		}, lt.OperatorMSP, "SubmitApplication",
			func(*net) []any {
				r := lt.ApplicationRequest("app-2", "call-2")
				r.RenewsGrant = "grant-1"
				return []any{r}
			},
			"refused: submit application app-2: late renewal: a renewal must be filed at least 3 months before grant grant-1 expires"},
		{"out of scope", nil, lt.OperatorMSP, "SubmitReceipt",
			func(n *net) []any {
				return []any{n.receipt(stmt("r-x", func(s *attest.Statement) { s.Datasets[0].Fields = []string{"age", "name"} }))}
			},
			"refused: submit receipt r-x: out of scope: field name of dataset visits is not granted by grant-1"},
		{"expired", func(n *net) { n.at(lt.GrantTo.Add(time.Hour)) }, lt.OperatorMSP, "SubmitReceipt",
			func(n *net) []any {
				return []any{n.receipt(stmt("r-x", func(s *attest.Statement) { s.Time = lt.GrantTo.Unix() }))}
			},
			"refused: submit receipt r-x: expired: grant grant-1 expired on"},
		{"over quota", nil, lt.OperatorMSP, "SubmitReceipt",
			func(n *net) []any {
				return []any{n.receipt(stmt("r-x", func(s *attest.Statement) { s.Records = 1001 }))}
			},
			"refused: submit receipt r-x: over quota: grant grant-1 has 1000 of 1000 records left, the receipt uses 1001"},
		{"forged signature", nil, lt.OperatorMSP, "SubmitReceipt",
			func(*net) []any {
				s := stmt("r-x", nil)
				return []any{ledger.ReceiptRequest{Statement: s, Signature: forged.Sign(s)}}
			},
			"refused: submit receipt r-x: forged signature: receipt r-x is signed by"},
		{"replay", func(n *net) { n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(stmt("r-1", nil))) }, lt.PlatformMSP, "SubmitReceipt",
			func(n *net) []any { return []any{n.receipt(stmt("r-1", nil))} },
			"conflict: submit receipt r-1: replay: receipt r-1 was already recorded in tx"},
		{"replay inside a batch", nil, lt.PlatformMSP, "SubmitReceiptBatch",
			func(n *net) []any {
				r := n.receipt(stmt("r-a", nil))
				return []any{ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{r, r}}}
			},
			"conflict: submit receipt batch b-1: replay: receipt r-a appears twice in batch b-1"},
		{"hidden application", nil, lt.HealthMSP, "GetApplication",
			func(*net) []any { return []any{"app-1"} },
			"not found: get application app-1: application app-1 does not exist"},
		{"hidden grant", nil, lt.PlatformMSP, "GetGrant",
			func(*net) []any { return []any{"grant-1"} },
			"not found: get grant grant-1: grant grant-1 does not exist"},
		{"bad query index", nil, lt.RegulatorMSP, "QueryGrants",
			func(*net) []any { return []any{ledger.Query{By: "colour", Value: "red"}} },
			`invalid: query grants: by: "colour" is not an index of grant`},
		{"bad page size", nil, lt.RegulatorMSP, "QueryDatasets",
			func(*net) []any { return []any{ledger.Query{PageSize: 1000}} },
			"invalid: query datasets: pageSize: 1000 is not between 1 and 100"},
		{"suspend an expired grant", func(n *net) { n.at(lt.GrantTo) }, lt.AuthorityMSP, "SuspendGrant",
			func(*net) []any { return []any{"grant-1", "audit"} },
			"refused: suspend grant grant-1: expired: grant grant-1 expired on"},
		{"history of an unknown type", nil, lt.RegulatorMSP, "GetHistory",
			func(*net) []any { return []any{"secret", "x"} },
			`invalid: get history of secret x: objectType: "secret" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := world(t)
			if tt.setup != nil {
				tt.setup(n)
			}
			n.refused(tt.want, tt.msp, tt.fn, tt.args(n)...)
		})
	}
}
