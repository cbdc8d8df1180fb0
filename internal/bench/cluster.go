package bench

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/cobraspace/cobraspace/internal/seed"
)

type clusterOptions struct {
	edges    int
	conns    int
	messages int
	rate     float64
	senders  int
	wait     time.Duration
}

// maxClusterEdges bounds --edges: every node is a process on this machine.
const maxClusterEdges = 16

func clusterCommand(app core.App) *cobra.Command {
	opts := clusterOptions{}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Live delivery to one busy room: one node alone vs a writer and --edges edges over NATS",
		Long: "Seeds --conns + --senders members and a post room, then runs two phases on the same data:\n" +
			"  one node  this binary's serve alone (a child process on loopback) holds --conns room\n" +
			"            WebSockets (/ws/chat/<room>/chat/) and takes the sends;\n" +
			"  cluster   serve as the writer (--nats-cluster, --node-name writer) and --edges edge processes\n" +
			"            routed to it (cobraspace edge); the same WebSockets spread round-robin over the\n" +
			"            edges, the same sends to the writer.\n" +
			"Each phase sends --messages at --rate through POST /api/chat/message/ (rotating --senders) and\n" +
			"reports deliveries, losses, duplicates, delivery latency (send to frame) p50/p99 and each node's\n" +
			"CPU time (user+system, from /proc) while sending and delivering. Every node shares this machine.",
		Example: "  cobraspace --dir /tmp/cobra-bench-cluster bench cluster --edges 2 --conns 4000 --messages 100 --rate 20\n" +
			"  (progress on stderr, the tables on stdout)",
		RunE: func(cmd *cobra.Command, args []string) error {
			publicDir := "pb_public"
			if f := cmd.Flag("publicDir"); f != nil { // the root command's, in the cobraspace binary
				publicDir = f.Value.String()
			}
			return runClusterBench(cmd, app, opts, publicDir)
		},
	}
	cmd.Flags().IntVar(&opts.edges, "edges", 2, "edge processes in the cluster phase")
	cmd.Flags().IntVar(&opts.conns, "conns", 2000, "room WebSockets to the busy room (spread over the edges in the cluster phase)")
	cmd.Flags().IntVar(&opts.messages, "messages", 100, "messages sent to the busy room in each phase")
	cmd.Flags().Float64Var(&opts.rate, "rate", 20, "messages per second")
	cmd.Flags().IntVar(&opts.senders, "senders", 20, "members taking turns to send (each may send 5 per second)")
	cmd.Flags().DurationVar(&opts.wait, "wait", 60*time.Second, "how long to wait, after the last send, for deliveries still due")
	return cmd
}

func (o clusterOptions) validate() error {
	switch {
	case o.edges < 1 || o.edges > maxClusterEdges:
		return fmt.Errorf("--edges %d: from 1 to %d", o.edges, maxClusterEdges)
	case o.conns < o.edges:
		return fmt.Errorf("--conns %d: at least one per edge (--edges %d)", o.conns, o.edges)
	case o.conns > maxChatConnections:
		return fmt.Errorf("--conns %d: at most %d (loopback ephemeral ports)", o.conns, maxChatConnections)
	case o.messages < 1:
		return fmt.Errorf("--messages %d: at least 1", o.messages)
	case o.senders < 1:
		return fmt.Errorf("--senders %d: at least 1", o.senders)
	case !(o.rate > 0):
		return fmt.Errorf("--rate %g: must be positive", o.rate)
	case o.rate > 5*float64(o.senders):
		return fmt.Errorf("--rate %g with --senders %d: each member may send 5 messages per second, so at most %d/s", o.rate, o.senders, 5*o.senders)
	case o.wait <= 0:
		return fmt.Errorf("--wait %s: must be positive", o.wait)
	}
	return nil
}

// commandLine is the command that reproduces the run, every flag spelt out.
func (o clusterOptions) commandLine(dataDir string) string {
	return fmt.Sprintf("cobraspace --dir %s bench cluster --edges %d --conns %d --messages %d --rate %g --senders %d --wait %s",
		dataDir, o.edges, o.conns, o.messages, o.rate, o.senders, o.wait)
}

