package anchor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

// Defaults of Options fields left zero.
const (
	DefaultRequestTimeout = 30 * time.Second
	// DefaultMaxBodyBytes: one receipt is under 2 KiB even with many
	// datasets and fields; 64 KiB leaves room and refuses anything else.
	DefaultMaxBodyBytes = 64 << 10
	DefaultReadyTimeout = 3 * time.Second
	DefaultHeartbeat    = 15 * time.Second
	// DefaultMaxBacklog is one and a half full batches: the batch the
	// contract is deciding and the next filling behind it, together. Under
	// load the batcher then cuts batches of 300–400 receipts, each as the
	// one in flight settles. Measured under make bench (a run of each):
	// as many receipts a second anchored as with two full batches, with
	// three quarters of the wait (docs/anchoring.md, "A bounded backlog").
	DefaultMaxBacklog = 3 * DefaultMaxBatch / 2
)

// Checker decides the cheap checks of a receipt (*View).
type Checker interface {
	Check(ctx context.Context, s *ledger.SignedStatement) error
	Loaded() bool
}

// Options configure a Server. Org, Log, View, Tokens and Logger are
// required; zero durations and sizes take the defaults above.
type Options struct {
	// Org is the organisation's MSP ID, written in request logs.
	Org    string
	Log    *Log
	View   Checker
	Tokens api.TokenChecker
	// Ready asks the ledger for the data authority (GetConfig), behind
	// /readyz; nil: the ledger is not asked.
	Ready  func(ctx context.Context) (string, error)
	Logger *slog.Logger
	// Metrics records requests; Gatherer serves /metrics. Either may be nil.
	Metrics        *Metrics
	Gatherer       prometheus.Gatherer
	RequestTimeout time.Duration
	MaxBodyBytes   int64
	ReadyTimeout   time.Duration
	// Heartbeat is the interval of comments that keep idle event streams open.
	Heartbeat time.Duration
	// Now is the clock of acknowledgements; nil: time.Now.
	Now func() time.Time
	// MaxBacklog bounds the receipts acknowledged and not yet settled: a
	// new receipt posted while the log holds that many waits, within its
	// request's deadline, until batches settle (then 503). The service
	// acknowledges no faster than the ledger anchors, and the time from
	// acknowledgement to anchoring stays bounded.
	MaxBacklog int
	// Retain is how long settled batches are kept (the Pruner's
	// retention); 0: for ever. The answers about what is no longer kept
	// say it.
	Retain time.Duration
}

// Server is the anchoring service's HTTP API (docs/anchoring.md).
type Server struct {
	org       string
	log       *Log
	view      Checker
	tokens    api.TokenChecker
	ready     func(ctx context.Context) (string, error)
	logger    *slog.Logger
	m         *Metrics
	gatherer  prometheus.Gatherer
	timeout   time.Duration
	maxBody   int64
	readyWait time.Duration
	heartbeat time.Duration
	now       func() time.Time
	backlog   uint64
	retain    time.Duration
	engine    *gin.Engine
	stop      chan struct{}
	stopOnce  sync.Once
}

// NewServer builds a Server and its router.
func NewServer(o Options) (*Server, error) {
	switch {
	case o.Org == "":
		return nil, errors.New("new anchoring server: org is empty")
	case o.Log == nil:
		return nil, errors.New("new anchoring server: no log")
	case o.View == nil:
		return nil, errors.New("new anchoring server: no view")
	case o.Tokens == nil:
		return nil, errors.New("new anchoring server: no tokens")
	case o.Logger == nil:
		return nil, errors.New("new anchoring server: no logger")
	case o.MaxBacklog < 0:
		return nil, fmt.Errorf("new anchoring server: max backlog %d is negative", o.MaxBacklog)
	case o.Retain < 0:
		return nil, fmt.Errorf("new anchoring server: retention %s is negative", o.Retain)
	}
	s := &Server{
		org: o.Org, log: o.Log, view: o.View, tokens: o.Tokens, ready: o.Ready, logger: o.Logger, m: o.Metrics,
		gatherer: o.Gatherer, timeout: o.RequestTimeout, maxBody: o.MaxBodyBytes, readyWait: o.ReadyTimeout,
		heartbeat: o.Heartbeat, now: o.Now, backlog: uint64(o.MaxBacklog), retain: o.Retain, stop: make(chan struct{}),
	}
	orDefault(&s.backlog, DefaultMaxBacklog)
	orDefault(&s.timeout, DefaultRequestTimeout)
	orDefault(&s.maxBody, DefaultMaxBodyBytes)
	orDefault(&s.readyWait, DefaultReadyTimeout)
	orDefault(&s.heartbeat, DefaultHeartbeat)
	if s.now == nil {
		s.now = time.Now
	}
	if s.gatherer == nil {
		s.gatherer = prometheus.NewRegistry()
	}
	s.engine = s.newEngine()
	return s, nil
}

