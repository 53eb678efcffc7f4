package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	// PublicUser is the identity the public disclosure (GET
	// /v1/disclosure/…) is read as, for anyone, with a token or without;
	// "": ReadyUser.
	PublicUser string
	// Public bound each client address's requests to the public
	// disclosure. The zero value sets no limit (grantledger-api sets
	// DefaultPublicRate and DefaultPublicBurst unless told otherwise).
	Public PublicLimits
	// Heartbeat is the interval of comments that keep idle event streams open.
	Heartbeat time.Duration
	// RequestID makes a request ID when the client sent none; nil: 16
	// random bytes in hex.
	RequestID func() string
	// Now is the clock of the rate limits and of the idempotency store
	// made when Idempotency is nil; nil: time.Now.
	Now func() time.Time
	// AnchorURL is the base URL of the organisation's anchoring service
	// (glanchor), whose backlog GET /v1/anchoring/backlog reads; "": the
	// organisation runs none.
	AnchorURL string
}

// Server is one organisation's grantledger API.
type Server struct {
	org     string
	log     *slog.Logger
	ids     Identities
	tokens  TokenChecker
	keys    idempotencyKeys
	limits  *tokenLimits
	public  *addressLimits // the public disclosure's, per client address
	m       *metrics
	bind    binder
	timeout time.Duration
	// writeTimeout bounds each write of an event stream (streamWrites).
	writeTimeout time.Duration
	maxBody      int64
	readyWait    time.Duration
	readyUser    string
	publicUser   string
	heartbeat    time.Duration
	newID        func() string
	// receipts coalesces the receipts posted one by one for a grant.
	receipts *receiptCoalescer
	routes   []route
	doc      []byte
	engine   *gin.Engine
	stop     chan struct{} // closed by StopStreams
	stopOnce sync.Once
	mw       Middleware

	// anchorURL is Options.AnchorURL, without a trailing slash.
	anchorURL string
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
	if err := o.Public.check(); err != nil {
		return nil, fmt.Errorf("new api server: %w", err)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		org: o.Org, log: o.Logger, ids: o.Identities, tokens: o.Tokens, bind: newBinder(),
		timeout: o.RequestTimeout, writeTimeout: o.WriteTimeout, maxBody: o.MaxBodyBytes, readyWait: o.ReadyTimeout,
		readyUser: o.ReadyUser, publicUser: o.PublicUser, heartbeat: o.Heartbeat, newID: o.RequestID, stop: make(chan struct{}),
	}
	s.anchorURL = strings.TrimRight(o.AnchorURL, "/")
	setDefault(&s.timeout, DefaultRequestTimeout)
	setDefault(&s.maxBody, DefaultMaxBodyBytes)
	setDefault(&s.readyWait, DefaultReadyTimeout)
	setDefault(&s.heartbeat, DefaultHeartbeat)
	setDefault(&s.publicUser, s.readyUser)
	if s.newID == nil {
		s.newID = randomID
	}
	s.mw = Middleware{Org: s.org, Log: s.log, Tokens: s.tokens, NewID: s.newID, MaxBody: s.maxBody, Timeout: s.timeout}
	s.limits = newTokenLimits(o.Limits, now)
	s.public = newAddressLimits(o.Public, now)
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
	e.Use(s.mw.RequestID, s.mw.LogRequests, s.m.measure, s.mw.HandleErrors, s.mw.RecoverPanics, s.mw.LimitBody)
	e.NoRoute(NoRoute)
	e.NoMethod(NoMethod)
	for _, r := range s.routes {
		var chain []gin.HandlerFunc
		op, indexes := r.Op, r.Indexes
		chain = append(chain, func(c *gin.Context) {
			c.Set(ctxOp, op)
			c.Set(ctxIndexes, indexes)
		})
		if !r.Public {
			chain = append(chain, s.mw.Authenticate, s.limitRate)
		}
		if r.Anonymous {
			chain = append(chain, s.limitAddress)
		}
		switch {
		case r.Stream && !r.Public:
			chain = append(chain, s.limitStreams, s.streamWrites)
		case r.Stream:
			chain = append(chain, s.streamWrites)
		default:
			chain = append(chain, s.mw.Deadline)
		}
		if r.Method == http.MethodPost {
			chain = append(chain, s.idempotency)
		}
		chain = append(chain, serve(r.Handler))
		e.Handle(r.Method, r.Path, chain...)
	}
	return e
}
