package chaincode

import (
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// Private records live in the private data collection of the operator they
// concern (ledger.OperatorCollection), under the same composite keys as
// public objects: ("application", id), ("review", id), ("agreement", id),
// ("evaluation", msp, evaluationId). Each is written by an Attach…
// transaction of its own that writes nothing public, so that the gateway
// sends its private input (transient data) only to the collection's
// members and the collection's endorsement policy alone governs it.

// typeEvaluation keys an evaluation's private report.
const typeEvaluation = "evaluation"

// An Attach… transaction returns the object's public record, never the
// private part: a transaction's result is in its endorsements, which every
// peer receives in the block. Members read the private part afterwards,
// with a query on their own peer.

// transientKey is the transient data key an Attach… transaction reads its
// request from (and SubmitReceiptBatch its batch): private input never
// travels in the proposal's arguments, which every member sees in the
// block.
const transientKey = "request"

// privateRequest decodes the transaction's transient request, which is
// private.
func (tx *txn) privateRequest(v any) error {
	return tx.transientInput(v, "the request is private")
}

// transientRequest decodes the transaction's transient request, which the
// block need not carry.
func (tx *txn) transientRequest(v any) error {
	return tx.transientInput(v, "the request is not recorded in the block")
}

func (tx *txn) transientInput(v any, why string) error {
	t, err := tx.ctx.GetStub().GetTransient()
	if err != nil {
		return fmt.Errorf("read transient data: %w", err)
	}
	raw, ok := t[transientKey]
	if !ok {
		return ledger.Invalid("transient", "%s: send it as transient data under %q, not as an argument", why, transientKey)
	}
	return decode(string(raw), v)
}

// privateKey is the key of a private record.
func (tx *txn) privateKey(typ string, attrs ...string) (string, error) {
	k, err := tx.ctx.GetStub().CreateCompositeKey(typ, attrs)
	if err != nil {
		return "", ledger.Invalid("id", "%q cannot be used in a key: %s", attrs, err.Error())
	}
	return k, nil
}

// getPrivate reads a private record of the collection, nil when absent.
// Only the collection's members may read it (memberOnlyRead): callers check
// readsPrivate first.
func getPrivate[T any](tx *txn, collection, typ string, attrs ...string) (*T, error) {
	k, err := tx.privateKey(typ, attrs...)
	if err != nil {
		return nil, err
	}
	raw, err := tx.ctx.GetStub().GetPrivateData(collection, k)
	if err != nil {
		return nil, fmt.Errorf("read private %s %v: %w", typ, attrs, err)
	}
	if raw == nil {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decode private %s %v: %w", typ, attrs, err)
	}
	return v, nil
}

// hasPrivate reports whether a private record exists, from its hash, which
// every peer holds: rules of public transactions endorsed by organisations
// outside the collection can require it without reading it.
func (tx *txn) hasPrivate(collection, typ string, attrs ...string) (bool, error) {
	k, err := tx.privateKey(typ, attrs...)
	if err != nil {
		return false, err
	}
	h, err := tx.ctx.GetStub().GetPrivateDataHash(collection, k)
	if err != nil {
		return false, fmt.Errorf("read hash of private %s %v: %w", typ, attrs, err)
	}
	return len(h) > 0, nil
}

// putPrivate writes a private record.
func putPrivate[T any](tx *txn, collection, typ string, v *T, attrs ...string) error {
	k, err := tx.privateKey(typ, attrs...)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode private %s %v: %w", typ, attrs, err)
	}
	if err := tx.ctx.GetStub().PutPrivateData(collection, k, raw); err != nil {
		return fmt.Errorf("write private %s %v: %w", typ, attrs, err)
	}
	return nil
}

// readsPrivate reports whether the caller's organisation is a member of
// the operator's collection: the authority, the regulator and the operator.
func (tx *txn) readsPrivate(operator string) bool {
	return tx.caller.Is(ledger.RoleAuthority, ledger.RoleRegulator) || tx.caller.MSP == operator || tx.caller.MSP == tx.cfg.AuthorityMSP
}

