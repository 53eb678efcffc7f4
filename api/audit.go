package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// The public disclosure (公开结果, GET /v1/disclosure/…) and a product's
// provenance (溯源, GET /v1/products/{id}/provenance) are plain reads,
// answered by answerList and answerByID over AuditLedger (routeTable).

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
// object. The contract returns the whole history at once; the API pages
// through it, the bookmark being the offset of the next page.
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
	from := 0
	if q.Bookmark != "" {
		n, err := strconv.Atoi(q.Bookmark)
		if err != nil || n < 0 {
			return &InputError{Field: "bookmark", Msg: "is not a bookmark of this list"}
		}
		from = n
	}
	entries, err := l.GetHistory(c.Request.Context(), h.kind, id)
	return h.reply(c, http.StatusOK, pageOf(entries, from, int(q.PageSize)), err)
}

// HistoryPage is one page of an object's history.
type HistoryPage struct {
	Items    []ledger.HistoryEntry `json:"items"`
	Bookmark string                `json:"bookmark"`
}

// pageOf cuts one page out of a whole history.
func pageOf(all []ledger.HistoryEntry, from, size int) HistoryPage {
	p := HistoryPage{Items: []ledger.HistoryEntry{}}
	if from >= len(all) {
		return p
	}
	end := min(from+size, len(all))
	p.Items = all[from:end]
	if end < len(all) {
		p.Bookmark = strconv.Itoa(end)
	}
	return p
}
