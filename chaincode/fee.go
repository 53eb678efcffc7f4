package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// SetFeeSchedule sets a version of a grant's fee schedule (收费标准 of the
// 平台使用费): amounts in fen per record, per call and fixed per month, paid
// by the grant's holder to a platform, from a month on
// (ledger.SetFeeSchedule). Caller: the authority. Event: feeschedule.set.
func (c *Contract) SetFeeSchedule(ctx contractapi.TransactionContextInterface, request string) (*ledger.FeeSchedule, error) {
	var out *ledger.FeeSchedule
	err := c.submit(ctx, "set fee schedule", func(tx *txn) error {
		var req ledger.FeeScheduleRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("set fee schedule of grant", req.GrantID)
		if err := ledger.CheckID("grantId", req.GrantID); err != nil {
			return err
		}
		g, err := getGrant(tx, req.GrantID)
		if err != nil {
			return err
		}
		existing, err := get[ledger.FeeSchedule](tx, typeFeeSchedule, req.GrantID)
		if err != nil {
			return err
		}
		var payee *ledger.Participant
		if ledger.CheckID("payee", req.Payee) == nil {
			if payee, err = get[ledger.Participant](tx, typeParticipant, req.Payee); err != nil {
				return err
			}
		}
		s, err := ledger.SetFeeSchedule(tx.caller, req, existing, g, payee, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeFeeSchedule, s.GrantID, s); err != nil {
			return err
		}
		tx.emit(typeFeeSchedule, s.GrantID, "set")
		out = s
		return nil
	})
	return result(out, err)
}

// GetFeeSchedule returns a grant's fee schedule to its holder, its payees,
// the authority and the regulator; to others it does not exist.
func (c *Contract) GetFeeSchedule(ctx contractapi.TransactionContextInterface, grantID string) (*ledger.FeeSchedule, error) {
	var out *ledger.FeeSchedule
	err := c.evaluate(ctx, "get fee schedule of grant "+grantID, func(tx *txn) error {
		var err error
		out, err = readable[ledger.FeeSchedule](tx, typeFeeSchedule, "fee schedule of grant", grantID)
		return err
	})
	return result(out, err)
}

// RecordFeeStatement computes a grant's fee statement (费用结算单) for a
// month from the rows of use its receipts wrote and the schedule in force,
// once the month has ended by the transaction's time (or the grant's use
// ended), once per grant and month, and marks the month stated on the
// schedule: receipts of a use in it are refused afterwards. Caller: the
// platform or the authority. Event: feestatement.stated.
func (c *Contract) RecordFeeStatement(ctx contractapi.TransactionContextInterface, request string) (*ledger.FeeStatement, error) {
	var out *ledger.FeeStatement
	err := c.submit(ctx, "record fee statement", func(tx *txn) error {
		var req ledger.FeeStatementRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("record fee statement", req.ID)
		if err := ledger.CheckID("grantId", req.GrantID); err != nil {
			return err
		}
		var in ledger.FeeStatementInputs
		var err error
		if in.Grant, err = getGrant(tx, req.GrantID); err != nil {
			return err
		}
		if ledger.CheckID("id", req.ID) == nil {
			if in.Existing, err = get[ledger.FeeStatement](tx, typeFeeStatement, req.ID); err != nil {
				return err
			}
		}
		if in.Schedule, err = get[ledger.FeeSchedule](tx, typeFeeSchedule, req.GrantID); err != nil {
			return err
		}
		// The rows are kept by grant and month: a malformed period reads
		// none, and the rules refuse it.
		if len(req.Period) == len("2006-01") {
			if in.Days, err = tx.usageDays(req.GrantID, req.Period); err != nil {
				return err
			}
		}
		fs, s, err := ledger.RecordFeeStatement(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeFeeSchedule, s.GrantID, s); err != nil {
			return err
		}
		if err := put(tx, typeFeeStatement, fs.ID, fs); err != nil {
			return err
		}
		tx.emit(typeFeeStatement, fs.ID, string(fs.Status))
		out = fs
		return nil
	})
	return result(out, err)
}

