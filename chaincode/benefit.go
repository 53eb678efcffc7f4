package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// ProposeBenefitSplit records the split of a product's revenue (收益分配方案)
// among the providers of its data, a platform and its operator, in basis
// points summing to 10000 (ledger.ProposeBenefitSplit). Caller: the
// product's owner. Event: benefitsplit.proposed.
func (c *Contract) ProposeBenefitSplit(ctx contractapi.TransactionContextInterface, request string) (*ledger.BenefitSplit, error) {
	var out *ledger.BenefitSplit
	err := c.submit(ctx, "propose benefit split", func(tx *txn) error {
		var req ledger.BenefitSplitRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("propose benefit split of product", req.ProductID)
		if err := ledger.CheckID("productId", req.ProductID); err != nil {
			return err
		}
		in := ledger.BenefitSplitInputs{Participants: map[string]*ledger.Participant{}}
		var err error
		if in.Product, err = get[ledger.Product](tx, typeProduct, req.ProductID); err != nil {
			return err
		}
		if in.Existing, err = get[ledger.BenefitSplit](tx, typeBenefitSplit, req.ProductID); err != nil {
			return err
		}
		if in.Product != nil {
			for _, id := range in.Product.Grants {
				g, err := get[ledger.Grant](tx, typeGrant, id)
				if err != nil {
					return err
				}
				if g != nil {
					in.Grants = append(in.Grants, g)
				}
			}
		}
		for _, p := range req.Parties {
			if ledger.CheckID("msp", p.MSP) != nil {
				continue
			}
			pt, err := get[ledger.Participant](tx, typeParticipant, p.MSP)
			if err != nil {
				return err
			}
			in.Participants[p.MSP] = pt
		}
		s, err := ledger.ProposeBenefitSplit(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeBenefitSplit, s.ProductID, s); err != nil {
			return err
		}
		tx.emit(typeBenefitSplit, s.ProductID, string(s.Status))
		out = s
		return nil
	})
	return result(out, err)
}

// AgreeBenefitSplit records the caller's organisation's agreement to a
// product's split; with the last party's, the split is agreed. Caller: a
// party of the split. Event: benefitsplit.agreement, or
// benefitsplit.agreed with the last agreement.
func (c *Contract) AgreeBenefitSplit(ctx contractapi.TransactionContextInterface, productID string) (*ledger.BenefitSplit, error) {
	var out *ledger.BenefitSplit
	err := c.submit(ctx, "agree to the benefit split of product "+productID, func(tx *txn) error {
		s, err := get[ledger.BenefitSplit](tx, typeBenefitSplit, productID)
		if err != nil {
			return err
		}
		if s == nil {
			return ledger.NotFound("benefit split", productID)
		}
		if err := s.Agree(tx.caller, tx.stamp); err != nil {
			return err
		}
		if err := put(tx, typeBenefitSplit, s.ProductID, s); err != nil {
			return err
		}
		change := "agreement"
		if s.Status == ledger.SplitAgreed {
			change = string(ledger.SplitAgreed)
		}
		tx.emit(typeBenefitSplit, s.ProductID, change)
		out = s
		return nil
	})
	return result(out, err)
}

// GetBenefitSplit returns a product's split to its parties, the authority
// and the regulator; to others it does not exist.
func (c *Contract) GetBenefitSplit(ctx contractapi.TransactionContextInterface, productID string) (*ledger.BenefitSplit, error) {
	var out *ledger.BenefitSplit
	err := c.evaluate(ctx, "get benefit split of product "+productID, func(tx *txn) error {
		var err error
		out, err = readable[ledger.BenefitSplit](tx, typeBenefitSplit, "benefit split", productID)
		return err
	})
	return result(out, err)
}

// RecordRevenue records a listed product's revenue for a month and splits
// it into one share per party of its agreed split (ledger.RecordRevenue),
// each written as its own row that only its party (and the authority and
// the regulator) reads. Caller: the product's owner. Event:
// revenue.recorded, to the operator: each party reads its share with
// QueryBenefitShares.
func (c *Contract) RecordRevenue(ctx contractapi.TransactionContextInterface, request string) (*ledger.Revenue, error) {
	var out *ledger.Revenue
	err := c.submit(ctx, "record revenue", func(tx *txn) error {
		var req ledger.RevenueRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("record revenue", req.ID)
		if err := ledger.CheckID("productId", req.ProductID); err != nil {
			return err
		}
		var in ledger.RevenueInputs
		var err error
		if in.Product, err = get[ledger.Product](tx, typeProduct, req.ProductID); err != nil {
			return err
		}
		if in.Split, err = get[ledger.BenefitSplit](tx, typeBenefitSplit, req.ProductID); err != nil {
			return err
		}
		if ledger.CheckID("id", req.ID) == nil {
			if in.Existing, err = get[ledger.Revenue](tx, typeRevenue, req.ID); err != nil {
				return err
			}
		}
		rev, s, err := ledger.RecordRevenue(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeBenefitSplit, s.ProductID, s); err != nil {
			return err
		}
		if err := put(tx, typeRevenue, rev.ID, rev); err != nil {
			return err
		}
		for i := range rev.Shares {
			if err := put(tx, typeBenefitShare, rev.Shares[i].ID, &rev.Shares[i]); err != nil {
				return err
			}
		}
		tx.emit(typeRevenue, rev.ID, "recorded")
		out = rev
		return nil
	})
	return result(out, err)
}

// GetRevenue returns a revenue with every share to its operator, the
// authority and the regulator; to others it does not exist.
func (c *Contract) GetRevenue(ctx contractapi.TransactionContextInterface, id string) (*ledger.Revenue, error) {
	var out *ledger.Revenue
	err := c.evaluate(ctx, "get revenue "+id, func(tx *txn) error {
		var err error
		out, err = readable[ledger.Revenue](tx, typeRevenue, typeRevenue, id)
		return err
	})
	return result(out, err)
}

// QueryBenefitShares pages through the shares the caller may read (its
// own; every one for the authority and the regulator) by product, period,
// party or revenue.
func (c *Contract) QueryBenefitShares(ctx contractapi.TransactionContextInterface, query string) (*ledger.BenefitSharePage, error) {
	var out *ledger.BenefitSharePage
	err := c.evaluate(ctx, "query benefit shares", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page(tx, typeBenefitShare, q, []string{"product", "period", "party", "revenue"},
			func(b *ledger.BenefitShare) bool { return b.VisibleTo(tx.caller) })
		out = &ledger.BenefitSharePage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}

// GetBenefitShare returns one share to its party, the authority and the
// regulator; to the other parties, as to everyone else, it does not exist.
func (c *Contract) GetBenefitShare(ctx contractapi.TransactionContextInterface, id string) (*ledger.BenefitShare, error) {
	var out *ledger.BenefitShare
	err := c.evaluate(ctx, "get benefit share "+id, func(tx *txn) error {
		var err error
		out, err = readable[ledger.BenefitShare](tx, typeBenefitShare, "benefit share", id)
		return err
	})
	return result(out, err)
}
