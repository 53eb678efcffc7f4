package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/grantledger/grantledger/bench"
	"github.com/grantledger/grantledger/ledger"
	"github.com/grantledger/grantledger/network"
)

// The anchoring service's HTTP API as the bench uses it (docs/anchoring.md):
// POST /v1/receipts answers 202 with the receipt's status once the receipt
// is durable in the service's log; GET /v1/events streams the log's events
// as Server-Sent Events (receipt.anchored, receipt.refused, batch.…),
// resumable with Last-Event-ID across restarts.

// anchorEvent is the data of one event of the stream.
type anchorEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Payload struct {
		ReceiptID string `json:"receiptId"`
		Status    string `json:"status"`
		BatchID   string `json:"batchId"`
		TxID      string `json:"txId"`
		Reason    string `json:"reason"`
	} `json:"payload"`
}

// anchoredAt is what the event stream told of one receipt.
type anchoredAt struct {
	at            time.Time
	batchID, txID string
}

// eventFollower follows the anchoring service's event stream from the
// moment it is started, reconnecting after the last event it received
// (Last-Event-ID) when the stream breaks, as when the service is killed.
type eventFollower struct {
	api *apiClient

	mu       sync.Mutex
	anchored map[string]anchoredAt
	refused  map[string]string
	// doubled counts receipts the stream called anchored twice, in two
	// different batches or transactions.
	doubled   map[string]bool
	last      string
	reconnect int
	changed   chan struct{}
}

// follow opens the stream and returns once it is open (so that nothing
// posted afterwards is missed); it follows it until ctx ends.
func follow(ctx context.Context, api *apiClient) (*eventFollower, error) {
	f := &eventFollower{api: api, anchored: map[string]anchoredAt{}, refused: map[string]string{}, doubled: map[string]bool{}, changed: make(chan struct{})}
	res, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			if res != nil {
				err := f.read(res)
				res.Body.Close()
				if ctx.Err() != nil {
					return
				}
				_ = err // a broken stream is reopened after the last event
				f.mu.Lock()
				f.reconnect++
				f.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			res, _ = f.open(ctx)
		}
	}()
	return f, nil
}

// open opens the stream: after the last event received, or after the
// newest event of the log the first time.
func (f *eventFollower) open(ctx context.Context) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.api.base+"/v1/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+f.api.tokens["User1"])
	req.Header.Set("Accept", "text/event-stream")
	f.mu.Lock()
	if f.last != "" {
		req.Header.Set("Last-Event-ID", f.last)
	}
	f.mu.Unlock()
	// No client timeout: the stream stays open.
	res, err := (&http.Client{Transport: httpClient.Transport}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("open the anchoring events: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, fmt.Errorf("open the anchoring events: status %d", res.StatusCode)
	}
	return res, nil
}

// read records each event of one connection until it ends.
func (f *eventFollower) read(res *http.Response) error {
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev anchorEvent
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return fmt.Errorf("anchoring event %q: %w", data, err)
		}
		now := time.Now()
		f.mu.Lock()
		f.last = ev.ID
		id := ev.Payload.ReceiptID
		switch ev.Type {
		case "receipt.anchored":
			if prev, seen := f.anchored[id]; seen {
				if prev.batchID != ev.Payload.BatchID || prev.txID != ev.Payload.TxID {
					f.doubled[id] = true
				}
			} else {
				f.anchored[id] = anchoredAt{at: now, batchID: ev.Payload.BatchID, txID: ev.Payload.TxID}
			}
		case "receipt.refused":
			f.refused[id] = ev.Payload.Reason
		}
		close(f.changed)
		f.changed = make(chan struct{})
		f.mu.Unlock()
	}
	return sc.Err()
}

// settled returns when each of ids is anchored or refused, or at deadline;
// it reports how many are.
func (f *eventFollower) settled(ctx context.Context, ids []string, deadline time.Time) int {
	for {
		f.mu.Lock()
		n := 0
		for _, id := range ids {
			_, a := f.anchored[id]
			_, r := f.refused[id]
			if a || r {
				n++
			}
		}
		changed := f.changed
		f.mu.Unlock()
		if n == len(ids) {
			return n
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return n
		case <-time.After(time.Until(deadline)):
			return n
		}
	}
}

// signed is a receipt signed ahead of the window, and its request body.
type signed struct {
	id   string
	body []byte
}