// clusterNode is one process of a phase and what it did.
type clusterNode struct {
	name  string // "server", "writer", "edge1", ...
	proc  *serverProcess
	conns int           // room WebSockets it held
	cpu   time.Duration // CPU time used while the messages were sent and delivered
}

// clusterResult is what one phase measured.
type clusterResult struct {
	chatResult
	label string
	nodes []*clusterNode
}

// cpu is the CPU time of every node together.
func (r *clusterResult) cpu() time.Duration {
	var total time.Duration
	for _, n := range r.nodes {
		total += n.cpu
	}
	return total
}

func runClusterBench(cmd *cobra.Command, app core.App, opts clusterOptions, publicDir string) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if err := raiseFileLimit(opts.conns); err != nil {
		return err
	}
	publicDir, err := filepath.Abs(publicDir)
	if err != nil {
		return err
	}
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	members := opts.conns + opts.senders
	summary, err := seed.Run(app, seed.Options{Users: members, Posts: 1, Password: seed.DefaultOptions.Password, Progress: progressOut})
	if err != nil {
		return err
	}
	fmt.Fprintln(progressOut, summary)
	setup, err := prepareChatSetup(app, chatOptions{}, members)
	if err != nil {
		return err
	}

	fmt.Fprintf(progressOut, "\n== one node ==\n")
	single, err := runSingleNodePhase(app.DataDir(), setup, opts)
	if err != nil {
		return fmt.Errorf("one node: %w", err)
	}
	fmt.Fprintf(progressOut, "\n== cluster: writer + %d edges ==\n", opts.edges)
	clustered, err := runClusterPhase(app.DataDir(), publicDir, setup, opts)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	printClusterResults(cmd, app.DataDir(), opts, []*clusterResult{single, clustered})
	return nil
}

// runSingleNodePhase: serve alone holds the sockets and takes the sends.
func runSingleNodePhase(dataDir string, setup *chatSetup, opts clusterOptions) (*clusterResult, error) {
	server, err := startServerProcess(dataDir)
	if err != nil {
		return nil, err
	}
	defer server.Stop()
	node := &clusterNode{name: "server", proc: server}
	return measureClusterPhase("one node", []*clusterNode{node}, []*clusterNode{node}, setup, opts)
}

// runClusterPhase starts a writer and opts.edges edges routed to it,
// spreads the sockets over the edges and sends to the writer. Every
// process it started is stopped when it returns, error or not.
func runClusterPhase(dataDir, publicDir string, setup *chatSetup, opts clusterOptions) (*clusterResult, error) {
	var nodes []*clusterNode
	defer func() {
		for _, n := range nodes {
			n.proc.Stop()
		}
	}()
	writerNATS, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	writer, err := startServe("", dataDir, []string{"--nats-cluster", writerNATS, "--node-name", "writer"})
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	nodes = append(nodes, &clusterNode{name: "writer", proc: writer})
	fmt.Fprintf(progressOut, "writer at %s, NATS routes on %s\n", writer.URL, writerNATS)
	for i := 1; i <= opts.edges; i++ {
		name := fmt.Sprintf("edge%d", i)
		p, err := startEdge(name, writer.URL, writerNATS, publicDir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		nodes = append(nodes, &clusterNode{name: name, proc: p})
		fmt.Fprintf(progressOut, "%s at %s, reaching the writer over NATS\n", name, p.URL)
	}
	return measureClusterPhase(fmt.Sprintf("cluster: writer + %d edges", opts.edges), nodes, nodes[1:], setup, opts)
}

// startEdge runs `<this binary> edge` on free loopback ports, routed to
// the writer's NATS, and waits until its /api/health answers 200: it
// reaches the writer over NATS.
func startEdge(name, writerURL, writerNATS, publicDir string) (*serverProcess, error) {
	httpAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	natsAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"edge", "--writer", writerURL, "--http", httpAddr, "--nats-cluster", natsAddr,
		"--nats-routes", "nats://" + writerNATS, "--node-name", name, "--publicDir", publicDir}
	return startChild("", args, "http://"+httpAddr)
}

