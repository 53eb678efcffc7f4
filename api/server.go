package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Keys of the values middleware leaves in the gin context.
const (
	ctxRequestID   = "grantledger.requestID"
	ctxUser        = "grantledger.user"
	ctxOp          = "grantledger.op"
	ctxError       = "grantledger.error"
	ctxLedgerStart = "grantledger.ledgerStart"
	ctxIndexes     = "grantledger.indexes"
)

// Defaults of Options fields left zero.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxBodyBytes   = 1 << 20
	DefaultReadyTimeout   = 3 * time.Second
	DefaultHeartbeat      = 15 * time.Second
)

// TokenChecker maps a bearer token to the user it was issued to
// (*Authenticator).
type TokenChecker interface {
	User(token string) (string, bool)
}

// Options configure a Server. Org, Identities, Tokens and Logger are
// required; zero durations and sizes take the defaults above.
type Options struct {
	// Org is the organisation's MSP ID, written in request logs.
	Org string
	// Identities gives the ledger as each user.
	Identities Identities
	// Tokens authenticates requests.
	Tokens TokenChecker
	// Idempotency stores the responses of POSTs with an Idempotency-Key,
	// and the transactions of their runs; nil: a store that lives as long
	// as the process.
	Idempotency *IdempotencyStore
	// Limits bound each token's request rate and open event streams. The
	// zero value sets no limit (grantledger-api sets DefaultTokenRate,
	// DefaultTokenBurst and DefaultTokenStreams unless told otherwise).
	Limits Limits
	// Logger receives one JSON line per request, and the details of
	// every internal error.
	Logger *slog.Logger
	// Registry receives the server's metrics; nil: a new registry.
	Registry *prometheus.Registry
	// RequestTimeout bounds every request but the event stream.
	RequestTimeout time.Duration
	// WriteTimeout is the HTTP server's write timeout
	// (http.Server.WriteTimeout), from which the event stream is exempt
	// as a whole: each of its writes must end within it instead. Zero:
	// the stream's writes have no deadline.
	WriteTimeout time.Duration
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// ReadyTimeout bounds the ledger query of /readyz.
	ReadyTimeout time.Duration
	// ReadyUser is the identity /readyz queries as.
	ReadyUser string
	// Heartbeat is the interval of comments that keep idle event streams open.
	Heartbeat time.Duration
	// RequestID makes a request ID when the client sent none; nil: 16
	// random bytes in hex.
	RequestID func() string
	// Now is the clock of the rate limits and of the idempotency store
	// made when Idempotency is nil; nil: time.Now.
	Now func() time.Time
}

// Server is one organisation's grantledger API.
type Server struct {
	org     string
	log     *slog.Logger
	ids     Identities
	tokens  TokenChecker
	keys    idempotencyKeys
	limits  *tokenLimits
	m       *metrics
	bind    binder
	timeout time.Duration
	// writeTimeout bounds each write of an event stream (streamWrites).
	writeTimeout time.Duration
	maxBody      int64
	readyWait    time.Duration
	readyUser    string
	heartbeat    time.Duration
	newID        func() string
	// receipts coalesces the receipts posted one by one for a grant.
	receipts *receiptCoalescer
	routes   []route
	doc      []byte
	engine   *gin.Engine
	stop     chan struct{} // closed by StopStreams
	stopOnce sync.Once
}

// New builds a Server and its router.
func New(o Options) (*Server, error) {
	switch {
	case o.Org == "":
		return nil, errors.New("new api server: org is empty")
	case o.Identities == nil:
		return nil, errors.New("new api server: no identities")
	case o.Tokens == nil:
		return nil, errors.New("new api server: no tokens")
	case o.Logger == nil:
		return nil, errors.New("new api server: no logger")
	}
	if err := o.Limits.check(); err != nil {
		return nil, fmt.Errorf("new api server: %w", err)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		org: o.Org, log: o.Logger, ids: o.Identities, tokens: o.Tokens, bind: newBinder(),
		timeout: o.RequestTimeout, writeTimeout: o.WriteTimeout, maxBody: o.MaxBodyBytes, readyWait: o.ReadyTimeout,
		readyUser: o.ReadyUser, heartbeat: o.Heartbeat, newID: o.RequestID, stop: make(chan struct{}),
	}
	setDefault(&s.timeout, DefaultRequestTimeout)
	setDefault(&s.maxBody, DefaultMaxBodyBytes)
	setDefault(&s.readyWait, DefaultReadyTimeout)
	setDefault(&s.heartbeat, DefaultHeartbeat)
	if s.newID == nil {
		s.newID = randomID
	}
	s.limits = newTokenLimits(o.Limits, now)
	if o.Idempotency != nil {
		s.keys = o.Idempotency
	} else {
		mem, err := OpenIdempotencyStore("", StoreOptions{Now: now})
		if err != nil {
			return nil, fmt.Errorf("new api server: %w", err)
		}
		s.keys = mem
	}
	reg := o.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("new api server: metrics: %w", err)
	}
	s.m = m
	s.receipts = newReceiptCoalescer(s.timeout, func(n int) { m.receiptGroups.Observe(float64(n)) }, m.receiptRetries.Inc)
	s.routes = s.routeTable()
	doc, err := json.Marshal(openAPIDocument(s.org, s.routes))
	if err != nil {
		return nil, fmt.Errorf("new api server: openapi document: %w", err)
	}
	s.doc = doc
	s.engine = s.newEngine()
	return s, nil
}

