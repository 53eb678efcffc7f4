package chaincode_test

import (
	"encoding/json"
	"slices"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// The authorization matrix: one row per contract transaction (a few
// transactions have a row per kind of object they act on or part they
// show), one column per kind of caller. docs/authorization.md holds the
// same table; authz_test.go runs it and checks the document against it.

// Who may read what, by the visibility rules (ledger VisibleTo), in the
// matrix's world: the sets that recur in the table.
var (
	anyone = only(asAuthority, asOwningProvider, asOtherProvider, asHoldingOperator, asOtherOperator, asDeveloper, asPlatform, asRegulator, asExchange, asExpert, asUnregistered)
	// grantReaders: the holder, the providers in scope, the authority and the regulator.
	grantReaders = only(asAuthority, asOwningProvider, asHoldingOperator, asRegulator)
	// subGrantReaders: its holder (the developer) and its parent's holder too.
	subGrantReaders = grantReaders.and(asDeveloper)
	// receiptReaders: whoever reads the grant, and the platform.
	receiptReaders = grantReaders.and(asPlatform)
	// applicationReaders: its operator, the experts, the authority and the regulator.
	applicationReaders = only(asAuthority, asHoldingOperator, asRegulator, asExpert)
	// operatorRecordReaders read reviews, agreements and evaluations: the
	// operator they concern, the authority and the regulator.
	operatorRecordReaders = only(asAuthority, asHoldingOperator, asRegulator)
	// productReaders, before listing: its owner, the reviewers (experts,
	// platform), the authority and the regulator.
	productReaders = only(asAuthority, asHoldingOperator, asPlatform, asRegulator, asExpert)
	// incidentPlatformReaders: an incident on the grant the platform
	// reported is read by the grant's parties and its reporter.
	incidentPlatformReaders = grantReaders.and(asPlatform)
	// opinion readers: its author, the subject's owner, the authority and the regulator.
	expertOpinionReaders   = only(asAuthority, asHoldingOperator, asRegulator, asExpert)
	platformOpinionReaders = only(asAuthority, asHoldingOperator, asPlatform, asRegulator)
	// feeReaders read a grant's fee schedule and statements: its holder,
	// the platform paid, the authority and the regulator.
	feeReaders = only(asAuthority, asHoldingOperator, asPlatform, asRegulator)
	// splitReaders read a product's benefit split: its parties (the
	// owning provider, the platform, the holding operator), the authority
	// and the regulator.
	splitReaders = only(asAuthority, asOwningProvider, asHoldingOperator, asPlatform, asRegulator)
)

// The read rows that say who may read the object a change leaves, which
// is who its event must reach.
const (
	readersOfParticipant      = "GetParticipant · the holding operator's registry entry"
	readersOfExpert           = "GetExpert · the expert"
	readersOfDataset          = "GetDataset · a dataset"
	readersOfCall             = "GetCall · the open call"
	readersOfApplication      = "GetApplication · the holding operator's application"
	readersOfOtherApplication = "GetApplication · the other operator's application"
	readersOfReview           = "GetReview · a review of the holding operator's application"
	readersOfExpertOpinion    = "QueryOpinions · the expert's opinion on a product in review"
	readersOfPlatformOpinion  = "QueryOpinions · the platform's opinion on a product in review"
	readersOfGrant            = "GetGrant · the holding operator's grant"
	readersOfSubGrant         = "GetGrant · a sub-grant to the developer"
	readersOfUsage            = "GetGrantUsage · the holding operator's grant"
	readersOfAgreement        = "GetAgreement · the agreement in force"
	readersOfAttestor         = "GetAttestor · the platform's attestor"
	readersOfReceipt          = "GetReceipt · a receipt of the grant"
	readersOfBatch            = "GetReceiptBatch · a batch of receipts of the grant"
	readersOfProduct          = "GetProduct · a product in review"
	readersOfListedProduct    = "GetProduct · a listed product"
	readersOfOfferedProduct   = "GetProduct · a product offered to the exchange"
	readersOfIncident         = "GetIncident · an incident on the grant, reported by the holding operator"
	readersOfPlatformIncident = "GetIncident · an incident on the grant, reported by the platform"
	readersOfDatasetIncident  = "GetIncident · an incident on the dataset, reported by the holding operator"
	readersOfOwnerIncident    = "GetIncident · an incident on the dataset, reported by its owner"
	readersOfAttestorIncident = "GetIncident · an incident on the platform's attestor"
	readersOfAmendment        = "GetDataRequest · an amendment adding a field of the owning provider's dataset"
	readersOfSubGrantRequest  = "GetDataRequest · a developer's sub-grant request"
	readersOfFeeSchedule      = "GetFeeSchedule · the schedule of the holding operator's grant"
	readersOfFeeStatement     = "GetFeeStatement · a statement of the holding operator's grant"
	readersOfSplit            = "GetBenefitSplit · a proposed split of the holding operator's product"
	readersOfRevenue          = "GetRevenue · the revenue of a listed product"
)

// readersOfRelated names the read row of the objects events list as
// related, by type: each is the holding operator's, over the owning
// provider's data, like the objects of the rows.
var readersOfRelated = map[string]string{
	"grant":       readersOfGrant,
	"usage":       readersOfUsage,
	"application": readersOfApplication,
	"product":     readersOfProduct,
	"datarequest": readersOfSubGrantRequest,
}

func fixed(args ...any) func(*authzWorld) []any { return func(*authzWorld) []any { return args } }

func about(typ, id string) objectRef { return objectRef{typ, id} }

// pageHas shows whether a page ({items}) holds an item whose field is id.
func pageHas(field string, id func(*authzWorld) string) func(*authzWorld, []byte) bool {
	return func(w *authzWorld, payload []byte) bool {
		var page struct {
			Items []map[string]any `json:"items"`
		}
		if json.Unmarshal(payload, &page) != nil {
			return false
		}
		return slices.ContainsFunc(page.Items, func(it map[string]any) bool { return it[field] == id(w) })
	}
}

func pageHasID(id string) func(*authzWorld, []byte) bool {
	return pageHas("id", func(*authzWorld) string { return id })
}

// shows decodes a read's answer and tells whether it shows the part asked.
func shows[T any](part func(T) bool) func(*authzWorld, []byte) bool {
	return func(_ *authzWorld, payload []byte) bool {
		var v T
		return json.Unmarshal(payload, &v) == nil && part(v)
	}
}

// statementReaders read a usage statement: the authority, the regulator
// and the one it is about.
func statementReaders(ks ...callerKind) kindSet { return only(asAuthority, asRegulator).and(ks...) }

// usageRequest asks for a statement over the matrix world's whole timeline.
func usageRequest(by, period, id string) ledger.UsageStatementRequest {
	return ledger.UsageStatementRequest{By: by, Period: period, From: ledger.UsageDayOf(lt.T0), To: ledger.UsageDayOf(matrixTime), ID: id}
}

// providerUsageRequest asks for the use of a provider's datasets by grant
// or operator, every one of them, by day.
func providerUsageRequest(by, provider string) ledger.UsageStatementRequest {
	req := usageRequest(by, ledger.PeriodDay, "")
	req.Provider = provider
	return req
}

// showsUse shows whether a statement counts the world's three receipts on
// grant-1 under key.
func showsUse(key string) func(*authzWorld, []byte) bool {
	return shows(func(s ledger.UsageStatement) bool {
		var receipts uint64
		for _, r := range s.Rows {
			if r.Key == key {
				receipts += r.Receipts
			}
		}
		return receipts == 3
	})
}

func hasEvaluations(p ledger.Participant) bool { return len(p.Evaluations) > 0 }

func hasEvaluationReport(p ledger.Participant) bool {
	return slices.ContainsFunc(p.Evaluations, func(e ledger.Evaluation) bool { return e.ReportDigest != "" })
}

// itemsBy reads one item of a list as the caller: the get of its type.
func itemsBy(fn string) func(id string) (string, []any) {
	return func(id string) (string, []any) { return fn, []any{id} }
}

// historyRows are GetHistory and QueryHistory of each object type: a
// history is read by those who may read the object now.
func historyRows() []authzRow {
	objects := []struct {
		typ, id, on string
		readers     kindSet
	}{
		{"participant", lt.OperatorMSP, "the holding operator (with its evaluations)", operatorRecordReaders},
		{"expert", "", "the expert", anyone},
		{"dataset", "visits", "a dataset", anyone},
		{"call", "call-1", "the open call", anyone},
		{"application", "app-1", "the holding operator's application", applicationReaders},
		{"review", "rev-scn-app-1", "a review of the holding operator's application", operatorRecordReaders},
		{"opinion", "op-e-prod-r", "the expert's opinion on a product in review", expertOpinionReaders},
		{"grant", "grant-1", "the holding operator's grant", grantReaders},
		{"usage", "grant-1", "the usage of the holding operator's grant", grantReaders},
		{"agreement", "agr-1", "the agreement in force", operatorRecordReaders},
		{"attestor", "", "the platform's attestor", anyone},
		{"receipt", "r-1", "a receipt of the grant", receiptReaders},
		{"batch", "b-1", "a batch of receipts of the grant", receiptReaders},
		{"product", "prod-r", "a product in review", productReaders},
	}
	var rows []authzRow
	for _, o := range objects {
		id := func(w *authzWorld) string {
			switch o.typ {
			case "expert":
				return w.expertClient
			case "attestor":
				return w.attestor.Address()
			}
			return o.id
		}
		rows = append(rows, authzRow{tx: "GetHistory", on: o.on, allowed: o.readers, about: about(o.typ, o.id),
			args: func(w *authzWorld) []any { return []any{o.typ, id(w)} }})
		rows = append(rows, authzRow{tx: "QueryHistory", on: o.on, allowed: o.readers, about: about(o.typ, o.id),
			args: func(w *authzWorld) []any { return []any{ledger.HistoryQuery{ObjectType: o.typ, ID: id(w)}} }})
	}
	return rows
}

// authzRows is the matrix.
func authzRows() []authzRow {
	rows := []authzRow{
		// Participants (参与方) and the ledger's configuration.
		{tx: "Bootstrap", on: "the ledger, bootstrapped", allowed: only(asAuthority), args: fixed(lt.AuthorityMSP)},
		{tx: "GetConfig", on: "the bootstrap configuration", allowed: anyone, args: fixed()},
		{tx: "WhoAmI", on: "the caller itself", allowed: anyone, args: fixed()},
		{tx: "RegisterParticipant", on: "a new provider", allowed: only(asAuthority),
			args:  fixed(ledger.ParticipantRequest{MSP: "TransportMSP", Role: ledger.RoleProvider, Name: "Transport bureau"}),
			event: "participant.registered", readers: readersOfParticipant},
		{tx: "SetOperatorStatus", on: "the holding operator, to suspend it", allowed: only(asAuthority), about: about("participant", lt.OperatorMSP),
			args:  fixed(ledger.OperatorStatusRequest{MSP: lt.OperatorMSP, Status: ledger.OperatorSuspended, Reason: "evaluation"}),
			event: "participant.suspended", readers: readersOfParticipant},
		{tx: "RecordEvaluation", on: "the holding operator", allowed: only(asAuthority), about: about("participant", lt.OperatorMSP),
			args:  fixed(ledger.EvaluationRequest{MSP: lt.OperatorMSP, ID: "eval-3", Date: matrixTime, Result: ledger.EvaluationRectify}),
			event: "participant.evaluated", readers: readersOfParticipant},
		{tx: "AttachEvaluationReport", on: "an evaluation of the holding operator", allowed: only(asAuthority), about: about("participant", lt.OperatorMSP),
			args: fixed(lt.OperatorMSP, "eval-2"), private: lt.ReportRequest("eval-2"),
			event: "participant.evaluation-report", readers: readersOfParticipant},
		{tx: "GetParticipant", on: "the holding operator's registry entry", allowed: anyone, args: fixed(lt.OperatorMSP)},
		{tx: "GetParticipant", on: "the holding operator's evaluations", allowed: operatorRecordReaders, args: fixed(lt.OperatorMSP),
			shows: shows(hasEvaluations)},
		{tx: "GetParticipant", on: "the report of an evaluation (private)", allowed: operatorRecordReaders, args: fixed(lt.OperatorMSP),
			shows: shows(hasEvaluationReport)},
		{tx: "QueryParticipants", on: "operators: the holding operator's entry", allowed: anyone,
			args:  fixed(ledger.Query{By: "role", Value: string(ledger.RoleOperator), PageSize: 100}),
			shows: pageHas("msp", func(*authzWorld) string { return lt.OperatorMSP })},
		{tx: "QueryParticipants", on: "operators: the holding operator's evaluations", allowed: operatorRecordReaders,
			args: fixed(ledger.Query{By: "role", Value: string(ledger.RoleOperator), PageSize: 100}),
			shows: shows(func(p ledger.ParticipantPage) bool {
				return slices.ContainsFunc(p.Items, func(it ledger.Participant) bool { return it.MSP == lt.OperatorMSP && hasEvaluations(it) })
			})},

		// Experts (专家咨询委员会).
		{tx: "RegisterExpert", on: "another identity of the authority", allowed: only(asAuthority),
			args: func(w *authzWorld) []any {
				return []any{ledger.ExpertRequest{MSP: lt.AuthorityMSP, Client: w.newExpertClient, Name: "Expert B"}}
			},
			event: "expert.registered", readers: readersOfExpert},
		{tx: "RetireExpert", on: "the expert", allowed: only(asAuthority), about: about("expert", ""),
			args:  func(w *authzWorld) []any { return []any{w.expertClient, "term ended"} },
			event: "expert.retired", readers: readersOfExpert},
		{tx: "GetExpert", on: "the expert", allowed: anyone, args: func(w *authzWorld) []any { return []any{w.expertClient} }},
		{tx: "QueryExperts", on: "active experts", allowed: anyone,
			args:  fixed(ledger.Query{By: "status", Value: string(ledger.ExpertActive), PageSize: 100}),
			shows: pageHas("client", func(w *authzWorld) string { return w.expertClient })},

		// Datasets (数据资源目录).
		{tx: "CreateDataset", on: "a new dataset", allowed: only(asOwningProvider, asOtherProvider),
			args:  fixed(lt.DatasetRequest("clinics", "medical", "region")),
			event: "dataset.created", readers: readersOfDataset},
		{tx: "UpdateDataset", on: "the owning provider's dataset", allowed: only(asOwningProvider), about: about("dataset", "visits"),
			args:  fixed(lt.DatasetRequest("visits", "medical", "age", "diagnosis", "name", "sex")),
			event: "dataset.updated", readers: readersOfDataset},
		{tx: "WithdrawDataset", on: "the owning provider's dataset", allowed: only(asOwningProvider), about: about("dataset", "visits"),
			args: fixed("visits", "source system retired"), event: "dataset.withdrawn", readers: readersOfDataset},
		{tx: "RelistDataset", on: "the owning provider's withdrawn dataset", allowed: only(asOwningProvider), about: about("dataset", "archive"),
			args: fixed("archive"), event: "dataset.relisted", readers: readersOfDataset},
		{tx: "GetDataset", on: "a dataset", allowed: anyone, args: fixed("visits")},
		{tx: "QueryDatasets", on: "datasets of the owning provider", allowed: anyone,
			args: fixed(ledger.Query{By: "owner", Value: lt.HealthMSP, PageSize: 100}), shows: pageHasID("visits")},

		// Calls for operators (通告).
		{tx: "PublishCall", on: "a new call", allowed: only(asAuthority), args: fixed(lt.CallRequest("call-2")),
			event: "call.published", readers: readersOfCall},
		{tx: "CancelCall", on: "the open call", allowed: only(asAuthority), about: about("call", "call-1"),
			args: fixed("call-1", "scope changed"), event: "call.cancelled", readers: readersOfCall},
		{tx: "GetCall", on: "the open call", allowed: anyone, args: fixed("call-1")},
		{tx: "QueryCalls", on: "published calls", allowed: anyone,
			args: fixed(ledger.Query{By: "status", Value: string(ledger.CallPublished), PageSize: 100}), shows: pageHasID("call-1")},

		// Applications (申请).
		{tx: "SubmitApplication", on: "a new application under the open call", allowed: only(asHoldingOperator, asOtherOperator),
			args: fixed(visitsApplication("app-9")), event: "application.submitted", readers: readersOfApplication,
			readersBy: map[callerKind]string{asOtherOperator: readersOfOtherApplication}},
		{tx: "AttachApplicationDocuments", on: "the holding operator's application under review", allowed: only(asHoldingOperator),
			about: about("application", "app-2"), args: fixed("app-2"), private: lt.ApplicationDocuments(),
			event: "application.documents", readers: readersOfApplication},
		{tx: "WithdrawApplication", on: "the holding operator's application under review", allowed: only(asHoldingOperator),
			about: about("application", "app-2"), args: fixed("app-2", "duplicate"),
			event: "application.withdrawn", readers: readersOfApplication},
		{tx: "GetApplication", on: "the holding operator's application", allowed: applicationReaders, about: about("application", "app-1"),
			args: fixed("app-1")},
		{tx: "GetApplication", on: "its emergency plan and security documents (private)", allowed: applicationReaders,
			about: about("application", "app-1"), args: fixed("app-1"),
			shows: shows(func(a ledger.Application) bool { return a.EmergencyPlanDigest != "" })},
		{tx: "GetApplication", on: "the other operator's application", allowed: only(asAuthority, asOtherOperator, asRegulator, asExpert),
			about: about("application", "app-o"), args: fixed("app-o")},
		{tx: "QueryApplications", on: "applications under the call", allowed: applicationReaders,
			args: fixed(ledger.Query{By: "call", Value: "call-1", PageSize: 100}), shows: pageHasID("app-1"), itemRead: itemsBy("GetApplication")},

		// Reviews (审核) and opinions (意见).
		{tx: "RecordReview", on: "a review of the holding operator's application", allowed: only(asAuthority), about: about("application", "app-2"),
			args:  fixed(lt.ReviewRequest("rev-net-app-2", ledger.ReviewNetworkSecurity, "app-2", matrixTime)),
			event: "review.recorded", readers: readersOfReview},
		{tx: "AttachReviewReport", on: "a review of the holding operator's application", allowed: only(asAuthority),
			about: about("review", "rev-net-app-1"), args: fixed("rev-net-app-1"), private: lt.ReportRequest("rev-net-app-1"),
			event: "review.report", readers: readersOfReview},
		{tx: "GetReview", on: "a review of the holding operator's application", allowed: operatorRecordReaders,
			about: about("review", "rev-scn-app-1"), args: fixed("rev-scn-app-1")},
		{tx: "GetReview", on: "its report (private)", allowed: operatorRecordReaders, about: about("review", "rev-scn-app-1"),
			args: fixed("rev-scn-app-1"), shows: shows(func(r ledger.Review) bool { return r.ReportDigest != "" })},
		{tx: "QueryReviews", on: "reviews of the holding operator's application", allowed: operatorRecordReaders,
			args:  fixed(ledger.Query{By: "subject", Value: "app-1", PageSize: 100}),
			shows: pageHasID("rev-scn-app-1"), itemRead: itemsBy("GetReview")},
		{tx: "RecordOpinion", on: "a product in review", allowed: only(asPlatform, asExpert), about: about("product", "prod-r"),
			args:  fixed(opinionRequest("op-9", ledger.SubjectProduct, "prod-r")),
			event: "opinion.recorded", readers: readersOfExpertOpinion, readersBy: map[callerKind]string{asPlatform: readersOfPlatformOpinion}},
		{tx: "RecordOpinion", on: "the holding operator's application under review", allowed: only(asExpert), about: about("application", "app-2"),
			args:  fixed(opinionRequest("op-9", ledger.SubjectApplication, "app-2")),
			event: "opinion.recorded", readers: readersOfExpertOpinion},
		{tx: "QueryOpinions", on: "the expert's opinion on a product in review", allowed: expertOpinionReaders,
			args:  fixed(ledger.Query{By: "subject", Value: "product/prod-r", PageSize: 100}),
			shows: pageHasID("op-e-prod-r"), itemRead: opinionHistory},
		{tx: "QueryOpinions", on: "the platform's opinion on a product in review", allowed: platformOpinionReaders,
			args:  fixed(ledger.Query{By: "subject", Value: "product/prod-r", PageSize: 100}),
			shows: pageHasID("op-p-prod-r"), itemRead: opinionHistory},

		// Grants (授权) and sub-grants (分级授权).
		{tx: "IssueGrant", on: "an approved application", allowed: only(asAuthority), about: about("application", "app-3"),
			args: fixed(visitsGrant("grant-3", "app-3")), event: "grant.issued", readers: readersOfGrant},
		{tx: "ApproveGrant", on: "a proposed grant", allowed: only(asOwningProvider), about: about("grant", "grant-p"),
			args: fixed("grant-p"), event: "grant.activated", readers: readersOfGrant},
		{tx: "RejectGrant", on: "a proposed grant", allowed: only(asOwningProvider), about: about("grant", "grant-p"),
			args: fixed("grant-p", "not for this scenario"), event: "grant.rejected", readers: readersOfGrant},
		{tx: "ProposeSubGrant", on: "the holding operator's grant in force", allowed: only(asHoldingOperator), about: about("grant", "grant-1"),
			args: fixed(subGrantRequest("sub-9")), event: "grant.proposed", readers: readersOfSubGrant},
		{tx: "ActivateSubGrant", on: "a proposed sub-grant", allowed: only(asAuthority), about: about("grant", "sub-2"),
			args: fixed("sub-2"), event: "grant.activated", readers: readersOfSubGrant},
		{tx: "SuspendGrant", on: "a grant in force", allowed: only(asAuthority), about: about("grant", "grant-1"),
			args: fixed("grant-1", "security audit"), event: "grant.suspended", readers: readersOfGrant},
		{tx: "ResumeGrant", on: "a suspended grant", allowed: only(asAuthority), about: about("grant", "grant-s"),
			args: fixed("grant-s"), event: "grant.resumed", readers: readersOfGrant},
		{tx: "RevokeGrant", on: "a grant in force", allowed: only(asAuthority), about: about("grant", "grant-1"),
			args: fixed("grant-1", "breach of agreement"), event: "grant.revoked", readers: readersOfGrant},
		{tx: "ExpireGrant", on: "a grant whose term has ended", allowed: grantReaders, about: about("grant", "grant-x"),
			args: fixed("grant-x"), event: "grant.expired", readers: readersOfGrant},
		{tx: "GetGrant", on: "the holding operator's grant", allowed: grantReaders, about: about("grant", "grant-1"), args: fixed("grant-1")},
		{tx: "GetGrant", on: "a sub-grant to the developer", allowed: subGrantReaders, about: about("grant", "sub-1"), args: fixed("sub-1")},
		{tx: "GetGrantUsage", on: "the holding operator's grant", allowed: grantReaders, about: about("grant", "grant-1"), args: fixed("grant-1")},
		{tx: "QueryGrants", on: "grants of the holding operator", allowed: grantReaders,
			args:  fixed(ledger.Query{By: "holder", Value: lt.OperatorMSP, PageSize: 100}),
			shows: pageHasID("grant-1"), itemRead: itemsBy("GetGrant")},

		// Agreements (授权运营协议).
		{tx: "ProposeAgreement", on: "a proposed grant without agreement", allowed: only(asAuthority), about: about("grant", "grant-p"),
			args: fixed(lt.AgreementRequest("agr-9", "grant-p")), event: "agreement.proposed", readers: readersOfAgreement},
		{tx: "AttachAgreementText", on: "an agreement without its text", allowed: only(asAuthority), about: about("agreement", "agr-t"),
			args: fixed("agr-t"), private: lt.AgreementText("agr-t"), event: "agreement.text", readers: readersOfAgreement},
		{tx: "SignAgreement", on: "an agreement with its text, unsigned", allowed: only(asAuthority, asHoldingOperator), about: about("agreement", "agr-s"),
			args: fixed("agr-s"), event: "agreement.signed", readers: readersOfAgreement},
		{tx: "GetAgreement", on: "the agreement in force", allowed: operatorRecordReaders, about: about("agreement", "agr-1"), args: fixed("agr-1")},
		{tx: "GetAgreement", on: "its text (private)", allowed: operatorRecordReaders, about: about("agreement", "agr-1"), args: fixed("agr-1"),
			shows: shows(func(a ledger.Agreement) bool { return a.TextDigest != "" })},
		{tx: "QueryAgreements", on: "agreements of the grant", allowed: operatorRecordReaders,
			args:  fixed(ledger.Query{By: "grant", Value: "grant-1", PageSize: 100}),
			shows: pageHasID("agr-1"), itemRead: itemsBy("GetAgreement")},

		// Attestors (可信执行环境) and usage receipts (用数凭证).
		{tx: "RegisterAttestor", on: "a new attestor", allowed: only(asPlatform),
			args:  fixed(ledger.AttestorRequest{Address: newAttestorAddress, Name: "TEE 2"}),
			event: "attestor.registered", readers: readersOfAttestor},
		{tx: "RetireAttestor", on: "the platform's attestor", allowed: only(asAuthority, asPlatform), about: about("attestor", ""),
			args:  func(w *authzWorld) []any { return []any{w.attestor.Address(), "key rotated"} },
			event: "attestor.retired", readers: readersOfAttestor},
		{tx: "GetAttestor", on: "the platform's attestor", allowed: anyone, args: func(w *authzWorld) []any { return []any{w.attestor.Address()} }},
		{tx: "QueryAttestors", on: "attestors of the platform", allowed: anyone,
			args:  fixed(ledger.Query{By: "platform", Value: lt.PlatformMSP, PageSize: 100}),
			shows: pageHas("address", func(w *authzWorld) string { return w.attestor.Address() })},
		{tx: "SubmitReceipt", on: "a signed use of the grant", allowed: only(asHoldingOperator, asPlatform), about: about("grant", "grant-1"),
			args:    func(w *authzWorld) []any { return []any{w.receiptOn("r-9", "grant-1")} },
			missing: func(w *authzWorld) []any { return []any{w.receiptOn("r-9", absentID)} },
			event:   "receipt.accepted", readers: readersOfReceipt},
		{tx: "SubmitReceiptBatch", on: "signed uses of the grant", allowed: only(asHoldingOperator, asPlatform), about: about("grant", "grant-1"),
			args: func(w *authzWorld) []any {
				return []any{ledger.BatchRequest{ID: "b-9", Receipts: []ledger.ReceiptRequest{w.receiptOn("r-9", "grant-1")}}}
			},
			missing: func(w *authzWorld) []any {
				return []any{ledger.BatchRequest{ID: "b-9", Receipts: []ledger.ReceiptRequest{w.receiptOn("r-9", absentID)}}}
			},
			event: "batch.accepted", readers: readersOfBatch, outcomes: true},
		{tx: "SubmitReceipts", on: "signed uses of the grant, each decided", allowed: only(asHoldingOperator, asPlatform), about: about("grant", "grant-1"),
			args: func(w *authzWorld) []any {
				return []any{ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{w.receiptOn("r-8", "grant-1")}}}
			},
			missing: func(w *authzWorld) []any {
				return []any{ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{w.receiptOn("r-8", absentID)}}}
			},
			event: "receipt.accepted", readers: readersOfReceipt, outcomes: true},
		{tx: "GetReceipt", on: "a receipt of the grant", allowed: receiptReaders, about: about("receipt", "r-1"), args: fixed("r-1")},
		{tx: "QueryReceipts", on: "receipts of the grant", allowed: receiptReaders,
			args:  fixed(ledger.Query{By: "grant", Value: "grant-1", PageSize: 100}),
			shows: pageHasID("r-1"), itemRead: itemsBy("GetReceipt")},
		{tx: "GetReceiptBatch", on: "a batch of receipts of the grant", allowed: receiptReaders, about: about("batch", "b-1"), args: fixed("b-1")},
		{tx: "VerifyReceiptProof", on: "a receipt's inclusion in its batch", allowed: anyone,
			args: func(w *authzWorld) []any {
				return []any{ledger.ProofRequest{BatchID: "b-1", Statement: w.batchStatement, Proof: w.batchProof}}
			},
			shows: shows(func(r ledger.ProofResult) bool { return r.Valid })},
		// Usage statements (用数统计): the receipts r-1, r-b1 and r-b2 on grant-1, over visits.
		{tx: "UsageStatement", on: "the owning provider's dataset, by day", allowed: statementReaders(asOwningProvider),
			about: about("dataset", "visits"), args: fixed(usageRequest(ledger.UsageByDataset, ledger.PeriodDay, "visits")), shows: showsUse("visits")},
		{tx: "UsageStatement", on: "the holding operator's grant, by month", allowed: statementReaders(asHoldingOperator),
			about: about("grant", "grant-1"), args: fixed(usageRequest(ledger.UsageByGrant, ledger.PeriodMonth, "grant-1")), shows: showsUse("grant-1")},
		{tx: "UsageStatement", on: "the holding operator, by day", allowed: statementReaders(asHoldingOperator),
			about: about("participant", lt.OperatorMSP), args: fixed(usageRequest(ledger.UsageByOperator, ledger.PeriodDay, lt.OperatorMSP)), shows: showsUse(lt.OperatorMSP)},
		{tx: "UsageStatement", on: "the owning provider, by month", allowed: statementReaders(asOwningProvider),
			about: about("participant", lt.HealthMSP), args: fixed(usageRequest(ledger.UsageByProvider, ledger.PeriodMonth, lt.HealthMSP)), shows: showsUse(lt.HealthMSP)},
		{tx: "UsageStatement", on: "every dataset, by day", allowed: statementReaders(),
			args: fixed(usageRequest(ledger.UsageByDataset, ledger.PeriodDay, "")), shows: showsUse("visits")},
		{tx: "UsageStatement", on: "the owning provider's datasets, by grant", allowed: statementReaders(asOwningProvider),
			about: about("participant", lt.HealthMSP), args: fixed(providerUsageRequest(ledger.UsageByGrant, lt.HealthMSP)), shows: showsUse("grant-1")},
		{tx: "UsageStatement", on: "the owning provider's datasets, by operator", allowed: statementReaders(asOwningProvider),
			about: about("participant", lt.HealthMSP), args: fixed(providerUsageRequest(ledger.UsageByOperator, lt.HealthMSP)), shows: showsUse(lt.OperatorMSP)},

		// Products (数据产品和服务), disclosure (公开结果) and provenance (溯源).
		{tx: "RegisterProduct", on: "a new product built on the grant", allowed: only(asHoldingOperator), about: about("grant", "grant-1"),
			args: fixed(productRequest("prod-9", "new model")), event: "product.registered", readers: readersOfProduct},
		{tx: "UpdateProduct", on: "the holding operator's draft product", allowed: only(asHoldingOperator), about: about("product", "prod-d"),
			args: fixed(productRequest("prod-d", "draft model v2")), event: "product.updated", readers: readersOfProduct},
		{tx: "SubmitProduct", on: "the holding operator's draft product", allowed: only(asHoldingOperator), about: about("product", "prod-d"),
			args: fixed("prod-d"), event: "product.in-review", readers: readersOfProduct},
		{tx: "DecideProduct", on: "a product in review, with its opinions", allowed: only(asAuthority), about: about("product", "prod-r"),
			args: fixed(ledger.ProductDecision{ID: "prod-r", Approve: true}), event: "product.approved", readers: readersOfProduct},
		{tx: "RequestListing", on: "an approved product", allowed: only(asHoldingOperator), about: about("product", "prod-a"),
			args: fixed("prod-a"), event: "product.listing-requested", readers: readersOfOfferedProduct},
		{tx: "ConfirmListing", on: "a product offered to the exchange", allowed: only(asExchange), about: about("product", "prod-q"),
			args: fixed("prod-q", "HZDE-2025-0002"), event: "product.listed", readers: readersOfListedProduct},
		{tx: "RejectListing", on: "a product offered to the exchange", allowed: only(asExchange), about: about("product", "prod-q"),
			args: fixed("prod-q", "description incomplete"), event: "product.listing-rejected", readers: readersOfOfferedProduct},
		{tx: "DelistProduct", on: "a listed product", allowed: only(asAuthority, asHoldingOperator, asExchange), about: about("product", "prod-l"),
			args: fixed("prod-l", "complaint"), event: "product.delisted", readers: readersOfOfferedProduct},
		{tx: "GetProduct", on: "a product in review", allowed: productReaders, about: about("product", "prod-r"), args: fixed("prod-r")},
		{tx: "GetProduct", on: "a product offered to the exchange", allowed: productReaders.and(asExchange), about: about("product", "prod-q"), args: fixed("prod-q")},
		{tx: "GetProduct", on: "a listed product", allowed: anyone, args: fixed("prod-l")},
		{tx: "QueryProducts", on: "products of the holding operator", allowed: productReaders,
			args:  fixed(ledger.Query{By: "owner", Value: lt.OperatorMSP, PageSize: 100}),
			shows: pageHasID("prod-r"), itemRead: itemsBy("GetProduct")},
		{tx: "GetProvenance", on: "a product in review", allowed: productReaders, about: about("product", "prod-r"), args: fixed("prod-r")},
		{tx: "GetProvenance", on: "a listed product", allowed: anyone, args: fixed("prod-l")},
		// Security incidents (数据安全事件).
		{tx: "ReportIncident", on: "an incident on the holding operator's grant", allowed: only(asOwningProvider, asHoldingOperator, asPlatform),
			about: about("grant", "grant-1"), args: fixed(incidentRequest("inc-9", ledger.IncidentOnGrant, "grant-1", matrixTime)),
			event: "incident.reported", readers: readersOfIncident, readersBy: map[callerKind]string{asPlatform: readersOfPlatformIncident}},
		{tx: "ReportIncident", on: "an incident on the owning provider's dataset", allowed: only(asOwningProvider, asHoldingOperator),
			about: about("dataset", "visits"), args: fixed(incidentRequest("inc-9", ledger.IncidentOnDataset, "visits", matrixTime)),
			event: "incident.reported", readers: readersOfDatasetIncident, readersBy: map[callerKind]string{asOwningProvider: readersOfOwnerIncident}},
		{tx: "ReportIncident", on: "an incident on the platform's attestor", allowed: only(asPlatform), about: about("attestor", ""),
			args: func(w *authzWorld) []any {
				return []any{incidentRequest("inc-9", ledger.IncidentOnAttestor, w.attestor.Address(), matrixTime)}
			},
			event: "incident.reported", readers: readersOfAttestorIncident},
		{tx: "DecideIncident", on: "a reported incident on the grant, to suspend the grant", allowed: only(asAuthority), about: about("incident", "inc-1"),
			args:  fixed(ledger.IncidentDecisionRequest{ID: "inc-1", Action: ledger.ActionSuspendGrant, ReasonDigest: lt.Digest("suspend")}),
			event: "incident.decided", readers: readersOfIncident},
		{tx: "CloseIncident", on: "a decided incident on the grant", allowed: only(asAuthority), about: about("incident", "inc-d"),
			args: fixed("inc-d", lt.Digest("closing report")), event: "incident.closed", readers: readersOfIncident},
		{tx: "GetIncident", on: "an incident on the grant, reported by the holding operator", allowed: grantReaders, about: about("incident", "inc-1"), args: fixed("inc-1")},
		{tx: "GetIncident", on: "an incident on the grant, reported by the platform", allowed: incidentPlatformReaders, about: about("incident", "inc-p"), args: fixed("inc-p")},
		{tx: "GetIncident", on: "an incident on the dataset, reported by the holding operator", allowed: grantReaders, about: about("incident", "inc-ds"), args: fixed("inc-ds")},
		{tx: "GetIncident", on: "an incident on the dataset, reported by its owner", allowed: only(asAuthority, asOwningProvider, asRegulator), about: about("incident", "inc-do"), args: fixed("inc-do")},
		{tx: "GetIncident", on: "an incident on the platform's attestor", allowed: only(asAuthority, asPlatform, asRegulator), about: about("incident", "inc-a"), args: fixed("inc-a")},
		{tx: "QueryIncidents", on: "incidents on the grant", allowed: grantReaders,
			args:  fixed(ledger.Query{By: "grant", Value: "grant-1", PageSize: 100}),
			shows: pageHasID("inc-1"), itemRead: itemsBy("GetIncident")},

		// Data requests (公共数据需求申请): amendments and sub-grant requests.
		{tx: "SubmitDataRequest", on: "an amendment of the holding operator's grant in force", allowed: only(asHoldingOperator), about: about("grant", "grant-1"),
			args: fixed(amendmentRequest("dr-9", "visits", "name")), event: "datarequest.submitted", readers: readersOfAmendment},
		{tx: "SubmitDataRequest", on: "a sub-grant of the holding operator's grant in force", allowed: only(asDeveloper), about: about("grant", "grant-1"),
			args: fixed(subGrantAsk("dr-9")), event: "datarequest.submitted", readers: readersOfSubGrantRequest},
		{tx: "ConsentDataRequest", on: "an amendment adding a field of the owning provider's dataset", allowed: only(asOwningProvider), about: about("datarequest", "dr-1"),
			args: fixed("dr-1"), event: "datarequest.consented", readers: readersOfAmendment},
		{tx: "ConsentDataRequest", on: "an amendment adding the other provider's dataset", allowed: only(asOtherProvider), about: about("datarequest", "dr-l"),
			args: fixed("dr-l"), event: "datarequest.consented", readers: "GetDataRequest · an amendment adding the other provider's dataset"},
		{tx: "RefuseDataRequest", on: "an amendment waiting for the owning provider's consent", allowed: only(asAuthority, asOwningProvider), about: about("datarequest", "dr-1"),
			args: fixed("dr-1", "not needed for the scenario"), event: "datarequest.refused", readers: readersOfAmendment},
		{tx: "ApproveDataRequest", on: "a consented amendment of the holding operator's grant", allowed: only(asAuthority), about: about("datarequest", "dr-c"),
			args: fixed("dr-c"), event: "datarequest.approved", readers: readersOfAmendment},
		{tx: "WithdrawDataRequest", on: "the holding operator's amendment", allowed: only(asHoldingOperator), about: about("datarequest", "dr-1"),
			args: fixed("dr-1", "asked for the wrong field"), event: "datarequest.withdrawn", readers: readersOfAmendment},
		{tx: "WithdrawDataRequest", on: "a developer's sub-grant request", allowed: only(asDeveloper), about: about("datarequest", "dr-s"),
			args: fixed("dr-s", ""), event: "datarequest.withdrawn", readers: readersOfSubGrantRequest},
		{tx: "DeclineDataRequest", on: "a developer's sub-grant request", allowed: only(asHoldingOperator), about: about("datarequest", "dr-s"),
			args: fixed("dr-s", "the scenario needs no sub-grant"), event: "datarequest.declined", readers: readersOfSubGrantRequest},
		{tx: "ProposeSubGrant", on: "a developer's sub-grant request", allowed: only(asHoldingOperator), about: about("grant", "grant-1"),
			args: fixed(requestedSubGrant("sub-9", "dr-s")), event: "grant.proposed", readers: readersOfSubGrant},
		{tx: "GetDataRequest", on: "an amendment adding a field of the owning provider's dataset", allowed: grantReaders, about: about("datarequest", "dr-1"), args: fixed("dr-1")},
		{tx: "GetDataRequest", on: "an amendment adding the other provider's dataset", allowed: grantReaders.and(asOtherProvider), about: about("datarequest", "dr-l"), args: fixed("dr-l")},
		{tx: "GetDataRequest", on: "a developer's sub-grant request", allowed: subGrantReaders, about: about("datarequest", "dr-s"), args: fixed("dr-s")},
		{tx: "QueryDataRequests", on: "data requests on the grant", allowed: grantReaders,
			args:  fixed(ledger.Query{By: "grant", Value: "grant-1", PageSize: 100}),
			shows: pageHasID("dr-1"), itemRead: itemsBy("GetDataRequest")},
		// Fees (平台使用费) and benefit sharing (收益分配).
		{tx: "SetFeeSchedule", on: "the holding operator's grant", allowed: only(asAuthority), about: about("grant", "grant-1"),
			args: fixed(feeScheduleRequest("grant-1", "2025-03")), event: "feeschedule.set", readers: readersOfFeeSchedule},
		{tx: "GetFeeSchedule", on: "the schedule of the holding operator's grant", allowed: feeReaders, about: about("feeschedule", "grant-1"), args: fixed("grant-1")},
		{tx: "RecordFeeStatement", on: "an ended month of the holding operator's grant", allowed: only(asAuthority, asPlatform), about: about("grant", "grant-1"),
			args:  fixed(ledger.FeeStatementRequest{ID: "fs-9", GrantID: "grant-1", Period: "2025-01"}),
			event: "feestatement.stated", readers: readersOfFeeStatement},
		{tx: "ConfirmFeePayment", on: "a stated statement of the holding operator's grant", allowed: only(asPlatform), about: about("feestatement", "fs-x"),
			args: fixed("fs-x", lt.Digest("transfer fs-x")), event: "feestatement.paid", readers: readersOfFeeStatement},
		{tx: "AcknowledgeFeeStatement", on: "a paid statement of the holding operator's grant", allowed: only(asHoldingOperator), about: about("feestatement", "fs-p"),
			args: fixed("fs-p"), event: "feestatement.acknowledged", readers: readersOfFeeStatement},
		{tx: "GetFeeStatement", on: "a statement of the holding operator's grant", allowed: feeReaders, about: about("feestatement", "fs-x"), args: fixed("fs-x")},
		{tx: "QueryFeeStatements", on: "statements of the holding operator's grant", allowed: feeReaders,
			args:  fixed(ledger.Query{By: "grant", Value: "grant-x", PageSize: 100}),
			shows: pageHasID("fs-x"), itemRead: itemsBy("GetFeeStatement")},
		{tx: "ProposeBenefitSplit", on: "the holding operator's product in review", allowed: only(asHoldingOperator), about: about("product", "prod-r"),
			args: fixed(splitRequest("prod-r")), event: "benefitsplit.proposed", readers: readersOfSplit},
		{tx: "AgreeBenefitSplit", on: "a proposed split of the holding operator's product", allowed: only(asOwningProvider, asHoldingOperator, asPlatform),
			about: about("benefitsplit", "prod-a"), args: fixed("prod-a"), event: "benefitsplit.agreement", readers: readersOfSplit},
		{tx: "GetBenefitSplit", on: "a proposed split of the holding operator's product", allowed: splitReaders, about: about("benefitsplit", "prod-a"), args: fixed("prod-a")},
		{tx: "RecordRevenue", on: "a listed product with an agreed split", allowed: only(asHoldingOperator), about: about("product", "prod-l"),
			args: fixed(revenueRequest("rev-9", "prod-l", "2025-02")), event: "revenue.recorded", readers: readersOfRevenue},
		{tx: "GetRevenue", on: "the revenue of a listed product", allowed: only(asAuthority, asHoldingOperator, asRegulator), about: about("revenue", "rev-1"), args: fixed("rev-1")},
		{tx: "GetBenefitShare", on: "the owning provider's share of a revenue", allowed: only(asAuthority, asOwningProvider, asRegulator),
			about: about("benefitshare", "rev-1.1"), args: fixed("rev-1.1")},
		{tx: "GetBenefitShare", on: "the platform's share of a revenue", allowed: only(asAuthority, asPlatform, asRegulator),
			about: about("benefitshare", "rev-1.2"), args: fixed("rev-1.2")},
		{tx: "QueryBenefitShares", on: "the shares of a listed product", allowed: splitReaders,
			args:  fixed(ledger.Query{By: "product", Value: "prod-l", PageSize: 100}),
			shows: pageNotEmpty, itemRead: itemsBy("GetBenefitShare")},

		{tx: "DisclosedOperators", on: "admitted operators", allowed: anyone, args: fixed(ledger.Query{PageSize: 100}),
			shows: pageHas("msp", func(*authzWorld) string { return lt.OperatorMSP })},
		{tx: "DisclosedGrants", on: "grants in force", allowed: anyone, args: fixed(ledger.Query{PageSize: 100}), shows: pageHasID("grant-1")},
		{tx: "DisclosedAgreements", on: "agreements in force", allowed: anyone, args: fixed(ledger.Query{PageSize: 100}), shows: pageHasID("agr-1")},
		{tx: "DisclosedProducts", on: "listed products", allowed: anyone, args: fixed(ledger.Query{PageSize: 100}), shows: pageHasID("prod-l")},
	}
	return append(append(rows, historyRows()...), noticeRows()...)
}