// measureClusterPhase opens opts.conns room WebSockets to the busy room,
// round-robin over holders, sends opts.messages to nodes[0] and waits for
// their deliveries, reading every node's CPU time around the sending.
func measureClusterPhase(label string, nodes, holders []*clusterNode, setup *chatSetup, opts clusterOptions) (*clusterResult, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}, Timeout: time.Minute}

	listeners := newRoomListeners(opts.conns, opts.messages)
	start := time.Now()
	conns, err := openConns(opts.conns, fmt.Sprintf("room WebSockets (%s)", label), func(i int) (chatConn, error) {
		node := holders[i%len(holders)]
		return dialRoomSocket(ctx, node.proc.URL, setup.tokens[i], setup.hotRoom, listeners.onFrame(i))
	})
	if err != nil {
		return nil, err
	}
	defer closeConns(conns)
	connectSeconds := time.Since(start).Seconds()
	for i := range opts.conns {
		holders[i%len(holders)].conns++
	}
	settle(ctx) // the edges' room subscriptions reach the writer over the routes

	procs := make([]*serverProcess, len(nodes))
	for i, n := range nodes {
		procs[i] = n.proc
	}
	senders := setup.tokens[opts.conns : opts.conns+opts.senders]
	expected := int64(opts.conns) * int64(opts.messages)
	fmt.Fprintf(progressOut, "sending %d messages at %g/s to %s\n", opts.messages, opts.rate, nodes[0].name)
	cpu, err := cpuDuring(procs, func() error {
		if err := sendBenchMessages(client, nodes[0].proc.URL, setup.hotRoom, senders, chatOptions{messages: opts.messages, rate: opts.rate}); err != nil {
			return err
		}
		listeners.await(expected, opts.wait)
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := &clusterResult{label: label, nodes: nodes}
	r.expected, r.connectSeconds = expected, connectSeconds
	listeners.fill(&r.chatResult)
	for i, n := range nodes {
		n.cpu = cpu[i]
	}
	fmt.Fprintf(progressOut, "%d / %d delivered\n", r.delivered, r.expected)
	return r, nil
}

// seconds formats a CPU time.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func printClusterResults(cmd *cobra.Command, dataDir string, opts clusterOptions, results []*clusterResult) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\n%d room WebSockets in one room, %d messages at %g/s through POST /api/chat/message/ (%d senders); "+
		"cluster: the sockets round-robin over %d edges, the sends to the writer; every node on this machine\n\n",
		opts.conns, opts.messages, opts.rate, opts.senders, opts.edges)
	fmt.Fprintf(out, "command: `%s`\n\n", opts.commandLine(dataDir))
	fmt.Fprintln(out, "| setup | conns | messages | delivered | lost | dup | latency p50 | latency p99 | CPU per node | CPU, all nodes | sockets opened in |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
	for _, r := range results {
		perNode := make([]string, len(r.nodes))
		for i, n := range r.nodes {
			perNode[i] = n.name + " " + seconds(n.cpu)
		}
		fmt.Fprintf(out, "| %s | %d | %d | %d | %d | %d | %s | %s | %s | %s | %.1f s |\n", r.label, opts.conns, opts.messages,
			r.delivered, r.expected-r.delivered, r.duplicates, ms(r.p50), ms(r.p99), strings.Join(perNode, ", "), seconds(r.cpu()), r.connectSeconds)
	}

	fmt.Fprintln(out, "\nCPU: each node's user+system time from just before the first send until the last delivery (or --wait); "+
		"sockets opened in: the time to open every room WebSocket, 32 at a time, before the sends")
	fmt.Fprintln(out, "\nper node; CPU / delivered message is the node's CPU over all the phase's deliveries (the nodes' figures add up)")
	fmt.Fprintln(out, "\n| setup | node | room WebSockets held | CPU | CPU / delivered message |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|")
	for _, r := range results {
		for _, n := range r.nodes {
			perDelivery := "—"
			if r.delivered > 0 {
				perDelivery = us(n.cpu / time.Duration(r.delivered))
			}
			fmt.Fprintf(out, "| %s | %s | %d | %s | %s |\n", r.label, n.name, n.conns, seconds(n.cpu), perDelivery)
		}
	}
	for _, r := range results {
		if lost := r.expected - r.delivered; lost != 0 || r.duplicates != 0 {
			fmt.Fprintf(out, "\n%s: %d deliveries lost, %d duplicates (want 0 and 0)\n", r.label, lost, r.duplicates)
		}
	}
}