// ConfirmFeePayment records the payee's confirmation that a statement was
// paid, with the digest of the payment's reference. Caller: the
// statement's payee (a platform). Event: feestatement.paid.
func (c *Contract) ConfirmFeePayment(ctx contractapi.TransactionContextInterface, id, referenceDigest string) (*ledger.FeeStatement, error) {
	return c.changeFeeStatement(ctx, "confirm payment of fee statement "+id, id, func(tx *txn, fs *ledger.FeeStatement) error {
		return fs.ConfirmPayment(tx.caller, referenceDigest, tx.stamp)
	})
}

// AcknowledgeFeeStatement records the holder's acknowledgement of a paid
// statement. Caller: the statement's holder. Event:
// feestatement.acknowledged.
func (c *Contract) AcknowledgeFeeStatement(ctx contractapi.TransactionContextInterface, id string) (*ledger.FeeStatement, error) {
	return c.changeFeeStatement(ctx, "acknowledge fee statement "+id, id, func(tx *txn, fs *ledger.FeeStatement) error {
		return fs.Acknowledge(tx.caller, tx.stamp)
	})
}

// changeFeeStatement applies change to a recorded statement and writes it,
// its event named by the statement's new status.
func (c *Contract) changeFeeStatement(ctx contractapi.TransactionContextInterface, op, id string, change func(*txn, *ledger.FeeStatement) error) (*ledger.FeeStatement, error) {
	var out *ledger.FeeStatement
	err := c.submit(ctx, op, func(tx *txn) error {
		fs, err := need[ledger.FeeStatement](tx, typeFeeStatement, "fee statement", id)
		if err != nil {
			return err
		}
		if err := change(tx, fs); err != nil {
			return err
		}
		if err := put(tx, typeFeeStatement, fs.ID, fs); err != nil {
			return err
		}
		tx.emit(typeFeeStatement, fs.ID, string(fs.Status))
		out = fs
		return nil
	})
	return result(out, err)
}

// GetFeeStatement returns a statement to its holder, its payee, the
// authority and the regulator; to others it does not exist.
func (c *Contract) GetFeeStatement(ctx contractapi.TransactionContextInterface, id string) (*ledger.FeeStatement, error) {
	var out *ledger.FeeStatement
	err := c.evaluate(ctx, "get fee statement "+id, func(tx *txn) error {
		var err error
		out, err = readable[ledger.FeeStatement](tx, typeFeeStatement, "fee statement", id)
		return err
	})
	return result(out, err)
}

// QueryFeeStatements pages through the statements the caller may read by
// grant, period, holder, payee or status.
func (c *Contract) QueryFeeStatements(ctx contractapi.TransactionContextInterface, query string) (*ledger.FeeStatementPage, error) {
	var out *ledger.FeeStatementPage
	err := c.evaluate(ctx, "query fee statements", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page(tx, typeFeeStatement, q, []string{"grant", "period", "holder", "payee", "status"},
			func(fs *ledger.FeeStatement) bool { return fs.VisibleTo(tx.caller) })
		out = &ledger.FeeStatementPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}

// feesOf returns grant id's fee schedule (nil when none), read once per
// transaction: receipts of a use in a period it stated are refused. A
// statement writes the schedule, so that a receipt endorsed before it
// commits is invalidated rather than left out of the statement.
func (rs *receiptState) feesOf(id string) (*ledger.FeeSchedule, error) {
	if s, ok := rs.fees[id]; ok {
		return s, nil
	}
	s, err := get[ledger.FeeSchedule](rs.tx, typeFeeSchedule, id)
	if err != nil {
		return nil, err
	}
	if rs.fees == nil {
		rs.fees = map[string]*ledger.FeeSchedule{}
	}
	rs.fees[id] = s
	return s, nil
}
