package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// WhoAmI returns the caller as the ledger sees it: MSP ID, client identity,
// role, and whether it acts as an individual expert. The client identity is
// what RegisterExpert names.
func (c *Contract) WhoAmI(ctx contractapi.TransactionContextInterface) (*ledger.Actor, error) {
	var out *ledger.Actor
	err := c.evaluate(ctx, "who am i", func(tx *txn) error {
		out = &tx.caller
		return nil
	})
	return result(out, err)
}

// RegisterParticipant registers an organisation with its role and name.
// Caller: the authority. Event: participant.registered.
func (c *Contract) RegisterParticipant(ctx contractapi.TransactionContextInterface, request string) (*ledger.Participant, error) {
	var out *ledger.Participant
	err := c.submit(ctx, "register participant", func(tx *txn) error {
		var req ledger.ParticipantRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("register participant", req.MSP)
		existing, err := get[ledger.Participant](tx, typeParticipant, req.MSP)
		if err != nil {
			return err
		}
		p, err := ledger.RegisterParticipant(tx.caller, req, tx.cfg.AuthorityMSP, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeParticipant, p.MSP, p); err != nil {
			return err
		}
		tx.emit(typeParticipant, p.MSP, "registered")
		out = p
		return nil
	})
	return result(out, err)
}

// SetOperatorStatus admits, suspends, readmits or exits an operator.
// Caller: the authority. Event: participant.<status>.
func (c *Contract) SetOperatorStatus(ctx contractapi.TransactionContextInterface, request string) (*ledger.Participant, error) {
	var out *ledger.Participant
	err := c.submit(ctx, "set operator status", func(tx *txn) error {
		var req ledger.OperatorStatusRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("set status of operator", req.MSP)
		p, err := load[ledger.Participant](tx, typeParticipant, req.MSP)
		if err != nil {
			return err
		}
		if err := p.SetOperatorStatus(tx.caller, req, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeParticipant, p.MSP, p); err != nil {
			return err
		}
		tx.emit(typeParticipant, p.MSP, string(p.Status))
		out = p
		return nil
	})
	return result(out, err)
}

// RecordEvaluation appends a dated evaluation (动态评估) to an operator.
// Caller: the authority. Event: participant.evaluated.
func (c *Contract) RecordEvaluation(ctx contractapi.TransactionContextInterface, request string) (*ledger.Participant, error) {
	var out *ledger.Participant
	err := c.submit(ctx, "record evaluation", func(tx *txn) error {
		var req ledger.EvaluationRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("record evaluation of", req.MSP)
		p, err := load[ledger.Participant](tx, typeParticipant, req.MSP)
		if err != nil {
			return err
		}
		if err := p.AddEvaluation(tx.caller, req, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeParticipant, p.MSP, p); err != nil {
			return err
		}
		tx.emit(typeParticipant, p.MSP, "evaluated")
		out = p
		return nil
	})
	return result(out, err)
}

// GetParticipant returns a participant; evaluations are shown to the
// operator itself, the authority and the regulator only.
func (c *Contract) GetParticipant(ctx contractapi.TransactionContextInterface, msp string) (*ledger.Participant, error) {
	var out *ledger.Participant
	err := c.evaluate(ctx, "get participant "+msp, func(tx *txn) error {
		p, err := load[ledger.Participant](tx, typeParticipant, msp)
		if err != nil {
			return err
		}
		v, err := tx.withEvaluationReports(p.VisibleTo(tx.caller))
		out = &v
		return err
	})
	return result(out, err)
}

// QueryParticipants pages through participants by role or status.
func (c *Contract) QueryParticipants(ctx contractapi.TransactionContextInterface, query string) (*ledger.ParticipantPage, error) {
	var out *ledger.ParticipantPage
	err := c.evaluate(ctx, "query participants", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page[ledger.Participant](tx, typeParticipant, q, []string{"role", "status"}, nil)
		for i := range items {
			items[i] = items[i].VisibleTo(tx.caller)
		}
		out = &ledger.ParticipantPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
