package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// peerLedger is the scheduler's ledger as one organisation on the real
// contract, on an in-memory peer whose clock is the transactions' time:
// the contract decides at the peer's time, whatever the scheduler's clock.
type peerLedger struct {
	t    *testing.T
	peer *chaincodetest.Peer
	msp  string
}

func invokeAs[T any](l peerLedger, fn string, args ...any) (*T, error) {
	strs := make([]string, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			strs[i] = s
			continue
		}
		raw, err := json.Marshal(a)
		if err != nil {
			l.t.Fatal(err)
		}
		strs[i] = string(raw)
	}
	tx := l.peer.Invoke(l.msp, fn, strs...)
	if !tx.OK() {
		// The contract's message starts with the kind of its refusal.
		for _, k := range []error{ledger.ErrNotFound, ledger.ErrForbidden, ledger.ErrConflict, ledger.ErrInvalid, ledger.ErrRefused} {
			if rest, ok := strings.CutPrefix(tx.Message, k.Error()+": "); ok {
				return nil, fmt.Errorf("%s: %w: %s", fn, k, rest)
			}
		}
		return nil, fmt.Errorf("%s: %s (commit %v)", fn, tx.Message, tx.CommitErr)
	}
	v := new(T)
	if len(tx.Payload) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(tx.Payload, v); err != nil {
		l.t.Fatalf("%s: decode %s: %v", fn, tx.Payload, err)
	}
	return v, nil
}

func (l peerLedger) QueryNotices(_ context.Context, q ledger.NoticeQuery) (*ledger.NoticeList, error) {
	return invokeAs[ledger.NoticeList](l, "QueryNotices", q)
}
func (l peerLedger) RecordDeadlineNotice(_ context.Context, req ledger.DeadlineNoticeRequest) (*ledger.DeadlineNotice, error) {
	return invokeAs[ledger.DeadlineNotice](l, "RecordDeadlineNotice", req)
}
func (l peerLedger) ExpireAgreement(_ context.Context, id string) (*ledger.Agreement, error) {
	return invokeAs[ledger.Agreement](l, "ExpireAgreement", id)
}
func (l peerLedger) ExpireGrant(_ context.Context, id string) (*ledger.Grant, error) {
	return invokeAs[ledger.Grant](l, "ExpireGrant", id)
}

// schedulerWorld runs the contract on an in-memory peer up to grant-1 in
// force under agreement agr-1, both ending at lt.GrantTo; the peer's clock
// is then 60 days before that end.
func schedulerWorld(t *testing.T) *chaincodetest.Peer {
	t.Helper()
	var peer *chaincodetest.Peer
	cc, err := chaincode.NewChaincode(chaincode.WithAuthority(lt.AuthorityMSP), chaincode.WithClock(func() time.Time { return peer.Now() }))
	if err != nil {
		t.Fatal(err)
	}
	peer = chaincodetest.New(cc, lt.T0)
	peer.DefineCollection(ledger.OperatorCollection(lt.OperatorMSP), lt.AuthorityMSP, lt.RegulatorMSP, lt.OperatorMSP)
	ok := func(msp, fn string, args ...any) {
		t.Helper()
		if _, err := invokeAs[json.RawMessage](peerLedger{t, peer, msp}, fn, args...); err != nil {
			t.Fatal(err)
		}
	}
	okPrivate := func(msp, fn string, request any, id string) {
		t.Helper()
		raw, _ := json.Marshal(request)
		if tx := peer.InvokeTransient(msp, map[string][]byte{"request": raw}, fn, id); !tx.OK() {
			t.Fatalf("%s: %s", fn, tx.Message)
		}
	}
	ok(lt.AuthorityMSP, "Bootstrap", lt.AuthorityMSP)
	for _, msp := range []string{lt.HealthMSP, lt.MarketMSP, lt.OperatorMSP, lt.RegulatorMSP} {
		ok(lt.AuthorityMSP, "RegisterParticipant", ledger.ParticipantRequest{MSP: msp, Role: lt.Roles[msp], Name: msp + " Org"})
	}
	ok(lt.AuthorityMSP, "SetOperatorStatus", ledger.OperatorStatusRequest{MSP: lt.OperatorMSP, Status: ledger.OperatorAdmitted})
	ok(lt.HealthMSP, "CreateDataset", lt.DatasetRequest("visits", "medical", "age", "diagnosis", "name"))
	ok(lt.MarketMSP, "CreateDataset", lt.DatasetRequest("loans", "finance", "amount", "term"))
	ok(lt.AuthorityMSP, "PublishCall", lt.CallRequest("call-1"))
	peer.SetTime(lt.Days(1))
	ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest("app-1", "call-1"))
	okPrivate(lt.OperatorMSP, "AttachApplicationDocuments", lt.ApplicationDocuments(), "app-1")
	peer.SetTime(lt.Days(2))
	for _, r := range []ledger.ReviewRequest{
		lt.ReviewRequest("rev-basic", ledger.ReviewBasicSecurity, lt.OperatorMSP, lt.Days(1)),
		lt.ReviewRequest("rev-tech", ledger.ReviewTechnicalSecurity, lt.OperatorMSP, lt.Days(1)),
		lt.ReviewRequest("rev-net", ledger.ReviewNetworkSecurity, "app-1", lt.Days(2)),
		lt.ReviewRequest("rev-scenario", ledger.ReviewScenario, "app-1", lt.Days(2)),
	} {
		ok(lt.AuthorityMSP, "RecordReview", r)
	}
	peer.SetTime(lt.Days(3))
	ok(lt.AuthorityMSP, "IssueGrant", lt.GrantRequest("grant-1", "app-1"))
	peer.SetTime(lt.Days(4))
	ok(lt.HealthMSP, "ApproveGrant", "grant-1")
	ok(lt.MarketMSP, "ApproveGrant", "grant-1")
	ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-1", "grant-1"))
	okPrivate(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-1"), "agr-1")
	ok(lt.AuthorityMSP, "SignAgreement", "agr-1")
	ok(lt.OperatorMSP, "SignAgreement", "agr-1")
	peer.SetTime(lt.GrantTo.Add(-60 * 24 * time.Hour))
	return peer
}

