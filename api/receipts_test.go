package api

import (
	"context"
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
			book := &receiptBook{receipts: batchReceipts(), batch: &ledger.Batch{ID: "b-1", Root: tt.root, Count: 3}, hiddenInPage: tt.hidden}
			ts := newServerOver(t, book.ledger)
			rec := ts.do(t, request{method: http.MethodGet, path: "/v1/receipts/" + tt.receipt + "/proof", user: "Admin"})
			if failed := checkAnswer(t, rec, tt.wantStatus, tt.wantCode); failed {
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

// receiptBook is what the receipt fake answers from: the receipts and the
// batch a test records.
type receiptBook struct {
	receipts     map[string]ledger.Receipt
	batch        *ledger.Batch
	hiddenInPage int // receipts of the batch QueryReceipts leaves out
	// refused are the outcomes (kind, reason) SubmitReceipts answers
	// for these receipt IDs; the others are accepted.
	refused map[string]ledger.ReceiptOutcome
}

// ledger is a ledger of the book's receipts and nothing else.
func (b *receiptBook) ledger(f fake) Ledger { return fakeLedger{ReceiptLedger: fakeReceipts{f, b}} }

// fakeReceipts is the usage receipts (ReceiptLedger) at the process
// boundary, answering from its book.
type fakeReceipts struct {
	fake
	book *receiptBook
}

func (f fakeReceipts) SubmitReceipt(ctx context.Context, req ledger.ReceiptRequest) (*ledger.Receipt, error) {
	return answer(f.fake, ctx, "SubmitReceipt", &ledger.Receipt{ID: req.Statement.ReceiptID}, req)
}
func (f fakeReceipts) SubmitReceipts(ctx context.Context, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error) {
	res := &ledger.ReceiptsResult{Receipts: []ledger.Receipt{}}
	for _, r := range req.Receipts {
		id := r.Statement.ReceiptID
		if o, ok := f.book.refused[id]; ok {
			o.ReceiptID, o.Status, o.Index = id, ledger.OutcomeRefused, -1
			res.Outcomes = append(res.Outcomes, o)
			continue
		}
		res.Outcomes = append(res.Outcomes, ledger.ReceiptOutcome{ReceiptID: id, Status: ledger.OutcomeAccepted, Index: len(res.Receipts)})
		res.Receipts = append(res.Receipts, ledger.Receipt{ID: id, GrantID: r.Statement.GrantID})
	}
	return answer(f.fake, ctx, "SubmitReceipts", res, req)
}
func (f fakeReceipts) SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error) {
	return answer(f.fake, ctx, "SubmitReceiptBatch", &ledger.Batch{ID: req.ID, Count: len(req.Receipts)}, req)
}
func (f fakeReceipts) GetReceipt(ctx context.Context, id string) (*ledger.Receipt, error) {
	r, ok := f.book.receipts[id]
	if !ok {
		r = ledger.Receipt{ID: id}
	}
	return answer(f.fake, ctx, "GetReceipt", &r, id)
}
func (f fakeReceipts) QueryReceipts(ctx context.Context, q ledger.Query) (*ledger.ReceiptPage, error) {
	page := &ledger.ReceiptPage{Items: []ledger.Receipt{}}
	if q.By == "batch" && f.book.batch != nil {
		// One receipt per page, to exercise the bookmarks.
		next := 0
		if q.Bookmark != "" {
			next = int(q.Bookmark[0] - '0')
		}
		for _, r := range f.book.receipts {
			if r.BatchID == q.Value && r.Index == next && r.Index >= f.book.hiddenInPage {
				page.Items = append(page.Items, r)
			}
		}
		if next+1 < f.book.batch.Count {
			page.Bookmark = string(rune('0' + next + 1))
		}
	}
	return answer(f.fake, ctx, "QueryReceipts", page, q)
}
func (f fakeReceipts) GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error) {
	b := f.book.batch
	if b == nil {
		b = &ledger.Batch{ID: id}
	}
	return answer(f.fake, ctx, "GetReceiptBatch", b, id)
}
func (f fakeReceipts) VerifyReceiptProof(ctx context.Context, req ledger.ProofRequest) (*ledger.ProofResult, error) {
	return answer(f.fake, ctx, "VerifyReceiptProof", &ledger.ProofResult{Valid: true, BatchID: req.BatchID}, req)
}
