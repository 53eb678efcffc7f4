package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// sseEvent is one event parsed from a text/event-stream body.
type sseEvent struct {
	id, event, data string
}

func parseSSE(t *testing.T, body string) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.id != "" || cur.data != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			cur.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		}
	}
	return out
}

func ledgerEvents() []client.ChainEvent {
	ev := func(block uint64, tx, name string) client.ChainEvent {
		return client.ChainEvent{BlockNumber: block, TransactionID: tx, Name: name, Payload: []byte(`{"type":"grant","id":"g-1","change":"` + name + `"}`)}
	}
	return []client.ChainEvent{
		ev(5, "tx-a", "grant.issued"), ev(5, "tx-b", "grant.approved"), ev(5, "tx-c", "grant.activated"),
		ev(6, "tx-d", "agreement.signed"),
		ev(7, "tx-e", "receipt.accepted"), ev(7, "tx-f", "receipt.accepted"),
	}
}

func TestEventStreamResumes(t *testing.T) {
	all := []string{"5:0", "5:1", "5:2", "6:0", "7:0", "7:1"}
	tests := []struct {
		name      string
		header    string
		query     string
		wantStart string // "" = nil
		wantIDs   []string
	}{
		{name: "from the next block", wantIDs: all},
		{name: "after the middle of a block", header: "5:1", wantStart: "5", wantIDs: []string{"5:2", "6:0", "7:0", "7:1"}},
		{name: "after the last event of a block", header: "5:2", wantStart: "5", wantIDs: []string{"6:0", "7:0", "7:1"}},
		{name: "after the last event", header: "7:1", wantStart: "7", wantIDs: nil},
		{name: "lastEventId query for clients without headers", query: "?lastEventId=6:0", wantStart: "6", wantIDs: []string{"7:0", "7:1"}},
		{name: "header wins over the query", header: "7:0", query: "?lastEventId=5:0", wantStart: "7", wantIDs: []string{"7:1"}},
		{name: "from a block", query: "?fromBlock=6", wantStart: "6", wantIDs: []string{"6:0", "7:0", "7:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := &eventScript{events: ledgerEvents()}
			ts := newServerOver(t, script.ledger)
			h := map[string]string{}
			if tt.header != "" {
				h["Last-Event-ID"] = tt.header
			}
			rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events" + tt.query, user: "User1", header: h})
			if rec.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200; body %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type: got %q, want text/event-stream", ct)
			}
			var ids []string
			for _, ev := range parseSSE(t, rec.Body.String()) {
				ids = append(ids, ev.id)
			}
			if strings.Join(ids, " ") != strings.Join(tt.wantIDs, " ") {
				t.Errorf("event IDs: got %v, want %v", ids, tt.wantIDs)
			}
			starts := script.starts
			if len(starts) != 1 {
				t.Fatalf("streams opened: got %d, want 1", len(starts))
			}
			got := ""
			if starts[0] != nil {
				got = strconv.FormatUint(*starts[0], 10)
			}
			if got != tt.wantStart {
				t.Errorf("stream opened at block: got %q, want %q", got, tt.wantStart)
			}
			if calls := ts.state.recorded(); calls[0].User != "User1" {
				t.Errorf("stream opened as %s, want User1", calls[0].User)
			}
		})
	}
}

