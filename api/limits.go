package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Defaults of the per-token limits grantledger-api applies (its -token-*
// settings; docs/config.md says why these values).
const (
	DefaultTokenRate    = 1000.0
	DefaultTokenBurst   = 2000
	DefaultTokenStreams = 32
)

// streamRetryAfter is the Retry-After of a stream refused for too many
// open streams: none closes at a time the server knows, so the client is
// told to try again after the reconnection delay the stream itself
// announces (retry: 2000).
const streamRetryAfter = 2 * time.Second

// Limits bound what one bearer token (one user: each token is one user's)
// may ask of the API. A zero field sets no limit.
type Limits struct {
	// Rate is the requests a second a token may make, on average (a token
	// bucket refilled at this rate).
	Rate float64
	// Burst is how many requests a token may make at once (the bucket's
	// size); zero with a Rate: the Rate rounded up.
	Burst int
	// Streams is how many event streams a token may hold open at once.
	Streams int
}

// check refuses limits that cannot work.
func (l Limits) check() error {
	switch {
	case l.Rate < 0 || math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0):
		return fmt.Errorf("token rate %v is not a finite number of requests a second, 0 or more", l.Rate)
	case l.Burst < 0:
		return fmt.Errorf("token burst %d is negative", l.Burst)
	case l.Streams < 0:
		return fmt.Errorf("token streams %d is negative", l.Streams)
	}
	return nil
}

// tokenLimits applies Limits to each user: a token bucket and a count of
// open streams per user. It is safe for concurrent use.
type tokenLimits struct {
	Limits
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	streams map[string]int
}

func newTokenLimits(l Limits, now func() time.Time) *tokenLimits {
	if l.Rate > 0 && l.Burst == 0 {
		l.Burst = int(math.Ceil(l.Rate))
	}
	return &tokenLimits{Limits: l, now: now, buckets: map[string]*rate.Limiter{}, streams: map[string]int{}}
}

// allow takes one request from the user's bucket; when it is empty, it
// takes nothing and tells how long until a request would be allowed.
func (l *tokenLimits) allow(user string) (time.Duration, bool) {
	if l.Rate <= 0 {
		return 0, true
	}
	l.mu.Lock()
	b, ok := l.buckets[user]
	if !ok {
		b = rate.NewLimiter(rate.Limit(l.Rate), l.Burst)
		l.buckets[user] = b
	}
	l.mu.Unlock()
	now := l.now()
	r := b.ReserveN(now, 1)
	if !r.OK() { // only for a burst below 1, which newTokenLimits rules out
		return time.Second, false
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now) // a refused request uses nothing of the bucket
		return wait, false
	}
	return 0, true
}

// openStream counts a stream the user opens, unless the user already
// holds as many as allowed.
func (l *tokenLimits) openStream(user string) bool {
	if l.Streams <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.streams[user] >= l.Streams {
		return false
	}
	l.streams[user]++
	return true
}

// closeStream uncounts a stream openStream counted.
func (l *tokenLimits) closeStream(user string) {
	if l.Streams <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.streams[user]--; l.streams[user] <= 0 {
		delete(l.streams, user)
	}
}

// retryAfter writes a wait as the whole seconds of a Retry-After header,
// rounded up: a client that waits that long is allowed.
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(wait.Seconds()))), 10)
}

// limitRate refuses a request of a token that made more than its rate
// allows: 429 rate_limited, with Retry-After. It runs after
// authentication, before anything reaches the ledger.
func (s *Server) limitRate(c *gin.Context) {
	wait, ok := s.limits.allow(c.GetString(ctxUser))
	if !ok {
		s.m.limit("rate")
		c.Header("Retry-After", retryAfter(wait))
		_ = c.Error(fmt.Errorf("%w: a token may make %g requests a second, %d at once; retry after %s s", errRateLimited, s.limits.Rate, s.limits.Burst, retryAfter(wait)))
		c.Abort()
		return
	}
	c.Next()
}

// limitStreams refuses an event stream of a token that holds as many
// open as allowed: 429 too_many_streams, with Retry-After. The stream
// counts until its handler returns.
func (s *Server) limitStreams(c *gin.Context) {
	user := c.GetString(ctxUser)
	if !s.limits.openStream(user) {
		s.m.limit("streams")
		c.Header("Retry-After", retryAfter(streamRetryAfter))
		_ = c.Error(fmt.Errorf("%w: a token may hold %d event streams open; close one, or retry after %s s", errTooManyStreams, s.limits.Streams, retryAfter(streamRetryAfter)))
		c.Abort()
		return
	}
	defer s.limits.closeStream(user)
	c.Next()
}

// streamWrites exempts an event stream, which may stay open for hours,
// from the connection's write deadline as a whole (http.Server's
// WriteTimeout, which counts from the request's headers), and bounds each
// of its writes instead: a write must end within the write timeout plus
// one keep-alive interval of the previous one (the allowance keeps an idle
// stream between two keep-alives alive, whatever the two settings). A
// client that stops reading ends its stream, and frees what the stream
// holds, once a write cannot finish in time. Without a write timeout the
// deadline is only lifted.
func (s *Server) streamWrites(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	if s.writeTimeout <= 0 {
		s.setWriteDeadline(c, rc, time.Time{})
		c.Next()
		return
	}
	w := &deadlineWriter{ResponseWriter: c.Writer, renew: func() {
		s.setWriteDeadline(c, rc, time.Now().Add(s.writeTimeout+s.heartbeat))
	}}
	w.renew()
	c.Writer = w
	c.Next()
}

// setWriteDeadline sets the connection's write deadline. A writer that
// cannot (httptest's recorder) has none to set; other failures are logged.
func (s *Server) setWriteDeadline(c *gin.Context, rc *http.ResponseController, at time.Time) {
	if err := rc.SetWriteDeadline(at); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("set the event stream's write deadline", "request_id", c.GetString(ctxRequestID), "error", err.Error())
	}
}

// deadlineWriter renews the write deadline before each write and flush.
type deadlineWriter struct {
	gin.ResponseWriter
	renew func()
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	w.renew()
	return w.ResponseWriter.Write(b)
}

func (w *deadlineWriter) WriteString(s string) (int, error) {
	w.renew()
	return w.ResponseWriter.WriteString(s)
}

func (w *deadlineWriter) Flush() {
	w.renew()
	w.ResponseWriter.Flush()
}