func newTestScheduler(t *testing.T, l SchedulerLedger, reg prometheus.Registerer, now func() time.Time) *Scheduler {
	t.Helper()
	s, err := NewScheduler(SchedulerOptions{
		Ledger:   func(context.Context) (SchedulerLedger, error) { return l, nil },
		Interval: time.Minute, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: reg, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A scheduler whose clock runs a year ahead submits the expiry of a grant
// and an agreement that end in 60 days: the contract refuses both, and the
// ledger is unchanged.
func TestSchedulerAheadIsRefused(t *testing.T) {
	peer := schedulerWorld(t)
	reg := prometheus.NewRegistry()
	s := newTestScheduler(t, peerLedger{t, peer, lt.OperatorMSP}, reg, func() time.Time { return peer.Now().AddDate(1, 0, 0) })
	before := peer.Snapshot()
	res, err := s.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res != (RoundResult{Refused: 2}) {
		t.Errorf("got %+v, want the two expiries refused", res)
	}
	if after := peer.Snapshot(); !maps.Equal(before, after) {
		t.Errorf("the refused round changed the ledger")
	}
	for _, tx := range []string{"ExpireGrant", "ExpireAgreement"} {
		if got := counted(t, reg, tx, scheduleRefused); got != 1 {
			t.Errorf("%s refused: got %v, want 1", tx, got)
		}
	}
	g, err := invokeAs[ledger.Grant](peerLedger{t, peer, lt.OperatorMSP}, "GetGrant", "grant-1")
	if err != nil {
		t.Fatal(err)
	}
	if g.Status != ledger.GrantActive {
		t.Errorf("grant-1 after the round: got %s, want active", g.Status)
	}
}

// A scheduler on time records the 90-day notices once, and the expiries
// when the term has ended, and then nothing more.
func TestSchedulerRecordsWhatIsDue(t *testing.T) {
	peer := schedulerWorld(t)
	health := newTestScheduler(t, peerLedger{t, peer, lt.HealthMSP}, nil, peer.Now)
	// Health reads the grant, not the agreement: its 90-day notice, once.
	for i, want := range []RoundResult{{Recorded: 1}, {}} {
		res, err := health.Round(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res != want {
			t.Errorf("health's round %d: got %+v, want %+v", i+1, res, want)
		}
	}
	operator := newTestScheduler(t, peerLedger{t, peer, lt.OperatorMSP}, nil, peer.Now)
	res, err := operator.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res != (RoundResult{Recorded: 1}) {
		t.Errorf("the operator's round: got %+v, want the agreement's 90-day notice recorded", res)
	}
	l, err := peerLedger{t, peer, lt.RegulatorMSP}.QueryNotices(context.Background(), ledger.NoticeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range l.Items {
		if len(n.Notified) != 1 || n.Notified[0] != 90 {
			t.Errorf("%s %s: got notified %v, want [90]", n.Kind, n.ObjectID, n.Notified)
		}
	}
	if len(l.Items) != 2 {
		t.Errorf("got %d notices, want the grant's and the agreement's end", len(l.Items))
	}

	peer.SetTime(lt.GrantTo.Add(time.Hour))
	if res, err = operator.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res != (RoundResult{Recorded: 2}) {
		t.Errorf("after the end: got %+v, want both expiries recorded", res)
	}
	if res, err = operator.Round(context.Background()); err != nil || res != (RoundResult{}) {
		t.Errorf("the round after: got %+v, %v, want nothing to do", res, err)
	}
}

// counted reads the scheduler's counter of tx and outcome from reg.
func counted(t *testing.T, reg *prometheus.Registry, tx, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "grantledger_api_scheduler_transactions_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["tx"] == tx && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// thresholdToRecord picks the smallest threshold reached, once.
func TestThresholdToRecord(t *testing.T) {
	now := lt.Days(100)
	for _, tt := range []struct {
		name     string
		left     time.Duration
		notified []int
		want     int
	}{
		{"100 days ahead: none reached", 100 * 24 * time.Hour, nil, 0},
		{"90 days ahead", 90 * 24 * time.Hour, nil, 90},
		{"60 days ahead, the 90-day one recorded", 60 * 24 * time.Hour, []int{90}, 0},
		{"20 days ahead, first seen", 20 * 24 * time.Hour, nil, 30},
		{"20 days ahead, the 90-day one recorded", 20 * 24 * time.Hour, []int{90}, 30},
		{"6 days ahead, the 30-day one recorded", 6 * 24 * time.Hour, []int{90, 30}, 7},
		{"6 days ahead, the 7-day one recorded", 6 * 24 * time.Hour, []int{7}, 0},
	} {
		got, ok := thresholdToRecord(ledger.Notice{Due: now.Add(tt.left), Notified: tt.notified}, now)
		if got != tt.want || ok != (tt.want != 0) {
			t.Errorf("%s: got %d (%v), want %d", tt.name, got, ok, tt.want)
		}
	}
}