// keptFor states the retention in the answers about what the log no
// longer keeps.
func (s *Server) keptFor() string {
	if s.retain == 0 {
		return ""
	}
	return " (it keeps settled batches for " + s.retain.String() + ")"
}

func orDefault[T comparable](dst *T, def T) {
	var zero T
	if *dst == zero {
		*dst = def
	}
}

// Handler returns the HTTP handler of the service.
func (s *Server) Handler() http.Handler { return s.engine }

// StopStreams ends every open event stream, so that a graceful shutdown
// does not wait for clients that would never hang up.
func (s *Server) StopStreams() { s.stopOnce.Do(func() { close(s.stop) }) }

// handler answers one request or returns why it could not; handleErrors
// writes the error.
type handler func(c *gin.Context) error

func (s *Server) newEngine() *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	_ = e.SetTrustedProxies(nil)
	mw := api.Middleware{
		Org: s.org, Log: s.logger, Tokens: s.tokens, NewID: newRequestID, MaxBody: s.maxBody, Timeout: s.timeout,
		// Receipts acknowledged are logged at debug: at the rate a
		// platform posts them one line each is most of the log (7.7 MB in
		// a 2.5-minute make bench), and the anchoring log, its events and
		// grantledger_anchor_receipts_total already account for every one.
		// A refused or failed post is still logged at warn or error.
		Quiet: []string{"/healthz", "/readyz", "/metrics", "/v1/receipts"},
	}
	e.Use(mw.RequestID, mw.LogRequests, s.m.measure, mw.HandleErrors, mw.RecoverPanics, mw.LimitBody)
	e.NoRoute(api.NoRoute)
	e.NoMethod(api.NoMethod)
	serve := func(h handler) gin.HandlerFunc {
		return func(c *gin.Context) {
			if err := h(c); err != nil {
				_ = c.Error(err)
			}
		}
	}
	e.GET("/healthz", serve(s.healthz))
	e.GET("/readyz", serve(s.readyz))
	e.GET("/metrics", serve(s.metrics))
	e.POST("/v1/receipts", mw.Authenticate, mw.Deadline, serve(s.submit))
	e.GET("/v1/receipts/:id", mw.Authenticate, mw.Deadline, serve(s.status))
	e.GET("/v1/events", mw.Authenticate, serve(s.events))
	e.GET("/v1/backlog", mw.Authenticate, mw.Deadline, serve(s.backlogOf))
	return e
}

// newRequestID makes a request ID for a request that brought none.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// submit handles POST /v1/receipts: the receipt is decoded and checked
// as the API checks it, its signature recovered, then either found in the
// log (the same statement: answered with its status; another: 409) or
// put to the cheap checks and appended, durably, before the 202.
func (s *Server) submit(c *gin.Context) error {
	req, err := api.DecodeReceipt(c.Request)
	var signed *ledger.SignedStatement
	if err == nil {
		signed, err = ledger.OpenReceipt("", req)
		err = asAnswer(req.Statement.ReceiptID, err)
	}
	if err != nil {
		s.m.receipt("rejected")
		return err
	}
	id := req.Statement.ReceiptID
	// The signature as the contract keeps it (lower case), so that the
	// log holds one spelling of each receipt.
	req.Signature = signed.Signature
	rec, err := s.log.Receipt(id)
	switch {
	case err == nil:
		if rec.Digest != attest.HexDigest(signed.Digest) {
			s.m.receipt("rejected")
			return replayed(id, rec.Seq)
		}
		return s.acknowledged(c, rec)
	case !errors.Is(err, ErrUnknownReceipt):
		return err
	}
	if err := s.view.Check(c.Request.Context(), signed); err != nil {
		s.m.receipt("rejected")
		return err
	}
	if err := s.admit(c.Request.Context()); err != nil {
		c.Header("Retry-After", "1")
		return err
	}
	rec, isNew, err := s.log.Append(req, api.UserOf(c), s.now())
	if err != nil {
		return err
	}
	if isNew {
		s.m.receipt("acknowledged")
	}
	return s.acknowledged(c, rec)
}

