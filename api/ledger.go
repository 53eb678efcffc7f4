package api

import (
	"context"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// Identities gives the ledger as one of the organisation's users: every
// request runs as the Fabric identity its bearer token maps to, so that the
// ledger records who acted. Pool implements it, connecting a user on first
// use and reusing the connection.
type Identities interface {
	As(ctx context.Context, user string) (Ledger, error)
}

// Ledger is everything the API asks of the grantledger contract on behalf of
// one identity: the client library's typed methods, one per contract
// transaction (docs/domain.md), and the event stream. *client.Client
// provides all of it. It is composed of one small interface per concept,
// named as the contract's files are (chaincode/<concept>.go), and each
// handler group is given only the one it uses (group[L]). The private parts
// of applications, reviews, evaluations and agreements are written by
// Attach… transactions of their own, whose requests the client sends as
// transient data. Every method returns errors that wrap the client
// sentinels (client.ErrNotFound, ErrForbidden, ErrConflict, ErrInvalid,
// ErrRefused, ErrEndorsement, ErrUnavailable).
type Ledger interface {
	ConfigLedger
	ActorLedger
	ParticipantLedger
	ExpertLedger
	DatasetLedger
	CallLedger
	ApplicationLedger
	ReviewLedger
	GrantLedger
	AgreementLedger
	AttestorLedger
	ReceiptLedger
	ProductLedger
	AuditLedger
	EventSource
	IncidentLedger
	UsageLedger
	DataRequestLedger
	NoticeLedger
	FeeLedger
}

// ConfigLedger reads the contract's configuration. /readyz uses it as the
// cheapest query that proves the peer and the contract answer.
type ConfigLedger interface {
	GetConfig(ctx context.Context) (*client.Config, error)
}

// ActorLedger tells the caller who it is as the ledger sees it.
type ActorLedger interface {
	WhoAmI(ctx context.Context) (*ledger.Actor, error)
}

// MetaLedger is what /v1/me and /v1/config read.
type MetaLedger interface {
	ConfigLedger
	ActorLedger
}

// EventLedger is what the event stream reads: the contract's events and who
// the caller is, to pass on only the events the caller may read.
type EventLedger interface {
	ActorLedger
	EventSource
}

// ParticipantLedger is the participants registry (参与方名录).
type ParticipantLedger interface {
	RegisterParticipant(ctx context.Context, req ledger.ParticipantRequest) (*ledger.Participant, error)
	SetOperatorStatus(ctx context.Context, req ledger.OperatorStatusRequest) (*ledger.Participant, error)
	RecordEvaluation(ctx context.Context, req ledger.EvaluationRequest) (*ledger.Participant, error)
	AttachEvaluationReport(ctx context.Context, msp, evaluationID string, req ledger.ReportRequest) (*ledger.Participant, error)
	GetParticipant(ctx context.Context, msp string) (*ledger.Participant, error)
	QueryParticipants(ctx context.Context, q ledger.Query) (*ledger.ParticipantPage, error)
}

// ExpertLedger is the expert committee (专家咨询委员会).
type ExpertLedger interface {
	RegisterExpert(ctx context.Context, req ledger.ExpertRequest) (*ledger.Expert, error)
	RetireExpert(ctx context.Context, client, reason string) (*ledger.Expert, error)
	GetExpert(ctx context.Context, client string) (*ledger.Expert, error)
	QueryExperts(ctx context.Context, q ledger.Query) (*ledger.ExpertPage, error)
}

// DatasetLedger is the public data resource catalogue (数据资源目录).
type DatasetLedger interface {
	CreateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error)
	UpdateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error)
	WithdrawDataset(ctx context.Context, id, reason string) (*ledger.Dataset, error)
	RelistDataset(ctx context.Context, id string) (*ledger.Dataset, error)
	GetDataset(ctx context.Context, id string) (*ledger.Dataset, error)
	QueryDatasets(ctx context.Context, q ledger.Query) (*ledger.DatasetPage, error)
}

// CallLedger is the authority's calls for operators (通告).
type CallLedger interface {
	PublishCall(ctx context.Context, req ledger.CallRequest) (*ledger.Call, error)
	CancelCall(ctx context.Context, id, reason string) (*ledger.Call, error)
	GetCall(ctx context.Context, id string) (*ledger.Call, error)
	QueryCalls(ctx context.Context, q ledger.Query) (*ledger.CallPage, error)
}

