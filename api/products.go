package api

import (
	"net/http"

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

// products handles /v1/products: data products, their review and listing.
type products struct{ group[ProductLedger] }

func (h products) register(c *gin.Context) error {
	var req productRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	p, err := l.RegisterProduct(c.Request.Context(), productUpdateRequest{
		Type: req.Type, Name: req.Name, DescriptionDigest: req.DescriptionDigest, Grants: req.Grants, Receipts: req.Receipts,
	}.domain(req.ID))
	return h.created(c, "/v1/products/"+req.ID, p, err)
}

func (h products) update(c *gin.Context) error {
	var req productUpdateRequest
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	p, err := l.UpdateProduct(c.Request.Context(), req.domain(id))
	return h.reply(c, http.StatusOK, p, err)
}

func (h products) review(c *gin.Context) error {
	var req decisionRequest
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	p, err := l.DecideProduct(c.Request.Context(), ledger.ProductDecision{ID: id, Approve: *req.Approve, Reason: req.Reason})
	return h.reply(c, http.StatusOK, p, err)
}

func (h products) listOnExchange(c *gin.Context) error {
	var req listingRequest
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	p, err := l.ListProduct(c.Request.Context(), id, req.RegistrationNo)
	return h.reply(c, http.StatusOK, p, err)
}
