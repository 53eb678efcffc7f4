//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

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
	from, err := shared.net.PeerHeight(t.Context(), "regulator", "peer0")
	if err != nil {
		t.Fatalf("height of the regulator's peer: %v", err)
	}

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
