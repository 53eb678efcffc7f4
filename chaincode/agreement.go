package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// ProposeAgreement records the agreement (协议) the authority proposes for a
// first-level grant. Caller: the authority. Event: agreement.proposed.
func (c *Contract) ProposeAgreement(ctx contractapi.TransactionContextInterface, request string) (*ledger.Agreement, error) {
	var out *ledger.Agreement
	err := c.submit(ctx, "propose agreement", func(tx *txn) error {
		var req ledger.AgreementRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("propose agreement", req.ID)
		existing, err := get[ledger.Agreement](tx, typeAgreement, req.ID)
		if err != nil {
			return err
		}
		var g *ledger.Grant
		var others []ledger.Agreement
		if ledger.CheckID("grantId", req.GrantID) == nil {
			if g, err = getGrant(tx, req.GrantID); err != nil {
				return err
			}
			if others, err = agreementsOf(tx, req.GrantID); err != nil {
				return err
			}
		}
		a, err := ledger.ProposeAgreement(tx.caller, req, existing, g, others, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeAgreement, a.ID, a); err != nil {
			return err
		}
		tx.emit(typeAgreement, a.ID, "proposed", ledger.EventRef{Type: typeGrant, ID: a.GrantID, Change: "agreement"})
		out = a
		return nil
	})
	return result(out, err)
}

// SignAgreement records the caller's signature. Caller: the authority or
// the grant's holder. Event: agreement.signed, or agreement.in-force for the
// second signature.
func (c *Contract) SignAgreement(ctx contractapi.TransactionContextInterface, id string) (*ledger.Agreement, error) {
	var out *ledger.Agreement
	err := c.submit(ctx, "sign agreement "+id, func(tx *txn) error {
		a, err := load[ledger.Agreement](tx, typeAgreement, id)
		if err != nil {
			return err
		}
		attached, err := tx.hasPrivate(ledger.OperatorCollection(a.Operator), typeAgreement, a.ID)
		if err != nil {
			return err
		}
		if err := a.Sign(tx.caller, attached, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeAgreement, a.ID, a); err != nil {
			return err
		}
		change := "signed"
		if a.Status == ledger.AgreementInForce {
			change = string(ledger.AgreementInForce)
		}
		tx.emit(typeAgreement, a.ID, change)
		out = a
		return nil
	})
	return result(out, err)
}

// GetAgreement returns an agreement, as of now, to the authority, the
// regulator and its operator; others read DisclosedAgreements.
func (c *Contract) GetAgreement(ctx contractapi.TransactionContextInterface, id string) (*ledger.Agreement, error) {
	var out *ledger.Agreement
	err := c.evaluate(ctx, "get agreement "+id, func(tx *txn) error {
		a, err := readable[ledger.Agreement](tx, typeAgreement, typeAgreement, id)
		if err != nil {
			return err
		}
		v := a.AsOf(tx.now)
		if tx.readsPrivate(a.Operator) {
			txt, err := getPrivate[ledger.AgreementText](tx, ledger.OperatorCollection(a.Operator), typeAgreement, id)
			if err != nil {
				return err
			}
			v = v.WithText(txt)
		}
		out = &v
		return nil
	})
	return result(out, err)
}

// QueryAgreements pages through the agreements visible to the caller by
// grant, operator or status (as of now).
func (c *Contract) QueryAgreements(ctx contractapi.TransactionContextInterface, query string) (*ledger.AgreementPage, error) {
	var out *ledger.AgreementPage
	err := c.evaluate(ctx, "query agreements", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		// by=status selects on the status as of now: an agreement whose
		// term ended is expired before anyone records it, so expired ones
		// are sought over all agreements, the others through the index of
		// the recorded status.
		want := ledger.AgreementStatus("")
		if q.By == "status" {
			if want = ledger.AgreementStatus(q.Value); want == ledger.AgreementExpired {
				q.By, q.Value = "", ""
			}
		}
		items, bookmark, err := page(tx, typeAgreement, q, []string{"grant", "operator", "status"},
			func(a *ledger.Agreement) bool {
				return a.VisibleTo(tx.caller) && (want == "" || a.EffectiveStatus(tx.now) == want)
			})
		for i := range items {
			items[i] = items[i].AsOf(tx.now)
		}
		out = &ledger.AgreementPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
