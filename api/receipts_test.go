package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

func TestReceiptProof(t *testing.T) {
	leaves := make([][32]byte, 3)
	for i := range leaves {
		leaves[i][0] = byte(i + 1)
	}
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		t.Fatal(err)
	}
	batchReceipts := func() map[string]ledger.Receipt {
		m := map[string]ledger.Receipt{"alone": {ID: "alone", Digest: attest.HexDigest(leaves[0])}}
		for i, l := range leaves {
			id := string(rune('a' + i))
			m[id] = ledger.Receipt{ID: id, BatchID: "b-1", Index: i, Digest: attest.HexDigest(l)}
		}
		return m
	}
	tests := []struct {
		name       string
		receipt    string
		hidden     int
		root       string
		wantStatus int
		wantCode   string
	}{
		{name: "proof of a batched receipt", receipt: "b", root: attest.HexDigest(root), wantStatus: 200},
		{name: "receipt accepted alone", receipt: "alone", root: attest.HexDigest(root), wantStatus: 409, wantCode: "conflict"},
		{name: "receipts of the batch not visible", receipt: "b", hidden: 1, root: attest.HexDigest(root), wantStatus: 403, wantCode: "forbidden"},
		{name: "recorded root disagrees", receipt: "b", root: attest.HexDigest(leaves[0]), wantStatus: 500, wantCode: "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.state.receipts = batchReceipts()
			ts.state.batch = &ledger.Batch{ID: "b-1", Root: tt.root, Count: 3}
			ts.state.hiddenInPage = tt.hidden
			rec := ts.do(t, request{method: http.MethodGet, path: "/v1/receipts/" + tt.receipt + "/proof", user: "Admin"})
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantCode != "" {
				if b := decodeErrorBody(t, rec); b.Code != tt.wantCode {
					t.Errorf("code: got %q, want %q", b.Code, tt.wantCode)
				}
				return
			}
			var p ReceiptProof
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Index != 1 || p.BatchID != "b-1" || p.Root != attest.HexDigest(root) {
				t.Errorf("proof: got %+v", p)
			}
			if !attest.VerifyProof(leaves[1], p.Proof, root) {
				t.Errorf("proof %+v does not verify", p.Proof)
			}
		})
	}
}
