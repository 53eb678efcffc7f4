package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// SubmitApplication files an application under an open call (申请).
// Caller: an operator. Event: application.submitted.
func (c *Contract) SubmitApplication(ctx contractapi.TransactionContextInterface, request string) (*ledger.Application, error) {
	var out *ledger.Application
	err := c.submit(ctx, "submit application", func(tx *txn) error {
		var req ledger.ApplicationRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("submit application", req.ID)
		in := ledger.ApplicationInputs{}
		var err error
		if in.Existing, err = get[ledger.Application](tx, typeApplication, req.ID); err != nil {
			return err
		}
		if in.Operator, err = get[ledger.Participant](tx, typeParticipant, tx.caller.MSP); err != nil {
			return err
		}
		if ledger.CheckID("callId", req.CallID) == nil {
			if in.Call, err = get[ledger.Call](tx, typeCall, req.CallID); err != nil {
				return err
			}
		}
		if in.Datasets, err = loadDatasets(tx, req.Scope.DatasetIDs()); err != nil {
			return err
		}
		if ledger.CheckID("renewsGrant", req.RenewsGrant) == nil {
			if in.Renews, err = getGrant(tx, req.RenewsGrant); err != nil {
				return err
			}
		}
		a, err := ledger.SubmitApplication(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeApplication, a.ID, a); err != nil {
			return err
		}
		tx.emit(typeApplication, a.ID, "submitted")
		out = a
		return nil
	})
	return result(out, err)
}

// WithdrawApplication withdraws an application before it is granted.
// Caller: its operator. Event: application.withdrawn.
func (c *Contract) WithdrawApplication(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Application, error) {
	var out *ledger.Application
	err := c.submit(ctx, "withdraw application "+id, func(tx *txn) error {
		a, err := load[ledger.Application](tx, typeApplication, id)
		if err != nil {
			return err
		}
		if err := a.Withdraw(tx.caller, reason, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeApplication, a.ID, a); err != nil {
			return err
		}
		tx.emit(typeApplication, a.ID, "withdrawn")
		out = a
		return nil
	})
	return result(out, err)
}

// GetApplication returns an application to its operator, the authority,
// the regulator and experts.
func (c *Contract) GetApplication(ctx contractapi.TransactionContextInterface, id string) (*ledger.Application, error) {
	var out *ledger.Application
	err := c.evaluate(ctx, "get application "+id, func(tx *txn) error {
		a, err := readable[ledger.Application](tx, typeApplication, typeApplication, id)
		if err != nil {
			return err
		}
		v := *a
		if tx.readsPrivate(a.Operator) {
			d, err := getPrivate[ledger.ApplicationDocuments](tx, ledger.OperatorCollection(a.Operator), typeApplication, id)
			if err != nil {
				return err
			}
			v = v.WithDocuments(d)
		}
		out = &v
		return nil
	})
	return result(out, err)
}

// QueryApplications pages through the applications visible to the caller
// by operator, call or status.
func (c *Contract) QueryApplications(ctx contractapi.TransactionContextInterface, query string) (*ledger.ApplicationPage, error) {
	var out *ledger.ApplicationPage
	err := c.evaluate(ctx, "query applications", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page(tx, typeApplication, q, []string{"operator", "call", "status"},
			func(a *ledger.Application) bool { return a.VisibleTo(tx.caller) })
		out = &ledger.ApplicationPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}

// reviewVisible reports whether the caller may read r.
func (tx *txn) reviewVisible(r *ledger.Review) (bool, error) {
	var app *ledger.Application
	if !r.Kind.OnOperator() {
		var err error
		if app, err = get[ledger.Application](tx, typeApplication, r.Subject); err != nil {
			return false, err
		}
	}
	return r.VisibleTo(tx.caller, app), nil
}

// opinionVisible reports whether the caller may read o.
func (tx *txn) opinionVisible(o *ledger.Opinion) (bool, error) {
	owner := ""
	switch o.SubjectType {
	case ledger.SubjectApplication:
		a, err := get[ledger.Application](tx, typeApplication, o.SubjectID)
		if err != nil || a == nil {
			return o.VisibleTo(tx.caller, ""), err
		}
		owner = a.Operator
	case ledger.SubjectProduct:
		p, err := get[ledger.Product](tx, typeProduct, o.SubjectID)
		if err != nil || p == nil {
			return o.VisibleTo(tx.caller, ""), err
		}
		owner = p.Owner
	}
	return o.VisibleTo(tx.caller, owner), nil
}
