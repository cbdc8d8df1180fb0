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
	"syscall"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/cobraspace/cobraspace/internal/bench/chart"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/seed"
	"github.com/cobraspace/cobraspace/internal/sse"
)

type chatOptions struct {
	listeners, idle, idleRooms int
	messages                   int
	rate                       float64
	senders                    int
	transports                 []string
	charts                     string // directory for SVG charts, "" for none
	wait                       time.Duration
	serverBinary               string
}

// chatTransports are the transports `bench chat` knows, in the order it
// runs them.
var chatTransports = []string{"stock", "topic", "ws"}

// maxChatConnections bounds a run's connections: each is a loopback TCP
// connection from one of the kernel's ~28 000 ephemeral ports.
const maxChatConnections = 25_000

func chatCommand(app core.App) *cobra.Command {
	opts := chatOptions{}
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Live delivery to one busy room: stock collection subscription vs the per-room topic vs the room WebSocket",
		Long: "Starts this binary's server as a child process on loopback, opens --listeners connections\n" +
			"to one room and --idle connections to other rooms, sends --messages at --rate through\n" +
			"POST /api/chat/message, and reports delivery latency, losses, the server's CPU time per\n" +
			"message and its memory per connection — for each of --transports, on a fresh server each:\n" +
			"stock (PocketBase's collection subscription messages/* with a room filter), topic (the room\n" +
			"topic chat/<room>) and ws (the room WebSocket /ws/chat/<room>/chat/).",
		Example: "  cobraspace --dir /tmp/cobra-bench-chat bench chat --listeners 1000 --idle 9000 --messages 50 --rate 5\n" +
			"  cobraspace --dir /tmp/cobra-bench-chat bench chat --listeners 0 --idle 19900 --messages 0\n" +
			"  (the runs behind docs/BENCHMARKS.md; progress on stderr, the table on stdout)",
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
	cmd.Flags().StringSliceVar(&opts.transports, "transports", chatTransports, "transports to run, of stock, topic, ws")
	addChartsFlag(cmd, &opts.charts)
	cmd.Flags().DurationVar(&opts.wait, "wait", 60*time.Second, "how long to wait, after the last send, for deliveries still due")
	cmd.Flags().StringVar(&opts.serverBinary, "server-binary", "", "run this binary as the server instead of this one (e.g. an older build, on the same data)")
	return cmd
}

// chatResult is what one transport measured.
type chatResult struct {
	name           string
	latencies      []time.Duration // every delivery's, sorted
	frameBytes     int             // a delivered message event's payload
	p50, p99       time.Duration
	delivered      int64
	expected       int64
	duplicates     int64
	cpuPerMessage  time.Duration
	bytesPerConn   int64
	connectSeconds float64
}

