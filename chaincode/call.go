package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// PublishCall publishes a call for operators (通告). Caller: the authority.
// Event: call.published.
func (c *Contract) PublishCall(ctx contractapi.TransactionContextInterface, request string) (*ledger.Call, error) {
	var out *ledger.Call
	err := c.submit(ctx, "publish call", func(tx *txn) error {
		var req ledger.CallRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("publish call", req.ID)
		existing, err := get[ledger.Call](tx, typeCall, req.ID)
		if err != nil {
			return err
		}
		datasets, err := loadDatasets(tx, req.Datasets)
		if err != nil {
			return err
		}
		call, err := ledger.PublishCall(tx.caller, req, existing, datasets, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeCall, call.ID, call); err != nil {
			return err
		}
		tx.emit(typeCall, call.ID, "published")
		out = call
		return nil
	})
	return result(out, err)
}

// CancelCall cancels a call before it closes. Caller: the authority.
// Event: call.cancelled.
func (c *Contract) CancelCall(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Call, error) {
	var out *ledger.Call
	err := c.submit(ctx, "cancel call "+id, func(tx *txn) error {
		call, err := load[ledger.Call](tx, typeCall, id)
		if err != nil {
			return err
		}
		if err := call.Cancel(tx.caller, reason, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeCall, call.ID, call); err != nil {
			return err
		}
		tx.emit(typeCall, call.ID, "cancelled")
		out = call
		return nil
	})
	return result(out, err)
}

// GetCall returns a call. Calls are public.
func (c *Contract) GetCall(ctx contractapi.TransactionContextInterface, id string) (*ledger.Call, error) {
	var out *ledger.Call
	err := c.evaluate(ctx, "get call "+id, func(tx *txn) (err error) {
		out, err = load[ledger.Call](tx, typeCall, id)
		return err
	})
	return result(out, err)
}

// QueryCalls pages through calls by status.
func (c *Contract) QueryCalls(ctx contractapi.TransactionContextInterface, query string) (*ledger.CallPage, error) {
	var out *ledger.CallPage
	err := c.evaluate(ctx, "query calls", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page[ledger.Call](tx, typeCall, q, []string{"status"}, nil)
		out = &ledger.CallPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
