package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// fakeNotices is deadlines and notices (NoticeLedger) at the process boundary.
type fakeNotices struct{ fake }

func (f fakeNotices) QueryNotices(ctx context.Context, q ledger.NoticeQuery) (*ledger.NoticeList, error) {
	return answer(f.fake, ctx, "QueryNotices", &ledger.NoticeList{Items: []ledger.Notice{}}, q)
}
func (f fakeNotices) RecordDeadlineNotice(ctx context.Context, req ledger.DeadlineNoticeRequest) (*ledger.DeadlineNotice, error) {
	return answer(f.fake, ctx, "RecordDeadlineNotice", &ledger.DeadlineNotice{ID: ledger.DeadlineNoticeID(req.Kind, req.ObjectID, req.Threshold)}, req)
}
func (f fakeNotices) ExpireAgreement(ctx context.Context, id string) (*ledger.Agreement, error) {
	return answer(f.fake, ctx, "ExpireAgreement", &ledger.Agreement{ID: id}, id)
}

// GET /v1/notices takes a window in days, checked before the ledger.
func TestNoticeWindowIsChecked(t *testing.T) {
	for _, tt := range []struct {
		query string
		want  int
		days  int
	}{
		{"", http.StatusOK, 0},
		{"?within=30d", http.StatusOK, 30},
		{"?within=400d", http.StatusOK, 400},
		{"?within=401d", http.StatusBadRequest, 0},
		{"?within=0d", http.StatusBadRequest, 0},
		{"?within=30", http.StatusBadRequest, 0},
		{"?within=1m", http.StatusBadRequest, 0},
		{"?within=30d&within=7d", http.StatusBadRequest, 0},
		{"?days=30", http.StatusBadRequest, 0},
	} {
		ts := newTestServer(t)
		rec := ts.do(t, request{method: http.MethodGet, path: "/v1/notices" + tt.query, user: "Admin"})
		if rec.Code != tt.want {
			t.Errorf("%q: got %d, want %d; body %s", tt.query, rec.Code, tt.want, rec.Body)
			continue
		}
		calls := ts.state.recorded()
		if tt.want != http.StatusOK {
			if len(calls) != 0 {
				t.Errorf("%q: reached the ledger: %v", tt.query, calls)
			}
			continue
		}
		if len(calls) != 1 || calls[0].Op != "QueryNotices" || calls[0].Args[0] != (ledger.NoticeQuery{WithinDays: tt.days}) {
			t.Errorf("%q: got %v, want QueryNotices of %d days", tt.query, calls, tt.days)
		}
	}
}
