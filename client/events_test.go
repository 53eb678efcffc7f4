package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// testLedger is the contract's events in ledger order: blocks 3, 4 and 6.
func testLedger() []*gateway.ChaincodeEvent {
	ev := func(block uint64, tx string) *gateway.ChaincodeEvent {
		return &gateway.ChaincodeEvent{
			BlockNumber: block, TransactionID: tx, ChaincodeName: "grantledger", EventName: "grantledger",
			Payload: fmt.Appendf(nil, `{"type":"grant","id":"g-%s","change":"created"}`, tx),
		}
	}
	return []*gateway.ChaincodeEvent{ev(3, "a"), ev(3, "b"), ev(4, "c"), ev(6, "d"), ev(6, "e")}
}

// eventsAfter emulates the Fabric gateway's selection of chaincode events:
// from block start, after the event of transaction afterTx when it is in
// that block.
func eventsAfter(ledger []*gateway.ChaincodeEvent, start uint64, afterTx string) []*gateway.ChaincodeEvent {
	if afterTx != "" {
		for _, e := range ledger {
			if e.TransactionID == afterTx {
				start = e.BlockNumber
			}
		}
	}
	var out []*gateway.ChaincodeEvent
	passed := afterTx == ""
	for _, e := range ledger {
		if e.BlockNumber < start {
			continue
		}
		if !passed {
			passed = e.TransactionID == afterTx
			continue
		}
		out = append(out, e)
	}
	return out
}

// fakeSource serves events from a ledger like the gateway, and can fail to
// open or end streams early.
type fakeSource struct {
	ledger    []*gateway.ChaincodeEvent
	failOpens int // the first failOpens opens fail
	streamMax int // when > 0, a stream ends after that many events

	mu    sync.Mutex
	opens int
}

func (s *fakeSource) chaincodeEvents(ctx context.Context, cp gateway.Checkpoint) (<-chan *gateway.ChaincodeEvent, error) {
	s.mu.Lock()
	s.opens++
	n := s.opens
	s.mu.Unlock()
	if n <= s.failOpens {
		return nil, status.Error(codes.Unavailable, "peer down")
	}
	events := eventsAfter(s.ledger, cp.BlockNumber(), cp.TransactionID())
	ch := make(chan *gateway.ChaincodeEvent)
	go func() {
		defer close(ch)
		for i, e := range events {
			if s.streamMax > 0 && i == s.streamMax {
				return
			}
			select {
			case ch <- e:
			case <-ctx.Done():
				return
			}
		}
		<-ctx.Done() // a live stream waits for new blocks
	}()
	return ch, nil
}

func (s *fakeSource) openCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens
}

// follow starts a follower on the checkpoint file with instant backoff.
func follow(t *testing.T, ctx context.Context, src eventSource, path string) <-chan Event {
	t.Helper()
	cp, err := gateway.NewFileCheckpointer(path)
	if err != nil {
		t.Fatalf("open checkpoint: %v", err)
	}
	f := &follower{
		source:  src,
		cp:      cp,
		backoff: func(int) time.Duration { return time.Millisecond },
		sleep:   sleepContext,
	}
	return f.start(ctx)
}

// receive takes the next event or fails after a while.
func receive[E any](t *testing.T, events <-chan E) E {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatal("event channel closed, want an event")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	var zero E
	return zero
}

// expectNone checks that no event arrives for a short while.
func expectNone(t *testing.T, events <-chan Event) {
	t.Helper()
	select {
	case e, ok := <-events:
		if ok {
			t.Fatalf("got event %s, want none until the previous one is acknowledged", e.TransactionID)
		}
	case <-time.After(50 * time.Millisecond):
	}
}

// waitClosed waits for the follower to close its channel, discarding the
// events still in it.
func waitClosed[E any](t *testing.T, events <-chan E) {
	t.Helper()
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("event channel not closed within 5s")
		}
	}
}

