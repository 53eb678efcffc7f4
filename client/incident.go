package client

// Security incidents (数据安全事件): reported by a party of a grant, a
// dataset or an attestor, decided and closed by the authority.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// ReportIncident reports an incident; the caller is the reporter. A report
// after the deadline of its level comes back marked late.
func (c *Client) ReportIncident(ctx context.Context, req ledger.IncidentRequest) (*ledger.Incident, error) {
	return submitJSON[ledger.Incident](ctx, c, "ReportIncident", req)
}

// DecideIncident records the authority's decision on a reported incident,
// and applies it (a suspension, a retirement) in the same transaction.
func (c *Client) DecideIncident(ctx context.Context, req ledger.IncidentDecisionRequest) (*ledger.Incident, error) {
	return submitJSON[ledger.Incident](ctx, c, "DecideIncident", req)
}

// CloseIncident closes a decided incident with the digest of its report.
func (c *Client) CloseIncident(ctx context.Context, id, reportDigest string) (*ledger.Incident, error) {
	return submitArgs[ledger.Incident](ctx, c, "CloseIncident", id, reportDigest)
}

// GetIncident returns an incident the caller may read.
func (c *Client) GetIncident(ctx context.Context, id string) (*ledger.Incident, error) {
	return evaluateArgs[ledger.Incident](ctx, c, "GetIncident", id)
}

// QueryIncidents pages through the incidents the caller may read by grant,
// dataset, attestor, status or reporter.
func (c *Client) QueryIncidents(ctx context.Context, q ledger.Query) (*ledger.IncidentPage, error) {
	return evaluateJSON[ledger.IncidentPage](ctx, c, "QueryIncidents", q)
}