// ApplicationLedger is the operators' applications (申请).
type ApplicationLedger interface {
	SubmitApplication(ctx context.Context, req ledger.ApplicationRequest) (*ledger.Application, error)
	AttachApplicationDocuments(ctx context.Context, id string, req ledger.ApplicationDocumentsRequest) (*ledger.Application, error)
	WithdrawApplication(ctx context.Context, id, reason string) (*ledger.Application, error)
	GetApplication(ctx context.Context, id string) (*ledger.Application, error)
	QueryApplications(ctx context.Context, q ledger.Query) (*ledger.ApplicationPage, error)
}

// ReviewLedger is the authority's reviews (审核) and the experts' and
// platform's opinions (意见).
type ReviewLedger interface {
	RecordReview(ctx context.Context, req ledger.ReviewRequest) (*ledger.Review, error)
	AttachReviewReport(ctx context.Context, id string, req ledger.ReportRequest) (*ledger.Review, error)
	GetReview(ctx context.Context, id string) (*ledger.Review, error)
	QueryReviews(ctx context.Context, q ledger.Query) (*ledger.ReviewPage, error)
	RecordOpinion(ctx context.Context, req ledger.OpinionRequest) (*ledger.Opinion, error)
	QueryOpinions(ctx context.Context, q ledger.Query) (*ledger.OpinionPage, error)
}

// GrantLedger is the grants (授权) with their providers' decisions, life
// cycle, sub-grants (分级授权) and usage.
type GrantLedger interface {
	IssueGrant(ctx context.Context, req ledger.GrantRequest) (*ledger.Grant, error)
	ApproveGrant(ctx context.Context, id string) (*ledger.Grant, error)
	RejectGrant(ctx context.Context, id, reason string) (*ledger.Grant, error)
	SuspendGrant(ctx context.Context, id, reason string) (*ledger.Grant, error)
	ResumeGrant(ctx context.Context, id string) (*ledger.Grant, error)
	RevokeGrant(ctx context.Context, id, reason string) (*ledger.Grant, error)
	ExpireGrant(ctx context.Context, id string) (*ledger.Grant, error)
	ProposeSubGrant(ctx context.Context, req ledger.SubGrantRequest) (*ledger.Grant, error)
	ActivateSubGrant(ctx context.Context, id string) (*ledger.Grant, error)
	GetGrant(ctx context.Context, id string) (*ledger.Grant, error)
	GetGrantUsage(ctx context.Context, id string) (*ledger.Usage, error)
	QueryGrants(ctx context.Context, q ledger.Query) (*ledger.GrantPage, error)
}

// AgreementLedger is the authorized-operation agreements (授权运营协议).
type AgreementLedger interface {
	ProposeAgreement(ctx context.Context, req ledger.AgreementRequest) (*ledger.Agreement, error)
	AttachAgreementText(ctx context.Context, id string, req ledger.AgreementTextRequest) (*ledger.Agreement, error)
	SignAgreement(ctx context.Context, id string) (*ledger.Agreement, error)
	GetAgreement(ctx context.Context, id string) (*ledger.Agreement, error)
	QueryAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementPage, error)
}

// AttestorLedger is the platform's trusted processing environments, known
// by the address their receipts recover to.
type AttestorLedger interface {
	RegisterAttestor(ctx context.Context, req ledger.AttestorRequest) (*ledger.Attestor, error)
	RetireAttestor(ctx context.Context, address, reason string) (*ledger.Attestor, error)
	GetAttestor(ctx context.Context, address string) (*ledger.Attestor, error)
	QueryAttestors(ctx context.Context, q ledger.Query) (*ledger.AttestorPage, error)
}

// IncidentLedger is the security incidents (数据安全事件): reports,
// the authority's decisions and their closing.
type IncidentLedger interface {
	ReportIncident(ctx context.Context, req ledger.IncidentRequest) (*ledger.Incident, error)
	DecideIncident(ctx context.Context, req ledger.IncidentDecisionRequest) (*ledger.Incident, error)
	CloseIncident(ctx context.Context, id, reportDigest string) (*ledger.Incident, error)
	GetIncident(ctx context.Context, id string) (*ledger.Incident, error)
	QueryIncidents(ctx context.Context, q ledger.Query) (*ledger.IncidentPage, error)
}

