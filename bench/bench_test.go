package bench

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentileNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, ms(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, ms(50)}, {99, ms(99)}, {100, ms(100)}, {1, ms(1)}, {0.1, ms(1)}} {
		if got := Percentile(lat, c.p); got != c.want {
			t.Errorf("p%v of 1..100 ms: got %v, want %v", c.p, got, c.want)
		}
	}
	// Three values: p50 is the second (rank ceil(1.5) = 2), p99 the third.
	three := []time.Duration{ms(10), ms(20), ms(300)}
	if got := Percentile(three, 50); got != ms(20) {
		t.Errorf("p50 of 10, 20, 300: got %v, want 20ms", got)
	}
	if got := Percentile(three, 99); got != ms(300) {
		t.Errorf("p99 of 10, 20, 300: got %v, want 300ms", got)
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing: got %v, want 0", got)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	var r Recorder
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 100 {
				r.Success(ms(w*100+i+1), 500)
			}
			r.Failure(errors.New("boom"))
		})
	}
	wg.Wait()
	s := r.Summarize(10 * time.Second)
	if s.Ops != 800 || s.Units != 400000 || s.Errors != 8 {
		t.Fatalf("got %d ops, %d units, %d errors; want 800, 400000, 8", s.Ops, s.Units, s.Errors)
	}
	if s.PerSecond != 40000 {
		t.Errorf("per second: got %v, want 40000 units/s", s.PerSecond)
	}
	if s.P50 != ms(400) || s.P99 != ms(792) {
		t.Errorf("p50, p99: got %v, %v; want 400ms, 792ms", s.P50, s.P99)
	}
	if !slices.Equal(s.ErrorSamples, []string{"boom"}) {
		t.Errorf("error samples: got %q, want one \"boom\"", s.ErrorSamples)
	}
}

// sampleReport is a report as a run makes it: bare-write measured, the
// anchored scenarios unavailable.
func sampleReport() *Report {
	r := &Report{
		Machine: Machine{CPU: "Test CPU <1>", Cores: 2, MemoryMB: 4096, Go: "go1.x", Fabric: "v3&more (pinned)"},
		Run:     Run{Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	add := func(name, unit string, perSecond float64, p50, p99 int, errs int64) {
		s := Summary{Ops: 10, Units: int64(perSecond * 30), Errors: errs, P50: ms(p50), P99: ms(p99), PerSecond: perSecond}
		r.Scenarios = append(r.Scenarios, FromSummary(name, unit, 16, 30*time.Second, s))
	}
	add(BareWrite, "tx/s", 100, 300, 600, 0)
	add(ReadGrant, "reads/s", 900, 15, 40, 0)
	add(ProvenanceSmall, "reads/s", 200, 50, 90, 0)
	add(ProvenanceLarge, "reads/s", 190, 55, 95, 0)
	add(ReceiptSingleHot, "receipts/s", 85, 400, 900, 0)
	add(ReceiptSingleSpread, "receipts/s", 70, 400, 900, 3)
	add(ReceiptBatch, "receipts/s", 3000, 1200, 2500, 0)
	r.Scenarios = append(r.Scenarios,
		Scenario{Name: ReceiptAnchored, Unit: "receipts/s", Status: Unavailable, Errors: 1, Note: "no anchoring service"},
		Scenario{Name: AnchorCrash, Unit: "receipts/s", Status: Unavailable, Errors: 1})
	r.Evaluate()
	return r
}

func TestEvaluateTargets(t *testing.T) {
	r := sampleReport()
	if got := *r.Find(ReceiptSingleHot).RatioToBare; got != 0.85 {
		t.Errorf("hot ratio: got %v, want 0.85", got)
	}
	if ok := r.Find(ReceiptSingleHot).TargetOK; ok == nil || !*ok {
		t.Errorf("hot at 0.85× with no errors: got %v, want the target met", ok)
	}
	if ok := r.Find(ProvenanceLarge).TargetOK; ok == nil || !*ok {
		t.Errorf("provenance 55 ms against 50 ms: got %v, want met (≤ 1.2×)", ok)
	}
	if s := r.Find(ReceiptAnchored); s.TargetOK != nil || s.RatioToBare != nil {
		t.Errorf("unavailable anchored: got target %v ratio %v, want both undecided", s.TargetOK, s.RatioToBare)
	}
	if s := r.Find(AnchorCrash); s.TargetOK != nil {
		t.Errorf("unavailable crash: got target %v, want undecided", *s.TargetOK)
	}
	// Errors fail the hot target whatever the ratio.
	r.Find(ReceiptSingleHot).Errors = 1
	r.Evaluate()
	if ok := r.Find(ReceiptSingleHot).TargetOK; ok == nil || *ok {
		t.Errorf("hot with an error: got %v, want the target missed", ok)
	}
	// Provenance growing by more than 1.2× misses.
	r.Find(ProvenanceLarge).P50Ms = Float(61)
	r.Evaluate()
	if ok := r.Find(ProvenanceLarge).TargetOK; ok == nil || *ok {
		t.Errorf("provenance 61 ms against 50 ms: got %v, want missed", ok)
	}
	// Crash counts decide anchor-crash once it is measured.
	r.Find(AnchorCrash).Status = Measured
	r.AnchorCrash = CrashResult{Acknowledged: Int(10), Anchored: Int(10), Lost: Int(0), Doubled: Int(1)}
	r.Evaluate()
	if ok := r.Find(AnchorCrash).TargetOK; ok == nil || *ok {
		t.Errorf("one doubled receipt: got %v, want missed", ok)
	}
	// Without bare-write there is no ratio, so no verdict on ratio targets.
	r.Scenarios = r.Scenarios[1:]
	r.Evaluate()
	if s := r.Find(ReceiptSingleHot); s.RatioToBare != nil || s.TargetOK != nil {
		t.Errorf("hot without bare-write: got ratio %v target %v, want undecided", s.RatioToBare, s.TargetOK)
	}
}

// TestJSONShape pins the fields the issue fixes: tooling reads them.
func TestJSONShape(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"machine", "scenarios", "anchor_crash"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	var machine map[string]any
	if err := json.Unmarshal(doc["machine"], &machine); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"cpu", "cores", "memory_mb", "go", "fabric"} {
		if _, ok := machine[k]; !ok {
			t.Errorf("machine lacks %q", k)
		}
	}
	var scenarios []map[string]any
	if err := json.Unmarshal(doc["scenarios"], &scenarios); err != nil {
		t.Fatal(err)
	}
	if len(scenarios) != len(Names) {
		t.Fatalf("got %d scenarios, want %d", len(scenarios), len(Names))
	}
	for i, s := range scenarios {
		for _, k := range []string{"name", "ops_per_s", "unit", "p50_ms", "p99_ms", "errors", "ratio_to_bare"} {
			if _, ok := s[k]; !ok {
				t.Errorf("scenario %v lacks %q", s["name"], k)
			}
		}
		if s["name"] != Names[i] {
			t.Errorf("scenario %d: got %v, want %s", i, s["name"], Names[i])
		}
	}
	// An unavailable scenario has null numbers, never zeros.
	anchored := scenarios[slices.Index(Names, ReceiptAnchored)]
	for _, k := range []string{"ops_per_s", "p50_ms", "p99_ms", "ratio_to_bare"} {
		if anchored[k] != nil {
			t.Errorf("unavailable %s: %s is %v, want null", ReceiptAnchored, k, anchored[k])
		}
	}
	var crash map[string]any
	if err := json.Unmarshal(doc["anchor_crash"], &crash); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"acknowledged", "anchored", "lost", "doubled"} {
		v, ok := crash[k]
		if !ok || v != nil {
			t.Errorf("anchor_crash.%s: got %v (present %v), want null when not measured", k, v, ok)
		}
	}
}

