package chaincode_test

import (
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// A fee statement sums the receipts the contract accepted in its month —
// alone, together, in a batch, less a replay — and nothing else; once it
// is recorded a late receipt of that month is refused, and the platform
// alone confirms its payment.
func TestFeeStatementSumsTheAcceptedReceipts(t *testing.T) {
	n := world(t)
	n.ok(lt.AuthorityMSP, "SetFeeSchedule", ledger.FeeScheduleRequest{GrantID: "grant-1", EffectiveFrom: "2025-01", Payee: lt.PlatformMSP,
		PerRecord: 3, PerCall: 100, FixedPerMonth: 5000})
	n.refused("forbidden: set fee schedule of grant grant-1: only the authority sets fee schedules", lt.OperatorMSP, "SetFeeSchedule",
		ledger.FeeScheduleRequest{GrantID: "grant-1", EffectiveFrom: "2025-02", Payee: lt.PlatformMSP})

	day, before := lt.UseTime, lt.UseTime.Add(-24*time.Hour)
	accepted := map[string]uint64{}
	submit := func(msp, fn string, arg any, ids map[string]uint64) {
		t.Helper()
		n.ok(msp, fn, arg)
		for id, records := range ids {
			accepted[id] = records
		}
	}
	submit(lt.OperatorMSP, "SubmitReceipt", n.usedAt("r-1", "grant-1", 10, day, "visits"), map[string]uint64{"r-1": 10})
	submit(lt.OperatorMSP, "SubmitReceipts", ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{
		n.usedAt("r-2", "grant-1", 20, day, "visits", "loans"), n.usedAt("r-3", "grant-1", 5, before, "loans"),
	}}, map[string]uint64{"r-2": 20, "r-3": 5})
	// r-1 again is refused in the batch: it counts once.
	submit(lt.PlatformMSP, "SubmitReceiptBatch", ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{
		n.usedAt("r-4", "grant-1", 7, day, "visits"), n.usedAt("r-1", "grant-1", 10, day, "visits"),
	}}, map[string]uint64{"r-4": 7})

	stmt := ledger.FeeStatementRequest{ID: "fs-1", GrantID: "grant-1", Period: "2025-01"}
	n.refused("refused: record fee statement fs-1: the period 2025-01 has not ended", lt.PlatformMSP, "RecordFeeStatement", stmt)
	n.at(lt.Days(32))
	// A February use, in the next period.
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.usedAt("r-5", "grant-1", 100, lt.Days(31).Add(time.Hour), "visits"))
	n.refused("forbidden: record fee statement fs-1: fee statements are recorded by the platform or the authority", lt.OperatorMSP, "RecordFeeStatement", stmt)
	n.refused("not found: record fee statement fs-1: grant grant-1 does not exist", lt.DeveloperMSP, "RecordFeeStatement", stmt)

	var fs ledger.FeeStatement
	n.get(&fs, lt.PlatformMSP, "RecordFeeStatement", stmt)
	var records uint64
	for _, r := range accepted {
		records += r
	}
	calls := uint64(len(accepted))
	if fs.Records != records || fs.Calls != calls || fs.Receipts != calls || fs.Amount != records*3+calls*100+5000 {
		t.Errorf("statement: got %d records, %d calls, %d fen; want %d records in %d receipts, %d fen",
			fs.Records, fs.Calls, fs.Amount, records, calls, records*3+calls*100+5000)
	}
	n.refused("conflict: record fee statement fs-2: the period 2025-01 of grant grant-1 is already stated by fee statement fs-1",
		lt.AuthorityMSP, "RecordFeeStatement", ledger.FeeStatementRequest{ID: "fs-2", GrantID: "grant-1", Period: "2025-01"})
	// A late receipt of a January use is refused: the statement stays what it summed.
	tx := n.call(lt.OperatorMSP, "SubmitReceipt", n.usedAt("r-6", "grant-1", 1, day, "visits"))
	if tx.OK() || !strings.Contains(tx.Message, "was stated by fee statement fs-1") {
		t.Errorf("a late January receipt: got %q (ok %v), want refused as stated", tx.Message, tx.OK())
	}
	n.ok(lt.OperatorMSP, "SubmitReceipt", n.usedAt("r-7", "grant-1", 1, lt.Days(32), "visits"))

	n.refused("forbidden: confirm payment of fee statement fs-1: payment of fee statement fs-1 is confirmed by its payee PlatformMSP", lt.OperatorMSP, "ConfirmFeePayment", "fs-1", lt.Digest("transfer"))
	n.refused("not found: confirm payment of fee statement fs-1: fee statement fs-1 does not exist", lt.HealthMSP, "ConfirmFeePayment", "fs-1", lt.Digest("transfer"))
	n.refused("conflict: acknowledge fee statement fs-1: fee statement fs-1 is not paid yet", lt.OperatorMSP, "AcknowledgeFeeStatement", "fs-1")
	n.ok(lt.PlatformMSP, "ConfirmFeePayment", "fs-1", lt.Digest("transfer"))
	n.get(&fs, lt.OperatorMSP, "AcknowledgeFeeStatement", "fs-1")
	if fs.Status != ledger.FeeAcknowledged || fs.PaymentDigest != lt.Digest("transfer") {
		t.Errorf("got %+v, want acknowledged after payment", fs)
	}
}