func runChatBench(cmd *cobra.Command, app core.App, opts chatOptions) error {
	if opts.listeners < 0 || opts.idle < 0 || opts.messages < 0 || opts.rate <= 0 || opts.idleRooms < 1 || opts.senders < 1 {
		return fmt.Errorf("listeners, idle and messages must not be negative; rate, idle-rooms and senders must be positive")
	}
	if opts.listeners+opts.idle < 1 {
		return fmt.Errorf("no connections to open")
	}
	for _, t := range opts.transports {
		if !slices.Contains(chatTransports, t) {
			return fmt.Errorf("unknown transport %q (want some of %s)", t, strings.Join(chatTransports, ", "))
		}
	}
	if total := opts.listeners + opts.idle; total > maxChatConnections {
		return fmt.Errorf("at most %d connections (loopback ephemeral ports)", maxChatConnections)
	} else if err := raiseFileLimit(total); err != nil {
		return err
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
	for _, transport := range chatTransports {
		if !slices.Contains(opts.transports, transport) {
			continue
		}
		fmt.Fprintf(progressOut, "\n== %s ==\n", transportLabel(transport))
		r, err := runChatPhase(app.DataDir(), setup, opts, transport)
		if err != nil {
			return fmt.Errorf("%s: %w", transport, err)
		}
		results = append(results, r)
	}
	printChatResults(cmd, opts, results)
	if err := printDeliveryFloor(cmd, opts, results); err != nil {
		return err
	}
	return chatCharts(opts, results)
}

// floorWrites is how many writes measure the floor (bench floor).
const floorWrites = 100_000

// printDeliveryFloor sets each transport's server CPU per delivery (its
// CPU per message over the room's listeners) against the floor measured
// now, on this machine: one write syscall of a frame of the size the
// listeners received.
func printDeliveryFloor(cmd *cobra.Command, opts chatOptions, results []*chatResult) error {
	frame := 0
	for _, r := range results {
		frame = max(frame, r.frameBytes)
	}
	if opts.listeners == 0 || opts.messages == 0 || frame == 0 {
		return nil
	}
	floor, err := WriteFloor(frame, floorWrites)
	if err != nil {
		fmt.Fprintf(progressOut, "no syscall floor: %v\n", err) // not Linux: the table stands without it
		return nil
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\nserver CPU per delivery against the floor — one write syscall of a %d-byte frame to a loopback TCP connection, measured now: %s\n\n",
		frame, us(floor.CPUPerWrite()))
	fmt.Fprintln(out, "| transport | server CPU / delivery | floor (one write) | times the floor |")
	fmt.Fprintln(out, "|---|---:|---:|---:|")
	for _, r := range results {
		perDelivery := r.cpuPerMessage / time.Duration(opts.listeners)
		fmt.Fprintf(out, "| %s | %s | %s | %.1fx |\n", transportName(r.name), us(perDelivery), us(floor.CPUPerWrite()),
			float64(perDelivery)/float64(floor.CPUPerWrite()))
	}
	return nil
}

func us(d time.Duration) string { return fmt.Sprintf("%.2f µs", float64(d.Nanoseconds())/1000) }

// chatCharts writes chat-latency.svg (every delivery's latency, per
// transport) and chat-memory.svg (memory per idle connection).
func chatCharts(opts chatOptions, results []*chatResult) error {
	subtitle := fmt.Sprintf("%d listeners in one room, %d idle connections, %d messages at %.0f/s",
		opts.listeners, opts.idle, opts.messages, opts.rate)
	var series []chart.Series
	memory := chart.Series{Name: "memory per idle connection"}
	var groups []string
	for _, r := range results {
		series = append(series, chart.Series{Name: transportName(r.name), Values: millis(r.latencies)})
		groups = append(groups, transportLabel(r.name))
		memory.Values = append(memory.Values, float64(r.bytesPerConn)/1024)
	}
	if opts.messages > 0 && opts.listeners > 0 {
		if err := writeChart(opts.charts, fmt.Sprintf("chat-%s-latency.svg", sizeTag(opts.listeners)), chart.CDF{
			Title: "Live delivery latency per transport", Subtitle: subtitle,
			XLabel: "delivery latency", Unit: "ms", Series: series,
		}); err != nil {
			return err
		}
	}
	if opts.listeners+opts.idle == 0 {
		return nil
	}
	return writeChart(opts.charts, fmt.Sprintf("chat-%s-memory.svg", sizeTag(opts.listeners+opts.idle)), chart.Bars{
		Title: "Server memory per idle connection", Subtitle: subtitle,
		YLabel: "KiB", Groups: groups, Series: []chart.Series{memory},
	})
}

// raiseFileLimit lets this process and the servers it starts (which
// inherit it) hold conns connections each: the soft RLIMIT_NOFILE goes up
// to 2*conns+1024, raising the hard limit too when needed and allowed
// (CAP_SYS_RESOURCE). Where the hard limit cannot be raised, the soft one
// goes up to it, and a run that would not fit under it (with
// fileReserve to spare for the server's own files) is refused here rather
// than failing half way.
func raiseFileLimit(conns int) error {
	want := uint64(2*conns + 1024)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= want {
		return nil
	}
	raised := syscall.Rlimit{Cur: want, Max: max(lim.Max, want)}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
		return nil
	}
	if uint64(conns)+fileReserve > lim.Max {
		return fmt.Errorf("%d connections need %d open files, and the hard limit of %d cannot be raised here (no CAP_SYS_RESOURCE): at most %d connections",
			conns, uint64(conns)+fileReserve, lim.Max, lim.Max-fileReserve)
	}
	lim.Cur = lim.Max
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// fileReserve is what a process needs open besides the connections: the
// databases and their journals, logs, the listener, the poller.
const fileReserve = 64

// transportLabel names a transport in progress output.
func transportLabel(transport string) string {
	switch transport {
	case "stock":
		return "stock subscription"
	case "ws":
		return "room WebSocket"
	}
	return "room topic"
}

// transportName names a transport in the result table.
func transportName(transport string) string {
	switch transport {
	case "stock":
		return "stock collection subscription (`messages/*`, room filter)"
	case "ws":
		return "room WebSocket (`/ws/chat/<room>/chat/`)"
	}
	return "room topic (`chat/<room>`)"
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
	mu         sync.Mutex
	seen       []bool
	latencies  []time.Duration
	dupes      int
	frameBytes int // the size of a message event as it arrived (payload)
}

var benchMessagePrefix = "bench "

var benchMessageMark = []byte(`"` + benchMessagePrefix)

func (l *hotListener) onEvent(data []byte, delivered *atomic.Int64) {
	if !bytes.Contains(data, benchMessageMark) {
		return // presence notices and the like, without decoding them
	}
	var payload struct {
		Message string `json:"message"`
		Record  struct {
			Message string `json:"message"`
		} `json:"record"`
	}
	if json.Unmarshal(data, &payload) != nil {
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
	l.frameBytes = len(data)
	delivered.Add(1)
}

// chatConn is one open listener connection of any transport.
type chatConn interface{ Close() }

// roomListeners are a phase's listeners to the busy room: what each got,
// and the deliveries counted over all of them.
type roomListeners struct {
	hot       []*hotListener
	delivered atomic.Int64
}

func newRoomListeners(n, messages int) *roomListeners {
	s := &roomListeners{hot: make([]*hotListener, n)}
	for i := range s.hot {
		s.hot[i] = &hotListener{seen: make([]bool, messages)}
	}
	return s
}

// onFrame is listener i's frame handler.
func (s *roomListeners) onFrame(i int) func([]byte) {
	l := s.hot[i]
	return func(data []byte) { l.onEvent(data, &s.delivered) }
}

// await waits until expected deliveries have arrived, or for wait at most.
func (s *roomListeners) await(expected int64, wait time.Duration) {
	deadline := time.Now().Add(wait)
	for s.delivered.Load() < expected && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polling a counter, with a deadline
	}
}

// fill sets r's deliveries, duplicates, largest frame and latencies (every
// delivery's, sorted, and their p50 and p99).
func (s *roomListeners) fill(r *chatResult) {
	var all []time.Duration
	for _, l := range s.hot {
		l.mu.Lock()
		all = append(all, l.latencies...)
		r.duplicates += int64(l.dupes)
		r.frameBytes = max(r.frameBytes, l.frameBytes)
		l.mu.Unlock()
	}
	slices.Sort(all)
	r.delivered = s.delivered.Load()
	r.latencies = all
	r.p50, r.p99 = quantile(all, 0.5), quantile(all, 0.99)
}

// openConns opens total connections, 32 at a time, behind a progress bar
// described as label: open(i) opens the i-th. On an error, those already
// open are closed.
func openConns(total int, label string, open func(i int) (chatConn, error)) ([]chatConn, error) {
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(progressOut),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(progressOut) }))
	bar.StartWithoutRender() // its elapsed time counts from here, not from the first connection
	conns := make([]chatConn, total)
	g := new(errgroup.Group)
	g.SetLimit(32)
	for i := range total {
		g.Go(func() error {
			c, err := open(i)
			if err != nil {
				return err
			}
			conns[i] = c
			return bar.Add(1)
		})
	}
	if err := g.Wait(); err != nil {
		closeConns(conns)
		return nil, err
	}
	return conns, nil
}

