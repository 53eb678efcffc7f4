package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// reviewRequest records a review (POST /v1/reviews). The contract takes
// the report's digest and the note, which only the collection of the
// operator concerned holds, in a transaction of their own
// (AttachReviewReport), made after RecordReview.
type reviewRequest struct {
	ID           string    `json:"id" binding:"required,objectid"`
	Kind         string    `json:"kind" binding:"required,oneof=basic-security technical-security scenario network-security province"`
	Subject      string    `json:"subject" binding:"required,objectid"`
	Outcome      string    `json:"outcome" binding:"required,oneof=pass fail"`
	Date         time.Time `json:"date" binding:"required"`
	ReportDigest string    `json:"reportDigest" binding:"required,digest"`
	Note         string    `json:"note" binding:"max=2000,text"`
}

// reportRequest attaches the report of a review (POST
// /v1/reviews/{id}/report) or of an evaluation (POST
// /v1/participants/{msp}/evaluations/{evaluationId}/report): what the
// creating route takes in its second transaction.
type reportRequest struct {
	ReportDigest string `json:"reportDigest" binding:"required,digest"`
	Note         string `json:"note" binding:"max=2000,text"`
}

func (r reportRequest) domain() ledger.ReportRequest {
	return ledger.ReportRequest{ReportDigest: r.ReportDigest, Note: r.Note}
}

func (r reportRequest) attachment() (ledger.ReportRequest, error) { return r.domain(), nil }

// opinionRequest records an expert's or the platform's opinion (POST
// /v1/opinions).
type opinionRequest struct {
	ID             string `json:"id" binding:"required,objectid"`
	SubjectType    string `json:"subjectType" binding:"required,oneof=application product"`
	SubjectID      string `json:"subjectId" binding:"required,objectid"`
	Recommendation string `json:"recommendation" binding:"required,oneof=approve reject revise"`
	Digest         string `json:"digest" binding:"required,digest"`
	Note           string `json:"note" binding:"max=2000"`
}

// reviews handles /v1/reviews and /v1/opinions: the authority's reviews
// (审核) and the experts' and platform's opinions (意见).
type reviews struct{ group[ReviewLedger] }

// record records the review (RecordReview), then its report
// (AttachReviewReport), and answers the review with it.
func (h reviews) record(c *gin.Context) error {
	var req reviewRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	report := reportRequest{ReportDigest: req.ReportDigest, Note: req.Note}.domain()
	ctx, location := c.Request.Context(), "/v1/reviews/"+req.ID
	return createThenAttach(h.group, c, location, location+"/report",
		func() (*ledger.Review, error) {
			return l.RecordReview(ctx, ledger.ReviewRequest{
				ID: req.ID, Kind: ledger.ReviewKind(req.Kind), Subject: req.Subject, Outcome: ledger.Outcome(req.Outcome), Date: req.Date,
			})
		},
		func() (*ledger.Review, error) { return l.AttachReviewReport(ctx, req.ID, report) })
}

func (h reviews) recordOpinion(c *gin.Context) error {
	var req opinionRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	o, err := l.RecordOpinion(c.Request.Context(), ledger.OpinionRequest{
		ID: req.ID, SubjectType: ledger.SubjectType(req.SubjectType), SubjectID: req.SubjectID,
		Recommendation: ledger.Recommendation(req.Recommendation), Digest: req.Digest, Note: req.Note,
	})
	return h.created(c, "/v1/opinions/"+req.ID, o, err)
}