// presign signs n receipts before the window, on every core, so that the
// window measures the service and not the bench signing for it (a
// signature costs the bench about 0.2 ms of CPU, which at thousands of
// receipts a second would take a core from the 2 the network has).
func (b *benchRun) presign(ctx context.Context, n int, tag string, grantOf func(i int) string) ([]signed, error) {
	out := make([]signed, n)
	var next atomic.Int64
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for g := range errs {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				r := b.w.receipt(grantOf(i), b.w.receiptID(tag))
				body, err := json.Marshal(r)
				if err != nil {
					errs[g] = err
					return
				}
				out[i] = signed{id: r.Statement.ReceiptID, body: body}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	return out, nil
}

// anchorPool is how many receipts are signed ahead for a window: the rate
// of the target on a fast machine, 2,000 a second, for the window
// and its warm-up. Past it the workers sign on the fly (and the report
// says so).
func (b *benchRun) anchorPool() int {
	return int((b.cfg.AnchoredWindow + b.cfg.Warmup).Seconds() * 2000)
}

// anchorRun is one run through the anchoring service: what was posted and
// acknowledged, and what the stream said of it.
type anchorRun struct {
	// posted maps each receipt acknowledged to when it was first sent.
	posted map[string]time.Time
	// inWindow lists the acknowledged receipts first sent inside the window.
	inWindow []string
	failures []error
	// retried counts posts that failed while the service was down (killed
	// on purpose) and were sent again.
	retried int64
	// fresh counts receipts signed during the window (pool exhausted).
	fresh int64
	kills []time.Duration // each kill's downtime until ready again
	from  time.Time
	f     *eventFollower
	// cpu is how busy the machine and the network were in the window.
	cpu *bench.CPUShare
	// profiles are the CPU profiles' summaries, when taken.
	profiles map[string]string
	// stop ends the event stream, once the run is summarised.
	stop func()
}

// driveAnchor posts pre-signed receipts to the anchoring service with
// clients clients for warm-up and window, killing the service with
// SIGKILL (and restarting it) kills times, evenly within the window. A
// post that fails is sent again, the same receipt, until acknowledged: the
// trusted environment keeps a receipt until the service has it.
func (b *benchRun) driveAnchor(ctx context.Context, api *apiClient, tag string, grantOf func(i int) string, kills int, profile bool) (*anchorRun, error) {
	pool, err := b.presign(ctx, b.anchorPool(), tag, grantOf)
	if err != nil {
		return nil, err
	}
	sctx, stopStream := context.WithCancel(ctx)
	f, err := follow(sctx, api)
	if err != nil {
		stopStream()
		return nil, err
	}
	run := &anchorRun{posted: map[string]time.Time{}, f: f, stop: stopStream}
	var (
		mu      sync.Mutex
		next    atomic.Int64
		stopped atomic.Bool
		fresh   atomic.Int64
	)
	start := time.Now()
	run.from = start.Add(b.cfg.Warmup)
	to := run.from.Add(b.cfg.AnchoredWindow)
	take := func() signed {
		i := int(next.Add(1) - 1)
		if i < len(pool) {
			return pool[i]
		}
		fresh.Add(1)
		r := b.w.receipt(grantOf(i), b.w.receiptID(tag))
		body, _ := json.Marshal(r) // a receipt request always encodes
		return signed{id: r.Statement.ReceiptID, body: body}
	}
	var wg sync.WaitGroup
	for range b.cfg.Clients {
		wg.Go(func() {
			for ctx.Err() == nil && !stopped.Load() {
				r := take()
				sent := time.Now()
				// Sent again until acknowledged, or until the window is
				// over (then it was never acknowledged: not counted).
				for first := true; ctx.Err() == nil && (first || !stopped.Load()); first = false {
					a, err := api.do(ctx, http.MethodPost, "/v1/receipts", r.body)
					if err == nil {
						err = a.expect("POST /v1/receipts to the anchoring service", http.StatusAccepted)
					}
					if err == nil {
						mu.Lock()
						run.posted[r.id] = sent
						if !sent.Before(run.from) && sent.Before(to) {
							run.inWindow = append(run.inWindow, r.id)
						}
						mu.Unlock()
						break
					}
					refused := a.status >= 400 && a.status < 500
					mu.Lock()
					switch {
					case kills > 0 && !refused:
						// The service is down, killed on purpose: the
						// receipt is sent again, as a client would.
						run.retried++
					case !sent.Before(run.from) && sent.Before(to):
						run.failures = append(run.failures, err)
					}
					mu.Unlock()
					if refused {
						break // sending it again changes nothing
					}
					select {
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond):
					}
				}
			}
		})
	}
	probe := b.newProbe()
	var profiles func() map[string]string
	if sleepUntil(ctx, run.from) {
		probe.start()
		if profile {
			profiles = b.startProfiles(ctx)
		}
	}
	// The kills, evenly spaced inside the window.
	for k := 1; k <= kills && ctx.Err() == nil; k++ {
		at := run.from.Add(time.Duration(k) * b.cfg.AnchoredWindow / time.Duration(kills+1))
		if !sleepUntil(ctx, at) {
			break
		}
		down, err := b.killAnchor(ctx)
		if err != nil {
			stopped.Store(true)
			wg.Wait()
			stopStream()
			return nil, err
		}
		run.kills = append(run.kills, down)
	}
	sleepUntil(ctx, to)
	run.cpu = probe.stop()
	stopped.Store(true)
	wg.Wait()
	run.fresh = fresh.Load()
	if profiles != nil {
		run.profiles = profiles()
	}
	if err := ctx.Err(); err != nil {
		stopStream()
		return nil, err
	}
	return run, nil
}

