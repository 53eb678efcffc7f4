package chaincode_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// okBatch submits a batch that must commit and returns the batch.
func (n *net) okBatch(msp string, req ledger.BatchRequest) (ledger.Batch, *chaincodetest.Tx) {
	n.t.Helper()
	tx := n.call(msp, "SubmitReceiptBatch", req)
	if !tx.OK() {
		n.t.Fatalf("SubmitReceiptBatch %s by %s: got %q (commit %v), want success", req.ID, msp, tx.Message, tx.CommitErr)
	}
	var b ledger.Batch
	if err := json.Unmarshal(tx.Payload, &b); err != nil {
		n.t.Fatal(err)
	}
	return b, tx
}

// wantOutcome fails t unless o is what was decided for the receipt.
func wantOutcome(t *testing.T, o ledger.ReceiptOutcome, id, status string, index int, kind, reason string) {
	t.Helper()
	if o.ReceiptID != id || o.Status != status || o.Index != index || o.Kind != kind || !strings.HasPrefix(o.Reason, reason) {
		t.Errorf("got outcome %+v, want %s %s at %d (%s: %s…)", o, id, status, index, kind, reason)
	}
}

// writesOf counts the keys of type typ a transaction wrote.
func writesOf(tx *chaincodetest.Tx, typ string) int {
	n := 0
	for _, k := range tx.Writes() {
		if strings.HasPrefix(k, "\x00"+typ+"\x00") {
			n++
		}
	}
	return n
}

// One refused receipt no longer sinks a batch: each receipt has its
// outcome, the refused ones are neither stored nor in the tree, and their
// IDs stay free.
func TestBatchRecordsEachOutcome(t *testing.T) {
	n := world(t)
	forger := attesttest.NewAttestorFromSeed("not registered")
	forged := lt.Statement("r-forged", "grant-1", 1)
	outOfScope := lt.Statement("r-scope", "grant-1", 1)
	outOfScope.Purpose = "marketing"
	stmts := []attest.Statement{lt.Statement("r-a", "grant-1", 10), forged, outOfScope, lt.Statement("r-b", "grant-1", 20)}
	req := ledger.BatchRequest{ID: "b-1"}
	for _, s := range stmts {
		req.Receipts = append(req.Receipts, n.receipt(s))
	}
	req.Receipts[1] = ledger.ReceiptRequest{Statement: forged, Signature: forger.Sign(forged)}

	b, tx := n.okBatch(lt.PlatformMSP, req)
	wantOutcome(t, b.Outcomes[0], "r-a", ledger.OutcomeAccepted, 0, "", "")
	wantOutcome(t, b.Outcomes[1], "r-forged", ledger.OutcomeRefused, -1, "refused", "forged signature: receipt r-forged is signed by "+forger.Address())
	wantOutcome(t, b.Outcomes[2], "r-scope", ledger.OutcomeRefused, -1, "refused", "out of scope: purpose marketing is not granted by grant-1")
	wantOutcome(t, b.Outcomes[3], "r-b", ledger.OutcomeAccepted, 1, "", "")
	accepted := [][32]byte{stmts[0].Digest(), stmts[3].Digest()}
	root, _ := attest.MerkleRoot(accepted)
	if b.Root != attest.HexDigest(root) || b.Count != 2 || b.Refused != 2 || b.RequestDigest != req.Digest() {
		t.Errorf("got batch %+v, want the root over r-a and r-b, 2 accepted, 2 refused", b)
	}
	if e := event(t, tx); e.Type != "batch" || e.Change != "accepted" || !hasRelated(e, "usage", "grant-1", "drawn") {
		t.Errorf("got event %+v, want batch.accepted drawing on grant-1", e)
	}
	if got := writesOf(tx, "receipt"); got != 2 {
		t.Errorf("got %d receipt records written, want 2 (the accepted)", got)
	}
	if got := writesOf(tx, "usage"); got != 1 {
		t.Errorf("got %d usage writes, want 1: the quota is drawn once per batch", got)
	}
	var u ledger.Usage
	n.get(&u, lt.OperatorMSP, "GetGrantUsage", "grant-1")
	if u.Records != 30 || u.Calls != 2 {
		t.Errorf("got usage %+v, want 30 records in 2 calls", u)
	}
	for i, s := range []attest.Statement{stmts[0], stmts[3]} {
		proof, _ := attest.MerkleProof(accepted, i)
		var res ledger.ProofResult
		n.get(&res, lt.StrangerMSP, "VerifyReceiptProof", ledger.ProofRequest{BatchID: "b-1", Statement: s, Proof: proof})
		if !res.Valid || res.Index != i {
			t.Errorf("proof of %s: got %+v, want valid at %d", s.ReceiptID, res, i)
		}
	}
	n.refused("not found: get receipt r-forged", lt.RegulatorMSP, "GetReceipt", "r-forged")
	// The refused IDs are free: the same uses, signed by the attestor and
	// in scope, are accepted.
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.receipt(forged))

	// The same request sent again (its first answer lost) is answered with
	// the batch as recorded, writing nothing.
	again := n.call(lt.PlatformMSP, "SubmitReceiptBatch", req)
	if !again.OK() || len(again.Writes()) != 0 || len(again.Events) != 0 {
		t.Fatalf("resubmission: got %q, %d writes, %d events; want the recorded batch, no write, no event", again.Message, len(again.Writes()), len(again.Events))
	}
	var same ledger.Batch
	if err := json.Unmarshal(again.Payload, &same); err != nil {
		t.Fatal(err)
	}
	if same.Root != b.Root || same.Created != b.Created || !slices.Equal(same.Outcomes, b.Outcomes) {
		t.Errorf("resubmission: got %+v, want the recorded %+v", same, b)
	}
	// Other receipts under a recorded ID are a conflict, and so is the same
	// request from a caller that may not read the batch.
	other := ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{req.Receipts[3], req.Receipts[0]}}
	n.refused("conflict: submit receipt batch b-1: batch b-1 already exists, recorded from other receipts", lt.PlatformMSP, "SubmitReceiptBatch", other)
	n.refused("conflict: submit receipt batch b-1: batch b-1 already exists", lt.DeveloperMSP, "SubmitReceiptBatch", req)
}

