package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// fieldRequest is a column of a dataset.
type fieldRequest struct {
	Name        string `json:"name" binding:"required,objectid"`
	Sensitivity int    `json:"sensitivity" binding:"required,min=1,max=4"`
	Description string `json:"description" binding:"max=2000"`
}

// datasetRequest creates a catalogue entry (POST /v1/datasets).
type datasetRequest struct {
	ID               string         `json:"id" binding:"required,objectid"`
	Name             string         `json:"name" binding:"required,max=128"`
	Domain           string         `json:"domain" binding:"required"`
	Description      string         `json:"description" binding:"max=2000"`
	Fields           []fieldRequest `json:"fields" binding:"required,min=1,max=200,dive"`
	Classification   string         `json:"classification" binding:"required,oneof=general important core"`
	PersonalInfo     bool           `json:"personalInfo"`
	ProvinceReturned bool           `json:"provinceReturned"`
}

// datasetUpdateRequest replaces a catalogue entry (PUT /v1/datasets/{id}).
type datasetUpdateRequest struct {
	Name             string         `json:"name" binding:"required,max=128"`
	Domain           string         `json:"domain" binding:"required"`
	Description      string         `json:"description" binding:"max=2000"`
	Fields           []fieldRequest `json:"fields" binding:"required,min=1,max=200,dive"`
	Classification   string         `json:"classification" binding:"required,oneof=general important core"`
	PersonalInfo     bool           `json:"personalInfo"`
	ProvinceReturned bool           `json:"provinceReturned"`
}

func (r datasetUpdateRequest) domain(id string) ledger.DatasetRequest {
	fields := make([]ledger.Field, len(r.Fields))
	for i, f := range r.Fields {
		fields[i] = ledger.Field{Name: f.Name, Sensitivity: f.Sensitivity, Description: f.Description}
	}
	return ledger.DatasetRequest{
		ID: id, Name: r.Name, Domain: r.Domain, Description: r.Description, Fields: fields,
		Classification: ledger.Classification(r.Classification), PersonalInfo: r.PersonalInfo, ProvinceReturned: r.ProvinceReturned,
	}
}

func (r datasetRequest) domain() ledger.DatasetRequest {
	return datasetUpdateRequest{
		Name: r.Name, Domain: r.Domain, Description: r.Description, Fields: r.Fields,
		Classification: r.Classification, PersonalInfo: r.PersonalInfo, ProvinceReturned: r.ProvinceReturned,
	}.domain(r.ID)
}

// reasonRequest carries the reason a change needs.
type reasonRequest struct {
	Reason string `json:"reason" binding:"required,max=2000"`
}

// optionalReasonRequest carries the reason a change may give.
type optionalReasonRequest struct {
	Reason string `json:"reason" binding:"max=2000"`
}

// datasets handles /v1/datasets: the public data resource catalogue.
type datasets struct{ base }

func (h datasets) create(c *gin.Context) {
	var req datasetRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	d, err := l.CreateDataset(c.Request.Context(), req.domain())
	h.created(c, "/v1/datasets/"+req.ID, d, err)
}

func (h datasets) update(c *gin.Context) {
	var req datasetUpdateRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	d, err := l.UpdateDataset(c.Request.Context(), req.domain(id))
	h.reply(c, http.StatusOK, d, err)
}

func (h datasets) withdraw(c *gin.Context) {
	var req reasonRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	d, err := l.WithdrawDataset(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, d, err)
}

func (h datasets) relist(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	d, err := l.RelistDataset(c.Request.Context(), id)
	h.reply(c, http.StatusOK, d, err)
}

func (h datasets) get(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	d, err := l.GetDataset(c.Request.Context(), id)
	h.reply(c, http.StatusOK, d, err)
}

func (h datasets) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryDatasets(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}

// callRequest publishes a call for operators (POST /v1/calls).
type callRequest struct {
	ID         string    `json:"id" binding:"required,objectid"`
	Title      string    `json:"title" binding:"required,max=128"`
	Mode       string    `json:"mode" binding:"required,oneof=whole domain scenario"`
	Domains    []string  `json:"domains" binding:"max=200"`
	Datasets   []string  `json:"datasets" binding:"max=200,dive,objectid"`
	Conditions string    `json:"conditions" binding:"required,max=2000"`
	Criteria   string    `json:"criteria" binding:"required,max=2000"`
	Opens      time.Time `json:"opens" binding:"required"`
	Closes     time.Time `json:"closes" binding:"required"`
}

// calls handles /v1/calls: the authority's calls (通告).
type calls struct{ base }

func (h calls) publish(c *gin.Context) {
	var req callRequest
	l, ok := h.withBody(c, &req)
	if !ok {
		return
	}
	call, err := l.PublishCall(c.Request.Context(), ledger.CallRequest{
		ID: req.ID, Title: req.Title, Mode: ledger.Mode(req.Mode), Domains: req.Domains, Datasets: req.Datasets,
		Conditions: req.Conditions, Criteria: req.Criteria, Opens: req.Opens, Closes: req.Closes,
	})
	h.created(c, "/v1/calls/"+req.ID, call, err)
}

func (h calls) cancel(c *gin.Context) {
	var req reasonRequest
	l, id, ok := h.byIDWithBody(c, "id", &req)
	if !ok {
		return
	}
	call, err := l.CancelCall(c.Request.Context(), id, req.Reason)
	h.reply(c, http.StatusOK, call, err)
}

func (h calls) get(c *gin.Context) {
	l, id, ok := h.byID(c, "id")
	if !ok {
		return
	}
	call, err := l.GetCall(c.Request.Context(), id)
	h.reply(c, http.StatusOK, call, err)
}

func (h calls) list(c *gin.Context) {
	l, q, ok := h.listing(c)
	if !ok {
		return
	}
	p, err := l.QueryCalls(c.Request.Context(), q)
	h.reply(c, http.StatusOK, p, err)
}
