package api

import (
	"context"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// FeeLedger is the platform usage fees (平台使用费) and benefit sharing
// (收益分配): fee schedules and statements of grants; splits, revenues and
// shares of products.
type FeeLedger interface {
	SetFeeSchedule(ctx context.Context, req ledger.FeeScheduleRequest) (*ledger.FeeSchedule, error)
	GetFeeSchedule(ctx context.Context, grantID string) (*ledger.FeeSchedule, error)
	RecordFeeStatement(ctx context.Context, req ledger.FeeStatementRequest) (*ledger.FeeStatement, error)
	ConfirmFeePayment(ctx context.Context, id, referenceDigest string) (*ledger.FeeStatement, error)
	AcknowledgeFeeStatement(ctx context.Context, id string) (*ledger.FeeStatement, error)
	GetFeeStatement(ctx context.Context, id string) (*ledger.FeeStatement, error)
	QueryFeeStatements(ctx context.Context, q ledger.Query) (*ledger.FeeStatementPage, error)
	ProposeBenefitSplit(ctx context.Context, req ledger.BenefitSplitRequest) (*ledger.BenefitSplit, error)
	AgreeBenefitSplit(ctx context.Context, productID string) (*ledger.BenefitSplit, error)
	GetBenefitSplit(ctx context.Context, productID string) (*ledger.BenefitSplit, error)
	RecordRevenue(ctx context.Context, req ledger.RevenueRequest) (*ledger.Revenue, error)
	GetRevenue(ctx context.Context, id string) (*ledger.Revenue, error)
	GetBenefitShare(ctx context.Context, id string) (*ledger.BenefitShare, error)
	QueryBenefitShares(ctx context.Context, q ledger.Query) (*ledger.BenefitSharePage, error)
}

// monthRE is the form of a period: a UTC month (YYYY-MM).
var monthRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// feeScheduleRequest sets a version of the fee schedule of the grant in
// the path (PUT /v1/grants/{id}/fee-schedule): amounts in fen (分).
type feeScheduleRequest struct {
	EffectiveFrom string `json:"effectiveFrom" binding:"required,month"`
	Payee         string `json:"payee" binding:"required,objectid"`
	PerRecord     uint64 `json:"perRecord" binding:"max=1000000000000"`
	PerCall       uint64 `json:"perCall" binding:"max=1000000000000"`
	FixedPerMonth uint64 `json:"fixedPerMonth" binding:"max=1000000000000"`
}

// feeStatementRequest asks for the statement of a grant's month
// (POST /v1/fee-statements); the contract computes it.
type feeStatementRequest struct {
	ID      string `json:"id" binding:"required,objectid"`
	GrantID string `json:"grantId" binding:"required,objectid"`
	Period  string `json:"period" binding:"required,month"`
}

// paymentRequest confirms the payment of the statement in the path
// (POST /v1/fee-statements/{id}/confirm).
type paymentRequest struct {
	ReferenceDigest string `json:"referenceDigest" binding:"required,digest"`
}

// benefitShareRequest is one party of a proposed split.
type benefitShareRequest struct {
	MSP         string `json:"msp" binding:"required,objectid"`
	BasisPoints uint64 `json:"basisPoints" binding:"max=10000"`
}

// benefitSplitRequest proposes the split of the product in the path
// (POST /v1/products/{id}/benefit-split).
type benefitSplitRequest struct {
	Parties []benefitShareRequest `json:"parties" binding:"required,min=2,max=64,dive"`
}

// revenueRequest records a revenue of the product in the path
// (POST /v1/products/{id}/revenue), in fen.
type revenueRequest struct {
	ID              string `json:"id" binding:"required,objectid"`
	Period          string `json:"period" binding:"required,month"`
	Amount          uint64 `json:"amount" binding:"required,min=1,max=1000000000000"`
	ReferenceDigest string `json:"referenceDigest" binding:"required,digest"`
}

// fees handles the fee schedules and statements and the benefit sharing.
type fees struct{ group[FeeLedger] }

func (h fees) setSchedule(c *gin.Context) error {
	var req feeScheduleRequest
	l, grant, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	s, err := l.SetFeeSchedule(c.Request.Context(), ledger.FeeScheduleRequest{GrantID: grant, EffectiveFrom: req.EffectiveFrom, Payee: req.Payee,
		PerRecord: req.PerRecord, PerCall: req.PerCall, FixedPerMonth: req.FixedPerMonth})
	return h.reply(c, http.StatusOK, s, err)
}

func (h fees) recordStatement(c *gin.Context) error {
	var req feeStatementRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	fs, err := l.RecordFeeStatement(c.Request.Context(), ledger.FeeStatementRequest{ID: req.ID, GrantID: req.GrantID, Period: req.Period})
	return h.created(c, "/v1/fee-statements/"+req.ID, fs, err)
}

func (h fees) confirm(c *gin.Context) error {
	var req paymentRequest
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	fs, err := l.ConfirmFeePayment(c.Request.Context(), id, req.ReferenceDigest)
	return h.reply(c, http.StatusOK, fs, err)
}

func (h fees) proposeSplit(c *gin.Context) error {
	var req benefitSplitRequest
	l, product, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	parties := make([]ledger.BenefitShareRequest, 0, len(req.Parties))
	for _, p := range req.Parties {
		parties = append(parties, ledger.BenefitShareRequest{MSP: p.MSP, BasisPoints: p.BasisPoints})
	}
	s, err := l.ProposeBenefitSplit(c.Request.Context(), ledger.BenefitSplitRequest{ProductID: product, Parties: parties})
	return h.reply(c, http.StatusOK, s, err)
}

func (h fees) recordRevenue(c *gin.Context) error {
	var req revenueRequest
	l, product, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	r, err := l.RecordRevenue(c.Request.Context(), ledger.RevenueRequest{ID: req.ID, ProductID: product, Period: req.Period,
		Amount: req.Amount, ReferenceDigest: req.ReferenceDigest})
	return h.created(c, "/v1/revenues/"+req.ID, r, err)
}

// feeRoutes are the routes of fees (平台使用费) and benefit sharing (收益分配).
func feeRoutes(f fees) []route {
	const (
		get  = http.MethodGet
		post = http.MethodPost
		put  = http.MethodPut
		ok   = http.StatusOK
		made = http.StatusCreated
	)
	statement := ledger.FeeStatement{}
	split := ledger.BenefitSplit{}
	return []route{
		{Method: put, Path: "/v1/grants/:id/fee-schedule", Op: "SetFeeSchedule", Tag: "fees", Status: ok, Request: feeScheduleRequest{}, Response: ledger.FeeSchedule{}, Handler: f.setSchedule,
			Summary: "Set the version of the grant's fee schedule effective from a month: fen per record, per call, fixed per month, and the platform paid (authority)"},
		{Method: get, Path: "/v1/grants/:id/fee-schedule", Op: "GetFeeSchedule", Tag: "fees", Status: ok, Response: ledger.FeeSchedule{}, Handler: answerByID(f.group, idParam, FeeLedger.GetFeeSchedule),
			Summary: "Read the grant's fee schedule (its holder, its payees, the authority, the regulator)"},
		{Method: post, Path: "/v1/fee-statements", Op: "RecordFeeStatement", Tag: "fees", Status: made, Request: feeStatementRequest{}, Response: statement, Handler: f.recordStatement,
			Summary: "Have the contract compute and record a grant's statement for a month that has ended, from its receipts (platform, authority)"},
		{Method: get, Path: "/v1/fee-statements", Op: "QueryFeeStatements", Tag: "fees", Status: ok, List: true, Indexes: []string{"grant", "period", "holder", "payee", "status"},
			Response: ledger.FeeStatementPage{}, Handler: answerList(f.group, FeeLedger.QueryFeeStatements),
			Summary: "List the fee statements the caller may read"},
		{Method: get, Path: "/v1/fee-statements/:id", Op: "GetFeeStatement", Tag: "fees", Status: ok, Response: statement, Handler: answerByID(f.group, idParam, FeeLedger.GetFeeStatement),
			Summary: "Read a fee statement (its holder, its payee, the authority, the regulator)"},
		{Method: post, Path: "/v1/fee-statements/:id/confirm", Op: "ConfirmFeePayment", Tag: "fees", Status: ok, Request: paymentRequest{}, Response: statement, Handler: f.confirm,
			Summary: "Confirm the statement was paid, with the digest of the payment's reference (its payee, a platform)"},
		{Method: post, Path: "/v1/fee-statements/:id/acknowledge", Op: "AcknowledgeFeeStatement", Tag: "fees", Status: ok, Response: statement, Handler: answerByID(f.group, idParam, FeeLedger.AcknowledgeFeeStatement),
			Summary: "Acknowledge a paid statement (its holder)"},
		{Method: post, Path: "/v1/products/:id/benefit-split", Op: "ProposeBenefitSplit", Tag: "fees", Status: ok, Request: benefitSplitRequest{}, Response: split, Handler: f.proposeSplit,
			Summary: "Propose how the product's revenue is split among its providers, a platform and its operator, in basis points summing to 10000 (its owner)"},
		{Method: get, Path: "/v1/products/:id/benefit-split", Op: "GetBenefitSplit", Tag: "fees", Status: ok, Response: split, Handler: answerByID(f.group, idParam, FeeLedger.GetBenefitSplit),
			Summary: "Read the product's split (its parties, the authority, the regulator)"},
		{Method: post, Path: "/v1/products/:id/benefit-split/agree", Op: "AgreeBenefitSplit", Tag: "fees", Status: ok, Response: split, Handler: answerByID(f.group, idParam, FeeLedger.AgreeBenefitSplit),
			Summary: "Agree to the product's split (each party named)"},
		{Method: post, Path: "/v1/products/:id/revenue", Op: "RecordRevenue", Tag: "fees", Status: made, Request: revenueRequest{}, Response: ledger.Revenue{}, Handler: f.recordRevenue,
			Summary: "Record a listed product's revenue for a month, split into each party's share by the agreed split (its owner)"},
		{Method: get, Path: "/v1/revenues/:id", Op: "GetRevenue", Tag: "fees", Status: ok, Response: ledger.Revenue{}, Handler: answerByID(f.group, idParam, FeeLedger.GetRevenue),
			Summary: "Read a revenue with every share (its operator, the authority, the regulator)"},
		{Method: get, Path: "/v1/benefit-shares", Op: "QueryBenefitShares", Tag: "fees", Status: ok, List: true, Indexes: []string{"product", "period", "party", "revenue"},
			Response: ledger.BenefitSharePage{}, Handler: answerList(f.group, FeeLedger.QueryBenefitShares),
			Summary: "List the caller's shares (every share for the authority and the regulator)"},
		{Method: get, Path: "/v1/benefit-shares/:id", Op: "GetBenefitShare", Tag: "fees", Status: ok, Response: ledger.BenefitShare{}, Handler: answerByID(f.group, idParam, FeeLedger.GetBenefitShare),
			Summary: "Read a share (its party, the authority, the regulator)"},
	}
}
