package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/cobraspace/cobraspace/internal/seed"
)

type searchCase struct {
	Query string
	Class string
}

// searchCases cover each query class, rare and common, on seeded data
// (seed puts its rare words in one post in a thousand).
var searchCases = []searchCase{
	{"채팅", "2 Korean chars, common"},
	{"양자", "2 Korean chars, rare"},
	{"데이터베이스", "3+ Korean chars, common"},
	{"블록체인", "3+ Korean chars, rare"},
	{"benchmarked", "English word, common"},
	{"zephyr", "English word, rare"},
	{"서", "1 char, common"},
}

type searchOptions struct {
	posts    int
	requests int
	charts   string // directory for SVG charts, "" for none
}

func searchCommand(app core.App) *cobra.Command {
	opts := searchOptions{}
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Times GET /api/post/?search= against PocketBase's ~ filter on the same posts",
		Example: "  cobraspace --dir /tmp/cobra-bench bench search --posts 100000\n" +
			"  (seeding is idempotent: a second run on the same --dir reuses the posts)\n" +
			"  cobraspace --dir /tmp/cobra-bench bench search --posts 100000 --charts docs/bench\n" +
			"  (also writes search-100k-latency.svg and search-100k-p50.svg)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSearchBench(cmd, app, opts)
		},
	}
	cmd.Flags().IntVar(&opts.posts, "posts", 10_000, "posts in the database")
	cmd.Flags().IntVar(&opts.requests, "requests", 40, "timed requests per query and side")
	addChartsFlag(cmd, &opts.charts)
	return cmd
}

func runSearchBench(cmd *cobra.Command, app core.App, opts searchOptions) error {
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	summary, err := seed.Run(app, seed.Options{Users: 100, Posts: opts.posts, FriendsPerUser: 0, Password: seed.DefaultOptions.Password, Progress: progressOut})
	if err != nil {
		return err
	}
	fmt.Fprintln(progressOut, summary)

	srv, err := startServer(app)
	if err != nil {
		return err
	}
	defer srv.Close()
	client := srv.Client()

	total, _ := app.CountRecords("posts")
	fmt.Fprintf(cmd.OutOrStdout(), "posts: %d, %d timed requests per query and side, page size 20, %s, GOMAXPROCS=%d\n\n",
		total, opts.requests, runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintln(cmd.OutOrStdout(), "| query | class | matches | ours p50 | ours p90 | stock p50 | stock p90 | stock/ours (p50) |")
	fmt.Fprintln(cmd.OutOrStdout(), "|---|---|---:|---:|---:|---:|---:|---:|")
	var times []sideTimes
	for _, c := range searchCases {
		row, t, err := timeSearchCase(client, srv.URL, c, opts.requests)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), row)
		times = append(times, t)
	}
	return comparisonCharts(opts.charts, "search-"+sizeTag(int(total)), "Post search",
		fmt.Sprintf("%d posts, %d queries × %d requests per side, page size 20, %s, GOMAXPROCS=%d", total, len(searchCases), opts.requests, runtime.Version(), runtime.GOMAXPROCS(0)),
		"ours: GET /api/post/?search=", "stock: title~ || content~ filter", times)
}

func timeSearchCase(client *http.Client, base string, c searchCase, n int) (string, sideTimes, error) {
	q := url.QueryEscape(c.Query)
	ours := base + "/api/post/?page_size=20&search=" + q
	filter := fmt.Sprintf("(title~'%s' || content~'%s')", c.Query, c.Query)
	stock := base + "/api/collections/posts/records?perPage=20&sort=-created&filter=" + url.QueryEscape(filter)

	// warm up both (caches, prepared statements), and read the match count
	var matches struct {
		TotalItems int `json:"totalItems"`
	}
	for i := 0; i < 3; i++ {
		if _, _, err := timeGET(client, ours); err != nil {
			return "", sideTimes{}, err
		}
		_, body, err := timeGET(client, stock)
		if err != nil {
			return "", sideTimes{}, err
		}
		_ = json.Unmarshal(body, &matches)
	}

	var oursTimes, stockTimes []time.Duration
	for i := 0; i < n; i++ { // interleaved, so both see the same machine state
		d, _, err := timeGET(client, ours)
		if err != nil {
			return "", sideTimes{}, err
		}
		oursTimes = append(oursTimes, d)
		if d, _, err = timeGET(client, stock); err != nil {
			return "", sideTimes{}, err
		}
		stockTimes = append(stockTimes, d)
	}
	o, s := sortedCopy(oursTimes), sortedCopy(stockTimes)
	ratio := float64(quantile(s, 0.5)) / float64(quantile(o, 0.5))
	return fmt.Sprintf("| `%s` | %s | %d | %s | %s | %s | %s | **%.1fx** |",
		c.Query, c.Class, matches.TotalItems, ms(quantile(o, 0.5)), ms(quantile(o, 0.9)),
		ms(quantile(s, 0.5)), ms(quantile(s, 0.9)), ratio), sideTimes{c.Query, oursTimes, stockTimes}, nil
}
