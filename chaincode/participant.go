package chaincode

import (
	"fmt"

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
		var ended []ledger.EventRef
		if p.Status == ledger.OperatorExited {
			if ended, err = tx.endGrantsOf(p); err != nil {
				return err
			}
		}
		if err := put(tx, typeParticipant, p.MSP, p); err != nil {
			return err
		}
		tx.emit(typeParticipant, p.MSP, string(p.Status), ended...)
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

// MaxExitGrants bounds the grants (with their sub-grants) an exit ends in
// its own transaction: the exit reads them through the holder and parent
// indexes and writes each one's status record.
const MaxExitGrants = 100

// endGrantsOf ends, in the exit's transaction, every grant the exited
// participant holds and every sub-grant of those: each is revoked under
// its status key with a reason naming the exit; the products built from
// them show the mark when read. An exit with more grants than
// MaxExitGrants is refused: the authority revokes some first.
func (tx *txn) endGrantsOf(p *ledger.Participant) ([]ledger.EventRef, error) {
	held, err := scan[ledger.Grant](tx, typeGrant, "holder", p.MSP)
	if err != nil {
		return nil, err
	}
	type ending struct {
		grant  *ledger.Grant
		reason string
	}
	var all []ending
	seen := map[string]bool{}
	exit := fmt.Sprintf("%s %s exited: %s", p.Role, p.MSP, p.StatusReason)
	for _, g := range held {
		if seen[g.ID] {
			continue
		}
		seen[g.ID] = true
		all = append(all, ending{g, "holder " + exit})
		subs, err := scan[ledger.Grant](tx, typeGrant, "parent", g.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			if !seen[s.ID] {
				seen[s.ID] = true
				all = append(all, ending{s, fmt.Sprintf("parent grant %s: holder %s", g.ID, exit)})
			}
		}
		if len(all) > MaxExitGrants {
			return nil, ledger.Refused("%s %s holds more than %d grants and sub-grants; revoke some (RevokeGrant) before it exits", p.Role, p.MSP, MaxExitGrants)
		}
	}
	var refs []ledger.EventRef
	for _, e := range all {
		g, err := tx.withControl(e.grant)
		if err != nil {
			return nil, err
		}
		if !g.End(e.reason, tx.stamp) {
			continue
		}
		if err := tx.writeControl(g); err != nil {
			return nil, err
		}
		refs = append(refs, ledger.EventRef{Type: typeGrant, ID: g.ID, Change: string(ledger.GrantRevoked)})
	}
	return refs, nil
}
