package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// productRequest registers a product as a draft (POST /v1/products).
type productRequest struct {
	ID                string   `json:"id" binding:"required,objectid"`
	Type              string   `json:"type" binding:"required,oneof=dataset api report model"`
	Name              string   `json:"name" binding:"required,max=128"`
	DescriptionDigest string   `json:"descriptionDigest" binding:"required,digest"`
	Grants            []string `json:"grants" binding:"required,min=1,max=200,dive,objectid"`
	Receipts          []string `json:"receipts" binding:"required,min=1,max=200,dive,objectid"`
}

// productUpdateRequest replaces a draft product's description and lineage
// (PUT /v1/products/{id}).
type productUpdateRequest struct {
	Type              string   `json:"type" binding:"required,oneof=dataset api report model"`
	Name              string   `json:"name" binding:"required,max=128"`
	DescriptionDigest string   `json:"descriptionDigest" binding:"required,digest"`
	Grants            []string `json:"grants" binding:"required,min=1,max=200,dive,objectid"`
	Receipts          []string `json:"receipts" binding:"required,min=1,max=200,dive,objectid"`
}

func (r productUpdateRequest) domain(id string) ledger.ProductRequest {
	return ledger.ProductRequest{
		ID: id, Type: ledger.ProductType(r.Type), Name: r.Name, DescriptionDigest: r.DescriptionDigest,
		Grants: r.Grants, Receipts: r.Receipts,
	}
}

// decisionRequest is the authority's review decision on a product in review.
type decisionRequest struct {
	Approve *bool  `json:"approve" binding:"required"`
	Reason  string `json:"reason" binding:"max=2000"`
}

// listingRequest lists a product on the data exchange; an empty
// registrationNo keeps the one of an earlier listing.
type listingRequest struct {
	RegistrationNo string `json:"registrationNo" binding:"max=128"`
}

// products handles /v1/products: data products, their review, listing and
// provenance (溯源).
type products struct{ base }

func (h products) register(c *gin.Context) {
	var req productRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	p, err := l.RegisterProduct(c.Request.Context(), productUpdateRequest{
		Type: req.Type, Name: req.Name, DescriptionDigest: req.DescriptionDigest, Grants: req.Grants, Receipts: req.Receipts,
	}.domain(req.ID))
	h.created(c, "/v1/products/"+req.ID, p, err)
}

func (h products) update(c *gin.Context) {
	var req productUpdateRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	p, err := l.UpdateProduct(c.Request.Context(), req.domain(id))
	h.reply(c, http.StatusOK, p, err)
}

func (h products) submit(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	p, err := l.SubmitProduct(c.Request.Context(), id)
	h.reply(c, http.StatusOK, p, err)
}

func (h products) review(c *gin.Context) {
	var req decisionRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	p, err := l.DecideProduct(c.Request.Context(), ledger.ProductDecision{ID: id, Approve: *req.Approve, Reason: req.Reason})
	h.reply(c, http.StatusOK, p, err)
}

func (h products) listOnExchange(c *gin.Context) {
	var req listingRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	p, err := l.ListProduct(c.Request.Context(), id, req.RegistrationNo)
	h.reply(c, http.StatusOK, p, err)
}

func (h products) delist(c *gin.Context) {
	var req reasonRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	p, err := l.DelistProduct(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, p, err)
}

func (h products) get(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	p, err := l.GetProduct(c.Request.Context(), id)
	h.reply(c, http.StatusOK, p, err)
}

func (h products) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryProducts(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}

func (h products) provenance(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	p, err := l.GetProvenance(c.Request.Context(), id)
	h.reply(c, http.StatusOK, p, err)
}

// disclosure handles /v1/disclosure: the public disclosure (公开结果).
type disclosure struct{ base }

func (h disclosure) grants(c *gin.Context) {
	l, page, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.DisclosedGrants(c.Request.Context(), page)
	h.reply(c, http.StatusOK, p, err)
}

func (h disclosure) agreements(c *gin.Context) {
	l, page, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.DisclosedAgreements(c.Request.Context(), page)
	h.reply(c, http.StatusOK, p, err)
}

func (h disclosure) operators(c *gin.Context) {
	l, page, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.DisclosedOperators(c.Request.Context(), page)
	h.reply(c, http.StatusOK, p, err)
}

func (h disclosure) products(c *gin.Context) {
	l, page, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.DisclosedProducts(c.Request.Context(), page)
	h.reply(c, http.StatusOK, p, err)
}

// history handles GET /v1/{collection}/{id}/history for one kind of
// object. The contract returns the whole history at once; the API pages
// through it, the bookmark being the offset of the next page.
type history struct {
	base
	kind  string
	param string
}

func (h history) list(c *gin.Context) {
	var id string
	var ok bool
	if h.param == "client" {
		id, ok = clientParam(c) // an expert, by its client identity
	} else {
		id, ok = pathID(c, h.param)
	}
	if !ok {
		return
	}
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	from := 0
	if q.Bookmark != "" {
		n, err := strconv.Atoi(q.Bookmark)
		if err != nil || n < 0 {
			_ = c.Error(&InputError{Field: "bookmark", Msg: "is not a bookmark of this list"})
			return
		}
		from = n
	}
	entries, err := l.GetHistory(c.Request.Context(), h.kind, id)
	h.reply(c, http.StatusOK, pageOf(entries, from, int(q.PageSize)), err)
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
