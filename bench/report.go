package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// The scenarios, by the names tooling reads, in the order they run.
const (
	BareWrite           = "bare-write"
	ReadGrant           = "read-grant"
	ProvenanceSmall     = "provenance-small"
	ProvenanceLarge     = "provenance-large"
	ReceiptSingleHot    = "receipt-single-hot"
	ReceiptSingleSpread = "receipt-single-spread"
	ReceiptBatch        = "receipt-batch"
	ReceiptAnchored     = "receipt-anchored"
	AnchorCrash         = "anchor-crash"
)

// Names lists every scenario in run order. The provenance scenarios come
// before the receipt scenarios so that the unrelated data each one sees is
// exactly what the bench wrote for it (1× and 10×), not whatever the
// receipt scenarios happened to add.
var Names = []string{
	BareWrite, ReadGrant, ProvenanceSmall, ProvenanceLarge,
	ReceiptSingleHot, ReceiptSingleSpread, ReceiptBatch, ReceiptAnchored, AnchorCrash,
}

// Status says whether a scenario produced numbers.
type Status string

// Scenario statuses.
const (
	// Measured: the scenario ran for its window; its numbers are real.
	Measured Status = "measured"
	// Unavailable: what the scenario drives does not exist in this tree
	// (the anchoring service); no numbers.
	Unavailable Status = "unavailable"
	// Failed: the scenario could not run (its setup failed); no numbers.
	Failed Status = "failed"
	// Skipped: not selected (BENCH_SCENARIOS); absent from the report.
	Skipped Status = "skipped"
)

// Report is var/bench/latest.json. The fields the issue fixes are
// machine, scenarios[].{name, ops_per_s, unit, p50_ms, p99_ms, errors,
// ratio_to_bare} and anchor_crash.{acknowledged, anchored, lost, doubled};
// the rest is extra, to read the numbers by.
type Report struct {
	Machine     Machine     `json:"machine"`
	Run         Run         `json:"run"`
	Scenarios   []Scenario  `json:"scenarios"`
	AnchorCrash CrashResult `json:"anchor_crash"`
}

// Machine is where the numbers were measured.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemoryMB int64  `json:"memory_mb"`
	Go       string `json:"go"`
	Fabric   string `json:"fabric"`
	OS       string `json:"os"`
	// LoadStart and LoadEnd are /proc/loadavg (1, 5, 15 minutes) when the
	// run started and ended: the machine is shared, and this says how much.
	LoadStart [3]float64 `json:"load_avg_start"`
	LoadEnd   [3]float64 `json:"load_avg_end"`
}

// Run describes the run as a whole.
type Run struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Quick    bool      `json:"quick"`
	// Topology and PortOffset say which network was measured.
	Topology   string `json:"topology"`
	PortOffset int    `json:"port_offset"`
	// Selected lists the scenarios run (all of them unless narrowed).
	Selected []string `json:"selected"`
}