func closeConns(conns []chatConn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// cpuDuring runs run and answers the CPU time each of procs used
// meanwhile.
func cpuDuring(procs []*serverProcess, run func() error) ([]time.Duration, error) {
	before := make([]time.Duration, len(procs))
	for i, p := range procs {
		t, err := p.CPUTime()
		if err != nil {
			return nil, err
		}
		before[i] = t
	}
	if err := run(); err != nil {
		return nil, err
	}
	used := make([]time.Duration, len(procs))
	for i, p := range procs {
		t, err := p.CPUTime()
		if err != nil {
			return nil, err
		}
		used[i] = t - before[i]
	}
	return used, nil
}

func runChatPhase(dataDir string, setup *chatSetup, opts chatOptions, transport string) (*chatResult, error) {
	server, err := startServerBinary(opts.serverBinary, dataDir, gcSignalEnv+"=1")
	if err != nil {
		return nil, err
	}
	defer server.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}

	settle(ctx)
	baseRSS, err := server.settledRSS(ctx)
	if err != nil {
		return nil, err
	}

	listeners := newRoomListeners(opts.listeners, opts.messages)
	total := opts.listeners + opts.idle
	start := time.Now()
	conns, err := openConns(total, fmt.Sprintf("connections (%s)", transportLabel(transport)), func(i int) (chatConn, error) {
		if i < opts.listeners {
			return openChatConn(ctx, client, server.URL, transport, setup.tokens[i], setup.hotRoom, listeners.onFrame(i))
		}
		room := setup.idleRooms[(i-opts.listeners)%len(setup.idleRooms)]
		return openChatConn(ctx, client, server.URL, transport, setup.tokens[i], room, func([]byte) {})
	})
	if err != nil {
		return nil, err
	}
	defer closeConns(conns)
	connectSeconds := time.Since(start).Seconds()
	settle(ctx)
	rss, err := server.settledRSS(ctx)
	if err != nil {
		return nil, err
	}

	senders := setup.tokens[total : total+opts.senders]
	expected := int64(opts.listeners) * int64(opts.messages)
	cpu, err := cpuDuring([]*serverProcess{server}, func() error {
		if err := sendBenchMessages(client, server.URL, setup.hotRoom, senders, opts); err != nil {
			return err
		}
		listeners.await(expected, opts.wait)
		return nil
	})
	if err != nil {
		return nil, err
	}

	r := &chatResult{name: transport, expected: expected,
		bytesPerConn: (rss - baseRSS) / int64(total), connectSeconds: connectSeconds}
	if opts.messages > 0 {
		r.cpuPerMessage = cpu[0] / time.Duration(opts.messages)
	}
	listeners.fill(r)
	return r, nil
}

