package chaincode_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// useNow returns a receipt statement used at the peer's current time.
func (n *net) useNow(id, grant string, records uint64) ledger.ReceiptRequest {
	s := lt.Statement(id, grant, records)
	s.Time = n.peer.Now().Unix()
	return n.receipt(s)
}

// subWorld is world with sub-grant sub-1 of grant-1 active for the
// developer and the clock at lt.UseTime plus an hour.
func subWorld(t *testing.T) *net {
	n := world(t)
	n.ok(lt.OperatorMSP, "ProposeSubGrant", ledger.SubGrantRequest{
		ID: "sub-1", ParentID: "grant-1", Developer: lt.DeveloperMSP,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}}, Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 100, Calls: 5}, Term: ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
	})
	n.ok(lt.AuthorityMSP, "ActivateSubGrant", "sub-1")
	n.at(lt.UseTime.Add(time.Hour))
	return n
}

func status(msp string, s ledger.OperatorStatus, reason string) ledger.OperatorStatusRequest {
	return ledger.OperatorStatusRequest{MSP: msp, Status: s, Reason: reason}
}

// A suspended operator records no receipt (alone, in a batch, or through
// the platform), signs no agreement, registers or submits no product and
// proposes no sub-grant until re-admitted; its sub-grants' receipts stop
// too.
func TestSuspendedOperatorHasNoPowers(t *testing.T) {
	n := subWorld(t)
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.useNow("r-0", "grant-1", 1))
	n.ok(lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductReport, Name: "r", DescriptionDigest: lt.Digest("d"), Grants: []string{"grant-1"}, Receipts: []string{"r-0"}})
	n.ok(lt.AuthorityMSP, "SetOperatorStatus", status(lt.OperatorMSP, ledger.OperatorSuspended, "evaluation unqualified"))

	const named = "operator OperatorMSP is suspended"
	msg := n.refused("refused: submit receipt r-1: "+named, lt.OperatorMSP, "SubmitReceipt", n.useNow("r-1", "grant-1", 1))
	if !strings.Contains(msg, "evaluation unqualified") {
		t.Errorf("got %q, want the reason of the suspension", msg)
	}
	n.refused("refused: submit receipt r-1: "+named, lt.PlatformMSP, "SubmitReceipt", n.useNow("r-1", "grant-1", 1))
	var b ledger.Batch
	if err := json.Unmarshal(n.ok(lt.OperatorMSP, "SubmitReceiptBatch",
		ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{n.useNow("r-1", "grant-1", 1)}}), &b); err != nil {
		t.Fatal(err)
	}
	if o := b.Outcomes[0]; b.Count != 0 || o.Status != ledger.OutcomeRefused || o.Kind != "refused" || !strings.HasPrefix(o.Reason, named) {
		t.Errorf("got batch %+v, want r-1 refused because %s", b, named)
	}
	n.refused("refused: submit receipt r-s: parent grant grant-1 of sub-grant sub-1: "+named, lt.DeveloperMSP, "SubmitReceipt", n.useNow("r-s", "sub-1", 1))
	n.refused("refused: register product prod-2: "+named, lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-2", Type: ledger.ProductReport, Name: "r", DescriptionDigest: lt.Digest("d"), Grants: []string{"grant-1"}, Receipts: []string{"r-0"}})
	n.refused("refused: submit product prod-1: "+named, lt.OperatorMSP, "SubmitProduct", "prod-1")
	n.refused("refused: propose sub-grant sub-2: "+named, lt.OperatorMSP, "ProposeSubGrant", ledger.SubGrantRequest{
		ID: "sub-2", ParentID: "grant-1", Developer: lt.DeveloperMSP,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}}, Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 1, Calls: 1}, Term: ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
	})
	var me ledger.Actor
	n.get(&me, lt.OperatorMSP, "WhoAmI")
	if me.Status != ledger.OperatorSuspended {
		t.Errorf("WhoAmI: got status %q, want suspended", me.Status)
	}

	n.ok(lt.AuthorityMSP, "SetOperatorStatus", status(lt.OperatorMSP, ledger.OperatorAdmitted, ""))
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.useNow("r-1", "grant-1", 1))
	n.ok(lt.DeveloperMSP, "SubmitReceipt", n.useNow("r-s", "sub-1", 1))
	n.ok(lt.OperatorMSP, "SubmitProduct", "prod-1")

	// A developer is suspended the same way.
	n.ok(lt.AuthorityMSP, "SetOperatorStatus", status(lt.DeveloperMSP, ledger.OperatorSuspended, "audit"))
	n.refused("refused: submit receipt r-s2: developer DeveloperMSP is suspended", lt.PlatformMSP, "SubmitReceipt", n.useNow("r-s2", "sub-1", 1))
	n.ok(lt.AuthorityMSP, "SetOperatorStatus", status(lt.DeveloperMSP, ledger.OperatorAdmitted, ""))
	n.ok(lt.PlatformMSP, "SubmitReceipt", n.useNow("r-s2", "sub-1", 1))
}

