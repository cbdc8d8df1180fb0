package chart

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parse walks out with encoding/xml and answers its text content and the
// names of its elements; a document that does not parse fails the test.
func parse(t *testing.T, out []byte) (text string, elements map[string]int) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(out))
	elements = map[string]int{}
	var b strings.Builder
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Fatalf("root element %v", tok.Name)
				}
			}
			depth++
			elements[tok.Name.Local]++
		case xml.EndElement:
			depth--
		case xml.CharData:
			b.Write(tok)
			b.WriteByte('\n')
		}
	}
	if roots != 1 || depth != 0 {
		t.Fatalf("%d root elements, depth %d at the end", roots, depth)
	}
	return b.String(), elements
}

func latencies(n int, base, spread float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = base + spread*float64((i*7919)%n)/float64(n)
	}
	return out
}

func TestCDF(t *testing.T) {
	c := CDF{
		Title:    "Post search latency",
		Subtitle: "100 000 posts, 40 requests per query",
		XLabel:   "latency (ms)",
		Unit:     "ms",
		Series: []Series{
			{Name: "ours", Values: latencies(280, 1.7, 2)},
			{Name: "stock", Values: latencies(280, 65, 40)},
		},
	}
	out, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	text, elements := parse(t, out)
	for _, want := range []string{"Post search latency", "100 000 posts, 40 requests per query", "latency (ms)",
		"ours: p50 ", "stock: p50 ", "n=280", "p99"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if elements["path"] != 2 || elements["title"] < 3 {
		t.Errorf("elements: %v", elements)
	}
	// 1.7 to 105 ms is a log axis (auto), with decade ticks
	for _, tick := range []string{">1<", ">10<", ">100<"} {
		if !bytes.Contains(out, []byte(tick)) {
			t.Errorf("no tick %s", tick)
		}
	}
	if !bytes.Contains(out, []byte(`fill="#ffffff"`)) {
		t.Error("no white background")
	}
	again, _ := c.SVG()
	if !bytes.Equal(out, again) {
		t.Error("two renderings differ")
	}

	// many samples: drawn through 1000 steps
	big := CDF{Title: "big", Series: []Series{{Name: "s", Values: latencies(50_000, 10, 30)}}}
	out, err = big.SVG()
	if err != nil {
		t.Fatal(err)
	}
	parse(t, out)
	if got := bytes.Count(out, []byte("H")); got > 1100 {
		t.Errorf("%d steps for 50 000 samples", got)
	}
}

func TestBarsAndLines(t *testing.T) {
	bars := Bars{
		Title:  "p50 per query",
		YLabel: "latency p50 (ms)",
		Groups: []string{"채팅", "양자", "benchmarked", "서"},
		Series: []Series{
			{Name: "ours", Values: []float64{1.99, 1.78, 2.71, 1.75}},
			{Name: "stock", Values: []float64{79.97, 75.47, 67.21, 1264.86}},
		},
	}
	out, err := bars.SVG()
	if err != nil {
		t.Fatal(err)
	}
	text, elements := parse(t, out)
	for _, want := range []string{"p50 per query", "latency p50 (ms)", "ours", "stock", "채팅", "benchmarked", "1.99", "1265", "80.0"} {
		if !strings.Contains(text, want) {
			t.Errorf("bars text lacks %q:\n%s", want, text)
		}
	}
	if elements["rect"] < 1+2+8 { // background, legend swatches, bars
		t.Errorf("elements: %v", elements)
	}
	// on a log axis, the shortest bar still has a height
	short := Bars{Title: "t", YScale: Log, Groups: []string{"a", "b"}, Series: []Series{{Name: "s", Values: []float64{2.01, 118}}}}
	if out, err = short.SVG(); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(`height="0"`)) || bytes.Contains(out, []byte(`height="0.`)) {
		t.Errorf("a bar without height:\n%s", out)
	}

	lines := Lines{
		Title: "fan-out", XLabel: "connections", YLabel: "CPU per message (ms)",
		Series: []Line{
			{Name: "stock", Points: []Point{{1000, 300}, {5000, 1300}, {10000, 2600}}},
			{Name: "topic", Points: []Point{{1000, 20}, {5000, 30}, {10000, 42}}},
		},
	}
	out, err = lines.SVG()
	if err != nil {
		t.Fatal(err)
	}
	text, elements = parse(t, out)
	for _, want := range []string{"fan-out", "connections", "CPU per message (ms)", "stock", "topic"} {
		if !strings.Contains(text, want) {
			t.Errorf("lines text lacks %q:\n%s", want, text)
		}
	}
	if elements["polyline"] != 2 || elements["circle"] != 6 {
		t.Errorf("elements: %v", elements)
	}
}

