package chaincode

import (
	"github.com/grantledger/grantledger/ledger"
)

// audienceOf returns who may read object typ id as this transaction leaves
// it: from what the transaction wrote, else from the ledger. Objects whose
// readers depend on another (a review on its application, a receipt on its
// grant) look that one up the same way.
func (tx *txn) audienceOf(typ, id string) (ledger.Audience, error) {
	switch typ {
	case typeParticipant, typeExpert, typeDataset, typeCall, typeAttestor, "config":
		return ledger.Audience{Public: true}, nil
	case typeApplication:
		return audienceOf[ledger.Application](tx, typ, id, (*ledger.Application).Audience)
	case typeGrant:
		return audienceOf[ledger.Grant](tx, typ, id, (*ledger.Grant).Audience)
	case typeUsage:
		// A grant's usage row is read by whoever reads the grant.
		return audienceOf[ledger.Grant](tx, typeGrant, id, (*ledger.Grant).Audience)
	case typeAgreement:
		return audienceOf[ledger.Agreement](tx, typ, id, (*ledger.Agreement).Audience)
	case typeProduct:
		return audienceOf[ledger.Product](tx, typ, id, (*ledger.Product).Audience)
	case typeIncident:
		return audienceOf[ledger.Incident](tx, typ, id, (*ledger.Incident).Audience)
	case typeDataRequest:
		return audienceOf[ledger.DataRequest](tx, typ, id, (*ledger.DataRequest).Audience)
	case typeNotice:
		// A threshold notice reaches whoever reads the object it is about.
		n, err := written[ledger.DeadlineNotice](tx, typ, id)
		if err != nil || n == nil {
			return ledger.Audience{}, err
		}
		return tx.audienceOf(n.ObjectType, n.ObjectID)
	case typeFeeSchedule:
		return audienceOf[ledger.FeeSchedule](tx, typ, id, (*ledger.FeeSchedule).Audience)
	case typeFeeStatement:
		return audienceOf[ledger.FeeStatement](tx, typ, id, (*ledger.FeeStatement).Audience)
	case typeBenefitSplit:
		return audienceOf[ledger.BenefitSplit](tx, typ, id, (*ledger.BenefitSplit).Audience)
	case typeRevenue:
		return audienceOf[ledger.Revenue](tx, typ, id, (*ledger.Revenue).Audience)
	case typeBenefitShare:
		return audienceOf[ledger.BenefitShare](tx, typ, id, (*ledger.BenefitShare).Audience)
	case typeReview:
		r, err := written[ledger.Review](tx, typ, id)
		if err != nil || r == nil {
			return ledger.Audience{}, err
		}
		var app *ledger.Application
		if !r.Kind.OnOperator() {
			if app, err = written[ledger.Application](tx, typeApplication, r.Subject); err != nil {
				return ledger.Audience{}, err
			}
		}
		return r.Audience(app), nil
	case typeOpinion:
		o, err := written[ledger.Opinion](tx, typ, id)
		if err != nil || o == nil {
			return ledger.Audience{}, err
		}
		owner := ""
		switch o.SubjectType {
		case ledger.SubjectApplication:
			a, err := written[ledger.Application](tx, typeApplication, o.SubjectID)
			if err != nil {
				return ledger.Audience{}, err
			}
			if a != nil {
				owner = a.Operator
			}
		case ledger.SubjectProduct:
			p, err := written[ledger.Product](tx, typeProduct, o.SubjectID)
			if err != nil {
				return ledger.Audience{}, err
			}
			if p != nil {
				owner = p.Owner
			}
		}
		return o.Audience(owner), nil
	case typeReceipt:
		r, err := written[ledger.Receipt](tx, typ, id)
		if err != nil || r == nil {
			return ledger.Audience{}, err
		}
		g, err := written[ledger.Grant](tx, typeGrant, r.GrantID)
		if err != nil {
			return ledger.Audience{}, err
		}
		return r.Audience(g), nil
	case typeBatch:
		b, err := written[ledger.Batch](tx, typ, id)
		if err != nil || b == nil {
			return ledger.Audience{}, err
		}
		var grants []*ledger.Grant
		for _, gid := range b.GrantIDs() {
			g, err := written[ledger.Grant](tx, typeGrant, gid)
			if err != nil {
				return ledger.Audience{}, err
			}
			grants = append(grants, g)
		}
		return b.Audience(grants), nil
	}
	// An object type without a rule: only the authority and the regulator.
	return ledger.Audience{}, nil
}

// audienceOf is the audience of an object whose readers it alone decides.
func audienceOf[T any](tx *txn, typ, id string, of func(*T) ledger.Audience) (ledger.Audience, error) {
	v, err := written[T](tx, typ, id)
	if err != nil || v == nil {
		return ledger.Audience{}, err
	}
	return of(v), nil
}

// written returns an object as this transaction wrote it, or as the ledger
// holds it (nil when it does not exist): Fabric reads do not see the
// transaction's own writes.
func written[T any](tx *txn, typ, id string) (*T, error) {
	if v, ok := tx.written[typ+"\x00"+id].(*T); ok {
		return v, nil
	}
	return get[T](tx, typ, id)
}
