package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// WhoAmI returns the caller as the ledger sees it: MSP ID, client identity,
// role, and whether it acts as an individual expert. The client identity is
// what RegisterExpert names.
func (c *Contract) WhoAmI(ctx contractapi.TransactionContextInterface) (*ledger.Caller, error) {
	var out *ledger.Caller
	err := evaluate(ctx, "who am i", func(tx *txn) error {
		out = &tx.caller
		return nil
	})
	return result(out, err)
}

// RegisterParticipant registers an organisation with its role and name.
// Caller: the authority. Event: participant.registered.
func (c *Contract) RegisterParticipant(ctx contractapi.TransactionContextInterface, request string) (*ledger.Participant, error) {
	var out *ledger.Participant
	err := submit(ctx, "register participant", func(tx *txn) error {
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

// RegisterExpert convenes an individual, known by its client identity, as a
// member of the expert committee (专家咨询委员会); while active, that identity
// acts in the expert role. Registering a retired expert again reactivates
// it. Caller: the authority. Event: expert.registered.
func (c *Contract) RegisterExpert(ctx contractapi.TransactionContextInterface, request string) (*ledger.Expert, error) {
	var out *ledger.Expert
	err := submit(ctx, "register expert", func(tx *txn) error {
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
	err := submit(ctx, "retire expert "+client, func(tx *txn) error {
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
	err := evaluate(ctx, "get expert "+client, func(tx *txn) error {
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
	err := evaluate(ctx, "query experts", func(tx *txn) error {
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

// SetOperatorStatus admits, suspends, readmits or exits an operator.
// Caller: the authority. Event: participant.<status>.
func (c *Contract) SetOperatorStatus(ctx contractapi.TransactionContextInterface, request string) (*ledger.Participant, error) {
	var out *ledger.Participant
	err := submit(ctx, "set operator status", func(tx *txn) error {
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
	err := submit(ctx, "record evaluation", func(tx *txn) error {
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
	err := evaluate(ctx, "get participant "+msp, func(tx *txn) error {
		p, err := load[ledger.Participant](tx, typeParticipant, msp)
		if err != nil {
			return err
		}
		v := p.VisibleTo(tx.caller)
		out = &v
		return nil
	})
	return result(out, err)
}

// QueryParticipants pages through participants by role or status.
func (c *Contract) QueryParticipants(ctx contractapi.TransactionContextInterface, query string) (*ledger.ParticipantPage, error) {
	var out *ledger.ParticipantPage
	err := evaluate(ctx, "query participants", func(tx *txn) error {
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
