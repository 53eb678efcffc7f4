package api

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// maxNoticeDays is the longest window GET /v1/notices looks ahead.
var maxNoticeDays = int(ledger.MaxNoticeWindow.Hours() / 24)

// noticeParams are the query parameters of GET /v1/notices.
var noticeParams = []queryParam{
	{Name: "within", Pattern: `^[1-9][0-9]{0,2}d$`,
		Description: fmt.Sprintf("how far ahead to look, in days (e.g. 30d); default %dd, at most %dd. What waits on the caller (approvals, activations, signatures, expiries to record) shows whatever the window", ledger.DefaultNoticeDays, maxNoticeDays)},
}

var withinPattern = regexp.MustCompile(`^([1-9][0-9]{0,2})d$`)

// noticeQuery reads and checks the query string of GET /v1/notices.
func noticeQuery(q url.Values) (ledger.NoticeQuery, error) {
	for k := range q {
		if k != "within" {
			return ledger.NoticeQuery{}, &InputError{Field: k, Msg: "is not a query parameter of notices (within)"}
		}
	}
	vs := q["within"]
	switch len(vs) {
	case 0:
		return ledger.NoticeQuery{}, nil
	case 1:
	default:
		return ledger.NoticeQuery{}, &InputError{Field: "within", Msg: "must be given once"}
	}
	m := withinPattern.FindStringSubmatch(vs[0])
	if m == nil {
		return ledger.NoticeQuery{}, &InputError{Field: "within", Msg: fmt.Sprintf("%q is not a number of days such as 30d", vs[0])}
	}
	days, _ := strconv.Atoi(m[1]) // the pattern admits digits only
	if days > maxNoticeDays {
		return ledger.NoticeQuery{}, &InputError{Field: "within", Msg: fmt.Sprintf("%dd is more than the %dd notices look ahead", days, maxNoticeDays)}
	}
	return ledger.NoticeQuery{WithinDays: days}, nil
}

// notices handles /v1/notices: deadlines and notices (期限与提醒), what
// needs action by the caller and by when, as the contract answers at the
// transaction's time.
type notices struct{ group[NoticeLedger] }

func (h notices) list(c *gin.Context) error {
	q, err := noticeQuery(c.Request.URL.Query())
	if err != nil {
		return err
	}
	l, err := h.ledger(c)
	if err != nil {
		return err
	}
	ns, err := l.QueryNotices(c.Request.Context(), q)
	return h.reply(c, http.StatusOK, ns, err)
}

// noticeRoutes are the routes of deadlines and notices (期限与提醒), and
// the recording of an agreement's expiry.
func noticeRoutes(nt notices) []route {
	return []route{
		{Method: http.MethodGet, Path: "/v1/notices", Op: "QueryNotices", Tag: "notices", Status: http.StatusOK, Query: noticeParams,
			Response: ledger.NoticeList{}, Handler: nt.list, Errors: []error{client.ErrInvalid},
			Summary: "What needs action by the caller and by when: grants and agreements ending, renewal cut-offs, security reviews lapsing, calls closing, approvals and signatures waiting (期限与提醒)"},
		{Method: http.MethodPost, Path: "/v1/agreements/:id/expire", Op: "ExpireAgreement", Tag: "agreements", Status: http.StatusOK,
			Response: ledger.Agreement{}, Handler: answerByID(nt.group, idParam, NoticeLedger.ExpireAgreement),
			Summary: "Record that an agreement's term has ended (any party who may read it; refused before the end)"},
	}
}
