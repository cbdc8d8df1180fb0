package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/cobraspace/cobraspace/internal/bench/chart"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/metrics"
	"github.com/cobraspace/cobraspace/internal/seed"
)

type sendOptions struct {
	members     int
	concurrency int
	messages    int           // per phase
	duration    time.Duration // per phase, at most
	paths       []string
	charts      string // directory for SVG charts, "" for none
	server      string // another binary to run as the server ("" for this one)
	scale       []int  // concurrencies of the scaling run (none: no scaling run)
	scaleMsgs   int    // messages per path and concurrency in the scaling run
}

// sendPath is one way of sending a message, measured in a phase of its own.
type sendPath struct {
	name        string // --paths value
	label       string
	groupCommit bool
	send        func(ctx context.Context, s *sendSession, worker, seq int) (id string, err error)
}

// sendPaths are the phases `bench send` can run, in order: our paths with
// the group commit, then the same server storing each message in its own
// transaction (COBRA_GROUP_COMMIT=off), as stock PocketBase's record create
// does.
var sendPaths = []sendPath{
	{"rest", "POST /api/chat/message/", true, sendREST},
	{"ws", "room WebSocket chat.message frame", true, sendWS},
	{"record", "record API create (JS SDK)", true, sendRecord},
	{"record-stock", "record API create (JS SDK)", false, sendRecord},
	{"rest-stock", "POST /api/chat/message/", false, sendREST},
}

func sendCommand(app core.App) *cobra.Command {
	opts := sendOptions{}
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Persisted chat messages per second: group commit vs one transaction per message",
		Long: "Seeds --members members and a post room, then for each of --paths starts this binary's server\n" +
			"as a child process on loopback and has --concurrency senders send --messages messages (or for\n" +
			"--duration), each sender waiting for its acknowledgement before sending again, members taken in\n" +
			"turn (each member's send limit stays in force). Paths:\n" +
			"  rest          POST /api/chat/message/ (acknowledged by its 201)\n" +
			"  ws            the room WebSocket's chat.message frame (acknowledged by the sender's own echo;\n" +
			"                each member on a room of its own, so the echo is the only delivery)\n" +
			"  record        POST /api/collections/messages/records, as the JS SDK creates (its 200)\n" +
			"  record-stock  the same with " + chat.EnvGroupCommit + "=off: one transaction per message, as stock PocketBase\n" +
			"  rest-stock    POST /api/chat/message/ with " + chat.EnvGroupCommit + "=off\n" +
			"Reports acknowledged messages per second, acknowledgement latency p50/p99, refusals, the server's\n" +
			"CPU per message, and lost messages: acknowledged ones the database does not hold afterwards.",
		Example: "  cobraspace --dir /tmp/cobra-bench-send bench send --members 2000 --concurrency 32 --messages 30000",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSendBench(cmd, app, opts)
		},
	}
	names := make([]string, len(sendPaths))
	for i, p := range sendPaths {
		names[i] = p.name
	}
	cmd.Flags().IntVar(&opts.members, "members", 2000, "members taking turns to send (each stays under the send limit of 5/s)")
	cmd.Flags().IntVar(&opts.concurrency, "concurrency", 32, "senders with a message in flight at once")
	cmd.Flags().IntVar(&opts.messages, "messages", 30000, "messages per path")
	cmd.Flags().DurationVar(&opts.duration, "duration", time.Minute, "time per path, at most")
	cmd.Flags().StringSliceVar(&opts.paths, "paths", names, "paths to measure, in this order")
	addChartsFlag(cmd, &opts.charts)
	cmd.Flags().IntSliceVar(&opts.scale, "scale", nil, "also run REST with and without the group commit at each of these concurrencies (e.g. 1,4,16,64): the scaling curve")
	cmd.Flags().IntVar(&opts.scaleMsgs, "scale-messages", 5000, "messages per path and concurrency in the --scale run")
	cmd.Flags().StringVar(&opts.server, "server-binary", "", "run this binary as the server instead of this one (e.g. an older build, on the same data)")
	return cmd
}

// sendResult is what one phase measured.
type sendResult struct {
	path       sendPath
	acked      []string // ids of acknowledged messages
	latencies  []time.Duration
	refused    int64 // 429 / 503 / error frames: retried by nobody, not counted as sent
	elapsed    time.Duration
	cpuPerMsg  time.Duration
	lost       int
	p50, p99   time.Duration
	perSecond  float64
	firstError error
	meanBatch  float64 // messages per group-commit transaction (0: none)
}

