package ledger_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// feeSchedule sets grant-1's fees from January 2025: 3 fen a record, 100 a
// call, 5000 a month, paid to the platform.
func feeSchedule(t *testing.T, w *lt.World) *ledger.FeeSchedule {
	t.Helper()
	s, err := ledger.SetFeeSchedule(lt.Authority, ledger.FeeScheduleRequest{GrantID: "grant-1", EffectiveFrom: "2025-01", Payee: lt.PlatformMSP,
		PerRecord: 3, PerCall: 100, FixedPerMonth: 5000}, nil, w.Grant, w.Participants[lt.PlatformMSP], lt.Stamp(lt.Authority, lt.Days(5)))
	wantErr(t, err, nil)
	return s
}

func usageDay(grant, d string, records, calls uint64) ledger.UsageDay {
	return ledger.UsageDay{GrantID: grant, Day: d, Records: records, Calls: calls, Receipts: calls}
}

func TestSetFeeScheduleRefusals(t *testing.T) {
	w := lt.NewWorld(t)
	at := lt.Stamp(lt.Authority, lt.Days(5))
	req := ledger.FeeScheduleRequest{GrantID: "grant-1", EffectiveFrom: "2025-01", Payee: lt.PlatformMSP, PerRecord: 1}
	platform := w.Participants[lt.PlatformMSP]
	for _, tt := range []struct {
		name   string
		caller ledger.Actor
		change func(*ledger.FeeScheduleRequest)
		payee  *ledger.Participant
		want   error
	}{
		{"the authority", lt.Authority, func(*ledger.FeeScheduleRequest) {}, platform, nil},
		{"the holder", lt.Operator, func(*ledger.FeeScheduleRequest) {}, platform, ledger.ErrForbidden},
		{"the platform, which may not read the grant", lt.Platform, func(*ledger.FeeScheduleRequest) {}, platform, ledger.ErrNotFound},
		{"a past month", lt.Authority, func(r *ledger.FeeScheduleRequest) { r.EffectiveFrom = "2024-12" }, platform, ledger.ErrInvalid},
		{"not a month", lt.Authority, func(r *ledger.FeeScheduleRequest) { r.EffectiveFrom = "2025-1" }, platform, ledger.ErrInvalid},
		{"an amount too large", lt.Authority, func(r *ledger.FeeScheduleRequest) { r.PerCall = ledger.MaxFeeAmount + 1 }, platform, ledger.ErrInvalid},
		{"a payee that is no platform", lt.Authority, func(r *ledger.FeeScheduleRequest) { r.Payee = lt.OperatorMSP }, w.Participants[lt.OperatorMSP], ledger.ErrRefused},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := req
			tt.change(&r)
			_, err := ledger.SetFeeSchedule(tt.caller, r, nil, w.Grant, tt.payee, lt.Stamp(tt.caller, at.Time))
			wantErr(t, err, tt.want)
		})
	}
}