// killAnchor kills the platform's anchoring service with SIGKILL, as a
// crash would, and starts it again on its log; it returns how long the
// service was down (until it answered /readyz again).
func (b *benchRun) killAnchor(ctx context.Context) (time.Duration, error) {
	name := "anchor-" + b.platformOrg().Name
	pid, err := b.net.PID(name)
	if err != nil {
		return 0, fmt.Errorf("kill the anchoring service: %w", err)
	}
	t := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return 0, fmt.Errorf("kill the anchoring service (pid %d): %w", pid, err)
	}
	for i := 0; i < 100; i++ {
		if _, err := b.net.PID(name); err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.logf("killed %s (pid %d) with SIGKILL; starting it again", name, pid)
	if err := b.net.StartAnchor(ctx, b.platformOrg().Name); err != nil {
		return 0, fmt.Errorf("restart the anchoring service: %w", err)
	}
	return time.Since(t), nil
}

// anchorAPI is the platform's anchoring service, which takes the
// platform's API tokens; errUnavailable when the topology has none.
func (b *benchRun) anchorAPI() (*apiClient, error) {
	o := b.platformOrg()
	if o == nil || o.Anchor == "" {
		return nil, fmt.Errorf("%w: the topology has no anchoring service", errUnavailable)
	}
	platform := b.apis[b.w.platform]
	return &apiClient{msp: platform.msp, base: "http://" + o.Anchor, tokens: platform.tokens}, nil
}

// receiptAnchored and anchorCrash report in receipts anchored per second.
const anchoredUnit = "receipts/s"

// anchored is receipt-anchored: clients clients post receipts of the 16
// grants to the anchoring service for the anchored window; its throughput
// is the receipts first sent in the window that were anchored, per second
// from the window's start to the last of them anchored (so a service that
// falls behind is measured at the rate it anchors, not the rate it
// acknowledges); its latencies are from a receipt's first post to its
// receipt.anchored event on the stream.
func (b *benchRun) anchored(ctx context.Context) bench.Scenario {
	api, err := b.anchorAPI()
	if err != nil {
		return unavailableOrFailed(bench.ReceiptAnchored, err)
	}
	run, err := b.driveAnchor(ctx, api, "a", func(i int) string { return b.w.grants[i%len(b.w.grants)] }, 0, b.cfg.Profile)
	if err != nil {
		return failed(bench.ReceiptAnchored, anchoredUnit, err)
	}
	defer run.stop()
	s := b.anchorSummary(ctx, bench.ReceiptAnchored, run)
	// The next scenario (anchor-crash) must not start behind this one's
	// backlog: wait, unmeasured, until every receipt this one had
	// acknowledged is settled.
	t := time.Now()
	acked := run.acknowledged()
	if n := run.f.settled(ctx, acked, time.Now().Add(crashSettle*b.cfg.AnchorDrain)); n < len(acked) {
		b.logf("%d receipts of %s still pending after %s", len(acked)-n, bench.ReceiptAnchored, time.Since(t).Round(time.Second))
	} else {
		b.logf("the anchoring service settled the last of %d receipts %s after the drain", len(acked), time.Since(t).Round(time.Second))
	}
	return s
}

// acknowledged lists every receipt the service acknowledged in the run,
// warm-up included.
func (r *anchorRun) acknowledged() []string {
	out := make([]string, 0, len(r.posted))
	for id := range r.posted {
		out = append(out, id)
	}
	return out
}