func TestTable(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"scenario", "× bare", BareWrite, "pass (≥ 0.8× bare, 0 errors)", "unavailable", "anchor-crash: acknowledged -", "receipt-single-spread"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines < len(Names)+1 {
		t.Errorf("table has %d lines, want a header and one per scenario:\n%s", lines, out)
	}
}

func TestSVG(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := r.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	// Well-formed XML, so browsers and GitHub render it.
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v\n%s", err, svg)
		}
	}
	// One bar per scenario with a ratio (7), none for the unavailable two.
	if got := strings.Count(svg, "<rect ") - 1; got != 7 {
		t.Errorf("got %d bars, want 7", got)
	}
	for _, want := range []string{"Test CPU &lt;1&gt;", "Fabric v3&amp;more", "unavailable", "bare-write 100 tx/s", "0.85×", "30×"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	// A scenario that completed nothing has no bar and says so.
	zero := sampleReport()
	zero.Find(ReceiptBatch).OpsPerS, zero.Find(ReceiptBatch).Errors = Float(0), 8
	zero.Evaluate()
	var zbuf bytes.Buffer
	if err := zero.WriteSVG(&zbuf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(zbuf.String(), "0 receipts/s: nothing completed, 8 errors") {
		t.Errorf("a scenario of 0/s: the chart does not say it completed nothing")
	}

	// The bars grow with the ratio: batch (30×) is longer than read-grant (9×).
	width := func(name string) float64 {
		i := strings.Index(svg, ">"+name+"<")
		j := strings.Index(svg[i:], `width="`)
		rest := svg[i+j+len(`width="`):]
		w, err := strconv.ParseFloat(rest[:strings.Index(rest, `"`)], 64)
		if err != nil {
			t.Fatalf("bar of %s: %v", name, err)
		}
		return w
	}
	if b, rg := width(ReceiptBatch), width(ReadGrant); b <= rg {
		t.Errorf("batch bar %v not longer than read-grant's %v", b, rg)
	}
}

func TestDecades(t *testing.T) {
	lo, hi := decades([]float64{0.05, 3, 35})
	if lo != 0.01 || hi != 100 {
		t.Errorf("decades of 0.05, 3, 35: got %v–%v, want 0.01–100", lo, hi)
	}
	lo, hi = decades(nil)
	if lo != 0.1 || hi != 100 { // the anchored target (40×) is always on the axis
		t.Errorf("decades of nothing: got %v–%v, want 0.1–100", lo, hi)
	}
}

func TestProcParsers(t *testing.T) {
	if got := ParseCPUModel("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags : x\n"); got != "AMD EPYC 7B13" {
		t.Errorf("cpu model: got %q", got)
	}
	if got := ParseMemTotalMB("MemTotal:       24684544 kB\nMemFree: 1 kB\n"); got != 24106 {
		t.Errorf("memory: got %d MB, want 24106", got)
	}
	busy, total, err := ParseProcStat("cpu  100 5 50 800 45 0 0 0 7 0\ncpu0 1 2 3 4\n")
	if err != nil || busy != 155 || total != 1000 {
		t.Errorf("proc stat: got busy %d total %d (%v), want 155 of 1000", busy, total, err)
	}
	if _, _, err := ParseProcStat("intr 1 2 3\n"); err == nil {
		t.Error("proc stat without a cpu line: got no error")
	}
}

func TestRoundSig(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{123.456, 123.5}, {0.012345, 0.01235}, {98765.4, 98765.4}, {0, 0}} {
		if got := roundSig(c.in); got != c.want {
			t.Errorf("roundSig(%v): got %v, want %v", c.in, got, c.want)
		}
	}
}
