//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// This file holds the one fixture family of the end-to-end tests, which
// the contract tests (over the Fabric Gateway, fixture_gateway_test.go)
// and the API tests (over HTTP, fixture_api_test.go) share: the run of the
// grant process with IDs of its own, who plays which role, access to the
// network's processes, waiting for commits, phases, sets and times.

// grantRun is one run of the grant process on the network under test,
// whichever way it reaches the ledger: IDs unique to the run (so that runs
// on the same ledger never collide), when it started, the follower of the
// commits of every organisation's peer, and what the run has built.
type grantRun struct {
	run string
	t0  time.Time
	// startBlock is the last block before the run's first transaction.
	startBlock uint64
	commits    *commits

	visits, loans    string            // dataset IDs (health's, market's)
	datasetTx        map[string]string // dataset ID → the transaction that created it
	call, app, grant string
	grantTx          string
	agreement        string
	agreementInForce time.Time
	// usable is the first whole second at which the grant is usable: it is
	// active, its agreement is in force and the attestor is registered.
	usable   time.Time
	attestor *attesttest.Attestor
	receipts []string
	product  string
}

// newGrantRun starts a run whose IDs are kind followed by the time, and
// whose commits follow from the last block on the authority's peer.
func newGrantRun(t *testing.T, kind, authority string) *grantRun {
	t.Helper()
	now := time.Now().UTC()
	r := &grantRun{
		run:        runID(kind, now),
		t0:         now,
		startBlock: lastBlock(t, authority),
		datasetTx:  map[string]string{},
	}
	r.visits, r.loans = r.id("visits"), r.id("loans")
	return r
}

// runID returns an ID unique to a run of a test started at now: kind
// followed by the time in milliseconds, in base 36.
func runID(kind string, now time.Time) string {
	return kind + strconv.FormatInt(now.UnixMilli(), 36)
}

// id returns an ID unique to the run.
func (r *grantRun) id(prefix string) string { return prefix + "-" + r.run }

// grantedFields are the fields of a dataset the run's scope grants:
// visits(age, diagnosis) and loans(amount).
func (r *grantRun) grantedFields(dataset string) []string {
	if dataset == r.visits {
		return []string{"age", "diagnosis"}
	}
	return []string{"amount"}
}

// scope returns visits(age, diagnosis) and loans(amount) for
// credit-assessment by statistics or joint-modelling, limited to the
// datasets named.
func (r *grantRun) scope(datasets ...string) ledger.Scope {
	s := ledger.Scope{
		Purposes:   []string{"credit-assessment"},
		Operations: []ledger.Operation{ledger.OpStatistics, ledger.OpJointModel},
	}
	for _, id := range datasets {
		s.Datasets = append(s.Datasets, ledger.DatasetScope{ID: id, Fields: r.grantedFields(id)})
	}
	return s
}

// term runs from a minute before the run for six months.
func (r *grantRun) term() ledger.Term {
	from := r.t0.Add(-time.Minute)
	return ledger.Term{ValidFrom: from, ValidTo: from.AddDate(0, 6, 0)}
}

// statement returns a use of visits(age) for credit-assessment by
// statistics under the run's grant, of records records, at the time the
// grant is usable.
func (r *grantRun) statement(id string, records uint64) attest.Statement {
	return attest.Statement{
		ReceiptID: id, GrantID: r.grant,
		Datasets:  []attest.DatasetUse{{ID: r.visits, Fields: []string{"age"}}},
		Operation: string(ledger.OpStatistics), Purpose: "credit-assessment", Records: records,
		InputDigest: lt.Digest("in " + id), OutputDigest: lt.Digest("out " + id), Time: r.usable.Unix(),
	}
}

// cast is who plays each role in the network under test: the MSP ID of
// each organisation by its role in the profile.
type cast struct {
	authority, health, market, operator, platform, regulator string
	// developer is the developer organisation (开发利用主体) that holds
	// sub-grants; "" when the network has none.
	developer string
	// exchange is the data exchange (数据交易所) that lists products.
	exchange string
	roles    map[string]ledger.Role
}

// castOf finds the parties of the grant process in the profile by their
// roles: an authority, two providers (health's and market's, in the
// profile's order), an operator, a platform, a regulator and a data
// exchange.
func castOf(t *testing.T) cast {
	t.Helper()
	c := cast{roles: map[string]ledger.Role{}}
	var providers []string
	for _, o := range shared.profile.Orgs {
		c.roles[o.MSPID] = ledger.Role(o.Role)
		switch ledger.Role(o.Role) {
		case ledger.RoleAuthority:
			c.authority = o.MSPID
		case ledger.RoleProvider:
			providers = append(providers, o.MSPID)
		case ledger.RoleOperator:
			c.operator = o.MSPID
		case ledger.RolePlatform:
			c.platform = o.MSPID
		case ledger.RoleRegulator:
			c.regulator = o.MSPID
		case ledger.RoleDeveloper:
			c.developer = o.MSPID
		case ledger.RoleExchange:
			c.exchange = o.MSPID
		}
	}
	if len(providers) < 2 || c.authority == "" || c.operator == "" || c.platform == "" || c.regulator == "" || c.exchange == "" {
		t.Fatalf("profile: got authority %q, providers %v, operator %q, platform %q, regulator %q, exchange %q; want one of each and two providers",
			c.authority, providers, c.operator, c.platform, c.regulator, c.exchange)
	}
	c.health, c.market = providers[0], providers[1]
	return c
}