func setDefault[T comparable](dst *T, def T) {
	var zero T
	if *dst == zero {
		*dst = def
	}
}

// randomID returns 16 random bytes in hex.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.engine }

// StopStreams ends every open event stream, so that a graceful shutdown
// (http.Server.RegisterOnShutdown) does not wait for clients that would
// never hang up. Other requests run to their end.
func (s *Server) StopStreams() { s.stopOnce.Do(func() { close(s.stop) }) }

// newEngine builds the router: global middleware, then each route of the
// route table with the middleware its kind needs.
func (s *Server) newEngine() *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	_ = e.SetTrustedProxies(nil)
	e.Use(s.requestID, s.logRequests, s.m.measure, s.handleErrors, s.recoverPanics, s.limitBody)
	e.NoRoute(func(c *gin.Context) {
		_ = c.Error(fmt.Errorf("%w: %s %s", errRouteNotFound, c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		_ = c.Error(fmt.Errorf("%w: %s %s", errMethodNotAllowed, c.Request.Method, c.Request.URL.Path))
	})
	for _, r := range s.routes {
		var chain []gin.HandlerFunc
		op, indexes := r.Op, r.Indexes
		chain = append(chain, func(c *gin.Context) {
			c.Set(ctxOp, op)
			c.Set(ctxIndexes, indexes)
		})
		if !r.Public {
			chain = append(chain, s.authenticate, s.limitRate)
		}
		switch {
		case r.Stream && !r.Public:
			chain = append(chain, s.limitStreams, s.streamWrites)
		case r.Stream:
			chain = append(chain, s.streamWrites)
		default:
			chain = append(chain, s.deadline)
		}
		if r.Method == http.MethodPost {
			chain = append(chain, s.idempotency)
		}
		chain = append(chain, serve(r.Handler))
		e.Handle(r.Method, r.Path, chain...)
	}
	return e
}

// requestID takes the client's X-Request-ID when it is a sane token, or
// makes one, and echoes it on the response.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !validRequestID(id) {
		id = s.newID()
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("-_.:", ch) >= 0) {
			return false
		}
	}
	return true
}

// logRequests writes one JSON line per request: who (org, user), what
// (method, route, path), the outcome (status, error code) and how long it
// took. 5xx are logged at error level with the error's full text, which the
// response never shows.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	attrs := []slog.Attr{
		slog.String("request_id", c.GetString(ctxRequestID)),
		slog.String("org", s.org),
		slog.String("user", c.GetString(ctxUser)),
		slog.String("method", c.Request.Method),
		slog.String("route", c.FullPath()),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", status),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", c.ClientIP()),
	}
	level := slog.LevelInfo
	if v, ok := c.Get(ctxError); ok {
		if err, ok := v.(error); ok {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	}
	switch {
	case status >= 500 && c.FullPath() != "/readyz": // a peer not ready yet is no error of ours
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	s.log.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

// recoverPanics turns a panic in a handler into a 500 whose body says
// nothing of it; the log has the value and the stack.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		s.log.Error("panic", "request_id", c.GetString(ctxRequestID), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		_ = c.Error(fmt.Errorf("%w: %v", errPanic, v))
		c.Abort()
	}()
	c.Next()
}

// limitBody refuses bodies larger than the limit: at once when
// Content-Length says so, otherwise when reading passes it.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.maxBody {
		_ = c.Error(fmt.Errorf("%w: %d bytes, at most %d allowed", errTooLarge, c.Request.ContentLength, s.maxBody))
		c.Abort()
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.maxBody)
	c.Next()
}

// authenticate maps the bearer token to one of the organisation's users,
// whose Fabric identity the request then runs as.
func (s *Server) authenticate(c *gin.Context) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		_ = c.Error(fmt.Errorf("%w: send Authorization: Bearer <token>", errUnauthenticated))
		c.Abort()
		return
	}
	user, ok := s.tokens.User(strings.TrimSpace(token))
	if !ok {
		_ = c.Error(fmt.Errorf("%w: the bearer token is not valid", errUnauthenticated))
		c.Abort()
		return
	}
	c.Set(ctxUser, user)
	c.Next()
}

// deadline bounds the request; the context flows into every ledger call.
func (s *Server) deadline(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.timeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}
