// Package chart writes small, self-contained SVG charts for the bench
// commands' results: latency distributions (CDF), grouped bars and line
// charts.
//
// The SVG is written by hand (no scripts, no external fonts, styles or
// images), on a white background so that it reads the same on GitHub's light
// and dark themes when embedded as a markdown image. Every text is escaped
// (encoding/xml), and the output is deterministic: the same chart gives the
// same bytes (no maps iterated, numbers formatted with fixed precision).
//
// Values are checked before anything is drawn: NaN and ±Inf are refused, and
// so are values a chart cannot show (negative latencies or bars, zero or
// negative values on a logarithmic axis); the error names the series and the
// value's index. Empty series are kept in the legend, marked "no data", and
// a chart without any value draws its frame with "no data" in it.
package chart

import (
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// Scale is how an axis maps values to positions.
type Scale int

const (
	// Auto is a logarithmic axis when every value is positive and the
	// largest is at least 20 times the smallest, a linear one otherwise.
	Auto Scale = iota
	// Linear is a linear axis (starting at zero where the chart says so).
	Linear
	// Log is a base-10 logarithmic axis; every value must be positive.
	Log
)

// Chart is what every chart type of this package implements.
type Chart interface {
	// SVG renders the chart, or says why it cannot.
	SVG() ([]byte, error)
}

// WriteFile renders c and writes it to path, creating path's directory.
func WriteFile(path string, c Chart) error {
	out, err := c.SVG()
	if err != nil {
		return fmt.Errorf("chart %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// Default sizes in pixels (a chart's Width and Height when zero).
const (
	DefaultWidth  = 800
	DefaultHeight = 440
)

// palette is the Okabe–Ito colour-blind-safe palette (without its yellow,
// unreadable on white); series past its end repeat it with dashes.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

func colour(i int) string { return palette[i%len(palette)] }

// dash is the stroke-dasharray of series i ("" for a solid line).
func dash(i int) string {
	switch (i / len(palette)) % 3 {
	case 1:
		return "7 4"
	case 2:
		return "2 3"
	}
	return ""
}

const (
	fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', Helvetica, Arial, sans-serif"
	textColour = "#222222"
	mutedText  = "#555555"
	gridColour = "#e3e3e3"
	minorGrid  = "#f2f2f2"
	axisColour = "#888888"
	titleSize  = 17
	subSize    = 12.5
	labelSize  = 13
	tickSize   = 12
	legendSize = 12.5
)

// checkValue refuses NaN and infinities.
func checkValue(series string, i int, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("series %q: value %d is %v", series, i, v)
	}
	return nil
}

// nonNegativeRange is the least and greatest value of every series (0 and 1
// when there is none) and how many values there are, refusing NaN,
// infinities and negative values: the value axis of the latency and bar
// charts.
func nonNegativeRange(series []Series) (lo, hi float64, n int, err error) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for i, v := range s.Values {
			if err := checkValue(s.Name, i, v); err != nil {
				return 0, 0, 0, err
			}
			if v < 0 {
				return 0, 0, 0, fmt.Errorf("series %q: value %d is negative (%v)", s.Name, i, v)
			}
			lo, hi, n = math.Min(lo, v), math.Max(hi, v), n+1
		}
	}
	if n == 0 {
		return 0, 1, 0, nil
	}
	return lo, hi, n, nil
}

// svg accumulates the document.
type svg struct {
	b strings.Builder
}

// num formats a coordinate with one decimal, without trailing zeros.
func num(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writing to a strings.Builder does not fail
	return b.String()
}

func (s *svg) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// begin writes the root element, the accessible title and the white
// background.
func (s *svg) begin(w, h int, title string) {
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title" font-family="%s">`+"\n",
		w, h, w, h, esc(fontFamily))
	s.printf(`<title id="chart-title">%s</title>`+"\n", esc(title))
	s.printf(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)
}

func (s *svg) end() []byte {
	s.b.WriteString("</svg>\n")
	return []byte(s.b.String())
}

// text writes a text element; anchor is start, middle or end; rotate (in
// degrees) turns it around (x, y).
func (s *svg) text(x, y float64, anchor string, size float64, weight, fill string, rotate float64, content string) {
	s.printf(`<text x="%s" y="%s" font-size="%s" fill="%s"`, num(x), num(y), num(size), fill)
	if anchor != "start" {
		s.printf(` text-anchor="%s"`, anchor)
	}
	if weight != "" {
		s.printf(` font-weight="%s"`, weight)
	}
	if rotate != 0 {
		s.printf(` transform="rotate(%s %s %s)"`, num(rotate), num(x), num(y))
	}
	s.printf(">%s</text>\n", esc(content))
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke string, width float64, dasharray string) {
	s.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"`, num(x1), num(y1), num(x2), num(y2), stroke, num(width))
	if dasharray != "" {
		s.printf(` stroke-dasharray="%s"`, dasharray)
	}
	s.b.WriteString("/>\n")
}

