package chaincode

import (
	"slices"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// DisclosedOperators pages through the admitted operators with the domains
// and scenarios of the grants they hold in force (公开结果). Public.
func (c *Contract) DisclosedOperators(ctx contractapi.TransactionContextInterface, query string) (*ledger.OperatorDisclosurePage, error) {
	var out *ledger.OperatorDisclosurePage
	err := c.evaluate(ctx, "disclose operators", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.OperatorAdmitted))
		if err != nil {
			return err
		}
		ps, bookmark, err := page[ledger.Participant](tx, typeParticipant, q, []string{"status"}, nil)
		if err != nil {
			return err
		}
		out = &ledger.OperatorDisclosurePage{Items: []ledger.OperatorDisclosure{}, Bookmark: bookmark}
		for i := range ps {
			held, err := scan[ledger.Grant](tx, typeGrant, "holder", ps[i].MSP)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, ledger.DiscloseOperator(&ps[i], held, tx.now))
		}
		return nil
	})
	return result(out, err)
}

// DisclosedGrants pages through summaries of the grants in force. Public.
func (c *Contract) DisclosedGrants(ctx contractapi.TransactionContextInterface, query string) (*ledger.GrantSummaryPage, error) {
	var out *ledger.GrantSummaryPage
	err := c.evaluate(ctx, "disclose grants", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.GrantActive))
		if err != nil {
			return err
		}
		gs, bookmark, err := page(tx, typeGrant, q, []string{"status"}, func(g *ledger.Grant) bool {
			return g.EffectiveStatus(tx.now) == ledger.GrantActive
		})
		out = &ledger.GrantSummaryPage{Items: []ledger.GrantSummary{}, Bookmark: bookmark}
		for i := range gs {
			out.Items = append(out.Items, gs[i].Summary(tx.now))
		}
		return err
	})
	return result(out, err)
}

// DisclosedAgreements pages through summaries of the agreements in force. Public.
func (c *Contract) DisclosedAgreements(ctx contractapi.TransactionContextInterface, query string) (*ledger.AgreementSummaryPage, error) {
	var out *ledger.AgreementSummaryPage
	err := c.evaluate(ctx, "disclose agreements", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.AgreementInForce))
		if err != nil {
			return err
		}
		as, bookmark, err := page(tx, typeAgreement, q, []string{"status"}, func(a *ledger.Agreement) bool {
			return a.InForceAt(tx.now)
		})
		out = &ledger.AgreementSummaryPage{Items: []ledger.AgreementSummary{}, Bookmark: bookmark}
		for i := range as {
			out.Items = append(out.Items, as[i].Summary())
		}
		return err
	})
	return result(out, err)
}

// DisclosedProducts pages through summaries of the listed products. Public.
func (c *Contract) DisclosedProducts(ctx contractapi.TransactionContextInterface, query string) (*ledger.ProductSummaryPage, error) {
	var out *ledger.ProductSummaryPage
	err := c.evaluate(ctx, "disclose products", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.ProductListed))
		if err != nil {
			return err
		}
		ps, bookmark, err := page[ledger.Product](tx, typeProduct, q, []string{"status"}, nil)
		out = &ledger.ProductSummaryPage{Items: []ledger.ProductSummary{}, Bookmark: bookmark}
		for i := range ps {
			out.Items = append(out.Items, ps[i].Summary())
		}
		return err
	})
	return result(out, err)
}

// disclosureQuery reads a page request (pageSize, bookmark) and fixes the
// status index.
func disclosureQuery(query, status string) (ledger.Query, error) {
	var q ledger.Query
	if err := decode(query, &q); err != nil {
		return q, err
	}
	if q.By != "" || q.Value != "" {
		return q, ledger.Invalid("by", "disclosure queries take only pageSize and bookmark")
	}
	q.By, q.Value = "status", status
	return q, nil
}