// UsageLedger is the usage statements (用数统计): use summed by dataset,
// grant, operator or provider, per day or month.
type UsageLedger interface {
	UsageStatement(ctx context.Context, req ledger.UsageStatementRequest) (*ledger.UsageStatement, error)
}

// ReceiptLedger is the usage receipts (用数凭证), alone or in batches, with
// their inclusion proofs.
type ReceiptLedger interface {
	SubmitReceipt(ctx context.Context, req ledger.ReceiptRequest) (*ledger.Receipt, error)
	SubmitReceipts(ctx context.Context, req ledger.ReceiptsRequest) (*ledger.ReceiptsResult, error)
	SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error)
	GetReceipt(ctx context.Context, id string) (*ledger.Receipt, error)
	QueryReceipts(ctx context.Context, q ledger.Query) (*ledger.ReceiptPage, error)
	GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error)
	VerifyReceiptProof(ctx context.Context, req ledger.ProofRequest) (*ledger.ProofResult, error)
}

// ProductLedger is the data products (数据产品和服务): registration, review
// and listing on the data exchange.
type ProductLedger interface {
	RegisterProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error)
	UpdateProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error)
	SubmitProduct(ctx context.Context, id string) (*ledger.Product, error)
	DecideProduct(ctx context.Context, req ledger.ProductDecision) (*ledger.Product, error)
	RequestListing(ctx context.Context, id string) (*ledger.Product, error)
	ConfirmListing(ctx context.Context, id, registrationNo string) (*ledger.Product, error)
	RejectListing(ctx context.Context, id, reason string) (*ledger.Product, error)
	DelistProduct(ctx context.Context, id, reason string) (*ledger.Product, error)
	GetProduct(ctx context.Context, id string) (*ledger.Product, error)
	QueryProducts(ctx context.Context, q ledger.Query) (*ledger.ProductPage, error)
}

// AuditLedger is what the public and the regulator audit by: the public
// disclosure (公开结果), a product's provenance (溯源) and the history of
// any object.
type AuditLedger interface {
	DisclosureLedger
	GetProvenance(ctx context.Context, productID string) (*ledger.Provenance, error)
	QueryHistory(ctx context.Context, q ledger.HistoryQuery) (*ledger.HistoryPage, error)
}

// DisclosureLedger is the public disclosure (公开结果): the only part of
// the ledger the public identity reaches (Options.PublicUser), for callers
// without a token.
type DisclosureLedger interface {
	DisclosedOperators(ctx context.Context, p ledger.Query) (*ledger.OperatorDisclosurePage, error)
	DisclosedGrants(ctx context.Context, p ledger.Query) (*ledger.GrantSummaryPage, error)
	DisclosedAgreements(ctx context.Context, p ledger.Query) (*ledger.AgreementSummaryPage, error)
	DisclosedProducts(ctx context.Context, p ledger.Query) (*ledger.ProductSummaryPage, error)
}

// EventSource streams the contract's chaincode events in ledger order,
// starting with the first event of block start, or with the next block to
// be committed when start is nil. The channel closes when ctx ends or the
// peer ends the stream.
type EventSource interface {
	ChaincodeEvents(ctx context.Context, start *uint64) (<-chan client.ChainEvent, error)
}

// DataRequestLedger is the data requests (公共数据需求申请): amendments of
// grants and developers' sub-grant requests, their consents and decisions.
type DataRequestLedger interface {
	SubmitDataRequest(ctx context.Context, req ledger.DataRequestSubmission) (*ledger.DataRequest, error)
	ConsentDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error)
	RefuseDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error)
	ApproveDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error)
	WithdrawDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error)
	DeclineDataRequest(ctx context.Context, id, reason string) (*ledger.DataRequest, error)
	GetDataRequest(ctx context.Context, id string) (*ledger.DataRequest, error)
	QueryDataRequests(ctx context.Context, q ledger.Query) (*ledger.DataRequestPage, error)
}

// NoticeLedger is deadlines and notices (期限与提醒): what needs action by
// the caller, and the records a scheduler submits when a deadline comes
// (threshold notices, expiries), each checked at the transaction's time.
type NoticeLedger interface {
	QueryNotices(ctx context.Context, q ledger.NoticeQuery) (*ledger.NoticeList, error)
	RecordDeadlineNotice(ctx context.Context, req ledger.DeadlineNoticeRequest) (*ledger.DeadlineNotice, error)
	ExpireAgreement(ctx context.Context, id string) (*ledger.Agreement, error)
}