// Scenario is one scenario's result. Numbers are pointers: a scenario
// that did not produce them reports null, never a made-up zero.
type Scenario struct {
	Name        string   `json:"name"`
	OpsPerS     *float64 `json:"ops_per_s"`
	Unit        string   `json:"unit"`
	P50Ms       *float64 `json:"p50_ms"`
	P99Ms       *float64 `json:"p99_ms"`
	Errors      int64    `json:"errors"`
	RatioToBare *float64 `json:"ratio_to_bare"`

	Status Status `json:"status"`
	// Ops counts successful operations in the window (requests, batches,
	// reads), Units what they did (OpsPerS is Units per second).
	Ops      int64   `json:"ops"`
	Units    int64   `json:"units"`
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"duration_s"`
	Target   string  `json:"target,omitempty"`
	TargetOK *bool   `json:"target_met,omitempty"`
	Note     string  `json:"note,omitempty"`
	// CPU is how busy the machine was while the scenario ran.
	CPU *CPUShare `json:"cpu,omitempty"`
	// Extra holds scenario-specific measurements (the unrelated receipts
	// a provenance read saw, the kills of anchor-crash, …).
	Extra map[string]any `json:"extra,omitempty"`
}

// CPUShare is the CPU time spent while a scenario ran, as a share of all
// the machine's cores over its wall time: all processes (from /proc/stat)
// and the bench program alone (its load generation: signing, HTTP).
type CPUShare struct {
	MachineBusy float64 `json:"machine_busy_pct"`
	Bench       float64 `json:"bench_pct"`
	// ByProcess is the bench network's processes' share, by kind
	// (orderers, peers, contract services, …): what the rest of
	// MachineBusy, beyond them and the bench, was other work on the
	// machine.
	ByProcess map[string]float64 `json:"by_process_pct,omitempty"`
}

// CrashResult is what anchor-crash found: receipts the anchoring service
// acknowledged (202), how many of those the ledger holds, how many it
// does not (lost) and how many it counted more than once (doubled). Null
// when anchor-crash did not run or could not measure.
type CrashResult struct {
	Acknowledged *int64 `json:"acknowledged"`
	Anchored     *int64 `json:"anchored"`
	Lost         *int64 `json:"lost"`
	Doubled      *int64 `json:"doubled"`
	// Kills is how many times the service was killed with SIGKILL.
	Kills int    `json:"kills"`
	Note  string `json:"note,omitempty"`
}

// Float returns a pointer to v rounded to three significant decimals, for
// the report's numbers.
func Float(v float64) *float64 {
	r := roundSig(v)
	return &r
}

// Int returns a pointer to v.
func Int(v int64) *int64 { return &v }

// roundSig keeps 4 significant digits (at least 1 decimal), enough for a
// benchmark and stable to read.
func roundSig(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	digits := 3 - int(math.Floor(math.Log10(math.Abs(v))))
	digits = max(digits, 1)
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// FromSummary fills a measured scenario's numbers from its summary.
func FromSummary(name, unit string, clients int, window time.Duration, s Summary) Scenario {
	sc := Scenario{Name: name, Unit: unit, Status: Measured, Clients: clients, Seconds: roundSig(window.Seconds()),
		Ops: s.Ops, Units: s.Units, Errors: s.Errors}
	sc.OpsPerS = Float(s.PerSecond)
	if s.Ops > 0 {
		sc.P50Ms, sc.P99Ms = Float(Millis(s.P50)), Float(Millis(s.P99))
	}
	if len(s.ErrorSamples) > 0 {
		sc.Note = "errors: " + strings.Join(s.ErrorSamples, " | ")
	}
	return sc
}

// Find returns the named scenario of the report, if it is there.
func (r *Report) Find(name string) *Scenario {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	return nil
}

// Targets the issue sets, by scenario.
const (
	// HotRatio: receipt-single-hot ≥ 0.8 × bare-write, with 0 errors.
	HotRatio = 0.8
	// AnchoredRatio: receipt-anchored ≥ 40 × bare-write …
	AnchoredRatio = 40.0
	// AnchoredP99: … with time-to-anchored p99 ≤ 2 s.
	AnchoredP99Ms = 2000.0
	// ProvenanceGrowth: provenance-large p50 ≤ 1.2 × provenance-small p50.
	ProvenanceGrowth = 1.2
)

// Evaluate computes every scenario's ratio to bare-write and judges the
// targets. A target whose numbers are missing is left undecided (nil),
// with a note; it is never passed by default.
func (r *Report) Evaluate() {
	bare := r.Find(BareWrite)
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		s.RatioToBare = nil
		if bare != nil && bare.OpsPerS != nil && *bare.OpsPerS > 0 && s.OpsPerS != nil {
			s.RatioToBare = Float(*s.OpsPerS / *bare.OpsPerS)
		}
	}
	judge := func(name, target string, decide func(s *Scenario) (bool, bool)) {
		s := r.Find(name)
		if s == nil {
			return
		}
		s.Target = target
		ok, known := decide(s)
		if !known {
			s.TargetOK = nil
			return
		}
		s.TargetOK = &ok
	}
	judge(ReceiptSingleHot, fmt.Sprintf("≥ %.1f× bare, 0 errors", HotRatio), func(s *Scenario) (bool, bool) {
		if s.Status != Measured || s.RatioToBare == nil {
			return false, false
		}
		return *s.RatioToBare >= HotRatio && s.Errors == 0, true
	})
	judge(ReceiptAnchored, fmt.Sprintf("≥ %.0f× bare, p99 ≤ %.0f s", AnchoredRatio, AnchoredP99Ms/1000), func(s *Scenario) (bool, bool) {
		if s.Status != Measured || s.RatioToBare == nil || s.P99Ms == nil {
			return false, false
		}
		return *s.RatioToBare >= AnchoredRatio && *s.P99Ms <= AnchoredP99Ms, true
	})
	judge(AnchorCrash, "lost 0, doubled 0", func(s *Scenario) (bool, bool) {
		c := r.AnchorCrash
		if s.Status != Measured || c.Lost == nil || c.Doubled == nil {
			return false, false
		}
		return *c.Lost == 0 && *c.Doubled == 0, true
	})
	judge(ProvenanceLarge, fmt.Sprintf("p50 ≤ %.1f× provenance-small", ProvenanceGrowth), func(s *Scenario) (bool, bool) {
		small := r.Find(ProvenanceSmall)
		if s.Status != Measured || s.P50Ms == nil || small == nil || small.Status != Measured || small.P50Ms == nil {
			return false, false
		}
		return *s.P50Ms <= ProvenanceGrowth**small.P50Ms, true
	})
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// WriteTable prints one line per scenario: name, ops/s, unit, p50, p99,
// errors, ratio to bare-write and the target's verdict; then the
// anchor-crash counts.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tops/s\tunit\tp50 ms\tp99 ms\terrors\t× bare\ttarget\t")
	for _, s := range r.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t\n", s.Name, num(s.OpsPerS, s.Status), s.Unit,
			num(s.P50Ms, s.Status), num(s.P99Ms, s.Status), s.Errors, num(s.RatioToBare, s.Status), verdict(s))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Find(AnchorCrash) != nil {
		c := r.AnchorCrash
		fmt.Fprintf(w, "anchor-crash: acknowledged %s, anchored %s, lost %s, doubled %s (%d kills)\n",
			count(c.Acknowledged), count(c.Anchored), count(c.Lost), count(c.Doubled), c.Kills)
	}
	for _, s := range r.Scenarios {
		if s.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", s.Name, s.Note)
		}
	}
	return nil
}

func num(v *float64, st Status) string {
	if v == nil {
		if st != Measured {
			return string(st)
		}
		return "-"
	}
	return Number(v)
}

func count(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

// verdict is the target column: "-" without a target, otherwise pass or
// FAIL with the target, or "n/a" when its numbers are missing.
func verdict(s Scenario) string {
	switch {
	case s.Target == "":
		return "-"
	case s.TargetOK == nil:
		return "n/a (" + s.Target + ")"
	case *s.TargetOK:
		return "pass (" + s.Target + ")"
	default:
		return "FAIL (" + s.Target + ")"
	}
}
