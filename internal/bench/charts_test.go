package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// expectSVG checks that dir/name is an SVG document that encoding/xml
// walks to its end and that holds each of wants.
func expectSVG(t *testing.T, dir, name string, wants ...string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Errorf("chart %s: %v", name, err)
		return
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	first := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("chart %s is not XML: %v", name, err)
			return
		}
		if start, ok := tok.(xml.StartElement); ok && first {
			first = false
			if start.Name.Local != "svg" {
				t.Errorf("chart %s: root element %s", name, start.Name.Local)
			}
		}
	}
	for _, want := range wants {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("chart %s lacks %q", name, want)
		}
	}
}

func TestSizeTag(t *testing.T) {
	for n, want := range map[int]string{10_000: "10k", 100_000: "100k", 1_000_000: "1m", 2500: "2500", 300: "300", 3000: "3k"} {
		if got := sizeTag(n); got != want {
			t.Errorf("sizeTag(%d) = %q, want %q", n, got, want)
		}
	}
}

// The flood charts: one distribution and one timeline, a series per phase
// (a phase without sends is kept, marked "no data").
func TestFloodCharts(t *testing.T) {
	dir := t.TempDir()
	results := []*floodResult{
		{name: "no flood", latencies: []time.Duration{2 * time.Millisecond, 3 * time.Millisecond}, at: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{name: "flood, post limit lifted"},
	}
	opts := floodOptions{duration: 20 * time.Second, rate: 10, senders: 5, floodWorkers: 4, charts: dir}
	if err := floodCharts(opts, results); err != nil {
		t.Fatal(err)
	}
	expectSVG(t, dir, "flood-20s-latency.svg", "no flood: p50 ", "flood, post limit lifted (no data)")
	expectSVG(t, dir, "flood-20s-timeline.svg", "no flood", "time since the phase started (s)")
	if err := floodCharts(floodOptions{}, results); err != nil {
		t.Errorf("no --charts: %v", err)
	}
}
