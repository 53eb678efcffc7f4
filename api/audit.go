package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// A product's provenance (溯源, GET /v1/products/{id}/provenance) is a
// plain read, answered by answerByID over AuditLedger (routeTable). The
// public disclosure (公开结果, GET /v1/disclosure/…), which needs no token,
// is in disclosure.go.

// historyKinds are the kinds of object whose history can be read: the
// object's path, its ID parameter and the kind GetHistory calls it.
var historyKinds = []struct{ path, param, kind string }{
	{"/v1/participants/:msp", "msp", "participant"},
	{"/v1/experts/:client", "client", "expert"},
	{"/v1/datasets/:id", "id", "dataset"},
	{"/v1/calls/:id", "id", "call"},
	{"/v1/applications/:id", "id", "application"},
	{"/v1/reviews/:id", "id", "review"},
	{"/v1/opinions/:id", "id", "opinion"},
	{"/v1/grants/:id", "id", "grant"},
	{"/v1/grants/:id/usage", "id", "usage"},
	{"/v1/agreements/:id", "id", "agreement"},
	{"/v1/attestors/:address", "address", "attestor"},
	{"/v1/receipts/:id", "id", "receipt"},
	{"/v1/batches/:id", "id", "batch"},
	{"/v1/products/:id", "id", "product"},
}

// historyOp names the history operation of a kind: "grant" → "GrantHistory".
func historyOp(kind string) string {
	return strings.ToUpper(kind[:1]) + kind[1:] + "History"
}

// history handles GET /v1/{collection}/{id}/history for one kind of
// object: one page of its history, newest first, as the contract pages it
// (QueryHistory); pageSize and bookmark are those of every list, the
// bookmark being the contract's.
type history struct {
	group[AuditLedger]
	kind string
	id   pathParam
}

// newHistory is the history of one kind of object, named in the path by
// param: an expert by its client identity, any other object by its ID.
func newHistory(g group[AuditLedger], kind, param string) history {
	id := objectID(param)
	if param == "client" {
		id = clientParam
	}
	return history{group: g, kind: kind, id: id}
}

func (h history) list(c *gin.Context) error {
	id, err := h.id(c)
	if err != nil {
		return err
	}
	l, q, err := h.listing(c)
	if err != nil {
		return err
	}
	page, err := l.QueryHistory(c.Request.Context(), ledger.HistoryQuery{ObjectType: h.kind, ID: id, PageSize: q.PageSize, Bookmark: q.Bookmark})
	return h.reply(c, http.StatusOK, page, err)
}

// HistoryPage is one page of an object's history.
type HistoryPage = ledger.HistoryPage
