//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// The authorization matrix (docs/authorization.md) on a real network: a
// sample of its cells, at least one allowed and one refused for each kind
// of caller the network has, reads and lists among them, run through each
// organisation's Fabric Gateway with its own identities. What each cell
// must be is read from the page, which the contract's unit test holds to
// its own table; the audiences of the events the run's changes emitted
// are checked against the page's events table.

// authzPage is docs/authorization.md's matrix: for each row, as
// "transaction · on" (and "event · transaction · on · emitted by" for the
// events table), whether each kind of caller is allowed.
type authzPage map[string]map[string]bool

// readAuthzPage reads the tables of the page's sections.
func readAuthzPage(t *testing.T) (transactions, events authzPage) {
	t.Helper()
	raw, err := os.ReadFile("../../docs/authorization.md")
	if err != nil {
		t.Fatal(err)
	}
	section := func(title string, leading int) authzPage {
		text := string(raw)
		start := strings.Index(text, "\n"+title+"\n")
		if start < 0 {
			t.Fatalf("docs/authorization.md has no section %q", title)
		}
		text = text[start+len(title)+1:]
		if end := strings.Index(text, "\n## "); end >= 0 {
			text = text[:end]
		}
		page := authzPage{}
		var header []string
		for line := range strings.Lines(text) {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
				continue
			}
			cols := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cols {
				cols[i] = strings.Trim(strings.TrimSpace(cols[i]), "`")
			}
			if header == nil {
				header = cols
				continue
			}
			if len(cols) != len(header) {
				t.Fatalf("docs/authorization.md, %s: row %q has %d columns, the header %d", title, line, len(cols), len(header))
			}
			cells := map[string]bool{}
			for i, kind := range header[leading:] {
				cells[kind] = cols[leading+i] == "✓"
			}
			page[strings.Join(cols[:leading], " · ")] = cells
		}
		if len(page) == 0 {
			t.Fatalf("docs/authorization.md, %s: no rows", title)
		}
		return page
	}
	return section("## Transactions", 2), section("## Events", 4)
}

// want is the page's cell of a row for a kind of caller.
func (p authzPage) want(t *testing.T, row, kind string) bool {
	t.Helper()
	cells, ok := p[row]
	if !ok {
		t.Fatalf("docs/authorization.md has no row %q", row)
	}
	allowed, ok := cells[kind]
	if !ok {
		t.Fatalf("docs/authorization.md has no column %q", kind)
	}
	return allowed
}

// authzSample is a row of the matrix sampled on the network.
type authzSample struct {
	// row names the matrix's row, "transaction · on".
	row string
	// kinds are the columns the sample runs.
	kinds []string
	// call runs the row's transaction as c: for a list, whether the page
	// shows the row's object.
	call func(ctx context.Context, c *client.Client) (shown bool, err error)
	// object reads the object a change acts on as c, to tell a refusal a
	// caller that may read it must get (forbidden) from the one a caller
	// that may not must get (as if it did not exist); nil for a
	// transaction that creates an object.
	object func(ctx context.Context, c *client.Client) error
}

// authzRun is the run of the sample: the grant process with IDs of its
// own, a grant over the owning provider's dataset alone, and the callers
// of each kind.
type authzRun struct {
	*process
	transactions, events authzPage
	callers              map[string]*client.Client
	// actors are the callers as the ledger resolves them, for audiences.
	actors map[string]ledger.Actor
	// receiptID and sub are the run's receipt and the developer's sub-grant.
	receiptID, sub string
	// checked lists the run's events whose audience is checked, by the
	// transaction that emitted them, as the events table names them.
	checked map[string]string
	// afterRegistration holds the transactions of those events that came
	// after the developer's registration: their audiences may name it,
	// which played the unregistered organisation before.
	afterRegistration map[string]bool
}

