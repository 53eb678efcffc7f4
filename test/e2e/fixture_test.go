//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// process is one run of the grant process on the network under test: a
// client per organisation acting with its own identity, IDs unique to the
// run (so that runs on the same ledger never collide), and every
// transaction the run committed, in commit order, with the event it must
// have emitted.
type process struct {
	run string
	t0  time.Time
	// The organisations by role.
	authority, health, market, operator, platform, regulator string
	// expert is the authority's User2, whom the run convenes as a member of
	// the expert committee (专家咨询委员会): an individual, not an organisation.
	expert *client.Client
	// expertID is the expert's client identity.
	expertID string

	roles   map[string]ledger.Role
	clients map[string]*client.Client
	commits *commits
	// startBlock is the last block before the run's first transaction.
	startBlock uint64
	// committed lists the run's transactions that committed; invalid the
	// IDs of those that validation refused.
	committed []emitted
	invalid   []string

	// What the run has built.
	visits, loans    string // dataset IDs (health's, market's)
	datasetTx        map[string]string
	call, app, grant string
	agreement        string
	grantTx          string
	attestor         *attesttest.Attestor
	receipts         []string
	product          string
	agreementInForce time.Time
}

// emitted is a committed transaction and the chaincode event it emitted.
type emitted struct {
	Name, ID, TxID string
	// Related must be among the event's related objects.
	Related []ledger.EventRef
}

// newProcess connects every organisation of the profile and finds the
// parties the process needs by their roles.
func newProcess(t *testing.T) *process {
	t.Helper()
	now := time.Now().UTC()
	p := &process{
		run:       strconv.FormatInt(now.UnixMilli(), 36),
		t0:        now,
		clients:   map[string]*client.Client{},
		roles:     map[string]ledger.Role{},
		datasetTx: map[string]string{},
	}
	var providers []string
	for _, o := range shared.profile.Orgs {
		p.clients[o.MSPID] = connect(t, o.MSPID, "User1")
		p.roles[o.MSPID] = ledger.Role(o.Role)
		switch ledger.Role(o.Role) {
		case ledger.RoleAuthority:
			p.authority = o.MSPID
			p.startBlock = lastBlock(t, o.MSPID)
		case ledger.RoleProvider:
			providers = append(providers, o.MSPID)
		case ledger.RoleOperator:
			p.operator = o.MSPID
		case ledger.RolePlatform:
			p.platform = o.MSPID
		case ledger.RoleRegulator:
			p.regulator = o.MSPID
		}
	}
	if len(providers) < 2 || p.authority == "" || p.operator == "" || p.platform == "" || p.regulator == "" {
		t.Fatalf("profile: got authority %q, providers %v, operator %q, platform %q, regulator %q; want one of each and two providers",
			p.authority, providers, p.operator, p.platform, p.regulator)
	}
	p.health, p.market = providers[0], providers[1]
	p.expert = connect(t, p.authority, "User2")
	p.commits = followCommits(t, p.clients, p.startBlock)
	p.visits, p.loans = p.id("visits"), p.id("loans")
	return p
}

// lastBlock returns the number of the last block on an organisation's
// first peer.
func lastBlock(t *testing.T, msp string) uint64 {
	t.Helper()
	for _, o := range shared.net.Topology().Orgs {
		if o.MSPID != msp || len(o.Peers) == 0 {
			continue
		}
		h, err := shared.net.PeerHeight(t.Context(), o.Name, o.Peers[0].Name)
		if err != nil || h == 0 {
			t.Fatalf("height of %s's %s: got %d, %v", o.Name, o.Peers[0].Name, h, err)
		}
		return h - 1
	}
	t.Fatalf("the topology has no peer of %s", msp)
	return 0
}

// as returns the client of an organisation.
func (p *process) as(msp string) *client.Client { return p.clients[msp] }

// id returns an ID unique to the run.
func (p *process) id(prefix string) string { return prefix + "-" + p.run }