// connect opens a gateway connection for org's user and closes it with the test.
func connect(t *testing.T, org, user string) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Connect(ctx, shared.profile, org, user)
	if err != nil {
		t.Fatalf("connect %s/%s: %v", org, user, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// peerHeight returns the height of an organisation's peer (by their
// names in the topology).
func peerHeight(t *testing.T, org, peer string) uint64 {
	t.Helper()
	h, err := shared.net.PeerHeight(t.Context(), org, peer)
	if err != nil || h == 0 {
		t.Fatalf("height of %s's %s: got %d, %v", org, peer, h, err)
	}
	return h
}

// lastBlock returns the number of the last block on an organisation's
// first peer.
func lastBlock(t *testing.T, msp string) uint64 {
	t.Helper()
	for _, o := range shared.net.Topology().Orgs {
		if o.MSPID == msp && len(o.Peers) > 0 {
			return peerHeight(t, o.Name, o.Peers[0].Name) - 1
		}
	}
	t.Fatalf("the topology has no peer of %s", msp)
	return 0
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %s: %v", what, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// commits follows the events of a transaction as every organisation's
// peer delivers it, to tell when every peer has committed it. A client
// (or an API) learns that its transaction committed on its own peer; the
// next organisation endorses on its own peer first, which may not have
// committed that block yet and would read the state before it (the
// gateway then reports "ProposalResponsePayloads do not match", or the
// contract refuses on stale state). So a run waits, after each
// transaction, until every organisation has delivered its event: the
// contract tests follow each peer's chaincode events (followPeers), the
// API tests each API's event stream (followAPIs).
type commits struct {
	orgs []string
	mu   sync.Mutex
	seen map[string]map[string]string // tx ID → org → event name
	// audience holds who may read the object of each transaction's event,
	// from the first full payload seen.
	audience map[string]*ledger.Audience
	broken   map[string]error // org → why its stream last ended
	changed  chan struct{}    // closed and replaced on every change
}

// newCommits returns a follower of orgs' events that has seen none yet.
func newCommits(orgs []string) *commits {
	return &commits{orgs: slices.Sorted(slices.Values(orgs)), seen: map[string]map[string]string{}, audience: map[string]*ledger.Audience{},
		broken: map[string]error{}, changed: make(chan struct{})}
}

// sawPayload is saw with the event's payload, whose audience it keeps.
func (c *commits) sawPayload(org, txID, event string, payload []byte) {
	var e ledger.Event
	if json.Unmarshal(payload, &e) == nil && e.Audience != nil {
		c.mu.Lock()
		if c.audience[txID] == nil {
			c.audience[txID] = e.Audience
		}
		c.mu.Unlock()
	}
	c.saw(org, txID, event)
}

// audienceOf returns the audience of a transaction's event, once seen.
func (c *commits) audienceOf(txID string) *ledger.Audience {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.audience[txID]
}

// saw records that org delivered the event of transaction txID.
func (c *commits) saw(org, txID, event string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[txID] == nil {
		c.seen[txID] = map[string]string{}
	}
	c.seen[txID][org] = event
	close(c.changed)
	c.changed = make(chan struct{})
}

// ended records why org's stream of events ended.
func (c *commits) ended(org string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken[org] = err
}

// wait returns once every organisation has delivered the event of
// transaction txID, and fails the test unless each named it event, or if
// that takes more than 30 seconds.
func (c *commits) wait(t *testing.T, txID, event string) {
	t.Helper()
	c.waitFor(t, txID, event, c.orgs)
}

// waitReaders is wait for the organisations that may read the event's
// object, by their roles and the event's audience: what filtered streams
// (the APIs') deliver.
func (c *commits) waitReaders(t *testing.T, txID, event string, roles map[string]ledger.Role, aud *ledger.Audience) {
	t.Helper()
	var readers []string
	for _, org := range c.orgs {
		if ledger.Readable(aud, ledger.Actor{MSP: org, Role: roles[org]}) {
			readers = append(readers, org)
		}
	}
	c.waitFor(t, txID, event, readers)
}

func (c *commits) waitFor(t *testing.T, txID, event string, orgs []string) {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		c.mu.Lock()
		got, changed := maps.Clone(c.seen[txID]), c.changed
		broken := fmt.Sprint(c.broken)
		c.mu.Unlock()
		if !slices.ContainsFunc(orgs, func(o string) bool { _, ok := got[o]; return !ok }) {
			for org, name := range got {
				if name != event {
					t.Errorf("transaction %s: %s delivered event %s, want %s", txID, org, name, event)
				}
			}
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("transaction %s (%s): delivered within 30s by %v of %v; streams ended: %s", txID, event, got, orgs, broken)
		case <-t.Context().Done():
			t.Fatalf("transaction %s: %v", txID, t.Context().Err())
		}
	}
}

// phase is one step of a test that the later steps build on.
type phase struct {
	name string
	run  func(*testing.T)
}

// runPhases runs each phase as a subtest, in order, and stops the test at
// the first that fails: the later phases need it.
func runPhases(t *testing.T, phases ...phase) {
	t.Helper()
	for _, ph := range phases {
		if !t.Run(ph.name, ph.run) {
			t.Fatalf("phase %q failed; the later phases need it", ph.name)
		}
	}
}

// ok fails the test unless a call succeeded.
func ok(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: got %v, want success", fmt.Sprintf(format, args...), err)
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// stepIDs returns the IDs of the steps of a provenance.
func stepIDs(steps []ledger.ProvenanceStep) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.ID
	}
	return out
}

// sortedKeys returns the keys of a map, sorted.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// secondAfter returns the first whole second after every time given:
// statements carry their use time in whole seconds, and a use must not
// precede what made it possible.
func secondAfter(ts ...time.Time) time.Time {
	latest := slices.MaxFunc(ts, time.Time.Compare)
	return latest.Truncate(time.Second).Add(time.Second)
}

// page is a page of a list, as the ledger and the APIs return it.
type page[T any] struct {
	Items    []T    `json:"items"`
	Bookmark string `json:"bookmark"`
}