// A batch draws each grant's quota once: in request order, every receipt
// that still fits is accepted, the others are refused over quota.
func TestBatchDrawsQuotaOnce(t *testing.T) {
	n := world(t) // grant-1: 1000 records, 10 calls
	req := ledger.BatchRequest{ID: "b-quota"}
	req.Receipts = append(req.Receipts, n.receipt(lt.Statement("r-big", "grant-1", 990)))
	req.Receipts = append(req.Receipts, n.receipt(lt.Statement("r-too-big", "grant-1", 11)))
	for i := range 10 {
		req.Receipts = append(req.Receipts, n.receipt(lt.Statement("r-"+string(rune('a'+i)), "grant-1", 1)))
	}
	b, tx := n.okBatch(lt.OperatorMSP, req)
	wantOutcome(t, b.Outcomes[0], "r-big", ledger.OutcomeAccepted, 0, "", "")
	wantOutcome(t, b.Outcomes[1], "r-too-big", ledger.OutcomeRefused, -1, "refused", "over quota: grant grant-1 has 10 of 1000 records left, the receipt uses 11")
	for i := 2; i < 11; i++ {
		wantOutcome(t, b.Outcomes[i], req.Receipts[i].Statement.ReceiptID, ledger.OutcomeAccepted, i-1, "", "")
	}
	wantOutcome(t, b.Outcomes[11], "r-j", ledger.OutcomeRefused, -1, "refused", "over quota: grant grant-1 has used all 10 calls")
	if len(b.Totals) != 1 || b.Totals[0] != (ledger.GrantTotal{GrantID: "grant-1", Records: 999, Calls: 10}) {
		t.Errorf("got totals %+v, want 999 records in 10 calls", b.Totals)
	}
	if got := writesOf(tx, "usage"); got != 1 {
		t.Errorf("got %d usage writes, want 1", got)
	}
	var u ledger.Usage
	n.get(&u, lt.RegulatorMSP, "GetGrantUsage", "grant-1")
	if u.Records != 999 || u.Calls != 10 {
		t.Errorf("got usage %+v, want 999 records in 10 calls", u)
	}
}