// orgsExcept lists the organisations of the profile other than those named.
func (p *process) orgsExcept(left ...string) []string {
	var out []string
	for _, o := range shared.profile.Orgs {
		if !slices.Contains(left, o.MSPID) {
			out = append(out, o.MSPID)
		}
	}
	return out
}

// ok fails the test unless a call succeeded.
func ok(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: got %v, want success", fmt.Sprintf(format, args...), err)
	}
}

// emitted records a transaction the run committed and the event it must
// have emitted, and waits until every organisation's peer has committed it;
// st is the stamp the transaction wrote on its object.
func (p *process) emitted(t *testing.T, event, id string, st ledger.Stamp, related ...ledger.EventRef) {
	t.Helper()
	if st.TxID == "" {
		t.Fatalf("%s %s: the result names no transaction", event, id)
	}
	p.committed = append(p.committed, emitted{Name: event, ID: id, TxID: st.TxID, Related: related})
	if os.Getenv("E2E_NOWAIT") == "" {
		p.commits.wait(t, st.TxID)
	}
}

// commits follows the chaincode events each organisation's own peer
// delivers, to tell when every peer has committed a transaction. A client
// learns that its transaction committed on its own gateway peer; the next
// organisation's gateway endorses on its own peer first, which may not have
// committed that block yet and would read the state before it (the gateway
// then reports "ProposalResponsePayloads do not match", or the contract
// refuses on stale state). So the run waits, after each transaction, until
// every peer has delivered its event.
type commits struct {
	orgs    int
	mu      sync.Mutex
	seen    map[string]int // tx ID → number of peers that delivered its event
	changed chan struct{}  // closed and replaced on every event
}

// followCommits starts following every organisation's peer from a block
// until the test ends.
func followCommits(t *testing.T, clients map[string]*client.Client, from uint64) *commits {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := &commits{orgs: len(clients), seen: map[string]int{}, changed: make(chan struct{})}
	for msp, cl := range clients {
		events, err := cl.Network().ChaincodeEvents(ctx, shared.profile.Chaincode, gateway.WithStartBlock(from))
		if err != nil {
			t.Fatalf("follow the chaincode events of %s's peer: %v", msp, err)
		}
		go func() {
			for ev := range events { // ends when ctx is cancelled
				c.mu.Lock()
				c.seen[ev.TransactionID]++
				close(c.changed)
				c.changed = make(chan struct{})
				c.mu.Unlock()
			}
		}()
	}
	return c
}

// wait returns once every peer has delivered the event of transaction
// txID, and fails the test if that takes more than 30 seconds.
func (c *commits) wait(t *testing.T, txID string) {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		c.mu.Lock()
		n, changed := c.seen[txID], c.changed
		c.mu.Unlock()
		if n >= c.orgs {
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("transaction %s: %d of %d peers delivered its event within 30s", txID, n, c.orgs)
		case <-t.Context().Done():
			t.Fatalf("transaction %s: %v", txID, t.Context().Err())
		}
	}
}

// wantErr fails the test unless err is of kind and its message holds text.
func wantErr(t *testing.T, what string, err, kind error, text string) {
	t.Helper()
	if !errors.Is(err, kind) || !strings.Contains(err.Error(), text) {
		t.Fatalf("%s: got %v, want %v mentioning %q", what, err, kind, text)
	}
}

// endorsedOnlyBy submits a transaction whose proposal the gateway sends to
// the peers of orgs alone (it adds none it would have picked itself), and
// returns its transaction ID and commit status.
func endorsedOnlyBy(t *testing.T, c *client.Client, orgs []string, name string, args ...string) (string, *gateway.Status) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	proposal, err := c.Contract().NewProposal(name, gateway.WithArguments(args...), gateway.WithEndorsingOrganizations(orgs...))
	if err != nil {
		t.Fatalf("%s: new proposal: %v", name, err)
	}
	tx, err := proposal.EndorseWithContext(ctx)
	if err != nil {
		t.Fatalf("%s endorsed by %v: got %v, want endorsements (the contract accepts it)", name, orgs, err)
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		t.Fatalf("%s endorsed by %v: submit: %v", name, orgs, err)
	}
	status, err := commit.StatusWithContext(ctx)
	if err != nil {
		t.Fatalf("%s endorsed by %v: commit status: %v", name, orgs, err)
	}
	return tx.TransactionID(), status
}

