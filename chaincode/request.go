package chaincode

import (
	"slices"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// dataRequestInputs loads what a data request on grant id is checked
// against: the grant as recorded and, for an amendment, the catalogue
// entries of the datasets it names, the call of the grant's application
// and the grants its mode compares the amended grant with; for a
// sub-grant request, the grant's agreements.
func dataRequestInputs(tx *txn, grantID string, add *ledger.GrantAddition) (ledger.DataRequestInputs, error) {
	var in ledger.DataRequestInputs
	if ledger.CheckID("grantId", grantID) != nil {
		return in, nil
	}
	g, err := getGrant(tx, grantID)
	if err != nil || g == nil {
		return in, err
	}
	in.Grant = g
	if add == nil {
		in.Agreements, err = agreementsOf(tx, g.ID)
		return in, err
	}
	if in.Datasets, err = loadDatasets(tx, add.DatasetIDs()); err != nil {
		return in, err
	}
	if g.ApplicationID != "" {
		app, err := get[ledger.Application](tx, typeApplication, g.ApplicationID)
		if err != nil {
			return in, err
		}
		if app != nil {
			if in.Call, err = get[ledger.Call](tx, typeCall, app.CallID); err != nil {
				return in, err
			}
		}
	}
	// Only the datasets the grant does not hold yet can bring a conflict
	// of modes; the grant itself is skipped by checkMode.
	added := map[string]*ledger.Dataset{}
	for id, d := range in.Datasets {
		if !slices.Contains(g.Scope.DatasetIDs(), id) {
			added[id] = d
		}
	}
	in.Others, err = grantsToCompare(tx, in.Call, added)
	return in, err
}

// SubmitDataRequest records a data request (公共数据需求申请): an
// amendment of the caller's active grant (more datasets, fields, purposes,
// operations or quota), waiting for the consent of every provider
// concerned, whose peers must then endorse every change of it; or a
// developer's request for a sub-grant of a grant in force, waiting for its
// holder. Caller: the grant's holder (amend-grant), a developer
// (sub-grant). Event: datarequest.submitted.
func (c *Contract) SubmitDataRequest(ctx contractapi.TransactionContextInterface, request string) (*ledger.DataRequest, error) {
	var out *ledger.DataRequest
	err := c.submit(ctx, "submit data request", func(tx *txn) error {
		var req ledger.DataRequestSubmission
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("submit data request", req.ID)
		if err := ledger.CheckID("id", req.ID); err != nil {
			return err
		}
		var add *ledger.GrantAddition
		if req.Kind == ledger.RequestAmendGrant {
			add = req.Add
		}
		in, err := dataRequestInputs(tx, req.GrantID, add)
		if err != nil {
			return err
		}
		if in.Existing, err = get[ledger.DataRequest](tx, typeDataRequest, req.ID); err != nil {
			return err
		}
		r, err := ledger.SubmitDataRequest(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeDataRequest, r.ID, r); err != nil {
			return err
		}
		if r.Kind == ledger.RequestAmendGrant {
			consenters := make([]string, len(r.Consents))
			for i, a := range r.Consents {
				consenters[i] = a.Provider
			}
			if err := tx.endorsedBy(typeDataRequest, r.ID, append([]string{tx.cfg.AuthorityMSP}, consenters...)...); err != nil {
				return err
			}
		}
		tx.emit(typeDataRequest, r.ID, "submitted")
		out = r
		return nil
	})
	return result(out, err)
}

// loadDataRequest loads a data request that must exist.
func loadDataRequest(tx *txn, id string) (*ledger.DataRequest, error) {
	r, err := get[ledger.DataRequest](tx, typeDataRequest, id)
	if err == nil && r == nil {
		err = ledger.NotFound("data request", id)
	}
	return r, err
}

// changeDataRequest loads a data request, applies a change and writes it
// with its event.
func (c *Contract) changeDataRequest(ctx contractapi.TransactionContextInterface, op, id, event string, change func(*txn, *ledger.DataRequest) error) (*ledger.DataRequest, error) {
	var out *ledger.DataRequest
	err := c.submit(ctx, op+" "+id, func(tx *txn) error {
		r, err := loadDataRequest(tx, id)
		if err != nil {
			return err
		}
		if err := change(tx, r); err != nil {
			return err
		}
		if err := put(tx, typeDataRequest, r.ID, r); err != nil {
			return err
		}
		if event == "" {
			event = string(r.Status)
		}
		tx.emit(typeDataRequest, r.ID, event)
		out = r
		return nil
	})
	return result(out, err)
}

// ConsentDataRequest records the calling provider's consent to an
// amendment; the last consent makes it consented. Caller: a provider whose
// consent it needs. Event: datarequest.consented (for each consent; the
// request's status says whether consents are still pending).
func (c *Contract) ConsentDataRequest(ctx contractapi.TransactionContextInterface, id string) (*ledger.DataRequest, error) {
	return c.changeDataRequest(ctx, "consent to data request", id, "consented", func(tx *txn, r *ledger.DataRequest) error {
		return r.Consent(tx.caller, tx.stamp)
	})
}

// RefuseDataRequest refuses an amendment with a reason; the grant is left
// as it is. Caller: the authority, or a provider whose consent it needs
// and has not given. Event: datarequest.refused.
func (c *Contract) RefuseDataRequest(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.DataRequest, error) {
	return c.changeDataRequest(ctx, "refuse data request", id, "", func(tx *txn, r *ledger.DataRequest) error {
		return r.Refuse(tx.caller, reason, tx.stamp)
	})
}

// WithdrawDataRequest withdraws an undecided request. Caller: its
// requester. Event: datarequest.withdrawn.
func (c *Contract) WithdrawDataRequest(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.DataRequest, error) {
	return c.changeDataRequest(ctx, "withdraw data request", id, "", func(tx *txn, r *ledger.DataRequest) error {
		return r.Withdraw(tx.caller, reason, tx.stamp)
	})
}

// DeclineDataRequest declines a developer's sub-grant request with a
// reason. Caller: the grant's holder. Event: datarequest.declined.
func (c *Contract) DeclineDataRequest(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.DataRequest, error) {
	return c.changeDataRequest(ctx, "decline data request", id, "", func(tx *txn, r *ledger.DataRequest) error {
		return r.Decline(tx.caller, reason, tx.stamp)
	})
}

// ApproveDataRequest approves a consented amendment and writes the
// grant's next version in the same transaction: its scope, quota,
// providers and domains grow, its version counts one more and its
// amendments list this one. The grant's key keeps needing the authority's
// and every owning provider's peers, the new providers' included from now
// on (this change itself is endorsed under the policy it had). Caller:
// the authority. Event: datarequest.approved, related grant.amended.
func (c *Contract) ApproveDataRequest(ctx contractapi.TransactionContextInterface, id string) (*ledger.DataRequest, error) {
	var out *ledger.DataRequest
	err := c.submit(ctx, "approve data request "+id, func(tx *txn) error {
		r, err := loadDataRequest(tx, id)
		if err != nil {
			return err
		}
		in, err := dataRequestInputs(tx, r.GrantID, r.Add)
		if err != nil {
			return err
		}
		g, err := r.Approve(tx.caller, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := tx.writeConsent(g); err != nil {
			return err
		}
		if !slices.Equal(g.Providers, in.Grant.Providers) {
			if err := tx.endorsedBy(typeGrant, g.ID, append([]string{tx.cfg.AuthorityMSP}, g.Providers...)...); err != nil {
				return err
			}
		}
		if err := put(tx, typeDataRequest, r.ID, r); err != nil {
			return err
		}
		tx.emit(typeDataRequest, r.ID, "approved", ledger.EventRef{Type: typeGrant, ID: g.ID, Change: "amended"})
		out = r
		return nil
	})
	return result(out, err)
}

// proposeForRequest marks the sub-grant request named by a proposal as
// proposed, in the proposal's transaction (ProposeSubGrant), and returns
// the event's reference to it.
func proposeForRequest(tx *txn, requestID string, g *ledger.Grant) (ledger.EventRef, error) {
	if err := ledger.CheckID("requestId", requestID); err != nil {
		return ledger.EventRef{}, err
	}
	r, err := loadDataRequest(tx, requestID)
	if err != nil {
		return ledger.EventRef{}, err
	}
	if err := r.Propose(tx.caller, g, tx.stamp); err != nil {
		return ledger.EventRef{}, err
	}
	if err := put(tx, typeDataRequest, r.ID, r); err != nil {
		return ledger.EventRef{}, err
	}
	return ledger.EventRef{Type: typeDataRequest, ID: r.ID, Change: string(r.Status)}, nil
}

// GetDataRequest returns a data request to the authority, the regulator,
// its requester, the grant's holder and its parties (the grant's
// providers, the owners of the datasets it names); to others it does not
// exist.
func (c *Contract) GetDataRequest(ctx contractapi.TransactionContextInterface, id string) (*ledger.DataRequest, error) {
	var out *ledger.DataRequest
	err := c.evaluate(ctx, "get data request "+id, func(tx *txn) error {
		r, err := loadDataRequest(tx, id)
		if err != nil {
			return err
		}
		if !r.VisibleTo(tx.caller) {
			return tx.hidden("data request", id)
		}
		out = r
		return nil
	})
	return result(out, err)
}

// QueryDataRequests pages through the data requests the caller may read
// by grant, requester, holder, kind or status.
func (c *Contract) QueryDataRequests(ctx contractapi.TransactionContextInterface, query string) (*ledger.DataRequestPage, error) {
	var out *ledger.DataRequestPage
	err := c.evaluate(ctx, "query data requests", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page(tx, typeDataRequest, q, []string{"grant", "requester", "holder", "kind", "status"},
			func(r *ledger.DataRequest) bool { return r.VisibleTo(tx.caller) })
		out = &ledger.DataRequestPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
