package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grantledger/grantledger/ledger"
)

// memJournal is a Journal in memory that logs what it is asked, and
// whether the gateway had been sent anything when a transaction was
// recorded.
type memJournal struct {
	mu   sync.Mutex
	sent map[int]SentTransaction
	log  []string
	// submitsAtRecord counts the submits the gateway had received when
	// each transaction was recorded.
	submitsAtRecord []int
	gw              *fakeGateway
	failRecord      error
}

func newMemJournal(gw *fakeGateway) *memJournal {
	return &memJournal{sent: map[int]SentTransaction{}, gw: gw}
}

func (j *memJournal) Sent(n int) (SentTransaction, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	tx, ok := j.sent[n]
	return tx, ok
}

func (j *memJournal) Record(n int, tx SentTransaction) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failRecord != nil {
		return j.failRecord
	}
	j.sent[n] = tx
	j.log = append(j.log, "record "+tx.Name)
	j.submitsAtRecord = append(j.submitsAtRecord, len(j.gw.stages("submit")))
	return nil
}

func (j *memJournal) Forget(n int) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.log = append(j.log, "forget "+j.sent[n].Name)
	delete(j.sent, n)
	return nil
}

// datasetResult makes the fake gateway endorse every proposal with a
// dataset named after its transaction ID, so that an answer tells which
// transaction produced it.
func datasetResult(_ int, c call) ([]byte, error) {
	return []byte(`{"id":"ds-` + c.TxID[:8] + `"}`), nil
}