// A receipt the caller may not submit is refused on its own; for a grant
// the caller may not even read, the reason is that it does not exist.
func TestBatchRefusesReceiptsOfOthers(t *testing.T) {
	n := world(t)
	req := ledger.BatchRequest{ID: "b-x", Receipts: []ledger.ReceiptRequest{n.receipt(lt.Statement("r-a", "grant-1", 1))}}
	b, _ := n.okBatch(lt.MarketMSP, req) // a provider of grant-1: reads it, may not submit for it
	wantOutcome(t, b.Outcomes[0], "r-a", ledger.OutcomeRefused, -1, "forbidden", "receipts for grant grant-1 are submitted by its holder or the platform, not MarketMSP")
	req.ID = "b-y"
	b, tx := n.okBatch(lt.DeveloperMSP, req)
	wantOutcome(t, b.Outcomes[0], "r-a", ledger.OutcomeRefused, -1, "not found", "grant grant-1 does not exist")
	if b.Count != 0 || b.Root != "" || len(b.Totals) != 0 {
		t.Errorf("got %+v, want a batch with nothing accepted", b)
	}
	if w := tx.Writes(); len(w) > 0 || len(tx.Events) > 0 {
		t.Errorf("a batch with nothing accepted wrote %q and emitted %d events, want nothing", w, len(tx.Events))
	}
	n.refused("not found: get receipt batch b-y", lt.DeveloperMSP, "GetReceiptBatch", "b-y")
	// Form errors still refuse the batch whole.
	r := n.receipt(lt.Statement("r-b", "grant-1", 1))
	n.refused("conflict: submit receipt batch b-z: replay: receipt r-b appears twice", lt.OperatorMSP, "SubmitReceiptBatch", ledger.BatchRequest{ID: "b-z", Receipts: []ledger.ReceiptRequest{r, r}})
	n.refused("invalid: submit receipt batch : id", lt.OperatorMSP, "SubmitReceiptBatch", ledger.BatchRequest{Receipts: []ledger.ReceiptRequest{r}})
	n.refused("invalid: submit receipt batch b-z: receipts: holds 0 receipts", lt.OperatorMSP, "SubmitReceiptBatch", ledger.BatchRequest{ID: "b-z"})
}

// SubmitReceipts records receipts posted one by one, together, each whole
// and with its own outcome.
func TestSubmitReceipts(t *testing.T) {
	n := world(t)
	outOfScope := lt.Statement("r-scope", "grant-1", 1)
	outOfScope.Operation = "query"
	req := ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{
		n.receipt(lt.Statement("r-a", "grant-1", 10)), n.receipt(outOfScope), n.receipt(lt.Statement("r-b", "grant-1", 5)),
	}}
	tx := n.call(lt.OperatorMSP, "SubmitReceipts", req)
	if !tx.OK() {
		t.Fatal(tx.Message)
	}
	var res ledger.ReceiptsResult
	if err := json.Unmarshal(tx.Payload, &res); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res.Outcomes[0], "r-a", ledger.OutcomeAccepted, 0, "", "")
	wantOutcome(t, res.Outcomes[1], "r-scope", ledger.OutcomeRefused, -1, "refused", "out of scope: operation query is not granted by grant-1")
	wantOutcome(t, res.Outcomes[2], "r-b", ledger.OutcomeAccepted, 1, "", "")
	if len(res.Receipts) != 2 || res.Receipts[1].ID != "r-b" || res.Receipts[1].Signature == "" || len(res.Receipts[1].Datasets) != 1 {
		t.Fatalf("got receipts %+v, want r-a and r-b whole", res.Receipts)
	}
	var alone ledger.Receipt
	n.get(&alone, lt.RegulatorMSP, "GetReceipt", "r-b")
	if alone.Signature != res.Receipts[1].Signature || alone.BatchID != "" || alone.Recorded.TxID != tx.ID {
		t.Errorf("got %+v, want r-b recorded whole, alone, in tx %s", alone, tx.ID)
	}
	e := event(t, tx)
	if e.Type != "receipt" || e.ID != "r-a" || e.Change != "accepted" || !hasRelated(e, "receipt", "r-b", "accepted") ||
		!hasRelated(e, "grant", "grant-1", "used") || !hasRelated(e, "usage", "grant-1", "drawn") {
		t.Errorf("got event %+v, want receipt.accepted r-a with r-b, grant-1 and its usage related", e)
	}
	if got := writesOf(tx, "usage"); got != 1 {
		t.Errorf("got %d usage writes, want 1", got)
	}
	var u ledger.Usage
	n.get(&u, lt.RegulatorMSP, "GetGrantUsage", "grant-1")
	if u.Records != 15 || u.Calls != 2 {
		t.Errorf("got usage %+v, want 15 records in 2 calls", u)
	}

	// Nothing accepted: an answer, no record, no event.
	none := n.call(lt.OperatorMSP, "SubmitReceipts", ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{n.receipt(lt.Statement("r-a", "grant-1", 1))}})
	if !none.OK() || len(none.Writes()) != 0 || len(none.Events) != 0 {
		t.Fatalf("got %q, %d writes, %d events; want a replay refused without a write", none.Message, len(none.Writes()), len(none.Events))
	}
	if err := json.Unmarshal(none.Payload, &res); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res.Outcomes[0], "r-a", ledger.OutcomeRefused, -1, "conflict", "replay: receipt r-a was already recorded in tx "+tx.ID)
	if len(res.Receipts) != 0 || res.Receipts == nil {
		t.Errorf("got receipts %v, want an empty list", res.Receipts)
	}
	r := n.receipt(lt.Statement("r-c", "grant-1", 1))
	n.refused("conflict: submit receipts r-c…: replay: receipt r-c appears twice", lt.OperatorMSP, "SubmitReceipts", ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{r, r}})
	n.refused("invalid: submit receipts: receipts: holds 0 receipts", lt.OperatorMSP, "SubmitReceipts", ledger.ReceiptsRequest{})
}

