package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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

// listingConfirmation is the data exchange's confirmation of a listing,
// with the registration number it issues.
type listingConfirmation struct {
	RegistrationNo string `json:"registrationNo" binding:"required,max=64"`
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

// requestListing asks the data exchange to list the product. It takes no
// body: a registration number sent by the owner is refused, not dropped,
// for the exchange alone issues it (POST …/listing/confirm).
func (h products) requestListing(c *gin.Context) error {
	l, id, err := h.byID(c, idParam)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("%w: %w", errTooLarge, err)
		}
		return &InputError{Msg: "the request body could not be read"}
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		return &InputError{Msg: "this request takes no body: the owner asks for listing, and the data exchange issues the registration number when it confirms (POST /v1/products/{id}/listing/confirm)"}
	}
	p, err := l.RequestListing(c.Request.Context(), id)
	return h.reply(c, http.StatusOK, p, err)
}

func (h products) confirmListing(c *gin.Context) error {
	var req listingConfirmation
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	p, err := l.ConfirmListing(c.Request.Context(), id, req.RegistrationNo)
	return h.reply(c, http.StatusOK, p, err)
}
