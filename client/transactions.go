package client

// One typed method per contract transaction. Each submits (a transaction
// that changes the ledger: endorsed, ordered and awaited until committed) or
// evaluates (a query on the organisation's peer) the transaction of the same
// name, encoding requests as the JSON the contract decodes, and decodes the
// result. Errors are *Error values classified by the contract's kinds.

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// Participants (参与方).

// WhoAmI returns the caller as the ledger sees it: MSP ID, client identity,
// role, and whether it acts as an individual expert.
func (c *Client) WhoAmI(ctx context.Context) (*ledger.Actor, error) {
	return evaluateArgs[ledger.Actor](ctx, c, "WhoAmI")
}

// RegisterParticipant registers an organisation with its role and name.
func (c *Client) RegisterParticipant(ctx context.Context, req ledger.ParticipantRequest) (*ledger.Participant, error) {
	return submitJSON[ledger.Participant](ctx, c, "RegisterParticipant", req)
}

// RegisterExpert convenes an individual, known by its client identity (what
// WhoAmI returns to it), as a member of the expert committee; registering a
// retired expert again reactivates it. Caller: the authority.
func (c *Client) RegisterExpert(ctx context.Context, req ledger.ExpertRequest) (*ledger.Expert, error) {
	return submitJSON[ledger.Expert](ctx, c, "RegisterExpert", req)
}

// RetireExpert ends an expert's membership. Caller: the authority.
func (c *Client) RetireExpert(ctx context.Context, client string, reason string) (*ledger.Expert, error) {
	return submitArgs[ledger.Expert](ctx, c, "RetireExpert", client, reason)
}

// GetExpert returns the expert registered under a client identity.
func (c *Client) GetExpert(ctx context.Context, client string) (*ledger.Expert, error) {
	return evaluateArgs[ledger.Expert](ctx, c, "GetExpert", client)
}

// QueryExperts pages through the experts by status or MSP ID.
func (c *Client) QueryExperts(ctx context.Context, q ledger.Query) (*ledger.ExpertPage, error) {
	return evaluateJSON[ledger.ExpertPage](ctx, c, "QueryExperts", q)
}

// SetOperatorStatus admits, suspends, readmits or exits an operator.
func (c *Client) SetOperatorStatus(ctx context.Context, req ledger.OperatorStatusRequest) (*ledger.Participant, error) {
	return submitJSON[ledger.Participant](ctx, c, "SetOperatorStatus", req)
}

// RecordEvaluation appends a dated evaluation (动态评估) to an operator.
func (c *Client) RecordEvaluation(ctx context.Context, req ledger.EvaluationRequest) (*ledger.Participant, error) {
	return submitJSON[ledger.Participant](ctx, c, "RecordEvaluation", req)
}

// GetParticipant returns the participant of an MSP ID.
func (c *Client) GetParticipant(ctx context.Context, msp string) (*ledger.Participant, error) {
	return evaluateArgs[ledger.Participant](ctx, c, "GetParticipant", msp)
}

// QueryParticipants pages through participants by role or status.
func (c *Client) QueryParticipants(ctx context.Context, q ledger.Query) (*ledger.ParticipantPage, error) {
	return evaluateJSON[ledger.ParticipantPage](ctx, c, "QueryParticipants", q)
}

// Catalogue (数据资源目录) and calls (通告).

// CreateDataset adds a dataset to the catalogue; the caller owns it.
func (c *Client) CreateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return submitJSON[ledger.Dataset](ctx, c, "CreateDataset", req)
}

// UpdateDataset replaces a dataset's description. Caller: its owner.
func (c *Client) UpdateDataset(ctx context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	return submitJSON[ledger.Dataset](ctx, c, "UpdateDataset", req)
}

// WithdrawDataset takes a dataset out of the catalogue. Caller: its owner.
func (c *Client) WithdrawDataset(ctx context.Context, id string, reason string) (*ledger.Dataset, error) {
	return submitArgs[ledger.Dataset](ctx, c, "WithdrawDataset", id, reason)
}

// RelistDataset puts a withdrawn dataset back. Caller: its owner.
func (c *Client) RelistDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return submitArgs[ledger.Dataset](ctx, c, "RelistDataset", id)
}

// GetDataset returns a catalogue entry.
func (c *Client) GetDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	return evaluateArgs[ledger.Dataset](ctx, c, "GetDataset", id)
}

// QueryDatasets pages through the catalogue by owner, status or domain.
func (c *Client) QueryDatasets(ctx context.Context, q ledger.Query) (*ledger.DatasetPage, error) {
	return evaluateJSON[ledger.DatasetPage](ctx, c, "QueryDatasets", q)
}

// PublishCall publishes a call for operators. Caller: the authority.
func (c *Client) PublishCall(ctx context.Context, req ledger.CallRequest) (*ledger.Call, error) {
	return submitJSON[ledger.Call](ctx, c, "PublishCall", req)
}

