package ledger

import "time"

// Query selects a page of objects through one of their indexes: By names the
// index (empty for all objects of the type), Value the indexed value.
// Bookmark is the one returned with the previous page; an empty bookmark in
// a response means there are no more pages.
type Query struct {
	By       string `json:"by,omitempty"`
	Value    string `json:"value,omitempty"`
	PageSize int32  `json:"pageSize,omitempty"`
	Bookmark string `json:"bookmark,omitempty"`
}

// HistoryEntry is one version of an object, from the ledger's history.
type HistoryEntry struct {
	TxID    string    `json:"txId"`
	Time    time.Time `json:"time"`
	Deleted bool      `json:"deleted"`
	// Value is the object as that transaction wrote it.
	Value any `json:"value,omitempty" metadata:",optional"`
	// Record names the record a version belongs to when an object is kept
	// under more than one key: "grantstatus" for a grant's status record
	// (GrantControl); empty for the object's own record.
	Record string `json:"record,omitempty" metadata:",optional"`
}

// MaxHistoryPage is the most versions one page of history holds.
const MaxHistoryPage = 100

// HistoryQuery asks for one page of an object's history, newest first:
// ObjectType and ID name the object as GetHistory does, PageSize is 1–100
// (default 20), Bookmark the one the previous page returned.
type HistoryQuery struct {
	ObjectType string `json:"objectType"`
	ID         string `json:"id"`
	PageSize   int32  `json:"pageSize,omitempty"`
	Bookmark   string `json:"bookmark,omitempty"`
}

// HistoryPage is one page of an object's history, newest first.
type HistoryPage struct {
	Items    []HistoryEntry `json:"items"`
	Bookmark string         `json:"bookmark"`
}

// The contract's wire types: what transactions take and return besides
// the domain objects. Clients marshal and unmarshal these; the contract
// metadata names them too.

// Pages of query results. Items is never null; an empty Bookmark means
// there is no further page.

// ParticipantPage is a page of participants.
type ParticipantPage struct {
	Items    []Participant `json:"items"`
	Bookmark string        `json:"bookmark"`
}

// ExpertPage is a page of experts.
type ExpertPage struct {
	Items    []Expert `json:"items"`
	Bookmark string   `json:"bookmark"`
}

// DatasetPage is a page of datasets.
type DatasetPage struct {
	Items    []Dataset `json:"items"`
	Bookmark string    `json:"bookmark"`
}

// CallPage is a page of calls.
type CallPage struct {
	Items    []Call `json:"items"`
	Bookmark string `json:"bookmark"`
}

// ApplicationPage is a page of applications.
type ApplicationPage struct {
	Items    []Application `json:"items"`
	Bookmark string        `json:"bookmark"`
}

// ReviewPage is a page of reviews.
type ReviewPage struct {
	Items    []Review `json:"items"`
	Bookmark string   `json:"bookmark"`
}

// OpinionPage is a page of opinions.
type OpinionPage struct {
	Items    []Opinion `json:"items"`
	Bookmark string    `json:"bookmark"`
}

// GrantPage is a page of grants.
type GrantPage struct {
	Items    []Grant `json:"items"`
	Bookmark string  `json:"bookmark"`
}

// AgreementPage is a page of agreements.
type AgreementPage struct {
	Items    []Agreement `json:"items"`
	Bookmark string      `json:"bookmark"`
}

// AttestorPage is a page of attestors.
type AttestorPage struct {
	Items    []Attestor `json:"items"`
	Bookmark string     `json:"bookmark"`
}

// ReceiptPage is a page of receipts.
type ReceiptPage struct {
	Items    []Receipt `json:"items"`
	Bookmark string    `json:"bookmark"`
}

// ProductPage is a page of products.
type ProductPage struct {
	Items    []Product `json:"items"`
	Bookmark string    `json:"bookmark"`
}

// OperatorDisclosurePage is a page of disclosed operators.
type OperatorDisclosurePage struct {
	Items    []OperatorDisclosure `json:"items"`
	Bookmark string               `json:"bookmark"`
}

// GrantSummaryPage is a page of disclosed grants.
type GrantSummaryPage struct {
	Items    []GrantSummary `json:"items"`
	Bookmark string         `json:"bookmark"`
}

// AgreementSummaryPage is a page of disclosed agreements.
type AgreementSummaryPage struct {
	Items    []AgreementSummary `json:"items"`
	Bookmark string             `json:"bookmark"`
}

// ProductSummaryPage is a page of disclosed products.
type ProductSummaryPage struct {
	Items    []ProductSummary `json:"items"`
	Bookmark string           `json:"bookmark"`
}
