package chaincode

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// CreateDataset adds a dataset to the catalogue (数据资源目录); the caller's
// organisation owns it, and from now on its peer must endorse every change
// of it. Caller: a provider. Event: dataset.created.
func (c *Contract) CreateDataset(ctx contractapi.TransactionContextInterface, request string) (*ledger.Dataset, error) {
	var out *ledger.Dataset
	err := c.submit(ctx, "create dataset", func(tx *txn) error {
		var req ledger.DatasetRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("create dataset", req.ID)
		existing, err := get[ledger.Dataset](tx, typeDataset, req.ID)
		if err != nil {
			return err
		}
		d, err := ledger.CreateDataset(tx.caller, req, existing, tx.stamp)
		if err != nil {
			return err
		}
		if err := put(tx, typeDataset, d.ID, d); err != nil {
			return err
		}
		if err := tx.endorsedBy(typeDataset, d.ID, d.Owner); err != nil {
			return err
		}
		tx.emit(typeDataset, d.ID, "created")
		out = d
		return nil
	})
	return result(out, err)
}

// UpdateDataset replaces a dataset's description. Caller: its owner.
// Event: dataset.updated.
func (c *Contract) UpdateDataset(ctx contractapi.TransactionContextInterface, request string) (*ledger.Dataset, error) {
	var out *ledger.Dataset
	err := c.submit(ctx, "update dataset", func(tx *txn) error {
		var req ledger.DatasetRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("update dataset", req.ID)
		d, err := load[ledger.Dataset](tx, typeDataset, req.ID)
		if err != nil {
			return err
		}
		if err := d.Update(tx.caller, req, tx.stamp); err != nil {
			return err
		}
		out = d
		return tx.writeDataset(d, "updated")
	})
	return result(out, err)
}

// WithdrawDataset takes a dataset out of the catalogue. Caller: its owner.
// Event: dataset.withdrawn.
func (c *Contract) WithdrawDataset(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Dataset, error) {
	var out *ledger.Dataset
	err := c.submit(ctx, "withdraw dataset "+id, func(tx *txn) error {
		d, err := load[ledger.Dataset](tx, typeDataset, id)
		if err != nil {
			return err
		}
		if err := d.Withdraw(tx.caller, reason, tx.stamp); err != nil {
			return err
		}
		out = d
		return tx.writeDataset(d, "withdrawn")
	})
	return result(out, err)
}

// RelistDataset puts a withdrawn dataset back. Caller: its owner.
// Event: dataset.relisted.
func (c *Contract) RelistDataset(ctx contractapi.TransactionContextInterface, id string) (*ledger.Dataset, error) {
	var out *ledger.Dataset
	err := c.submit(ctx, "relist dataset "+id, func(tx *txn) error {
		d, err := load[ledger.Dataset](tx, typeDataset, id)
		if err != nil {
			return err
		}
		if err := d.Relist(tx.caller, tx.stamp); err != nil {
			return err
		}
		out = d
		return tx.writeDataset(d, "relisted")
	})
	return result(out, err)
}

func (tx *txn) writeDataset(d *ledger.Dataset, change string) error {
	if err := put(tx, typeDataset, d.ID, d); err != nil {
		return err
	}
	tx.emit(typeDataset, d.ID, change)
	return nil
}

// GetDataset returns a catalogue entry. The catalogue is public.
func (c *Contract) GetDataset(ctx contractapi.TransactionContextInterface, id string) (*ledger.Dataset, error) {
	var out *ledger.Dataset
	err := c.evaluate(ctx, "get dataset "+id, func(tx *txn) (err error) {
		out, err = load[ledger.Dataset](tx, typeDataset, id)
		return err
	})
	return result(out, err)
}

// QueryDatasets pages through the catalogue by owner, status or domain.
func (c *Contract) QueryDatasets(ctx contractapi.TransactionContextInterface, query string) (*ledger.DatasetPage, error) {
	var out *ledger.DatasetPage
	err := c.evaluate(ctx, "query datasets", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page[ledger.Dataset](tx, typeDataset, q, []string{"owner", "status", "domain"}, nil)
		out = &ledger.DatasetPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}

// loadDatasets loads the datasets that exist among ids.
func loadDatasets(tx *txn, ids []string) (map[string]*ledger.Dataset, error) {
	out := map[string]*ledger.Dataset{}
	for _, id := range ids {
		if _, done := out[id]; done || ledger.CheckID("id", id) != nil {
			continue
		}
		d, err := get[ledger.Dataset](tx, typeDataset, id)
		if err != nil {
			return nil, err
		}
		if d != nil {
			out[id] = d
		}
	}
	return out, nil
}
