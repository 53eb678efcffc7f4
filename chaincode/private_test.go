package chaincode_test

import (
	"strings"
	"testing"

	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestPrivateRecords: an application's documents, a review's report, an
// evaluation's report and an agreement's text go only to the operator's
// collection, through transactions that write nothing public and carry the
// private request outside their arguments; members read them merged into
// the object, nobody finds them in the public state, and the rules that
// need them (a grant needs the documents, a signature the text) read only
// their hashes.
func TestPrivateRecords(t *testing.T) {
	n := world(t)
	coll := ledger.OperatorCollection(lt.OperatorMSP)
	docs := lt.ApplicationDocuments()

	t.Run("an attach writes only the collection and carries nothing private in its arguments", func(t *testing.T) {
		n.ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest("app-p", "call-1"))
		tx := n.okPrivate(lt.OperatorMSP, "AttachApplicationDocuments", docs, "app-p")
		if len(tx.Writes()) != 0 {
			t.Errorf("public writes: got %q, want none", tx.Writes())
		}
		if w := tx.PrivateWrites(); len(w) != 1 || !strings.HasPrefix(w[0], coll+"\x00") {
			t.Errorf("private writes: got %q, want one key of %s", w, coll)
		}
		// The result goes into the block with the endorsements: it must
		// not hold the private part.
		for _, secret := range []string{docs.EmergencyPlanDigest, docs.SecurityDocsDigest} {
			if strings.Contains(string(tx.Payload), secret) || strings.Contains(string(tx.Events[0].Payload), secret) {
				t.Errorf("the attach's result or event holds %s", secret)
			}
		}
		if e := event(t, tx); e.Type != "application" || e.ID != "app-p" || e.Change != "documents" {
			t.Errorf("event: got %+v, want application.documents of app-p", e)
		}
	})

	t.Run("members read the documents; the public record holds none", func(t *testing.T) {
		for _, msp := range []string{lt.OperatorMSP, lt.AuthorityMSP, lt.RegulatorMSP} {
			var a ledger.Application
			n.get(&a, msp, "GetApplication", "app-1")
			if a.EmergencyPlanDigest != docs.EmergencyPlanDigest || a.SecurityDocsDigest != docs.SecurityDocsDigest {
				t.Errorf("application read by %s: got %q %q, want the attached digests", msp, a.EmergencyPlanDigest, a.SecurityDocsDigest)
			}
		}
		var page ledger.ApplicationPage
		n.get(&page, lt.OperatorMSP, "QueryApplications", ledger.Query{})
		for _, a := range page.Items {
			if a.EmergencyPlanDigest != "" {
				t.Errorf("list item %s: got digest %q, want the public record", a.ID, a.EmergencyPlanDigest)
			}
		}
	})

	t.Run("reports and texts", func(t *testing.T) {
		for _, tx := range []*chaincodetest.Tx{
			n.okPrivate(lt.AuthorityMSP, "AttachReviewReport", lt.ReportRequest("rev-scenario"), "rev-scenario"),
		} {
			if strings.Contains(string(tx.Payload), lt.ReportRequest("rev-scenario").ReportDigest) {
				t.Error("the attach's result holds the report")
			}
		}
		n.okPrivate(lt.AuthorityMSP, "AttachReviewReport", lt.ReportRequest("rev-basic"), "rev-basic")
		var r ledger.Review
		n.get(&r, lt.OperatorMSP, "GetReview", "rev-scenario")
		if r.ReportDigest != lt.ReportRequest("rev-scenario").ReportDigest || r.Note == "" {
			t.Errorf("review read by its operator: got %+v, want its report", r)
		}
		n.ok(lt.AuthorityMSP, "RecordEvaluation", ledger.EvaluationRequest{MSP: lt.OperatorMSP, ID: "eval-p", Date: lt.Days(9), Result: ledger.EvaluationQualified})
		n.okPrivate(lt.AuthorityMSP, "AttachEvaluationReport", lt.ReportRequest("eval-p"), lt.OperatorMSP, "eval-p")
		var p ledger.Participant
		n.get(&p, lt.RegulatorMSP, "GetParticipant", lt.OperatorMSP)
		if len(p.Evaluations) != 1 || p.Evaluations[0].Note != "report of eval-p" {
			t.Errorf("evaluations read by the regulator: got %+v, want eval-p with its report", p.Evaluations)
		}
		var a ledger.Agreement
		n.get(&a, lt.OperatorMSP, "GetAgreement", "agr-1")
		if a.TextDigest != lt.AgreementText("agr-1").TextDigest {
			t.Errorf("agreement read by its operator: got text %q, want the attached one", a.TextDigest)
		}
	})

	t.Run("nothing private is in the public state", func(t *testing.T) {
		secrets := []string{docs.EmergencyPlanDigest, docs.SecurityDocsDigest, lt.ReportRequest("rev-scenario").ReportDigest,
			lt.ReportRequest("eval-p").ReportDigest, "report of eval-p", lt.AgreementText("agr-1").TextDigest}
		for k, v := range n.peer.Snapshot() {
			for _, s := range secrets {
				if strings.Contains(v, s) {
					t.Errorf("public key %q holds %q", k, s)
				}
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		n.ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest("app-q", "call-1"))
		tests := []struct {
			name, want string
			tx         func() string
		}{
			{"private fields in public arguments", `invalid: submit application: request: is not a valid JSON request: json: unknown field "emergencyPlanDigest"`, func() string {
				return n.call(lt.OperatorMSP, "SubmitApplication", `{"id":"app-r","callId":"call-1","emergencyPlanDigest":"`+docs.EmergencyPlanDigest+`"}`).Message
			}},
			{"request not in transient data", `invalid: attach documents of application app-q: transient: the request is private`, func() string {
				return n.call(lt.OperatorMSP, "AttachApplicationDocuments", "app-q").Message
			}},
			{"another organisation's application", "not found: attach documents of application app-q: application app-q does not exist", func() string {
				return n.private(lt.HealthMSP, "AttachApplicationDocuments", docs, "app-q").Message
			}},
			{"documents twice", "conflict: attach documents of application app-1: application app-1 already has its documents", func() string {
				return n.private(lt.OperatorMSP, "AttachApplicationDocuments", docs, "app-1").Message
			}},
			{"no emergency plan", "refused: attach documents of application app-q: no emergency plan", func() string {
				return n.private(lt.OperatorMSP, "AttachApplicationDocuments", ledger.ApplicationDocumentsRequest{SecurityDocsDigest: docs.SecurityDocsDigest}, "app-q").Message
			}},
			{"a report by the operator", "forbidden: attach report of review rev-net: only the authority attaches review reports", func() string {
				return n.private(lt.OperatorMSP, "AttachReviewReport", lt.ReportRequest("rev-net"), "rev-net").Message
			}},
			{"a text after the signatures", "conflict: attach text of agreement agr-1: agreement agr-1 already has its text", func() string {
				return n.private(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-1"), "agr-1").Message
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := tt.tx(); !strings.HasPrefix(got, tt.want) {
					t.Errorf("got %q, want prefix %q", got, tt.want)
				}
			})
		}
	})

	t.Run("a grant needs the documents, a signature the text", func(t *testing.T) {
		n.ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest("app-n", "call-1"))
		for _, r := range []ledger.ReviewRequest{
			lt.ReviewRequest("rev-net-n", ledger.ReviewNetworkSecurity, "app-n", lt.Days(2)),
			lt.ReviewRequest("rev-scenario-n", ledger.ReviewScenario, "app-n", lt.Days(2)),
		} {
			n.ok(lt.AuthorityMSP, "RecordReview", r)
		}
		n.refused("refused: issue grant grant-n: no emergency plan: application app-n has no emergency plan", lt.AuthorityMSP, "IssueGrant", lt.GrantRequest("grant-n", "app-n"))
		n.okPrivate(lt.OperatorMSP, "AttachApplicationDocuments", docs, "app-n")
		n.ok(lt.AuthorityMSP, "IssueGrant", lt.GrantRequest("grant-n", "app-n"))
		n.ok(lt.HealthMSP, "ApproveGrant", "grant-n")
		n.ok(lt.MarketMSP, "ApproveGrant", "grant-n")
		n.ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-n", "grant-n"))
		n.refused("refused: sign agreement agr-n: agreement agr-n has no text attached", lt.OperatorMSP, "SignAgreement", "agr-n")
		n.okPrivate(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-n"), "agr-n")
		n.ok(lt.OperatorMSP, "SignAgreement", "agr-n")
		if n.peer.PrivateState(coll, key("agreement", "agr-n")) == nil {
			t.Error("the agreement's text is not in the operator's collection")
		}
	})
}
