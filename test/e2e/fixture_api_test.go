//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// This file holds what the API tests use to talk to the organisations'
// APIs, on top of the shared fixture (fixture_test.go): a plain net/http
// client with each identity's bearer token, the follower of every API's
// event stream that tells when a transaction has been committed by every
// organisation's peer, and the run of the grant process through the APIs
// with its JSON request bodies.

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

// followAPIs follows every API's event stream (GET /v1/events) from
// block from until the test ends. An API answers once its own peer has
// committed a transaction, and streams its event once its peer delivers
// it. A stream that breaks is reopened after the last event it delivered
// (Last-Event-ID).
func followAPIs(t *testing.T, orgs map[string]*apiOrg, from uint64) *commits {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := newCommits(sortedKeys(orgs))
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	for _, o := range orgs {
		wg.Go(func() {
			last := ""
			for ctx.Err() == nil {
				c.ended(o.msp, streamInto(ctx, c, o, from, &last))
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
		})
	}
	return c
}

// streamInto reads one connection to an API's event stream until it
// ends, recording each event in c and the ID of the last one in last.
func streamInto(ctx context.Context, c *commits, o *apiOrg, from uint64, last *string) error {
	res, err := openEventStream(ctx, o, from, *last)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return eachEvent(res.Body, func(ev apiEvent) error {
		*last = ev.ID
		c.saw(o.msp, ev.TxID, ev.Name)
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

// obj is a JSON object of a request body.
type obj = map[string]any

// apiProcess is one run of the grant process through the APIs: the
// organisations' APIs by role on top of the shared run.
type apiProcess struct {
	*grantRun
	orgs                                                     map[string]*apiOrg
	authority, health, market, operator, platform, regulator *apiOrg
	// exchange is the data exchange (数据交易所) that lists products.
	exchange *apiOrg
	// developer is the developer organisation (开发利用主体) that holds
	// sub-grants; nil when the network has none.
	developer *apiOrg
	// listed tells whether the run's product was listed.
	listed bool
	// peers follows every organisation's peer (unfiltered chaincode
	// events): that a peer committed a transaction is known there, while
	// an API's stream passes only the events its caller may read.
	peers *commits
	roles map[string]ledger.Role
}

// newAPIProcess finds the APIs of the network under test by role and
// starts following their event streams from the last block; kind names
// the test in the run's IDs.
func newAPIProcess(t *testing.T, kind string) *apiProcess {
	t.Helper()
	orgs := apiOrgs(t)
	c := castOf(t)
	p := &apiProcess{
		grantRun:  newGrantRun(t, kind, c.authority),
		orgs:      orgs,
		authority: orgs[c.authority], health: orgs[c.health], market: orgs[c.market],
		operator: orgs[c.operator], platform: orgs[c.platform], regulator: orgs[c.regulator],
		developer: orgs[c.developer], exchange: orgs[c.exchange],
	}
	p.commits = followAPIs(t, p.orgs, p.startBlock)
	p.roles = c.roles
	clients := map[string]*client.Client{}
	for msp := range orgs {
		clients[msp] = connect(t, msp, "User1")
	}
	p.peers = followPeers(t, clients, p.startBlock)
	t.Logf("run %s", p.run)
	return p
}

// write sends a request that changes the ledger, wants the status, decodes
// the answer into out (when not nil) and waits until every organisation's
// API has streamed the transaction's event, which must be named event. A
// created object's Location must be readable by its creator.
func (p *apiProcess) write(t *testing.T, o *apiOrg, r apiRequest, status int, event string, out any) apiAnswer {
	t.Helper()
	a := o.do(t, r).want(t, status, out)
	p.awaitCommit(t, txOf(t, a), event)
	if status == http.StatusCreated {
		loc := a.header.Get("Location")
		if !strings.HasPrefix(loc, "/v1/") {
			t.Fatalf("%s: got Location %q, want the new object's path", a, loc)
		}
		if strings.HasPrefix(loc, "/v1/opinions/") {
			// The contract has no GetOpinion: an opinion is read
			// through its history (docs/api.md).
			loc += "/history"
		}
		o.do(t, apiRequest{method: http.MethodGet, path: loc, user: r.user}).want(t, http.StatusOK, nil)
	}
	return a
}

// awaitCommit waits until every organisation's peer has committed the
// transaction and the API of each organisation that may read its object
// has streamed its event.
func (p *apiProcess) awaitCommit(t *testing.T, txID, event string) {
	t.Helper()
	p.peers.wait(t, txID, event)
	p.commits.waitReaders(t, txID, event, p.roles, p.peers.audienceOf(txID))
}

// get reads path as org's User1 and decodes the answer, which must be 200.
func (p *apiProcess) get(t *testing.T, o *apiOrg, path string, out any) {
	t.Helper()
	o.do(t, apiRequest{method: http.MethodGet, path: path}).want(t, http.StatusOK, out)
}

// apiFind pages through a list (path with its filter, if any), 100 at a
// time, until match holds.
func apiFind[T any](t *testing.T, o *apiOrg, path string, match func(T) bool) T {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	bookmark := ""
	for range 1000 {
		var pg page[T]
		o.do(t, apiRequest{method: http.MethodGet, path: path + sep + "pageSize=100&bookmark=" + url.QueryEscape(bookmark)}).want(t, http.StatusOK, &pg)
		for _, it := range pg.Items {
			if match(it) {
				return it
			}
		}
		if pg.Bookmark == "" {
			break
		}
		bookmark = pg.Bookmark
	}
	var zero T
	t.Fatalf("GET %s as %s: no matching item in any page", path, o.msp)
	return zero
}

// datasetBody is a request for a general dataset whose fields are of grade 2.
func datasetBody(id, domain string, fields ...string) obj {
	fs := []obj{}
	for _, f := range fields {
		fs = append(fs, obj{"name": f, "sensitivity": 2})
	}
	return obj{"id": id, "name": "Dataset " + id, "domain": domain, "fields": fs, "classification": "general"}
}

// datasetOf returns the owner and request of one of the run's datasets:
// health's visits(age, diagnosis, name) or market's loans(amount, term).
func (p *apiProcess) datasetOf(id string) (*apiOrg, obj) {
	if id == p.visits {
		return p.health, datasetBody(id, "medical", "age", "diagnosis", "name")
	}
	return p.market, datasetBody(id, "finance", "amount", "term")
}

// callBody is a scenario call over medical and finance data, open from
// an hour before the run to a day after.
func (p *apiProcess) callBody(id string) obj {
	return obj{
		"id": id, "title": "Call " + id, "mode": "scenario", "domains": []string{"finance", "medical"},
		"conditions": "registered legal person", "criteria": "scenario value and security",
		"opens": p.t0.Add(-time.Hour), "closes": p.t0.Add(24 * time.Hour),
	}
}

// applicationBody is an application under the run's call for the scope
// of datasets, with an emergency plan, 12 months and a 3-month trial.
func (p *apiProcess) applicationBody(id string, datasets ...string) obj {
	return obj{
		"id": id, "callId": p.call,
		"scenario":   obj{"name": "inclusive-credit", "domain": "finance", "description": "credit scoring for small firms"},
		"scope":      p.scope(datasets...),
		"termMonths": 12, "trialMonths": 3,
		"emergencyPlanDigest": lt.Digest("emergency plan " + id), "securityDocsDigest": lt.Digest("security docs " + id),
	}
}

// receiptBody is the receipt of s signed by the run's attestor.
func (p *apiProcess) receiptBody(s attest.Statement) obj {
	return obj{"statement": s, "signature": p.attestor.Sign(s)}
}