func TestJournalRecordsBeforeSending(t *testing.T) {
	gw := &fakeGateway{endorse: datasetResult}
	fc := newFakeClient(t, gw)
	j := newMemJournal(gw)
	ctx := WithJournal(context.Background(), j)
	first, err := fc.CreateDataset(ctx, ledger.DatasetRequest{ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := fc.UpdateDataset(ctx, ledger.DatasetRequest{ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := j.log, []string{"record CreateDataset", "record UpdateDataset"}; !slices.Equal(got, want) {
		t.Fatalf("journal: got %v, want %v", got, want)
	}
	if !slices.Equal(j.submitsAtRecord, []int{0, 1}) {
		t.Errorf("submits the gateway had received at each record: got %v, want [0 1]: each recorded before it is sent", j.submitsAtRecord)
	}
	submits := gw.stages("submit")
	for n, sent := range map[int]SentTransaction{1: j.sent[1], 2: j.sent[2]} {
		if sent.ID != submits[n-1].TxID || len(sent.Envelope) == 0 {
			t.Errorf("transaction %d recorded as %s (%d bytes), sent as %s", n, sent.ID, len(sent.Envelope), submits[n-1].TxID)
		}
	}
	if first.ID != "ds-"+submits[0].TxID[:8] || second.ID != "ds-"+submits[1].TxID[:8] {
		t.Errorf("results %s, %s: not those of the transactions sent", first.ID, second.ID)
	}
}

func TestJournalResendsWhatAnEarlierRunRecorded(t *testing.T) {
	gw := &fakeGateway{endorse: datasetResult}
	// The first run records and sends its transaction; its answer is
	// lost (the process dies before it).
	j := newMemJournal(gw)
	first := newFakeClient(t, gw)
	want, err := first.CreateDataset(WithJournal(context.Background(), j), ledger.DatasetRequest{ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	// The second run, another client over the same journal, sends the
	// recorded transaction again and answers with its result.
	second := newFakeClient(t, gw)
	got, err := second.CreateDataset(WithJournal(context.Background(), j), ledger.DatasetRequest{ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID {
		t.Errorf("resumed result %s, want the first run's %s", got.ID, want.ID)
	}
	if n := len(gw.stages("endorse")); n != 1 {
		t.Errorf("endorsements: got %d, want 1: the second run endorses nothing", n)
	}
	submits := gw.stages("submit")
	if len(submits) != 2 || submits[0].TxID != submits[1].TxID {
		t.Errorf("submits: got %v, want the same transaction twice", submits)
	}
	if statuses := gw.stages("status"); len(statuses) != 2 || statuses[1].TxID != submits[0].TxID {
		t.Errorf("commit status asked for %v, want the recorded transaction's", statuses)
	}
}

func TestJournalRefusals(t *testing.T) {
	t.Run("a recorded transaction of another name is not sent", func(t *testing.T) {
		gw := &fakeGateway{endorse: datasetResult}
		j := newMemJournal(gw)
		j.sent[1] = SentTransaction{Name: "UpdateDataset", ID: "tx", Envelope: []byte{1}}
		_, err := newFakeClient(t, gw).CreateDataset(WithJournal(context.Background(), j), ledger.DatasetRequest{ID: "a"})
		if err == nil || !strings.Contains(err.Error(), "no longer runs as it did") {
			t.Errorf("got %v, want the mismatch named", err)
		}
		if n := len(gw.calls); n != 0 {
			t.Errorf("gateway calls: got %d, want none", n)
		}
	})
	t.Run("a transaction the journal cannot record is not sent", func(t *testing.T) {
		gw := &fakeGateway{endorse: datasetResult}
		j := newMemJournal(gw)
		j.failRecord = errors.New("disk full")
		_, err := newFakeClient(t, gw).CreateDataset(WithJournal(context.Background(), j), ledger.DatasetRequest{ID: "a"})
		if err == nil || !strings.Contains(err.Error(), "disk full") || errors.Is(err, ErrUnavailable) {
			t.Errorf("got %v, want the journal's failure, not one to retry", err)
		}
		if n := len(gw.stages("submit")); n != 0 {
			t.Errorf("submits: got %d, want none", n)
		}
	})
	t.Run("a damaged envelope is not sent", func(t *testing.T) {
		gw := &fakeGateway{endorse: datasetResult}
		j := newMemJournal(gw)
		j.sent[1] = SentTransaction{Name: "CreateDataset", ID: "tx", Envelope: []byte("not a transaction")}
		if _, err := newFakeClient(t, gw).CreateDataset(WithJournal(context.Background(), j), ledger.DatasetRequest{ID: "a"}); err == nil {
			t.Error("no error")
		}
		if n := len(gw.stages("submit")); n != 0 {
			t.Errorf("submits: got %d, want none", n)
		}
	})
}

func TestJournalForgetsInvalidatedTransactions(t *testing.T) {
	tests := []struct {
		name    string
		codes   []peer.TxValidationCode
		wantLog []string
		wantErr error
	}{
		{name: "a read conflict is retried as a new transaction, recorded anew",
			codes:   []peer.TxValidationCode{mvcc, peer.TxValidationCode_VALID},
			wantLog: []string{"record CreateDataset", "forget CreateDataset", "record CreateDataset"}},
		{name: "an endorsement policy failure is forgotten and answered",
			codes:   []peer.TxValidationCode{peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE},
			wantLog: []string{"record CreateDataset", "forget CreateDataset"}, wantErr: ErrEndorsement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := &fakeGateway{endorse: datasetResult, status: func(n int) (peer.TxValidationCode, error) { return tt.codes[n-1], nil }}
			j := newMemJournal(gw)
			_, err := newFakeClient(t, gw).CreateDataset(WithJournal(context.Background(), j), ledger.DatasetRequest{ID: "a"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error: got %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(j.log, tt.wantLog) {
				t.Errorf("journal: got %v, want %v", j.log, tt.wantLog)
			}
			if _, kept := j.Sent(1); kept != (tt.wantErr == nil) {
				t.Errorf("transaction 1 kept: %v, want %v", kept, tt.wantErr == nil)
			}
		})
	}
}

func TestJournalForgetsATransactionTheGatewayRefused(t *testing.T) {
	gw := &fakeGateway{endorse: datasetResult, submit: func(int) error { return status.Error(codes.InvalidArgument, "bad signature") }}
	j := newMemJournal(gw)
	if _, err := newFakeClient(t, gw).CreateDataset(WithJournal(context.Background(), j), ledger.DatasetRequest{ID: "a"}); err == nil {
		t.Fatal("no error")
	}
	if want := []string{"record CreateDataset", "forget CreateDataset"}; !slices.Equal(j.log, want) {
		t.Errorf("journal: got %v, want %v", j.log, want)
	}
	// Sending may have failed on the way: the transaction is kept.
	gw = &fakeGateway{endorse: datasetResult, submit: func(int) error { return status.Error(codes.Unavailable, "orderer gone") }}
	j = newMemJournal(gw)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond) // ends the resends
	defer cancel()
	if _, err := newFakeClient(t, gw).CreateDataset(WithJournal(ctx, j), ledger.DatasetRequest{ID: "a"}); err == nil {
		t.Fatal("no error")
	}
	if _, kept := j.Sent(1); !kept {
		t.Errorf("a transaction that may have reached an orderer was forgotten: %v", j.log)
	}
}

func TestWithoutJournalNothingChanges(t *testing.T) {
	gw := &fakeGateway{endorse: datasetResult}
	fc := newFakeClient(t, gw)
	for range 2 {
		if _, err := fc.CreateDataset(context.Background(), ledger.DatasetRequest{ID: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	if e, s := len(gw.stages("endorse")), len(gw.stages("submit")); e != 2 || s != 2 {
		t.Errorf("endorsements %d, submits %d; want two new transactions", e, s)
	}
}

// One transaction shared by two requests (receipts the API coalesced) is
// recorded in both journals, each at its own number; either request, run
// again, resends it and gets its result.
func TestJournalSharedTransaction(t *testing.T) {
	gw := &fakeGateway{endorse: datasetResult}
	ja, jb := newMemJournal(gw), newMemJournal(gw)
	ctxA, ctxB := WithJournal(context.Background(), ja), WithJournal(context.Background(), jb)
	// Request B has sent one transaction of its own before.
	if _, err := newFakeClient(t, gw).CreateDataset(ctxB, ledger.DatasetRequest{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	shareA, okA := NextShare(ctxA)
	shareB, okB := NextShare(ctxB)
	if !okA || !okB {
		t.Fatal("no share of a journaled request")
	}
	if _, ok := NextShare(context.Background()); ok {
		t.Error("a share of a request without a journal")
	}
	want, err := newFakeClient(t, gw).CreateDataset(WithShares(context.Background(), []JournalShare{shareA, shareB}), ledger.DatasetRequest{ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	sentA, inA := ja.Sent(1)
	sentB, inB := jb.Sent(2)
	if !inA || !inB || sentA.ID != sentB.ID || sentA.ID != gw.stages("submit")[1].TxID {
		t.Fatalf("shared transaction recorded as %v (A's 1st) and %v (B's 2nd), sent as %s", sentA.ID, sentB.ID, gw.stages("submit")[1].TxID)
	}
	// Request A runs again: its first transaction is the shared one.
	again := WithJournal(context.Background(), ja)
	if !Resuming(again) {
		t.Fatal("Resuming: false for a request whose next transaction was recorded")
	}
	if Resuming(WithJournal(context.Background(), newMemJournal(gw))) || Resuming(context.Background()) {
		t.Error("Resuming: true for a request that recorded nothing")
	}
	got, err := newFakeClient(t, gw).CreateDataset(again, ledger.DatasetRequest{ID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID || len(gw.stages("endorse")) != 2 {
		t.Errorf("resumed: result %s (want %s), %d endorsements (want 2: nothing new)", got.ID, want.ID, len(gw.stages("endorse")))
	}
}

// When one journal refuses a shared transaction, those that recorded it
// forget it, and nothing is sent.
func TestJournalSharedTransactionRefused(t *testing.T) {
	gw := &fakeGateway{endorse: datasetResult}
	ja, jb := newMemJournal(gw), newMemJournal(gw)
	jb.failRecord = errors.New("disk full")
	shareA, _ := NextShare(WithJournal(context.Background(), ja))
	shareB, _ := NextShare(WithJournal(context.Background(), jb))
	_, err := newFakeClient(t, gw).CreateDataset(WithShares(context.Background(), []JournalShare{shareA, shareB}), ledger.DatasetRequest{ID: "a"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error: got %v, want the journal's", err)
	}
	if _, kept := ja.Sent(1); kept || !slices.Equal(ja.log, []string{"record CreateDataset", "forget CreateDataset"}) {
		t.Errorf("the other journal kept it: %v", ja.log)
	}
	if n := len(gw.stages("submit")); n != 0 {
		t.Errorf("submits: got %d, want none", n)
	}
}

// A submit that fails before anything is recorded (an endorser refused)
// takes no number: the request's next transaction is recorded as the one
// before it would have been, so a run of the request that retried more or
// less numbers its transactions the same.
func TestJournalNumbersOnlyRecordedTransactions(t *testing.T) {
	refused := gatewayError(codes.Aborted, "failed to collect enough transaction endorsements",
		"chaincode response 500, not found: dataset a does not exist")
	gw := &fakeGateway{endorse: func(n int, c call) ([]byte, error) {
		if n == 1 {
			return nil, refused
		}
		return datasetResult(n, c)
	}}
	j := newMemJournal(gw)
	ctx := WithJournal(context.Background(), j)
	fc := newFakeClient(t, gw)
	if _, err := fc.UpdateDataset(ctx, ledger.DatasetRequest{ID: "a"}); err == nil {
		t.Fatal("the refused update succeeded")
	}
	if _, err := fc.UpdateDataset(ctx, ledger.DatasetRequest{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := j.Sent(1); !ok {
		t.Errorf("the update that succeeded is not the request's first transaction: %v", j.sent)
	}
	if _, ok := j.Sent(2); ok {
		t.Errorf("a second transaction recorded: %v", j.sent)
	}
}
