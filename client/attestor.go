package client

// Attestors: the addresses of the trusted processing environments (可信执行环境)
// whose signatures make usage receipts.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// RegisterAttestor registers the address of a trusted processing environment.
func (c *Client) RegisterAttestor(ctx context.Context, req ledger.AttestorRequest) (*ledger.Attestor, error) {
	return submitJSON[ledger.Attestor](ctx, c, "RegisterAttestor", req)
}

// RetireAttestor retires an attestor: its receipts are refused from then on.
func (c *Client) RetireAttestor(ctx context.Context, address string, reason string) (*ledger.Attestor, error) {
	return submitArgs[ledger.Attestor](ctx, c, "RetireAttestor", address, reason)
}

// GetAttestor returns an attestor.
func (c *Client) GetAttestor(ctx context.Context, address string) (*ledger.Attestor, error) {
	return evaluateArgs[ledger.Attestor](ctx, c, "GetAttestor", address)
}

// QueryAttestors pages through attestors by status or platform.
func (c *Client) QueryAttestors(ctx context.Context, q ledger.Query) (*ledger.AttestorPage, error) {
	return evaluateJSON[ledger.AttestorPage](ctx, c, "QueryAttestors", q)
}
