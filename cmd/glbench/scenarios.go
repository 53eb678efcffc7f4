package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/grantledger/grantledger/bench"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	"github.com/grantledger/grantledger/network"
)

// bareValueBytes is the size of the value each bare write puts: about a
// receipt's record on the ledger (its JSON is 600–700 bytes), so that the
// ratio compares the work per transaction and not the bytes written.
const bareValueBytes = 640

// Timeouts of a bare write's stages: the client library's defaults, which
// every grantledger write through an API runs under.
const (
	bareEndorse = 15 * time.Second
	bareSubmit  = 5 * time.Second
	bareCommit  = time.Minute
)

// bareWrite measures the bare Fabric write rate: clients goroutines
// sharing one gateway connection to the operator's peer, as the operator's
// API does, each submitting one baseline Put at a time and waiting for its
// commit; no retry (a unique key per write cannot conflict).
func (b *benchRun) bareWrite(ctx context.Context) bench.Scenario {
	const unit = "tx/s"
	c, err := client.Connect(ctx, b.profile, b.w.operator, "User1")
	if err != nil {
		return failed(bench.BareWrite, unit, err)
	}
	defer c.Close()
	contract := c.Network().GetContract(network.BaselineName)
	value := strings.Repeat("v", bareValueBytes)
	var seq atomic.Int64
	m := b.load(b.cfg.Clients).run(ctx, func(ctx context.Context, _ int) (time.Duration, int64, error) {
		key := fmt.Sprintf("%s-%d", b.w.run, seq.Add(1))
		t := time.Now()
		err := putBare(ctx, contract, key, value)
		return time.Since(t), 1, err
	})
	return b.measuredScenario(bench.BareWrite, unit, b.cfg.Clients, m)
}

// putBare endorses, submits and awaits one Put, as the client library's
// submitOnce does.
func putBare(ctx context.Context, contract *gateway.Contract, key, value string) error {
	proposal, err := contract.NewProposal("Put", gateway.WithArguments(key, value))
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	ectx, cancel := context.WithTimeout(ctx, bareEndorse)
	tx, err := proposal.EndorseWithContext(ectx)
	cancel()
	if err != nil {
		return fmt.Errorf("put %s: endorse: %w", key, err)
	}
	sctx, cancel := context.WithTimeout(ctx, bareSubmit)
	commit, err := tx.SubmitWithContext(sctx)
	cancel()
	if err != nil {
		return fmt.Errorf("put %s: submit: %w", key, err)
	}
	cctx, cancel := context.WithTimeout(ctx, bareCommit)
	st, err := commit.StatusWithContext(cctx)
	cancel()
	if err != nil {
		return fmt.Errorf("put %s: commit status: %w", key, err)
	}
	if !st.Successful {
		return fmt.Errorf("put %s: committed as %s", key, st.Code)
	}
	return nil
}

// readGrant measures GET /v1/grants/{id} of the hot grant through the
// operator's API (its holder).
func (b *benchRun) readGrant(ctx context.Context) bench.Scenario {
	api, path := b.apis[b.w.operator], "/v1/grants/"+b.w.grants[0]
	m := b.load(b.cfg.Clients).run(ctx, func(ctx context.Context, _ int) (time.Duration, int64, error) {
		t := time.Now()
		a, err := api.do(ctx, http.MethodGet, path, nil)
		lat := time.Since(t)
		if err == nil {
			err = a.expect("GET "+path, http.StatusOK)
		}
		return lat, 1, err
	})
	return b.measuredScenario(bench.ReadGrant, "reads/s", b.cfg.Clients, m)
}