// anchorSummary drains a run (waits until its window's receipts are
// anchored, up to anchor-drain) and summarises it.
func (b *benchRun) anchorSummary(ctx context.Context, name string, run *anchorRun) bench.Scenario {
	settled := run.f.settled(ctx, run.inWindow, time.Now().Add(b.cfg.AnchorDrain))
	f := run.f
	f.mu.Lock()
	defer f.mu.Unlock()
	var rec bench.Recorder
	last := run.from
	for _, id := range run.inWindow {
		a, ok := f.anchored[id]
		switch {
		case ok:
			rec.Success(a.at.Sub(run.posted[id]), 1)
			if a.at.After(last) {
				last = a.at
			}
		case f.refused[id] != "":
			rec.Failure(fmt.Errorf("receipt %s refused: %s", id, f.refused[id]))
		default:
			rec.Failure(fmt.Errorf("receipt %s acknowledged but not anchored %s after the window", id, b.cfg.AnchorDrain))
		}
	}
	for _, err := range run.failures {
		rec.Failure(err)
	}
	span := last.Sub(run.from)
	s := bench.FromSummary(name, anchoredUnit, b.cfg.Clients, span, rec.Summarize(span))
	s.CPU = run.cpu
	s.Extra = map[string]any{
		"window_s":          b.cfg.AnchoredWindow.Seconds(),
		"acknowledged":      len(run.inWindow),
		"settled_in_drain":  settled,
		"signed_in_window":  run.fresh,
		"posts_retried":     run.retried,
		"stream_reconnects": f.reconnect,
	}
	if run.profiles != nil {
		s.Extra["profiles"] = run.profiles
	}
	if len(run.kills) > 0 {
		var downs []float64
		for _, d := range run.kills {
			downs = append(downs, roundTo(d.Seconds(), 2))
		}
		s.Extra["kill_downtime_s"] = downs
	}
	return s
}

