//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestNotices runs deadlines and notices (期限与提醒) through the APIs on a
// grant of its own over health's visits whose term ends a few minutes
// after it is issued: the approval waiting on health is in health's
// notices alone; once active, the grant's end is in its holder's and its
// provider's notices and not in market's, the platform's or the
// developer's; an early expiry is refused; the authority's scheduler records
// the 7-day notice, and the expiries once the term has ended; the grant
// lists as expired.
func TestNotices(t *testing.T) {
	r := &noticesRun{apiProcess: newAPIProcess(t, "ntc")}
	if !t.Run("setup", r.setUp) {
		t.FailNow()
	}
	for _, c := range []phase{
		{"an approval waits on its provider", r.approvalWaits},
		{"the grant's end reaches its parties only", r.grantEnds},
		{"an early expiry is refused", r.earlyExpiry},
		{"the scheduler records the 7-day notice", r.thresholdNotice},
		{"the scheduler records the expiries", r.expiries},
	} {
		if !t.Run(c.name, c.run) {
			t.FailNow()
		}
	}
}

// noticesRun is the run of TestNotices.
type noticesRun struct {
	*apiProcess
	// ends is the end of the run's grant's (and agreement's) term.
	ends time.Time
}

// noticeTerm is how long after its issue the run's grant ends: long
// enough for the steps before the end, short enough to wait for.
const noticeTerm = 4 * time.Minute

// setUp has the operator apply for health's visits and the authority
// issue the run's grant, ending noticeTerm from now.
func (r *noticesRun) setUp(t *testing.T) {
	r.parties(t)
	r.catalogue(t, r.visits)
	r.apply(t, r.visits)
	r.grant = r.id("grant")
	r.ends = time.Now().UTC().Add(noticeTerm).Truncate(time.Second)
	var g ledger.Grant
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/grants", body: obj{
		"id": r.grant, "applicationId": r.app, "scope": r.scope(r.visits),
		"quota": obj{"records": 10, "calls": 2}, "term": obj{"validFrom": r.t0.Add(-time.Minute), "validTo": r.ends},
	}}, http.StatusCreated, "grant.issued", &g)
	if g.Status != ledger.GrantProposed {
		t.Fatalf("issued grant: got %s, want %s", g.Status, ledger.GrantProposed)
	}
}

// notices reads org's notices within days.
func (r *noticesRun) notices(t *testing.T, o *apiOrg, within string) ledger.NoticeList {
	t.Helper()
	var l ledger.NoticeList
	r.get(t, o, "/v1/notices?within="+within, &l)
	return l
}

// noticeOn returns org's notice of kind on id, if any.
func (r *noticesRun) noticeOn(t *testing.T, o *apiOrg, kind ledger.NoticeKind, id string) (ledger.Notice, bool) {
	t.Helper()
	l := r.notices(t, o, "30d")
	i := slices.IndexFunc(l.Items, func(n ledger.Notice) bool { return n.Kind == kind && n.ObjectID == id })
	if i < 0 {
		return ledger.Notice{}, false
	}
	return l.Items[i], true
}

// approvalWaits: health's approval of the proposed grant is in health's
// notices, due when the term ends, and in no one else's; health approves.
func (r *noticesRun) approvalWaits(t *testing.T) {
	n, ok := r.noticeOn(t, r.health, ledger.NoticeApprovalWaiting, r.grant)
	if !ok || !n.Due.Equal(r.ends) || n.ObjectType != "grant" {
		t.Errorf("health's approval-waiting notice on %s: got %+v (%v), want one due %s", r.grant, n, ok, r.ends)
	}
	for _, o := range []*apiOrg{r.market, r.operator, r.authority} {
		if _, ok := r.noticeOn(t, o, ledger.NoticeApprovalWaiting, r.grant); ok {
			t.Errorf("%s has health's approval of %s in its notices", o.msp, r.grant)
		}
	}
	wantAPIError(t, r.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/notices?within=401d"}), http.StatusBadRequest, "invalid", "within", "400d")
	r.approve(t, r.health, "grant.activated", ledger.GrantActive)
	if _, ok := r.noticeOn(t, r.health, ledger.NoticeApprovalWaiting, r.grant); ok {
		t.Errorf("health's notices still show its approval of %s after it approved", r.grant)
	}
}

// grantEnds: the grant's end, a few minutes away, is in the notices of
// its holder, its provider, the authority and the regulator, with its due
// time, and not in those of market (a provider of no data in scope), the
// platform or the developer. A proposed agreement waits on both parties'
// signatures.
func (r *noticesRun) grantEnds(t *testing.T) {
	for _, o := range []*apiOrg{r.operator, r.health, r.authority, r.regulator} {
		n, ok := r.noticeOn(t, o, ledger.NoticeGrantEnding, r.grant)
		if !ok || !n.Due.Equal(r.ends) || n.DaysLeft != 0 {
			t.Errorf("%s's grant-ending notice on %s: got %+v (%v), want one due %s, 0 days left", o.msp, r.grant, n, ok, r.ends)
		}
	}
	others := []*apiOrg{r.market, r.platform}
	if r.developer != nil {
		others = append(others, r.developer)
	}
	for _, o := range others {
		l := r.notices(t, o, "400d")
		if slices.ContainsFunc(l.Items, func(n ledger.Notice) bool { return n.ObjectID == r.grant }) {
			t.Errorf("%s's notices name %s: %+v", o.msp, r.grant, l.Items)
		}
	}
	r.agreement = r.id("agr")
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/agreements", body: obj{
		"id": r.agreement, "grantId": r.grant, "textDigest": lt.Digest("agreement " + r.agreement),
		"term": obj{"validFrom": r.t0.Add(-time.Minute), "validTo": r.ends},
	}}, http.StatusCreated, "agreement.proposed", nil)
	for _, o := range []*apiOrg{r.operator, r.authority} {
		if n, ok := r.noticeOn(t, o, ledger.NoticeSignatureWaiting, r.agreement); !ok || !n.Due.Equal(r.ends) {
			t.Errorf("%s's signature-waiting notice on %s: got %+v (%v), want one due %s", o.msp, r.agreement, n, ok, r.ends)
		}
	}
	if _, ok := r.noticeOn(t, r.health, ledger.NoticeSignatureWaiting, r.agreement); ok {
		t.Errorf("health has the agreement %s to sign in its notices", r.agreement)
	}
}

