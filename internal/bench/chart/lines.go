package chart

import (
	"fmt"
	"math"
	"strings"
)

// Point is one (x, y) value of a Line.
type Point struct{ X, Y float64 }

// Line is a named curve: its points are joined in the order given.
type Line struct {
	Name   string
	Points []Point
}

// Lines is a line chart, e.g. a scaling curve (x = connections or
// concurrency, y = latency or CPU) or a value over time, with one curve per
// series. Points are marked with dots when a series has at most 60.
//
// Values must be finite; on a logarithmic axis (Log, or Auto when the
// values span 20x or more) they must be positive. A linear y axis starts
// at zero when no value is negative.
type Lines struct {
	Title    string
	Subtitle string // optional second line: the run's parameters
	XLabel   string // with its unit, e.g. "connections"
	YLabel   string // with its unit, e.g. "latency p99 (ms)"
	XScale   Scale
	YScale   Scale
	Width    int // pixels; 0 is DefaultWidth
	Height   int // pixels; 0 is DefaultHeight
	Series   []Line
}

// WriteFile renders the chart into path (see the package's WriteFile).
func (c Lines) WriteFile(path string) error { return WriteFile(path, c) }

// markersUpTo is the most points a series may have to get dots.
const markersUpTo = 60

// SVG renders the chart.
func (c Lines) SVG() ([]byte, error) {
	xlo, xhi, ylo, yhi, n := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1), 0
	for _, s := range c.Series {
		for i, p := range s.Points {
			if err := checkValue(s.Name, i, p.X); err != nil {
				return nil, err
			}
			if err := checkValue(s.Name, i, p.Y); err != nil {
				return nil, err
			}
			xlo, xhi, ylo, yhi, n = math.Min(xlo, p.X), math.Max(xhi, p.X), math.Min(ylo, p.Y), math.Max(yhi, p.Y), n+1
		}
	}
	if n == 0 {
		xlo, xhi, ylo, yhi = 0, 1, 0, 1
	}
	w, h := size(c.Width, c.Height)

	legend := make([]legendEntry, len(c.Series))
	for i, s := range c.Series {
		label := s.Name
		if len(s.Points) == 0 {
			label += " (no data)"
		}
		legend[i] = legendEntry{label: label, colour: colour(i), dash: dash(i)}
	}
	h = max(h, int(headerHeight(w, c.Title, c.Subtitle, legend))+minPlot+52)
	var out svg
	out.begin(w, h, c.Title)
	f := frame{w: w, h: h, left: 66, right: float64(w) - 26, bottom: float64(h) - 52}
	f.top = out.header(w, c.Title, c.Subtitle, legend)
	x, err := newAxis(xlo, xhi, scaleOf(c.XScale, xlo, xhi), false, f.left, f.right)
	if err != nil {
		return nil, fmt.Errorf("x axis: %w", err)
	}
	y, err := newAxis(ylo, yhi, scaleOf(c.YScale, ylo, yhi), true, f.bottom, f.top)
	if err != nil {
		return nil, fmt.Errorf("y axis: %w", err)
	}
	out.grid(f, x, true)
	out.grid(f, y, false)
	out.border(f)
	out.axisLabels(f, c.XLabel, c.YLabel, f.bottom+40)
	if n == 0 {
		out.noData(f)
	}

	for i, s := range c.Series {
		if len(s.Points) == 0 {
			continue
		}
		if len(s.Points) > 1 {
			var pts strings.Builder
			for j, p := range s.Points {
				if j > 0 {
					pts.WriteByte(' ')
				}
				pts.WriteString(num(x.px(p.X)) + "," + num(y.px(p.Y)))
			}
			out.printf(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2.2" stroke-linejoin="round"`, pts.String(), colour(i))
			if dash(i) != "" {
				out.printf(` stroke-dasharray="%s"`, dash(i))
			}
			out.printf("><title>%s</title></polyline>\n", esc(s.Name))
		}
		if len(s.Points) <= markersUpTo {
			for _, p := range s.Points {
				out.printf(`<circle cx="%s" cy="%s" r="3.2" fill="%s"><title>%s</title></circle>`+"\n",
					num(x.px(p.X)), num(y.px(p.Y)), colour(i), esc(fmt.Sprintf("%s: %s, %s", s.Name, formatValue(p.X), formatValue(p.Y))))
			}
		}
	}
	return out.end(), nil
}
