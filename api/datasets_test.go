package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeDatasets is the catalogue (DatasetLedger) at the process boundary.
type fakeDatasets struct{ fake }

func (f fakeDatasets) CreateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return answer(f.fake, ctx, "CreateDataset", &ledger.Dataset{ID: req.ID, Name: req.Name}, req)
}
func (f fakeDatasets) UpdateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return answer(f.fake, ctx, "UpdateDataset", &ledger.Dataset{ID: req.ID, Name: req.Name}, req)
}
func (f fakeDatasets) WithdrawDataset(ctx context.Context, id, reason string) (*ledger.Dataset, error) {
	return answer(f.fake, ctx, "WithdrawDataset", &ledger.Dataset{ID: id}, id, reason)
}
func (f fakeDatasets) RelistDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return answer(f.fake, ctx, "RelistDataset", &ledger.Dataset{ID: id}, id)
}
func (f fakeDatasets) GetDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return answer(f.fake, ctx, "GetDataset", &ledger.Dataset{ID: id}, id)
}
func (f fakeDatasets) QueryDatasets(ctx context.Context, q ledger.Query) (*ledger.DatasetPage, error) {
	return answer(f.fake, ctx, "QueryDatasets", &ledger.DatasetPage{Items: []ledger.Dataset{}}, q)
}
