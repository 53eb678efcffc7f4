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
// batch or product. Each entry's Value is the object as written, a
// json.RawMessage to decode into the ledger type of objectType (nil when the
// version is a deletion).
func (c *Client) GetHistory(ctx context.Context, objectType, id string) ([]ledger.HistoryEntry, error) {
	raw, err := evaluateArgs[[]historyEntry](ctx, c, "GetHistory", objectType, id)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.HistoryEntry, len(*raw))
	for i, e := range *raw {
		out[i] = ledger.HistoryEntry{TxID: e.TxID, Time: e.Time, Deleted: e.Deleted}
		if len(e.Value) > 0 {
			out[i].Value = e.Value
		}
	}
	return out, nil
}

// historyEntry is ledger.HistoryEntry with its value kept as raw JSON.
type historyEntry struct {
	TxID    string          `json:"txId"`
	Time    time.Time       `json:"time"`
	Deleted bool            `json:"deleted"`
	Value   json.RawMessage `json:"value"`
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