// earlyExpiry: before the end, the contract refuses to record the expiry,
// by the transaction's time.
func (r *noticesRun) earlyExpiry(t *testing.T) {
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + r.grant + "/expire"}),
		http.StatusConflict, "conflict", "", "its term runs to")
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/agreements/" + r.agreement + "/expire"}),
		http.StatusConflict, "conflict", "", "its term runs to")
}

// thresholdNotice: within a scheduler round or two, the grant's 7-day
// notice is recorded, and its notice says so.
func (r *noticesRun) thresholdNotice(t *testing.T) {
	deadline := time.Now().Add(150 * time.Second)
	for {
		n, ok := r.noticeOn(t, r.operator, ledger.NoticeGrantEnding, r.grant)
		if ok && slices.Contains(n.Notified, 7) {
			if slices.Contains(n.Notified, 30) || slices.Contains(n.Notified, 90) {
				t.Errorf("notified %v: want the 7-day notice alone (the larger thresholds were never the smallest reached)", n.Notified)
			}
			return
		}
		if !ok || time.Now().After(deadline) || !time.Now().Before(r.ends) {
			t.Fatalf("grant-ending notice on %s: got %+v (%v) at %s, want its 7-day notice recorded by the scheduler", r.grant, n, ok, time.Now().UTC().Format(time.RFC3339))
		}
		time.Sleep(5 * time.Second)
	}
}

// expiries: once the term has ended the grant lists as expired at once,
// and within a scheduler round or two its expiry, and the agreement's, is
// recorded.
func (r *noticesRun) expiries(t *testing.T) {
	time.Sleep(time.Until(r.ends.Add(time.Second)))
	listed := apiFind(t, r.operator, "/v1/grants?holder="+r.operator.msp, func(g ledger.Grant) bool { return g.ID == r.grant })
	if listed.Status != ledger.GrantExpired {
		t.Errorf("listed after its end: got %s, want %s", listed.Status, ledger.GrantExpired)
	}
	apiFind(t, r.regulator, "/v1/grants?status=expired", func(g ledger.Grant) bool { return g.ID == r.grant })
	apiFind(t, r.regulator, "/v1/agreements?status=expired", func(a ledger.Agreement) bool { return a.ID == r.agreement })
	// An expiry to record is a notice until it is recorded.
	deadline := time.Now().Add(150 * time.Second)
	for {
		var g ledger.Grant
		r.get(t, r.operator, "/v1/grants/"+r.grant, &g)
		recorded := slices.ContainsFunc(g.History, func(h ledger.StatusChange) bool { return h.Status == ledger.GrantExpired && h.Control })
		_, grantToRecord := r.noticeOn(t, r.operator, ledger.NoticeGrantExpired, r.grant)
		_, agreementToRecord := r.noticeOn(t, r.operator, ledger.NoticeAgreementExpired, r.agreement)
		if recorded && !grantToRecord && !agreementToRecord {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: grant history %s, expiries to record: grant %v, agreement %v; want both recorded by the scheduler",
				time.Now().UTC().Format(time.RFC3339), fmt.Sprint(g.History), grantToRecord, agreementToRecord)
		}
		time.Sleep(5 * time.Second)
	}
}