func TestEventData(t *testing.T) {
	script := &eventScript{events: []client.ChainEvent{
		{BlockNumber: 9, TransactionID: "tx-1", Name: "grant.revoked", Payload: []byte(`{"type":"grant","id":"g-1","change":"revoked"}`)},
		{BlockNumber: 9, TransactionID: "tx-2", Name: "odd\nname", Payload: []byte("not json")},
	}}
	ts := newServerOver(t, script.ledger)
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events", user: "Admin"})
	events := parseSSE(t, rec.Body.String())
	if len(events) != 2 {
		t.Fatalf("events: got %d, want 2; body %s", len(events), rec.Body)
	}
	var first struct {
		ID      string          `json:"id"`
		Block   uint64          `json:"block"`
		Index   int             `json:"index"`
		TxID    string          `json:"txId"`
		Name    string          `json:"name"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal([]byte(events[0].data), &first); err != nil {
		t.Fatalf("data %q: %v", events[0].data, err)
	}
	if first.ID != "9:0" || first.Block != 9 || first.TxID != "tx-1" || first.Name != "grant.revoked" || string(first.Payload) != `{"type":"grant","id":"g-1","change":"revoked"}` {
		t.Errorf("first event data: got %+v", first)
	}
	if events[0].event != "grant.revoked" {
		t.Errorf("event type: got %q, want grant.revoked", events[0].event)
	}
	if events[1].event != "oddname" || !strings.Contains(events[1].data, `"payloadText":"not json"`) || events[1].id != "9:1" {
		t.Errorf("second event: got %+v, want sanitised name and the payload as text", events[1])
	}
}

func TestEventStreamOutlivesRequestTimeout(t *testing.T) {
	script := &eventScript{events: ledgerEvents()[:2], delay: 40 * time.Millisecond}
	ts := newServerOver(t, script.ledger, func(o *Options) { o.RequestTimeout = 20 * time.Millisecond })
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events", user: "Admin"})
	if got := len(parseSSE(t, rec.Body.String())); got != 2 {
		t.Errorf("events delivered after the request timeout: got %d, want 2", got)
	}
}

func TestEventStreamStopsOnShutdown(t *testing.T) {
	script := &eventScript{events: ledgerEvents()[:1], hold: true}
	ts := newServerOver(t, script.ledger, func(o *Options) { o.Heartbeat = 10 * time.Millisecond })
	srv := httptest.NewServer(ts.Handler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+ts.tokens["Admin"])
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	lines := bufio.NewScanner(resp.Body)
	var sawEvent, sawKeepAlive bool
	for lines.Scan() && !(sawEvent && sawKeepAlive) {
		sawEvent = sawEvent || lines.Text() == "id: 5:0"
		sawKeepAlive = sawKeepAlive || lines.Text() == ": keep-alive"
	}
	if !sawEvent || !sawKeepAlive {
		t.Fatalf("stream: event seen %v, keep-alive seen %v; want both", sawEvent, sawKeepAlive)
	}
	ended := make(chan struct{})
	go func() {
		for lines.Scan() {
		}
		close(ended)
	}()
	ts.StopStreams()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open after StopStreams")
	}
}

func TestParseEventPosition(t *testing.T) {
	tests := []struct {
		in      string
		want    EventPosition
		wantErr bool
	}{
		{in: "0:0", want: EventPosition{}},
		{in: "18446744073709551615:3", want: EventPosition{Block: 18446744073709551615, Index: 3}},
		{in: "12", wantErr: true},
		{in: "a:1", wantErr: true},
		{in: "1:-1", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEventPosition(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseEventPosition(%q): got %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String: got %q, want %q", got.String(), tt.in)
			}
		})
	}
}

// eventScript is what the event fake streams, and where it notes the
// blocks streams were opened at.
type eventScript struct {
	events []client.ChainEvent
	hold   bool          // keep the channel open after the last event
	delay  time.Duration // before each event
	starts []*uint64     // written under the fake state's lock
	// caller is who the stream's caller is (WhoAmI); nil: the authority.
	caller *ledger.Actor
}

// ledger is a ledger of the script's events and its caller, nothing else.
func (s *eventScript) ledger(f fake) Ledger {
	var actor ActorLedger = fakeActor{f}
	if s.caller != nil {
		actor = scriptedActor{f, *s.caller}
	}
	return fakeLedger{EventSource: fakeEvents{f, s}, ActorLedger: actor}
}

// scriptedActor is a caller the test chooses (ActorLedger).
type scriptedActor struct {
	fake
	actor ledger.Actor
}

func (f scriptedActor) WhoAmI(ctx context.Context) (*ledger.Actor, error) {
	return answer(f.fake, ctx, "WhoAmI", &f.actor)
}

// fakeEvents is the chaincode event stream (EventSource) at the process
// boundary, playing its script.
type fakeEvents struct {
	fake
	script *eventScript
}

// ChaincodeEvents sends the script's events from block start on, then
// closes the channel (unless the script holds it open).
func (f fakeEvents) ChaincodeEvents(ctx context.Context, start *uint64) (<-chan client.ChainEvent, error) {
	s, script := f.state, f.script
	s.mu.Lock()
	script.starts = append(script.starts, start)
	s.calls = append(s.calls, fakeCall{User: f.user, Op: "ChaincodeEvents", Args: []any{start}})
	err := s.errs["ChaincodeEvents"]
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make(chan client.ChainEvent)
	go func() {
		defer close(out)
		for _, ev := range script.events {
			if start != nil && ev.BlockNumber < *start {
				continue
			}
			if script.delay > 0 {
				time.Sleep(script.delay)
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
		if script.hold {
			<-ctx.Done()
		}
	}()
	return out, nil
}

// audienceEvents are events of objects of different audiences: an
// application (its operator, the experts), a dataset (public), a grant
// (holder and provider) with related objects of both kinds, a grant whose
// only related object the provider may not read, and an event of a
// contract before audiences.
func audienceEvents() []client.ChainEvent {
	const (
		app     = `{"orgs":["OperatorMSP"],"roles":["expert"]}`
		grant   = `{"orgs":["OperatorMSP","HealthMSP"]}`
		appRef  = `{"type":"application","id":"a-1","change":"granted","audience":` + app + `}`
		dataRef = `{"type":"dataset","id":"ds-1","change":"used","audience":{"public":true}}`
	)
	ev := func(block uint64, tx, name, payload string) client.ChainEvent {
		return client.ChainEvent{BlockNumber: block, TransactionID: tx, Name: name, Payload: []byte(payload)}
	}
	return []client.ChainEvent{
		ev(5, "tx-a", "application.submitted", `{"type":"application","id":"a-1","change":"submitted","txId":"tx-a","actor":"OperatorMSP","audience":`+app+`}`),
		ev(5, "tx-b", "dataset.created", `{"type":"dataset","id":"ds-1","change":"created","txId":"tx-b","actor":"HealthMSP","audience":{"public":true}}`),
		ev(5, "tx-c", "grant.issued", `{"type":"grant","id":"g-1","change":"issued","txId":"tx-c","actor":"AuthorityMSP","related":[`+appRef+`,`+dataRef+`],"audience":`+grant+`}`),
		ev(6, "tx-d", "grant.revoked", `{"type":"grant","id":"g-1","change":"revoked","txId":"tx-d","actor":"AuthorityMSP","related":[`+appRef+`],"audience":`+grant+`}`),
		ev(6, "tx-e", "grant.suspended", `{"type":"grant","id":"g-1","change":"suspended","txId":"tx-e","actor":"AuthorityMSP"}`),
	}
}

// relatedOf reads the related entries of an SSE event's payload, and
// whether the payload has the key at all.
func relatedOf(t *testing.T, data string) ([]ledger.EventRef, bool) {
	t.Helper()
	var d struct {
		Payload map[string]json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		t.Fatalf("data %q: %v", data, err)
	}
	raw, ok := d.Payload["related"]
	if !ok {
		return nil, false
	}
	var refs []ledger.EventRef
	if err := json.Unmarshal(raw, &refs); err != nil {
		t.Fatalf("related %s: %v", raw, err)
	}
	return refs, true
}

func TestEventStreamPassesOnlyWhatTheCallerReads(t *testing.T) {
	provider := ledger.Actor{MSP: "HealthMSP", Role: ledger.RoleProvider}
	operator := ledger.Actor{MSP: "OperatorMSP", Role: ledger.RoleOperator}
	regulator := ledger.Actor{MSP: "RegulatorMSP", Role: ledger.RoleRegulator}
	expert := ledger.Actor{MSP: "AuthorityMSP", Role: ledger.RoleExpert, Individual: true}
	tests := []struct {
		name    string
		caller  ledger.Actor
		resume  string
		wantIDs []string
		// wantRelated: event ID → the IDs of the related objects passed on
		// (absent: the event has no related key).
		wantRelated map[string][]string
	}{
		{name: "provider: no application event, the application stripped from related", caller: provider,
			wantIDs: []string{"5:1", "5:2", "6:0"}, wantRelated: map[string][]string{"5:2": {"ds-1"}}},
		{name: "operator: its application and everything related", caller: operator,
			wantIDs: []string{"5:0", "5:1", "5:2", "6:0"}, wantRelated: map[string][]string{"5:2": {"a-1", "ds-1"}, "6:0": {"a-1"}}},
		{name: "regulator: everything, events without an audience too", caller: regulator,
			wantIDs: []string{"5:0", "5:1", "5:2", "6:0", "6:1"}, wantRelated: map[string][]string{"5:2": {"a-1", "ds-1"}, "6:0": {"a-1"}}},
		{name: "expert: by role, not by organisation", caller: expert,
			wantIDs: []string{"5:0", "5:1"}},
		{name: "provider resumes after an event it had", caller: provider, resume: "5:1",
			wantIDs: []string{"5:2", "6:0"}, wantRelated: map[string][]string{"5:2": {"ds-1"}}},
		{name: "provider resumes after an event it was not sent", caller: provider, resume: "5:0",
			wantIDs: []string{"5:1", "5:2", "6:0"}, wantRelated: map[string][]string{"5:2": {"ds-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := &eventScript{events: audienceEvents(), caller: &tt.caller}
			ts := newServerOver(t, script.ledger)
			h := map[string]string{}
			if tt.resume != "" {
				h["Last-Event-ID"] = tt.resume
			}
			rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events", user: "User1", header: h})
			if rec.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200; body %s", rec.Code, rec.Body)
			}
			var ids []string
			for _, ev := range parseSSE(t, rec.Body.String()) {
				ids = append(ids, ev.id)
				refs, has := relatedOf(t, ev.data)
				want, wantHas := tt.wantRelated[ev.id]
				var got []string
				for _, r := range refs {
					got = append(got, r.ID)
				}
				if has != wantHas || strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("event %s related: got %v (key present %v), want %v (present %v)", ev.id, got, has, want, wantHas)
				}
				if !strings.Contains(ev.data, `"audience":`) && ev.id != "6:1" {
					t.Errorf("event %s lost its audience: %s", ev.id, ev.data)
				}
			}
			if strings.Join(ids, " ") != strings.Join(tt.wantIDs, " ") {
				t.Errorf("event IDs: got %v, want %v", ids, tt.wantIDs)
			}
			if ops := ts.state.ops(); strings.Join(ops, " ") != "WhoAmI ChaincodeEvents" {
				t.Errorf("ledger calls: got %v, want WhoAmI once, then the stream", ops)
			}
		})
	}
}

func TestEventStreamKeepsReadablePayloadsAsEmitted(t *testing.T) {
	events := audienceEvents()
	regulator := ledger.Actor{MSP: "RegulatorMSP", Role: ledger.RoleRegulator}
	script := &eventScript{events: events, caller: &regulator}
	ts := newServerOver(t, script.ledger)
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events", user: "Admin"})
	got := parseSSE(t, rec.Body.String())
	if len(got) != len(events) {
		t.Fatalf("events: got %d, want %d", len(got), len(events))
	}
	for i, ev := range got {
		var d struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
			t.Fatal(err)
		}
		if string(d.Payload) != string(events[i].Payload) {
			t.Errorf("event %s payload:\n got %s\nwant %s", ev.id, d.Payload, events[i].Payload)
		}
	}
}

func TestEventStreamNeedsTheCaller(t *testing.T) {
	script := &eventScript{events: audienceEvents()}
	ts := newServerOver(t, script.ledger)
	ts.state.setErr("WhoAmI", &client.Error{Kind: client.ErrUnavailable, Op: "WhoAmI", Message: "peer down"})
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events", user: "User1"})
	checkAnswer(t, rec, http.StatusServiceUnavailable, "unavailable")
	if ops := ts.state.ops(); strings.Join(ops, " ") != "WhoAmI" {
		t.Errorf("ledger calls: got %v, want WhoAmI alone, no stream opened", ops)
	}
}

func TestReadableUnusualPayloads(t *testing.T) {
	provider := ledger.Actor{MSP: "HealthMSP", Role: ledger.RoleProvider}
	authority := ledger.Actor{MSP: "AuthorityMSP", Role: ledger.RoleAuthority}
	for _, tt := range []struct {
		name, payload string
		caller        ledger.Actor
		wantPass      bool
	}{
		{name: "not JSON, authority", payload: "not json", caller: authority, wantPass: true},
		{name: "not JSON, provider", payload: "not json", caller: provider},
		{name: "JSON but not an event, provider", payload: `[1,2]`, caller: provider},
		{name: "related under another case, provider", caller: provider,
			payload: `{"type":"grant","id":"g-1","audience":{"orgs":["HealthMSP"]},"Related":[{"type":"application","id":"a-1","audience":{"orgs":["OperatorMSP"]}}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, pass := readable([]byte(tt.payload), tt.caller)
			if pass != tt.wantPass {
				t.Fatalf("passed: got %v, want %v", pass, tt.wantPass)
			}
			if pass && string(out) != tt.payload {
				t.Errorf("payload: got %s, want it unchanged", out)
			}
		})
	}
}

