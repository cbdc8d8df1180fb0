package chart

import (
	"fmt"
	"math"
	"strconv"
)

// axis maps values in [lo, hi] to pixels in [p0, p1] (p1 < p0 for a y axis).
type axis struct {
	log    bool
	lo, hi float64
	p0, p1 float64
	ticks  []float64 // labelled, with a gridline
	minor  []float64 // gridline only (log axes)
	decims int       // decimals of the linear ticks' labels
}

// px is v's position.
func (a *axis) px(v float64) float64 {
	var t float64
	if a.log {
		t = (math.Log10(v) - math.Log10(a.lo)) / (math.Log10(a.hi) - math.Log10(a.lo))
	} else {
		t = (v - a.lo) / (a.hi - a.lo)
	}
	return a.p0 + t*(a.p1-a.p0)
}

// label is a tick's text.
func (a *axis) label(v float64) string {
	if a.log {
		return tickLabel(v)
	}
	if math.Abs(v) < math.Pow10(-a.decims)/2 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', a.decims, 64)
}

// tickLabel writes a log-axis tick: 0.5, 2, 100, 20k, 1M.
func tickLabel(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(roundSig(v/1e6), 'f', -1, 64) + "M"
	case v >= 1e4:
		return strconv.FormatFloat(roundSig(v/1e3), 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(roundSig(v), 'f', -1, 64)
	}
}

// roundSig drops the float noise of m×10^k (0.30000000000000004 → 0.3).
func roundSig(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 10, 64), 64)
	return r
}

// scaleOf resolves Auto for values in [min, max].
func scaleOf(s Scale, min, max float64) Scale {
	if s != Auto {
		return s
	}
	if min > 0 && max/min >= 20 {
		return Log
	}
	return Linear
}

// newAxis is an axis over [min, max] with nice bounds and ticks. A linear
// axis starts at zero when zero is set and min is not below zero; a log
// axis needs min > 0. min == max widens the range around the value.
func newAxis(min, max float64, scale Scale, zero bool, p0, p1 float64) (*axis, error) {
	a := &axis{p0: p0, p1: p1}
	if scale == Log {
		if min <= 0 {
			return nil, fmt.Errorf("a logarithmic axis needs positive values, have %v", min)
		}
		a.log = true
		a.lo, a.hi = niceLogFloor(min), niceLogCeil(max)
		if a.hi <= a.lo {
			a.hi = niceLogCeil(a.lo * 1.5)
		}
		decades := math.Log10(a.hi / a.lo)
		for k := int(math.Floor(math.Log10(a.lo))) - 1; k <= int(math.Ceil(math.Log10(a.hi))); k++ {
			for m := 1; m <= 9; m++ {
				v := roundSig(float64(m) * math.Pow10(k))
				if v < a.lo*(1-1e-9) || v > a.hi*(1+1e-9) {
					continue
				}
				switch {
				case m == 1 || ((m == 2 || m == 5) && decades <= 3.5) || near(v, a.lo) || near(v, a.hi):
					a.ticks = append(a.ticks, v)
				case decades <= 6:
					a.minor = append(a.minor, v)
				}
			}
		}
		return a, nil
	}
	if zero && min >= 0 {
		min = 0
	}
	if max == min {
		if min == 0 {
			max = 1
		} else {
			d := math.Abs(min) / 2
			min, max = min-d, max+d
			if zero && min < 0 && max > 0 {
				min = 0
			}
		}
	}
	step := niceStep((max - min) / 5)
	a.lo = math.Floor(min/step+1e-9) * step
	a.hi = math.Ceil(max/step-1e-9) * step
	if a.hi <= a.lo {
		a.hi = a.lo + step
	}
	a.decims = max0(-int(math.Floor(math.Log10(step) + 1e-9)))
	if m := step / math.Pow10(int(math.Floor(math.Log10(step)+1e-9))); math.Abs(m-2.5) < 1e-9 {
		a.decims++
	}
	n := int(math.Round((a.hi - a.lo) / step))
	for i := 0; i <= n; i++ {
		a.ticks = append(a.ticks, roundSig(a.lo+float64(i)*step))
	}
	return a, nil
}

// near: a and b are equal but for float noise.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

func max0(v int) int {
	if v < 0 {
		return 0
	}
	return v
}

// niceStep is the smallest of 1, 2, 2.5, 5 × 10^k at least raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) {
		return 1
	}
	p := math.Pow10(int(math.Floor(math.Log10(raw))))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// niceLogFloor is the largest of 1, 2, 5 × 10^k at most v.
func niceLogFloor(v float64) float64 {
	p := math.Pow10(int(math.Floor(math.Log10(v))))
	for _, m := range []float64{5, 2, 1} {
		if roundSig(m*p) <= v*(1+1e-9) {
			return roundSig(m * p)
		}
	}
	return roundSig(p / 2)
}

// niceLogCeil is the smallest of 1, 2, 5 × 10^k at least v.
func niceLogCeil(v float64) float64 {
	p := math.Pow10(int(math.Floor(math.Log10(v))))
	for _, m := range []float64{1, 2, 5, 10} {
		if roundSig(m*p) >= v*(1-1e-9) {
			return roundSig(m * p)
		}
	}
	return roundSig(10 * p)
}

// grid draws an axis's gridlines across the plot area and its tick labels:
// a vertical axis (x) labels under the plot, a horizontal one (y) to its
// left.
func (s *svg) grid(f frame, a *axis, vertical bool) {
	for _, v := range a.minor {
		p := a.px(v)
		if vertical {
			s.line(p, f.top, p, f.bottom, minorGrid, 1, "")
		} else {
			s.line(f.left, p, f.right, p, minorGrid, 1, "")
		}
	}
	for _, v := range a.ticks {
		p := a.px(v)
		if vertical {
			s.line(p, f.top, p, f.bottom, gridColour, 1, "")
			s.text(p, f.bottom+17, "middle", tickSize, "", mutedText, 0, a.label(v))
		} else {
			s.line(f.left, p, f.right, p, gridColour, 1, "")
			s.text(f.left-7, p+4, "end", tickSize, "", mutedText, 0, a.label(v))
		}
	}
}

// border draws the plot area's left and bottom axis lines.
func (s *svg) border(f frame) {
	s.line(f.left, f.bottom, f.right, f.bottom, axisColour, 1, "")
	s.line(f.left, f.top, f.left, f.bottom, axisColour, 1, "")
}
