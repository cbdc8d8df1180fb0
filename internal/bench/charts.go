package bench

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/cobraspace/cobraspace/internal/bench/chart"
)

// addChartsFlag adds --charts: the directory the command writes its SVG
// charts into ("" for none).
func addChartsFlag(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "charts", "", "directory to write SVG charts into, e.g. docs/bench (none when empty)")
}

// writeChart renders c into dir/name and says so on progressOut; nothing
// when dir is "".
func writeChart(dir, name string, c chart.Chart) error {
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, name)
	if err := chart.WriteFile(path, c); err != nil {
		return err
	}
	fmt.Fprintf(progressOut, "chart: %s\n", path)
	return nil
}

// millis are durations in milliseconds, for the charts.
func millis(d []time.Duration) []float64 {
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v.Nanoseconds()) / 1e6
	}
	return out
}

// sizeTag names a data size in a chart's file name: 10000 → "10k",
// 1000000 → "1m", 2500 → "2500".
func sizeTag(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "m"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// sideTimes are one query's timed requests on each side.
type sideTimes struct {
	query       string
	ours, stock []time.Duration
}

// comparisonCharts writes, for a bench that times ours against stock per
// query, prefix-latency.svg (the distribution of every timed request of
// each side, all queries together) and prefix-p50.svg (each query's median
// on each side).
func comparisonCharts(dir, prefix, what, subtitle, oursName, stockName string, cases []sideTimes) error {
	if dir == "" {
		return nil
	}
	var ours, stock []time.Duration
	groups := make([]string, len(cases))
	oursP50, stockP50 := make([]float64, len(cases)), make([]float64, len(cases))
	for i, c := range cases {
		ours, stock = append(ours, c.ours...), append(stock, c.stock...)
		groups[i] = c.query
		oursP50[i] = millis([]time.Duration{quantile(sortedCopy(c.ours), 0.5)})[0]
		stockP50[i] = millis([]time.Duration{quantile(sortedCopy(c.stock), 0.5)})[0]
	}
	err := writeChart(dir, prefix+"-latency.svg", chart.CDF{
		Title:    what + " latency, all queries: ours vs stock PocketBase",
		Subtitle: subtitle,
		XLabel:   "request latency (ms, loopback HTTP)",
		Unit:     "ms",
		Series:   []chart.Series{{Name: oursName, Values: millis(ours)}, {Name: stockName, Values: millis(stock)}},
	})
	if err != nil {
		return err
	}
	return writeChart(dir, prefix+"-p50.svg", chart.Bars{
		Title:    what + " p50 per query: ours vs stock PocketBase",
		Subtitle: subtitle,
		XLabel:   "query",
		YLabel:   "p50 latency (ms)",
		Groups:   groups,
		Series:   []chart.Series{{Name: oursName, Values: oursP50}, {Name: stockName, Values: stockP50}},
	})
}
