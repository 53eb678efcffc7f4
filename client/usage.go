package client

// Usage statements (用数统计): use summed by dataset, grant, operator or
// provider, per day or month, read by those whose data or use it is.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// UsageStatement reads a usage statement: the authority and the regulator
// any; a provider those of its datasets and its own; a grant's holder
// those of its grants and its own as operator.
func (c *Client) UsageStatement(ctx context.Context, req ledger.UsageStatementRequest) (*ledger.UsageStatement, error) {
	return evaluateJSON[ledger.UsageStatement](ctx, c, "UsageStatement", req)
}
