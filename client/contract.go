package client

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/grantledger/grantledger/ledger"
)

// Config is the contract's bootstrap configuration.
type Config struct {
	// AuthorityMSP is the MSP ID of the data authority (数据主管部门).
	AuthorityMSP string `json:"authorityMsp"`
}

// Query selects one page of objects, optionally through one of the indexes
// the transaction documents (By) and its value; it is the ledger's wire type.
type Query = ledger.Query

// PageRequest selects one page of a public disclosure list, which takes no
// index: the contract refuses a Query with By or Value for those.
type PageRequest struct {
	// PageSize is 1 to 100; zero means the contract's default (20).
	PageSize int32 `json:"pageSize,omitempty"`
	// Bookmark is the previous page's Bookmark; empty for the first page.
	Bookmark string `json:"bookmark,omitempty"`
}

// Page is one page of query results, the generic form of the ledger's
// page types (ledger.GrantPage...), which have the same JSON. An empty
// Bookmark means it is the last page.
type Page[T any] struct {
	Items    []T    `json:"items"`
	Bookmark string `json:"bookmark"`
}

// ProductDecision approves a product in review, or returns it to draft with
// a reason; it is the ledger's wire type.
type ProductDecision = ledger.ProductDecision

// HistoryEntry is one version of an object: the transaction that wrote it,
// when, and the object as written, as raw JSON of the ledger type named in
// the GetHistory call (absent when the object was deleted). It is
// ledger.HistoryEntry with Value kept as JSON.
type HistoryEntry struct {
	TxID    string          `json:"txId"`
	Time    time.Time       `json:"time"`
	Deleted bool            `json:"deleted"`
	Value   json.RawMessage `json:"value,omitempty"`
}

// Bootstrap fixes the data authority of the channel. It must be submitted by
// an identity of that authority; repeating it with the same authority is
// accepted, with another one is ErrConflict.
func (c *Client) Bootstrap(ctx context.Context, authorityMSP string) error {
	_, err := c.submit(ctx, "Bootstrap", authorityMSP)
	return err
}

// GetConfig returns the bootstrap configuration.
func (c *Client) GetConfig(ctx context.Context) (*Config, error) {
	return evaluateArgs[Config](ctx, c, "GetConfig")
}

// GetHistory returns every version of an object, newest first, to those who
// may read the object now. objectType is one of participant, dataset, call,
// application, review, opinion, grant, usage, agreement, attestor, receipt,
// batch or product.
func (c *Client) GetHistory(ctx context.Context, objectType, id string) ([]HistoryEntry, error) {
	h, err := evaluateArgs[[]HistoryEntry](ctx, c, "GetHistory", objectType, id)
	if err != nil {
		return nil, err
	}
	return *h, nil
}

// submitArgs submits a transaction with string arguments and decodes its
// JSON result.
func submitArgs[T any](ctx context.Context, c *Client, name string, args ...string) (*T, error) {
	raw, err := c.submit(ctx, name, args...)
	if err != nil {
		return nil, err
	}
	return decodeResult[T](name, raw)
}

// submitJSON submits a transaction whose one argument is a JSON request.
func submitJSON[T any](ctx context.Context, c *Client, name string, req any) (*T, error) {
	arg, err := encodeRequest(name, req)
	if err != nil {
		return nil, err
	}
	return submitArgs[T](ctx, c, name, arg)
}

// evaluateArgs evaluates a query with string arguments and decodes its
// JSON result.
func evaluateArgs[T any](ctx context.Context, c *Client, name string, args ...string) (*T, error) {
	raw, err := c.evaluate(ctx, name, args...)
	if err != nil {
		return nil, err
	}
	return decodeResult[T](name, raw)
}

// evaluateJSON evaluates a query whose one argument is a JSON request.
func evaluateJSON[T any](ctx context.Context, c *Client, name string, req any) (*T, error) {
	arg, err := encodeRequest(name, req)
	if err != nil {
		return nil, err
	}
	return evaluateArgs[T](ctx, c, name, arg)
}

func encodeRequest(op string, req any) (string, error) {
	raw, err := json.Marshal(req)
	if err != nil {
		return "", &Error{Kind: ErrInvalid, Op: op, Message: fmt.Sprintf("encode request: %v", err), Err: err}
	}
	return string(raw), nil
}

// decodeResult decodes a transaction's JSON result.
func decodeResult[T any](op string, raw []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, &Error{Op: op, Message: fmt.Sprintf("decode result: %v", err), Err: err}
	}
	return &v, nil
}
