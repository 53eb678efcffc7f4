package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grantledger/grantledger/bench"
)

// op is one operation of a scenario by one worker: it prepares what it
// sends (signing receipts, encoding bodies) and then times only the
// request itself, which it returns with the units of work done (1 for a
// transaction or a read, the receipt count of a batch).
type op func(ctx context.Context, worker int) (latency time.Duration, units int64, err error)

// window is a closed-loop load: clients workers each run their operation
// again as soon as the previous one returns, for warmup and then for the
// measurement window.
type window struct {
	clients        int
	warmup, length time.Duration
	// probe reads the CPU time of the machine and of the network's
	// processes at the window's start and end.
	probe *cpuProbe
}

// minOpsPerClient and maxStretch bound how a window adapts to slow
// operations: a window in which fewer than minOpsPerClient × clients
// operations completed is stretched until that many have, up to maxStretch
// × its length. Without it a 5-second quick window measures nothing of a
// batch that takes 8 s to commit on a busy machine, or a handful of
// operations whose rate is mostly rounding.
const (
	minOpsPerClient = 2
	maxStretch      = 4
)

// measured is what a load produced: the summary of the operations that
// completed inside the window, the window's actual length and how busy the
// CPUs were meanwhile.
type measured struct {
	bench.Summary
	length time.Duration
	cpu    *bench.CPUShare
}

// sample is one completed operation.
type sample struct {
	done  time.Time
	lat   time.Duration
	units int64
	err   error
}

// run drives the load. An operation counts when it completes inside the
// window: one that completes during the warm-up, or after the window while
// the workers wind down, is not recorded, so the throughput is completions
// per second of the window. Operations in flight at the end are left to
// finish (not cancelled), so the next scenario starts on a quiet network.
func (w window) run(ctx context.Context, do op) measured {
	start := time.Now()
	from := start.Add(w.warmup)
	minOps := int64(minOpsPerClient * w.clients)

	var (
		mu      sync.Mutex
		samples []sample
		inside  atomic.Int64 // completions after from
		stopped atomic.Bool
		tick    = make(chan struct{}, 1)
	)
	var wg sync.WaitGroup
	for worker := range w.clients {
		wg.Go(func() {
			for ctx.Err() == nil && !stopped.Load() {
				lat, units, err := do(ctx, worker)
				s := sample{done: time.Now(), lat: lat, units: units, err: err}
				if s.done.Before(from) {
					continue
				}
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
				inside.Add(1)
				select {
				case tick <- struct{}{}:
				default:
				}
			}
		})
	}

	// The window ends at its length, or later if too few operations have
	// completed by then (see minOpsPerClient).
	end := from.Add(w.length)
	if sleepUntil(ctx, from) {
		w.probe.start()
		if sleepUntil(ctx, end) && inside.Load() < minOps {
			limit := time.NewTimer(time.Duration(maxStretch-1) * w.length)
		stretch:
			for inside.Load() < minOps {
				select {
				case <-tick:
				case <-limit.C:
					break stretch
				case <-ctx.Done():
					break stretch
				}
			}
			limit.Stop()
			end = time.Now()
		}
	}
	cpu := w.probe.stop()
	stopped.Store(true)
	wg.Wait()

	var rec bench.Recorder
	for _, s := range samples {
		switch {
		case s.done.After(end):
		case s.err != nil:
			rec.Failure(s.err)
		default:
			rec.Success(s.lat, s.units)
		}
	}
	length := end.Sub(from)
	return measured{Summary: rec.Summarize(length), length: length, cpu: cpu}
}

// sleepUntil waits until t or until ctx ends, and reports which.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
