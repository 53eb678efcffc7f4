package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// RegisterExpert convenes an individual, known by its client identity, as a
// member of the expert committee (专家咨询委员会); while active, that identity
// acts in the expert role. Registering a retired expert again reactivates
// it. Caller: the authority. Event: expert.registered.
func (c *Contract) RegisterExpert(ctx contractapi.TransactionContextInterface, request string) (*ledger.Expert, error) {
	var out *ledger.Expert
	err := c.submit(ctx, "register expert", func(tx *txn) error {
		var req ledger.ExpertRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		if err := ledger.CheckClientIdentity("client", req.Client); err != nil {
			return err
		}
		tx.named("register expert", req.Client)
		existing, err := get[ledger.Expert](tx, typeExpert, req.Client)
		if err != nil {
			return err
		}
		e, err := ledger.RegisterExpert(tx.caller, req, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeExpert, e.Client, e); err != nil {
			return err
		}
		tx.emit(typeExpert, e.Client, "registered")
		out = e
		return nil
	})
	return result(out, err)
}

// RetireExpert ends an expert's membership: its identity acts for its
// organisation again. Caller: the authority. Event: expert.retired.
func (c *Contract) RetireExpert(ctx contractapi.TransactionContextInterface, client, reason string) (*ledger.Expert, error) {
	var out *ledger.Expert
	err := c.submit(ctx, "retire expert "+client, func(tx *txn) error {
		if err := ledger.CheckClientIdentity("client", client); err != nil {
			return err
		}
		e, err := load[ledger.Expert](tx, typeExpert, client)
		if err != nil {
			return err
		}
		if err := e.Retire(tx.caller, reason, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeExpert, e.Client, e); err != nil {
			return err
		}
		tx.emit(typeExpert, e.Client, "retired")
		out = e
		return nil
	})
	return result(out, err)
}

// GetExpert returns the expert registered under a client identity. The
// committee's membership is public.
func (c *Contract) GetExpert(ctx contractapi.TransactionContextInterface, client string) (*ledger.Expert, error) {
	var out *ledger.Expert
	err := c.evaluate(ctx, "get expert "+client, func(tx *txn) error {
		if err := ledger.CheckClientIdentity("client", client); err != nil {
			return err
		}
		var err error
		out, err = load[ledger.Expert](tx, typeExpert, client)
		return err
	})
	return result(out, err)
}

// QueryExperts pages through the experts by status or MSP ID.
func (c *Contract) QueryExperts(ctx contractapi.TransactionContextInterface, query string) (*ledger.ExpertPage, error) {
	var out *ledger.ExpertPage
	err := c.evaluate(ctx, "query experts", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page[ledger.Expert](tx, typeExpert, q, []string{"status", "msp"}, nil)
		out = &ledger.ExpertPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
