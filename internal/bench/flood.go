package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/bench/chart"
	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/seed"
)

type floodOptions struct {
	duration     time.Duration // per phase
	rate         float64       // message sends per second
	senders      int           // members taking turns to send
	floodWorkers int           // concurrent flood requests
	maxFlood     int           // flood requests per phase, at most
	maxSends     int           // message sends per phase, at most
	charts       string        // directory for SVG charts, "" for none
}

func floodCommand(app core.App) *cobra.Command {
	opts := floodOptions{}
	cmd := &cobra.Command{
		Use:   "flood",
		Short: "Message-send latency of other members while one member floods maximum-size posts",
		Long: "Starts this binary's server as a child process on loopback and measures the latency of\n" +
			"POST /api/chat/message/ (other members, at --rate) in three phases of --duration each, on a\n" +
			"fresh server each: no flood; one member flooding maximum-size posts through\n" +
			"POST /api/post/write/ and POST /api/collections/posts/records (--flood-workers at once) under\n" +
			"the default post creation limit; the same flood with the limit lifted\n" +
			"(" + limits.EnvPostsPerMinute + "=1e9). Reports send p50/p99 and how many flood requests were\n" +
			"stored or refused (429). Each phase stops by itself after --duration, or once it has made\n" +
			"--max-sends sends and --max-flood flood requests.",
		Example: "  cobraspace --dir /tmp/cobra-bench-flood bench flood --duration 20s\n" +
			"  cobraspace --dir /tmp/cobra-bench-flood bench flood --duration 20s --charts docs/bench\n" +
			"  (also writes flood-20s-latency.svg and flood-20s-timeline.svg)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFloodBench(cmd, app, opts)
		},
	}
	cmd.Flags().DurationVar(&opts.duration, "duration", 20*time.Second, "length of each phase")
	cmd.Flags().Float64Var(&opts.rate, "rate", 10, "message sends per second (other members)")
	cmd.Flags().IntVar(&opts.senders, "senders", 5, "members taking turns to send (each is rate limited)")
	cmd.Flags().IntVar(&opts.floodWorkers, "flood-workers", 4, "flood requests in flight at once")
	cmd.Flags().IntVar(&opts.maxFlood, "max-flood", 200_000, "flood requests per phase, at most")
	cmd.Flags().IntVar(&opts.maxSends, "max-sends", 10000, "message sends per phase, at most")
	addChartsFlag(cmd, &opts.charts)
	return cmd
}

// floodSetup is the seeded data the phases use.
type floodSetup struct {
	flooder    string   // the flooding member's token
	senders    []string // the other members' tokens
	room       string   // a post's room the senders write to
	categoryId string
	titleMax   int // posts.title's limit, read from the stored schema
	contentMax int // posts.content's limit, likewise
}

// floodResult is what one phase measured.
type floodResult struct {
	name                        string
	sends                       int
	p50, p99, max               time.Duration
	flood, stored, refused, bad int64
	latencies                   []time.Duration // of each send, in order
	at                          []time.Duration // when each send started, since the phase's start
}

func runFloodBench(cmd *cobra.Command, app core.App, opts floodOptions) error {
	if opts.duration <= 0 || opts.rate <= 0 || opts.senders < 1 || opts.floodWorkers < 1 || opts.maxFlood < 1 || opts.maxSends < 1 {
		return fmt.Errorf("duration, rate, senders, flood-workers, max-flood and max-sends must be positive")
	}
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	summary, err := seed.Run(app, seed.Options{Users: opts.senders + 1, Posts: 1, Password: seed.DefaultOptions.Password, Progress: progressOut})
	if err != nil {
		return err
	}
	fmt.Fprintln(progressOut, summary)
	setup, err := prepareFloodSetup(app, opts)
	if err != nil {
		return err
	}
	phases := []struct {
		name  string
		flood bool
		env   string // COBRA_POSTS_PER_MINUTE for the server, "" for the default
	}{
		{"no flood", false, ""},
		{"flood, default post limit", true, ""},
		{"flood, post limit lifted", true, "1e9"},
	}
	var results []*floodResult
	for _, p := range phases {
		fmt.Fprintf(progressOut, "\n== %s ==\n", p.name)
		r, err := runFloodPhase(app.DataDir(), setup, opts, p.name, p.flood, p.env)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		results = append(results, r)
	}
	printFloodResults(cmd, opts, setup, results)
	return floodCharts(opts, results)
}