// anchorCrash is anchor-crash: receipt-anchored on a grant of its own,
// with the anchoring service killed with SIGKILL twice in the window and
// started again. Then the ledger is read: every receipt the service
// acknowledged must be on it (lost counts those that are not) and none
// counted twice (doubled counts receipts the stream reported anchored in
// two different batches or transactions, plus any excess of the grant's
// usage — one call per accepted receipt — over the receipts on record).
func (b *benchRun) anchorCrash(ctx context.Context) (bench.Scenario, bench.CrashResult) {
	const kills = 2
	api, err := b.anchorAPI()
	if err != nil {
		return unavailableOrFailed(bench.AnchorCrash, err), bench.CrashResult{Note: "not measured: " + err.Error()}
	}
	before, err := b.w.as(b.w.operator).GetGrantUsage(ctx, b.w.crash)
	if err != nil {
		return failed(bench.AnchorCrash, anchoredUnit, err), bench.CrashResult{Note: "not measured: " + err.Error()}
	}
	run, err := b.driveAnchor(ctx, api, "c", func(int) string { return b.w.crash }, kills, false)
	if err != nil {
		return failed(bench.AnchorCrash, anchoredUnit, err), bench.CrashResult{Kills: len(runKills(run)), Note: "not measured: " + err.Error()}
	}
	defer run.stop()
	s := b.anchorSummary(ctx, bench.AnchorCrash, run)

	// Every acknowledged receipt, warm-up included, must reach the ledger.
	// The verdict reads the ledger, not the event stream: it waits until
	// the ledger holds every acknowledged receipt, or crashSettle drains
	// have passed (then a receipt still pending in the service's log is
	// counted apart, as neither anchored nor lost).
	acked := run.acknowledged()
	deadline := time.Now().Add(crashSettle * b.cfg.AnchorDrain)
	var onLedger map[string]bool
	var added int64
	for {
		if onLedger, added, err = b.crashLedger(ctx, before.Calls); err != nil {
			return s, bench.CrashResult{Kills: len(run.kills), Note: "not measured: " + err.Error()}
		}
		missing := 0
		for _, id := range acked {
			if !onLedger[id] {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		if !sleepUntil(ctx, time.Now().Add(2*time.Second)) {
			return s, bench.CrashResult{Kills: len(run.kills), Note: "not measured: " + ctx.Err().Error()}
		}
	}
	var anchored, pending int64
	var lostSamples []string
	for _, id := range acked {
		if onLedger[id] {
			anchored++
			continue
		}
		// Not on the ledger: what does the service say of it?
		st, err := anchorStatus(ctx, api, id)
		switch {
		case err == nil && st.Status == "pending":
			pending++
		case len(lostSamples) < 3:
			lostSamples = append(lostSamples, fmt.Sprintf("%s: %+v %v", id, st, err))
		}
	}
	run.f.mu.Lock()
	doubled := int64(len(run.f.doubled))
	run.f.mu.Unlock()
	if excess := added - int64(len(onLedger)); excess > 0 {
		doubled += excess
	}
	crash := bench.CrashResult{
		Acknowledged: bench.Int(int64(len(acked))), Anchored: bench.Int(anchored),
		Lost: bench.Int(int64(len(acked)) - anchored - pending), Doubled: bench.Int(doubled), Kills: len(run.kills),
	}
	if pending > 0 {
		crash.Note = fmt.Sprintf("%d acknowledged receipts were still pending in the service's log %s after the window: neither anchored nor lost", pending, crashSettle*b.cfg.AnchorDrain)
	}
	if len(lostSamples) > 0 {
		crash.Note = strings.TrimPrefix(crash.Note+"; lost: "+strings.Join(lostSamples, " | "), "; ")
	}
	s.Extra["still_pending"] = pending
	s.Extra["receipts_on_ledger"] = len(onLedger)
	s.Extra["usage_calls_added"] = added
	return s, crash
}

// crashLedger reads, at one height of the operator's peer, the receipts
// of anchor-crash's grant and how many calls its usage gained since
// before: the list is read before and after the usage, and again until
// both lists agree (no block committed in between).
func (b *benchRun) crashLedger(ctx context.Context, before uint64) (map[string]bool, int64, error) {
	if err := b.w.settle(ctx); err != nil {
		return nil, 0, err
	}
	for attempt := 0; ; attempt++ {
		first, err := b.receiptsOfGrant(ctx, b.w.crash)
		if err != nil {
			return nil, 0, err
		}
		u, err := b.w.as(b.w.operator).GetGrantUsage(ctx, b.w.crash)
		if err != nil {
			return nil, 0, err
		}
		second, err := b.receiptsOfGrant(ctx, b.w.crash)
		if err != nil {
			return nil, 0, err
		}
		if len(first) == len(second) || attempt == 20 {
			return second, int64(u.Calls - before), nil
		}
	}
}

// crashSettle is how many drains anchor-crash waits at most for every
// acknowledged receipt to settle before it counts.
const crashSettle = 3

// anchorStatus reads a receipt's status from the anchoring service.
func anchorStatus(ctx context.Context, api *apiClient, id string) (anchorStatusBody, error) {
	var st anchorStatusBody
	a, err := api.do(ctx, http.MethodGet, "/v1/receipts/"+id, nil)
	if err == nil {
		err = a.expect("GET /v1/receipts/"+id, http.StatusOK)
	}
	if err == nil {
		err = json.Unmarshal(a.body, &st)
	}
	return st, err
}

// anchorStatusBody is the part of GET /v1/receipts/{id} the bench reads.
type anchorStatusBody struct {
	Status  string `json:"status"`
	BatchID string `json:"batchId"`
	Reason  string `json:"reason"`
}

func runKills(r *anchorRun) []time.Duration {
	if r == nil {
		return nil
	}
	return r.kills
}

// receiptsOfGrant lists the IDs of a grant's receipts on the ledger, as
// the operator (the grants' holder) reads them, a page of 100 at a time.
func (b *benchRun) receiptsOfGrant(ctx context.Context, grant string) (map[string]bool, error) {
	out := map[string]bool{}
	q := ledger.Query{By: "grant", Value: grant, PageSize: 100}
	for {
		page, err := b.w.as(b.w.operator).QueryReceipts(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("receipts of %s: %w", grant, err)
		}
		for _, r := range page.Items {
			out[r.ID] = true
		}
		if page.Bookmark == "" {
			return out, nil
		}
		q.Bookmark = page.Bookmark
	}
}

// platformOrg is the platform organisation in the (shifted) topology.
func (b *benchRun) platformOrg() *network.PeerOrg {
	o, ok := b.net.Topology().Org(b.w.platform)
	if !ok {
		return nil
	}
	return o
}

// unavailableOrFailed reports a scenario that could not run: unavailable
// when what it drives is missing from this tree or topology, failed else.
func unavailableOrFailed(name string, err error) bench.Scenario {
	s := failed(name, anchoredUnit, err)
	if errors.Is(err, errUnavailable) {
		s.Status = bench.Unavailable
	}
	return s
}
