// Command glbench is grantledger's benchmark (`make bench`, through
// scripts/bench.sh). It brings up a network of its own (the default
// topology, its own state directory and port offset), deploys on it the
// baseline chaincode (bench/baseline: one PutState per transaction, the
// contract's endorsement policy), sets up a ledger to measure (parties,
// datasets, grants in force, an attestor, a product), runs each scenario
// for a fixed time at a fixed concurrency, prints one table, writes
// OUT/latest.json and OUT/latest.svg and takes the network down.
// docs/performance.md says what each scenario does.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/grantledger/grantledger/bench"
	"github.com/grantledger/grantledger/internal/config"
)

const usage = `usage: glbench [flags]

Bring up the bench network, run the scenarios, print the table, write
latest.json and latest.svg, take the network down. docs/performance.md.

`

// Config is glbench's whole configuration, loaded by loadConfig (package
// internal/config): flags over environment over defaults. Durations left
// zero take the defaults of a full run, or of a quick one with -quick.
type Config struct {
	Root       string `flag:"root" env:"GRANTLEDGER_ROOT" required:"true" usage:"repository root (default: the working directory)"`
	Fabric     string `flag:"fabric" env:"GRANTLEDGER_FABRIC" required:"true" usage:"directory holding Fabric's bin/ and config/, as scripts/fabric-bins.sh prints it (required)"`
	State      string `flag:"state" env:"GLNET_STATE" usage:"state directory of the bench network (default: ROOT/var/bench/net)"`
	Out        string `flag:"out" env:"BENCH_OUT" usage:"directory of latest.json and latest.svg (default: ROOT/var/bench)"`
	PortOffset int    `flag:"port-offset" env:"GLNET_PORT_OFFSET" default:"10000" usage:"added to every port of the default topology"`
	// Quick runs every scenario briefly: minutes, for development and CI;
	// its numbers are not the benchmark's.
	Quick     bool   `flag:"quick" usage:"run every scenario briefly (make bench QUICK=1)"`
	Scenarios string `flag:"scenarios" env:"BENCH_SCENARIOS" usage:"comma-separated scenarios to run (default: all)"`
	// Window is each scenario's measurement window; Warmup runs before
	// it, unmeasured, so that connections and caches are warm.
	Window          time.Duration `flag:"duration" env:"BENCH_DURATION" usage:"measurement window of each scenario (default: 30s; 5s with -quick)"`
	AnchoredWindow  time.Duration `flag:"anchored-duration" env:"BENCH_ANCHORED_DURATION" usage:"window of receipt-anchored and anchor-crash (default: 60s; 10s with -quick)"`
	Warmup          time.Duration `flag:"warmup" env:"BENCH_WARMUP" usage:"unmeasured run before each window (default: 3s; 1s with -quick)"`
	Clients         int           `flag:"clients" env:"BENCH_CLIENTS" default:"16" usage:"concurrent clients of every scenario but receipt-batch"`
	BatchClients    int           `flag:"batch-clients" env:"BENCH_BATCH_CLIENTS" default:"4" usage:"concurrent clients of receipt-batch"`
	BatchSize       int           `flag:"batch-size" env:"BENCH_BATCH_SIZE" default:"500" usage:"receipts per batch (receipt-batch and the provenance fill)"`
	ProvenanceFill  int           `flag:"provenance-fill" env:"BENCH_PROVENANCE_FILL" usage:"unrelated receipts on the ledger for provenance-small; provenance-large has 10× (default: 2000; 500 with -quick)"`
	Reuse           bool          `flag:"reuse" env:"BENCH_REUSE" usage:"measure the bench network as it is when it is up, instead of cleaning it and bringing it up anew (development)"`
	Keep            bool          `flag:"keep" env:"BENCH_KEEP" usage:"leave the bench network running at the end (development)"`
	Profile         bool          `flag:"profile" env:"BENCH_PROFILE" usage:"take CPU profiles of a peer, a contract service and the services during receipt-anchored (into OUT/profiles)"`
	ProfileDuration time.Duration `flag:"profile-duration" env:"BENCH_PROFILE_DURATION" default:"20s" usage:"length of each CPU profile"`
	AnchorDrain     time.Duration `flag:"anchor-drain" env:"BENCH_ANCHOR_DRAIN" usage:"how long after their window the anchored scenarios wait for acknowledged receipts to be anchored (default: 60s; 20s with -quick)"`
}

