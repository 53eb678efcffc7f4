package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// EventPosition is where an event sits in the ledger: its block and its
// place among the contract's events in that block (from 0). Written
// "<block>:<index>", it is the SSE event ID, so that a client reconnecting
// with Last-Event-ID resumes right after the last event it received.
type EventPosition struct {
	Block uint64
	Index int
}

// String writes the position as "<block>:<index>".
func (p EventPosition) String() string { return fmt.Sprintf("%d:%d", p.Block, p.Index) }

// ParseEventPosition reads "<block>:<index>".
func ParseEventPosition(s string) (EventPosition, error) {
	b, i, ok := strings.Cut(s, ":")
	block, errB := strconv.ParseUint(b, 10, 64)
	index, errI := strconv.Atoi(i)
	if !ok || errB != nil || errI != nil || index < 0 {
		return EventPosition{}, fmt.Errorf("event ID %q is not <block>:<index>", s)
	}
	return EventPosition{Block: block, Index: index}, nil
}

// eventData is the data line of an SSE event.
type eventData struct {
	ID            string          `json:"id"`
	Block         uint64          `json:"block"`
	Index         int             `json:"index"`
	TransactionID string          `json:"txId"`
	Name          string          `json:"name"`
	Payload       json.RawMessage `json:"payload,omitempty"`
	// PayloadText holds a payload that is not JSON.
	PayloadText string `json:"payloadText,omitempty"`
}

// events handles GET /v1/events: the contract's chaincode events the
// caller may read, as Server-Sent Events.
type events struct {
	group[EventLedger]
	heartbeat time.Duration
	stop      <-chan struct{}
}

// stream sends the contract's events from where the client asks: after
// the event named by the Last-Event-ID header (or lastEventId query
// parameter, for clients that cannot set headers), else from block
// fromBlock, else from the next block committed. The peer's stream is
// opened at the resume block and the events of that block up to the
// resume index are skipped, so a resumed client misses nothing and gets
// nothing twice. Comments keep an idle stream open through proxies.
//
// The stream passes on only what the caller may read (readable): the
// caller, as the ledger sees it, is asked once when the stream opens.
// Positions count every event of the contract, passed on or not, so that
// an event ID means the same for every caller and a resumed stream skips
// exactly what the caller had.
func (h events) stream(c *gin.Context) error {
	start, after, err := resumePoint(c)
	if err != nil {
		return err
	}
	l, err := h.ledger(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	caller, err := l.WhoAmI(ctx)
	if err == nil && caller == nil {
		err = errors.New("the ledger named no caller")
	}
	if err != nil {
		h.observe(c, err)
		return err
	}
	ch, err := l.ChaincodeEvents(ctx, start)
	h.observe(c, err)
	if err != nil {
		return err
	}
	flusher, ok := c.Writer.(http.Flusher)
	if !ok {
		return errStreamNotSupported
	}
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	fmt.Fprint(c.Writer, "retry: 2000\n\n")
	flusher.Flush()

	tick := time.NewTicker(h.heartbeat)
	defer tick.Stop()
	var pos EventPosition
	first := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.stop:
			return nil
		case <-tick.C:
			fmt.Fprint(c.Writer, ": keep-alive\n\n")
			flusher.Flush()
		case ev, open := <-ch:
			if !open {
				return nil
			}
			if first || ev.BlockNumber != pos.Block {
				pos, first = EventPosition{Block: ev.BlockNumber}, false
			} else {
				pos.Index++
			}
			if after != nil && pos.Block == after.Block && pos.Index <= after.Index {
				continue
			}
			payload, ok := readable(ev.Payload, *caller)
			if roleMayChange(ev.Name) {
				// The caller's organisation or identity may just have been
				// registered (or retired as an expert): what it may read
				// from here on is what the ledger now says it is.
				if now, err := l.WhoAmI(ctx); err == nil && now != nil {
					caller = now
				}
			}
			if !ok {
				continue
			}
			ev.Payload = payload
			writeEvent(c.Writer, pos, ev)
			flusher.Flush()
		}
	}
}

