package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// Deadlines and notices (期限与提醒). The contract, not a member's clock,
// decides what is due: QueryNotices answers at the transaction's checked
// time, and ExpireAgreement, ExpireGrant and RecordDeadlineNotice refuse
// what that time does not make due. A scheduler (grantledger-api) asks
// and submits; one with a wrong clock is refused.

// ExpireAgreement records that an agreement's term has ended (expiry is
// effective on every read without it). Caller: any registered participant
// who may read the agreement. Event: agreement.expired.
func (c *Contract) ExpireAgreement(ctx contractapi.TransactionContextInterface, id string) (*ledger.Agreement, error) {
	var out *ledger.Agreement
	err := c.submit(ctx, "expire agreement "+id, func(tx *txn) error {
		a, err := load[ledger.Agreement](tx, typeAgreement, id)
		if err != nil {
			return err
		}
		if err := a.Expire(tx.caller, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeAgreement, a.ID, a); err != nil {
			return err
		}
		tx.emit(typeAgreement, a.ID, string(ledger.AgreementExpired))
		out = a
		return nil
	})
	return result(out, err)
}

// RecordDeadlineNotice records, once, that the deadline of a kind on an
// object has come within a threshold (90, 30 or 7 days) at the
// transaction's time. Caller: any registered participant who may read the
// object. Event: notice.<kind>, to the object's audience.
func (c *Contract) RecordDeadlineNotice(ctx contractapi.TransactionContextInterface, request string) (*ledger.DeadlineNotice, error) {
	var out *ledger.DeadlineNotice
	err := c.submit(ctx, "record deadline notice", func(tx *txn) error {
		var req ledger.DeadlineNoticeRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		if err := ledger.CheckDeadlineNoticeRequest(req); err != nil {
			return err
		}
		id := ledger.DeadlineNoticeID(req.Kind, req.ObjectID, req.Threshold)
		tx.named("record deadline notice", id)
		in, err := noticeSubject(tx, ledger.ObjectTypeOf(req.Kind), req.ObjectID)
		if err != nil {
			return err
		}
		existing, err := get[ledger.DeadlineNotice](tx, typeNotice, id)
		if err != nil {
			return err
		}
		n, err := ledger.RecordDeadlineNotice(tx.caller, req, in, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeNotice, n.ID, n); err != nil {
			return err
		}
		tx.emit(typeNotice, n.ID, string(n.Kind))
		out = n
		return nil
	})
	return result(out, err)
}

// noticeSubject loads the object of a threshold notice (for a review, with
// the reviews of its subject, which tell whether it was superseded).
func noticeSubject(tx *txn, typ, id string) (ledger.NoticeSubjects, error) {
	var in ledger.NoticeSubjects
	switch typ {
	case typeGrant:
		g, err := getGrant(tx, id)
		if err != nil || g == nil {
			return in, err
		}
		in.Grants = []ledger.Grant{*g}
	case typeAgreement:
		a, err := get[ledger.Agreement](tx, typeAgreement, id)
		if err != nil || a == nil {
			return in, err
		}
		in.Agreements = []ledger.Agreement{*a}
	case typeReview:
		r, err := get[ledger.Review](tx, typeReview, id)
		if err != nil || r == nil {
			return in, err
		}
		rs, err := scan[ledger.Review](tx, typeReview, "subject", r.Subject)
		if err != nil {
			return in, err
		}
		in.Reviews = deref(rs)
	case typeCall:
		call, err := get[ledger.Call](tx, typeCall, id)
		if err != nil || call == nil {
			return in, err
		}
		in.Calls = []ledger.Call{*call}
	}
	return in, nil
}

// QueryNotices answers what needs action by the caller at the
// transaction's time: deadlines within the window (default 90 days, at
// most 400) and what waits on the caller, soonest first, each deadline
// with the thresholds whose notice is recorded.
//
// It is evaluated here rather than computed by the API from lists so that
// the answer reads the transaction's checked time, which every endorser
// confirms, and not the clock of the organisation whose API asks; and so
// that what the caller may read is decided where every read is. It reads
// the open grants, the agreements, the security reviews and the published
// calls through their indexes: a cost that grows with what is open, not
// with what was ever recorded.
func (c *Contract) QueryNotices(ctx contractapi.TransactionContextInterface, query string) (*ledger.NoticeList, error) {
	var out *ledger.NoticeList
	err := c.evaluate(ctx, "query notices", func(tx *txn) error {
		var q ledger.NoticeQuery
		if err := decode(query, &q); err != nil {
			return err
		}
		within, err := q.Window()
		if err != nil {
			return err
		}
		in, err := openSubjects(tx)
		if err != nil {
			return err
		}
		items := ledger.Notices(tx.caller, in, tx.now, within)
		for i := range items {
			if !items[i].Kind.IsDeadline() {
				continue
			}
			for _, th := range ledger.NoticeThresholds {
				n, err := get[ledger.DeadlineNotice](tx, typeNotice, ledger.DeadlineNoticeID(items[i].Kind, items[i].ObjectID, th))
				if err != nil {
					return err
				}
				if n != nil {
					items[i].Notified = append(items[i].Notified, th)
				}
			}
		}
		out = &ledger.NoticeList{Now: tx.now, Within: q.Days(), Items: items}
		return nil
	})
	return result(out, err)
}

// openSubjects loads what notices are computed from: the grants whose
// consent is proposed or active (control merged: suspended, revoked or
// expired ones show as such), the agreements proposed or in force as
// recorded, the operators' security reviews, the published calls.
func openSubjects(tx *txn) (ledger.NoticeSubjects, error) {
	var in ledger.NoticeSubjects
	for _, s := range []ledger.GrantStatus{ledger.GrantProposed, ledger.GrantActive} {
		gs, err := scan[ledger.Grant](tx, typeGrant, "status", string(s))
		if err != nil {
			return in, err
		}
		for _, g := range gs {
			merged, err := tx.withControl(g)
			if err != nil {
				return in, err
			}
			in.Grants = append(in.Grants, *merged)
		}
	}
	for _, s := range []ledger.AgreementStatus{ledger.AgreementProposed, ledger.AgreementInForce} {
		as, err := scan[ledger.Agreement](tx, typeAgreement, "status", string(s))
		if err != nil {
			return in, err
		}
		in.Agreements = append(in.Agreements, deref(as)...)
	}
	for _, k := range []ledger.ReviewKind{ledger.ReviewBasicSecurity, ledger.ReviewTechnicalSecurity} {
		rs, err := scan[ledger.Review](tx, typeReview, "kind", string(k))
		if err != nil {
			return in, err
		}
		in.Reviews = append(in.Reviews, deref(rs)...)
	}
	calls, err := scan[ledger.Call](tx, typeCall, "status", string(ledger.CallPublished))
	if err != nil {
		return in, err
	}
	in.Calls = deref(calls)
	return in, nil
}
