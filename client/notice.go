package client

// Deadlines and notices (期限与提醒): what needs action by the caller, the
// recording of ended terms and of threshold notices, each checked by the
// contract at the transaction's time.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// QueryNotices returns what needs action by the caller within the window,
// as of the transaction's time.
func (c *Client) QueryNotices(ctx context.Context, q ledger.NoticeQuery) (*ledger.NoticeList, error) {
	return evaluateJSON[ledger.NoticeList](ctx, c, "QueryNotices", q)
}

// RecordDeadlineNotice records that a deadline has come within a
// threshold; the contract refuses it too early, after the deadline, or a
// second time.
func (c *Client) RecordDeadlineNotice(ctx context.Context, req ledger.DeadlineNoticeRequest) (*ledger.DeadlineNotice, error) {
	return submitJSON[ledger.DeadlineNotice](ctx, c, "RecordDeadlineNotice", req)
}

// ExpireAgreement records that an agreement's term has ended.
func (c *Client) ExpireAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return submitArgs[ledger.Agreement](ctx, c, "ExpireAgreement", id)
}
