// Package bench holds the pure parts of grantledger's benchmark (cmd/glbench):
// latency recording and percentiles, the report written to
// var/bench/latest.json, the table printed on stdout, the targets the
// issue sets and the SVG chart. Nothing here touches a network, so all of
// it is unit-tested; cmd/glbench drives the scenarios.
package bench

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Recorder collects the outcome of every operation of a scenario that
// completed inside its measurement window. It is safe for concurrent use:
// each worker records into it directly (a mutex held for an append is far
// below the milliseconds an operation takes).
type Recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	// units counts what each success did: 1 for a transaction or a read,
	// 500 for a batch of 500 receipts.
	units  int64
	ops    int64
	errors int64
	// firstErrors keeps a few error messages, for the report's note.
	firstErrors []string
}

// maxErrorSamples bounds the error messages a Recorder keeps.
const maxErrorSamples = 5

// Success records an operation that did units of work in d.
func (r *Recorder) Success(d time.Duration, units int64) {
	r.mu.Lock()
	r.latencies = append(r.latencies, d)
	r.units += units
	r.ops++
	r.mu.Unlock()
}

// Failure records an operation that failed.
func (r *Recorder) Failure(err error) {
	r.mu.Lock()
	r.errors++
	if len(r.firstErrors) < maxErrorSamples && err != nil {
		msg := err.Error()
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		if !slices.Contains(r.firstErrors, msg) {
			r.firstErrors = append(r.firstErrors, msg)
		}
	}
	r.mu.Unlock()
}

// Summary is what a Recorder saw, over a window of known length.
type Summary struct {
	Ops    int64
	Units  int64
	Errors int64
	P50    time.Duration
	P99    time.Duration
	// PerSecond is units per second of the window.
	PerSecond float64
	// ErrorSamples are the first distinct error messages.
	ErrorSamples []string
}

// Summarize computes the summary over a window of the given length.
func (r *Recorder) Summarize(window time.Duration) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	s := Summary{Ops: r.ops, Units: r.units, Errors: r.errors, ErrorSamples: slices.Clone(r.firstErrors)}
	s.P50, s.P99 = Percentile(lat, 50), Percentile(lat, 99)
	if window > 0 {
		s.PerSecond = float64(r.units) / window.Seconds()
	}
	return s
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value such that at least p percent of
// the values are at most it. It never interpolates, so every percentile
// reported is a latency that was measured. Empty input gives 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// Millis is d in milliseconds, rounded to a tenth.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*10) / 10
}