// A statement sums the grant's rows of its month, and only those, and
// prices them by the version in force that month.
func TestFeeStatementSumsItsMonth(t *testing.T) {
	w := lt.NewWorld(t)
	s := feeSchedule(t, w)
	s, err := ledger.SetFeeSchedule(lt.Authority, ledger.FeeScheduleRequest{GrantID: "grant-1", EffectiveFrom: "2025-03", Payee: lt.PlatformMSP,
		PerRecord: 1, PerCall: 0, FixedPerMonth: 0}, s, w.Grant, w.Participants[lt.PlatformMSP], lt.Stamp(lt.Authority, lt.Days(6)))
	wantErr(t, err, nil)
	days := []ledger.UsageDay{
		usageDay("grant-1", "2025-01-10", 10, 1), usageDay("grant-1", "2025-01-31", 32, 3),
		usageDay("grant-1", "2025-02-01", 1000, 9), usageDay("grant-2", "2025-01-10", 1000, 9),
		usageDay("grant-1", "2025-03-05", 7, 2),
	}
	in := ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s, Days: days}
	jan, s2, err := ledger.RecordFeeStatement(lt.Platform, ledger.FeeStatementRequest{ID: "fs-1", GrantID: "grant-1", Period: "2025-01"}, in, lt.Stamp(lt.Platform, lt.Days(31)))
	wantErr(t, err, nil)
	// 42 records at 3 fen, 4 calls at 100, 5000 a month.
	if jan.Records != 42 || jan.Calls != 4 || jan.Days != 2 || jan.RecordsAmount != 126 || jan.CallsAmount != 400 || jan.FixedAmount != 5000 || jan.Amount != 5526 {
		t.Errorf("January: got %+v, want 42 records and 4 calls over 2 days, 126 + 400 + 5000 = 5526 fen", jan)
	}
	if jan.Holder != lt.OperatorMSP || jan.Payee != lt.PlatformMSP || jan.Status != ledger.FeeStated || jan.Ended != "period" {
		t.Errorf("January: got %+v, want stated, owed by the operator to the platform", jan)
	}
	if id, ok := s2.StatementOf("2025-01"); !ok || id != "fs-1" {
		t.Errorf("schedule after the statement: stated %+v, want 2025-01 by fs-1", s2.Stated)
	}
	in.Schedule = s2
	mar, _, err := ledger.RecordFeeStatement(lt.Authority, ledger.FeeStatementRequest{ID: "fs-3", GrantID: "grant-1", Period: "2025-03"}, in, lt.Stamp(lt.Authority, lt.Days(90)))
	wantErr(t, err, nil)
	if mar.Amount != 7 || mar.Version.EffectiveFrom != "2025-03" {
		t.Errorf("March: got %d fen under %s, want 7 under the version of 2025-03", mar.Amount, mar.Version.EffectiveFrom)
	}
	// The same month again, under another ID.
	_, _, err = ledger.RecordFeeStatement(lt.Platform, ledger.FeeStatementRequest{ID: "fs-9", GrantID: "grant-1", Period: "2025-01"}, in, lt.Stamp(lt.Platform, lt.Days(40)))
	wantErr(t, err, ledger.ErrConflict)
	// A version in a stated month.
	_, err = ledger.SetFeeSchedule(lt.Authority, ledger.FeeScheduleRequest{GrantID: "grant-1", EffectiveFrom: "2025-01", Payee: lt.PlatformMSP},
		s2, w.Grant, w.Participants[lt.PlatformMSP], lt.Stamp(lt.Authority, lt.Days(6)))
	wantErr(t, err, ledger.ErrConflict)
	// A use in the stated month is no longer recorded; one in February is.
	wantErr(t, ledger.RequireUnstated(s2, "grant-1", lt.Days(20)), ledger.ErrRefused)
	wantErr(t, ledger.RequireUnstated(s2, "grant-1", lt.Days(40)), nil)
	wantErr(t, ledger.RequireUnstated(nil, "grant-1", lt.Days(20)), nil)
}

func TestFeeStatementRefusals(t *testing.T) {
	w := lt.NewWorld(t)
	s := feeSchedule(t, w)
	req := ledger.FeeStatementRequest{ID: "fs-1", GrantID: "grant-1", Period: "2025-01"}
	after := lt.Days(31)
	for _, tt := range []struct {
		name   string
		caller ledger.Actor
		req    ledger.FeeStatementRequest
		in     ledger.FeeStatementInputs
		at     time.Time
		want   string
	}{
		{"the holder", lt.Operator, req, ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s}, after, "forbidden"},
		{"a stranger", lt.Stranger, req, ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s}, after, "not found"},
		{"before the month ends", lt.Platform, req, ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s}, lt.Days(30), "refused: the period 2025-01 has not ended"},
		{"without a schedule", lt.Platform, req, ledger.FeeStatementInputs{Grant: w.Grant}, after, "refused: grant grant-1 has no fee schedule"},
		{"before the schedule", lt.Platform, ledger.FeeStatementRequest{ID: "fs-1", GrantID: "grant-1", Period: "2024-12"},
			ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s}, after, "refused: grant grant-1 has no fee schedule in force in 2024-12"},
		{"an ID taken", lt.Platform, req, ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s, Existing: &ledger.FeeStatement{ID: "fs-1"}}, after, "conflict"},
		{"a bad period", lt.Platform, ledger.FeeStatementRequest{ID: "fs-1", GrantID: "grant-1", Period: "2025-13"},
			ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s}, after, "invalid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ledger.RecordFeeStatement(tt.caller, tt.req, tt.in, lt.Stamp(tt.caller, tt.at))
			if got := kindAndMessage(err); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want it to start %q", got, tt.want)
			}
		})
	}
	// A count times a price that overflows 64 bits is refused, not wrapped.
	huge := feeSchedule(t, w)
	huge.Versions[0].PerRecord = ledger.MaxFeeAmount
	_, _, err := ledger.RecordFeeStatement(lt.Platform, req, ledger.FeeStatementInputs{Grant: w.Grant, Schedule: huge,
		Days: []ledger.UsageDay{usageDay("grant-1", "2025-01-02", math.MaxUint64/2, 1)}}, lt.Stamp(lt.Platform, after))
	wantErr(t, err, ledger.ErrRefused)
}

