package bench

import (
	"strings"
	"testing"
)

// A tiny `bench search` through the real command, on a scratch data dir:
// it seeds the posts, times every query class on both sides, prints the
// table on stdout and, with --charts, writes its two charts.
func TestSearchCommand(t *testing.T) {
	app, progress := benchApp(t)
	charts := t.TempDir()

	table := runBench(t, app, progress, "search", "--posts", "30", "--requests", "2", "--charts", charts)
	for _, want := range []string{"posts: 30, 2 timed requests per query and side", "| query | class | matches | ours p50 | ours p90 | stock p50 | stock p90 | stock/ours (p50) |"} {
		if !strings.Contains(table, want) {
			t.Errorf("stdout lacks %q:\n%s", want, table)
		}
	}
	for _, c := range searchCases {
		if !strings.Contains(table, "| `"+c.Query+"` | "+c.Class+" | ") {
			t.Errorf("stdout lacks the row of %q:\n%s", c.Query, table)
		}
	}
	expectSVG(t, charts, "search-30-latency.svg", "Post search latency", "ours: GET /api/post/?search=: p50 ", "n=14")
	expectSVG(t, charts, "search-30-p50.svg", "Post search p50 per query", "블록체인", "zephyr")
	if !strings.Contains(progress.String(), "chart: "+charts) {
		t.Errorf("progress does not name the charts:\n%s", progress.String())
	}
}