// TestAuthzMatrixOnFabric runs a sample of the authorization matrix on
// the network under test. The topology has one operator, so the other
// operator's cells are left to the unit test; the unregistered
// organisation is the developer's before the authority registers it.
func TestAuthzMatrixOnFabric(t *testing.T) {
	a := &authzRun{process: newProcess(t), callers: map[string]*client.Client{}, actors: map[string]ledger.Actor{},
		checked: map[string]string{}, afterRegistration: map[string]bool{}}
	a.transactions, a.events = readAuthzPage(t)
	if a.developer == "" {
		t.Fatal("the network under test has no developer organisation; the end-to-end topology (test/e2e/topology.json) has one")
	}
	for kind, c := range map[string]*client.Client{
		"authority": a.as(a.authority), "owning provider": a.as(a.health), "other provider": a.as(a.market),
		"holding operator": a.as(a.operator), "platform": a.as(a.platform), "regulator": a.as(a.regulator), "exchange": a.as(a.exchange),
	} {
		a.callers[kind] = c
	}
	t.Logf("run %s, events from block %d", a.run, a.startBlock)
	runPhases(t,
		phase{"a grant in force over the owning provider's data", a.grantInForce},
		phase{"an organisation the authority has not registered", a.unregistered},
		phase{"the developer and its sub-grant", a.developerWithSubGrant},
		phase{"a sample of each kind of caller", func(t *testing.T) { a.sample(t, a.samples()) }},
		phase{"events reach the readers of their objects", a.audiences},
	)
}

// grantInForce registers the parties but the developer, catalogues both
// providers' datasets, takes an application over the owning provider's
// dataset alone to a grant that provider approves, puts its agreement in
// force, and records a receipt signed by the platform's attestor.
func (a *authzRun) grantInForce(t *testing.T) {
	ctx := t.Context()
	a.parties(t)
	a.callers["expert"] = a.expert
	a.catalogue(t)

	a.app = a.id("app")
	app, err := a.as(a.operator).SubmitApplication(ctx, a.applicationRequest(a.app, a.visits))
	ok(t, err, "submit application %s", a.app)
	a.emitted(t, "application.submitted", app.ID, app.Created)
	a.checked[app.Created.TxID] = "application.submitted · SubmitApplication · a new application under the open call · holding operator"
	a.attachDocuments(t, a.app)
	a.review(t, a.id("rev-basic"), ledger.ReviewBasicSecurity, a.operator)
	a.review(t, a.id("rev-tech"), ledger.ReviewTechnicalSecurity, a.operator)
	a.review(t, a.id("rev-net"), ledger.ReviewNetworkSecurity, a.app)
	a.review(t, a.id("rev-scenario"), ledger.ReviewScenario, a.app)

	a.grant = a.id("grant")
	g, err := a.as(a.authority).IssueGrant(ctx, a.grantRequest(a.grant, a.app, a.visits))
	ok(t, err, "issue grant %s", a.grant)
	a.emitted(t, "grant.issued", g.ID, g.Updated)
	if !slices.Equal(g.Providers, []string{a.health}) {
		t.Fatalf("grant %s: got providers %v, want %s alone", a.grant, g.Providers, a.health)
	}
	g, err = a.as(a.health).ApproveGrant(ctx, a.grant)
	ok(t, err, "%s approves %s", a.health, a.grant)
	a.emitted(t, "grant.activated", g.ID, g.Updated)
	a.checked[g.Updated.TxID] = "grant.activated · ApproveGrant · a proposed grant · owning provider"
	a.sign(t)
	for _, e := range a.committed {
		if e.Name == "agreement.signed" && e.ID == a.agreement {
			a.checked[e.TxID] = "agreement.signed · SignAgreement · an agreement with its text, unsigned · authority, holding operator"
		}
	}

	a.attestor = attesttest.NewAttestorFromSeed("authz-" + a.run)
	at, err := a.as(a.platform).RegisterAttestor(ctx, ledger.AttestorRequest{Address: a.attestor.Address(), Name: "TEE " + a.run})
	ok(t, err, "register attestor %s", a.attestor.Address())
	a.emitted(t, "attestor.registered", at.Address, at.Created)
	a.checked[at.Created.TxID] = "attestor.registered · RegisterAttestor · a new attestor · platform"
	a.usable = secondAfter(at.Created.Time, g.Updated.Time, a.agreementInForce)
	a.receiptID = a.id("r1")
	r, err := a.as(a.operator).SubmitReceipt(ctx, a.receipt(a.statement(a.receiptID, 5)))
	ok(t, err, "submit receipt %s", a.receiptID)
	a.emitted(t, "receipt.accepted", r.ID, r.Recorded)
	a.checked[r.Recorded.TxID] = "receipt.accepted · SubmitReceipt · a signed use of the grant · holding operator, platform"
}