// CancelCall cancels a call before it closes. Caller: the authority.
func (c *Client) CancelCall(ctx context.Context, id string, reason string) (*ledger.Call, error) {
	return submitArgs[ledger.Call](ctx, c, "CancelCall", id, reason)
}

// GetCall returns a call.
func (c *Client) GetCall(ctx context.Context, id string) (*ledger.Call, error) {
	return evaluateArgs[ledger.Call](ctx, c, "GetCall", id)
}

// QueryCalls pages through calls by status.
func (c *Client) QueryCalls(ctx context.Context, q ledger.Query) (*ledger.CallPage, error) {
	return evaluateJSON[ledger.CallPage](ctx, c, "QueryCalls", q)
}

// Applications (申请), reviews (审核) and opinions.

// SubmitApplication files an application under an open call.
func (c *Client) SubmitApplication(ctx context.Context, req ledger.ApplicationRequest) (*ledger.Application, error) {
	return submitJSON[ledger.Application](ctx, c, "SubmitApplication", req)
}

// WithdrawApplication withdraws an application before it is granted.
func (c *Client) WithdrawApplication(ctx context.Context, id string, reason string) (*ledger.Application, error) {
	return submitArgs[ledger.Application](ctx, c, "WithdrawApplication", id, reason)
}

// GetApplication returns an application to those who may read it.
func (c *Client) GetApplication(ctx context.Context, id string) (*ledger.Application, error) {
	return evaluateArgs[ledger.Application](ctx, c, "GetApplication", id)
}

// QueryApplications pages through the applications visible to the caller.
func (c *Client) QueryApplications(ctx context.Context, q ledger.Query) (*ledger.ApplicationPage, error) {
	return evaluateJSON[ledger.ApplicationPage](ctx, c, "QueryApplications", q)
}

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

// Grants (授权) and agreements (协议).

// IssueGrant issues a grant from an approved application; it waits for the providers' approvals.
func (c *Client) IssueGrant(ctx context.Context, req ledger.GrantRequest) (*ledger.Grant, error) {
	return submitJSON[ledger.Grant](ctx, c, "IssueGrant", req)
}

// ApproveGrant records the calling provider's approval.
func (c *Client) ApproveGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ApproveGrant", id)
}

// RejectGrant records the calling provider's refusal with a reason.
func (c *Client) RejectGrant(ctx context.Context, id string, reason string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "RejectGrant", id, reason)
}

// ExpireGrant records that a grant's term has ended.
func (c *Client) ExpireGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ExpireGrant", id)
}

// ActivateSubGrant activates a proposed sub-grant.
func (c *Client) ActivateSubGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ActivateSubGrant", id)
}

// SuspendGrant suspends an active grant and the products built from it.
func (c *Client) SuspendGrant(ctx context.Context, id string, reason string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "SuspendGrant", id, reason)
}

// ResumeGrant returns a suspended grant to active.
func (c *Client) ResumeGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "ResumeGrant", id)
}

// RevokeGrant revokes a grant with a reason and marks the products built from it.
func (c *Client) RevokeGrant(ctx context.Context, id string, reason string) (*ledger.Grant, error) {
	return submitArgs[ledger.Grant](ctx, c, "RevokeGrant", id, reason)
}

// ProposeSubGrant proposes a sub-grant (分级授权) of a usable first-level grant.
func (c *Client) ProposeSubGrant(ctx context.Context, req ledger.SubGrantRequest) (*ledger.Grant, error) {
	return submitJSON[ledger.Grant](ctx, c, "ProposeSubGrant", req)
}

// GetGrant returns a grant with its status as of now.
func (c *Client) GetGrant(ctx context.Context, id string) (*ledger.Grant, error) {
	return evaluateArgs[ledger.Grant](ctx, c, "GetGrant", id)
}

// GetGrantUsage returns what has been used of a grant.
func (c *Client) GetGrantUsage(ctx context.Context, id string) (*ledger.Usage, error) {
	return evaluateArgs[ledger.Usage](ctx, c, "GetGrantUsage", id)
}

// QueryGrants pages through the grants visible to the caller.
func (c *Client) QueryGrants(ctx context.Context, q ledger.Query) (*ledger.GrantPage, error) {
	return evaluateJSON[ledger.GrantPage](ctx, c, "QueryGrants", q)
}

// ProposeAgreement records the agreement the authority proposes for a first-level grant.
func (c *Client) ProposeAgreement(ctx context.Context, req ledger.AgreementRequest) (*ledger.Agreement, error) {
	return submitJSON[ledger.Agreement](ctx, c, "ProposeAgreement", req)
}

// SignAgreement records the caller's signature of an agreement.
func (c *Client) SignAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return submitArgs[ledger.Agreement](ctx, c, "SignAgreement", id)
}

// GetAgreement returns an agreement as of now.
func (c *Client) GetAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return evaluateArgs[ledger.Agreement](ctx, c, "GetAgreement", id)
}

