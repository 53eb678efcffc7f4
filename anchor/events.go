package anchor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
)

// ReceiptStatus is what the service says of a receipt: the body of
// GET /v1/receipts/{id} (with the proof) and of the 202 to a POST, and the
// payload of the receipt events (without the proof).
type ReceiptStatus struct {
	ReceiptID string `json:"receiptId"`
	// Status is StatusPending, StatusAnchored or StatusRefused.
	Status    string `json:"status"`
	StatusURL string `json:"statusUrl"`
	// BatchID is set once the receipt is in a batch (still pending while
	// the batch is on its way).
	BatchID string `json:"batchId,omitempty"`
	// Index is the receipt's leaf in the batch's Merkle tree, when anchored.
	Index *int `json:"index,omitempty"`
	// TxID is the transaction that recorded the batch.
	TxID string `json:"txId,omitempty"`
	// Root is the batch's Merkle root as the ledger recorded it.
	Root string `json:"root,omitempty"`
	// Leaf is the statement's digest, where the proof starts.
	Leaf  string             `json:"leaf"`
	Proof []attest.ProofStep `json:"proof,omitempty"`
	// Kind and Reason are the contract's refusal: its kind ("refused",
	// "conflict", …) and its message.
	Kind       string     `json:"kind,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	AcceptedAt time.Time  `json:"acceptedAt"`
	SettledAt  *time.Time `json:"settledAt,omitempty"`
}

// StatusURL is where a receipt's status is read.
func StatusURL(receiptID string) string { return "/v1/receipts/" + receiptID }

// StatusOf describes a record, with its proof when given.
func StatusOf(r *Record, proof []attest.ProofStep) ReceiptStatus {
	s := ReceiptStatus{
		ReceiptID: r.ReceiptID(), Status: r.Status, StatusURL: StatusURL(r.ReceiptID()), BatchID: r.BatchID,
		TxID: r.TxID, Root: r.Root, Leaf: r.Digest, Proof: proof, Kind: r.Kind, Reason: r.Reason, AcceptedAt: r.Accepted,
	}
	if r.Status == StatusAnchored {
		i := r.Index
		s.Index = &i
	}
	if !r.Settled.IsZero() {
		t := r.Settled
		s.SettledAt = &t
	}
	return s
}

// sseEvent is the data line of an SSE event: the event's ID and type,
// and its payload (a ReceiptStatus, or a batch's summary).
type sseEvent struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// eventPage is how many events a stream reads from the log at a time.
const eventPage = 256

// events serves GET /v1/events: the anchoring events the log recorded,
// as Server-Sent Events. Each event's ID is its number in the log; a
// client that sends the last ID it received as Last-Event-ID (or
// ?lastEventId=) gets exactly the events after it, from the log, however
// long ago and across restarts of the service: nothing missed, nothing
// twice. Without one the stream starts after the last event recorded;
// lastEventId=0 starts at the first.
func (s *Server) events(c *gin.Context) error {
	after, err := s.resumeAfter(c)
	if err != nil {
		return err
	}
	flusher, ok := c.Writer.(http.Flusher)
	if !ok {
		return fmt.Errorf("events: the response writer cannot stream")
	}
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	fmt.Fprint(c.Writer, "retry: 2000\n\n")
	flusher.Flush()

	ctx := c.Request.Context()
	tick := time.NewTicker(s.heartbeat)
	defer tick.Stop()
	for {
		// Take the wake-up channel before reading, so that an event
		// recorded between the read and the wait is not slept through.
		changed := s.log.Changed()
		evs, err := s.log.EventsAfter(after, eventPage)
		if errors.Is(err, ErrEventsPruned) {
			// A client this far behind: it reconnects and is told (410).
			s.logger.Warn("event stream: the client is behind what the log keeps", "after", after, "error", err.Error())
			return nil
		}
		if err != nil {
			// The stream has started: the error can only be logged, and
			// the client resumes from the last ID it got.
			s.logger.Error("event stream: read the log", "error", err.Error())
			return nil
		}
		for _, e := range evs {
			data, err := json.Marshal(sseEvent{ID: strconv.FormatUint(e.ID, 10), Type: e.Type, Payload: e.Data})
			if err != nil {
				s.logger.Error("event stream: encode event", "id", e.ID, "error", err.Error())
				return nil
			}
			fmt.Fprintf(c.Writer, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, data)
			after = e.ID
		}
		if len(evs) > 0 {
			flusher.Flush()
			if len(evs) == eventPage {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.stop:
			return nil
		case <-tick.C:
			fmt.Fprint(c.Writer, ": keep-alive\n\n")
			flusher.Flush()
		case <-changed:
		}
	}
}

// resumeAfter reads the event ID the stream resumes after.
func (s *Server) resumeAfter(c *gin.Context) (uint64, error) {
	for name := range c.Request.URL.Query() {
		if name != "lastEventId" {
			return 0, &api.InputError{Field: name, Msg: "is not a query parameter of the event stream (lastEventId)"}
		}
	}
	last, field := c.GetHeader("Last-Event-ID"), "Last-Event-ID"
	if last == "" {
		last, field = c.Query("lastEventId"), "lastEventId"
	}
	if last == "" {
		id, err := s.log.LastEvent()
		if err != nil {
			return 0, err
		}
		return id, nil
	}
	id, err := strconv.ParseUint(last, 10, 64)
	if err != nil {
		return 0, &api.InputError{Field: field, Msg: "must be an event ID as this stream sent it (a number)"}
	}
	// An ID past the log's end was not sent by this log (another store's,
	// or made up): resuming after it would silently skip events to come.
	newest, err := s.log.LastEvent()
	if err != nil {
		return 0, err
	}
	if id > newest {
		return 0, &api.InputError{Field: field, Msg: fmt.Sprintf("names event %d, and this log has recorded %d events", id, newest)}
	}
	// Events after it removed by retention: resuming from the oldest kept
	// would skip them silently.
	_, pruned, err := s.log.PrunedThrough()
	if err != nil {
		return 0, err
	}
	if id < pruned {
		return 0, &api.ServiceError{Status: http.StatusGone, Code: "gone", Msg: fmt.Sprintf(
			"events %d to %d are no longer kept%s: resume after event %d to go on from the oldest kept, and read the receipts settled before from the ledger", id+1, pruned, s.keptFor(), pruned)}
	}
	return id, nil
}
