package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/grantledger/grantledger/ledger"
)

// ErrFollowerStopped is returned by Event.Ack when the follower that
// delivered the event stopped before it could checkpoint it.
var ErrFollowerStopped = errors.New("event follower stopped")

// Event is one chaincode event of the grantledger contract.
type Event struct {
	BlockNumber   uint64
	TransactionID string
	// Name is the chaincode event name.
	Name string
	// Payload is the event payload as emitted (JSON for grantledger events).
	Payload json.RawMessage
	// Type, ID and Change are parsed from the contract's payload
	// {"type": …, "id": …, "change": …, "actor": …, "related": […]}: the
	// object type, its ID and what happened to it ("grant", "G1",
	// "approved"). Change holds a JSON string's value, or the raw JSON of any
	// other value. Actor is the MSP ID that made the change; Related lists
	// the other objects the transaction changed. All are empty when the
	// payload has another form.
	Type    string
	ID      string
	Change  string
	Actor   string
	Related []ledger.EventRef
	// Audience is who may read the event's object (nil from contracts
	// before audiences): ledger.Readable decides with it.
	Audience *ledger.Audience

	ack *acker
}

// Ack tells the follower that the event has been processed. It returns once
// the checkpoint has been moved past the event and synced to disk; after a
// nil return the event is never delivered again, by this follower or by a
// follower restarted on the same checkpoint file. The follower delivers the
// next event only after Ack. Calling Ack again returns the first result.
func (e Event) Ack() error {
	if e.ack == nil {
		return errors.New("ack event: not delivered by a follower")
	}
	return e.ack.do()
}

// acker carries one event's acknowledgement from the consumer to the
// follower and the checkpoint's result back.
type acker struct {
	once    sync.Once
	acked   chan struct{} // closed by Ack
	result  chan error    // the checkpoint result, sent once by the follower
	stopped <-chan struct{}
	err     error
}

func (a *acker) do() error {
	a.once.Do(func() {
		close(a.acked)
		select {
		case a.err = <-a.result:
		case <-a.stopped:
			// The follower may have written the checkpoint just before it
			// stopped.
			select {
			case a.err = <-a.result:
			default:
				a.err = ErrFollowerStopped
			}
		}
	})
	return a.err
}

// eventSource opens a stream of the contract's chaincode events, resuming
// after a checkpoint. *Client implements it over Network.ChaincodeEvents;
// tests fake it.
type eventSource interface {
	chaincodeEvents(ctx context.Context, cp gateway.Checkpoint) (<-chan *gateway.ChaincodeEvent, error)
}

// checkpointStore is the part of *gateway.FileCheckpointer the follower uses.
type checkpointStore interface {
	gateway.Checkpoint
	CheckpointChaincodeEvent(event *gateway.ChaincodeEvent) error
	Sync() error
	Close() error
}

// chaincodeEvents reads the contract's events from the start of the chain,
// or after the checkpoint when it holds a position.
func (c *Client) chaincodeEvents(ctx context.Context, cp gateway.Checkpoint) (<-chan *gateway.ChaincodeEvent, error) {
	return c.network.ChaincodeEvents(ctx, c.chaincode, gateway.WithStartBlock(0), gateway.WithCheckpoint(cp))
}

// FollowEvents delivers the contract's chaincode events in ledger order,
// starting after the last event acknowledged with the same checkpoint file,
// or from the first block when the file is new. Exactly one follower may use
// a checkpoint file at a time.
//
// Delivery is one event at a time: the follower sends an event, waits for
// its Ack, moves the checkpoint file past it (fsynced), and only then sends
// the next. Hence:
//
//   - no event is missed: the checkpoint never moves past an event that was
//     not acknowledged;
//   - no acknowledged event is repeated: Ack returns only after the
//     checkpoint is durable, so a follower killed and restarted resumes
//     exactly after the last acknowledged event;
//   - the one event delivered but not yet acknowledged when the follower
//     stops is delivered again on restart. Processing is therefore
//     exactly-once when the consumer acknowledges after its effect is
//     durable and the effect is idempotent by (BlockNumber, TransactionID),
//     or when the consumer's effect and Ack cannot be separated by a crash;
//     otherwise at-least-once for that last event.
//
// When the peer ends the stream the follower reconnects from the checkpoint,
// with backoff. The channel is closed when ctx ends or the checkpoint cannot
// be written (that Ack returns the error).
func (c *Client) FollowEvents(ctx context.Context, checkpointPath string) (<-chan Event, error) {
	cp, err := gateway.NewFileCheckpointer(checkpointPath)
	if err != nil {
		return nil, fmt.Errorf("follow events: open checkpoint %s: %w", checkpointPath, err)
	}
	f := &follower{source: c, cp: cp, backoff: c.backoff, sleep: c.sleep}
	return f.start(ctx), nil
}

// follower moves events from a source to a consumer, one acknowledged event
// at a time.
type follower struct {
	source  eventSource
	cp      checkpointStore
	backoff func(failures int) time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
}