// A receipt reads its holder's participant row: a suspension ordered
// before it invalidates it (MVCC), and nothing else about the participant
// row is written by receipts.
func TestReceiptConflictsWithSuspension(t *testing.T) {
	n := world(t)
	receipt := n.peer.Simulate(lt.OperatorMSP, "SubmitReceipt", n.args([]any{n.useNow("r-1", "grant-1", 1)})...)
	n.ok(lt.AuthorityMSP, "SetOperatorStatus", status(lt.OperatorMSP, ledger.OperatorSuspended, "audit"))
	if err := n.peer.Commit(receipt); !errors.Is(err, chaincodetest.ErrMVCCConflict) {
		t.Fatalf("receipt endorsed before the suspension: got %v, want an MVCC conflict", err)
	}
	if slices.Contains(receipt.Writes(), key("participant", lt.OperatorMSP)) {
		t.Error("a receipt wrote the holder's participant row")
	}
}

// The authority suspends, resumes and revokes a grant with its own peer's
// endorsement alone; consent changes still need every owning provider's.
func TestEmergencyPowersNeedTheAuthorityAlone(t *testing.T) {
	n := productWorld(t)
	authority := []string{lt.AuthorityMSP}
	for _, c := range []struct {
		fn   string
		args []any
		want ledger.GrantStatus
	}{
		{"SuspendGrant", []any{"grant-1", "security audit"}, ledger.GrantSuspended},
		{"ResumeGrant", []any{"grant-1"}, ledger.GrantActive},
		{"RevokeGrant", []any{"grant-1", "breach"}, ledger.GrantRevoked},
	} {
		tx := n.peer.InvokeEndorsedBy(authority, lt.AuthorityMSP, c.fn, n.args(c.args)...)
		if !tx.OK() {
			t.Fatalf("%s endorsed by the authority alone: %q (commit %v), want valid", c.fn, tx.Message, tx.CommitErr)
		}
		var g ledger.Grant
		n.get(&g, lt.RegulatorMSP, "GetGrant", "grant-1")
		if g.Status != c.want {
			t.Errorf("after %s: got %s, want %s", c.fn, g.Status, c.want)
		}
	}
	var g ledger.Grant
	n.get(&g, lt.RegulatorMSP, "GetGrant", "grant-1")
	if g.Reason != "breach" || !slices.ContainsFunc(g.History, func(h ledger.StatusChange) bool { return h.Control && h.Status == ledger.GrantRevoked }) {
		t.Errorf("got %+v, want the revocation in the status log", g)
	}
}