func prepareFloodSetup(app core.App, opts floodOptions) (*floodSetup, error) {
	users := []*core.Record{}
	if err := app.RecordQuery("users").OrderBy("created ASC", "id ASC").Limit(int64(opts.senders + 1)).All(&users); err != nil {
		return nil, err
	}
	if len(users) < opts.senders+1 {
		return nil, fmt.Errorf("need %d members, have %d", opts.senders+1, len(users))
	}
	s := &floodSetup{titleMax: api.TextMax(app, "posts", "title"), contentMax: api.TextMax(app, "posts", "content")}
	if s.titleMax <= 0 || s.contentMax <= 0 {
		return nil, fmt.Errorf("posts.title and posts.content need a maximum length")
	}
	for i, u := range users {
		token, err := u.NewStaticAuthToken(2 * time.Hour)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			s.flooder = token
		} else {
			s.senders = append(s.senders, token)
		}
	}
	if err := app.DB().Select("id").From("rooms").Where(dbx.NewExp("post != ''")).
		OrderBy("created ASC").Limit(1).Row(&s.room); err != nil {
		return nil, fmt.Errorf("a post's room: %w", err)
	}
	if err := app.DB().Select("id").From("categories").OrderBy("name ASC").Limit(1).Row(&s.categoryId); err != nil {
		return nil, fmt.Errorf("a category: %w", err)
	}
	return s, nil
}

// maxPost is a post of the maximum size (200-character title and 50 000
// characters of content as migrated): random Hangul syllables (3 bytes
// each; nearly every character pair is distinct, the most the search index
// has to write).
func maxPost(rng *rand.Rand, setup *floodSetup) (title, content string) {
	var b strings.Builder
	for i := 0; i < setup.contentMax; i++ {
		b.WriteRune(rune(0xAC00 + rng.IntN(11172)))
	}
	content = b.String()
	return string([]rune(content)[:setup.titleMax]), content
}

// runFloodPhase runs one phase on a fresh server process.
func runFloodPhase(dataDir string, setup *floodSetup, opts floodOptions, name string, flood bool, postsPerMinute string) (*floodResult, error) {
	var env []string
	if postsPerMinute != "" {
		env = append(env, limits.EnvPostsPerMinute+"="+postsPerMinute)
	}
	server, err := startServerProcess(dataDir, env...)
	if err != nil {
		return nil, err
	}
	defer server.Stop()
	settle(context.Background())
	return measureFlood(progressOut, server.URL, setup, opts, name, flood)
}

// measureFlood sends messages at opts.rate for opts.duration (or
// opts.maxSends of them) while, when flood is set, floodWorkers post
// maximum-size posts as fast as they are answered (opts.maxFlood at most).
// It returns once both are done or the phase's time is up.
func measureFlood(progress io.Writer, baseURL string, setup *floodSetup, opts floodOptions, name string, flood bool) (*floodResult, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}, Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), opts.duration)
	defer cancel()
	r := &floodResult{name: name}

	var wg sync.WaitGroup
	var launched, stored, refused, bad atomic.Int64
	var floodErr atomic.Value
	if flood {
		for w := 0; w < opts.floodWorkers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 1))
				for ctx.Err() == nil {
					n := launched.Add(1)
					if n > int64(opts.maxFlood) {
						launched.Add(-1)
						return
					}
					status, err := floodOnce(ctx, client, baseURL, setup, rng, n%2 == 0)
					switch {
					case ctx.Err() != nil:
						launched.Add(-1) // cut off by the end of the phase: not counted
						return
					case err != nil:
						floodErr.Store(err)
						return
					case status == http.StatusCreated || status == http.StatusOK:
						stored.Add(1)
					case status == http.StatusTooManyRequests:
						refused.Add(1)
					default:
						bad.Add(1)
					}
				}
			}()
		}
	}

	var latencies, at []time.Duration
	interval := time.Duration(float64(time.Second) / opts.rate)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	report := time.NewTicker(time.Second)
	defer report.Stop()
	start := time.Now()
	var sendErr error
