package chart

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Series is a named set of samples, e.g. one side's request latencies.
type Series struct {
	Name   string
	Values []float64
}

// CDF is a latency distribution chart: for each series, the percentage of
// its samples (y, 0–100) at or below each value (x). A curve further left
// is faster; where it reaches the top is its slowest sample. The legend
// gives each series' p50, p99 and sample count (p = the sample at rank
// round(q·(n−1)), as the bench tables compute them), and dashed lines mark
// the 50th and 99th percentiles.
//
// Values must be finite and not negative. A series with more than 1 000
// samples is drawn through its 1 000 per-mille quantiles.
type CDF struct {
	Title    string
	Subtitle string // optional second line: the run's parameters
	XLabel   string // e.g. "latency (ms)"
	Unit     string // of the values, in the legend ("ms"); may be empty
	XScale   Scale  // Auto: logarithmic when the values span 20x or more
	Width    int    // pixels; 0 is DefaultWidth
	Height   int    // pixels; 0 is DefaultHeight
	Series   []Series
}

// WriteFile renders the chart into path (see the package's WriteFile).
func (c CDF) WriteFile(path string) error { return WriteFile(path, c) }

// maxSteps is how many steps a CDF curve has at most.
const maxSteps = 1000

// SVG renders the chart.
func (c CDF) SVG() ([]byte, error) {
	lo, hi, n, err := nonNegativeRange(c.Series)
	if err != nil {
		return nil, err
	}
	scale := scaleOf(c.XScale, lo, hi)
	w, h := size(c.Width, c.Height)

	sorted := make([][]float64, len(c.Series))
	legend := make([]legendEntry, len(c.Series))
	for i, s := range c.Series {
		sorted[i] = slices.Clone(s.Values)
		slices.Sort(sorted[i])
		label := s.Name + " (no data)"
		if k := len(sorted[i]); k > 0 {
			label = fmt.Sprintf("%s: p50 %s, p99 %s, n=%d", s.Name,
				withUnit(formatValue(rank(sorted[i], 0.5)), c.Unit), withUnit(formatValue(rank(sorted[i], 0.99)), c.Unit), k)
		}
		legend[i] = legendEntry{label: label, colour: colour(i), dash: dash(i)}
	}

	h = max(h, int(headerHeight(w, c.Title, c.Subtitle, legend))+minPlot+52)
	var out svg
	out.begin(w, h, c.Title)
	f := frame{w: w, h: h, left: 64, right: float64(w) - 26, bottom: float64(h) - 52}
	f.top = out.header(w, c.Title, c.Subtitle, legend)
	x, err := newAxis(lo, hi, scale, true, f.left, f.right)
	if err != nil {
		return nil, err
	}
	y := &axis{lo: 0, hi: 100, p0: f.bottom, p1: f.top}
	for v := 0; v <= 100; v += 10 {
		y.ticks = append(y.ticks, float64(v))
	}
	out.grid(f, x, true)
	out.grid(f, y, false)
	out.border(f)
	for _, p := range []float64{50, 99} {
		out.line(f.left, y.px(p), f.right, y.px(p), axisColour, 1, "4 4")
		out.text(f.right-4, y.px(p)-4, "end", tickSize-1, "", mutedText, 0, fmt.Sprintf("p%.0f", p))
	}
	out.axisLabels(f, c.XLabel, "percentile (% of samples at or below)", f.bottom+40)
	if n == 0 {
		out.noData(f)
	}

	for i, s := range sorted {
		if len(s) == 0 {
			continue
		}
		var d strings.Builder
		fmt.Fprintf(&d, "M%s %s", num(x.px(s[0])), num(y.px(0)))
		for _, p := range steps(s) {
			fmt.Fprintf(&d, "H%sV%s", num(x.px(p.v)), num(y.px(p.pct)))
		}
		out.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="2.2" stroke-linejoin="round"`, d.String(), colour(i))
		if dash(i) != "" {
			out.printf(` stroke-dasharray="%s"`, dash(i))
		}
		out.printf("><title>%s</title></path>\n", esc(legend[i].label))
	}
	return out.end(), nil
}

// step is a CDF corner: pct percent of the samples are at most v.
type step struct{ v, pct float64 }

// steps are the corners of sorted's CDF: every sample, or the per-mille
// quantiles (nearest rank) when there are more than maxSteps.
func steps(sorted []float64) []step {
	n := len(sorted)
	if n <= maxSteps {
		out := make([]step, n)
		for i, v := range sorted {
			out[i] = step{v, 100 * float64(i+1) / float64(n)}
		}
		return out
	}
	out := make([]step, maxSteps)
	for k := 1; k <= maxSteps; k++ {
		idx := int(math.Ceil(float64(k)*float64(n)/maxSteps)) - 1
		out[k-1] = step{sorted[min(max(idx, 0), n-1)], 100 * float64(k) / maxSteps}
	}
	return out
}

// rank is the q-quantile of sorted (not empty) as the bench tables take it.
func rank(sorted []float64, q float64) float64 {
	return sorted[int(q*float64(len(sorted)-1)+0.5)]
}

// size resolves a chart's Width and Height: the defaults for zero, and at
// least 320 by 240.
func size(w, h int) (int, int) {
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	return max(w, 320), max(h, 240)
}
