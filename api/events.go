package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/grantledger/grantledger/client"
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

// events handles GET /v1/events: the contract's chaincode events as
// Server-Sent Events.
type events struct {
	group[EventSource]
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
			writeEvent(c.Writer, pos, ev)
			flusher.Flush()
		}
	}
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