// unregistered runs the unregistered organisation's cells as the
// developer's organisation while the authority has not registered it: on
// a network whose every organisation is registered (an earlier run
// registered the developer) no organisation can play it, and the phase
// says so.
func (a *authzRun) unregistered(t *testing.T) {
	dev := a.as(a.developer)
	me, err := dev.WhoAmI(t.Context())
	ok(t, err, "who is %s", a.developer)
	if me.Role != "" {
		t.Skipf("every organisation of the network is registered (%s as %s by an earlier run): no organisation can play the unregistered one", a.developer, me.Role)
	}
	// The unregistered organisation alone: the others run once the
	// developer is registered and has its sub-grant.
	registered := a.callers
	a.callers = map[string]*client.Client{"unregistered": dev}
	a.actors["unregistered"] = *me
	a.sample(t, a.samples())
	a.callers = registered
}

// developerWithSubGrant registers the developer unless an earlier run
// did, and has the holding operator give it a sub-grant of the run's
// grant, which the authority activates.
func (a *authzRun) developerWithSubGrant(t *testing.T) {
	ctx := t.Context()
	a.register(t, a.developer, ledger.RoleDeveloper)
	a.callers["developer"] = a.as(a.developer)
	a.sub = a.id("sub")
	g, err := a.as(a.operator).ProposeSubGrant(ctx, ledger.SubGrantRequest{
		ID: a.sub, ParentID: a.grant, Developer: a.developer,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: a.visits, Fields: []string{"age"}}},
			Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 50, Calls: 3}, Term: a.term(),
	})
	ok(t, err, "propose sub-grant %s", a.sub)
	a.emitted(t, "grant.proposed", g.ID, g.Created)
	a.checked[g.Created.TxID] = "grant.proposed · ProposeSubGrant · the holding operator's grant in force · holding operator"
	a.afterRegistration[g.Created.TxID] = true
	g, err = a.as(a.authority).ActivateSubGrant(ctx, a.sub)
	ok(t, err, "activate sub-grant %s", a.sub)
	a.emitted(t, "grant.activated", g.ID, g.Updated)
	a.checked[g.Updated.TxID] = "grant.activated · ActivateSubGrant · a proposed sub-grant · authority"
	a.afterRegistration[g.Updated.TxID] = true
}

// done reads a single object: shown when the read succeeds.
func done[T any](_ *T, err error) (bool, error) { return err == nil, err }

// inPages tells whether any page of a list holds an item whose ID is id.
func inPages[P any](ctx context.Context, fetch func(context.Context, ledger.Query) (*P, error), id string, key func(map[string]any) any) (bool, error) {
	q := ledger.Query{PageSize: 100}
	for {
		got, err := fetch(ctx, q)
		if err != nil {
			return false, err
		}
		raw, err := json.Marshal(got)
		if err != nil {
			return false, err
		}
		var pg page[map[string]any]
		if err := json.Unmarshal(raw, &pg); err != nil {
			return false, err
		}
		if slices.ContainsFunc(pg.Items, func(it map[string]any) bool { return key(it) == id }) {
			return true, nil
		}
		if pg.Bookmark == "" {
			return false, nil
		}
		q.Bookmark = pg.Bookmark
	}
}

func byID(it map[string]any) any { return it["id"] }

