package ledger_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

const day = 24 * time.Hour

// noticeSubjects are the World's objects as QueryNotices reads them.
func noticeSubjects(w *lt.World) ledger.NoticeSubjects {
	return ledger.NoticeSubjects{Grants: []ledger.Grant{*w.Grant}, Agreements: w.Agreements(), Reviews: w.Reviews, Calls: []ledger.Call{*w.Call}}
}

// noticeKeys names each notice "kind object daysLeft", in order.
func noticeKeys(ns []ledger.Notice) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s %s %d", n.Kind, n.ObjectID, n.DaysLeft))
	}
	return out
}

// Each kind of notice reaches the callers who may read its object and
// have something to do about it, and no one else.
func TestNotices(t *testing.T) {
	w := lt.NewWorld(t)
	renewal := w.Grant.RenewalCutoff()
	reviewEnd := lt.Days(1).AddDate(ledger.SecurityReviewYears, 0, 0)
	for _, tt := range []struct {
		name   string
		at     time.Time
		within time.Duration
		// reviewsOnly leaves the grant and its agreement out, long ended.
		reviewsOnly bool
		want        map[string][]string // by caller MSP; callers not named get none
	}{
		{"the call closes in 10 days: operators and the authority", lt.CallCloses.Add(-10 * day), 30 * day, false, map[string][]string{
			lt.OperatorMSP: {"call-closing call-1 10"}, lt.AuthorityMSP: {"call-closing call-1 10"},
		}},
		{"the call closes beyond the window", lt.CallCloses.Add(-40 * day), 30 * day, false, nil},
		{"the renewal cut-off in 5 days: the holder and who reads all", renewal.Add(-5 * day), 7 * day, false, map[string][]string{
			lt.OperatorMSP: {"renewal-cutoff grant-1 5"}, lt.AuthorityMSP: {"renewal-cutoff grant-1 5"}, lt.RegulatorMSP: {"renewal-cutoff grant-1 5"},
		}},
		{"the grant and its agreement end in 20 days, the cut-off passed", lt.GrantTo.Add(-20 * day), 30 * day, false, map[string][]string{
			lt.OperatorMSP:  {"agreement-ending agr-1 20", "grant-ending grant-1 20"},
			lt.AuthorityMSP: {"agreement-ending agr-1 20", "grant-ending grant-1 20"},
			lt.RegulatorMSP: {"agreement-ending agr-1 20", "grant-ending grant-1 20"},
			lt.HealthMSP:    {"grant-ending grant-1 20"}, lt.MarketMSP: {"grant-ending grant-1 20"},
		}},
		{"half a day left counts no whole day", lt.GrantTo.Add(-12 * time.Hour), day, false, map[string][]string{
			lt.OperatorMSP: {"agreement-ending agr-1 0", "grant-ending grant-1 0"},
			lt.HealthMSP:   {"grant-ending grant-1 0"}, lt.MarketMSP: {"grant-ending grant-1 0"},
			lt.AuthorityMSP: {"agreement-ending agr-1 0", "grant-ending grant-1 0"}, lt.RegulatorMSP: {"agreement-ending agr-1 0", "grant-ending grant-1 0"},
		}},
		{"the term ended, expiries not recorded: whatever the window", lt.GrantTo.Add(3 * day), day, false, map[string][]string{
			lt.OperatorMSP:  {"agreement-expired agr-1 -3", "grant-expired grant-1 -3"},
			lt.AuthorityMSP: {"agreement-expired agr-1 -3", "grant-expired grant-1 -3"},
			lt.RegulatorMSP: {"agreement-expired agr-1 -3", "grant-expired grant-1 -3"},
			lt.HealthMSP:    {"grant-expired grant-1 -3"}, lt.MarketMSP: {"grant-expired grant-1 -3"},
		}},
		{"the security reviews lapse in 6 days", reviewEnd.Add(-6 * day), 7 * day, true, map[string][]string{
			lt.OperatorMSP:  {"review-expiring rev-basic 6", "review-expiring rev-tech 6"},
			lt.AuthorityMSP: {"review-expiring rev-basic 6", "review-expiring rev-tech 6"},
			lt.RegulatorMSP: {"review-expiring rev-basic 6", "review-expiring rev-tech 6"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for msp := range lt.Roles {
				for _, c := range []ledger.Actor{lt.Actor(msp), lt.Stranger} {
					in := noticeSubjects(w)
					if tt.reviewsOnly {
						in.Grants, in.Agreements = nil, nil
					}
					got := noticeKeys(ledger.Notices(c, in, tt.at, tt.within))
					want := tt.want[c.MSP]
					if want == nil {
						want = []string{}
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s: got %q, want %q", c.MSP, got, want)
					}
				}
			}
		})
	}
}

// What waits on a caller shows whatever the window, to that caller alone.
func TestNoticesWaitingOnTheCaller(t *testing.T) {
	w := lt.NewWorld(t)
	proposed := *w.Grant
	proposed.ID, proposed.Status = "grant-p", ledger.GrantProposed
	proposed.Approvals = []ledger.Approval{{Provider: lt.HealthMSP, Decision: ledger.DecisionPending}, {Provider: lt.MarketMSP, Decision: ledger.DecisionApproved}}
	sub := *w.Grant
	sub.ID, sub.ParentID, sub.ParentHolder, sub.Holder, sub.Status, sub.Approvals = "sub-1", "grant-1", lt.OperatorMSP, lt.DeveloperMSP, ledger.GrantProposed, nil
	unsigned := *w.Agreement
	unsigned.ID, unsigned.Status, unsigned.OperatorSigned, unsigned.InForceFrom = "agr-2", ledger.AgreementProposed, ledger.Stamp{}, time.Time{}
	in := ledger.NoticeSubjects{Grants: []ledger.Grant{proposed, sub}, Agreements: []ledger.Agreement{unsigned}}
	want := map[string][]string{
		lt.HealthMSP:    {"approval-waiting grant-p 359"},
		lt.AuthorityMSP: {"activation-waiting sub-1 359"},
		lt.OperatorMSP:  {"signature-waiting agr-2 359"},
	}
	for msp := range lt.Roles {
		got := noticeKeys(ledger.Notices(lt.Actor(msp), in, lt.Days(11), day))
		if !slices.Equal(got, want[msp]) {
			t.Errorf("%s: got %q, want %q", msp, got, want[msp])
		}
	}
}

// A recorded expiry is no longer to record; a revoked grant has no deadline.
func TestNoticesLeaveOutWhatIsDone(t *testing.T) {
	w := lt.NewWorld(t)
	after := lt.GrantTo.Add(day)
	if err := w.Grant.Expire(lt.Health, lt.Stamp(lt.Health, after)); err != nil {
		t.Fatal(err)
	}
	if err := w.Agreement.Expire(lt.Operator, lt.Stamp(lt.Operator, after)); err != nil {
		t.Fatal(err)
	}
	if got := ledger.Notices(lt.Authority, noticeSubjects(w), after, 30*day); len(got) != 0 {
		t.Errorf("after the expiries were recorded: got %q, want none", noticeKeys(got))
	}
	w = lt.NewWorld(t)
	before := lt.GrantTo.Add(-day)
	if err := w.Grant.Revoke(lt.Authority, "breach", lt.Stamp(lt.Authority, before.Add(-day))); err != nil {
		t.Fatal(err)
	}
	got := noticeKeys(ledger.Notices(lt.Health, noticeSubjects(w), before, 30*day))
	if len(got) != 0 {
		t.Errorf("a revoked grant: got %q, want none", got)
	}
}

// A later security review supersedes an earlier one: only its own
// validity has a deadline.
func TestNoticesOfASupersededReview(t *testing.T) {
	w := lt.NewWorld(t)
	renewed, _, err := ledger.RecordReview(lt.Authority, lt.ReviewRequest("rev-basic-2", ledger.ReviewBasicSecurity, lt.OperatorMSP, lt.Days(700)),
		ledger.ReviewInputs{Operator: w.Participants[lt.OperatorMSP]}, lt.Stamp(lt.Authority, lt.Days(700)))
	if err != nil {
		t.Fatal(err)
	}
	in := ledger.NoticeSubjects{Reviews: append(w.Reviews, *renewed)}
	at := lt.Days(1).AddDate(ledger.SecurityReviewYears, 0, 0).Add(-day)
	got := noticeKeys(ledger.Notices(lt.Operator, in, at, 7*day))
	if want := []string{"review-expiring rev-tech 1"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// RecordDeadlineNotice: the transaction's time decides, each threshold is
// recorded once, and only by a registered participant who may read the
// object.
func TestRecordDeadlineNotice(t *testing.T) {
	w := lt.NewWorld(t)
	in := noticeSubjects(w)
	ending := func(threshold int) ledger.DeadlineNoticeRequest {
		return ledger.DeadlineNoticeRequest{Kind: ledger.NoticeGrantEnding, ObjectID: "grant-1", Threshold: threshold}
	}
	recorded := &ledger.DeadlineNotice{ID: ledger.DeadlineNoticeID(ledger.NoticeGrantEnding, "grant-1", 30), Recorded: lt.Stamp(lt.Health, lt.Days(300))}
	for _, tt := range []struct {
		name     string
		c        ledger.Actor
		req      ledger.DeadlineNoticeRequest
		existing *ledger.DeadlineNotice
		at       time.Time
		want     error
		text     string
	}{
		{"30 days before the end", lt.Health, ending(30), nil, lt.GrantTo.Add(-30 * day), nil, ""},
		{"a day too early", lt.Health, ending(30), nil, lt.GrantTo.Add(-31 * day), ledger.ErrRefused, "too early"},
		{"already recorded", lt.Operator, ending(30), recorded, lt.GrantTo.Add(-20 * day), ledger.ErrConflict, "already recorded"},
		{"after the end", lt.Health, ending(7), nil, lt.GrantTo, ledger.ErrRefused, "passed"},
		{"an unknown threshold", lt.Health, ending(14), nil, lt.GrantTo.Add(-10 * day), ledger.ErrInvalid, "threshold"},
		{"an unknown kind", lt.Health, ledger.DeadlineNoticeRequest{Kind: "grant-approval", ObjectID: "grant-1", Threshold: 7}, nil, lt.GrantTo.Add(-day), ledger.ErrInvalid, "kind"},
		{"a caller who may not read the grant", lt.Platform, ending(7), nil, lt.GrantTo.Add(-day), ledger.ErrNotFound, "grant grant-1 does not exist"},
		{"an unregistered caller", lt.Stranger, ending(7), nil, lt.GrantTo.Add(-day), ledger.ErrNotFound, "grant grant-1 does not exist"},
		{"a grant that does not exist", lt.Health, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeGrantEnding, ObjectID: "grant-9", Threshold: 7}, nil, lt.GrantTo.Add(-day), ledger.ErrNotFound, "grant grant-9"},
		{"the renewal cut-off, 90 days before", lt.Operator, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeRenewalCutoff, ObjectID: "grant-1", Threshold: 90}, nil, w.Grant.RenewalCutoff().Add(-90 * day), nil, ""},
		{"the renewal cut-off passed", lt.Operator, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeRenewalCutoff, ObjectID: "grant-1", Threshold: 7}, nil, w.Grant.RenewalCutoff(), ledger.ErrRefused, "passed"},
		{"the call closing, by any registered participant", lt.Developer, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeCallClosing, ObjectID: "call-1", Threshold: 90}, nil, lt.Days(1), nil, ""},
		{"the call closing, unregistered", lt.Stranger, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeCallClosing, ObjectID: "call-1", Threshold: 90}, nil, lt.Days(1), ledger.ErrForbidden, "not a registered participant"},
		{"the agreement ending", lt.Operator, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeAgreementEnding, ObjectID: "agr-1", Threshold: 7}, nil, lt.GrantTo.Add(-day), nil, ""},
		{"the review lapsing", lt.Operator, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeReviewExpiring, ObjectID: "rev-basic", Threshold: 90}, nil, lt.Days(1).AddDate(2, 0, -80), nil, ""},
		{"a review of an application has no validity", lt.Authority, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeReviewExpiring, ObjectID: "rev-net", Threshold: 90}, nil, lt.Days(30), ledger.ErrConflict, "no review-expiring deadline"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ledger.RecordDeadlineNotice(tt.c, tt.req, in, tt.existing, lt.Stamp(tt.c, tt.at))
			wantErr(t, err, tt.want)
			if err != nil {
				if !strings.Contains(err.Error(), tt.text) {
					t.Errorf("got %q, want it to say %q", err, tt.text)
				}
				return
			}
			if n.ID != ledger.DeadlineNoticeID(tt.req.Kind, tt.req.ObjectID, tt.req.Threshold) || n.Threshold != tt.req.Threshold || n.Due.IsZero() {
				t.Errorf("got %+v, want the %d-day notice of %s", n, tt.req.Threshold, tt.req.ObjectID)
			}
		})
	}
}