// steppedActor answers WhoAmI with each of its callers in turn, the last
// one from then on: a caller whose registration the stream sees.
type steppedActor struct {
	fake
	callers []ledger.Actor
	next    *int
}

func (f steppedActor) WhoAmI(ctx context.Context) (*ledger.Actor, error) {
	a := f.callers[min(*f.next, len(f.callers)-1)]
	*f.next++
	return answer(f.fake, ctx, "WhoAmI", &a)
}

// TestEventStreamReadsTheCallerAgainWhenParticipantsChange: a stream
// opened before its caller's organisation was registered reads as what the
// ledger says the caller is once a participant event has passed: the
// regulator's stream opened on an empty ledger gets the application events
// after the regulator's registration.
func TestEventStreamReadsTheCallerAgainWhenParticipantsChange(t *testing.T) {
	events := []client.ChainEvent{
		{BlockNumber: 1, TransactionID: "tx-r", Name: "participant.registered", Payload: []byte(`{"type":"participant","id":"RegulatorMSP","change":"registered","txId":"tx-r","actor":"AuthorityMSP","audience":{"public":true}}`)},
		{BlockNumber: 2, TransactionID: "tx-a", Name: "application.submitted", Payload: []byte(`{"type":"application","id":"a-1","change":"submitted","txId":"tx-a","actor":"OperatorMSP","audience":{"orgs":["OperatorMSP"],"roles":["expert"]}}`)},
	}
	next := 0
	script := &eventScript{events: events}
	ts := newServerOver(t, func(f fake) Ledger {
		return fakeLedger{EventSource: fakeEvents{f, script}, ActorLedger: steppedActor{f, []ledger.Actor{
			{MSP: "RegulatorMSP"}, {MSP: "RegulatorMSP", Role: ledger.RoleRegulator}}, &next}}
	})
	rec := ts.do(t, request{method: http.MethodGet, path: "/v1/events?fromBlock=0", user: "User1"})
	var names []string
	for _, ev := range parseSSE(t, rec.Body.String()) {
		names = append(names, ev.id)
	}
	if strings.Join(names, " ") != "1:0 2:0" {
		t.Errorf("events: got %v, want the registration and then the application", names)
	}
	if ops := ts.state.ops(); strings.Join(ops, " ") != "WhoAmI ChaincodeEvents WhoAmI" {
		t.Errorf("ledger calls: got %v, want WhoAmI again after the participant event", ops)
	}
}
