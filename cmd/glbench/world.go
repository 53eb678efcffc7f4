package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// spreadGrants is how many grants receipt-single-spread (and the batches)
// spread over: one per client of the default 16.
const spreadGrants = 16

// lineageReceipts is how many receipts the measured product's lineage
// holds: its provenance reads each of them, their grant, its datasets and
// their providers.
const lineageReceipts = 20

// setupParallel bounds how many grants are taken through the process at
// once: enough to overlap the block-cutting waits, few enough that the
// 2-core machines do not turn setup into a benchmark of its own.
const setupParallel = 6

// world is the ledger the scenarios measure, set up through the Fabric
// Gateway with the client library, each organisation acting as its own
// User1 (the same identities the APIs use): the participants, a dataset of
// each provider, a call, grants in force held by the operator, an
// attestor (a trusted environment whose key the bench holds) and a
// product whose lineage the provenance scenarios read. Its IDs carry the
// run's, so runs on one ledger (-reuse) never collide.
type world struct {
	run     string
	profile *client.Profile
	clients map[string]*client.Client
	log     io.Writer

	authority, health, market, operator, platform, regulator string

	attestor      *attesttest.Attestor
	visits, loans string
	call          string
	// grants are held by the operator, all in force; grants[0] is the hot
	// grant and the product's; crash is anchor-crash's own, so its usage
	// counts that scenario alone.
	grants []string
	crash  string
	// usable is the use time of every statement: after the attestor's
	// registration and every grant's agreement coming into force.
	usable  time.Time
	product string
	lineage []string

	seq atomic.Int64
}

// newWorld connects every organisation's User1 and finds who plays each
// role by the profile.
func newWorld(ctx context.Context, profile *client.Profile, log io.Writer) (*world, error) {
	w := &world{
		run:     "b" + strconv.FormatInt(time.Now().UnixMilli(), 36),
		profile: profile, clients: map[string]*client.Client{}, log: log,
	}
	var providers []string
	for _, o := range profile.Orgs {
		// Setup is not measured: generous timeouts, so that a batch of 500
		// on a busy machine is waited for rather than failed.
		c, err := client.Connect(ctx, profile, o.MSPID, "User1", client.WithTimeouts(client.Timeouts{
			Evaluate: 30 * time.Second, Endorse: 2 * time.Minute, Submit: 30 * time.Second, CommitStatus: 3 * time.Minute}))
		if err != nil {
			w.close()
			return nil, err
		}
		w.clients[o.MSPID] = c
		switch ledger.Role(o.Role) {
		case ledger.RoleAuthority:
			w.authority = o.MSPID
		case ledger.RoleProvider:
			providers = append(providers, o.MSPID)
		case ledger.RoleOperator:
			w.operator = o.MSPID
		case ledger.RolePlatform:
			w.platform = o.MSPID
		case ledger.RoleRegulator:
			w.regulator = o.MSPID
		}
	}
	if len(providers) < 2 || w.authority == "" || w.operator == "" || w.platform == "" || w.regulator == "" {
		w.close()
		return nil, fmt.Errorf("the profile has no authority, two providers, operator, platform and regulator: %v", profile.Orgs)
	}
	w.health, w.market = providers[0], providers[1]
	return w, nil
}

func (w *world) close() {
	for _, c := range w.clients {
		c.Close()
	}
}

func (w *world) as(msp string) *client.Client { return w.clients[msp] }

func (w *world) id(prefix string) string { return w.run + "-" + prefix }

// receiptID is a new receipt ID of the run, tagged by what submits it.
func (w *world) receiptID(tag string) string {
	return w.run + "-" + tag + "-" + strconv.FormatInt(w.seq.Add(1), 36)
}

func (w *world) logf(format string, args ...any) {
	fmt.Fprintf(w.log, "glbench: "+format+"\n", args...)
}

// scope is visits(age, diagnosis) and loans(amount) for credit-assessment
// by statistics or joint-modelling.
func (w *world) scope() ledger.Scope {
	return ledger.Scope{
		Datasets: []ledger.DatasetScope{
			{ID: w.visits, Fields: []string{"age", "diagnosis"}},
			{ID: w.loans, Fields: []string{"amount"}},
		},
		Purposes:   []string{"credit-assessment"},
		Operations: []ledger.Operation{ledger.OpStatistics, ledger.OpJointModel},
	}
}

