//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// Events: every transaction emits its one chaincode event, in commit
// order, and none of an invalidated transaction; the APIs stream them as
// Server-Sent Events that a client resumes with Last-Event-ID.

// eventsInOrder reads the contract's chaincode events from the block before
// the run's first transaction: every transaction the run committed emitted
// its one event, named <type>.<change>, in commit order; the transactions
// validation refused emitted none.
func (p *process) eventsInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	events, err := p.as(p.regulator).Network().ChaincodeEvents(ctx, shared.profile.Chaincode, gateway.WithStartBlock(p.startBlock))
	ok(t, err, "chaincode events from block %d", p.startBlock)
	mine := map[string]bool{}
	for _, e := range p.committed {
		mine[e.TxID] = true
	}
	var got []emitted
	for len(got) < len(p.committed) {
		var ev *gateway.ChaincodeEvent
		select {
		case e, open := <-events:
			if !open {
				t.Fatalf("event stream ended after %d of the run's %d events", len(got), len(p.committed))
			}
			ev = e
		case <-ctx.Done():
			t.Fatalf("got %d of the run's %d events before %v; the first missing: %+v", len(got), len(p.committed), ctx.Err(), p.committed[len(got)])
		}
		if slices.Contains(p.invalid, ev.TransactionID) {
			t.Errorf("event %s of the invalidated transaction %s was delivered", ev.EventName, ev.TransactionID)
		}
		if !mine[ev.TransactionID] {
			continue
		}
		var payload ledger.Event
		if err := json.Unmarshal(ev.Payload, &payload); err != nil {
			t.Fatalf("event %s of %s: payload %q: %v", ev.EventName, ev.TransactionID, ev.Payload, err)
		}
		if ev.EventName != payload.Type+"."+payload.Change || payload.TxID != ev.TransactionID || payload.Actor == "" {
			t.Errorf("event %s of %s: got payload %+v, want type.change = name, its tx ID and an actor", ev.EventName, ev.TransactionID, payload)
		}
		got = append(got, emitted{Name: ev.EventName, ID: payload.ID, TxID: ev.TransactionID, Related: payload.Related})
	}
	for i, want := range p.committed {
		g := got[i]
		if g.Name != want.Name || g.ID != want.ID || g.TxID != want.TxID {
			t.Errorf("event %d: got %s %s in %s, want %s %s in %s", i, g.Name, g.ID, g.TxID, want.Name, want.ID, want.TxID)
			continue
		}
		for _, r := range want.Related {
			// Who may read each related object is the contract's to say
			// (its audience); the test names the object and the change.
			if !slices.ContainsFunc(g.Related, func(x ledger.EventRef) bool { return x.Type == r.Type && x.ID == r.ID && x.Change == r.Change }) {
				t.Errorf("event %d (%s %s): got related %+v, want %+v among them", i, g.Name, g.ID, g.Related, r)
			}
		}
	}
	t.Logf("%d events of the run in commit order; %d invalidated transactions emitted none", len(got), len(p.invalid))
}

// TestAPIEventStreamResumes reads the regulator's API event stream
// (GET /v1/events) while the authority records participants' evaluations,
// dropping the connection every few events and reconnecting with
// Last-Event-ID, as a Server-Sent Events client does. The events it
// collects across the cuts must be exactly those of one uninterrupted
// stream over the same blocks: none missed, none repeated, in order.
func TestAPIEventStreamResumes(t *testing.T) {
	p := newAPIProcess(t, "sse")
	p.parties(t)
	authority, regulator := p.authority, p.regulator
	from := peerHeight(t, "regulator", "peer0")

	// Writes and cuts interleave: after every 3 writes a connection reads
	// 2 events and is dropped while the third is pending, and more are
	// written while no connection is open.
	const writes = 12
	var written []string
	var got []apiEvent
	last := ""
	read := func() {
		t.Helper()
		evs, err := readEvents(t, regulator, from, last, 2)
		if err != nil {
			t.Fatalf("after %d events: %v", len(got), err)
		}
		got = append(got, evs...)
		if len(evs) > 0 {
			last = evs[len(evs)-1].ID
		}
	}
	for i := range writes {
		a := authority.do(t, apiRequest{method: http.MethodPost, path: "/v1/participants/" + p.operator.msp + "/evaluations", body: obj{
			"id": p.id(fmt.Sprintf("ev%02d", i)), "date": time.Now().UTC().Format(time.RFC3339), "result": "qualified",
			"reportDigest": lt.Digest(fmt.Sprintf("evaluation %s %d", p.run, i)),
		}}).want(t, http.StatusCreated, nil)
		written = append(written, txOf(t, a))
		if i%3 == 2 {
			read()
		}
	}
	connections := writes / 3
	for !slices.ContainsFunc(got, func(e apiEvent) bool { return e.TxID == written[writes-1] }) {
		if connections++; connections > 100 {
			t.Fatalf("after %d connections: %d events, the last written tx %s not among them", connections, len(got), written[writes-1])
		}
		read()
	}
	t.Logf("%d events over %d connections", len(got), connections)
	if connections < writes/2 {
		t.Errorf("%d connections for %d events: the stream was not cut mid-way", connections, len(got))
	}

	// The reference: one connection from the same block to the same event.
	want, err := readEvents(t, regulator, from, "", len(got))
	if err != nil {
		t.Fatalf("reference stream: %v", err)
	}
	ids := func(es []apiEvent) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.ID + " " + e.TxID + " " + e.Name
		}
		return out
	}
	if !slices.Equal(ids(got), ids(want)) {
		t.Errorf("events across reconnections differ from one stream:\n got %v\nwant %v", ids(got), ids(want))
	}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.ID] {
			t.Errorf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
	}
	for _, tx := range written {
		if !slices.ContainsFunc(got, func(e apiEvent) bool { return e.TxID == tx && e.Name == "participant.evaluated" }) {
			t.Errorf("no participant.evaluated event of tx %s", tx)
		}
	}
}

// readEvents opens o's event stream, from block from or, when last is
// set, right after the event last (Last-Event-ID), and returns the first n
// events it delivers, or fewer if none comes for 3 seconds; then it drops
// the connection.
func readEvents(t *testing.T, o *apiOrg, from uint64, last string, n int) ([]apiEvent, error) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	res, err := openEventStream(ctx, o, from, last)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	type item struct {
		ev  apiEvent
		err error // the stream's end or failure; ev is then empty
	}
	items := make(chan item)
	go func() {
		err := eachEvent(res.Body, func(ev apiEvent) error {
			select {
			case items <- item{ev: ev}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		select {
		case items <- item{err: err}:
		case <-ctx.Done():
		}
	}()
	var out []apiEvent
	for len(out) < n {
		select {
		case it := <-items:
			if it.err != nil {
				return out, fmt.Errorf("the stream ended after %d events: %w", len(out), it.err)
			}
			out = append(out, it.ev)
		case <-time.After(3 * time.Second):
			return out, nil
		}
	}
	return out, nil
}