func runSendBench(cmd *cobra.Command, app core.App, opts sendOptions) error {
	if opts.members < 1 || opts.concurrency < 1 || opts.messages < 1 || opts.duration <= 0 {
		return fmt.Errorf("members, concurrency, messages and duration must be positive")
	}
	var paths []sendPath
	for _, name := range opts.paths {
		p, ok := findSendPath(name)
		if !ok {
			return fmt.Errorf("unknown path %q", name)
		}
		paths = append(paths, p)
	}
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	summary, err := seed.Run(app, seed.Options{Users: opts.members, Posts: 1, Password: seed.DefaultOptions.Password, Progress: progressOut})
	if err != nil {
		return err
	}
	fmt.Fprintln(progressOut, summary)
	setup, err := prepareSendSetup(app, opts)
	if err != nil {
		return err
	}
	var results []*sendResult
	for _, p := range paths {
		fmt.Fprintf(progressOut, "\n== %s, %s ==\n", p.label, commitLabel(p.groupCommit))
		r, err := runSendPhase(app.DataDir(), setup, opts, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		if r.lost, err = countLost(app, r.acked); err != nil {
			return err
		}
		results = append(results, r)
	}
	printSendResults(cmd, opts, results)
	if err := sendCharts(opts, results); err != nil {
		return err
	}
	return runSendScaling(cmd, app, setup, opts)
}

// scalingPaths are the paths the scaling run compares.
var scalingPaths = []string{"rest", "rest-stock"}

// runSendScaling measures the documented route with and without the group
// commit at each of opts.scale's concurrencies (opts.scaleMsgs messages
// each, a fresh server each) and prints and charts how persisted messages/s
// and the acknowledgement p99 follow the concurrency.
func runSendScaling(cmd *cobra.Command, app core.App, setup *sendSetup, opts sendOptions) error {
	if len(opts.scale) == 0 {
		return nil
	}
	rates := make([]chart.Line, len(scalingPaths))
	tails := make([]chart.Line, len(scalingPaths))
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\nscaling: POST /api/chat/message/, %d messages per concurrency\n\n", opts.scaleMsgs)
	fmt.Fprintln(out, "| senders in flight | storing | persisted / s | ack p50 | ack p99 | lost | messages / transaction |")
	fmt.Fprintln(out, "|---:|---|---:|---:|---:|---:|---:|")
	for _, c := range opts.scale {
		if c < 1 {
			return fmt.Errorf("--scale: concurrency %d", c)
		}
		for i, name := range scalingPaths {
			p, _ := findSendPath(name)
			run := opts
			run.concurrency, run.messages = c, opts.scaleMsgs
			fmt.Fprintf(progressOut, "\n== scaling: %d senders, %s ==\n", c, commitLabel(p.groupCommit))
			r, err := runSendPhase(app.DataDir(), setup, run, p)
			if err != nil {
				return fmt.Errorf("scaling %s at %d: %w", name, c, err)
			}
			if r.lost, err = countLost(app, r.acked); err != nil {
				return err
			}
			fmt.Fprintf(out, "| %d | %s | %.0f | %s | %s | %d | %.1f |\n", c, commitLabel(p.groupCommit), r.perSecond, ms(r.p50), ms(r.p99), r.lost, max(r.meanBatch, 1))
			rates[i].Name, tails[i].Name = commitLabel(p.groupCommit), commitLabel(p.groupCommit)
			rates[i].Points = append(rates[i].Points, chart.Point{X: float64(c), Y: r.perSecond})
			tails[i].Points = append(tails[i].Points, chart.Point{X: float64(c), Y: float64(r.p99.Microseconds()) / 1000})
		}
	}
	subtitle := fmt.Sprintf("POST /api/chat/message/, %d members, %d messages per point", opts.members, opts.scaleMsgs)
	if err := writeChart(opts.charts, "send-scaling-rate.svg", chart.Lines{
		Title: "Persisted messages per second by senders in flight", Subtitle: subtitle,
		XLabel: "senders in flight", YLabel: "persisted messages / s", XScale: chart.Log, Series: rates,
	}); err != nil {
		return err
	}
	return writeChart(opts.charts, "send-scaling-p99.svg", chart.Lines{
		Title: "Acknowledgement p99 by senders in flight", Subtitle: subtitle,
		XLabel: "senders in flight", YLabel: "ack p99 (ms)", XScale: chart.Log, Series: tails,
	})
}

// sendCharts writes send-latency.svg: the acknowledgement latency
// distribution of every path measured.
func sendCharts(opts sendOptions, results []*sendResult) error {
	series := make([]chart.Series, len(results))
	for i, r := range results {
		series[i] = chart.Series{Name: r.path.label + ", " + commitLabel(r.path.groupCommit), Values: millis(r.latencies)}
	}
	return writeChart(opts.charts, "send-latency.svg", chart.CDF{
		Title:    "Chat message acknowledgement latency: group commit vs one transaction per message",
		Subtitle: fmt.Sprintf("%d members, %d senders in flight, %d messages per path", opts.members, opts.concurrency, opts.messages),
		XLabel:   "acknowledgement latency",
		Unit:     "ms",
		Series:   series,
	})
}

func findSendPath(name string) (sendPath, bool) {
	for _, p := range sendPaths {
		if p.name == name {
			return p, true
		}
	}
	return sendPath{}, false
}

func commitLabel(group bool) string {
	if group {
		return "group commit"
	}
	return "one transaction per message"
}

// sendSetup is the seeded data: a token per member, the shared room (REST
// and record API) and a room per member (WebSocket).
type sendSetup struct {
	tokens      []string
	memberIds   []string
	room        string
	memberRooms []string
}

func prepareSendSetup(app core.App, opts sendOptions) (*sendSetup, error) {
	users := []*core.Record{}
	if err := app.RecordQuery("users").OrderBy("created ASC", "id ASC").Limit(int64(opts.members)).All(&users); err != nil {
		return nil, err
	}
	if len(users) < opts.members {
		return nil, fmt.Errorf("need %d members, have %d", opts.members, len(users))
	}
	s := &sendSetup{}
	for _, u := range users {
		token, err := u.NewStaticAuthToken(2 * time.Hour)
		if err != nil {
			return nil, err
		}
		s.tokens = append(s.tokens, token)
		s.memberIds = append(s.memberIds, u.Id)
	}
	if err := app.DB().Select("id").From("rooms").Where(dbx.NewExp("post != ''")).
		OrderBy("created ASC").Limit(1).Row(&s.room); err != nil {
		return nil, fmt.Errorf("a post's room: %w", err)
	}
	rooms, err := app.FindCachedCollectionByNameOrId("rooms")
	if err != nil {
		return nil, err
	}
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range users {
			r := core.NewRecord(rooms)
			r.Set("name", fmt.Sprintf("bench send %d", i))
			r.Set("owner", users[i].Id)
			if err := tx.Save(r); err != nil {
				return err
			}
			s.memberRooms = append(s.memberRooms, r.Id)
		}
		return nil
	})
	return s, err
}

