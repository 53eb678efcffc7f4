package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// RecordReview records a review (审核). A scenario review decides its
// application. Caller: the authority. Event: review.recorded (with the
// application's change in related).
func (c *Contract) RecordReview(ctx contractapi.TransactionContextInterface, request string) (*ledger.Review, error) {
	var out *ledger.Review
	err := c.submit(ctx, "record review", func(tx *txn) error {
		var req ledger.ReviewRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("record review", req.ID)
		in := ledger.ReviewInputs{}
		var err error
		if in.Existing, err = get[ledger.Review](tx, typeReview, req.ID); err != nil {
			return err
		}
		if ledger.CheckID("subject", req.Subject) == nil {
			if req.Kind.OnOperator() {
				in.Operator, err = get[ledger.Participant](tx, typeParticipant, req.Subject)
			} else {
				in.Application, err = get[ledger.Application](tx, typeApplication, req.Subject)
			}
			if err != nil {
				return err
			}
		}
		r, app, err := ledger.RecordReview(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeReview, r.ID, r); err != nil {
			return err
		}
		tx.emit(typeReview, r.ID, "recorded")
		if app != nil {
			if err := put(tx, typeApplication, app.ID, app); err != nil {
				return err
			}
			tx.relate(ledger.EventRef{Type: typeApplication, ID: app.ID, Change: string(app.Status)})
		}
		out = r
		return nil
	})
	return result(out, err)
}

// GetReview returns a review to the authority, the regulator and the
// operator it concerns.
func (c *Contract) GetReview(ctx contractapi.TransactionContextInterface, id string) (*ledger.Review, error) {
	var out *ledger.Review
	err := c.evaluate(ctx, "get review "+id, func(tx *txn) error {
		r, err := load[ledger.Review](tx, typeReview, id)
		if err != nil {
			return err
		}
		ok, err := tx.reviewVisible(r)
		if err != nil {
			return err
		}
		if !ok {
			return tx.hidden(typeReview, id)
		}
		operator, err := tx.reviewOperator(r)
		if err != nil {
			return err
		}
		v := *r
		if tx.readsPrivate(operator) {
			rep, err := getPrivate[ledger.ReviewReport](tx, ledger.OperatorCollection(operator), typeReview, id)
			if err != nil {
				return err
			}
			v = v.WithReport(rep)
		}
		out = &v
		return nil
	})
	return result(out, err)
}

// QueryReviews pages through the reviews visible to the caller by subject
// (operator MSP ID or application ID) or kind.
func (c *Contract) QueryReviews(ctx contractapi.TransactionContextInterface, query string) (*ledger.ReviewPage, error) {
	var out *ledger.ReviewPage
	err := c.evaluate(ctx, "query reviews", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		var failed error
		items, bookmark, err := page(tx, typeReview, q, []string{"subject", "kind"}, func(r *ledger.Review) bool {
			ok, err := tx.reviewVisible(r)
			if err != nil {
				failed = err
			}
			return ok
		})
		if err == nil {
			err = failed
		}
		out = &ledger.ReviewPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}

// RecordOpinion records an expert's or the platform's opinion on an
// application or a product in review. Caller: an expert (applications,
// products) or the platform (products). Event: opinion.recorded.
func (c *Contract) RecordOpinion(ctx contractapi.TransactionContextInterface, request string) (*ledger.Opinion, error) {
	var out *ledger.Opinion
	err := c.submit(ctx, "record opinion", func(tx *txn) error {
		var req ledger.OpinionRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("record opinion", req.ID)
		in := ledger.OpinionInputs{}
		var err error
		if in.Existing, err = get[ledger.Opinion](tx, typeOpinion, req.ID); err != nil {
			return err
		}
		if ledger.CheckID("subjectId", req.SubjectID) == nil {
			switch req.SubjectType {
			case ledger.SubjectApplication:
				in.Application, err = get[ledger.Application](tx, typeApplication, req.SubjectID)
			case ledger.SubjectProduct:
				in.Product, err = get[ledger.Product](tx, typeProduct, req.SubjectID)
			}
			if err != nil {
				return err
			}
		}
		o, err := ledger.RecordOpinion(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeOpinion, o.ID, o); err != nil {
			return err
		}
		tx.emit(typeOpinion, o.ID, "recorded", ledger.EventRef{Type: string(o.SubjectType), ID: o.SubjectID, Change: "opinion"})
		out = o
		return nil
	})
	return result(out, err)
}

// QueryOpinions pages through the opinions visible to the caller, by
// subject ("application/<id>" or "product/<id>") or author.
func (c *Contract) QueryOpinions(ctx contractapi.TransactionContextInterface, query string) (*ledger.OpinionPage, error) {
	var out *ledger.OpinionPage
	err := c.evaluate(ctx, "query opinions", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		var failed error
		items, bookmark, err := page(tx, typeOpinion, q, []string{"subject", "author"}, func(o *ledger.Opinion) bool {
			ok, err := tx.opinionVisible(o)
			if err != nil {
				failed = err
			}
			return ok
		})
		if err == nil {
			err = failed
		}
		out = &ledger.OpinionPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
