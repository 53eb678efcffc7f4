package chaincode

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// typeUsageDay holds what a grant used on one day (ledger.UsageDay) under
// the composite key (typeUsageDay, grant, month, day): a statement reads a
// grant's rows a month at a time.
const typeUsageDay = "usageday"

func (tx *txn) usageDayKey(grantID, day string) (string, error) {
	k, err := tx.ctx.GetStub().CreateCompositeKey(typeUsageDay, []string{grantID, day[:len("2006-01")], day})
	if err != nil {
		return "", ledger.Invalid("grantId", "%q cannot be used in a key: %s", grantID, err.Error())
	}
	return k, nil
}

// usageDay returns the row of grant g on the day of r, read once per
// transaction: the receipts of one transaction on one grant and day are
// added to it in memory and written once (writeUsages). Receipts on one
// grant already conflict on its usage row, so the row adds no conflict.
func (rs *receiptState) usageDay(g *ledger.Grant, day string) (*ledger.UsageDay, error) {
	k, err := rs.tx.usageDayKey(g.ID, day)
	if err != nil {
		return nil, err
	}
	if d, ok := rs.days[k]; ok {
		return d, nil
	}
	raw, err := rs.tx.state(k)
	if err != nil {
		return nil, fmt.Errorf("read usage of grant %s on %s: %w", g.ID, day, err)
	}
	d := ledger.NewUsageDay(g, day)
	if raw != nil {
		if err := json.Unmarshal(raw, d); err != nil {
			return nil, fmt.Errorf("decode usage of grant %s on %s: %w", g.ID, day, err)
		}
	}
	rs.days[k] = d
	return d, nil
}

// count adds an accepted receipt to its grant's row of the day of use.
func (rs *receiptState) count(g *ledger.Grant, r *ledger.Receipt) error {
	d, err := rs.usageDay(g, ledger.UsageDayOf(r.Time))
	if err != nil {
		return err
	}
	d.Add(g, r, rs.tx.stamp)
	return nil
}

// writeUsageDays writes the day rows the transaction's receipts changed,
// in key order.
func (rs *receiptState) writeUsageDays() error {
	keys := make([]string, 0, len(rs.days))
	for k, d := range rs.days {
		if d.Updated.TxID == rs.tx.stamp.TxID {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, strings.Compare)
	for _, k := range keys {
		raw, err := json.Marshal(rs.days[k])
		if err != nil {
			return fmt.Errorf("encode usage of grant %s on %s: %w", rs.days[k].GrantID, rs.days[k].Day, err)
		}
		if err := rs.tx.ctx.GetStub().PutState(k, raw); err != nil {
			return fmt.Errorf("write usage of grant %s on %s: %w", rs.days[k].GrantID, rs.days[k].Day, err)
		}
	}
	return nil
}

// usageDays reads the day rows under a partial key: one grant's month, or
// (no attributes) every row.
func (tx *txn) usageDays(attrs ...string) ([]ledger.UsageDay, error) {
	it, err := tx.ctx.GetStub().GetStateByPartialCompositeKey(typeUsageDay, attrs)
	if err != nil {
		return nil, fmt.Errorf("scan usage %v: %w", attrs, err)
	}
	defer it.Close()
	var out []ledger.UsageDay
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("scan usage %v: %w", attrs, err)
		}
		var d ledger.UsageDay
		if err := json.Unmarshal(kv.Value, &d); err != nil {
			return nil, fmt.Errorf("decode usage %s: %w", kv.Key, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// statementGrants are the grants whose rows a statement sums: the grant;
// the operator's; the provider's; those over the dataset (among its
// owner's); those over a provider's datasets for a statement restricted to
// them. Nil for a statement of every key, which reads every row.
func (tx *txn) statementGrants(req ledger.UsageStatementRequest, ds *ledger.Dataset, g *ledger.Grant) ([]*ledger.Grant, error) {
	switch {
	case req.By == ledger.UsageByGrant && req.ID != "":
		return []*ledger.Grant{g}, nil
	case req.Provider != "":
		return scan[ledger.Grant](tx, typeGrant, "provider", req.Provider)
	case req.ID == "":
		return nil, nil
	case req.By == ledger.UsageByOperator:
		return scan[ledger.Grant](tx, typeGrant, "holder", req.ID)
	case req.By == ledger.UsageByProvider:
		return scan[ledger.Grant](tx, typeGrant, "provider", req.ID)
	}
	gs, err := scan[ledger.Grant](tx, typeGrant, "provider", ds.Owner)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(gs, func(g *ledger.Grant) bool { return !slices.Contains(g.Scope.DatasetIDs(), ds.ID) }), nil
}

// UsageStatement sums use (用数统计) by dataset, grant, operator or
// provider, per day or month, over a period: from rows kept per grant and
// day of use by the transactions that accept receipts, so that it reads
// rows of days, not receipts. Readers: the authority and the regulator
// every statement; a provider those of its datasets and its own, and the
// use of its datasets by grant or operator (provider); a grant's holder
// (or its parent's) those of the grant, an operator its own. A grant the
// caller may not read is answered as one that does not exist.
func (c *Contract) UsageStatement(ctx contractapi.TransactionContextInterface, request string) (*ledger.UsageStatement, error) {
	var out *ledger.UsageStatement
	err := c.evaluate(ctx, "usage statement", func(tx *txn) error {
		var req ledger.UsageStatementRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		req, err := ledger.CheckUsageStatement(req)
		if err != nil {
			return err
		}
		tx.op = "usage statement by " + req.By
		if req.ID != "" {
			tx.named(tx.op, req.ID)
		}
		var ds *ledger.Dataset
		var g *ledger.Grant
		if req.ID != "" {
			switch req.By {
			case ledger.UsageByDataset:
				ds, err = get[ledger.Dataset](tx, typeDataset, req.ID)
			case ledger.UsageByGrant:
				g, err = get[ledger.Grant](tx, typeGrant, req.ID)
			}
			if err != nil {
				return err
			}
		}
		if err := ledger.AuthorizeUsageStatement(tx.caller, req, ds, g); err != nil {
			return err
		}
		var days []ledger.UsageDay
		if req.ID == "" && req.Provider == "" {
			if days, err = tx.usageDays(); err != nil {
				return err
			}
		} else {
			grants, err := tx.statementGrants(req, ds, g)
			if err != nil {
				return err
			}
			months := req.Months()
			for _, g := range grants {
				for _, m := range months {
					rows, err := tx.usageDays(g.ID, m)
					if err != nil {
						return err
					}
					days = append(days, rows...)
				}
			}
		}
		out = ledger.NewUsageStatement(req, days)
		return nil
	})
	return result(out, err)
}