func (f *follower) start(ctx context.Context) <-chan Event {
	out := make(chan Event)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer close(out)
		// Every checkpoint was synced when it was written: a failing
		// close loses nothing.
		defer func() { _ = f.cp.Close() }()
		failures := 0
		for ctx.Err() == nil {
			delivered, err := f.stream(ctx, out, stopped)
			if err != nil {
				return // the checkpoint could not be written
			}
			if delivered {
				failures = 0
			}
			failures++
			if f.sleep(ctx, f.backoff(failures)) != nil {
				return
			}
		}
	}()
	return out
}

// stream follows one event stream from the checkpoint until it ends. It
// reports whether it delivered any event, and fails only when the
// checkpoint cannot be written.
func (f *follower) stream(ctx context.Context, out chan<- Event, stopped <-chan struct{}) (bool, error) {
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := f.source.chaincodeEvents(streamCtx, f.cp)
	if err != nil {
		return false, nil
	}
	defer func() {
		// Unblock the gateway's goroutine, which sends without watching
		// the context: cancel the stream and drain it in the background.
		cancel()
		go func() {
			for range events {
			}
		}()
	}()
	delivered := false
	for {
		var ev *gateway.ChaincodeEvent
		select {
		case <-ctx.Done():
			return delivered, nil
		case e, ok := <-events:
			if !ok {
				return delivered, nil
			}
			ev = e
		}
		a := &acker{acked: make(chan struct{}), result: make(chan error, 1), stopped: stopped}
		select {
		case out <- newEvent(ev, a):
		case <-ctx.Done():
			return delivered, nil
		}
		select {
		case <-a.acked:
		case <-ctx.Done():
			select {
			case <-a.acked: // acknowledged as the follower was stopping: keep it
			default:
				return delivered, nil
			}
		}
		err := f.checkpoint(ev)
		a.result <- err
		if err != nil {
			return delivered, err
		}
		delivered = true
	}
}

// checkpoint durably moves the checkpoint past ev.
func (f *follower) checkpoint(ev *gateway.ChaincodeEvent) error {
	if err := f.cp.CheckpointChaincodeEvent(ev); err != nil {
		return fmt.Errorf("checkpoint event %s in block %d: %w", ev.TransactionID, ev.BlockNumber, err)
	}
	if err := f.cp.Sync(); err != nil {
		return fmt.Errorf("sync checkpoint after event %s in block %d: %w", ev.TransactionID, ev.BlockNumber, err)
	}
	return nil
}

// newEvent converts a gateway event, parsing a {"type","id","change"} payload.
func newEvent(ev *gateway.ChaincodeEvent, a *acker) Event {
	e := Event{
		BlockNumber:   ev.BlockNumber,
		TransactionID: ev.TransactionID,
		Name:          ev.EventName,
		Payload:       json.RawMessage(ev.Payload),
		ack:           a,
	}
	var p struct {
		Type     string            `json:"type"`
		ID       string            `json:"id"`
		Change   json.RawMessage   `json:"change"`
		Actor    string            `json:"actor"`
		Related  []ledger.EventRef `json:"related"`
		Audience *ledger.Audience  `json:"audience"`
	}
	if json.Unmarshal(ev.Payload, &p) != nil {
		return e
	}
	e.Type, e.ID, e.Actor, e.Related, e.Audience = p.Type, p.ID, p.Actor, p.Related, p.Audience
	var change string
	if json.Unmarshal(p.Change, &change) == nil {
		e.Change = change
	} else {
		e.Change = string(bytes.TrimSpace(p.Change))
	}
	return e
}

// ChainEvent is one chaincode event of the grantledger contract as the
// organisation's peer delivers it, without a checkpoint: what a reader that
// keeps its own position (an API's event stream) consumes.
type ChainEvent struct {
	BlockNumber   uint64
	TransactionID string
	Name          string
	Payload       []byte
}

// ChaincodeEvents streams the contract's events from block start (nil: the
// next block committed) until ctx ends or the peer ends the stream, when the
// channel closes. Unlike FollowEvents it keeps no checkpoint: the caller
// resumes by passing the block after the last one it finished.
func (c *Client) ChaincodeEvents(ctx context.Context, start *uint64) (<-chan ChainEvent, error) {
	var opts []gateway.ChaincodeEventsOption
	if start != nil {
		opts = append(opts, gateway.WithStartBlock(*start))
	}
	events, err := c.network.ChaincodeEvents(ctx, c.chaincode, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: chaincode events: %w", ErrUnavailable, err)
	}
	out := make(chan ChainEvent)
	go func() {
		defer close(out)
		// The gateway's goroutine sends without watching ctx: drain what
		// it still sends once nobody reads.
		defer func() {
			go func() {
				for range events {
				}
			}()
		}()
		for ev := range events {
			select {
			case out <- ChainEvent{BlockNumber: ev.BlockNumber, TransactionID: ev.TransactionID, Name: ev.EventName, Payload: ev.Payload}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
