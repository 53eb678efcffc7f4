package api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// IdempotencyTTL is how long a stored response answers repeats of its key.
const IdempotencyTTL = 24 * time.Hour

// maxKeyLen bounds an Idempotency-Key header.
const maxKeyLen = 255

// StoredResponse is the response a POST with an Idempotency-Key produced,
// kept to answer repeats of it.
type StoredResponse struct {
	Status      int
	ContentType string
	// Location is the Location header of a 201, so that a repeat names the
	// created object as the first answer did.
	Location string
	Body     []byte
}

// IdempotencyStore remembers, per user and Idempotency-Key, the fingerprint
// of the request (method, path, body) and its response. It is kept in
// memory and, when opened on a file, appended to it as JSON lines so that a
// restarted server still answers repeats; expired entries are dropped when
// the file is loaded and when it is compacted. It is safe for concurrent
// use.
type IdempotencyStore struct {
	now func() time.Time
	ttl time.Duration

	mu      sync.Mutex
	entries map[idemKey]*idemEntry
	path    string
	file    *os.File // nil: in memory only
	appends int      // lines appended since the file was last compacted
}

type idemKey struct{ user, key string }

type idemEntry struct {
	fingerprint string
	created     time.Time
	done        bool
	resp        StoredResponse
}

// idemRecord is one line of the store file.
type idemRecord struct {
	User        string    `json:"user"`
	Key         string    `json:"key"`
	Fingerprint string    `json:"fingerprint"`
	Created     time.Time `json:"created"`
	Status      int       `json:"status"`
	ContentType string    `json:"contentType,omitempty"`
	Location    string    `json:"location,omitempty"`
	Body        []byte    `json:"body,omitempty"`
}

// OpenIdempotencyStore loads the store file at path (created if missing)
// and compacts it; path "" keeps the store in memory only. Entries expire
// ttl after they were created, measured with now. A last line cut short by
// a crash is ignored.
func OpenIdempotencyStore(path string, ttl time.Duration, now func() time.Time) (*IdempotencyStore, error) {
	s := &IdempotencyStore{now: now, ttl: ttl, entries: map[idemKey]*idemEntry{}, path: path}
	if path == "" {
		return s, nil
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("open idempotency store %s: %w", path, err)
	}
	if err := s.compact(); err != nil {
		return nil, fmt.Errorf("open idempotency store %s: %w", path, err)
	}
	return s, nil
}