// A revoked grant has no deadline left to give notice of.
func TestRecordDeadlineNoticeOfARevokedGrant(t *testing.T) {
	w := lt.NewWorld(t)
	if err := w.Grant.Revoke(lt.Authority, "breach", lt.Stamp(lt.Authority, lt.Days(300))); err != nil {
		t.Fatal(err)
	}
	_, err := ledger.RecordDeadlineNotice(lt.Operator, ledger.DeadlineNoticeRequest{Kind: ledger.NoticeGrantEnding, ObjectID: "grant-1", Threshold: 90},
		noticeSubjects(w), nil, lt.Stamp(lt.Operator, lt.GrantTo.Add(-day)))
	wantErr(t, err, ledger.ErrConflict)
}

// Agreement.Expire records an ended term once; the agreement still bound
// its parties during its term.
func TestExpireAgreement(t *testing.T) {
	w := lt.NewWorld(t)
	a := w.Agreement
	wantErr(t, a.Expire(lt.Operator, lt.Stamp(lt.Operator, lt.GrantTo.Add(-time.Second))), ledger.ErrConflict)
	wantErr(t, a.Expire(lt.Health, lt.Stamp(lt.Health, lt.GrantTo)), ledger.ErrNotFound)
	wantErr(t, a.Expire(lt.Stranger, lt.Stamp(lt.Stranger, lt.GrantTo)), ledger.ErrNotFound)
	wantErr(t, a.Expire(lt.Regulator, lt.Stamp(lt.Regulator, lt.GrantTo)), nil)
	if a.Status != ledger.AgreementExpired {
		t.Fatalf("got %s, want %s", a.Status, ledger.AgreementExpired)
	}
	wantErr(t, a.Expire(lt.Operator, lt.Stamp(lt.Operator, lt.GrantTo.Add(day))), ledger.ErrConflict)
	if !a.InForceAt(lt.UseTime) {
		t.Errorf("after its expiry was recorded, the agreement no longer shows in force at %s, during its term", lt.UseTime)
	}
	if a.InForceAt(lt.GrantTo) {
		t.Errorf("the agreement shows in force at the end of its term")
	}
}