// AttachApplicationDocuments records the digests of an application's
// emergency plan and security documents in its operator's collection; the
// request (ledger.ApplicationDocumentsRequest) is transient data. Caller:
// the application's operator. Event: application.documents.
func (c *Contract) AttachApplicationDocuments(ctx contractapi.TransactionContextInterface, id string) (*ledger.Application, error) {
	var out *ledger.Application
	err := c.submit(ctx, "attach documents of application "+id, func(tx *txn) error {
		var req ledger.ApplicationDocumentsRequest
		if err := tx.privateRequest(&req); err != nil {
			return err
		}
		a, err := load[ledger.Application](tx, typeApplication, id)
		if err != nil {
			return err
		}
		coll := ledger.OperatorCollection(a.Operator)
		var existing *ledger.ApplicationDocuments
		if tx.readsPrivate(a.Operator) {
			if existing, err = getPrivate[ledger.ApplicationDocuments](tx, coll, typeApplication, id); err != nil {
				return err
			}
		}
		d, err := a.AttachDocuments(tx.caller, req, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := putPrivate(tx, coll, typeApplication, d, id); err != nil {
			return err
		}
		tx.emit(typeApplication, id, "documents")
		out = a
		return nil
	})
	return result(out, err)
}

// AttachReviewReport records the digest of a review's report and the
// reviewer's note in the collection of the operator it concerns; the
// request (ledger.ReportRequest) is transient data. Caller: the authority.
// Event: review.report.
func (c *Contract) AttachReviewReport(ctx contractapi.TransactionContextInterface, id string) (*ledger.Review, error) {
	var out *ledger.Review
	err := c.submit(ctx, "attach report of review "+id, func(tx *txn) error {
		var req ledger.ReportRequest
		if err := tx.privateRequest(&req); err != nil {
			return err
		}
		r, err := load[ledger.Review](tx, typeReview, id)
		if err != nil {
			return err
		}
		// A caller that may not read the review is answered as for one
		// that does not exist, before its role is refused.
		if ok, err := tx.reviewVisible(r); err != nil || !ok {
			if err == nil {
				err = tx.hidden(typeReview, id)
			}
			return err
		}
		operator, err := tx.reviewOperator(r)
		if err != nil {
			return err
		}
		coll := ledger.OperatorCollection(operator)
		var existing *ledger.ReviewReport
		if tx.readsPrivate(operator) {
			if existing, err = getPrivate[ledger.ReviewReport](tx, coll, typeReview, id); err != nil {
				return err
			}
		}
		rep, err := r.AttachReport(tx.caller, req, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := putPrivate(tx, coll, typeReview, rep, id); err != nil {
			return err
		}
		tx.emit(typeReview, id, "report")
		out = r
		return nil
	})
	return result(out, err)
}

// reviewOperator is the operator a review concerns: its subject, or its
// application's operator.
func (tx *txn) reviewOperator(r *ledger.Review) (string, error) {
	if r.Kind.OnOperator() {
		return r.Subject, nil
	}
	app, err := load[ledger.Application](tx, typeApplication, r.Subject)
	if err != nil {
		return "", err
	}
	return app.Operator, nil
}

// AttachEvaluationReport records the report of an operator's evaluation
// in its collection; the request (ledger.ReportRequest) is transient data.
// Caller: the authority. Event: participant.evaluation-report.
func (c *Contract) AttachEvaluationReport(ctx contractapi.TransactionContextInterface, msp, evaluationID string) (*ledger.Participant, error) {
	var out *ledger.Participant
	err := c.submit(ctx, "attach report of evaluation "+evaluationID+" of "+msp, func(tx *txn) error {
		var req ledger.ReportRequest
		if err := tx.privateRequest(&req); err != nil {
			return err
		}
		p, err := load[ledger.Participant](tx, typeParticipant, msp)
		if err != nil {
			return err
		}
		coll := ledger.OperatorCollection(msp)
		var existing *ledger.EvaluationReport
		if tx.readsPrivate(msp) && ledger.CheckID("evaluationId", evaluationID) == nil {
			if existing, err = getPrivate[ledger.EvaluationReport](tx, coll, typeEvaluation, msp, evaluationID); err != nil {
				return err
			}
		}
		rep, err := p.AttachEvaluationReport(tx.caller, evaluationID, req, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := putPrivate(tx, coll, typeEvaluation, rep, msp, evaluationID); err != nil {
			return err
		}
		tx.emit(typeParticipant, msp, "evaluation-report")
		v := p.VisibleTo(tx.caller)
		out = &v
		return nil
	})
	return result(out, err)
}

// withEvaluationReports fills in the reports of an operator's evaluations
// for a caller of its collection.
func (tx *txn) withEvaluationReports(p ledger.Participant) (ledger.Participant, error) {
	if len(p.Evaluations) == 0 || !tx.readsPrivate(p.MSP) {
		return p, nil
	}
	reports := map[string]*ledger.EvaluationReport{}
	for _, e := range p.Evaluations {
		rep, err := getPrivate[ledger.EvaluationReport](tx, ledger.OperatorCollection(p.MSP), typeEvaluation, p.MSP, e.ID)
		if err != nil {
			return p, err
		}
		reports[e.ID] = rep
	}
	return p.WithEvaluationReports(reports), nil
}

// AttachAgreementText records the digest of an agreement's text in its
// operator's collection before anyone signs; the request
// (ledger.AgreementTextRequest) is transient data. Caller: the authority.
// Event: agreement.text.
func (c *Contract) AttachAgreementText(ctx contractapi.TransactionContextInterface, id string) (*ledger.Agreement, error) {
	var out *ledger.Agreement
	err := c.submit(ctx, "attach text of agreement "+id, func(tx *txn) error {
		var req ledger.AgreementTextRequest
		if err := tx.privateRequest(&req); err != nil {
			return err
		}
		a, err := load[ledger.Agreement](tx, typeAgreement, id)
		if err != nil {
			return err
		}
		coll := ledger.OperatorCollection(a.Operator)
		var existing *ledger.AgreementText
		if tx.readsPrivate(a.Operator) {
			if existing, err = getPrivate[ledger.AgreementText](tx, coll, typeAgreement, id); err != nil {
				return err
			}
		}
		txt, err := a.AttachText(tx.caller, req, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := putPrivate(tx, coll, typeAgreement, txt, id); err != nil {
			return err
		}
		tx.emit(typeAgreement, id, "text")
		v := a.AsOf(tx.now)
		out = &v
		return nil
	})
	return result(out, err)
}
