package client

// Reviews (审核) of operators and applications, and the opinions of experts and
// of the platform.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// RecordReview records a review.
func (c *Client) RecordReview(ctx context.Context, req ledger.ReviewRequest) (*ledger.Review, error) {
	return submitJSON[ledger.Review](ctx, c, "RecordReview", req)
}

// GetReview returns a review to those who may read it.
func (c *Client) GetReview(ctx context.Context, id string) (*ledger.Review, error) {
	return evaluateArgs[ledger.Review](ctx, c, "GetReview", id)
}

// QueryReviews pages through the reviews visible to the caller.
func (c *Client) QueryReviews(ctx context.Context, q ledger.Query) (*ledger.ReviewPage, error) {
	return evaluateJSON[ledger.ReviewPage](ctx, c, "QueryReviews", q)
}

// RecordOpinion records an expert's or the platform's opinion.
func (c *Client) RecordOpinion(ctx context.Context, req ledger.OpinionRequest) (*ledger.Opinion, error) {
	return submitJSON[ledger.Opinion](ctx, c, "RecordOpinion", req)
}

// QueryOpinions pages through the opinions visible to the caller.
func (c *Client) QueryOpinions(ctx context.Context, q ledger.Query) (*ledger.OpinionPage, error) {
	return evaluateJSON[ledger.OpinionPage](ctx, c, "QueryOpinions", q)
}

// AttachReviewReport records a review's report in the private collection of
// the operator it concerns (transient data).
// Like AttachApplicationDocuments, it reads the review back with its report.
func (c *Client) AttachReviewReport(ctx context.Context, id string, req ledger.ReportRequest) (*ledger.Review, error) {
	if err := c.attach(ctx, "AttachReviewReport", req, id); err != nil {
		return nil, err
	}
	return c.GetReview(ctx, id)
}