// QueryAgreements pages through the agreements visible to the caller.
func (c *Client) QueryAgreements(ctx context.Context, q ledger.Query) (*ledger.AgreementPage, error) {
	return evaluateJSON[ledger.AgreementPage](ctx, c, "QueryAgreements", q)
}

// Attestors (可信执行环境) and usage receipts (用数凭证).

// RegisterAttestor registers the address of a trusted processing environment.
func (c *Client) RegisterAttestor(ctx context.Context, req ledger.AttestorRequest) (*ledger.Attestor, error) {
	return submitJSON[ledger.Attestor](ctx, c, "RegisterAttestor", req)
}

// RetireAttestor retires an attestor: its receipts are refused from then on.
func (c *Client) RetireAttestor(ctx context.Context, address string, reason string) (*ledger.Attestor, error) {
	return submitArgs[ledger.Attestor](ctx, c, "RetireAttestor", address, reason)
}

// GetAttestor returns an attestor.
func (c *Client) GetAttestor(ctx context.Context, address string) (*ledger.Attestor, error) {
	return evaluateArgs[ledger.Attestor](ctx, c, "GetAttestor", address)
}

// QueryAttestors pages through attestors by status or platform.
func (c *Client) QueryAttestors(ctx context.Context, q ledger.Query) (*ledger.AttestorPage, error) {
	return evaluateJSON[ledger.AttestorPage](ctx, c, "QueryAttestors", q)
}

// SubmitReceipt records one signed usage receipt. A receipt ID is accepted once: resubmitting a recorded receipt fails with ErrConflict.
func (c *Client) SubmitReceipt(ctx context.Context, req ledger.ReceiptRequest) (*ledger.Receipt, error) {
	return submitJSON[ledger.Receipt](ctx, c, "SubmitReceipt", req)
}

// SubmitReceiptBatch records many receipts in one transaction, all or none.
func (c *Client) SubmitReceiptBatch(ctx context.Context, req ledger.BatchRequest) (*ledger.Batch, error) {
	return submitJSON[ledger.Batch](ctx, c, "SubmitReceiptBatch", req)
}

// GetReceipt returns a receipt to those who may read it.
func (c *Client) GetReceipt(ctx context.Context, id string) (*ledger.Receipt, error) {
	return evaluateArgs[ledger.Receipt](ctx, c, "GetReceipt", id)
}

// QueryReceipts pages through the receipts visible to the caller by grant or batch.
func (c *Client) QueryReceipts(ctx context.Context, q ledger.Query) (*ledger.ReceiptPage, error) {
	return evaluateJSON[ledger.ReceiptPage](ctx, c, "QueryReceipts", q)
}

// GetReceiptBatch returns a batch to those who may read it.
func (c *Client) GetReceiptBatch(ctx context.Context, id string) (*ledger.Batch, error) {
	return evaluateArgs[ledger.Batch](ctx, c, "GetReceiptBatch", id)
}

// VerifyReceiptProof checks a Merkle inclusion proof of a statement in a batch.
func (c *Client) VerifyReceiptProof(ctx context.Context, req ledger.ProofRequest) (*ledger.ProofResult, error) {
	return evaluateJSON[ledger.ProofResult](ctx, c, "VerifyReceiptProof", req)
}

// Products (数据产品和服务) and disclosure (公开).

// RegisterProduct registers a data product or service as a draft.
func (c *Client) RegisterProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return submitJSON[ledger.Product](ctx, c, "RegisterProduct", req)
}

// UpdateProduct replaces a draft product's description and lineage.
func (c *Client) UpdateProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return submitJSON[ledger.Product](ctx, c, "UpdateProduct", req)
}

// SubmitProduct sends a draft product to review. Caller: its owner.
func (c *Client) SubmitProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "SubmitProduct", id)
}

// DecideProduct approves a product in review or returns it to draft. Caller: the authority.
func (c *Client) DecideProduct(ctx context.Context, req ledger.ProductDecision) (*ledger.Product, error) {
	return submitJSON[ledger.Product](ctx, c, "DecideProduct", req)
}

// ListProduct records a product's listing on the data exchange.
func (c *Client) ListProduct(ctx context.Context, id string, registrationNo string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "ListProduct", id, registrationNo)
}

// DelistProduct takes a listed product off the market.
func (c *Client) DelistProduct(ctx context.Context, id string, reason string) (*ledger.Product, error) {
	return submitArgs[ledger.Product](ctx, c, "DelistProduct", id, reason)
}

// GetProduct returns a product to those who may read it.
func (c *Client) GetProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return evaluateArgs[ledger.Product](ctx, c, "GetProduct", id)
}

// QueryProducts pages through the products visible to the caller.
func (c *Client) QueryProducts(ctx context.Context, q ledger.Query) (*ledger.ProductPage, error) {
	return evaluateJSON[ledger.ProductPage](ctx, c, "QueryProducts", q)
}

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
