package chaincode_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// Round trips to the peer, not bytes, are what a transaction's reads cost
// on a peer (docs/performance.md): these tests hold the receipt and
// provenance transactions to the round trips they take now, and check that
// reading ahead kept every key their decisions depend on in the read set.
//
// A single receipt on a first-level grant: the caller's rows (1), what the
// receipt names (1), the agreements' range with their rows and its close
// (3), the write batch (1). It took 20 before its reads were batched.
const singleReceiptRoundTrips = 6

// wantReads fails t unless every key is in the transaction's read set.
func wantReads(t *testing.T, tx *chaincodetest.Tx, keys ...string) {
	t.Helper()
	reads := tx.Reads()
	for _, k := range keys {
		if !slices.Contains(reads, k) {
			t.Errorf("got read set %q, want it to hold %q", reads, k)
		}
	}
}

// hasReadOf reports whether the transaction read a key of type typ.
func hasReadOf(tx *chaincodetest.Tx, typ string) bool {
	return slices.ContainsFunc(tx.Reads(), func(k string) bool { return strings.HasPrefix(k, "\x00"+typ+"\x00") })
}

func TestSingleReceiptRoundTrips(t *testing.T) {
	t.Run("first-level grant", func(t *testing.T) {
		n := world(t)
		tx := n.call(lt.OperatorMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
		if !tx.OK() {
			t.Fatalf("SubmitReceipt: %s %v", tx.Message, tx.CommitErr)
		}
		if got := tx.RoundTrips(); got > singleReceiptRoundTrips {
			t.Errorf("got %d round trips to the peer for a single receipt, want at most %d", got, singleReceiptRoundTrips)
		}
		wantReads(t, tx, "config", key("participant", lt.OperatorMSP), key("receipt", "r-1"), key("attestor", n.attestor.Address()),
			key("grant", "grant-1"), key("grantstatus", "grant-1"), key("usage", "grant-1"), key("feeschedule", "grant-1"),
			"\x00usageday\x00grant-1\x00"+ledger.UsageDayOf(lt.UseTime)[:7]+"\x00"+ledger.UsageDayOf(lt.UseTime)+"\x00", key("agreement", "agr-1"))
		if !hasReadOf(tx, "expert") {
			t.Errorf("got read set %q, want the expert row of the caller's identity in it", tx.Reads())
		}
	})
	t.Run("sub-grant", func(t *testing.T) {
		n := subWorld(t)
		tx := n.call(lt.DeveloperMSP, "SubmitReceipt", n.useNow("r-s", "sub-1", 1))
		if !tx.OK() {
			t.Fatalf("SubmitReceipt: %s %v", tx.Message, tx.CommitErr)
		}
		// The holders and the parent are a second request (1), the
		// parent's agreements a second range with their rows (3); the
		// sub-grant's own range holds no agreement (one round trip fewer).
		if got, want := tx.RoundTrips(), singleReceiptRoundTrips+1+3-1; got > want {
			t.Errorf("got %d round trips to the peer for a receipt on a sub-grant, want at most %d", got, want)
		}
		wantReads(t, tx, key("participant", lt.DeveloperMSP), key("participant", lt.OperatorMSP), key("grant", "sub-1"), key("grantstatus", "sub-1"),
			key("usage", "sub-1"), key("grant", "grant-1"), key("grantstatus", "grant-1"), key("usage", "grant-1"), key("agreement", "agr-1"))
	})
	t.Run("by the platform", func(t *testing.T) {
		// The holder is not the caller: its row is in the second request.
		n := world(t)
		tx := n.call(lt.PlatformMSP, "SubmitReceipt", n.receipt(lt.Statement("r-1", "grant-1", 10)))
		if !tx.OK() {
			t.Fatalf("SubmitReceipt: %s %v", tx.Message, tx.CommitErr)
		}
		if got, want := tx.RoundTrips(), singleReceiptRoundTrips+1; got > want {
			t.Errorf("got %d round trips to the peer, want at most %d", got, want)
		}
		wantReads(t, tx, key("participant", lt.PlatformMSP), key("participant", lt.OperatorMSP))
	})
}

// A batch reads what its receipts are checked against in as many requests
// as a single receipt, however many receipts it holds.
func TestBatchRoundTripsDoNotGrowWithItsReceipts(t *testing.T) {
	n := world(t)
	batch := func(id string, receipts int) *chaincodetest.Tx {
		req := ledger.BatchRequest{ID: id}
		for i := range receipts {
			req.Receipts = append(req.Receipts, n.receipt(lt.Statement(fmt.Sprintf("%s-r%d", id, i), "grant-1", 1)))
		}
		_, tx := n.okBatch(lt.OperatorMSP, req)
		return tx
	}
	one, eight := batch("b-1", 1), batch("b-8", 8)
	if one.RoundTrips() != eight.RoundTrips() || one.RoundTrips() > singleReceiptRoundTrips+1 {
		t.Errorf("got %d round trips for a batch of one and %d for a batch of eight, want the same, at most %d",
			one.RoundTrips(), eight.RoundTrips(), singleReceiptRoundTrips+1)
	}
	wantReads(t, eight, key("receipt", "b-8-r7"), key("batch", "b-8"), key("usage", "grant-1"))
}

// incidentScans returns the subjects whose incidents the transaction
// scanned.
func incidentScans(tx *chaincodetest.Tx) []string {
	var out []string
	for _, prefix := range tx.RangeScans() {
		if rest, ok := strings.CutPrefix(prefix, "\x00idx~incident\x00"); ok {
			out = append(out, strings.ReplaceAll(strings.TrimSuffix(rest, "\x00"), "\x00", "/"))
		}
	}
	return out
}

// A provenance reads its path in a few requests whatever its length, and
// scans the incidents of the subjects that have some, found by their marks,
// alone: none on a path without incidents. Closed or not, an incident shows.
func TestProvenanceReadsAndIncidentMarks(t *testing.T) {
	n := productWorld(t)
	// prod-1 holds one receipt; prod-many, on the same path, eight.
	var many []string
	for i := range 8 {
		id := fmt.Sprintf("r-m%d", i)
		n.ok(lt.OperatorMSP, "SubmitReceipt", n.useNow(id, "grant-1", 1))
		many = append(many, id)
	}
	n.ok(lt.OperatorMSP, "RegisterProduct", ledger.ProductRequest{ID: "prod-many", Type: ledger.ProductReport, Name: "report", DescriptionDigest: lt.Digest("many"), Grants: []string{"grant-1"}, Receipts: many})
	provenance := func(product string) (ledger.Provenance, *chaincodetest.Tx) {
		t.Helper()
		tx := n.call(lt.RegulatorMSP, "GetProvenance", product)
		if !tx.OK() {
			t.Fatalf("GetProvenance %s: %s", product, tx.Message)
		}
		var prov ledger.Provenance
		if err := json.Unmarshal(tx.Payload, &prov); err != nil {
			t.Fatalf("GetProvenance %s: decode: %v", product, err)
		}
		return prov, tx
	}
	few, fewTx := provenance("prod-1")
	_, manyTx := provenance("prod-many")
	if got := incidentScans(fewTx); len(got) != 0 || len(few.Incidents) != 0 {
		t.Errorf("a path without incidents: got scans of %q and incidents %+v, want neither", got, few.Incidents)
	}
	// The caller's rows, the product, its grants, its receipts, their
	// datasets, the datasets' owners, the incident marks.
	const provenanceRoundTrips = 7
	if fewTx.RoundTrips() > provenanceRoundTrips || manyTx.RoundTrips() != fewTx.RoundTrips() {
		t.Errorf("got %d round trips for a provenance of one receipt and %d for eight, want the same, at most %d",
			fewTx.RoundTrips(), manyTx.RoundTrips(), provenanceRoundTrips)
	}

	now := n.peer.Now()
	n.ok(lt.OperatorMSP, "ReportIncident", incidentRequest("inc-g", ledger.IncidentOnGrant, "grant-1", now))
	n.ok(lt.HealthMSP, "ReportIncident", incidentRequest("inc-d", ledger.IncidentOnDataset, "visits", now))
	n.ok(lt.PlatformMSP, "ReportIncident", incidentRequest("inc-a", ledger.IncidentOnAttestor, n.attestor.Address(), now))
	n.ok(lt.AuthorityMSP, "DecideIncident", ledger.IncidentDecisionRequest{ID: "inc-g", Action: ledger.ActionRectify, ReasonDigest: lt.Digest("rectify")})
	n.ok(lt.AuthorityMSP, "CloseIncident", "inc-g", lt.Digest("closing report"))
	for _, subject := range []string{"grant\x00grant-1", "dataset\x00visits", "attestor\x00" + n.attestor.Address()} {
		if mark := n.peer.State("\x00incidentmark\x00" + subject + "\x00"); mark == nil {
			t.Errorf("got no incident mark on %q after an incident on it", subject)
		}
	}
	prov, tx := provenance("prod-1")
	var ids []string
	for _, inc := range prov.Incidents {
		ids = append(ids, inc.ID)
	}
	if want := []string{"inc-a", "inc-d", "inc-g"}; !slices.Equal(ids, want) {
		t.Errorf("got incidents %q on the path, want %q", ids, want)
	}
	// loans, the path's other dataset, has no incident and is not scanned.
	want := []string{"grant/grant-1", "dataset/visits", "attestor/" + n.attestor.Address()}
	if got := incidentScans(tx); !slices.Equal(got, want) {
		t.Errorf("got incident scans of %q, want of the marked subjects %q alone", got, want)
	}
}
