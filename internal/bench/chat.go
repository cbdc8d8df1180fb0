package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/seed"
)

type chatOptions struct {
	listeners, idle, idleRooms int
	messages                   int
	rate                       float64
	senders                    int
}

func chatCommand(app core.App) *cobra.Command {
	opts := chatOptions{}
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Live delivery to one busy room: stock collection subscription vs the per-room topic",
		Long: "Starts this binary's server as a child process on loopback, opens --listeners realtime\n" +
			"connections to one room and --idle connections to other rooms, sends --messages at --rate\n" +
			"through POST /api/chat/message, and reports delivery latency, losses, the server's CPU time\n" +
			"per message and its memory per connection — once with PocketBase's collection subscription\n" +
			"(messages/* with a room filter) and once with the room topic (chat/<room>), on a fresh server each.",
		Example: "  cobraspace --dir /tmp/cobra-bench-chat bench chat --listeners 1000 --idle 9000 --messages 50 --rate 5\n" +
			"  (the run behind docs/BENCHMARKS.md; progress on stderr, the table on stdout)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runChatBench(cmd, app, opts)
		},
	}
	cmd.Flags().IntVar(&opts.listeners, "listeners", 1000, "connections listening to the busy room (N)")
	cmd.Flags().IntVar(&opts.idle, "idle", 9000, "connections listening to other rooms (M)")
	cmd.Flags().IntVar(&opts.idleRooms, "idle-rooms", 100, "rooms the idle connections spread over")
	cmd.Flags().IntVar(&opts.messages, "messages", 100, "messages sent to the busy room")
	cmd.Flags().Float64Var(&opts.rate, "rate", 10, "messages per second")
	cmd.Flags().IntVar(&opts.senders, "senders", 20, "members taking turns to send (each is rate limited)")
	return cmd
}

// chatResult is what one transport measured.
type chatResult struct {
	name           string
	p50, p99       time.Duration
	delivered      int64
	expected       int64
	duplicates     int64
	cpuPerMessage  time.Duration
	bytesPerConn   int64
	connectSeconds float64
}

func runChatBench(cmd *cobra.Command, app core.App, opts chatOptions) error {
	if opts.listeners < 1 || opts.messages < 1 || opts.rate <= 0 || opts.idleRooms < 1 || opts.senders < 1 {
		return fmt.Errorf("listeners, messages, rate, idle-rooms and senders must be positive")
	}
	if opts.listeners+opts.idle > 15_000 {
		return fmt.Errorf("at most 15000 connections (file descriptor limits)")
	}
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	members := opts.listeners + opts.idle + opts.senders
	summary, err := seed.Run(app, seed.Options{Users: members, Posts: opts.idleRooms + 1, Password: seed.DefaultOptions.Password, Progress: progressOut})
	if err != nil {
		return err
	}
	fmt.Fprintln(progressOut, summary)
	setup, err := prepareChatSetup(app, opts, members)
	if err != nil {
		return err
	}

	results := []*chatResult{}
	for _, transport := range []string{"stock", "topic"} {
		fmt.Fprintf(progressOut, "\n== %s ==\n", transportLabel(transport))
		r, err := runChatPhase(app.DataDir(), setup, opts, transport)
		if err != nil {
			return fmt.Errorf("%s: %w", transport, err)
		}
		results = append(results, r)
	}
	printChatResults(cmd, opts, results)
	return nil
}

// transportLabel names a transport in progress output.
func transportLabel(transport string) string {
	if transport == "stock" {
		return "stock subscription"
	}
	return "room topic"
}

// chatSetup is the seeded data the phases use: tokens and rooms.
type chatSetup struct {
	tokens    []string // listeners first, then idle, then senders
	hotRoom   string
	idleRooms []string
}

func prepareChatSetup(app core.App, opts chatOptions, members int) (*chatSetup, error) {
	users := []*core.Record{}
	if err := app.RecordQuery("users").OrderBy("created ASC", "id ASC").Limit(int64(members)).All(&users); err != nil {
		return nil, err
	}
	if len(users) < members {
		return nil, fmt.Errorf("need %d members, have %d", members, len(users))
	}
	s := &chatSetup{}
	for _, u := range users {
		token, err := u.NewStaticAuthToken(2 * time.Hour)
		if err != nil {
			return nil, err
		}
		s.tokens = append(s.tokens, token)
	}
	var rooms []string
	err := app.DB().Select("id").From("rooms").Where(dbx.NewExp("post != ''")).
		OrderBy("created ASC").Limit(int64(opts.idleRooms + 1)).Column(&rooms)
	if err != nil {
		return nil, err
	}
	if len(rooms) < opts.idleRooms+1 {
		return nil, fmt.Errorf("need %d post rooms, have %d", opts.idleRooms+1, len(rooms))
	}
	s.hotRoom, s.idleRooms = rooms[0], rooms[1:]
	return s, nil
}

func stockTopic(roomId string) string {
	options, _ := json.Marshal(map[string]any{"query": map[string]string{"filter": fmt.Sprintf("room='%s'", roomId)}})
	return "messages/*?options=" + url.QueryEscape(string(options))
}

// hotListener records which messages it got and how late.
type hotListener struct {
	mu        sync.Mutex
	seen      []bool
	latencies []time.Duration
	dupes     int
}

var benchMessagePrefix = "bench "