func TestFollowResumesAfterLastAck(t *testing.T) {
	tests := []struct {
		name     string
		acked    int // events acknowledged by the first follower
		received int // events it received (the last one maybe unacknowledged)
		want2    []string
	}{
		{name: "nothing acknowledged", acked: 0, received: 1, want2: []string{"a", "b", "c", "d", "e"}},
		{name: "mid-block", acked: 1, received: 2, want2: []string{"b", "c", "d", "e"}},
		{name: "end of block", acked: 2, received: 2, want2: []string{"c", "d", "e"}},
		{name: "one delivered unacknowledged", acked: 3, received: 4, want2: []string{"d", "e"}},
		{name: "everything", acked: 5, received: 5, want2: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events.checkpoint")
			src := &fakeSource{ledger: testLedger()}

			ctx1, stop1 := context.WithCancel(context.Background())
			events := follow(t, ctx1, src, path)
			var pending Event
			for i := range tt.received {
				e := receive(t, events)
				if i < tt.acked {
					if err := e.Ack(); err != nil {
						t.Fatalf("Ack(%s) error = %v", e.TransactionID, err)
					}
				} else {
					pending = e
					expectNone(t, events)
				}
			}
			stop1() // the follower is killed
			waitClosed(t, events)
			if pending.ack != nil {
				if err := pending.Ack(); !errors.Is(err, ErrFollowerStopped) {
					t.Errorf("Ack() after stop = %v, want ErrFollowerStopped", err)
				}
			}

			ctx2, stop2 := context.WithCancel(context.Background())
			defer stop2()
			events = follow(t, ctx2, src, path)
			var got []string
			for range tt.want2 {
				e := receive(t, events)
				got = append(got, e.TransactionID)
				if err := e.Ack(); err != nil {
					t.Fatalf("Ack(%s) error = %v", e.TransactionID, err)
				}
			}
			expectNone(t, events)
			if !slices.Equal(got, tt.want2) {
				t.Errorf("restarted follower delivered %v, want %v", got, tt.want2)
			}
		})
	}
}

func TestFollowReconnects(t *testing.T) {
	tests := []struct {
		name      string
		src       *fakeSource
		wantOpens int
	}{
		{name: "streams end early", src: &fakeSource{ledger: testLedger(), streamMax: 2}, wantOpens: 3},
		{name: "opens fail", src: &fakeSource{ledger: testLedger(), failOpens: 3}, wantOpens: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			events := follow(t, ctx, tt.src, filepath.Join(t.TempDir(), "cp"))
			var got []string
			for range 5 {
				e := receive(t, events)
				got = append(got, e.TransactionID)
				if err := e.Ack(); err != nil {
					t.Fatalf("Ack() error = %v", err)
				}
			}
			if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
				t.Errorf("delivered %v, want %v", got, want)
			}
			if n := tt.src.openCount(); n < tt.wantOpens {
				t.Errorf("opened %d streams, want at least %d", n, tt.wantOpens)
			}
		})
	}
}

// failingCheckpoint is a checkpoint store whose writes fail.
type failingCheckpoint struct {
	gateway.InMemoryCheckpointer
	err    error
	closed bool
}

func (c *failingCheckpoint) CheckpointChaincodeEvent(*gateway.ChaincodeEvent) error { return c.err }
func (c *failingCheckpoint) Sync() error                                            { return nil }
func (c *failingCheckpoint) Close() error                                           { c.closed = true; return nil }

func TestFollowStopsWhenCheckpointFails(t *testing.T) {
	cp := &failingCheckpoint{err: errors.New("disk full")}
	f := &follower{
		source:  &fakeSource{ledger: testLedger()},
		cp:      cp,
		backoff: func(int) time.Duration { return time.Millisecond },
		sleep:   sleepContext,
	}
	events := f.start(context.Background())
	e := receive(t, events)
	err := e.Ack()
	if !errors.Is(err, cp.err) {
		t.Fatalf("Ack() = %v, want the checkpoint error %v", err, cp.err)
	}
	if again := e.Ack(); again != err {
		t.Errorf("second Ack() = %v, want the first result %v", again, err)
	}
	waitClosed(t, events)
	if !cp.closed {
		t.Errorf("checkpoint not closed after the follower stopped")
	}
}

func TestAckUndelivered(t *testing.T) {
	if err := (Event{}).Ack(); err == nil {
		t.Errorf("Ack() of a zero Event = nil, want an error")
	}
}

func TestAckTwice(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	events := follow(t, ctx, &fakeSource{ledger: testLedger()}, filepath.Join(t.TempDir(), "cp"))
	e := receive(t, events)
	for i := range 2 {
		if err := e.Ack(); err != nil {
			t.Fatalf("Ack() #%d error = %v", i+1, err)
		}
	}
	if next := receive(t, events); next.TransactionID != "b" {
		t.Errorf("next event %s, want b", next.TransactionID)
	}
}

