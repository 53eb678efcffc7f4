package client

// Datasets: the data resource catalogue (数据资源目录) of the providers.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// CreateDataset adds a dataset to the catalogue; the caller owns it.
func (c *Client) CreateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return submitJSON[ledger.Dataset](ctx, c, "CreateDataset", req)
}

// UpdateDataset replaces a dataset's description. Caller: its owner.
func (c *Client) UpdateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return submitJSON[ledger.Dataset](ctx, c, "UpdateDataset", req)
}

// WithdrawDataset takes a dataset out of the catalogue. Caller: its owner.
func (c *Client) WithdrawDataset(ctx context.Context, id string, reason string) (*ledger.Dataset, error) {
	return submitArgs[ledger.Dataset](ctx, c, "WithdrawDataset", id, reason)
}

// RelistDataset puts a withdrawn dataset back. Caller: its owner.
func (c *Client) RelistDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return submitArgs[ledger.Dataset](ctx, c, "RelistDataset", id)
}

// GetDataset returns a catalogue entry.
func (c *Client) GetDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return evaluateArgs[ledger.Dataset](ctx, c, "GetDataset", id)
}

// QueryDatasets pages through the catalogue by owner, status or domain.
func (c *Client) QueryDatasets(ctx context.Context, q ledger.Query) (*ledger.DatasetPage, error) {
	return evaluateJSON[ledger.DatasetPage](ctx, c, "QueryDatasets", q)
}