func (s *svg) rect(x, y, w, h float64, fill string) {
	s.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n", num(x), num(y), num(w), num(h), fill)
}

// textWidth estimates the rendered width of s at size pixels: there are no
// font metrics here, so it counts wide (CJK, Hangul) characters as one em
// and others by a rough class width, on the wide side (DejaVu Sans, the
// widest of the usual fallback fonts) so that text does not collide.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (r <= 0x115F || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) || (r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFF00 && r <= 0xFF60)):
			w += 1.0
		case strings.ContainsRune("il.,:;'|!", r):
			w += 0.3
		case strings.ContainsRune("ftjr()/[] ", r):
			w += 0.38
		case strings.ContainsRune("mwMW@%", r):
			w += 0.95
		case unicode.IsUpper(r):
			w += 0.72
		default:
			w += 0.63
		}
	}
	return w * size
}

// frame is the common layout: title, subtitle and legend at the top, the
// plot area below, axis labels around it.
type frame struct {
	w, h                     int
	left, right, top, bottom float64 // the plot area's edges, in pixels
}

// legendEntry is one series in the legend.
type legendEntry struct {
	label  string
	colour string
	dash   string
	box    bool // a filled square (bars) instead of a line
}

// minPlot is the least height of a plot area, in pixels: a chart whose
// title, subtitle and legend take more room grows taller.
const minPlot = 250

// headerHeight is how far down header goes for these.
func headerHeight(w int, title, subtitle string, legend []legendEntry) float64 {
	var probe svg
	return probe.header(w, title, subtitle, legend)
}

// header writes the title, the subtitle and the legend (wrapped into rows)
// and answers the y where the plot area may start.
func (s *svg) header(w int, title, subtitle string, legend []legendEntry) float64 {
	y := 6.0
	for _, line := range wrap(title, titleSize*1.08, float64(w)-40) { // bold
		y += 20
		s.text(float64(w)/2, y, "middle", titleSize, "600", textColour, 0, line)
	}
	for _, line := range wrap(subtitle, subSize, float64(w)-40) {
		y += 17
		s.text(float64(w)/2, y, "middle", subSize, "", mutedText, 0, line)
	}
	if len(legend) == 0 {
		return y + 20
	}
	// rows of entries, each row centred
	const swatch, gap, pad = 22.0, 18.0, 24.0
	var rows [][]legendEntry
	var widths []float64
	row, width := []legendEntry{}, 0.0
	for _, e := range legend {
		ew := swatch + 6 + textWidth(e.label, legendSize)
		if len(row) > 0 && width+gap+ew > float64(w)-2*pad {
			rows, widths = append(rows, row), append(widths, width)
			row, width = nil, 0
		}
		if len(row) > 0 {
			width += gap
		}
		row, width = append(row, e), width+ew
	}
	rows, widths = append(rows, row), append(widths, width)
	y += 8
	for i, row := range rows {
		y += 19
		x := (float64(w) - widths[i]) / 2
		for _, e := range row {
			if e.box {
				s.rect(x+5, y-10, 12, 12, e.colour)
			} else {
				s.line(x, y-4, x+swatch, y-4, e.colour, 2.5, e.dash)
			}
			s.text(x+swatch+6, y, "start", legendSize, "", textColour, 0, e.label)
			x += swatch + 6 + textWidth(e.label, legendSize) + gap
		}
	}
	return y + 16
}

// wrap breaks s at spaces into lines of at most width pixels (a longer
// word gets a line of its own); "" is no line.
func wrap(s string, size, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && textWidth(line+" "+word, size) > width {
			lines, line = append(lines, line), ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// noData writes "no data" in the middle of the plot area.
func (s *svg) noData(f frame) {
	s.text((f.left+f.right)/2, (f.top+f.bottom)/2, "middle", labelSize, "", mutedText, 0, "no data")
}

// axisLabels writes the x label under the plot and the y label turned along
// the left edge.
func (s *svg) axisLabels(f frame, xLabel, yLabel string, xLabelY float64) {
	if xLabel != "" {
		s.text((f.left+f.right)/2, xLabelY, "middle", labelSize, "", textColour, 0, xLabel)
	}
	if yLabel != "" {
		s.text(16, (f.top+f.bottom)/2, "middle", labelSize, "", textColour, -90, yLabel)
	}
}

// formatValue is a value for a label: three significant figures or so
// (1.99, 79.9, 1265), with thousands written out.
func formatValue(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 0.01:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}

// withUnit appends unit (if any) to a formatted value.
func withUnit(v, unit string) string {
	if unit == "" {
		return v
	}
	return v + " " + unit
}