// Hostile names and titles come out as text, never as markup.
func TestEscaping(t *testing.T) {
	hostile := `<script>alert("x")</script> & "quotes" 'too' ]]>`
	charts := []Chart{
		CDF{Title: hostile, Subtitle: hostile, XLabel: hostile, Unit: "<ms>", Series: []Series{{Name: hostile, Values: []float64{1, 2}}}},
		Bars{Title: hostile, XLabel: hostile, YLabel: hostile, Groups: []string{hostile}, Series: []Series{{Name: hostile, Values: []float64{3}}}},
		Lines{Title: hostile, XLabel: hostile, YLabel: hostile, Series: []Line{{Name: hostile, Points: []Point{{1, 2}, {2, 3}}}}},
	}
	for _, c := range charts {
		out, err := c.SVG()
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		text, elements := parse(t, out)
		if elements["script"] != 0 || bytes.Contains(out, []byte("<script")) {
			t.Errorf("%T: a script element:\n%s", c, out)
		}
		if !strings.Contains(text, hostile) {
			t.Errorf("%T: the name did not come back as text:\n%s", c, text)
		}
	}
}

// Degenerate input draws something sensible or is refused with an error;
// never a panic or a broken document.
func TestEdgeCases(t *testing.T) {
	ok := map[string]Chart{
		"no series":        CDF{Title: "t"},
		"empty series":     CDF{Title: "t", Series: []Series{{Name: "empty"}, {Name: "one", Values: []float64{3}}}},
		"all empty":        CDF{Title: "t", Series: []Series{{Name: "a"}, {Name: "b"}}},
		"one point":        CDF{Title: "t", Series: []Series{{Name: "one", Values: []float64{0.4}}}},
		"all equal":        CDF{Title: "t", Series: []Series{{Name: "same", Values: []float64{5, 5, 5}}}},
		"zeros":            CDF{Title: "t", Series: []Series{{Name: "z", Values: []float64{0, 0}}}},
		"zero and spread":  CDF{Title: "t", Series: []Series{{Name: "z", Values: []float64{0, 1000}}}},
		"log one value":    CDF{Title: "t", XScale: Log, Series: []Series{{Name: "one", Values: []float64{100}}}},
		"tiny canvas":      CDF{Title: "t", Width: 5, Height: 5, Series: []Series{{Name: "a", Values: []float64{1, 2}}}},
		"wide range":       CDF{Title: "t", Series: []Series{{Name: "a", Values: []float64{1e-6, 1e9}}}},
		"bars no groups":   Bars{Title: "t"},
		"bars empty":       Bars{Title: "t", Series: []Series{{Name: "a"}}},
		"bars zeros":       Bars{Title: "t", Groups: []string{"g"}, Series: []Series{{Name: "a", Values: []float64{0}}}},
		"bars equal":       Bars{Title: "t", Groups: []string{"g", "h"}, Series: []Series{{Name: "a", Values: []float64{7, 7}}}},
		"bars log equal":   Bars{Title: "t", YScale: Log, Groups: []string{"g"}, Series: []Series{{Name: "a", Values: []float64{7}}}},
		"bars many":        Bars{Title: "t", Width: 400, Groups: []string{"a long group label", "another long one"}, Series: []Series{{Name: "a", Values: []float64{12345.6, 2}}, {Name: "b", Values: []float64{3, 4}}, {Name: "c", Values: []float64{5, 6}}}},
		"lines none":       Lines{Title: "t"},
		"lines one point":  Lines{Title: "t", Series: []Line{{Name: "a", Points: []Point{{1, 1}}}, {Name: "b"}}},
		"lines negative":   Lines{Title: "t", Series: []Line{{Name: "a", Points: []Point{{-5, -1}, {5, 3}}}}},
		"lines vertical":   Lines{Title: "t", Series: []Line{{Name: "a", Points: []Point{{2, 1}, {2, 9}}}}},
		"lines log points": Lines{Title: "t", XScale: Log, YScale: Log, Series: []Line{{Name: "a", Points: []Point{{1, 1}, {1e4, 1e3}}}}},
		"many series":      CDF{Title: "t", Series: manySeries(20)},
	}
	for name, c := range ok {
		out, err := c.SVG()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		parse(t, out)
		if bytes.Contains(out, []byte("NaN")) || bytes.Contains(out, []byte("Inf")) {
			t.Errorf("%s: NaN or Inf in the output:\n%s", name, out)
		}
	}
	if out, _ := ok["empty series"].SVG(); !bytes.Contains(out, []byte("empty (no data)")) {
		t.Error("the empty series is not marked in the legend")
	}
	if out, _ := ok["all empty"].SVG(); !bytes.Contains(out, []byte(">no data<")) {
		t.Error("a chart without values does not say so")
	}

	refused := map[string]Chart{
		"NaN":             CDF{Title: "t", Series: []Series{{Name: "a", Values: []float64{1, math.NaN()}}}},
		"Inf":             CDF{Title: "t", Series: []Series{{Name: "a", Values: []float64{math.Inf(1)}}}},
		"negative":        CDF{Title: "t", Series: []Series{{Name: "a", Values: []float64{-1, 2}}}},
		"log zero":        CDF{Title: "t", XScale: Log, Series: []Series{{Name: "a", Values: []float64{0, 2}}}},
		"bars NaN":        Bars{Title: "t", Groups: []string{"g"}, Series: []Series{{Name: "a", Values: []float64{math.NaN()}}}},
		"bars negative":   Bars{Title: "t", Groups: []string{"g"}, Series: []Series{{Name: "a", Values: []float64{-3}}}},
		"bars log zero":   Bars{Title: "t", YScale: Log, Groups: []string{"g"}, Series: []Series{{Name: "a", Values: []float64{0}}}},
		"bars mismatched": Bars{Title: "t", Groups: []string{"g", "h"}, Series: []Series{{Name: "a", Values: []float64{1}}}},
		"lines NaN":       Lines{Title: "t", Series: []Line{{Name: "a", Points: []Point{{1, math.NaN()}}}}},
		"lines -Inf":      Lines{Title: "t", Series: []Line{{Name: "a", Points: []Point{{math.Inf(-1), 1}}}}},
		"lines log zero":  Lines{Title: "t", YScale: Log, Series: []Line{{Name: "a", Points: []Point{{1, 0}}}}},
	}
	for name, c := range refused {
		if out, err := c.SVG(); err == nil {
			t.Errorf("%s: no error:\n%s", name, out)
		}
	}
}

