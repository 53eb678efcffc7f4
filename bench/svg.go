package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// The chart's geometry, in SVG user units (pixels).
const (
	chartWidth  = 820
	labelWidth  = 190 // scenario names, right-aligned against the plot
	valueWidth  = 170 // the value printed after each bar
	rowHeight   = 30
	barHeight   = 18
	headerSpace = 80
	footerSpace = 62
)

// targetMarks are the ratios to bare-write that the issue sets as targets,
// drawn as a dashed tick on their scenario's row.
var targetMarks = map[string]float64{ReceiptSingleHot: HotRatio, ReceiptAnchored: AnchoredRatio}

// WriteSVG draws the report as a horizontal bar chart: one bar per
// scenario, its throughput as a ratio to bare-write's on a logarithmic
// axis (the ratios span several decades: a batch of 500 receipts against
// one write), with the value and unit printed after it. Scenarios without
// a ratio are listed with their status and no bar. It is plain SVG 1.1
// with no scripts or external references.
func (r *Report) WriteSVG(w io.Writer) error {
	var ratios []float64
	for _, s := range r.Scenarios {
		if s.RatioToBare != nil && *s.RatioToBare > 0 {
			ratios = append(ratios, *s.RatioToBare)
		}
	}
	lo, hi := decades(ratios)
	plotLeft, plotRight := float64(labelWidth), float64(chartWidth-valueWidth)
	x := func(v float64) float64 {
		v = math.Min(math.Max(v, lo), hi)
		return plotLeft + (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*(plotRight-plotLeft)
	}
	height := headerSpace + rowHeight*max(len(r.Scenarios), 1) + footerSpace
	plotTop, plotBottom := float64(headerSpace-8), float64(headerSpace+rowHeight*len(r.Scenarios))

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", esc(r.title()))
	for i, line := range r.subtitle() {
		fmt.Fprintf(&b, `<text x="10" y="%d" fill="#555">%s</text>`+"\n", 38+16*i, esc(line))
	}

	// Decade grid lines, 1× (bare-write itself) drawn darker.
	for d := lo; d <= hi*1.0001; d *= 10 {
		stroke, width := "#dddddd", 1
		if math.Abs(d-1) < 1e-9 {
			stroke, width = "#333333", 2
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%d"/>`+"\n", x(d), plotTop, x(d), plotBottom, stroke, width)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%s×</text>`+"\n", x(d), plotBottom+16, esc(ratioLabel(d)))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">throughput as a multiple of bare-write (log scale)</text>`+"\n",
		(plotLeft+plotRight)/2, plotBottom+34)

	for i, s := range r.Scenarios {
		top := float64(headerSpace + rowHeight*i)
		mid := top + rowHeight/2
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", plotLeft-8, mid, esc(s.Name))
		if s.RatioToBare == nil || *s.RatioToBare <= 0 {
			label := string(s.Status)
			switch {
			case s.Status != Measured:
			case s.OpsPerS != nil && *s.OpsPerS == 0:
				label = fmt.Sprintf("0 %s: nothing completed, %d errors", s.Unit, s.Errors)
			default:
				label = "no ratio (bare-write not measured)"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle" fill="#a00">%s</text>`+"\n", plotLeft+6, mid, esc(label))
			continue
		}
		end := x(*s.RatioToBare)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
			plotLeft, mid-barHeight/2, math.Max(end-plotLeft, 1), barHeight, barColor(s), esc(fmt.Sprintf("%s: %.4g× bare-write", s.Name, *s.RatioToBare)))
		if mark, ok := targetMarks[s.Name]; ok {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="2" stroke-dasharray="3,2"><title>target %s×</title></line>`+"\n",
				x(mark), top+2, x(mark), top+rowHeight-2, esc(ratioLabel(mark)))
		}
		value := fmt.Sprintf("%.3g× · %s %s", *s.RatioToBare, Number(s.OpsPerS), s.Unit)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", plotRight+6, mid, esc(value))
	}
	b.WriteString(`<text x="10" y="` + fmt.Sprint(height-8) + `" fill="#555">bar colour: green target met, red target missed, blue no target; dashed tick: the target</text>` + "\n")
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write the chart: %w", err)
	}
	return nil
}

// decades returns the powers of ten that bound the ratios, 0.1 to 10 at
// least, and the targets.
func decades(ratios []float64) (float64, float64) {
	// From 0.1 at least, so that bare-write's own bar (1×) shows.
	lo, hi := 0.1, 10.0
	for _, v := range ratios {
		lo = math.Min(lo, math.Pow(10, math.Floor(math.Log10(v))))
		hi = math.Max(hi, math.Pow(10, math.Ceil(math.Log10(v))))
	}
	for _, v := range targetMarks {
		hi = math.Max(hi, math.Pow(10, math.Ceil(math.Log10(v))))
	}
	return lo, hi
}

func ratioLabel(v float64) string {
	if v >= 1 {
		return fmt.Sprintf("%g", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}

// Number prints a number of the report as the table and the chart show
// it: 4 significant digits, without exponents (a 26-second latency is
// 26920, not 2.692e+04); "-" for none.
func Number(v *float64) string {
	if v == nil {
		return "-"
	}
	if math.Abs(*v) >= 1000 {
		return fmt.Sprintf("%.0f", *v)
	}
	return fmt.Sprintf("%.4g", *v)
}

func barColor(s Scenario) string {
	switch {
	case s.TargetOK == nil:
		return "#4a78b5"
	case *s.TargetOK:
		return "#3a9a4a"
	default:
		return "#c0392b"
	}
}

func (r *Report) title() string {
	bare := r.Find(BareWrite)
	if bare == nil || bare.OpsPerS == nil {
		return "grantledger bench: throughput per scenario"
	}
	return fmt.Sprintf("grantledger bench: throughput per scenario, 1× = bare-write %.4g %s", *bare.OpsPerS, bare.Unit)
}

// subtitle is two lines: when and on what the run was measured.
func (r *Report) subtitle() []string {
	m := r.Machine
	when := r.Run.Started.UTC().Format("2006-01-02 15:04 UTC")
	if r.Run.Quick {
		when += ", QUICK run (brief windows)"
	}
	fabric, _, _ := strings.Cut(m.Fabric, " ")
	return []string{
		fmt.Sprintf("%s · %s, %d cores, %d MB", when, m.CPU, m.Cores, m.MemoryMB),
		fmt.Sprintf("%s · Fabric %s · load average %.2f at start, %.2f at end", m.Go, fabric, m.LoadStart[0], m.LoadEnd[0]),
	}
}

func esc(s string) string { return html.EscapeString(s) }
