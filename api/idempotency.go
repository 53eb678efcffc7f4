package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
)

// idempotencyKeys is what the middleware needs of the store
// (*IdempotencyStore).
type idempotencyKeys interface {
	Begin(user, key, fingerprint string) (*Reservation, error)
	Record(user, key string, n int, tx client.SentTransaction) error
	Forget(user, key string, n int) error
	Complete(user, key string, resp StoredResponse) error
	Abandon(user, key string) error
}

// The headers that say where an answer to a keyed POST came from.
const (
	// headerReplayed marks a stored answer, repeated.
	headerReplayed = "Idempotent-Replayed"
	// headerResumed marks the answer of a run that took over the
	// reservation an earlier run left (a crash, a server-side failure);
	// its value is how many transactions that run had recorded, which
	// this one sent again rather than anew.
	headerResumed = "Idempotent-Resumed"
)

// idempotency makes a POST with an Idempotency-Key header safe to repeat:
// the first request with a key runs and its response (any status below
// 500) is stored; a repeat by the same user with the same method, path and
// body gets the stored response, marked Idempotent-Replayed: true, without
// the ledger being called again. A repeat with a different request is
// refused (422), a repeat while the first is still running too (409).
//
// The request runs under a journal (client.WithJournal): each transaction
// it submits is recorded in the store before it is sent. A run that ends
// without an answer worth storing (5xx, a client gone, the API killed)
// leaves its reservation with those transactions; a repeat resumes it,
// marked Idempotent-Resumed, and the client sends the recorded
// transactions again instead of new ones, so that it answers as the first
// run would have, and records nothing twice. A reservation without
// transactions is simply freed: the key may be retried.
func (s *Server) idempotency(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" || c.Request.Method != http.MethodPost {
		c.Next()
		return
	}
	if len(key) > maxKeyLen || !printableASCII(key) {
		_ = c.Error(&InputError{Field: "Idempotency-Key", Msg: fmt.Sprintf("must be 1 to %d printable ASCII characters", maxKeyLen)})
		c.Abort()
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			_ = c.Error(fmt.Errorf("%w: %w", errTooLarge, err))
		} else {
			_ = c.Error(&InputError{Msg: "the request body could not be read"})
		}
		c.Abort()
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.New()
	fmt.Fprintf(sum, "%s %s\n", c.Request.Method, c.Request.URL.Path)
	sum.Write(body)
	fingerprint := hex.EncodeToString(sum.Sum(nil))

	user := c.GetString(ctxUser)
	res, err := s.keys.Begin(user, key, fingerprint)
	if err != nil {
		s.m.idempotency(outcomeOf(err))
		_ = c.Error(err)
		c.Abort()
		return
	}
	if res.Stored != nil {
		s.m.idempotency("replayed")
		c.Header(headerReplayed, "true")
		if res.Stored.Location != "" {
			c.Header("Location", res.Stored.Location)
		}
		c.Data(res.Stored.Status, res.Stored.ContentType, res.Stored.Body)
		c.Abort()
		return
	}
	if res.Resumed {
		s.m.idempotency("resumed")
		c.Header(headerResumed, strconv.Itoa(len(res.Sent)))
	} else {
		s.m.idempotency("reserved")
	}
	journal := &requestJournal{keys: s.keys, user: user, key: key, sent: res.Sent}
	c.Request = c.Request.WithContext(client.WithJournal(c.Request.Context(), journal))
	finished := false
	defer func() {
		if !finished { // a panic unwinds through here: free the key
			s.abandon(c, user, key)
		}
	}()
	rec := &recordingWriter{ResponseWriter: c.Writer}
	c.Writer = rec
	c.Next()
	renderError(c)
	c.Writer = rec.ResponseWriter
	finished = true
	if status := rec.Status(); status >= 500 || status == statusClientClosed {
		s.abandon(c, user, key)
		return
	}
	resp := StoredResponse{Status: rec.Status(), ContentType: rec.Header().Get("Content-Type"), Location: rec.Header().Get("Location"), Body: rec.body.Bytes()}
	if err := s.keys.Complete(user, key, resp); err != nil {
		s.log.Error("store idempotent response", "request_id", c.GetString(ctxRequestID), "error", err.Error())
	}
}

// abandon frees a key whose request has no answer to store, logging a
// failure of the store.
func (s *Server) abandon(c *gin.Context, user, key string) {
	if err := s.keys.Abandon(user, key); err != nil {
		s.log.Error("abandon idempotency key", "request_id", c.GetString(ctxRequestID), "error", err.Error())
	}
}

// outcomeOf names, for the metrics, why Begin refused a key.
func outcomeOf(err error) string {
	switch {
	case errors.Is(err, errKeyInProgress):
		return "in_progress"
	case errors.Is(err, errKeyReused):
		return "reused"
	}
	return "failed"
}

// requestJournal is the client.Journal of one keyed request: the
// transactions an earlier run recorded, and the store that records this
// run's.
type requestJournal struct {
	keys      idempotencyKeys
	user, key string

	mu   sync.Mutex
	sent map[int]client.SentTransaction
}

// Sent returns the n-th transaction an earlier run (or this one) recorded.
func (j *requestJournal) Sent(n int) (client.SentTransaction, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	tx, ok := j.sent[n]
	return tx, ok
}

// Record records the n-th transaction in the store before it is sent.
func (j *requestJournal) Record(n int, tx client.SentTransaction) error {
	if err := j.keys.Record(j.user, j.key, n, tx); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.sent == nil {
		j.sent = map[int]client.SentTransaction{}
	}
	j.sent[n] = tx
	return nil
}

// Forget drops the n-th transaction, which the ledger invalidated.
func (j *requestJournal) Forget(n int) error {
	if err := j.keys.Forget(j.user, j.key, n); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.sent, n)
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// recordingWriter keeps a copy of the body written through it.
type recordingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
