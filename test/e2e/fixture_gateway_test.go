//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// This file holds what the contract tests use to reach the ledger through
// the Fabric Gateway of each organisation's own peer, with the Go client
// library, on top of the shared fixture (fixture_test.go).

// process is one run of the grant process through the Fabric Gateway: a
// client per organisation acting with its own identity, and every
// transaction the run committed, in commit order, with the event it must
// have emitted.
type process struct {
	*grantRun
	cast
	// expert is the authority's User2, whom the run convenes as a member of
	// the expert committee (专家咨询委员会): an individual, not an organisation.
	expert *client.Client
	// expertID is the expert's client identity.
	expertID string

	clients map[string]*client.Client
	// committed lists the run's transactions that committed; invalid the
	// IDs of those that validation refused.
	committed []emitted
	invalid   []string
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
	c := castOf(t)
	p := &process{grantRun: newGrantRun(t, "", c.authority), cast: c, clients: map[string]*client.Client{}}
	for _, o := range shared.profile.Orgs {
		p.clients[o.MSPID] = connect(t, o.MSPID, "User1")
	}
	p.expert = connect(t, p.authority, "User2")
	p.commits = followPeers(t, p.clients, p.startBlock)
	return p
}

// followPeers follows the chaincode events of every organisation's peer,
// through its gateway, from a block until the test ends.
func followPeers(t *testing.T, clients map[string]*client.Client, from uint64) *commits {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := newCommits(slices.Collect(maps.Keys(clients)))
	for msp, cl := range clients {
		events, err := cl.Network().ChaincodeEvents(ctx, shared.profile.Chaincode, gateway.WithStartBlock(from))
		if err != nil {
			t.Fatalf("follow the chaincode events of %s's peer: %v", msp, err)
		}
		go func() {
			for ev := range events { // ends when ctx is cancelled
				c.sawPayload(msp, ev.TransactionID, ev.EventName, ev.Payload)
			}
			c.ended(msp, errors.New("the chaincode events ended"))
		}()
	}
	return c
}

// as returns the client of an organisation.
func (p *process) as(msp string) *client.Client { return p.clients[msp] }

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
		p.commits.wait(t, st.TxID, event)
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
	var tx *gateway.Transaction
	// A gateway whose discovery has not (yet, or for a moment) seen one of
	// the named organisations' peers answers Unavailable before it asks
	// anyone to endorse: nothing was endorsed, so a new proposal is safe.
	for wait := 250 * time.Millisecond; ; wait *= 2 {
		proposal, err := c.Contract().NewProposal(name, gateway.WithArguments(args...), gateway.WithEndorsingOrganizations(orgs...))
		if err != nil {
			t.Fatalf("%s: new proposal: %v", name, err)
		}
		tx, err = proposal.EndorseWithContext(ctx)
		if err == nil {
			break
		}
		if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "failed to find any endorsing peers") || wait > 8*time.Second {
			t.Fatalf("%s endorsed by %v: got %v, want endorsements (the contract accepts it)", name, orgs, err)
		}
		t.Logf("%s endorsed by %v: %v; proposing again in %s", name, orgs, err, wait)
		time.Sleep(wait)
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		t.Fatalf("%s endorsed by %v: submit: %v", name, orgs, err)
	}
	committed, err := commit.StatusWithContext(ctx)
	if err != nil {
		t.Fatalf("%s endorsed by %v: commit status: %v", name, orgs, err)
	}
	return tx.TransactionID(), committed
}

// lookInPages pages through a list of the ledger, 100 at a time, until
// match holds; fetch reads one page, of any of the ledger's page types
// ({items, bookmark}).
func lookInPages[P, T any](t *testing.T, what string, fetch func(context.Context, ledger.Query) (*P, error), match func(T) bool) (T, bool) {
	t.Helper()
	q := ledger.Query{PageSize: 100}
	for {
		got, err := fetch(t.Context(), q)
		ok(t, err, "%s", what)
		raw, err := json.Marshal(got)
		ok(t, err, "encode a page of %s", what)
		var pg page[T]
		ok(t, json.Unmarshal(raw, &pg), "decode a page of %s", what)
		for _, it := range pg.Items {
			if match(it) {
				return it, true
			}
		}
		if pg.Bookmark == "" {
			var zero T
			return zero, false
		}
		q.Bookmark = pg.Bookmark
	}
}

// findInPages is lookInPages that fails the test unless match holds for
// an item of some page.
func findInPages[P, T any](t *testing.T, what string, fetch func(context.Context, ledger.Query) (*P, error), match func(T) bool) T {
	t.Helper()
	it, found := lookInPages(t, what, fetch, match)
	if !found {
		t.Fatalf("%s: not found in any page", what)
	}
	return it
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

// applicationRequest returns an application under the run's call for the
// scope of datasets, with an emergency plan, 12 months and a 3-month trial.
func (p *process) applicationRequest(id string, datasets ...string) ledger.ApplicationRequest {
	req := lt.ApplicationRequest(id, p.call)
	req.Scope = p.scope(datasets...)
	return req
}

// grantRequest returns a grant of the application over the datasets, of
// 1000 records in 10 calls for the run's term.
func (p *process) grantRequest(id, app string, datasets ...string) ledger.GrantRequest {
	return ledger.GrantRequest{
		ID: id, ApplicationID: app, Scope: p.scope(datasets...),
		Quota: ledger.Quota{Records: 1000, Calls: 10}, Term: p.term(),
	}
}

// receipt returns a receipt of s signed by the run's attestor.
func (p *process) receipt(s attest.Statement) ledger.ReceiptRequest {
	return ledger.ReceiptRequest{Statement: s, Signature: p.attestor.Sign(s)}
}
