package client

// Audit: public disclosure (公开), provenance from a product back to its
// providers, and the history of any object.

import (
	"context"
	"encoding/json"
	"time"

	"github.com/grantledger/grantledger/ledger"
)

// DisclosedOperators pages through the admitted operators. Public.
func (c *Client) DisclosedOperators(ctx context.Context, q ledger.Query) (*ledger.OperatorDisclosurePage, error) {
	return evaluateJSON[ledger.OperatorDisclosurePage](ctx, c, "DisclosedOperators", q)
}

// DisclosedGrants pages through summaries of the grants in force. Public.
func (c *Client) DisclosedGrants(ctx context.Context, q ledger.Query) (*ledger.GrantSummaryPage, error) {
	return evaluateJSON[ledger.GrantSummaryPage](ctx, c, "DisclosedGrants", q)
}

// DisclosedAgreements pages through summaries of the agreements in force. Public.
func (c *Client) DisclosedAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementSummaryPage, error) {
	return evaluateJSON[ledger.AgreementSummaryPage](ctx, c, "DisclosedAgreements", q)
}

// DisclosedProducts pages through summaries of the listed products. Public.
func (c *Client) DisclosedProducts(ctx context.Context, q ledger.Query) (*ledger.ProductSummaryPage, error) {
	return evaluateJSON[ledger.ProductSummaryPage](ctx, c, "DisclosedProducts", q)
}

// GetProvenance returns a product's path back to its providers.
func (c *Client) GetProvenance(ctx context.Context, productID string) (*ledger.Provenance, error) {
	return evaluateArgs[ledger.Provenance](ctx, c, "GetProvenance", productID)
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
	return entries(*raw), nil
}

// historyEntry is ledger.HistoryEntry with its value kept as raw JSON.
type historyEntry struct {
	TxID    string          `json:"txId"`
	Time    time.Time       `json:"time"`
	Deleted bool            `json:"deleted"`
	Value   json.RawMessage `json:"value"`
	Record  string          `json:"record"`
}

// QueryHistory returns one page of an object's history, newest first (page
// size 1–100, default 20); pass the page's Bookmark back in q for the next
// one, an empty Bookmark meaning the last page. A bookmark is the
// contract's and names the object; one that is not is invalid. Values are
// json.RawMessage, as GetHistory returns them.
func (c *Client) QueryHistory(ctx context.Context, q ledger.HistoryQuery) (*ledger.HistoryPage, error) {
	raw, err := evaluateJSON[historyPage](ctx, c, "QueryHistory", q)
	if err != nil {
		return nil, err
	}
	return &ledger.HistoryPage{Items: entries(raw.Items), Bookmark: raw.Bookmark}, nil
}

// historyPage is ledger.HistoryPage with its values kept as raw JSON.
type historyPage struct {
	Items    []historyEntry `json:"items"`
	Bookmark string         `json:"bookmark"`
}

func entries(raw []historyEntry) []ledger.HistoryEntry {
	out := make([]ledger.HistoryEntry, len(raw))
	for i, e := range raw {
		out[i] = ledger.HistoryEntry{TxID: e.TxID, Time: e.Time, Deleted: e.Deleted, Record: e.Record}
		if len(e.Value) > 0 {
			out[i].Value = e.Value
		}
	}
	return out
}