// Key-level policies are enforced at commit by the in-memory peer: a
// consent change of a grant (here a sub-grant's activation, whose key
// needs the authority's and HealthMSP's peers) endorsed by the authority's
// peer alone is invalid; endorsed by both, valid.
func TestConsentNeedsProvidersAtCommit(t *testing.T) {
	n := world(t)
	n.ok(lt.OperatorMSP, "ProposeSubGrant", ledger.SubGrantRequest{
		ID: "sub-1", ParentID: "grant-1", Developer: lt.DeveloperMSP,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}}, Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 100, Calls: 5}, Term: ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
	})
	before := n.peer.Snapshot()
	tx := n.peer.InvokeEndorsedBy([]string{lt.AuthorityMSP}, lt.AuthorityMSP, "ActivateSubGrant", "sub-1")
	if tx.Status != 200 || !errors.Is(tx.CommitErr, chaincodetest.ErrEndorsementPolicy) {
		t.Fatalf("activation endorsed by the authority alone: got %q (commit %v), want ENDORSEMENT_POLICY_FAILURE", tx.Message, tx.CommitErr)
	}
	if !maps.Equal(before, n.peer.Snapshot()) {
		t.Fatal("an invalid transaction changed the state")
	}
	tx = n.peer.InvokeEndorsedBy([]string{lt.HealthMSP, lt.AuthorityMSP}, lt.AuthorityMSP, "ActivateSubGrant", "sub-1")
	if !tx.OK() {
		t.Fatalf("activation endorsed by the authority and HealthMSP: got %q (commit %v), want valid", tx.Message, tx.CommitErr)
	}
	// The grant's status key is the authority's alone: a provider's peer
	// cannot change it without the authority's.
	tx = n.peer.InvokeEndorsedBy([]string{lt.HealthMSP, lt.MarketMSP}, lt.AuthorityMSP, "SuspendGrant", "grant-1", "probe")
	if !errors.Is(tx.CommitErr, chaincodetest.ErrEndorsementPolicy) {
		t.Fatalf("suspension without the authority's peer: got %q (commit %v), want ENDORSEMENT_POLICY_FAILURE", tx.Message, tx.CommitErr)
	}
}

// A product update racing a revocation does not make the revocation fail:
// the revocation reads no product. The product update, ordered after it,
// read the grant's status and is the one invalidated.
func TestRevocationWinsOverProductUpdates(t *testing.T) {
	update := ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductModel, Name: "SME credit model v2", DescriptionDigest: lt.Digest("card2"), Grants: []string{"grant-1"}, Receipts: []string{"r-1"}}
	for _, productFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("product first %v", productFirst), func(t *testing.T) {
			n := world(t)
			n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
			n.ok(lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductModel, Name: "SME credit model", DescriptionDigest: lt.Digest("card"), Grants: []string{"grant-1"}, Receipts: []string{"r-1"}})
			p := n.peer.Simulate(lt.OperatorMSP, "UpdateProduct", n.args([]any{update})...)
			r := n.peer.Simulate(lt.AuthorityMSP, "RevokeGrant", "grant-1", "breach").EndorsedBy(lt.AuthorityMSP)
			first, second := p, r
			if !productFirst {
				first, second = r, p
			}
			if err := n.peer.Commit(first); err != nil {
				t.Fatal(err)
			}
			err := n.peer.Commit(second)
			if second == r && err != nil {
				t.Fatalf("revocation after a product update: %v, want valid", err)
			}
			if second == p && !errors.Is(err, chaincodetest.ErrMVCCConflict) {
				t.Fatalf("product update after the revocation: %v, want an MVCC conflict", err)
			}
			var pr ledger.Product
			n.get(&pr, lt.OperatorMSP, "GetProduct", "prod-1")
			if len(pr.Blocking()) != 1 || pr.Blocking()[0].Change != ledger.GrantRevoked || pr.Blocking()[0].Reason != "breach" {
				t.Errorf("got marks %+v, want the revocation's", pr.Marks)
			}
		})
	}
}

