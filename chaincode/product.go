package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// productInputs loads the lineage a product request names.
func productInputs(tx *txn, req ledger.ProductRequest) (ledger.ProductInputs, error) {
	in := ledger.ProductInputs{Grants: map[string]*ledger.Grant{}, Receipts: map[string]*ledger.Receipt{}}
	for _, id := range req.Grants {
		if ledger.CheckID("grants", id) != nil {
			continue
		}
		g, err := getGrant(tx, id)
		if err != nil {
			return in, err
		}
		if g != nil {
			v, err := tx.grantView(g)
			if err != nil {
				return in, err
			}
			in.Grants[id] = &v
		}
	}
	for _, id := range req.Receipts {
		if ledger.CheckID("receipts", id) != nil {
			continue
		}
		r, err := getReceipt(tx, id)
		if err != nil {
			return in, err
		}
		if r != nil {
			in.Receipts[id] = r
		}
	}
	return in, nil
}

// RegisterProduct registers a data product or service (数据产品和服务) as a
// draft, with its lineage. Caller: an operator or developer, over its own
// grants and receipts. Event: product.registered.
func (c *Contract) RegisterProduct(ctx contractapi.TransactionContextInterface, request string) (*ledger.Product, error) {
	var out *ledger.Product
	err := c.submit(ctx, "register product", func(tx *txn) error {
		var req ledger.ProductRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("register product", req.ID)
		in, err := productInputs(tx, req)
		if err != nil {
			return err
		}
		if ledger.CheckID("id", req.ID) == nil {
			if in.Existing, err = get[ledger.Product](tx, typeProduct, req.ID); err != nil {
				return err
			}
		}
		p, err := ledger.RegisterProduct(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		out = p
		return tx.writeProduct(p, "registered")
	})
	return result(out, err)
}

// UpdateProduct replaces a draft product's description and lineage.
// Caller: its owner. Event: product.updated.
func (c *Contract) UpdateProduct(ctx contractapi.TransactionContextInterface, request string) (*ledger.Product, error) {
	var out *ledger.Product
	err := c.submit(ctx, "update product", func(tx *txn) error {
		var req ledger.ProductRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("update product", req.ID)
		p, err := load[ledger.Product](tx, typeProduct, req.ID)
		if err != nil {
			return err
		}
		if err := tx.productView(p); err != nil {
			return err
		}
		in, err := productInputs(tx, req)
		if err != nil {
			return err
		}
		if err := p.Update(tx.caller, req, in, tx.stamp); err != nil {
			return err
		}
		out = p
		return tx.writeProduct(p, "updated")
	})
	return result(out, err)
}

// SubmitProduct sends a draft product to review. Caller: its owner.
// Event: product.in-review.
func (c *Contract) SubmitProduct(ctx contractapi.TransactionContextInterface, id string) (*ledger.Product, error) {
	return c.changeProduct(ctx, "submit product "+id, id, func(tx *txn, p *ledger.Product) error {
		return p.Submit(tx.caller, tx.stamp)
	})
}

// DecideProduct approves a product in review (which needs an expert's and
// the platform's opinion) or returns it to draft with a reason. Caller: the
// authority. Event: product.approved or product.draft.
func (c *Contract) DecideProduct(ctx contractapi.TransactionContextInterface, request string) (*ledger.Product, error) {
	var req ledger.ProductDecision
	if err := decode(request, &req); err != nil {
		return nil, txError("decide product", err)
	}
	return c.changeProduct(ctx, "decide product "+req.ID, req.ID, func(tx *txn, p *ledger.Product) error {
		ops, err := scan[ledger.Opinion](tx, typeOpinion, "subject", opinionSubject(ledger.SubjectProduct, p.ID))
		if err != nil {
			return err
		}
		return p.Decide(tx.caller, req.Approve, req.Reason, deref(ops), tx.stamp)
	})
}

// RequestListing asks the data exchange to list an approved or delisted
// product; only the exchange lists it (ConfirmListing). Caller: its owner.
// Event: product.listing-requested.
func (c *Contract) RequestListing(ctx contractapi.TransactionContextInterface, id string) (*ledger.Product, error) {
	return c.changeProduct(ctx, "request listing of product "+id, id, func(tx *txn, p *ledger.Product) error {
		return p.RequestListing(tx.caller, tx.stamp)
	})
}

// ConfirmListing records the data exchange's listing of a product under
// the registration number it issues (数据交易所登记编号), which no other
// product holds. Caller: a data exchange. Event: product.listed.
func (c *Contract) ConfirmListing(ctx contractapi.TransactionContextInterface, id, registrationNo string) (*ledger.Product, error) {
	return c.changeProduct(ctx, "confirm listing of product "+id, id, func(tx *txn, p *ledger.Product) error {
		holder := ""
		if tx.caller.Is(ledger.RoleExchange) && registrationNo != "" {
			// Read only for an exchange's call: anyone else is refused
			// before the number matters, and must learn nothing of it.
			holders, err := scan[ledger.Product](tx, typeProduct, "registration", registrationNo)
			if err != nil {
				return err
			}
			for _, h := range holders {
				if h.ID != p.ID {
					holder = h.ID
				}
			}
		}
		return p.ConfirmListing(tx.caller, registrationNo, holder, tx.stamp)
	})
}

// RejectListing records that the data exchange declined to list a product,
// with its reason. Caller: a data exchange. Event: product.listing-rejected.
func (c *Contract) RejectListing(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Product, error) {
	return c.changeProductAs(ctx, "reject listing of product "+id, id, "listing-rejected", func(tx *txn, p *ledger.Product) error {
		return p.RejectListing(tx.caller, reason, tx.stamp)
	})
}

// DelistProduct takes a listed product off the market. Caller: its owner,
// the authority or a data exchange. Event: product.delisted.
func (c *Contract) DelistProduct(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Product, error) {
	return c.changeProduct(ctx, "delist product "+id, id, func(tx *txn, p *ledger.Product) error {
		return p.Delist(tx.caller, reason, tx.stamp)
	})
}

func (c *Contract) changeProduct(ctx contractapi.TransactionContextInterface, op, id string, change func(*txn, *ledger.Product) error) (*ledger.Product, error) {
	return c.changeProductAs(ctx, op, id, "", change)
}

// changeProductAs is changeProduct with the event's change named: empty
// names it by the product's new status.
func (c *Contract) changeProductAs(ctx contractapi.TransactionContextInterface, op, id, event string, change func(*txn, *ledger.Product) error) (*ledger.Product, error) {
	var out *ledger.Product
	err := c.submit(ctx, op, func(tx *txn) error {
		p, err := load[ledger.Product](tx, typeProduct, id)
		if err != nil {
			return err
		}
		if err := tx.productView(p); err != nil {
			return err
		}
		if err := change(tx, p); err != nil {
			return err
		}
		out = p
		if event == "" {
			event = string(p.Status)
		}
		return tx.writeProduct(p, event)
	})
	return result(out, err)
}

// lineageOf loads the grants of a product's lineage and their parents,
// each with its status record, by ID: the grants, then their parents, each
// generation read in one request (readGrantsAhead).
func (tx *txn) lineageOf(p *ledger.Product) (map[string]*ledger.Grant, error) {
	grants := map[string]*ledger.Grant{}
	for ids := p.Grants; len(ids) > 0; {
		if err := tx.readGrantsAhead(ids); err != nil {
			return nil, err
		}
		var parents []string
		for _, id := range ids {
			if _, done := grants[id]; done {
				continue
			}
			g, err := getGrant(tx, id)
			if err != nil {
				return nil, err
			}
			grants[id] = g
			if g != nil && g.ParentID != "" {
				parents = append(parents, g.ParentID)
			}
		}
		ids = parents
	}
	return grants, nil
}

// readGrantsAhead reads grants with their status records ahead
// (readAhead), for getGrant to find.
func (tx *txn) readGrantsAhead(ids []string) error {
	keys := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		for _, typ := range []string{typeGrant, typeGrantStatus} {
			if k, err := tx.key(typ, id); err == nil {
				keys = append(keys, k)
			}
		}
	}
	return tx.readAhead(keys)
}