// sendSession is one phase's server and clients.
type sendSession struct {
	baseURL string
	setup   *sendSetup
	client  *http.Client
	sockets []*benchSocket // ws: one per member, by member index
	next    atomic.Int64   // the next member to send
}

// member is the member whose turn it is.
func (s *sendSession) member() int {
	return int((s.next.Add(1) - 1) % int64(len(s.setup.tokens)))
}

func runSendPhase(dataDir string, setup *sendSetup, opts sendOptions, p sendPath) (*sendResult, error) {
	metricsAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	env := []string{metrics.EnvAddr + "=" + metricsAddr} // the batch sizes, read from the server itself
	if !p.groupCommit {
		env = append(env, chat.EnvGroupCommit+"=off")
	}
	server, err := startServerBinary(opts.server, dataDir, env...)
	if err != nil {
		return nil, err
	}
	defer server.Stop()
	s := &sendSession{
		baseURL: server.URL,
		setup:   setup,
		client:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: opts.concurrency * 2, DisableCompression: true}, Timeout: time.Minute},
	}
	if p.name == "ws" {
		if err := s.openSockets(); err != nil {
			return nil, err
		}
		defer s.closeSockets()
	}
	settle(context.Background())
	metricsURL := "http://" + metricsAddr + metrics.Path
	// (a server without the histogram — an older build — reports no batches)
	batchesBefore, batchErr := scrapeHistogram(metricsURL, "cobra_commit_batch_size")
	cpuBefore, err := server.CPUTime()
	if err != nil {
		return nil, err
	}
	r := measureSends(s, opts, p)
	cpuAfter, err := server.CPUTime()
	if err != nil {
		return nil, err
	}
	batchesAfter, err := scrapeHistogram(metricsURL, "cobra_commit_batch_size")
	if batchErr != nil || err != nil {
		fmt.Fprintf(progressOut, "  no group-commit batch sizes from the server: %v\n", errors.Join(batchErr, err))
	} else if n := batchesAfter.count - batchesBefore.count; n > 0 {
		r.meanBatch = (batchesAfter.sum - batchesBefore.sum) / float64(n)
	}
	if r.firstError != nil && len(r.acked) == 0 {
		return nil, r.firstError
	}
	if n := len(r.acked); n > 0 {
		r.cpuPerMsg = (cpuAfter - cpuBefore) / time.Duration(n)
		r.perSecond = float64(n) / r.elapsed.Seconds()
	}
	sorted := sortedCopy(r.latencies)
	r.p50, r.p99 = quantile(sorted, 0.5), quantile(sorted, 0.99)
	return r, nil
}