// An exit ends the operator's grants and its sub-grants in the exit's
// transaction; its products show the marks.
func TestExitEndsGrants(t *testing.T) {
	n := subWorld(t)
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.useNow("r-0", "grant-1", 1))
	n.ok(lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductReport, Name: "r", DescriptionDigest: lt.Digest("d"), Grants: []string{"grant-1"}, Receipts: []string{"r-0"}})
	tx := n.call(lt.AuthorityMSP, "SetOperatorStatus", status(lt.OperatorMSP, ledger.OperatorExited, "licence withdrawn"))
	if !tx.OK() {
		t.Fatal(tx.Message, tx.CommitErr)
	}
	if e := event(t, tx); e.Change != "exited" || !hasRelated(e, "grant", "grant-1", "revoked") || !hasRelated(e, "grant", "sub-1", "revoked") {
		t.Errorf("got event %+v, want participant.exited with grant-1 and sub-1 revoked", e)
	}
	var g, sub ledger.Grant
	n.get(&g, lt.RegulatorMSP, "GetGrant", "grant-1")
	n.get(&sub, lt.RegulatorMSP, "GetGrant", "sub-1")
	if g.Status != ledger.GrantRevoked || !strings.Contains(g.Reason, "OperatorMSP exited: licence withdrawn") {
		t.Errorf("grant-1: got %s (%s), want revoked naming the exit", g.Status, g.Reason)
	}
	if sub.Status != ledger.GrantRevoked || !strings.Contains(sub.Reason, "parent grant grant-1") {
		t.Errorf("sub-1: got %s (%s), want revoked naming its parent's holder's exit", sub.Status, sub.Reason)
	}
	var p ledger.Product
	n.get(&p, lt.RegulatorMSP, "GetProduct", "prod-1")
	if len(p.Blocking()) != 1 || p.Blocking()[0].Change != ledger.GrantRevoked || !strings.Contains(p.Blocking()[0].Reason, "exited") {
		t.Errorf("product: got marks %+v, want the exit's revocation", p.Marks)
	}
	n.refused("refused: submit receipt r-1: operator OperatorMSP is exited", lt.PlatformMSP, "SubmitReceipt", n.useNow("r-1", "grant-1", 1))
}

// A suspended or revoked parent shows in its sub-grant, naming the parent,
// in GetGrant and in the disclosure.
func TestParentStatusReachesSubGrants(t *testing.T) {
	n := subWorld(t)
	var disclosed ledger.GrantSummaryPage
	n.get(&disclosed, lt.StrangerMSP, "DisclosedGrants", ledger.Query{})
	if len(disclosed.Items) != 2 {
		t.Fatalf("got %d grants disclosed, want grant-1 and sub-1", len(disclosed.Items))
	}
	n.ok(lt.AuthorityMSP, "SuspendGrant", "grant-1", "audit")
	var sub ledger.Grant
	n.get(&sub, lt.DeveloperMSP, "GetGrant", "sub-1")
	if sub.Status != ledger.GrantSuspended || !strings.Contains(sub.Reason, "parent grant grant-1 is suspended") {
		t.Errorf("sub-1 under a suspended parent: got %s (%s)", sub.Status, sub.Reason)
	}
	n.get(&disclosed, lt.StrangerMSP, "DisclosedGrants", ledger.Query{})
	if len(disclosed.Items) != 0 {
		t.Errorf("got %+v disclosed, want none while grant-1 is suspended", disclosed.Items)
	}
	var suspended ledger.GrantPage
	n.get(&suspended, lt.RegulatorMSP, "QueryGrants", ledger.Query{By: "status", Value: "suspended"})
	if len(suspended.Items) != 1 || suspended.Items[0].ID != "grant-1" {
		t.Errorf("by status suspended: got %+v, want grant-1", suspended.Items)
	}
	n.ok(lt.AuthorityMSP, "RevokeGrant", "grant-1", "breach")
	n.get(&sub, lt.DeveloperMSP, "GetGrant", "sub-1")
	if sub.Status != ledger.GrantRevoked || !strings.Contains(sub.Reason, "parent grant grant-1 is revoked: breach") {
		t.Errorf("sub-1 under a revoked parent: got %s (%s)", sub.Status, sub.Reason)
	}
}