// receipt is a signed statement of one use of visits(age), of one record,
// under grant, at the usable time.
func (w *world) receipt(grant, id string) ledger.ReceiptRequest {
	s := attest.Statement{
		ReceiptID: id, GrantID: grant,
		Datasets:  []attest.DatasetUse{{ID: w.visits, Fields: []string{"age"}}},
		Operation: string(ledger.OpStatistics), Purpose: "credit-assessment", Records: 1,
		InputDigest: lt.Digest("in " + id), OutputDigest: lt.Digest("out " + id), Time: w.usable.Unix(),
	}
	return ledger.ReceiptRequest{Statement: s, Signature: w.attestor.Sign(s)}
}

// setUp builds the world: parties, catalogue, call, attestor, the grants
// in force and the product's lineage.
func (w *world) setUp(ctx context.Context) error {
	t0 := time.Now()
	w.visits, w.loans, w.call = w.id("visits"), w.id("loans"), w.id("call")
	if err := w.parties(ctx); err != nil {
		return err
	}
	w.attestor = attesttest.NewAttestorFromSeed("glbench-" + w.run)
	var attestorAt time.Time
	err := w.together(ctx, "catalogue, call, operator reviews and attestor",
		func() error {
			_, err := w.as(w.health).CreateDataset(ctx, lt.DatasetRequest(w.visits, "medical", "age", "diagnosis", "name"))
			return err
		},
		func() error {
			_, err := w.as(w.market).CreateDataset(ctx, lt.DatasetRequest(w.loans, "finance", "amount", "term"))
			return err
		},
		func() error {
			req := lt.CallRequest(w.call)
			req.Opens, req.Closes = t0.Add(-time.Hour), t0.Add(24*time.Hour)
			_, err := w.as(w.authority).PublishCall(ctx, req)
			return err
		},
		func() error {
			_, err := w.as(w.authority).RecordReview(ctx, lt.ReviewRequest(w.id("rev-basic"), ledger.ReviewBasicSecurity, w.operator, t0.Add(-time.Minute)))
			return err
		},
		func() error {
			_, err := w.as(w.authority).RecordReview(ctx, lt.ReviewRequest(w.id("rev-tech"), ledger.ReviewTechnicalSecurity, w.operator, t0.Add(-time.Minute)))
			return err
		},
		func() error {
			a, err := w.as(w.platform).RegisterAttestor(ctx, ledger.AttestorRequest{Address: w.attestor.Address(), Name: "TEE " + w.run})
			if err == nil {
				attestorAt = a.Created.Time
			}
			return err
		},
	)
	if err != nil {
		return err
	}

	ids := make([]string, spreadGrants+1)
	for i := range ids {
		ids[i] = w.id(fmt.Sprintf("g%02d", i))
	}
	inForce := make([]time.Time, len(ids))
	sem := make(chan struct{}, setupParallel)
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			inForce[i], errs[i] = w.grantInForce(ctx, id, t0)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	w.grants, w.crash = ids[:spreadGrants], ids[spreadGrants]
	// A statement's use time is in whole seconds and must not precede
	// what made the use possible.
	latest := attestorAt
	for _, t := range inForce {
		if t.After(latest) {
			latest = t
		}
	}
	w.usable = latest.Truncate(time.Second).Add(time.Second)
	if err := w.waitUntil(ctx, w.usable); err != nil {
		return err
	}
	if err := w.productLineage(ctx); err != nil {
		return err
	}
	w.logf("ledger set up in %s: %d grants in force, attestor %s, product %s with %d receipts", time.Since(t0).Round(time.Second), len(ids), w.attestor.Address(), w.product, len(w.lineage))
	return nil
}

// parties registers every organisation but the authority with its role,
// unless an earlier run did, and admits the operator.
func (w *world) parties(ctx context.Context) error {
	var steps []func() error
	for _, o := range w.profile.Orgs {
		if o.MSPID == w.authority {
			continue
		}
		steps = append(steps, func() error {
			_, err := w.as(w.authority).GetParticipant(ctx, o.MSPID)
			if err == nil {
				return nil
			}
			if !errors.Is(err, client.ErrNotFound) {
				return err
			}
			_, err = w.as(w.authority).RegisterParticipant(ctx, ledger.ParticipantRequest{MSP: o.MSPID, Role: ledger.Role(o.Role), Name: o.MSPID + " (bench)"})
			return err
		})
	}
	if err := w.together(ctx, "participants", steps...); err != nil {
		return err
	}
	return w.step(ctx, "admit the operator", func() error {
		p, err := w.as(w.operator).GetParticipant(ctx, w.operator)
		if err != nil || p.Status == ledger.OperatorAdmitted {
			return err
		}
		_, err = w.as(w.authority).SetOperatorStatus(ctx, ledger.OperatorStatusRequest{MSP: w.operator, Status: ledger.OperatorAdmitted})
		return err
	})
}

