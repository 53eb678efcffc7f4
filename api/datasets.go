package api

import (
	"net/http"

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

// datasets handles /v1/datasets: the public data resource catalogue.
type datasets struct{ group[DatasetLedger] }

func (h datasets) create(c *gin.Context) error {
	var req datasetRequest
	l, err := h.withBody(c, &req)
	if err != nil {
		return err
	}
	d, err := l.CreateDataset(c.Request.Context(), req.domain())
	return h.created(c, "/v1/datasets/"+req.ID, d, err)
}

func (h datasets) update(c *gin.Context) error {
	var req datasetUpdateRequest
	l, id, err := h.byIDWithBody(c, idParam, &req)
	if err != nil {
		return err
	}
	d, err := l.UpdateDataset(c.Request.Context(), req.domain(id))
	return h.reply(c, http.StatusOK, d, err)
}