// samples are the sampled rows, each with the kinds of caller it runs.
func (a *authzRun) samples() []authzSample {
	grant := func(ctx context.Context, c *client.Client) error { _, err := c.GetGrant(ctx, a.grant); return err }
	return []authzSample{
		{row: "GetGrant · the holding operator's grant",
			kinds: []string{"authority", "owning provider", "other provider", "holding operator", "developer", "platform", "regulator", "exchange", "expert", "unregistered"},
			call:  func(ctx context.Context, c *client.Client) (bool, error) { return done(c.GetGrant(ctx, a.grant)) }},
		{row: "GetGrant · a sub-grant to the developer", kinds: []string{"developer", "other provider", "platform"},
			call: func(ctx context.Context, c *client.Client) (bool, error) { return done(c.GetGrant(ctx, a.sub)) }},
		{row: "GetApplication · the holding operator's application", kinds: []string{"owning provider", "holding operator", "expert", "unregistered"},
			call: func(ctx context.Context, c *client.Client) (bool, error) { return done(c.GetApplication(ctx, a.app)) }},
		{row: "QueryApplications · applications under the call", kinds: []string{"expert", "platform"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return inPages(ctx, func(ctx context.Context, q ledger.Query) (*ledger.ApplicationPage, error) {
					q.By, q.Value = "call", a.call
					return c.QueryApplications(ctx, q)
				}, a.app, byID)
			}},
		{row: "QueryGrants · grants of the holding operator", kinds: []string{"other provider", "holding operator", "developer", "platform"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return inPages(ctx, func(ctx context.Context, q ledger.Query) (*ledger.GrantPage, error) {
					q.By, q.Value = "holder", a.operator
					return c.QueryGrants(ctx, q)
				}, a.grant, byID)
			}},
		{row: "GetReceipt · a receipt of the grant", kinds: []string{"owning provider", "other provider", "developer", "platform"},
			call: func(ctx context.Context, c *client.Client) (bool, error) { return done(c.GetReceipt(ctx, a.receiptID)) }},
		{row: "GetAgreement · the agreement in force", kinds: []string{"holding operator", "platform"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return done(c.GetAgreement(ctx, a.agreement))
			}},
		{row: "GetHistory · the holding operator's grant", kinds: []string{"regulator", "expert"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				h, err := c.GetHistory(ctx, "grant", a.grant)
				return err == nil && len(h) > 0, err
			}},
		{row: "GetDataset · a dataset", kinds: []string{"other provider", "exchange", "unregistered"},
			call: func(ctx context.Context, c *client.Client) (bool, error) { return done(c.GetDataset(ctx, a.visits)) }},
		{row: "DisclosedGrants · grants in force", kinds: []string{"developer", "unregistered"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return inPages(ctx, c.DisclosedGrants, a.grant, byID)
			}},
		{row: "SuspendGrant · a grant in force", kinds: []string{"owning provider", "holding operator", "platform", "regulator", "unregistered"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return done(c.SuspendGrant(ctx, a.grant, "probe"))
			},
			object: grant},
		{row: "SubmitReceipt · a signed use of the grant", kinds: []string{"authority", "developer"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return done(c.SubmitReceipt(ctx, a.receipt(a.statement(a.id("r-refused"), 1))))
			},
			object: grant},
		{row: "CreateDataset · a new dataset", kinds: []string{"authority", "regulator", "unregistered"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return done(c.CreateDataset(ctx, lt.DatasetRequest(a.id("refused"), "medical", "age")))
			}},
		{row: "UpdateDataset · the owning provider's dataset", kinds: []string{"other provider"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				return done(c.UpdateDataset(ctx, a.datasetRequest(a.visits)))
			},
			object: func(ctx context.Context, c *client.Client) error { _, err := c.GetDataset(ctx, a.visits); return err }},
		{row: "PublishCall · a new call", kinds: []string{"expert"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				req := a.callRequest()
				req.ID = a.id("call-refused")
				return done(c.PublishCall(ctx, req))
			}},
		// The platform's allowed change commits: a second attestor of its own.
		{row: "RegisterAttestor · a new attestor", kinds: []string{"authority", "platform"},
			call: func(ctx context.Context, c *client.Client) (bool, error) {
				addr := attesttest.NewAttestorFromSeed("authz-2-" + a.run).Address()
				at, err := c.RegisterAttestor(ctx, ledger.AttestorRequest{Address: addr, Name: "TEE 2 " + a.run})
				if err == nil {
					a.checked[at.Created.TxID] = "attestor.registered · RegisterAttestor · a new attestor · platform"
					a.afterRegistration[at.Created.TxID] = true
				}
				return err == nil, err
			}},
	}
}