// Requests of the run, over real time: the run starts at t0.

// datasetRequest returns health's visits(age, diagnosis, name) or market's
// loans(amount, term).
func (p *process) datasetRequest(id string) ledger.DatasetRequest {
	if id == p.visits {
		return lt.DatasetRequest(id, "medical", "age", "diagnosis", "name")
	}
	return lt.DatasetRequest(id, "finance", "amount", "term")
}

// callRequest returns a scenario call over medical and finance data, open
// from an hour before the run to a day after.
func (p *process) callRequest() ledger.CallRequest {
	req := lt.CallRequest(p.call)
	req.Opens, req.Closes = p.t0.Add(-time.Hour), p.t0.Add(24*time.Hour)
	return req
}

// scope returns visits(age, diagnosis) and loans(amount) for
// credit-assessment by statistics or joint-modelling, limited to the
// datasets named.
func (p *process) scope(datasets ...string) ledger.Scope {
	s := ledger.Scope{
		Purposes:   []string{"credit-assessment"},
		Operations: []ledger.Operation{ledger.OpStatistics, ledger.OpJointModel},
	}
	for _, id := range datasets {
		fields := []string{"amount"}
		if id == p.visits {
			fields = []string{"age", "diagnosis"}
		}
		s.Datasets = append(s.Datasets, ledger.DatasetScope{ID: id, Fields: fields})
	}
	return s
}

// applicationRequest returns an application under the run's call for the
// scope of datasets, with an emergency plan, 12 months and a 3-month trial.
func (p *process) applicationRequest(id string, datasets ...string) ledger.ApplicationRequest {
	req := lt.ApplicationRequest(id, p.call)
	req.Scope = p.scope(datasets...)
	return req
}

// term runs from a minute before the run for six months.
func (p *process) term() ledger.Term {
	from := p.t0.Add(-time.Minute)
	return ledger.Term{ValidFrom: from, ValidTo: from.AddDate(0, 6, 0)}
}

func (p *process) grantRequest(id, app string, datasets ...string) ledger.GrantRequest {
	return ledger.GrantRequest{
		ID: id, ApplicationID: app, Scope: p.scope(datasets...),
		Quota: ledger.Quota{Records: 1000, Calls: 10}, Term: p.term(),
	}
}

// statement returns a use of visits(age) for credit-assessment by
// statistics under the run's grant, of records records at time at.
func (p *process) statement(id string, records uint64, at time.Time) attest.Statement {
	return attest.Statement{
		ReceiptID: id, GrantID: p.grant,
		Datasets:  []attest.DatasetUse{{ID: p.visits, Fields: []string{"age"}}},
		Operation: string(ledger.OpStatistics), Purpose: "credit-assessment", Records: records,
		InputDigest: lt.Digest("in " + id), OutputDigest: lt.Digest("out " + id), Time: at.Unix(),
	}
}

// receipt returns a receipt of s signed by the run's attestor.
func (p *process) receipt(s attest.Statement) ledger.ReceiptRequest {
	return ledger.ReceiptRequest{Statement: s, Signature: p.attestor.Sign(s)}
}

// secondAfter returns the first whole second after every time given:
// statements carry their use time in whole seconds, and a use must not
// precede what made it possible.
func secondAfter(ts ...time.Time) time.Time {
	latest := slices.MaxFunc(ts, time.Time.Compare)
	return latest.Truncate(time.Second).Add(time.Second)
}
