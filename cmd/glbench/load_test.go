package main

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestWindowCountsCompletionsInside(t *testing.T) {
	var calls atomic.Int64
	w := window{clients: 4, warmup: 60 * time.Millisecond, length: 300 * time.Millisecond}
	m := w.run(context.Background(), func(ctx context.Context, worker int) (time.Duration, int64, error) {
		n := calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		if n%10 == 0 {
			return 20 * time.Millisecond, 1, errors.New("every tenth fails")
		}
		return 20 * time.Millisecond, 3, nil
	})
	// 4 clients × 300 ms / 20 ms: at most 60 operations in the window (fewer
	// on a busy machine); the warm-up's and the wind-down's are not counted.
	total := m.Ops + m.Errors
	if total < 8 || total > 64 || total >= calls.Load() {
		t.Errorf("got %d operations counted of %d made, want at most about 60 and fewer than made", total, calls.Load())
	}
	if m.Errors == 0 || m.Units != 3*m.Ops || m.P50 != 20*time.Millisecond {
		t.Errorf("got %d errors, %d units for %d ops, p50 %s", m.Errors, m.Units, m.Ops, m.P50)
	}
	if m.length != 300*time.Millisecond {
		t.Errorf("window: got %s, want 300ms unstretched", m.length)
	}
}

func TestWindowStretchesForSlowOperations(t *testing.T) {
	w := window{clients: 2, warmup: 10 * time.Millisecond, length: 100 * time.Millisecond}
	m := w.run(context.Background(), func(ctx context.Context, worker int) (time.Duration, int64, error) {
		time.Sleep(120 * time.Millisecond)
		return 120 * time.Millisecond, 500, nil
	})
	// Two clients must complete minOpsPerClient operations each: the
	// window stretches past its 100 ms to about 240 ms.
	if m.Ops < int64(minOpsPerClient*2) || m.length < 200*time.Millisecond || m.length > time.Duration(maxStretch)*100*time.Millisecond {
		t.Errorf("got %d ops in %s, want at least %d in a stretched window", m.Ops, m.length, minOpsPerClient*2)
	}
	if m.PerSecond <= 0 {
		t.Errorf("per second: got %v", m.PerSecond)
	}
}