// measureSends runs opts.concurrency senders until opts.messages were
// sent or opts.duration is up; each waits for its acknowledgement before
// its next send.
func measureSends(s *sendSession, opts sendOptions, p sendPath) *sendResult {
	ctx, cancel := context.WithTimeout(context.Background(), opts.duration)
	defer cancel()
	r := &sendResult{path: p}
	var mu sync.Mutex
	var launched atomic.Int64
	done := make(chan struct{})
	go reportSends(done, &mu, r, opts.messages)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range opts.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				seq := int(launched.Add(1))
				if seq > opts.messages {
					return
				}
				began := time.Now()
				id, err := p.send(ctx, s, w, seq)
				took := time.Since(began)
				mu.Lock()
				switch {
				case err == nil:
					r.acked = append(r.acked, id)
					r.latencies = append(r.latencies, took)
				case errors.Is(err, errRefused):
					r.refused++
				case ctx.Err() == nil && r.firstError == nil:
					r.firstError = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	close(done)
	return r
}

// reportSends prints progress every second until done.
func reportSends(done <-chan struct{}, mu *sync.Mutex, r *sendResult, total int) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			mu.Lock()
			fmt.Fprintf(progressOut, "  %d / %d acknowledged, %d refused\n", len(r.acked), total, r.refused)
			mu.Unlock()
		}
	}
}

// errRefused is a send the server refused (rate limit, busy, slow mode):
// counted, not an error of the bench.
var errRefused = errors.New("refused")

func sendREST(ctx context.Context, s *sendSession, _, seq int) (string, error) {
	m := s.member()
	body := map[string]string{"room": s.setup.room, "message": fmt.Sprintf("bench send %d", seq)}
	return postForId(ctx, s, "/api/chat/message/", s.setup.tokens[m], body, http.StatusCreated)
}

func sendRecord(ctx context.Context, s *sendSession, _, seq int) (string, error) {
	m := s.member()
	body := map[string]string{"room": s.setup.room, "message": fmt.Sprintf("bench send %d", seq), "sender": s.setup.memberIds[m]}
	return postForId(ctx, s, "/api/collections/messages/records", s.setup.tokens[m], body, http.StatusOK)
}

// postForId posts body and answers the stored message's id.
func postForId(ctx context.Context, s *sendSession, path, token string, body any, want int) (string, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.baseURL+path, bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	res, err := s.client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable:
		return "", errRefused
	case res.StatusCode != want:
		return "", fmt.Errorf("POST %s: %d %s", path, res.StatusCode, answer)
	}
	var stored struct {
		Id string `json:"id"`
	}
	if err := json.Unmarshal(answer, &stored); err != nil || stored.Id == "" {
		return "", fmt.Errorf("POST %s: no id in %s", path, answer)
	}
	return stored.Id, nil
}

// benchSocket is a member's room WebSocket: sends are serialized, and the
// frames that answer them (the member's own echo or an error frame) come
// back on answers.
type benchSocket struct {
	mu      sync.Mutex // one send in flight per member
	conn    *websocket.Conn
	answers chan wsAnswer
}

type wsAnswer struct {
	id, message string
	refused     string // an error frame's error_type
}

