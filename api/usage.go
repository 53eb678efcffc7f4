package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// usageParams are the query parameters of a usage statement
// (GET /v1/usage/statements), as the OpenAPI document describes them.
var usageParams = []queryParam{
	{Name: "by", Required: true, Enum: ledger.UsageBys,
		Description: "what the use is summed by: a dataset, a grant, an operator (a grant's holder) or a provider"},
	{Name: "period", Required: true, Enum: ledger.UsagePeriods,
		Description: "one row per day or per month of use (UTC)"},
	{Name: "from", Required: true, Pattern: `^\d{4}-\d{2}(-\d{2})?$`,
		Description: "the first day (YYYY-MM-DD), or for a monthly statement month (YYYY-MM), of the statement"},
	{Name: "to", Required: true, Pattern: `^\d{4}-\d{2}(-\d{2})?$`,
		Description: "the last day (YYYY-MM-DD), or for a monthly statement month (YYYY-MM), included; at most 366 days by day, 36 months by month"},
	{Name: "id", Pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`,
		Description: "the dataset ID, grant ID, operator MSP or provider MSP; omitted, every one (the authority and the regulator only, except with provider)"},
	{Name: "provider", Pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`,
		Description: "with by=grant or by=operator: count only the use of this provider's datasets; that provider reads it for every grant or operator (no id) or one"},
}

// usageQuery reads and checks the query string of a usage statement:
// each parameter once, none unknown, their values by the ledger's rules,
// so that a bad one is a 400 naming it before the ledger is called.
func usageQuery(q url.Values) (ledger.UsageStatementRequest, error) {
	var req ledger.UsageStatementRequest
	names := make([]string, 0, len(usageParams))
	for _, p := range usageParams {
		names = append(names, p.Name)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(names, k) {
			return req, &InputError{Field: k, Msg: "is not a query parameter of a usage statement (by, period, from, to, id, provider)"}
		}
		if len(q[k]) != 1 {
			return req, &InputError{Field: k, Msg: "must be given once"}
		}
	}
	req = ledger.UsageStatementRequest{By: q.Get("by"), Period: q.Get("period"), From: q.Get("from"), To: q.Get("to"), ID: q.Get("id"), Provider: q.Get("provider")}
	if _, err := ledger.CheckUsageStatement(req); err != nil {
		var re *ledger.RuleError
		if errors.As(err, &re) {
			return req, &InputError{Field: re.Field, Msg: re.Msg}
		}
		return req, err
	}
	return req, nil
}

// usage handles /v1/usage: usage statements (用数统计), who used whose
// data, read as the contract allows.
type usage struct{ group[UsageLedger] }

func (h usage) statement(c *gin.Context) error {
	req, err := usageQuery(c.Request.URL.Query())
	if err != nil {
		return err
	}
	l, err := h.ledger(c)
	if err != nil {
		return err
	}
	s, err := l.UsageStatement(c.Request.Context(), req)
	return h.reply(c, http.StatusOK, s, err)
}
