package bench

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase"

	"github.com/cobraspace/cobraspace/internal/cluster"
	"github.com/cobraspace/cobraspace/internal/cobraspace"
	"github.com/cobraspace/cobraspace/internal/edge"
)

// serveEnv makes this test binary a Cobra Space server: `bench chat` runs
// its server as a child process of os.Executable(), which in a test is the
// test binary, called with `serve --dir <dir> --http <addr>` (`bench
// cluster` also with the cluster flags, and `edge ...`).
const serveEnv = "COBRASPACE_BENCH_TEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" && len(os.Args) > 1 && os.Args[1] == edge.CommandName {
		// `bench cluster`'s edges, as main runs them (no data dir)
		cmd := edge.Command()
		cmd.SetArgs(os.Args[2:])
		if err := cmd.Execute(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(serveEnv) == "1" {
		app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: "pb_data"})
		cobraspace.Bind(app)
		// with --nats-cluster, the writer of `bench cluster`, as main wires it
		var clusterOpts cluster.Options
		cluster.AddFlags(app.RootCmd.PersistentFlags(), &clusterOpts)
		cluster.RegisterWriter(app, &clusterOpts)
		collectOnSignal()
		if err := app.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A tiny `bench chat` through the real command, on a scratch data dir:
// it seeds, runs the three transports (stock subscription, room topic,
// room WebSocket) on a server process each, delivers every
// message to every listener, prints the table on stdout, and its progress
// (phase headings and bars naming their transport) reaches progressOut even
// though PocketBase discards cmd.PrintErr. Bounded by its counts: three
// phases of two messages, each with a few short settles. Not timed.
func TestChatCommand(t *testing.T) {
	t.Setenv(serveEnv, "1")
	app, progress := benchApp(t)
	shortSettle(t)

	start := time.Now()
	charts := t.TempDir()
	table := runBench(t, app, progress, "chat", "--listeners", "5", "--idle", "5", "--idle-rooms", "2",
		"--messages", "2", "--rate", "20", "--senders", "2", "--charts", charts)
	t.Logf("bench chat took %v", time.Since(start))

	for _, want := range []string{
		"5 listeners in one room, 5 idle connections over 2 other rooms, 2 messages at 20/s",
		"| stock collection subscription (`messages/*`, room filter) | 10 / 10 | 0 | 0 |",
		"| room topic (`chat/<room>`) | 10 / 10 | 0 | 0 |",
		"| room WebSocket (`/ws/chat/<room>/chat/`) | 10 / 10 | 0 | 0 |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("stdout lacks %q:\n%s", want, table)
		}
	}
	// each transport's CPU per delivery against the write syscall floor
	if !strings.Contains(table, "against the floor — one write syscall of a ") {
		t.Errorf("stdout lacks the floor:\n%s", table)
	}
	if floorRows := regexp.MustCompile(`(?m)^\| .+ \| [\d.]+ µs \| [\d.]+ µs \| [\d.]+x \|$`).FindAllString(table, -1); len(floorRows) != 3 {
		t.Errorf("%d floor rows, want one per transport:\n%s", len(floorRows), table)
	}
	expectSVG(t, charts, "chat-5-latency.svg", "room WebSocket")
	expectSVG(t, charts, "chat-10-memory.svg", "room WebSocket")
	for _, want := range []string{
		"members: 12",
		"== stock subscription ==", "connections (stock subscription) 100%",
		"== room topic ==", "connections (room topic) 100%",
		"== room WebSocket ==", "connections (room WebSocket) 100%",
	} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}

// --transports runs only the transports named, in the command's order; an
// unknown one is refused before anything is seeded.
func TestChatCommandTransports(t *testing.T) {
	t.Setenv(serveEnv, "1")
	app, progress := benchApp(t)
	shortSettle(t)

	table := runBench(t, app, progress, "chat", "--listeners", "3", "--idle", "2", "--idle-rooms", "1",
		"--messages", "1", "--rate", "20", "--senders", "1", "--transports", "ws")
	if want := "| room WebSocket (`/ws/chat/<room>/chat/`) | 3 / 3 | 0 | 0 |"; !strings.Contains(table, want) {
		t.Errorf("stdout lacks %q:\n%s", want, table)
	}
	for _, unwanted := range []string{"stock collection subscription", "room topic"} {
		if strings.Contains(table, unwanted) {
			t.Errorf("stdout has %q, a transport not asked for:\n%s", unwanted, table)
		}
	}

	cmd := Command(app)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"chat", "--transports", "stock,carrier-pigeon"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), `unknown transport "carrier-pigeon"`) {
		t.Errorf("an unknown transport: err = %v", err)
	}
}

// shortSettle makes the command's settles short for a test (what they
// settle is not measured here).
func shortSettle(t *testing.T) {
	saved := settleTime
	settleTime = 200 * time.Millisecond
	t.Cleanup(func() { settleTime = saved })
}
