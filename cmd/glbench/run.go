package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/grantledger/grantledger/bench"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/network"
)

// benchRun is one run of the benchmark: its network, its ledger and the
// APIs it measures through.
type benchRun struct {
	cfg     Config
	log     io.Writer
	net     *network.Network
	profile *client.Profile
	w       *world
	// apis are the organisations' APIs by MSP ID.
	apis map[string]*apiClient
	// unrelated is how many receipts besides the product's lineage the
	// ledger held when provenance-small was measured (0: not yet).
	unrelated int64
}

func (b *benchRun) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "glbench: "+format+"\n", args...)
}

// run brings the network up, sets the ledger up, runs the selected
// scenarios and returns the report (nil when nothing was measured). The
// network is taken down at the end unless -keep.
func (b *benchRun) run(ctx context.Context) (*bench.Report, error) {
	selected, err := b.cfg.selected()
	if err != nil {
		return nil, err
	}
	topology := filepath.Join(b.cfg.Root, "test-network", "topology.json")
	r := &bench.Report{
		Machine: bench.ReadMachine(fabricVersion(b.cfg.Root)),
		Run: bench.Run{Started: time.Now().UTC(), Quick: b.cfg.Quick, Topology: "test-network/topology.json",
			PortOffset: b.cfg.PortOffset, Selected: selected},
	}
	b.net, err = network.New(network.Config{
		Root: b.cfg.Root, State: b.cfg.State, Topology: topology,
		FabricBin: filepath.Join(b.cfg.Fabric, "bin"), FabricConfig: filepath.Join(b.cfg.Fabric, "config"),
		PortOffset: b.cfg.PortOffset, Out: prefixed{b.log, "glnet: "},
	})
	if err != nil {
		return nil, err
	}
	if !b.cfg.Keep {
		defer func() {
			b.logf("taking the bench network down (its logs stay in %s)", b.net.LogDir())
			if err := b.net.Down(); err != nil {
				b.logf("take the network down: %v", err)
			}
		}()
	}
	t0 := time.Now()
	if !b.cfg.Reuse {
		if err := b.net.Clean(); err != nil {
			return nil, fmt.Errorf("clean the bench network: %w", err)
		}
	}
	if err := b.net.Up(ctx); err != nil {
		return nil, fmt.Errorf("bring the bench network up: %w", err)
	}
	if err := b.net.DeployBaseline(ctx, "./bench/baseline"); err != nil {
		return nil, fmt.Errorf("deploy the baseline chaincode: %w", err)
	}
	b.logf("bench network up with the baseline chaincode in %s (state %s, ports +%d)", time.Since(t0).Round(time.Second), b.cfg.State, b.cfg.PortOffset)
	if b.profile, err = client.LoadProfile(b.net.ProfilePath()); err != nil {
		return nil, err
	}
	b.apis = map[string]*apiClient{}
	for _, o := range b.profile.Orgs {
		a, err := apiOf(b.net, o)
		if err != nil {
			return nil, err
		}
		b.apis[o.MSPID] = a
	}
	if b.w, err = newWorld(ctx, b.profile, b.log); err != nil {
		return nil, err
	}
	defer b.w.close()
	if err := b.w.setUp(ctx); err != nil {
		return nil, err
	}
	for _, name := range selected {
		if ctx.Err() != nil {
			break
		}
		b.logf("scenario %s", name)
		t := time.Now()
		s := b.scenario(ctx, name, r)
		b.logf("scenario %s: %s in %s", name, summaryLine(s), time.Since(t).Round(time.Second))
		r.Scenarios = append(r.Scenarios, s)
	}
	r.Run.Finished = time.Now().UTC()
	r.Machine.LoadEnd = bench.LoadAvg()
	return r, ctx.Err()
}

// scenario runs one scenario by name.
func (b *benchRun) scenario(ctx context.Context, name string, r *bench.Report) bench.Scenario {
	switch name {
	case bench.BareWrite:
		return b.bareWrite(ctx)
	case bench.ReadGrant:
		return b.readGrant(ctx)
	case bench.ProvenanceSmall:
		return b.provenance(ctx, name, 1)
	case bench.ProvenanceLarge:
		return b.provenance(ctx, name, 10)
	case bench.ReceiptSingleHot:
		return b.receiptsSingle(ctx, name, 1)
	case bench.ReceiptSingleSpread:
		return b.receiptsSingle(ctx, name, spreadGrants)
	case bench.ReceiptBatch:
		return b.receiptBatches(ctx)
	case bench.ReceiptAnchored:
		return b.anchored(ctx)
	case bench.AnchorCrash:
		s, crash := b.anchorCrash(ctx)
		r.AnchorCrash = crash
		return s
	}
	return bench.Scenario{Name: name, Status: bench.Failed, Note: "unknown scenario"}
}

func summaryLine(s bench.Scenario) string {
	if s.Status != bench.Measured || s.OpsPerS == nil {
		return string(s.Status) + ": " + s.Note
	}
	line := fmt.Sprintf("%s %s, %d errors", bench.Number(s.OpsPerS), s.Unit, s.Errors)
	if s.P50Ms != nil {
		line += fmt.Sprintf(", p50 %s ms, p99 %s ms", bench.Number(s.P50Ms), bench.Number(s.P99Ms))
	}
	return line
}

// failed is a scenario that could not run.
func failed(name, unit string, err error) bench.Scenario {
	return bench.Scenario{Name: name, Unit: unit, Status: bench.Failed, Errors: 1, Note: err.Error()}
}

// measuredScenario turns a load's result into the scenario's report.
func (b *benchRun) measuredScenario(name, unit string, clients int, m measured) bench.Scenario {
	s := bench.FromSummary(name, unit, clients, m.length, m.Summary)
	s.CPU = m.cpu
	return s
}

// load is the standard window of a scenario with clients clients.
func (b *benchRun) load(clients int) window {
	return window{clients: clients, warmup: b.cfg.Warmup, length: b.cfg.Window, probe: b.newProbe()}
}

// fabricVersion names the Fabric the network runs: the module version
// pinned in tools/fabric/go.mod (Fabric's own binaries, built from main,
// say only "latest").
func fabricVersion(root string) string {
	f, err := os.Open(filepath.Join(root, "tools", "fabric", "go.mod"))
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[0] == "require" && fields[1] == "github.com/hyperledger/fabric" {
			return fields[2] + " (github.com/hyperledger/fabric, pinned in tools/fabric/go.mod)"
		}
	}
	return "unknown"
}

// prefixed writes each line with a prefix: the network's progress lines
// among the bench's.
type prefixed struct {
	w      io.Writer
	prefix string
}

func (p prefixed) Write(b []byte) (int, error) {
	var out strings.Builder
	for line := range strings.Lines(string(b)) {
		out.WriteString(p.prefix + line)
	}
	if _, err := io.WriteString(p.w, out.String()); err != nil {
		return 0, err
	}
	return len(b), nil
}

// errUnavailable marks what this tree cannot measure.
var errUnavailable = errors.New("unavailable")
