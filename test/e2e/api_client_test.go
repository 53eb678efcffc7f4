//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/ledger"
)

// This file holds what the API tests use to talk to the organisations'
// APIs: a plain net/http client with each identity's bearer token, and a
// follower of every API's event stream that tells when a transaction has
// been committed by every organisation's peer.

// apiOrg is one organisation's grantledger API: where it listens and the
// bearer token of each of its identities.
type apiOrg struct {
	name, msp, role string
	// url is the API's base URL, http://host:port.
	url string
	// tokens maps each user (Admin, User1, User2) to its bearer token.
	tokens map[string]string
}

// apiHTTP is the client of every request but the event streams.
var apiHTTP = &http.Client{Timeout: time.Minute}

// apiOrgs returns the API of every organisation of the network under test,
// by MSP ID, with the addresses of the profile (ports already shifted) and
// the tokens the network issued (tokens.env in each API's directory).
func apiOrgs(t *testing.T) map[string]*apiOrg {
	t.Helper()
	orgs := map[string]*apiOrg{}
	for _, o := range shared.profile.Orgs {
		if o.API == "" {
			t.Fatalf("profile: organisation %s has no API address", o.MSPID)
		}
		path := filepath.Join(shared.net.APIDir(o.Name), "tokens.env")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("tokens of %s: %v", o.MSPID, err)
		}
		a := &apiOrg{name: o.Name, msp: o.MSPID, role: o.Role, url: "http://" + o.API, tokens: map[string]string{}}
		for line := range strings.Lines(string(raw)) {
			user, token, ok := strings.Cut(strings.TrimSpace(line), "=")
			if ok && user != "" && !strings.HasPrefix(user, "#") {
				a.tokens[user] = token
			}
		}
		for _, user := range []string{"User1", "User2"} {
			if a.tokens[user] == "" {
				t.Fatalf("%s: no token of %s", path, user)
			}
		}
		orgs[o.MSPID] = a
	}
	return orgs
}

// apiRequest is one request to an organisation's API.
type apiRequest struct {
	method, path string
	// user is the identity whose bearer token is sent: User1 when empty.
	user string
	// anonymous sends no Authorization header; token, when set, is sent
	// instead of the user's.
	anonymous bool
	token     string
	// body is sent as JSON: a []byte or string as it is, anything else
	// encoded with encoding/json. Nil sends no body.
	body any
	// header holds further headers (Idempotency-Key, X-Request-ID).
	header map[string]string
}

// apiAnswer is what an API answered.
type apiAnswer struct {
	req    string // "POST /v1/grants as HealthMSP/User1", for messages
	status int
	header http.Header
	body   []byte
}

// String shows the request, the status and (the start of) the body.
func (a apiAnswer) String() string {
	body := string(a.body)
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return fmt.Sprintf("%s: %d %s", a.req, a.status, body)
}

// do sends r to the organisation's API and reads the whole answer.
func (o *apiOrg) do(t *testing.T, r apiRequest) apiAnswer {
	t.Helper()
	user := r.user
	if user == "" {
		user = "User1"
	}
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode the body of %s %s: %v", r.method, r.path, err)
		}
		body = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, o.url+r.path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	who := o.msp + "/" + user
	switch {
	case r.anonymous:
		who = "no token"
	case r.token != "":
		req.Header.Set("Authorization", "Bearer "+r.token)
		who = "a token of its own"
	default:
		req.Header.Set("Authorization", "Bearer "+o.tokens[user])
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := apiHTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", r.method, r.path, who, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s as %s: read the answer: %v", r.method, r.path, who, err)
	}
	return apiAnswer{req: fmt.Sprintf("%s %s as %s", r.method, r.path, who), status: res.StatusCode, header: res.Header, body: raw}
}

// want fails the test unless the answer has the status; it then decodes
// the body into out, when out is not nil.
func (a apiAnswer) want(t *testing.T, status int, out any) apiAnswer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: got status %d, want %d", a, a.status, status)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			t.Fatalf("%s: decode the body as %T: %v", a, out, err)
		}
	}
	return a
}

// wantAPIError fails the test unless the answer is an error of status with
// the JSON error body {code, message, field}: the code and the field as
// given ("" for none) and a message that holds text.
func wantAPIError(t *testing.T, a apiAnswer, status int, code, field, text string) api.ErrorBody {
	t.Helper()
	var got api.ErrorBody
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Errorf("%s: the body is not the JSON error body: %v", a, err)
		return got
	}
	if a.status != status || got.Code != code || got.Field != field || !strings.Contains(got.Message, text) || got.Message == "" {
		t.Errorf("%s:\n got %d %+v\nwant %d {Code:%s Message:…%s… Field:%s}", a.req, a.status, got, status, code, text, field)
	}
	return got
}