// Once the grant is revoked no later use is recorded: its month can be
// stated before it ends.
func TestFeeStatementAfterRevocation(t *testing.T) {
	w := lt.NewWorld(t)
	s := feeSchedule(t, w)
	wantErr(t, w.Grant.Revoke(lt.Authority, "breach", lt.Stamp(lt.Authority, lt.Days(12))), nil)
	fs, _, err := ledger.RecordFeeStatement(lt.Authority, ledger.FeeStatementRequest{ID: "fs-1", GrantID: "grant-1", Period: "2025-01"},
		ledger.FeeStatementInputs{Grant: w.Grant, Schedule: s, Days: []ledger.UsageDay{usageDay("grant-1", "2025-01-11", 5, 1)}}, lt.Stamp(lt.Authority, lt.Days(13)))
	wantErr(t, err, nil)
	if fs.Ended != "revoked" || fs.Amount != 5*3+100+5000 {
		t.Errorf("got ended %q, %d fen; want revoked, 5115", fs.Ended, fs.Amount)
	}
}

func TestFeePaymentAndAcknowledgement(t *testing.T) {
	w := lt.NewWorld(t)
	fs, _, err := ledger.RecordFeeStatement(lt.Platform, ledger.FeeStatementRequest{ID: "fs-1", GrantID: "grant-1", Period: "2025-01"},
		ledger.FeeStatementInputs{Grant: w.Grant, Schedule: feeSchedule(t, w)}, lt.Stamp(lt.Platform, lt.Days(31)))
	wantErr(t, err, nil)
	at := lt.Days(33)
	wantErr(t, fs.Acknowledge(lt.Operator, lt.Stamp(lt.Operator, at)), ledger.ErrConflict)
	wantErr(t, fs.ConfirmPayment(lt.Operator, lt.Digest("transfer"), lt.Stamp(lt.Operator, at)), ledger.ErrForbidden)
	wantErr(t, fs.ConfirmPayment(lt.Authority, lt.Digest("transfer"), lt.Stamp(lt.Authority, at)), ledger.ErrForbidden)
	wantErr(t, fs.ConfirmPayment(lt.Health, lt.Digest("transfer"), lt.Stamp(lt.Health, at)), ledger.ErrNotFound)
	wantErr(t, fs.ConfirmPayment(lt.Platform, "transfer", lt.Stamp(lt.Platform, at)), ledger.ErrInvalid)
	wantErr(t, fs.ConfirmPayment(lt.Platform, lt.Digest("transfer"), lt.Stamp(lt.Platform, at)), nil)
	wantErr(t, fs.ConfirmPayment(lt.Platform, lt.Digest("transfer"), lt.Stamp(lt.Platform, at)), ledger.ErrConflict)
	wantErr(t, fs.Acknowledge(lt.Platform, lt.Stamp(lt.Platform, at)), ledger.ErrForbidden)
	wantErr(t, fs.Acknowledge(lt.Operator, lt.Stamp(lt.Operator, at)), nil)
	if fs.Status != ledger.FeeAcknowledged || fs.PaymentDigest != lt.Digest("transfer") || fs.Paid.MSP != lt.PlatformMSP || fs.Acknowledged.MSP != lt.OperatorMSP {
		t.Errorf("got %+v, want acknowledged by the operator after the platform's confirmation", fs)
	}
}

// kindAndMessage is an error as the contract answers it: its kind, then
// its message.
func kindAndMessage(err error) string {
	if err == nil {
		return "no error"
	}
	return ledger.Kind(err).Error() + ": " + err.Error()
}