func (l *hotListener) onEvent(ev sseEvent, delivered *atomic.Int64) {
	var payload struct {
		Message string `json:"message"`
		Record  struct {
			Message string `json:"message"`
		} `json:"record"`
	}
	if json.Unmarshal(ev.Data, &payload) != nil {
		return
	}
	text := payload.Message
	if text == "" {
		text = payload.Record.Message
	}
	rest, ok := strings.CutPrefix(text, benchMessagePrefix)
	if !ok {
		return // presence notices and the like
	}
	seqText, sentText, _ := strings.Cut(rest, " ")
	seq, err1 := strconv.Atoi(seqText)
	sent, err2 := strconv.ParseInt(sentText, 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	latency := time.Since(time.Unix(0, sent))
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < 0 || seq >= len(l.seen) {
		return
	}
	if l.seen[seq] {
		l.dupes++
		return
	}
	l.seen[seq] = true
	l.latencies = append(l.latencies, latency)
	delivered.Add(1)
}

func runChatPhase(dataDir string, setup *chatSetup, opts chatOptions, transport string) (*chatResult, error) {
	server, err := startServerProcess(dataDir)
	if err != nil {
		return nil, err
	}
	defer server.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}

	settle(ctx)
	baseRSS, err := server.RSS()
	if err != nil {
		return nil, err
	}

	topicFor := func(roomId string) string {
		if transport == "stock" {
			return stockTopic(roomId)
		}
		return chat.RoomTopic(roomId)
	}
	var delivered atomic.Int64
	hot := make([]*hotListener, opts.listeners)
	total := opts.listeners + opts.idle
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(progressOut),
		progressbar.OptionSetDescription(fmt.Sprintf("connections (%s)", transportLabel(transport))),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(progressOut) }))
	bar.StartWithoutRender() // its elapsed time counts from here, not from the first connection
	start := time.Now()
	conns := make([]*sseConn, total)
	g := new(errgroup.Group)
	g.SetLimit(32)
	for i := 0; i < total; i++ {
		g.Go(func() error {
			var onEvent func(sseEvent)
			room := setup.hotRoom
			if i < opts.listeners {
				l := &hotListener{seen: make([]bool, opts.messages)}
				hot[i] = l
				onEvent = func(ev sseEvent) { l.onEvent(ev, &delivered) }
			} else {
				room = setup.idleRooms[(i-opts.listeners)%len(setup.idleRooms)]
				onEvent = func(sseEvent) {}
			}
			c, err := dialSSE(ctx, client, server.URL, onEvent)
			if err != nil {
				return err
			}
			conns[i] = c
			if err := c.subscribe(client, server.URL, setup.tokens[i], topicFor(room)); err != nil {
				return err
			}
			return bar.Add(1)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	connectSeconds := time.Since(start).Seconds()
	settle(ctx)
	rss, err := server.RSS()
	if err != nil {
		return nil, err
	}

	cpuBefore, err := server.CPUTime()
	if err != nil {
		return nil, err
	}
	senders := setup.tokens[total : total+opts.senders]
	if err := sendBenchMessages(client, server.URL, setup.hotRoom, senders, opts); err != nil {
		return nil, err
	}
	expected := int64(opts.listeners) * int64(opts.messages)
	deadline := time.Now().Add(60 * time.Second)
	for delivered.Load() < expected && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polling a counter, with a deadline
	}
	cpuAfter, err := server.CPUTime()
	if err != nil {
		return nil, err
	}
	for _, c := range conns {
		c.Close()
	}

	r := &chatResult{name: transport, expected: expected, delivered: delivered.Load(),
		cpuPerMessage: (cpuAfter - cpuBefore) / time.Duration(opts.messages),
		bytesPerConn:  (rss - baseRSS) / int64(total), connectSeconds: connectSeconds}
	var all []time.Duration
	for _, l := range hot {
		all = append(all, l.latencies...)
		r.duplicates += int64(l.dupes)
	}
	slices.Sort(all)
	r.p50, r.p99 = quantile(all, 0.5), quantile(all, 0.99)
	return r, nil
}

// sendBenchMessages posts the messages at the given rate, rotating senders
// (each member's own send limit is 5 per second).
func sendBenchMessages(client *http.Client, baseURL, roomId string, senders []string, opts chatOptions) error {
	interval := time.Duration(float64(time.Second) / opts.rate)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for seq := 0; seq < opts.messages; seq++ {
		<-ticker.C
		text := fmt.Sprintf("%s%d %d", benchMessagePrefix, seq, time.Now().UnixNano())
		body, _ := json.Marshal(map[string]string{"room": roomId, "message": text})
		req, err := http.NewRequest(http.MethodPost, baseURL+"/api/chat/message/", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", senders[seq%len(senders)])
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("send %d: status %d", seq, res.StatusCode)
		}
	}
	return nil
}

func printChatResults(cmd *cobra.Command, opts chatOptions, results []*chatResult) {
	fmt.Fprintf(cmd.OutOrStdout(), "\n%d listeners in one room, %d idle connections over %d other rooms, %d messages at %.0f/s\n\n",
		opts.listeners, opts.idle, opts.idleRooms, opts.messages, opts.rate)
	fmt.Fprintln(cmd.OutOrStdout(), "| transport | delivered | lost | duplicates | latency p50 | latency p99 | server CPU / message | server memory / connection |")
	fmt.Fprintln(cmd.OutOrStdout(), "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		name := "stock collection subscription (`messages/*`, room filter)"
		if r.name == "topic" {
			name = "room topic (`chat/<room>`)"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "| %s | %d / %d | %d | %d | %s | %s | %s | %.1f KiB |\n", name, r.delivered, r.expected,
			r.expected-r.delivered, r.duplicates, ms(r.p50), ms(r.p99), ms(r.cpuPerMessage), float64(r.bytesPerConn)/1024)
	}
	if len(results) == 2 && results[1].cpuPerMessage > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "\nserver CPU per message, stock / topic: **%.1fx**\n",
			float64(results[0].cpuPerMessage)/float64(results[1].cpuPerMessage))
	}
}