func (s *sendSession) openSockets() error {
	s.sockets = make([]*benchSocket, len(s.setup.tokens))
	base := "ws" + strings.TrimPrefix(s.baseURL, "http")
	var g errgroup.Group
	g.SetLimit(32)
	for i, token := range s.setup.tokens {
		g.Go(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, _, err := websocket.Dial(ctx, base+"/ws/chat/"+s.setup.memberRooms[i]+"/chat?token="+token, nil)
			if err != nil {
				return fmt.Errorf("member %d: %w", i, err)
			}
			sock := &benchSocket{conn: conn, answers: make(chan wsAnswer, 16)}
			go sock.read()
			s.sockets[i] = sock
			return nil
		})
	}
	return g.Wait()
}

func (s *sendSession) closeSockets() {
	for _, sock := range s.sockets {
		if sock != nil {
			_ = sock.conn.Close(websocket.StatusNormalClosure, "")
		}
	}
}

// read forwards the member's message echoes and error frames until the
// connection ends.
func (b *benchSocket) read() {
	for {
		_, data, err := b.conn.Read(context.Background())
		if err != nil {
			close(b.answers)
			return
		}
		var f struct {
			Type      string `json:"type"`
			Id        string `json:"id"`
			Message   string `json:"message"`
			ErrorType string `json:"error_type"`
		}
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		switch {
		case f.Type == chat.TypeMessage:
			b.answers <- wsAnswer{id: f.Id, message: f.Message}
		case f.ErrorType != "":
			b.answers <- wsAnswer{refused: f.ErrorType}
		}
	}
}

func sendWS(ctx context.Context, s *sendSession, _, seq int) (string, error) {
	sock := s.sockets[s.member()]
	sock.mu.Lock()
	defer sock.mu.Unlock()
	text := fmt.Sprintf("bench send %d", seq)
	frame, _ := json.Marshal(map[string]string{"type": chat.TypeMessage, "message": text})
	if err := sock.conn.Write(ctx, websocket.MessageText, frame); err != nil {
		return "", err
	}
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case a, ok := <-sock.answers:
			switch {
			case !ok:
				return "", fmt.Errorf("websocket closed")
			case a.refused != "":
				return "", errRefused
			case a.message == text:
				return a.id, nil
			}
		}
	}
}

// countLost is how many acknowledged ids the database does not hold.
func countLost(app core.App, ids []string) (int, error) {
	found := 0
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		values := make([]any, len(part))
		for i, id := range part {
			values[i] = id
		}
		var n int
		if err := app.DB().Select("COUNT(*)").From("messages").Where(dbx.In("id", values...)).Row(&n); err != nil {
			return 0, err
		}
		found += n
	}
	return len(ids) - found, nil
}

func printSendResults(cmd *cobra.Command, opts sendOptions, results []*sendResult) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\n%d members, %d senders in flight, %d messages per path (or %s)\n\n", opts.members, opts.concurrency, opts.messages, opts.duration)
	fmt.Fprintln(out, "| path | storing | acknowledged | refused | persisted / s | ack p50 | ack p99 | lost | server CPU / message | messages / transaction |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		batch := "1"
		switch {
		case r.path.groupCommit && r.meanBatch > 0:
			batch = fmt.Sprintf("%.1f", r.meanBatch)
		case r.path.groupCommit:
			batch = "—"
		}
		fmt.Fprintf(out, "| %s | %s | %d | %d | %.0f | %s | %s | %d | %s | %s |\n", r.path.label, commitLabel(r.path.groupCommit),
			len(r.acked), r.refused, r.perSecond, ms(r.p50), ms(r.p99), r.lost, ms(r.cpuPerMsg), batch)
	}
	for _, r := range results {
		if r.firstError != nil {
			fmt.Fprintf(out, "\n%s: stopped early: %v\n", r.path.name, r.firstError)
		}
	}
}

// histogramTotals are a Prometheus histogram's observation count and sum.
type histogramTotals struct {
	count uint64
	sum   float64
}

// scrapeHistogram reads one histogram from a metrics endpoint (the
// server's COBRA_METRICS_ADDR listener, no auth).
func scrapeHistogram(url, name string) (histogramTotals, error) {
	res, err := http.Get(url)
	if err != nil {
		return histogramTotals{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return histogramTotals{}, fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		return histogramTotals{}, err
	}
	f := families[name]
	if f == nil || len(f.GetMetric()) != 1 || f.GetMetric()[0].GetHistogram() == nil {
		return histogramTotals{}, fmt.Errorf("%s: no histogram %s", url, name)
	}
	h := f.GetMetric()[0].GetHistogram()
	return histogramTotals{count: h.GetSampleCount(), sum: h.GetSampleSum()}, nil
}