// grantInForce takes one grant through the whole process: application
// with its documents, its network-security and scenario reviews, the
// grant issued with a quota no benchmark exhausts, approved by both
// providers, its agreement proposed, its text attached and signed by both
// parties. It returns when the agreement came into force.
func (w *world) grantInForce(ctx context.Context, grant string, t0 time.Time) (time.Time, error) {
	app, agr := grant+"-app", grant+"-agr"
	term := ledger.Term{ValidFrom: t0.Add(-time.Minute), ValidTo: t0.Add(-time.Minute).AddDate(0, 6, 0)}
	op, auth := w.as(w.operator), w.as(w.authority)
	var inForce time.Time
	steps := []struct {
		what string
		do   func() error
	}{
		{"submit application", func() error {
			req := lt.ApplicationRequest(app, w.call)
			req.Scope = w.scope()
			_, err := op.SubmitApplication(ctx, req)
			return err
		}},
		{"attach its documents", func() error {
			_, err := op.AttachApplicationDocuments(ctx, app, lt.ApplicationDocuments())
			return err
		}},
		{"network-security review", func() error {
			_, err := auth.RecordReview(ctx, lt.ReviewRequest(app+"-net", ledger.ReviewNetworkSecurity, app, t0.Add(-time.Minute)))
			return err
		}},
		{"scenario review", func() error {
			_, err := auth.RecordReview(ctx, lt.ReviewRequest(app+"-scn", ledger.ReviewScenario, app, t0.Add(-time.Minute)))
			return err
		}},
		{"issue the grant", func() error {
			_, err := auth.IssueGrant(ctx, ledger.GrantRequest{ID: grant, ApplicationID: app, Scope: w.scope(),
				Quota: ledger.Quota{Records: 1 << 40, Calls: 1 << 40}, Term: term})
			return err
		}},
		{"health approves", func() error { _, err := w.as(w.health).ApproveGrant(ctx, grant); return err }},
		{"market approves", func() error { _, err := w.as(w.market).ApproveGrant(ctx, grant); return err }},
		{"propose the agreement", func() error {
			_, err := auth.ProposeAgreement(ctx, ledger.AgreementRequest{ID: agr, GrantID: grant, Term: term})
			return err
		}},
		{"attach its text", func() error { _, err := auth.AttachAgreementText(ctx, agr, lt.AgreementText(agr)); return err }},
		{"authority signs", func() error { _, err := auth.SignAgreement(ctx, agr); return err }},
		{"operator signs", func() error {
			a, err := op.SignAgreement(ctx, agr)
			if err == nil {
				inForce = a.InForceFrom
			}
			return err
		}},
	}
	for _, s := range steps {
		if err := w.step(ctx, grant+": "+s.what, s.do); err != nil {
			return time.Time{}, err
		}
	}
	return inForce, nil
}

// productLineage has the platform record the lineage's receipts in one
// batch and the operator register a product built from them.
func (w *world) productLineage(ctx context.Context) error {
	w.product = w.id("product")
	req := ledger.BatchRequest{ID: w.id("lineage")}
	for range lineageReceipts {
		r := w.receipt(w.grants[0], w.receiptID("lin"))
		req.Receipts = append(req.Receipts, r)
		w.lineage = append(w.lineage, r.Statement.ReceiptID)
	}
	if err := w.step(ctx, "the lineage's receipts", func() error {
		_, err := w.as(w.platform).SubmitReceiptBatch(ctx, req)
		return err
	}); err != nil {
		return err
	}
	return w.step(ctx, "register the product", func() error {
		_, err := w.as(w.operator).RegisterProduct(ctx, ledger.ProductRequest{
			ID: w.product, Type: ledger.ProductReport, Name: "Bench product " + w.run, DescriptionDigest: lt.Digest("product " + w.run),
			Grants: []string{w.grants[0]}, Receipts: w.lineage,
		})
		return err
	})
}

// step runs one transaction of the setup and then waits until every
// organisation's peer has committed it: the next step is endorsed by
// other peers, which must not read the state before it.
func (w *world) step(ctx context.Context, what string, do func() error) error {
	if err := do(); err != nil {
		return fmt.Errorf("set up the ledger: %s: %w", what, err)
	}
	if err := w.settle(ctx); err != nil {
		return fmt.Errorf("set up the ledger: after %s: %w", what, err)
	}
	return nil
}