// Complete fills the defaults that depend on other settings.
func (c *Config) Complete() {
	if c.State == "" {
		c.State = filepath.Join(c.Root, "var", "bench", "net")
	}
	if c.Out == "" {
		c.Out = filepath.Join(c.Root, "var", "bench")
	}
	pick := func(d *time.Duration, full, quick time.Duration) {
		if *d > 0 {
			return
		}
		*d = full
		if c.Quick {
			*d = quick
		}
	}
	pick(&c.Window, 30*time.Second, 5*time.Second)
	pick(&c.AnchoredWindow, 60*time.Second, 10*time.Second)
	pick(&c.Warmup, 3*time.Second, time.Second)
	pick(&c.AnchorDrain, time.Minute, 20*time.Second)
	if c.ProvenanceFill == 0 {
		c.ProvenanceFill = 2000
		if c.Quick {
			c.ProvenanceFill = 500
		}
	}
}

// Validate refuses settings no run can use.
func (c *Config) Validate() error {
	var errs []error
	if _, err := c.selected(); err != nil {
		errs = append(errs, config.Invalid("scenarios", "%v", err))
	}
	if c.Clients < 1 {
		errs = append(errs, config.Invalid("clients", "must be at least 1"))
	}
	if c.BatchClients < 1 {
		errs = append(errs, config.Invalid("batch-clients", "must be at least 1"))
	}
	if c.BatchSize < 1 || c.BatchSize > 500 {
		errs = append(errs, config.Invalid("batch-size", "must be from 1 to 500 (the ledger's largest batch)"))
	}
	if c.ProvenanceFill < 1 {
		errs = append(errs, config.Invalid("provenance-fill", "must be at least 1"))
	}
	return errors.Join(errs...)
}

// selected lists the scenarios to run, in run order.
func (c *Config) selected() ([]string, error) {
	if strings.TrimSpace(c.Scenarios) == "" {
		return slices.Clone(bench.Names), nil
	}
	want := map[string]bool{}
	for _, s := range strings.Split(c.Scenarios, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(bench.Names, s) {
			return nil, fmt.Errorf("%q is not a scenario (%s)", s, strings.Join(bench.Names, ", "))
		}
		want[s] = true
	}
	var out []string
	for _, n := range bench.Names {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

func loadConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (Config, error) {
	var cfg Config
	cfg.Root, _ = os.Getwd()
	_, err := config.Load(&cfg, args, config.Options{
		Command:   "glbench",
		Usage:     usage,
		LookupEnv: lookupEnv,
		Output:    stderr,
	})
	return cfg, err
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(args, os.LookupEnv, stderr)
	if err != nil {
		return config.ExitCode(err, stderr, "glbench")
	}
	b := &benchRun{cfg: cfg, log: stderr}
	report, err := b.run(ctx)
	if report != nil {
		if werr := b.write(report, stdout); werr != nil {
			fmt.Fprintln(stderr, "glbench:", werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "glbench:", err)
		return 1
	}
	return 0
}

// write prints the table and writes latest.json and latest.svg.
func (b *benchRun) write(r *bench.Report, stdout io.Writer) error {
	r.Evaluate()
	if err := r.WriteTable(stdout); err != nil {
		return err
	}
	if err := os.MkdirAll(b.cfg.Out, 0o755); err != nil {
		return fmt.Errorf("write the results: %w", err)
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{"latest.json", r.WriteJSON}, {"latest.svg", r.WriteSVG}} {
		path := filepath.Join(b.cfg.Out, f.name)
		if err := writeFile(path, f.write); err != nil {
			return err
		}
		fmt.Fprintf(b.log, "glbench: wrote %s\n", path)
	}
	return nil
}

// writeFile writes through a temporary file, so that a reader never sees
// half a report.
func writeFile(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