// A title, subtitle and legend taller than usual make the chart taller,
// not its plot area smaller.
func TestTallHeader(t *testing.T) {
	long := strings.Repeat("a long title that wraps ", 8)
	c := CDF{Title: long, Subtitle: long, Series: manySeries(20)}
	out, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	parse(t, out)
	if bytes.Contains(out, []byte(`height="440"`)) {
		t.Errorf("the chart kept the default height:\n%s", out[:200])
	}
	b := Bars{Title: long, Groups: []string{"g"}, Series: manySeries(20)[:1]}
	b.Series[0].Values = []float64{1}
	if out, err = b.SVG(); err != nil {
		t.Fatal(err)
	}
	parse(t, out)
}

func manySeries(n int) []Series {
	out := make([]Series, n)
	for i := range out {
		out[i] = Series{Name: strings.Repeat("series ", 1+i%3) + string(rune('A'+i)), Values: latencies(10, float64(i+1), 3)}
	}
	return out
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "cdf.svg")
	c := CDF{Title: "written", Series: []Series{{Name: "a", Values: []float64{1, 2, 3}}}}
	if err := c.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.SVG()
	if !bytes.Equal(raw, want) {
		t.Error("the file is not the rendering")
	}
	bad := CDF{Title: "bad", Series: []Series{{Name: "a", Values: []float64{math.NaN()}}}}
	badPath := filepath.Join(t.TempDir(), "bad.svg")
	if err := bad.WriteFile(badPath); err == nil {
		t.Error("NaN written")
	}
	if _, err := os.Stat(badPath); !os.IsNotExist(err) {
		t.Errorf("a refused chart left a file: %v", err)
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		scale  Scale
		want   string
	}{
		{0, 97, Linear, "0 20 40 60 80 100"},
		{1.7, 105, Log, "1 2 5 10 20 50 100 200"},
		{3.6, 1567, Log, "2 5 10 20 50 100 200 500 1000 2000"},
		{0.004, 0.9, Linear, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 12.5, Linear, "0.0 2.5 5.0 7.5 10.0 12.5"},
		{0.5, 40000, Log, "0.5 1 10 100 1000 10k 50k"},
		{2e4, 3e6, Log, "20k 50k 100k 200k 500k 1M 2M 5M"},
	} {
		a, err := newAxis(c.lo, c.hi, c.scale, true, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range a.ticks {
			got = append(got, a.label(v))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("ticks of [%v, %v]: %q, want %q", c.lo, c.hi, strings.Join(got, " "), c.want)
		}
	}
}
