package anchor

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the service's Prometheus collectors, registered on the
// registry the caller gives (never the global one). A nil *Metrics
// records nothing, for tests.
type Metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	receipts  *prometheus.CounterVec
	batches   *prometheus.CounterVec
	size      prometheus.Histogram
	submit    *prometheus.HistogramVec
	toSettle  prometheus.Histogram
	pending   prometheus.Gauge
	openBatch prometheus.Gauge
	prunedN   prometheus.Counter
}

// buckets of request and ledger latencies, as the API's.
var buckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// NewMetrics registers the service's collectors on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grantledger_anchor_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "grantledger_anchor_request_duration_seconds", Help: "HTTP request latency by route template and method.", Buckets: buckets,
		}, []string{"route", "method"}),
		receipts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grantledger_anchor_receipts_total",
			Help: "Receipts by outcome: acknowledged (appended to the log), rejected (by the cheap checks), anchored or refused (by the contract); held counts posts that waited for the backlog to shrink before they were taken.",
		}, []string{"outcome"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grantledger_anchor_batches_total",
			Help: "Batches by outcome: anchored, refused (as a whole), retried (an attempt that must be repeated).",
		}, []string{"outcome"}),
		size: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "grantledger_anchor_batch_receipts", Help: "Receipts per batch cut.",
			Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500},
		}),
		submit: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "grantledger_anchor_ledger_call_duration_seconds", Help: "Latency of calls to the ledger by operation.", Buckets: buckets,
		}, []string{"op"}),
		toSettle: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "grantledger_anchor_settle_seconds",
			Help:    "Time from a receipt's acknowledgement (202) to the contract's answer recorded (anchored or refused).",
			Buckets: []float64{.1, .25, .5, .75, 1, 1.5, 2, 3, 5, 10, 30, 60},
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "grantledger_anchor_pending_receipts", Help: "Receipts acknowledged and not yet cut into a batch.",
		}),
		openBatch: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "grantledger_anchor_open_batches", Help: "Batches cut and not yet settled.",
		}),
		prunedN: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "grantledger_anchor_pruned_receipts_total",
			Help: "Settled receipts removed from the log by retention (their batches settled longer ago than -retain).",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.receipts, m.batches, m.size, m.submit, m.toSettle, m.pending, m.openBatch, m.prunedN} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// measure counts every request by route template (never the raw path,
// whose IDs would explode the label space), method and status.
func (m *Metrics) measure(c *gin.Context) {
	start := time.Now()
	c.Next()
	if m == nil {
		return
	}
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
	m.latency.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
}

func (m *Metrics) receipt(outcome string) {
	if m != nil {
		m.receipts.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) batch(outcome string) {
	if m != nil {
		m.batches.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) cut(n int) {
	if m != nil {
		m.size.Observe(float64(n))
	}
}

func (m *Metrics) call(op string, start time.Time) {
	if m != nil {
		m.submit.WithLabelValues(op).Observe(time.Since(start).Seconds())
	}
}

// settled records the receipts the contract decided.
func (m *Metrics) settled(recs []*Record) {
	if m == nil {
		return
	}
	for _, r := range recs {
		m.receipts.WithLabelValues(r.Status).Inc()
		m.toSettle.Observe(r.Settled.Sub(r.Accepted).Seconds())
	}
}

// backlog records the log's pending receipts and open batches.
func (m *Metrics) backlog(pending, open int) {
	if m != nil {
		m.pending.Set(float64(pending))
		m.openBatch.Set(float64(open))
	}
}

// pruned counts receipts retention removed.
func (m *Metrics) pruned(n int) {
	if m != nil {
		m.prunedN.Add(float64(n))
	}
}