// QueryHistory pages through an object's history, newest first, with
// bookmarks that name the object and an offset, checked.
func TestQueryHistory(t *testing.T) {
	n := world(t)
	n.ok(lt.AuthorityMSP, "SuspendGrant", "grant-1", "audit")
	n.ok(lt.AuthorityMSP, "ResumeGrant", "grant-1")
	var whole []ledger.HistoryEntry
	n.get(&whole, lt.RegulatorMSP, "GetHistory", "grant", "grant-1")
	// issued, approved, activated, suspended, resumed
	if len(whole) != 5 || whole[0].Record != "grantstatus" || whole[len(whole)-1].Record != "" {
		t.Fatalf("got %d versions %+v, want 5 with the status changes", len(whole), whole)
	}
	var paged []string
	q := ledger.HistoryQuery{ObjectType: "grant", ID: "grant-1", PageSize: 2}
	for range 5 {
		var page ledger.HistoryPage
		n.get(&page, lt.RegulatorMSP, "QueryHistory", q)
		for _, e := range page.Items {
			paged = append(paged, e.TxID)
		}
		if page.Bookmark == "" {
			break
		}
		q.Bookmark = page.Bookmark
	}
	var want []string
	for _, e := range whole {
		want = append(want, e.TxID)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("two at a time: got %v, want %v", paged, want)
	}
	other := ledger.HistoryQuery{ObjectType: "grant", ID: "grant-1", PageSize: 2}
	n.get(new(ledger.HistoryPage), lt.RegulatorMSP, "QueryHistory", other)
	for name, bookmark := range map[string]string{
		"malformed":        "not-base64!",
		"a key bookmark":   base64.RawURLEncoding.EncodeToString([]byte("\x00grant\x00grant-1\x00\x00")),
		"another object":   base64.RawURLEncoding.EncodeToString([]byte("history\x00agreement\x00agr-1\x002")),
		"not an integer":   base64.RawURLEncoding.EncodeToString([]byte("history\x00grant\x00grant-1\x00two")),
		"zero":             base64.RawURLEncoding.EncodeToString([]byte("history\x00grant\x00grant-1\x000")),
		"leading zero":     base64.RawURLEncoding.EncodeToString([]byte("history\x00grant\x00grant-1\x0002")),
		"negative":         base64.RawURLEncoding.EncodeToString([]byte("history\x00grant\x00grant-1\x00-2")),
		"past the end":     base64.RawURLEncoding.EncodeToString([]byte("history\x00grant\x00grant-1\x005")),
		"far past the end": base64.RawURLEncoding.EncodeToString([]byte("history\x00grant\x00grant-1\x0099999999999999999999")),
		"trailing":         base64.RawURLEncoding.EncodeToString([]byte("history\x00grant\x00grant-1\x002\x00")),
	} {
		t.Run(name, func(t *testing.T) {
			n.refused("invalid: query history of grant grant-1: bookmark:", lt.RegulatorMSP, "QueryHistory", ledger.HistoryQuery{ObjectType: "grant", ID: "grant-1", Bookmark: bookmark})
		})
	}
	n.refused("invalid: query history of grant grant-1: pageSize: 101 is not between 1 and 100", lt.RegulatorMSP, "QueryHistory", ledger.HistoryQuery{ObjectType: "grant", ID: "grant-1", PageSize: 101})
	n.refused("not found: query history of grant grant-1", lt.StrangerMSP, "QueryHistory", ledger.HistoryQuery{ObjectType: "grant", ID: "grant-1"})
	n.refused("invalid: query history of thing x: objectType", lt.RegulatorMSP, "QueryHistory", ledger.HistoryQuery{ObjectType: "thing", ID: "x"})
}