// requestedSubGrant proposes the sub-grant of grant-1 the developer's
// request asked for, naming the request.
func requestedSubGrant(id, request string) ledger.SubGrantRequest {
	s := subGrantRequest(id)
	s.RequestID = request
	return s
}

// opinionHistory reads an opinion as the caller: opinions have no get of
// their own, and their history is read by those who may read them.
func opinionHistory(id string) (string, []any) { return "GetHistory", []any{"opinion", id} }

// noticeRows are the rows of deadlines and notices (期限与提醒).
func noticeRows() []authzRow {
	registered := anyone &^ only(asUnregistered)
	within := fixed(ledger.NoticeQuery{WithinDays: 90})
	return []authzRow{
		{tx: "ExpireAgreement", on: "an agreement whose term has ended", allowed: operatorRecordReaders, about: about("agreement", "agr-x"),
			args: fixed("agr-x"), event: "agreement.expired", readers: readersOfAgreement},
		{tx: "RecordDeadlineNotice", on: "the open call, closing within 90 days", allowed: registered, about: about("call", "call-1"),
			args:  fixed(ledger.DeadlineNoticeRequest{Kind: ledger.NoticeCallClosing, ObjectID: "call-1", Threshold: 90}),
			event: "notice.call-closing", readers: readersOfCall},
		{tx: "QueryNotices", on: "a proposed grant waiting on the owning provider's approval", allowed: only(asOwningProvider), args: within,
			shows: hasNotice(ledger.NoticeApprovalWaiting, "grant-p")},
		{tx: "QueryNotices", on: "a grant whose term has ended, its expiry to record", allowed: grantReaders, args: within,
			shows: hasNotice(ledger.NoticeGrantExpired, "grant-x")},
		{tx: "QueryNotices", on: "the open call, closing within 90 days", allowed: only(asAuthority, asHoldingOperator, asOtherOperator), args: within,
			shows: hasNotice(ledger.NoticeCallClosing, "call-1")},
	}
}

// hasNotice shows whether a list of notices holds one of kind on id.
func hasNotice(kind ledger.NoticeKind, id string) func(*authzWorld, []byte) bool {
	return shows(func(l ledger.NoticeList) bool {
		return slices.ContainsFunc(l.Items, func(n ledger.Notice) bool { return n.Kind == kind && n.ObjectID == id })
	})
}

// pageNotEmpty shows whether a page ({items}) holds any item: a list of
// shares shows each party its own, and nobody else's (itemRead).
func pageNotEmpty(_ *authzWorld, payload []byte) bool {
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	return json.Unmarshal(payload, &page) == nil && len(page.Items) > 0
}
