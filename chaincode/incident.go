package chaincode

import (
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// ReportIncident records a security incident (数据安全事件) on a grant, a
// dataset or an attestor, reported by a party of it (ledger.ReportIncident);
// a report after the deadline of its level, by the transaction's time, is
// marked late. Caller: the grant's holder or providers, or the platform;
// the dataset's owner or a holder of a grant over it; the attestor's
// platform. Event: incident.reported.
func (c *Contract) ReportIncident(ctx contractapi.TransactionContextInterface, request string) (*ledger.Incident, error) {
	var out *ledger.Incident
	err := c.submit(ctx, "report incident", func(tx *txn) error {
		var req ledger.IncidentRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("report incident", req.ID)
		if err := ledger.CheckID("id", req.ID); err != nil {
			return err
		}
		in, err := incidentInputs(tx, req)
		if err != nil {
			return err
		}
		inc, err := ledger.ReportIncident(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := tx.putIncident(inc); err != nil {
			return err
		}
		tx.emit(typeIncident, inc.ID, "reported")
		out = inc
		return nil
	})
	return result(out, err)
}

// incidentInputs loads what a report is checked against: the incident of
// that ID and the subject it names (with, for a dataset, the first-level
// grants over it).
func incidentInputs(tx *txn, req ledger.IncidentRequest) (ledger.IncidentInputs, error) {
	var in ledger.IncidentInputs
	var err error
	if in.Existing, err = get[ledger.Incident](tx, typeIncident, req.ID); err != nil {
		return in, err
	}
	switch req.SubjectType {
	case ledger.IncidentOnGrant:
		if ledger.CheckID("subjectId", req.SubjectID) == nil {
			in.Grant, err = getGrant(tx, req.SubjectID)
		}
	case ledger.IncidentOnDataset:
		if ledger.CheckID("subjectId", req.SubjectID) == nil {
			if in.Dataset, err = get[ledger.Dataset](tx, typeDataset, req.SubjectID); err == nil && in.Dataset != nil {
				in.GrantsOverDataset, err = scan[ledger.Grant](tx, typeGrant, "dataset", req.SubjectID)
			}
		}
	case ledger.IncidentOnAttestor:
		addr, aerr := ledger.NormalizeAttestorAddress("subjectId", req.SubjectID)
		if aerr != nil {
			return in, aerr
		}
		in.Attestor, err = get[ledger.Attestor](tx, typeAttestor, addr)
	}
	return in, err
}

// DecideIncident records the authority's decision on a reported incident
// and applies it in the same transaction, as an emergency power: suspend
// the grant (under its status key, endorsed by the authority's peer, as
// SuspendGrant), suspend the operator (as SetOperatorStatus), retire the
// attestor (as RetireAttestor), order rectification, or close it. A
// decision after the handling deadline of its level is marked late.
// Caller: the authority. Event: incident.decided (incident.closed for a
// close), the suspended or retired object related.
func (c *Contract) DecideIncident(ctx contractapi.TransactionContextInterface, request string) (*ledger.Incident, error) {
	var out *ledger.Incident
	err := c.submit(ctx, "decide incident", func(tx *txn) error {
		var req ledger.IncidentDecisionRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("decide incident", req.ID)
		inc, err := load[ledger.Incident](tx, typeIncident, req.ID)
		if err != nil {
			return err
		}
		var eff ledger.IncidentEffects
		switch typ, id := inc.Target(req.Action); typ {
		case typeGrant:
			eff.Grant, err = getGrant(tx, id)
		case typeParticipant:
			eff.Operator, err = get[ledger.Participant](tx, typeParticipant, id)
		case typeAttestor:
			eff.Attestor, err = get[ledger.Attestor](tx, typeAttestor, id)
		}
		if err != nil {
			return err
		}
		if err := inc.Decide(tx.caller, req, eff, tx.stamp); err != nil {
			return err
		}
		var related []ledger.EventRef
		switch inc.Decision.Action {
		case ledger.ActionSuspendGrant:
			err = tx.writeControl(eff.Grant)
			related = append(related, ledger.EventRef{Type: typeGrant, ID: eff.Grant.ID, Change: string(ledger.GrantSuspended)})
		case ledger.ActionSuspendOperator:
			err = put(tx, typeParticipant, eff.Operator.MSP, eff.Operator)
			related = append(related, ledger.EventRef{Type: typeParticipant, ID: eff.Operator.MSP, Change: string(ledger.OperatorSuspended)})
		case ledger.ActionRetireAttestor:
			err = put(tx, typeAttestor, eff.Attestor.Address, eff.Attestor)
			related = append(related, ledger.EventRef{Type: typeAttestor, ID: eff.Attestor.Address, Change: string(ledger.AttestorRetired)})
		}
		if err != nil {
			return err
		}
		if err := tx.putIncident(inc); err != nil {
			return err
		}
		tx.emit(typeIncident, inc.ID, string(inc.Status), related...)
		out = inc
		return nil
	})
	return result(out, err)
}

// CloseIncident closes a decided incident with the digest of the report on
// its handling. Caller: the authority. Event: incident.closed.
func (c *Contract) CloseIncident(ctx contractapi.TransactionContextInterface, id, reportDigest string) (*ledger.Incident, error) {
	var out *ledger.Incident
	err := c.submit(ctx, "close incident "+id, func(tx *txn) error {
		inc, err := load[ledger.Incident](tx, typeIncident, id)
		if err != nil {
			return err
		}
		if err := inc.Close(tx.caller, reportDigest, tx.stamp); err != nil {
			return err
		}
		if err := tx.putIncident(inc); err != nil {
			return err
		}
		tx.emit(typeIncident, inc.ID, "closed")
		out = inc
		return nil
	})
	return result(out, err)
}

// GetIncident returns an incident to the authority, the regulator, its
// reporter and the parties of its subject; to others it does not exist.
func (c *Contract) GetIncident(ctx contractapi.TransactionContextInterface, id string) (*ledger.Incident, error) {
	var out *ledger.Incident
	err := c.evaluate(ctx, "get incident "+id, func(tx *txn) error {
		inc, err := readable[ledger.Incident](tx, typeIncident, typeIncident, id)
		if err != nil {
			return err
		}
		out = inc
		return nil
	})
	return result(out, err)
}

// QueryIncidents pages through the incidents the caller may read by grant,
// dataset, attestor (the subject's ID), status or reporter.
func (c *Contract) QueryIncidents(ctx contractapi.TransactionContextInterface, query string) (*ledger.IncidentPage, error) {
	var out *ledger.IncidentPage
	err := c.evaluate(ctx, "query incidents", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		if q.By == string(ledger.IncidentOnAttestor) && q.Value != "" {
			// Attestors are stored by their lower-case address.
			if addr, err := ledger.NormalizeAttestorAddress("value", q.Value); err == nil {
				q.Value = addr
			}
		}
		items, bookmark, err := page(tx, typeIncident, q, []string{"grant", "dataset", "attestor", "status", "reporter"},
			func(inc *ledger.Incident) bool { return inc.VisibleTo(tx.caller) })
		out = &ledger.IncidentPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}

// putIncident writes an incident and marks its subject (typeIncidentMark),
// so that a provenance finds the incidents of its path without scanning
// the subjects that have none. The mark is written without being read: two
// reports on one subject do not conflict over it, and the value written is
// always the same.
func (tx *txn) putIncident(inc *ledger.Incident) error {
	if err := put(tx, typeIncident, inc.ID, inc); err != nil {
		return err
	}
	k, err := tx.incidentMarkKey(inc.SubjectType, inc.SubjectID)
	if err != nil {
		return err
	}
	if err := tx.ctx.GetStub().PutState(k, indexMarker); err != nil {
		return fmt.Errorf("mark %s %s as a subject of incidents: %w", inc.SubjectType, inc.SubjectID, err)
	}
	return nil
}

func (tx *txn) incidentMarkKey(typ ledger.IncidentSubject, id string) (string, error) {
	k, err := tx.ctx.GetStub().CreateCompositeKey(typeIncidentMark, []string{string(typ), id})
	if err != nil {
		return "", ledger.Invalid("subjectId", "%q cannot be used in a key: %s", id, err.Error())
	}
	return k, nil
}