func TestNewEvent(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		want        [3]string // Type, ID, Change
		wantActor   string
		wantRelated []ledger.EventRef
	}{
		{name: "string change", payload: `{"type":"grant","id":"g-1","change":"approved"}`, want: [3]string{"grant", "g-1", "approved"}},
		{
			name:        "contract event",
			payload:     `{"type":"grant","id":"G2","change":"approved","txId":"tx","actor":"AuthorityMSP","related":[{"type":"application","id":"A1","change":"granted"}]}`,
			want:        [3]string{"grant", "G2", "approved"},
			wantActor:   "AuthorityMSP",
			wantRelated: []ledger.EventRef{{Type: "application", ID: "A1", Change: "granted"}},
		},
		{name: "object change", payload: `{"type":"receipt","id":"r-1","change": {"records": 3} }`, want: [3]string{"receipt", "r-1", `{"records": 3}`}},
		{name: "no change", payload: `{"type":"grant","id":"g-1"}`, want: [3]string{"grant", "g-1", ""}},
		{name: "other object", payload: `{"hello":"world"}`},
		{name: "array", payload: `[1,2]`},
		{name: "not JSON", payload: `created g-1`},
		{name: "empty", payload: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent(&gateway.ChaincodeEvent{BlockNumber: 7, TransactionID: "tx", EventName: "grantledger", Payload: []byte(tt.payload)}, nil)
			if got := [3]string{e.Type, e.ID, e.Change}; got != tt.want {
				t.Errorf("parsed %q, want %q", got, tt.want)
			}
			if e.Actor != tt.wantActor || !slices.Equal(e.Related, tt.wantRelated) {
				t.Errorf("parsed actor %q, related %+v; want %q, %+v", e.Actor, e.Related, tt.wantActor, tt.wantRelated)
			}
			if e.BlockNumber != 7 || e.TransactionID != "tx" || e.Name != "grantledger" || string(e.Payload) != tt.payload {
				t.Errorf("got event %+v, want block 7, tx, grantledger and the payload", e)
			}
		})
	}
}

// ChaincodeEvents serves the fake gateway's ledger of events like a peer:
// from the checkpointed transaction's block, or the requested start block,
// skipping events up to the checkpointed transaction; then it waits.
func (f *fakeGateway) ChaincodeEvents(req *gatewaypb.SignedChaincodeEventsRequest, stream grpc.ServerStreamingServer[gatewaypb.ChaincodeEventsResponse]) error {
	var r gatewaypb.ChaincodeEventsRequest
	if err := proto.Unmarshal(req.GetRequest(), &r); err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	f.record(call{Stage: "events", Name: r.GetChaincodeId(), Args: []string{fmt.Sprint(r.GetStartPosition().GetSpecified().GetNumber()), r.GetAfterTransactionId()}})
	start := uint64(len(f.ledger) + 1000) // next commit: after everything
	if s, ok := r.GetStartPosition().GetType().(*orderer.SeekPosition_Specified); ok {
		start = s.Specified.GetNumber()
	}
	for _, e := range eventsAfter(f.ledger, start, r.GetAfterTransactionId()) {
		resp := &gatewaypb.ChaincodeEventsResponse{BlockNumber: e.BlockNumber, Events: []*peer.ChaincodeEvent{{
			ChaincodeId: e.ChaincodeName, TxId: e.TransactionID, EventName: e.EventName, Payload: e.Payload,
		}}}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	<-stream.Context().Done()
	return nil
}

// followAcked follows the client's events with the checkpoint file,
// acknowledges n of them, then stops the follower and waits until it has
// let go of the file.
func followAcked(t *testing.T, c *Client, path string, n int) []Event {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	events, err := c.FollowEvents(ctx, path)
	if err != nil {
		t.Fatalf("FollowEvents() error = %v", err)
	}
	var got []Event
	for range n {
		e := receive(t, events)
		if err := e.Ack(); err != nil {
			t.Fatalf("Ack() error = %v", err)
		}
		got = append(got, e)
	}
	stop()
	waitClosed(t, events)
	return got
}

func TestFollowEventsThroughGateway(t *testing.T) {
	gw := &fakeGateway{ledger: testLedger()}
	c := newFakeClient(t, gw)
	path := filepath.Join(t.TempDir(), "events.checkpoint")

	first := followAcked(t, c.Client, path, 3)
	second := followAcked(t, c.Client, path, 2)
	var ids []string
	for _, e := range append(first, second...) {
		ids = append(ids, e.ID)
	}
	if want := []string{"g-a", "g-b", "g-c", "g-d", "g-e"}; !slices.Equal(ids, want) {
		t.Errorf("delivered %v over a restart, want %v", ids, want)
	}
	// The first stream starts at block 0; the second after the checkpoint.
	reqs := gw.stages("events")
	if len(reqs) != 2 {
		t.Fatalf("got %d event streams, want 2", len(reqs))
	}
	if got := reqs[0].Args; !slices.Equal(got, []string{"0", ""}) {
		t.Errorf("first stream from (block, after tx) %q, want [0 \"\"]", got)
	}
	if got := reqs[1].Args; !slices.Equal(got, []string{"4", "c"}) {
		t.Errorf("second stream from (block, after tx) %q, want [4 c]", got)
	}
	var p map[string]any
	if err := json.Unmarshal(first[0].Payload, &p); err != nil || p["type"] != "grant" {
		t.Errorf("payload %s, want the raw JSON event", first[0].Payload)
	}
}

func TestFollowEventsBadCheckpoint(t *testing.T) {
	c := newFakeClient(t, &fakeGateway{})
	tests := []struct {
		name string
		path string
	}{
		{name: "directory missing", path: filepath.Join(t.TempDir(), "no", "such", "dir", "cp")},
		{name: "path is a directory", path: t.TempDir()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if events, err := c.FollowEvents(context.Background(), tt.path); err == nil {
				t.Errorf("FollowEvents(%s) = %v, nil; want an error", tt.path, events)
			}
		})
	}
}