// together runs independent transactions at once, then waits for every
// peer to commit them.
func (w *world) together(ctx context.Context, what string, do ...func() error) error {
	errs := make([]error, len(do))
	var wg sync.WaitGroup
	for i, f := range do {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	return w.step(ctx, what, func() error { return errors.Join(errs...) })
}

// settle waits until every organisation's peer is at least as high as
// the highest was when it was called.
func (w *world) settle(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	target := uint64(0)
	for {
		hs, err := w.heights(ctx)
		if err == nil {
			low := ^uint64(0)
			for _, h := range hs {
				target, low = max(target, h), min(low, h)
			}
			if low >= target {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peers at heights %v, not all at %d: %w", hs, target, errors.Join(err, ctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// heights asks every organisation's peer, through its gateway, for the
// channel's height (the query system chaincode's GetChainInfo).
func (w *world) heights(ctx context.Context) (map[string]uint64, error) {
	out := map[string]uint64{}
	for msp, c := range w.clients {
		raw, err := c.Network().GetContract("qscc").EvaluateWithContext(ctx, "GetChainInfo", gateway.WithArguments(w.profile.Channel))
		if err != nil {
			return out, fmt.Errorf("height of %s's peer: %w", msp, err)
		}
		var info common.BlockchainInfo
		if err := proto.Unmarshal(raw, &info); err != nil {
			return out, fmt.Errorf("height of %s's peer: %w", msp, err)
		}
		out[msp] = info.GetHeight()
	}
	return out, nil
}

// waitUntil sleeps until t (or ctx ends).
func (w *world) waitUntil(ctx context.Context, t time.Time) error {
	if !sleepUntil(ctx, t) {
		return ctx.Err()
	}
	return nil
}

// receiptsOnLedger is how many receipts the ledger counted on the run's
// grants: the sum of their usages' calls, one per accepted receipt.
func (w *world) receiptsOnLedger(ctx context.Context) (int64, error) {
	var total int64
	for _, g := range append(w.grants[:len(w.grants):len(w.grants)], w.crash) {
		u, err := w.as(w.operator).GetGrantUsage(ctx, g)
		if err != nil {
			return 0, fmt.Errorf("usage of %s: %w", g, err)
		}
		total += int64(u.Calls)
	}
	return total, nil
}

// fill has the platform record receipts unrelated to the product (on
// grants other than the product's) in batches, through the gateway, until
// the ledger holds target receipts besides the lineage's. It returns the
// count reached. The count is always read from the ledger (the grants'
// usage), so a batch whose outcome the client could not learn (the
// gateway's commit status cut off on a busy machine) is counted if it
// committed and written again, in the next round, if it did not.
func (w *world) fill(ctx context.Context, target int64, batchSize int) (int64, error) {
	const (
		workers = 3
		rounds  = 4
	)
	t0 := time.Now()
	var lastErr error
	for round := 0; ; round++ {
		if err := w.settle(ctx); err != nil {
			return 0, err
		}
		have, err := w.receiptsOnLedger(ctx)
		if err != nil {
			return 0, err
		}
		have -= int64(len(w.lineage))
		if have >= target {
			w.logf("unrelated receipts on the ledger: %d (filled in %s)", have, time.Since(t0).Round(time.Second))
			return have, nil
		}
		if round == rounds {
			return 0, fmt.Errorf("fill the ledger to %d unrelated receipts: %d after %d rounds: %w", target, have, rounds, lastErr)
		}
		todo := target - have
		var next atomic.Int64
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for worker := range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					n := next.Add(1) - 1
					from := n * int64(batchSize)
					if from >= todo {
						return
					}
					size := min(int64(batchSize), todo-from)
					grant := w.grants[1+int(n)%(len(w.grants)-1)]
					req := ledger.BatchRequest{ID: w.receiptID("fillb")}
					for range size {
						req.Receipts = append(req.Receipts, w.receipt(grant, w.receiptID("fill")))
					}
					if _, err := w.as(w.platform).SubmitReceiptBatch(ctx, req); err != nil {
						errs[worker] = fmt.Errorf("fill batch %s: %w", req.ID, err)
					}
				}
			})
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if lastErr = errors.Join(errs...); lastErr != nil {
			w.logf("filling unrelated receipts: %v; counting again from the ledger", lastErr)
		}
	}
}