// sample runs the samples' cells for every kind of caller the run has
// now; it fails unless every kind it runs meets at least one allowed and
// one refused cell.
func (a *authzRun) sample(t *testing.T, samples []authzSample) {
	ctx := t.Context()
	met := map[string]map[bool]int{}
	for _, s := range samples {
		tx, _, _ := strings.Cut(s.row, " · ")
		read := strings.HasPrefix(tx, "Get") || strings.HasPrefix(tx, "Query") || strings.HasPrefix(tx, "Disclosed")
		for _, kind := range s.kinds {
			c, ok := a.callers[kind]
			if !ok {
				continue
			}
			want := a.transactions.want(t, s.row, kind)
			if met[kind] == nil {
				met[kind] = map[bool]int{}
			}
			met[kind][want]++
			shown, err := s.call(ctx, c)
			switch {
			case want && (err != nil || !shown):
				t.Errorf("%s as %s: got %v (shown %v), want allowed", s.row, kind, err, shown)
			case !want && err == nil && shown:
				t.Errorf("%s as %s: allowed, want refused", s.row, kind)
			case !want && err != nil:
				a.refusal(t, s, kind, c, read, err)
			}
		}
	}
	for _, kind := range sortedKeys(met) {
		m := met[kind]
		t.Logf("%s: %d allowed and %d refused cells", kind, m[true], m[false])
		if m[true] == 0 || m[false] == 0 {
			t.Errorf("%s: ran %d allowed and %d refused cells, want at least one of each", kind, m[true], m[false])
		}
	}
	if len(met) == 0 {
		t.Fatal("no cell ran")
	}
}

// refusal checks a refused cell's error: a read answers not found; a
// change of an object the caller may read is forbidden, of one it may not
// read not found; a creation refuses the caller's role (forbidden).
func (a *authzRun) refusal(t *testing.T, s authzSample, kind string, c *client.Client, read bool, err error) {
	t.Helper()
	want := client.ErrForbidden
	switch {
	case read:
		want = client.ErrNotFound
	case s.object != nil && s.object(t.Context(), c) != nil:
		want = client.ErrNotFound
	}
	if !errors.Is(err, want) {
		t.Errorf("%s as %s: got %v, want %v", s.row, kind, err, want)
	}
}

// audiences checks the audience of the run's events, as every
// organisation's peer delivered them, against the page's events table:
// each kind of caller the run has is in it exactly when the table says.
func (a *authzRun) audiences(t *testing.T) {
	ctx := t.Context()
	for kind, c := range a.callers {
		if _, seen := a.actors[kind]; seen {
			continue
		}
		me, err := c.WhoAmI(ctx)
		ok(t, err, "who is the %s", kind)
		a.actors[kind] = *me
	}
	if len(a.checked) < 6 {
		t.Fatalf("got %d events to check, want the run's", len(a.checked))
	}
	for txID, row := range a.checked {
		aud := a.commits.audienceOf(txID)
		if aud == nil {
			t.Errorf("%s (tx %s): no audience seen", row, txID)
			continue
		}
		for kind, actor := range a.actors {
			if kind == "unregistered" && a.afterRegistration[txID] {
				continue
			}
			if got, want := ledger.Readable(aud, actor), a.events.want(t, row, kind); got != want {
				t.Errorf("%s (tx %s) reaches the %s (%s): got %v, want %v", row, txID, kind, actor.MSP, got, want)
			}
		}
	}
}
