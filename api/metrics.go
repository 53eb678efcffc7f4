package api

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, registered on the
// registry the caller gives (never the global one).
type metrics struct {
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	ledgerCalls   *prometheus.CounterVec
	ledgerLatency *prometheus.HistogramVec
	limited       *prometheus.CounterVec
	keys          *prometheus.CounterVec
	// receiptGroups and receiptRetries watch the receipt coalescer.
	receiptGroups  prometheus.Histogram
	receiptRetries prometheus.Counter
	registry       *prometheus.Registry
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grantledger_api_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "grantledger_api_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		ledgerCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grantledger_api_ledger_calls_total",
			Help: "Calls to the ledger by contract operation and outcome (ok, or the error code).",
		}, []string{"op", "outcome"}),
		ledgerLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "grantledger_api_ledger_call_duration_seconds",
			Help:    "Latency of calls to the ledger by contract operation.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"op"}),
		receiptGroups: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "grantledger_api_receipts_per_transaction",
			Help:    "Receipts posted one by one that went in one SubmitReceipts transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
		receiptRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "grantledger_api_receipt_transaction_retries_total",
			Help: "SubmitReceipts transactions sent again after failing without recording anything (read conflicts, endorsers disagreeing).",
		}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grantledger_api_limited_total",
			Help: "Requests refused with 429: limit rate (a token's requests a second), streams (a token's open event streams) or address (a client address's requests a second to the public disclosure).",
		}, []string{"limit"}),
		keys: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grantledger_api_idempotency_keys_total",
			Help: "POSTs with an Idempotency-Key by outcome: reserved (first run), replayed (stored answer), resumed (took over the reservation of a run that ended without an answer), in_progress, reused, failed (the store failed).",
		}, []string{"outcome"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.ledgerCalls, m.ledgerLatency, m.limited, m.keys, m.receiptGroups, m.receiptRetries} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// measure counts every request by route template (not raw path, so that
// IDs do not explode the label space), method and status.
func (m *metrics) measure(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
	m.latency.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
}

// ledgerCall records one call to the ledger.
func (m *metrics) ledgerCall(op string, start time.Time, err error) {
	outcome := "ok"
	if err != nil {
		_, outcome = errorStatus(err)
	}
	m.ledgerCalls.WithLabelValues(op, outcome).Inc()
	m.ledgerLatency.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

// limit counts a request refused by the per-token limit named.
func (m *metrics) limit(name string) { m.limited.WithLabelValues(name).Inc() }

// idempotency counts a keyed POST by what the store made of its key.
func (m *metrics) idempotency(outcome string) { m.keys.WithLabelValues(outcome).Inc() }

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() handler {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return func(c *gin.Context) error {
		h.ServeHTTP(c.Writer, c.Request)
		return nil
	}
}