// openChatConn opens one listener to roomId as the member of token on
// transport, calling onFrame with each event's data (the room frame's JSON,
// or the stock subscription's record event) from the connection's own
// goroutine.
func openChatConn(ctx context.Context, client *http.Client, baseURL, transport, token, roomId string, onFrame func([]byte)) (chatConn, error) {
	if transport == "ws" {
		return dialRoomSocket(ctx, baseURL, token, roomId, onFrame)
	}
	c, err := sse.Dial(ctx, client, baseURL, nil, func(ev sse.Event) { onFrame(ev.Data) })
	if err != nil {
		return nil, err
	}
	topic := chat.RoomTopic(roomId)
	if transport == "stock" {
		topic = stockTopic(roomId)
	}
	if status, body, err := c.Subscribe(client, baseURL, token, topic); err != nil || status != http.StatusNoContent {
		c.Close()
		return nil, fmt.Errorf("subscribe %s: %d %s (%v)", topic, status, body, err)
	}
	return c, nil
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
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\n%d listeners in one room, %d idle connections over %d other rooms, %d messages at %.0f/s\n\n",
		opts.listeners, opts.idle, opts.idleRooms, opts.messages, opts.rate)
	fmt.Fprintln(out, "| transport | delivered | lost | duplicates | latency p50 | latency p99 | server CPU / message | server memory / connection |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|")
	byName := map[string]*chatResult{}
	for _, r := range results {
		byName[r.name] = r
		fmt.Fprintf(out, "| %s | %d / %d | %d | %d | %s | %s | %s | %.1f KiB |\n", transportName(r.name), r.delivered, r.expected,
			r.expected-r.delivered, r.duplicates, ms(r.p50), ms(r.p99), ms(r.cpuPerMessage), float64(r.bytesPerConn)/1024)
	}
	if stock := byName["stock"]; stock != nil && stock.cpuPerMessage > 0 {
		for _, other := range []string{"topic", "ws"} {
			if r := byName[other]; r != nil && r.cpuPerMessage > 0 {
				fmt.Fprintf(out, "\nserver CPU per message, stock / %s: **%.1fx**\n", other,
					float64(stock.cpuPerMessage)/float64(r.cpuPerMessage))
			}
		}
	}
	if stock, topic := byName["stock"], byName["topic"]; stock != nil && topic != nil {
		fmt.Fprintf(out, "\nmemory per connection the room topic adds over the stock subscription: %.1f KiB\n",
			float64(topic.bytesPerConn-stock.bytesPerConn)/1024)
	}
}
