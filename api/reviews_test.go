package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeReviews is the reviews and opinions (ReviewLedger) at the process boundary.
type fakeReviews struct{ fake }

func (f fakeReviews) RecordReview(ctx context.Context, req ledger.ReviewRequest) (*ledger.Review, error) {
	return answer(f.fake, ctx, "RecordReview", &ledger.Review{ID: req.ID}, req)
}
func (f fakeReviews) AttachReviewReport(ctx context.Context, id string, req ledger.ReportRequest) (*ledger.Review, error) {
	return answer(f.fake, ctx, "AttachReviewReport", &ledger.Review{ID: id, ReportDigest: req.ReportDigest, Note: req.Note}, id, req)
}
func (f fakeReviews) GetReview(ctx context.Context, id string) (*ledger.Review, error) {
	return answer(f.fake, ctx, "GetReview", &ledger.Review{ID: id}, id)
}
func (f fakeReviews) QueryReviews(ctx context.Context, q ledger.Query) (*ledger.ReviewPage, error) {
	return answer(f.fake, ctx, "QueryReviews", &ledger.ReviewPage{Items: []ledger.Review{}}, q)
}
func (f fakeReviews) RecordOpinion(ctx context.Context, req ledger.OpinionRequest) (*ledger.Opinion, error) {
	return answer(f.fake, ctx, "RecordOpinion", &ledger.Opinion{ID: req.ID}, req)
}
func (f fakeReviews) QueryOpinions(ctx context.Context, q ledger.Query) (*ledger.OpinionPage, error) {
	return answer(f.fake, ctx, "QueryOpinions", &ledger.OpinionPage{Items: []ledger.Opinion{}}, q)
}
