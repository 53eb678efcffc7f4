package chaincode_test

import (
	"fmt"
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// BenchmarkSubmitReceiptBatch is one endorser's work on a full batch, the
// peer's side in memory: what the contract itself costs per receipt
// (go test -bench SubmitReceiptBatch -benchmem -cpuprofile …).
func BenchmarkSubmitReceiptBatch(b *testing.B) {
	n := world(b)
	batches := make([]ledger.BatchRequest, b.N)
	for i := range batches {
		req := ledger.BatchRequest{ID: fmt.Sprintf("b-%d", i)}
		for j := range ledger.MaxBatch {
			req.Receipts = append(req.Receipts, n.receipt(lt.Statement(fmt.Sprintf("r-%d-%d", i, j), "grant-1", 1)))
		}
		batches[i] = req
	}
	b.ResetTimer()
	for i := range b.N {
		n.okBatch(lt.PlatformMSP, batches[i])
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*ledger.MaxBatch), "µs/receipt")
}