loop:
	for seq := 0; len(latencies) < opts.maxSends; seq++ {
		select {
		case <-ctx.Done():
			break loop
		case <-report.C:
			fmt.Fprintf(progress, "  %s: %4.0fs  %d sends  flood: %d stored, %d refused\n", name, time.Since(start).Seconds(), len(latencies), stored.Load(), refused.Load())
			seq--
			continue
		case <-ticker.C:
		}
		sent := time.Since(start)
		d, err := sendOnce(ctx, client, baseURL, setup.room, setup.senders[seq%len(setup.senders)], seq)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			sendErr = err
			break
		}
		latencies, at = append(latencies, d), append(at, sent)
	}
	if sendErr != nil {
		cancel()
	}
	wg.Wait() // the flood ends at maxFlood requests or with the phase
	cancel()
	if sendErr != nil {
		return nil, sendErr
	}
	if err, ok := floodErr.Load().(error); ok {
		return nil, err
	}
	sorted := sortedCopy(latencies)
	r.latencies, r.at = latencies, at
	r.sends = len(sorted)
	r.p50, r.p99 = quantile(sorted, 0.5), quantile(sorted, 0.99)
	if len(sorted) > 0 {
		r.max = sorted[len(sorted)-1]
	}
	r.flood, r.stored, r.refused, r.bad = launched.Load(), stored.Load(), refused.Load(), bad.Load()
	return r, nil
}

// floodOnce posts one maximum-size post, through the documented route or
// (viaRecords) the record API, and answers the status.
func floodOnce(ctx context.Context, client *http.Client, baseURL string, setup *floodSetup, rng *rand.Rand, viaRecords bool) (int, error) {
	title, content := maxPost(rng, setup)
	path, body := "/api/post/write/", map[string]any{"title": title, "content": content, "category": setup.categoryId}
	if viaRecords {
		path = "/api/collections/posts/records"
	}
	raw, _ := json.Marshal(body)
	return doJSON(ctx, client, baseURL+path, setup.flooder, raw)
}

// sendOnce sends one message and times it; anything but 201 is an error.
func sendOnce(ctx context.Context, client *http.Client, baseURL, room, token string, seq int) (time.Duration, error) {
	raw, _ := json.Marshal(map[string]string{"room": room, "message": fmt.Sprintf("flood bench %d", seq)})
	start := time.Now()
	status, err := doJSON(ctx, client, baseURL+"/api/chat/message/", token, raw)
	elapsed := time.Since(start)
	if err == nil && status != http.StatusCreated {
		err = fmt.Errorf("message %d: status %d", seq, status)
	}
	return elapsed, err
}

func doJSON(ctx context.Context, client *http.Client, url, token string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func printFloodResults(cmd *cobra.Command, opts floodOptions, setup *floodSetup, results []*floodResult) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\nmessage sends at %.0f/s by %d members for %s per phase; flood: 1 member, %d requests in flight, maximum-size posts (%d characters, %d KiB of JSON) through both APIs\n\n",
		opts.rate, opts.senders, opts.duration, opts.floodWorkers, setup.contentMax, (setup.contentMax*3+setup.titleMax*3)/1024)
	fmt.Fprintln(out, "| phase | sends | send p50 | send p99 | send max | flood requests | stored | refused (429) | other |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %d | %d | %d | %d |\n", r.name, r.sends, ms(r.p50), ms(r.p99), ms(r.max), r.flood, r.stored, r.refused, r.bad)
	}
}

// floodCharts writes flood-<duration>-latency.svg (each phase's send
// latency distribution) and flood-<duration>-timeline.svg (each send's
// latency at the time it was made) into opts.charts, if set.
func floodCharts(opts floodOptions, results []*floodResult) error {
	if opts.charts == "" {
		return nil
	}
	subtitle := fmt.Sprintf("POST /api/chat/message/ at %.0f/s by %d members, %s per phase; flood: %d maximum-size posts in flight; %s, GOMAXPROCS=%d",
		opts.rate, opts.senders, opts.duration, opts.floodWorkers, runtime.Version(), runtime.GOMAXPROCS(0))
	cdf := chart.CDF{
		Title:    "Message send latency while one member floods posts",
		Subtitle: subtitle,
		XLabel:   "send latency (ms, loopback HTTP)",
		Unit:     "ms",
	}
	timeline := chart.Lines{
		Title:    "Message send latency during each phase",
		Subtitle: subtitle,
		XLabel:   "time since the phase started (s)",
		YLabel:   "send latency (ms)",
		XScale:   chart.Linear,
	}
	for _, r := range results {
		cdf.Series = append(cdf.Series, chart.Series{Name: r.name, Values: millis(r.latencies)})
		line := chart.Line{Name: r.name}
		for i, d := range r.latencies {
			line.Points = append(line.Points, chart.Point{X: r.at[i].Seconds(), Y: float64(d.Nanoseconds()) / 1e6})
		}
		timeline.Series = append(timeline.Series, line)
	}
	tag := "flood-" + strings.ReplaceAll(opts.duration.String(), "m0s", "m")
	if err := writeChart(opts.charts, tag+"-latency.svg", cdf); err != nil {
		return err
	}
	return writeChart(opts.charts, tag+"-timeline.svg", timeline)
}
