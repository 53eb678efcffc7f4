package chaincode_test

import (
	"slices"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// QueryNotices answers at the transaction's time; RecordDeadlineNotice
// records a threshold once, when the transaction's time is within it, and
// its event reaches whoever reads the object; the list then shows it.
func TestDeadlineNotices(t *testing.T) {
	n := world(t)
	at := lt.GrantTo.Add(-40 * 24 * time.Hour)
	n.at(at)
	var l ledger.NoticeList
	n.get(&l, lt.HealthMSP, "QueryNotices", ledger.NoticeQuery{WithinDays: 30})
	if len(l.Items) != 0 || l.Now.Before(at) || l.Now.After(at.Add(time.Minute)) || l.Within != 30 {
		t.Errorf("40 days before the end, within 30 days: got %+v, want no notice at the transaction's time", l)
	}
	req := ledger.DeadlineNoticeRequest{Kind: ledger.NoticeGrantEnding, ObjectID: "grant-1", Threshold: 30}
	n.refused("refused: record deadline notice grant-ending.grant-1.30: too early", lt.HealthMSP, "RecordDeadlineNotice", req)
	n.refused("invalid: record deadline notice: threshold: 14 is not one of [90 30 7] days", lt.HealthMSP, "RecordDeadlineNotice",
		ledger.DeadlineNoticeRequest{Kind: ledger.NoticeGrantEnding, ObjectID: "grant-1", Threshold: 14})
	n.refused("not found: record deadline notice grant-ending.grant-1.90: grant grant-1 does not exist", lt.DeveloperMSP, "RecordDeadlineNotice",
		ledger.DeadlineNoticeRequest{Kind: ledger.NoticeGrantEnding, ObjectID: "grant-1", Threshold: 90})
	n.refused("invalid: query notices: withinDays: 401 is not between 1 and 400 days", lt.HealthMSP, "QueryNotices", ledger.NoticeQuery{WithinDays: 401})

	n.at(lt.GrantTo.Add(-29 * 24 * time.Hour))
	tx := n.call(lt.HealthMSP, "RecordDeadlineNotice", req)
	if !tx.OK() {
		t.Fatalf("record the 30-day notice: %s", tx.Message)
	}
	e := event(t, tx)
	if e.Type != "notice" || e.Change != string(ledger.NoticeGrantEnding) || e.Audience == nil ||
		!ledger.Readable(e.Audience, lt.Operator) || ledger.Readable(e.Audience, lt.Developer) {
		t.Errorf("got event %+v, want notice.grant-ending to the grant's readers", e)
	}
	n.refused("conflict: record deadline notice grant-ending.grant-1.30: the 30-day grant-ending notice of grant grant-1 is already recorded", lt.OperatorMSP, "RecordDeadlineNotice", req)

	n.get(&l, lt.OperatorMSP, "QueryNotices", ledger.NoticeQuery{})
	var got []string
	for _, it := range l.Items {
		got = append(got, string(it.Kind)+" "+it.ObjectID)
		if it.Kind == ledger.NoticeGrantEnding && !slices.Equal(it.Notified, []int{30}) {
			t.Errorf("grant-ending: got notified %v, want [30]", it.Notified)
		}
	}
	if want := []string{"agreement-ending agr-1", "grant-ending grant-1"}; !slices.Equal(got, want) {
		t.Errorf("the operator's notices: got %q, want %q", got, want)
	}
	n.get(&l, lt.DeveloperMSP, "QueryNotices", ledger.NoticeQuery{})
	if len(l.Items) != 0 {
		t.Errorf("the developer's notices: got %+v, want none", l.Items)
	}
}

// A scheduler whose clock runs ahead cannot expire early: the contract
// reads the transaction's time. At the end of the term the expiries are
// notices to record, and ExpireAgreement records one once.
func TestExpiriesFollowTheTransactionTime(t *testing.T) {
	n := world(t)
	n.refused("conflict: expire agreement agr-1: agreement agr-1 is in-force and its term runs to", lt.OperatorMSP, "ExpireAgreement", "agr-1")
	n.refused("conflict: expire grant grant-1: grant grant-1 is active and its term runs to", lt.OperatorMSP, "ExpireGrant", "grant-1")
	n.at(lt.GrantTo)
	var l ledger.NoticeList
	n.get(&l, lt.AuthorityMSP, "QueryNotices", ledger.NoticeQuery{WithinDays: 1})
	var got []string
	for _, it := range l.Items {
		got = append(got, string(it.Kind)+" "+it.ObjectID)
	}
	if want := []string{"agreement-expired agr-1", "grant-expired grant-1"}; !slices.Equal(got, want) {
		t.Errorf("at the end of the term: got %q, want %q", got, want)
	}
	n.refused("not found: expire agreement agr-1: agreement agr-1 does not exist", lt.HealthMSP, "ExpireAgreement", "agr-1")
	tx := n.call(lt.OperatorMSP, "ExpireAgreement", "agr-1")
	if !tx.OK() {
		t.Fatalf("expire agr-1: %s", tx.Message)
	}
	if e := event(t, tx); e.Type != "agreement" || e.Change != "expired" {
		t.Errorf("got event %s.%s, want agreement.expired", e.Type, e.Change)
	}
	n.ok(lt.HealthMSP, "ExpireGrant", "grant-1")
	n.get(&l, lt.AuthorityMSP, "QueryNotices", ledger.NoticeQuery{WithinDays: 1})
	if len(l.Items) != 0 {
		t.Errorf("after the expiries were recorded: got %+v, want none", l.Items)
	}
}