func (s *IdempotencyStore) load() error {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	r := bufio.NewReader(f)
	now := s.now()
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var rec idemRecord
			// Only statuses the server stores (below 500) and can replay
			// (net/http writes 100 to 999) are loaded.
			if json.Unmarshal(line, &rec) == nil && rec.User != "" && rec.Key != "" &&
				rec.Status >= 100 && rec.Status < 500 && now.Sub(rec.Created) < s.ttl {
				s.entries[idemKey{rec.User, rec.Key}] = &idemEntry{
					fingerprint: rec.Fingerprint, created: rec.Created, done: true,
					resp: StoredResponse{Status: rec.Status, ContentType: rec.ContentType, Location: rec.Location, Body: rec.Body},
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// compact rewrites the file with the live entries only and reopens it for
// appending. The caller holds mu (or has the store to itself).
func (s *IdempotencyStore) compact() error {
	now := s.now()
	var b bytes.Buffer
	for k, e := range s.entries {
		if now.Sub(e.created) >= s.ttl {
			delete(s.entries, k)
			continue
		}
		if !e.done {
			continue
		}
		line, err := json.Marshal(record(k, e))
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if s.file != nil {
		if err := s.file.Close(); err != nil {
			return err
		}
		s.file = nil
	}
	if err := writeFileAtomic(s.path, b.Bytes()); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.file, s.appends = f, 0
	return nil
}

func record(k idemKey, e *idemEntry) idemRecord {
	return idemRecord{
		User: k.user, Key: k.key, Fingerprint: e.fingerprint, Created: e.created,
		Status: e.resp.Status, ContentType: e.resp.ContentType, Location: e.resp.Location, Body: e.resp.Body,
	}
}

// Begin looks up a user's key. A completed entry with the same fingerprint
// returns its response; one with another fingerprint is errKeyReused; an
// entry still in progress is errKeyInProgress. Otherwise the key is
// reserved for this request and Begin returns nil, nil: the caller must
// then Complete or Release it.
func (s *IdempotencyStore) Begin(user, key, fingerprint string) (*StoredResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey{user, key}
	now := s.now()
	if e, ok := s.entries[k]; ok && now.Sub(e.created) < s.ttl {
		switch {
		case !e.done:
			return nil, errKeyInProgress
		case e.fingerprint != fingerprint:
			return nil, fmt.Errorf("%w: key %q was first used %s for another method, path or body", errKeyReused, key, e.created.UTC().Format(time.RFC3339))
		}
		resp := e.resp
		return &resp, nil
	}
	s.entries[k] = &idemEntry{fingerprint: fingerprint, created: now}
	return nil, nil
}

// Complete stores the response of a reserved key and appends it to the file.
func (s *IdempotencyStore) Complete(user, key string, resp StoredResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey{user, key}
	e, ok := s.entries[k]
	if !ok || e.done {
		return fmt.Errorf("complete idempotency key %q: not reserved", key)
	}
	e.done, e.resp = true, resp
	if s.file == nil {
		return nil
	}
	line, err := json.Marshal(record(k, e))
	if err != nil {
		return fmt.Errorf("complete idempotency key %q: %w", key, err)
	}
	if _, err := s.file.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("complete idempotency key %q: %w", key, err)
	}
	if err := s.file.Sync(); err != nil {
		return fmt.Errorf("complete idempotency key %q: %w", key, err)
	}
	s.appends++
	if s.appends > 2*len(s.entries)+1000 {
		if err := s.compact(); err != nil {
			return fmt.Errorf("compact idempotency store: %w", err)
		}
	}
	return nil
}

// Release forgets a reserved key whose request produced no answer worth
// repeating (a server-side failure), so that the caller may retry it.
func (s *IdempotencyStore) Release(user, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey{user, key}
	if e, ok := s.entries[k]; ok && !e.done {
		delete(s.entries, k)
	}
}

// Close closes the store file.
func (s *IdempotencyStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	if err != nil {
		return fmt.Errorf("close idempotency store: %w", err)
	}
	return nil
}

// idempotencyKeys is what the middleware needs of the store.
type idempotencyKeys interface {
	Begin(user, key, fingerprint string) (*StoredResponse, error)
	Complete(user, key string, resp StoredResponse) error
	Release(user, key string)
}

// idempotency makes a POST with an Idempotency-Key header safe to repeat:
// the first request with a key runs and its response (any status below
// 500) is stored; a repeat by the same user with the same method, path and
// body gets the stored response, marked Idempotent-Replayed: true, without
// the ledger being called again. A repeat with a different request is
// refused (422), a repeat while the first is still running too (409).
// Responses of 5xx are not stored, nor those of requests the client gave
// up on: the key may be retried.
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
	stored, err := s.keys.Begin(user, key, fingerprint)
	if err != nil {
		_ = c.Error(err)
		c.Abort()
		return
	}
	if stored != nil {
		c.Header("Idempotent-Replayed", "true")
		if stored.Location != "" {
			c.Header("Location", stored.Location)
		}
		c.Data(stored.Status, stored.ContentType, stored.Body)
		c.Abort()
		return
	}
	finished := false
	defer func() {
		if !finished { // a panic unwinds through here: free the key
			s.keys.Release(user, key)
		}
	}()
	rec := &recordingWriter{ResponseWriter: c.Writer}
	c.Writer = rec
	c.Next()
	s.renderError(c)
	c.Writer = rec.ResponseWriter
	finished = true
	if status := rec.Status(); status >= 500 || status == statusClientClosed {
		s.keys.Release(user, key)
		return
	}
	resp := StoredResponse{Status: rec.Status(), ContentType: rec.Header().Get("Content-Type"), Location: rec.Header().Get("Location"), Body: rec.body.Bytes()}
	if err := s.keys.Complete(user, key, resp); err != nil {
		s.log.Error("store idempotent response", "request_id", c.GetString(ctxRequestID), "error", err.Error())
	}
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