// provenance measures the regulator reading the product's provenance
// (GET /v1/products/{id}/provenance) with factor × the unrelated receipts
// provenance-small had on the ledger: 1× is -provenance-fill receipts on
// grants other than the product's, 10× ten times as many, written in
// batches before the window. The lineage is the same both times.
func (b *benchRun) provenance(ctx context.Context, name string, factor int64) bench.Scenario {
	const unit = "reads/s"
	if b.unrelated == 0 {
		have, err := b.w.fill(ctx, int64(b.cfg.ProvenanceFill), b.cfg.BatchSize)
		if err != nil {
			return failed(name, unit, err)
		}
		b.unrelated = have
	}
	have := b.unrelated
	if factor > 1 {
		var err error
		if have, err = b.w.fill(ctx, b.unrelated*factor, b.cfg.BatchSize); err != nil {
			return failed(name, unit, err)
		}
	}
	api, path := b.apis[b.w.regulator], "/v1/products/"+b.w.product+"/provenance"
	// The path must be the product's whole lineage, or the two scenarios
	// would not read the same thing.
	a, err := api.do(ctx, http.MethodGet, path, nil)
	if err == nil {
		err = a.expect("GET "+path, http.StatusOK)
	}
	if err != nil {
		return failed(name, unit, err)
	}
	var p ledger.Provenance
	if err := json.Unmarshal(a.body, &p); err != nil || len(p.Receipts) != len(b.w.lineage) || len(p.Grants) != 1 {
		return failed(name, unit, fmt.Errorf("the provenance of %s: got %d receipts and %d grants (%v), want %d and 1", b.w.product, len(p.Receipts), len(p.Grants), err, len(b.w.lineage)))
	}
	m := b.load(b.cfg.Clients).run(ctx, func(ctx context.Context, _ int) (time.Duration, int64, error) {
		t := time.Now()
		a, err := api.do(ctx, http.MethodGet, path, nil)
		lat := time.Since(t)
		if err == nil {
			err = a.expect("GET "+path, http.StatusOK)
		}
		return lat, 1, err
	})
	s := b.measuredScenario(name, unit, b.cfg.Clients, m)
	s.Extra = map[string]any{"unrelated_receipts": have, "lineage_receipts": len(b.w.lineage), "unrelated_factor": factor}
	return s
}

// receiptsSingle measures POST /v1/receipts through the operator's API
// (the grants' holder): clients clients, client i submitting receipts of
// grant i mod grants, one at a time, each signed by the attestor before
// its request is timed.
func (b *benchRun) receiptsSingle(ctx context.Context, name string, grants int) bench.Scenario {
	api, tag := b.apis[b.w.operator], "s"
	if grants == 1 {
		tag = "h"
	}
	m := b.load(b.cfg.Clients).run(ctx, func(ctx context.Context, worker int) (time.Duration, int64, error) {
		body, err := json.Marshal(b.w.receipt(b.w.grants[worker%grants], b.w.receiptID(tag)))
		if err != nil {
			return 0, 0, err
		}
		t := time.Now()
		a, err := api.do(ctx, http.MethodPost, "/v1/receipts", body)
		lat := time.Since(t)
		if err == nil {
			err = a.expect("POST /v1/receipts", http.StatusCreated)
		}
		return lat, 1, err
	})
	s := b.measuredScenario(name, "receipts/s", b.cfg.Clients, m)
	s.Extra = map[string]any{"grants": grants}
	return s
}

// receiptBatches measures POST /v1/batches through the platform's API:
// batch-clients clients, each sending batches of batch-size receipts of
// its own grant (so that concurrent batches do not contend for one
// grant's usage), built and signed before the request is timed.
func (b *benchRun) receiptBatches(ctx context.Context) bench.Scenario {
	api := b.apis[b.w.platform]
	m := b.load(b.cfg.BatchClients).run(ctx, func(ctx context.Context, worker int) (time.Duration, int64, error) {
		grant := b.w.grants[worker%len(b.w.grants)]
		req := ledger.BatchRequest{ID: b.w.receiptID("batch")}
		for range b.cfg.BatchSize {
			req.Receipts = append(req.Receipts, b.w.receipt(grant, b.w.receiptID("b")))
		}
		body, err := json.Marshal(req)
		if err != nil {
			return 0, 0, err
		}
		t := time.Now()
		a, err := api.do(ctx, http.MethodPost, "/v1/batches", body)
		lat := time.Since(t)
		if err == nil {
			err = a.expect("POST /v1/batches", http.StatusCreated)
		}
		return lat, int64(b.cfg.BatchSize), err
	})
	s := b.measuredScenario(bench.ReceiptBatch, "receipts/s", b.cfg.BatchClients, m)
	s.Extra = map[string]any{"batch_size": b.cfg.BatchSize, "batches_per_s": roundTo(float64(m.Ops)/m.length.Seconds(), 3)}
	return s
}

func roundTo(v float64, decimals int) float64 {
	p := 1.0
	for range decimals {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
