package chart

import (
	"fmt"
	"math"
)

// Bars is a grouped bar chart: for each group (x, e.g. a query or a
// transport) one bar per series (e.g. "ours p50" and "stock p50"), each
// labelled with its value. Series[i].Values[j] is series i's bar in
// Groups[j]; every series has one value per group.
//
// Values must be finite and not negative; on a logarithmic axis (YScale
// Log, or Auto when the values span 20x or more) they must be positive.
type Bars struct {
	Title    string
	Subtitle string // optional second line: the run's parameters
	XLabel   string // under the group labels; may be empty
	YLabel   string // e.g. "latency p50 (ms)"
	YScale   Scale
	Width    int // pixels; 0 is DefaultWidth
	Height   int // pixels; 0 is DefaultHeight
	Groups   []string
	Series   []Series
}

// WriteFile renders the chart into path (see the package's WriteFile).
func (c Bars) WriteFile(path string) error { return WriteFile(path, c) }

// SVG renders the chart.
func (c Bars) SVG() ([]byte, error) {
	for _, s := range c.Series {
		if len(s.Values) != len(c.Groups) {
			return nil, fmt.Errorf("series %q has %d values for %d groups", s.Name, len(s.Values), len(c.Groups))
		}
	}
	lo, hi, n, err := nonNegativeRange(c.Series)
	if err != nil {
		return nil, err
	}
	scale := scaleOf(c.YScale, lo, hi)
	if scale == Log && lo <= 0 {
		return nil, fmt.Errorf("a logarithmic axis needs positive values, have %v", lo)
	}
	w, h := size(c.Width, c.Height)

	legend := make([]legendEntry, len(c.Series))
	for i, s := range c.Series {
		legend[i] = legendEntry{label: s.Name, colour: colour(i), box: true}
	}
	// group labels: level, or slanted when one is wider than its group
	f := frame{w: w, left: 66, right: float64(w) - 20}
	groupW := (f.right - f.left) / float64(max(len(c.Groups), 1))
	widest := 0.0
	for _, g := range c.Groups {
		widest = math.Max(widest, textWidth(g, tickSize))
	}
	slant := widest > groupW*0.95
	under := 24.0 // the group labels' band
	if slant {
		under = 14 + widest*0.5 + 8
	}
	if c.XLabel != "" {
		under += 22
	}
	h = max(h, int(headerHeight(w, c.Title, c.Subtitle, legend)+under)+minPlot+10)
	f.h = h
	var out svg
	out.begin(w, h, c.Title)
	f.top = out.header(w, c.Title, c.Subtitle, legend)
	f.bottom = float64(h) - 10 - under
	if f.bottom-f.top < 80 {
		f.bottom = f.top + 80
	}

	// value labels: level above their bar, or turned upright when wider
	// than it; the axis leaves them room above the tallest bar
	barW := groupW * 0.8 / float64(max(len(c.Series), 1))
	labelW := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			labelW = math.Max(labelW, textWidth(formatValue(v), tickSize-1))
		}
	}
	upright := labelW > barW*0.95+4
	room := 16.0
	if upright {
		room = labelW + 8
	}
	share := math.Min(room/(f.bottom-f.top), 0.5)
	top := hi
	if n > 0 {
		if scale == Log {
			top = lo * math.Pow(hi/lo, 1/(1-share))
			if hi == lo {
				top = hi * math.Pow(10, share)
			}
		} else {
			top = hi / (1 - share)
		}
	}
	floor := lo
	if scale == Log {
		floor = lo * 0.6 // the shortest bar stands clear of the axis
	}
	y, err := newAxis(floor, top, scale, true, f.bottom, f.top)
	if err != nil {
		return nil, err
	}
	out.grid(f, y, false)
	out.border(f)
	if n == 0 {
		out.noData(f)
	}

	for j, g := range c.Groups {
		cx := f.left + (float64(j)+0.5)*groupW
		if slant {
			out.text(cx, f.bottom+14, "end", tickSize, "", textColour, -30, g)
		} else {
			out.text(cx, f.bottom+17, "middle", tickSize, "", textColour, 0, g)
		}
		for i, s := range c.Series {
			v := s.Values[j]
			x := f.left + float64(j)*groupW + groupW*0.1 + float64(i)*barW
			yTop := y.px(v)
			out.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
				num(x+barW*0.05), num(yTop), num(barW*0.9), num(f.bottom-yTop), colour(i), esc(s.Name+", "+g+": "+formatValue(v)))
			if upright {
				out.text(x+barW/2+4, yTop-4, "start", tickSize-1, "", textColour, -90, formatValue(v))
			} else {
				out.text(x+barW/2, yTop-4, "middle", tickSize-1, "", textColour, 0, formatValue(v))
			}
		}
	}
	out.axisLabels(f, c.XLabel, c.YLabel, float64(h)-12)
	return out.end(), nil
}