// GetProvenance returns a product's path back to its providers: product →
// receipts → grants (→ parent grants) → datasets → providers, each with the
// transaction that recorded it. Visible to those who may read the product.
func (c *Contract) GetProvenance(ctx contractapi.TransactionContextInterface, productID string) (*ledger.Provenance, error) {
	var out *ledger.Provenance
	err := c.evaluate(ctx, "get provenance of product "+productID, func(tx *txn) error {
		p, err := load[ledger.Product](tx, typeProduct, productID)
		if err != nil {
			return err
		}
		if !p.VisibleTo(tx.caller) {
			return tx.hidden(typeProduct, productID)
		}
		in := ledger.ProvenanceInputs{
			Receipts: map[string]*ledger.Receipt{}, Grants: map[string]*ledger.Grant{},
			Datasets: map[string]*ledger.Dataset{}, Providers: map[string]*ledger.Participant{},
		}
		grantIDs := slices.Clone(p.Grants)
		for _, id := range p.Receipts {
			r, err := get[ledger.Receipt](tx, typeReceipt, id)
			if err != nil {
				return err
			}
			if r != nil {
				in.Receipts[id] = r
				grantIDs = append(grantIDs, r.GrantID)
			}
		}
		for len(grantIDs) > 0 {
			id := grantIDs[0]
			grantIDs = grantIDs[1:]
			if _, done := in.Grants[id]; done {
				continue
			}
			g, err := get[ledger.Grant](tx, typeGrant, id)
			if err != nil {
				return err
			}
			if g == nil {
				continue
			}
			in.Grants[id] = g
			if g.ParentID != "" {
				grantIDs = append(grantIDs, g.ParentID)
			}
			for _, d := range g.Scope.Datasets {
				if _, done := in.Datasets[d.ID]; done {
					continue
				}
				ds, err := get[ledger.Dataset](tx, typeDataset, d.ID)
				if err != nil {
					return err
				}
				if ds == nil {
					continue
				}
				in.Datasets[d.ID] = ds
				if _, done := in.Providers[ds.Owner]; !done {
					pr, err := get[ledger.Participant](tx, typeParticipant, ds.Owner)
					if err != nil {
						return err
					}
					if pr != nil {
						in.Providers[ds.Owner] = pr
					}
				}
			}
		}
		prov := ledger.BuildProvenance(p, in, tx.now)
		out = &prov
		return nil
	})
	return result(out, err)
}

// GetHistory returns every version of an object with the transaction that
// wrote it, to those who may read the object now.
func (c *Contract) GetHistory(ctx contractapi.TransactionContextInterface, objectType, id string) ([]ledger.HistoryEntry, error) {
	var out []ledger.HistoryEntry
	err := c.evaluate(ctx, "get history of "+objectType+" "+id, func(tx *txn) error {
		if !slices.Contains(historyTypes, objectType) {
			return ledger.Invalid("objectType", "%q is not one of %v", objectType, historyTypes)
		}
		check := ledger.CheckID
		if objectType == typeExpert {
			check = ledger.CheckClientIdentity
		}
		if err := check("id", id); err != nil {
			return err
		}
		ok, err := tx.visible(objectType, id)
		if err != nil {
			return err
		}
		if !ok {
			return tx.hidden(objectType, id)
		}
		out, err = tx.history(objectType, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// visible reports whether the caller may read the current version of an
// object; it fails with not found when the object does not exist.
func (tx *txn) visible(objectType, id string) (bool, error) {
	switch objectType {
	case typeParticipant:
		_, err := tx.exists(objectType, id)
		return err == nil && (tx.caller.Is(ledger.RoleAuthority, ledger.RoleRegulator) || tx.caller.ActsFor(id)), err
	case typeExpert, typeDataset, typeCall, typeAttestor:
		_, err := tx.exists(objectType, id)
		return err == nil, err
	case typeApplication:
		a, err := load[ledger.Application](tx, objectType, id)
		return err == nil && a.VisibleTo(tx.caller), err
	case typeReview:
		r, err := load[ledger.Review](tx, objectType, id)
		if err != nil {
			return false, err
		}
		return tx.reviewVisible(r)
	case typeOpinion:
		o, err := load[ledger.Opinion](tx, objectType, id)
		if err != nil {
			return false, err
		}
		return tx.opinionVisible(o)
	case typeGrant, typeUsage:
		g, err := load[ledger.Grant](tx, typeGrant, id)
		return err == nil && g.VisibleTo(tx.caller), err
	case typeAgreement:
		a, err := load[ledger.Agreement](tx, objectType, id)
		return err == nil && a.VisibleTo(tx.caller), err
	case typeReceipt:
		r, err := load[ledger.Receipt](tx, objectType, id)
		if err != nil {
			return false, err
		}
		return tx.receiptVisible(r)
	case typeBatch:
		b, err := load[ledger.Batch](tx, objectType, id)
		if err != nil {
			return false, err
		}
		var grants []*ledger.Grant
		for _, gid := range b.GrantIDs() {
			g, err := get[ledger.Grant](tx, typeGrant, gid)
			if err != nil {
				return false, err
			}
			grants = append(grants, g)
		}
		return b.VisibleTo(tx.caller, grants), nil
	case typeProduct:
		p, err := load[ledger.Product](tx, objectType, id)
		return err == nil && p.VisibleTo(tx.caller), err
	}
	return false, nil
}

func (tx *txn) exists(objectType, id string) (bool, error) {
	k, err := tx.key(objectType, id)
	if err != nil {
		return false, err
	}
	raw, err := tx.ctx.GetStub().GetState(k)
	if err != nil {
		return false, err
	}
	if raw == nil {
		return false, ledger.NotFound(objectType, id)
	}
	return true, nil
}