// txOf returns the transaction that last changed the object in an
// answer: its updated stamp, else its recorded one (receipts), else its
// created one (reviews, opinions, batches).
func txOf(t *testing.T, a apiAnswer) string {
	t.Helper()
	var st struct{ Created, Updated, Recorded ledger.Stamp }
	if err := json.Unmarshal(a.body, &st); err != nil {
		t.Fatalf("%s: no stamps: %v", a, err)
	}
	for _, tx := range []string{st.Updated.TxID, st.Recorded.TxID, st.Created.TxID} {
		if tx != "" {
			return tx
		}
	}
	t.Fatalf("%s: the object names no transaction", a)
	return ""
}

// apiCommits follows the event stream (GET /v1/events) of every
// organisation's API. An API answers once its own peer has committed a
// transaction; the next organisation's API endorses on its own peer, which
// may not have committed that block yet. So the tests wait, after each
// transaction, until every API has streamed its event: then every peer has
// committed it.
type apiCommits struct {
	orgs    []string
	mu      sync.Mutex
	seen    map[string]map[string]string // tx ID → org → event name
	broken  map[string]error             // org → why its stream last ended
	changed chan struct{}                // closed and replaced on every change
}

// openEventStream opens o's event stream as its User1: from block from
// or, when last is set, right after the event last (Last-Event-ID). The
// answer is a 200 text/event-stream whose body the caller must close.
func openEventStream(ctx context.Context, o *apiOrg, from uint64, last string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/events?fromBlock=%d", o.url, from), nil)
	if err != nil {
		return nil, err
	}
	if last != "" {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, o.url+"/v1/events", nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Last-Event-ID", last)
	}
	req.Header.Set("Authorization", "Bearer "+o.tokens["User1"])
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req) // no timeout: the stream stays open
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return nil, fmt.Errorf("GET /v1/events: %d %s", res.StatusCode, raw)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		res.Body.Close()
		return nil, fmt.Errorf("GET /v1/events: content type %q, want text/event-stream", ct)
	}
	return res, nil
}

// apiEvent is the data of one event of the stream.
type apiEvent struct {
	ID      string       `json:"id"`
	Block   uint64       `json:"block"`
	TxID    string       `json:"txId"`
	Name    string       `json:"name"`
	Payload ledger.Event `json:"payload"`
}

// followAPIEvents follows every API's event stream from block from until
// the test ends. A stream that breaks is reopened after the last event it
// delivered (Last-Event-ID).
func followAPIEvents(t *testing.T, orgs map[string]*apiOrg, from uint64) *apiCommits {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &apiCommits{seen: map[string]map[string]string{}, broken: map[string]error{}, changed: make(chan struct{})}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	for msp, o := range orgs {
		c.orgs = append(c.orgs, msp)
		wg.Go(func() {
			last := ""
			for ctx.Err() == nil {
				err := c.stream(ctx, o, from, &last)
				c.mu.Lock()
				c.broken[o.msp] = err
				c.mu.Unlock()
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
		})
	}
	slices.Sort(c.orgs)
	return c
}

// stream reads one connection to an API's event stream until it ends,
// recording each event and the ID of the last one.
func (c *apiCommits) stream(ctx context.Context, o *apiOrg, from uint64, last *string) error {
	res, err := openEventStream(ctx, o, from, *last)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return eachEvent(res.Body, func(ev apiEvent) error {
		*last = ev.ID
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.seen[ev.TxID] == nil {
			c.seen[ev.TxID] = map[string]string{}
		}
		c.seen[ev.TxID][o.msp] = ev.Name
		close(c.changed)
		c.changed = make(chan struct{})
		return nil
	})
}

// eachEvent decodes the events of a Server-Sent Events body and calls fn
// with each, in order, until fn fails, an event does not decode, or the
// body ends (io.EOF).
func eachEvent(body io.Reader, fn func(apiEvent) error) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev apiEvent
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return fmt.Errorf("event data %q: %w", data, err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

// wait returns once every API has streamed the event of transaction txID,
// and fails the test unless each named it event, or if that takes more
// than 30 seconds.
func (c *apiCommits) wait(t *testing.T, txID, event string) {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		c.mu.Lock()
		got, changed := maps.Clone(c.seen[txID]), c.changed
		broken := fmt.Sprint(c.broken)
		c.mu.Unlock()
		if len(got) == len(c.orgs) {
			for org, name := range got {
				if name != event {
					t.Errorf("transaction %s: %s streamed event %s, want %s", txID, org, name, event)
				}
			}
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("transaction %s (%s): streamed within 30s by %v of %v; streams ended: %s", txID, event, got, c.orgs, broken)
		case <-t.Context().Done():
			t.Fatalf("transaction %s: %v", txID, t.Context().Err())
		}
	}
}