// productView sets a product as its lineage stands now (ledger
// Product.WithLineage): marks are lazy, read from the grants' status
// records whenever the product is read, listed or provenanced, so that a
// suspension or revocation never reads (nor conflicts with) a product.
func (tx *txn) productView(p *ledger.Product) error {
	grants, err := tx.lineageOf(p)
	if err != nil {
		return err
	}
	*p = p.WithLineage(grants)
	return nil
}

func (tx *txn) writeProduct(p *ledger.Product, change string) error {
	if err := put(tx, typeProduct, p.ID, p); err != nil {
		return err
	}
	tx.emit(typeProduct, p.ID, change)
	return nil
}

// GetProduct returns a product to its owner, the authority, the regulator
// and the reviewers; a listed product to everyone.
func (c *Contract) GetProduct(ctx contractapi.TransactionContextInterface, id string) (*ledger.Product, error) {
	var out *ledger.Product
	err := c.evaluate(ctx, "get product "+id, func(tx *txn) error {
		p, err := load[ledger.Product](tx, typeProduct, id)
		if err != nil {
			return err
		}
		if err := tx.productView(p); err != nil {
			return err
		}
		if !p.VisibleTo(tx.caller) {
			return tx.hidden(typeProduct, id)
		}
		out = p
		return nil
	})
	return result(out, err)
}

// productPage pages through products by q, each as its lineage stands now
// (productView), keeping those keep accepts.
func (tx *txn) productPage(q ledger.Query, allowed []string, keep func(*ledger.Product) bool) ([]ledger.Product, string, error) {
	var failed error
	items, bookmark, err := page(tx, typeProduct, q, allowed, func(p *ledger.Product) bool {
		if failed != nil {
			return false
		}
		if err := tx.productView(p); err != nil {
			failed = err
			return false
		}
		return keep(p)
	})
	if err == nil {
		err = failed
	}
	return items, bookmark, err
}

// QueryProducts pages through the products visible to the caller by owner,
// status or grant.
func (c *Contract) QueryProducts(ctx contractapi.TransactionContextInterface, query string) (*ledger.ProductPage, error) {
	var out *ledger.ProductPage
	err := c.evaluate(ctx, "query products", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := tx.productPage(q, []string{"owner", "status", "grant"}, func(p *ledger.Product) bool {
			return p.VisibleTo(tx.caller) && (q.By != "status" || string(p.Status) == q.Value)
		})
		out = &ledger.ProductPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
