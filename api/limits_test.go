package api

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
)

// clock is a time the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRateLimit(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	ts := newTestServer(t, func(o *Options) {
		o.Limits = Limits{Rate: 2, Burst: 3}
		o.Now = clk.Now
	})
	get := func(user string) *httptest.ResponseRecorder {
		return ts.do(t, request{method: http.MethodGet, path: "/v1/datasets/ds-1", user: user})
	}
	for i := range 3 {
		if rec := get("Admin"); rec.Code != http.StatusOK {
			t.Fatalf("request %d of a burst of 3: got %d %s, want 200", i+1, rec.Code, rec.Body)
		}
	}
	rec := get("Admin")
	if checkAnswer(t, rec, http.StatusTooManyRequests, "rate_limited") {
		if got := rec.Header().Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After: got %q, want 1 (one request comes back in half a second)", got)
		}
		if b := decodeErrorBody(t, rec); !strings.Contains(b.Message, "2 requests a second") {
			t.Errorf("message %q does not say the rate", b.Message)
		}
	}
	calls := len(ts.state.recorded())
	if calls != 3 {
		t.Errorf("ledger calls: got %d, want 3: a refused request reaches nothing", calls)
	}
	// Each token has its own bucket; public routes have none.
	if rec := get("User1"); rec.Code != http.StatusOK {
		t.Errorf("another token: got %d, want 200", rec.Code)
	}
	for range 5 {
		if rec := ts.do(t, request{method: http.MethodGet, path: "/healthz"}); rec.Code != http.StatusOK {
			t.Fatalf("/healthz: got %d, want 200", rec.Code)
		}
	}
	// A refused request takes nothing from the bucket: half a second
	// later one request is allowed, and one only.
	clk.add(500 * time.Millisecond)
	if rec := get("Admin"); rec.Code != http.StatusOK {
		t.Errorf("half a second later: got %d, want 200", rec.Code)
	}
	if rec := get("Admin"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("right after: got %d, want 429", rec.Code)
	}
	// A keyed POST refused for its rate reserves nothing: the retry runs.
	h := map[string]string{"Idempotency-Key": "k-1"}
	if rec := ts.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h}); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("keyed POST over the rate: got %d, want 429", rec.Code)
	}
	clk.add(time.Second)
	if rec := ts.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h}); rec.Code != http.StatusCreated || rec.Header().Get(headerReplayed) != "" {
		t.Errorf("its retry: got %d (replayed %q), want a first 201", rec.Code, rec.Header().Get(headerReplayed))
	}
	metrics := ts.do(t, request{method: http.MethodGet, path: "/metrics"}).Body.String()
	if want := `grantledger_api_limited_total{limit="rate"} 3`; !strings.Contains(metrics, want) {
		t.Errorf("metrics lack %s", want)
	}
}

func TestRetryAfter(t *testing.T) {
	for wait, want := range map[time.Duration]string{
		time.Nanosecond: "1", 500 * time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", 90 * time.Second: "90",
	} {
		if got := retryAfter(wait); got != want {
			t.Errorf("retryAfter(%s) = %q, want %q", wait, got, want)
		}
	}
}

func TestLimitsRefused(t *testing.T) {
	for _, l := range []Limits{{Rate: -1}, {Burst: -1}, {Streams: -1}} {
		_, err := New(Options{Org: "AuthorityMSP", Identities: NewPool(nil, nil), Tokens: &Authenticator{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: l})
		if err == nil {
			t.Errorf("New with limits %+v: no error", l)
		}
	}
}

// floodEvents is an event source that sends large events as fast as its
// reader takes them, until the stream ends.
type floodEvents struct {
	fake
	size int
}

func (f floodEvents) ChaincodeEvents(ctx context.Context, _ *uint64) (<-chan client.ChainEvent, error) {
	out := make(chan client.ChainEvent)
	payload := []byte(strings.Repeat("x", f.size))
	go func() {
		defer close(out)
		for n := uint64(1); ; n++ {
			select {
			case out <- client.ChainEvent{BlockNumber: n, TransactionID: "tx", Name: "dataset.created", Payload: payload}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// openStream opens the event stream with a token and returns the answer.
func openStream(t *testing.T, ctx context.Context, url, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestStreamLimit(t *testing.T) {
	script := &eventScript{hold: true}
	ts := newServerOver(t, script.ledger, func(o *Options) {
		o.Limits = Limits{Streams: 1}
		o.Heartbeat = 20 * time.Millisecond
	})
	srv := httptest.NewServer(ts.Handler())
	defer srv.Close()

	ctx, closeFirst := context.WithCancel(t.Context())
	first := openStream(t, ctx, srv.URL, ts.tokens["Admin"])
	defer first.Body.Close()
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first stream: got %d, want 200", first.StatusCode)
	}
	second := openStream(t, t.Context(), srv.URL, ts.tokens["Admin"])
	second.Body.Close()
	if second.StatusCode != http.StatusTooManyRequests || second.Header.Get("Retry-After") != "2" {
		t.Errorf("second stream of the token: got %d (Retry-After %q), want 429 with Retry-After 2", second.StatusCode, second.Header.Get("Retry-After"))
	}
	other := openStream(t, t.Context(), srv.URL, ts.tokens["User1"])
	other.Body.Close()
	if other.StatusCode != http.StatusOK {
		t.Errorf("a stream of another token: got %d, want 200", other.StatusCode)
	}
	closeFirst()
	deadline := time.Now().Add(5 * time.Second)
	for {
		again := openStream(t, t.Context(), srv.URL, ts.tokens["Admin"])
		again.Body.Close()
		if again.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a stream after the first closed: still %d", again.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	metrics := ts.do(t, request{method: http.MethodGet, path: "/metrics"}).Body.String()
	if !strings.Contains(metrics, `grantledger_api_limited_total{limit="streams"}`) {
		t.Errorf("metrics lack the refused streams")
	}
}

// A client that stops reading its stream holds it only until a write
// cannot finish within the write timeout: then the stream ends and its
// place under the limit is free.
func TestStreamOfAClientThatStopsReading(t *testing.T) {
	ts := newServerOver(t, func(f fake) Ledger {
		return fakeLedger{EventSource: floodEvents{f, 1 << 20}, ActorLedger: fakeActor{f}}
	}, func(o *Options) {
		o.Limits = Limits{Streams: 1}
		o.WriteTimeout, o.Heartbeat = 100*time.Millisecond, 50*time.Millisecond
	})
	srv := httptest.NewServer(ts.Handler())
	defer srv.Close()
	stalled := openStream(t, t.Context(), srv.URL, ts.tokens["Admin"])
	defer stalled.Body.Close()
	if stalled.StatusCode != http.StatusOK {
		t.Fatalf("stream: got %d, want 200", stalled.StatusCode)
	}
	if _, err := bufio.NewReader(stalled.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	// Read nothing more: the socket buffers (a few MiB) fill, a write
	// blocks. The deadline is generous for a loaded machine; without the
	// per-write deadline the place is never freed.
	deadline := time.Now().Add(30 * time.Second)
	for {
		again := openStream(t, t.Context(), srv.URL, ts.tokens["Admin"])
		again.Body.Close()
		if again.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stalled stream still holds its place after 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