// chainEvents opens Client.ChaincodeEvents or fails the test.
func chainEvents(t *testing.T, ctx context.Context, c *Client, start *uint64) <-chan ChainEvent {
	t.Helper()
	events, err := c.ChaincodeEvents(ctx, start)
	if err != nil {
		t.Fatalf("ChaincodeEvents() error = %v", err)
	}
	return events
}

func TestChaincodeEventsFromBlock(t *testing.T) {
	gw := &fakeGateway{ledger: testLedger()}
	c := newFakeClient(t, gw)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	start := uint64(4)
	events := chainEvents(t, ctx, c.Client, &start)

	var got []ChainEvent
	for range 3 {
		got = append(got, receive(t, events))
	}
	var want []ChainEvent
	for _, e := range testLedger()[2:] { // blocks 4 and 6
		want = append(want, ChainEvent{BlockNumber: e.BlockNumber, TransactionID: e.TransactionID, Name: e.EventName, Payload: e.Payload})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got events %+v, want those from block 4 on: %+v", got, want)
	}
	select {
	case e, ok := <-events:
		t.Fatalf("got %+v (open %v), want the stream to wait for new blocks", e, ok)
	case <-time.After(50 * time.Millisecond):
	}
	reqs := gw.stages("events")
	if len(reqs) != 1 || reqs[0].Name != "grantledger" || !slices.Equal(reqs[0].Args, []string{"4", ""}) {
		t.Errorf("event requests %+v, want one for grantledger from block 4 without a checkpoint", reqs)
	}
}

// TestChaincodeEventsFromNextBlock opens a stream without a start block on
// the contract's gateway: the events already committed are not delivered,
// the next committed one is.
func TestChaincodeEventsFromNextBlock(t *testing.T) {
	ctx := context.Background()
	gw := newContractGateway(t, lt.T0)
	o := newOrgs(t, gw)
	authority := o.as(lt.AuthorityMSP)
	if err := authority.Bootstrap(ctx, lt.AuthorityMSP); err != nil {
		t.Fatalf("Bootstrap() error = %v", err)
	}
	streamCtx, stop := context.WithCancel(ctx)
	defer stop()
	events := chainEvents(t, streamCtx, o.as(lt.RegulatorMSP), nil)
	// The start is fixed when the peer opens the stream.
	for deadline := time.Now().Add(5 * time.Second); gw.openStreams() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the gateway opened no event stream within 5s")
		}
	}
	if _, err := authority.RegisterParticipant(ctx, ledger.ParticipantRequest{MSP: lt.HealthMSP, Role: lt.Roles[lt.HealthMSP], Name: "Health"}); err != nil {
		t.Fatalf("RegisterParticipant() error = %v", err)
	}
	e := receive(t, events)
	var p struct{ Type, ID, Change string }
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatalf("payload %s: %v", e.Payload, err)
	}
	if p.Type != "participant" || p.ID != lt.HealthMSP || e.BlockNumber != 2 || e.Name != p.Type+"."+p.Change {
		t.Errorf("first event = %s %s (%s) in block %d, want the participant registered in block 2, not the bootstrap of block 1", p.Type, p.ID, e.Name, e.BlockNumber)
	}
}

func TestChaincodeEventsClosesWhenContextEnds(t *testing.T) {
	tests := []struct {
		name string
		read int // events read before ctx ends
	}{
		{name: "before any event is read", read: 0},
		{name: "with events left unread", read: 2},
		{name: "while waiting for new blocks", read: len(testLedger())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClient(t, &fakeGateway{ledger: testLedger()})
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			var start uint64
			events := chainEvents(t, ctx, c.Client, &start)
			for range tt.read {
				receive(t, events)
			}
			stop()
			waitClosed(t, events)
		})
	}
}