// readable decides whether the caller may read the event whose payload is
// given, and returns the payload to pass on. The payload is the contract's
// ledger.Event: it passes when its audience includes the caller, and an
// event without an audience (from a contract before audiences) or whose
// payload is not an event passes only to the authority and the regulator,
// who read everything (ledger.Readable). The payload is passed on as the
// contract emitted it, but for the related objects the caller may not
// read, which are left out of related.
func readable(payload []byte, caller ledger.Actor) ([]byte, bool) {
	var ev ledger.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return payload, ledger.Readable(nil, caller)
	}
	if !ledger.Readable(ev.Audience, caller) {
		return nil, false
	}
	if len(ledger.ReadableRelated(ev.Related, caller)) == len(ev.Related) {
		return payload, true
	}
	return withoutRelated(payload, ev.Related, caller)
}

// withoutRelated rewrites payload, an event whose related lists refs, with
// only the related objects the caller may read, every other field as it
// was. It drops related altogether when none is left, as the contract
// leaves it out when empty. It reports false, the event not to be passed
// on, when related cannot be told apart in payload (a key spelt in another
// case, which encoding/json accepts).
func withoutRelated(payload []byte, refs []ledger.EventRef, caller ledger.Actor) ([]byte, bool) {
	var fields map[string]json.RawMessage
	var raw []json.RawMessage
	if json.Unmarshal(payload, &fields) != nil || json.Unmarshal(fields["related"], &raw) != nil || len(raw) != len(refs) {
		return nil, false
	}
	var kept []json.RawMessage
	for i, r := range refs {
		if ledger.Readable(r.Audience, caller) {
			kept = append(kept, raw[i])
		}
	}
	delete(fields, "related")
	if len(kept) > 0 {
		fields["related"], _ = json.Marshal(kept)
	}
	out, err := json.Marshal(fields)
	return out, err == nil
}

// resumePoint reads where the stream starts: the block to open the peer's
// stream at (nil: the next block) and the position to skip through.
func resumePoint(c *gin.Context) (*uint64, *EventPosition, error) {
	last, field := c.GetHeader("Last-Event-ID"), "Last-Event-ID"
	if last == "" {
		last, field = c.Query("lastEventId"), "lastEventId"
	}
	if last != "" {
		p, err := ParseEventPosition(last)
		if err != nil {
			return nil, nil, &InputError{Field: field, Msg: "must be an event ID <block>:<index> as this stream sent it"}
		}
		return &p.Block, &p, nil
	}
	for name := range c.Request.URL.Query() {
		if name != "fromBlock" && name != "lastEventId" {
			return nil, nil, &InputError{Field: name, Msg: "is not a query parameter of the event stream"}
		}
	}
	if from := c.Query("fromBlock"); from != "" {
		b, err := strconv.ParseUint(from, 10, 64)
		if err != nil {
			return nil, nil, &InputError{Field: "fromBlock", Msg: "must be a block number"}
		}
		return &b, nil, nil
	}
	return nil, nil, nil
}

// writeEvent writes one SSE event: its position as ID, the chaincode event
// name as event type, and the event as one line of JSON.
func writeEvent(w http.ResponseWriter, pos EventPosition, ev client.ChainEvent) {
	d := eventData{ID: pos.String(), Block: pos.Block, Index: pos.Index, TransactionID: ev.TransactionID, Name: ev.Name}
	if json.Valid(ev.Payload) {
		d.Payload = json.RawMessage(ev.Payload)
	} else if len(ev.Payload) > 0 {
		d.PayloadText = string(ev.Payload)
	}
	data, err := json.Marshal(d)
	if err != nil { // cannot happen: the payload was checked
		return
	}
	name := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, ev.Name)
	if name == "" {
		name = "message"
	}
	fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", pos, name, data)
}

// roleMayChange reports whether an event (by its name) may change the role
// a caller acts in: a participant registered, an expert registered or
// retired, the ledger bootstrapped.
func roleMayChange(name string) bool {
	typ, _, _ := strings.Cut(name, ".")
	return typ == "participant" || typ == "expert" || typ == "config"
}