// A receipt recorded in a batch is stored small: without the batch's
// stamp, which every read puts back, and without an index entry by batch —
// the batch's outcomes name its receipts, paged in leaf order.
func TestBatchRecordsAreCompact(t *testing.T) {
	n := world(t)
	req := ledger.BatchRequest{ID: "b-1"}
	for _, id := range []string{"r-e", "r-d", "r-c", "r-b", "r-a"} {
		req.Receipts = append(req.Receipts, n.receipt(lt.Statement(id, "grant-1", 1)))
	}
	b, tx := n.okBatch(lt.PlatformMSP, req)
	for _, k := range tx.Writes() {
		if strings.HasPrefix(k, "\x00idx~receipt\x00batch\x00") {
			t.Errorf("wrote index entry %q, want none by batch", k)
		}
	}
	if got := writesOf(tx, "idx~receipt"); got != 5 {
		t.Errorf("got %d receipt index entries, want 5 (by grant)", got)
	}
	raw := n.peer.State(key("receipt", "r-c"))
	if raw == nil || strings.Contains(string(raw), `"recorded"`) {
		t.Errorf("stored r-c as %s, want a record without its batch's stamp", raw)
	}

	var r ledger.Receipt
	n.get(&r, lt.OperatorMSP, "GetReceipt", "r-c")
	if r.Recorded != b.Created || r.BatchID != "b-1" || r.Index != 2 {
		t.Errorf("got %+v, want r-c at leaf 2 recorded as batch b-1 (%+v)", r, b.Created)
	}
	// By batch: leaf order (the request's), pages with bookmarks.
	var ids []string
	q := ledger.Query{By: "batch", Value: "b-1", PageSize: 2}
	for range 5 {
		var page ledger.ReceiptPage
		n.get(&page, lt.RegulatorMSP, "QueryReceipts", q)
		for _, it := range page.Items {
			if it.Recorded != b.Created {
				t.Errorf("receipt %s by batch: recorded %+v, want the batch's %+v", it.ID, it.Recorded, b.Created)
			}
			ids = append(ids, it.ID)
		}
		if q.Bookmark = page.Bookmark; q.Bookmark == "" {
			break
		}
	}
	if want := []string{"r-e", "r-d", "r-c", "r-b", "r-a"}; !slices.Equal(ids, want) {
		t.Errorf("by batch: got %v, want %v", ids, want)
	}
	var byGrant ledger.ReceiptPage
	n.get(&byGrant, lt.OperatorMSP, "QueryReceipts", ledger.Query{By: "grant", Value: "grant-1"})
	if len(byGrant.Items) != 5 || byGrant.Items[0].ID != "r-a" || byGrant.Items[0].Recorded != b.Created {
		t.Errorf("by grant: got %+v, want the 5 receipts in ID order, recorded as their batch", byGrant.Items)
	}
	var none ledger.ReceiptPage
	n.get(&none, lt.RegulatorMSP, "QueryReceipts", ledger.Query{By: "batch", Value: "b-none"})
	if len(none.Items) != 0 || none.Bookmark != "" {
		t.Errorf("an unknown batch: got %+v, want an empty page", none)
	}
	var first ledger.ReceiptPage
	n.get(&first, lt.RegulatorMSP, "QueryReceipts", ledger.Query{By: "batch", Value: "b-1", PageSize: 2})
	n.refused("invalid: query receipts: bookmark: is not a bookmark of this query", lt.RegulatorMSP, "QueryReceipts",
		ledger.Query{By: "batch", Value: "b-2", Bookmark: first.Bookmark})
	n.refused("invalid: query receipts: bookmark: is not a bookmark of this query", lt.RegulatorMSP, "QueryReceipts",
		ledger.Query{By: "batch", Value: "b-1", Bookmark: byGrant.Bookmark + "x"})
	// The batch travels as transient data, never as an argument, which
	// the block would carry to every member.
	n.refused("invalid: submit receipt batch: transient: the request is not recorded in the block: send it as transient data", lt.PlatformMSP, "SubmitReceiptBatch")
	// A replay names the batch's transaction, read from the batch.
	n.refused("conflict: submit receipt r-c: replay: receipt r-c was already recorded in tx "+b.Created.TxID,
		lt.OperatorMSP, "SubmitReceipt", req.Receipts[2])
}