// admit waits while the log holds the most receipts it may hold
// unsettled (Options.MaxBacklog), until a batch settles; when the request's
// deadline comes first the receipt is not taken (503, nothing recorded).
func (s *Server) admit(ctx context.Context) error {
	// Give up a little before the request's deadline, so that the answer
	// says why (a request past its deadline is answered 504 "timeout").
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-min(time.Second, time.Until(d)/10)))
		defer cancel()
	}
	held := false
	for {
		changed := s.log.Changed()
		n, err := s.log.Unsettled()
		if err != nil {
			return err
		}
		if n < s.backlog {
			return nil
		}
		if !held {
			held = true
			s.m.receipt("held")
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return &api.ServiceError{Status: http.StatusServiceUnavailable, Code: "overloaded",
				Msg: fmt.Sprintf("the anchoring service is behind: %d receipts wait to be anchored; nothing was recorded, post again later", n)}
		case <-s.stop:
			return &api.ServiceError{Status: http.StatusServiceUnavailable, Code: "overloaded", Msg: "the anchoring service is shutting down; nothing was recorded"}
		}
	}
}

// acknowledged answers 202 with the receipt's status and where to read it.
func (s *Server) acknowledged(c *gin.Context, rec *Record) error {
	c.Header("Location", StatusURL(rec.ReceiptID()))
	c.JSON(http.StatusAccepted, StatusOf(rec, nil))
	return nil
}

// asAnswer words a refusal of ledger.OpenReceipt as the API answers it:
// an invalid field as an input error naming it, a refusal prefixed with
// the operation as the contract words it.
func asAnswer(receiptID string, err error) error {
	var re *ledger.RuleError
	if err == nil || !errors.As(err, &re) {
		return err
	}
	switch {
	case errors.Is(err, ledger.ErrInvalid):
		return &api.InputError{Field: re.Field, Msg: re.Msg}
	case errors.Is(err, ledger.ErrRefused):
		return refuse(receiptID, "%s", re.Msg)
	}
	return err
}

// status handles GET /v1/receipts/{id}.
func (s *Server) status(c *gin.Context) error {
	id := c.Param("id")
	if err := ledger.CheckID("id", id); err != nil {
		return &api.InputError{Field: "id", Msg: "must be a receipt ID: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit"}
	}
	rec, err := s.log.Receipt(id)
	if errors.Is(err, ErrUnknownReceipt) && s.retain > 0 {
		// Perhaps settled long ago: say where it is, if anywhere.
		return &logError{ErrUnknownReceipt, ledger.ErrNotFound, fmt.Sprintf(
			"receipt %s is not in the anchoring log%s: one anchored earlier is on the ledger (GET /v1/receipts/%s and its /proof on the API)", id, s.keptFor(), id)}
	}
	if err != nil {
		return err
	}
	var proof []attest.ProofStep
	if rec.Status == StatusAnchored {
		if proof, err = s.log.Proof(rec); err != nil {
			return err
		}
	}
	c.JSON(http.StatusOK, StatusOf(rec, proof))
	return nil
}

// backlogOf handles GET /v1/backlog: what the log holds that the contract
// has not decided yet, counted as admit counts it against MaxBacklog, and
// what it has decided. The platform's API passes it on to its portal.
func (s *Server) backlogOf(c *gin.Context) error {
	b, err := s.log.Backlog()
	if err != nil {
		return err
	}
	out := api.AnchoringBacklog{
		Pending: b.Unsettled, Waiting: b.Waiting, OldestPending: b.OldestUnsettled,
		Received: b.Received, Anchored: b.Anchored, Refused: b.Refused, MaxBacklog: s.backlog,
	}
	if b.InFlight != nil {
		out.InFlight = &api.BatchInFlight{ID: b.InFlight.ID, Size: b.InFlight.Size(), Since: b.InFlight.Cut}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// health is the body of /healthz and /readyz.
type health struct {
	Status    string `json:"status"`
	Authority string `json:"authority,omitempty"`
}

func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, health{Status: "ok"})
	return nil
}

// readyz answers 200 once the view has read the ledger and the peer
// answers a query of the contract in time, 503 otherwise.
func (s *Server) readyz(c *gin.Context) error {
	if !s.view.Loaded() {
		return &api.ServiceError{Status: http.StatusServiceUnavailable, Code: "not_ready", Msg: "the view of the ledger has not been read yet"}
	}
	var authority string
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.readyWait)
		defer cancel()
		var err error
		if authority, err = s.ready(ctx); err != nil {
			return &api.ServiceError{Status: http.StatusServiceUnavailable, Code: "not_ready", Msg: "the ledger did not answer: " + err.Error()}
		}
	}
	c.JSON(http.StatusOK, health{Status: "ready", Authority: authority})
	return nil
}

func (s *Server) metrics(c *gin.Context) error {
	promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
	return nil
}
