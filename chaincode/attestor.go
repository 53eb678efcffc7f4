package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// RegisterAttestor registers the secp256k1 address of a trusted processing
// environment. Caller: the platform. Event: attestor.registered.
func (c *Contract) RegisterAttestor(ctx contractapi.TransactionContextInterface, request string) (*ledger.Attestor, error) {
	var out *ledger.Attestor
	err := c.submit(ctx, "register attestor", func(tx *txn) error {
		var req ledger.AttestorRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("register attestor", req.Address)
		addr, err := ledger.NormalizeAttestorAddress("address", req.Address)
		if err != nil {
			return err
		}
		existing, err := get[ledger.Attestor](tx, typeAttestor, addr)
		if err != nil {
			return err
		}
		a, err := ledger.RegisterAttestor(tx.caller, req, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeAttestor, a.Address, a); err != nil {
			return err
		}
		tx.emit(typeAttestor, a.Address, "registered")
		out = a
		return nil
	})
	return result(out, err)
}

// RetireAttestor retires an attestor: its receipts are refused from then on.
// Caller: the platform that registered it, or the authority.
// Event: attestor.retired.
func (c *Contract) RetireAttestor(ctx contractapi.TransactionContextInterface, address, reason string) (*ledger.Attestor, error) {
	var out *ledger.Attestor
	err := c.submit(ctx, "retire attestor "+address, func(tx *txn) error {
		addr, err := ledger.NormalizeAttestorAddress("address", address)
		if err != nil {
			return err
		}
		a, err := load[ledger.Attestor](tx, typeAttestor, addr)
		if err != nil {
			return err
		}
		if err := a.Retire(tx.caller, reason, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeAttestor, a.Address, a); err != nil {
			return err
		}
		tx.emit(typeAttestor, a.Address, "retired")
		out = a
		return nil
	})
	return result(out, err)
}

// GetAttestor returns an attestor. Attestors are public.
func (c *Contract) GetAttestor(ctx contractapi.TransactionContextInterface, address string) (*ledger.Attestor, error) {
	var out *ledger.Attestor
	err := c.evaluate(ctx, "get attestor "+address, func(tx *txn) error {
		addr, err := ledger.NormalizeAttestorAddress("address", address)
		if err != nil {
			return err
		}
		out, err = load[ledger.Attestor](tx, typeAttestor, addr)
		return err
	})
	return result(out, err)
}

// QueryAttestors pages through attestors by status or platform.
func (c *Contract) QueryAttestors(ctx contractapi.TransactionContextInterface, query string) (*ledger.AttestorPage, error) {
	var out *ledger.AttestorPage
	err := c.evaluate(ctx, "query attestors", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page[ledger.Attestor](tx, typeAttestor, q, []string{"status", "platform"}, nil)
		out = &ledger.AttestorPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
