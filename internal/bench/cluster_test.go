package bench

import (
	"io"
	"regexp"
	"strings"
	"testing"
)

// A tiny `bench cluster` through the real command: serve alone, then a
// writer and two edges (this test binary as each process, see TestMain),
// every message delivered once to every room WebSocket in both phases,
// the table with both rows and the CPU of every node. Bounded by its
// counts; not timed.
func TestClusterCommand(t *testing.T) {
	t.Setenv(serveEnv, "1")
	app, progress := benchApp(t)
	shortSettle(t)

	table := runBench(t, app, progress, "cluster", "--edges", "2", "--conns", "20", "--messages", "10", "--rate", "20", "--senders", "4", "--wait", "30s")
	t.Log(table)

	row := regexp.MustCompile(`(?m)^\| (one node|cluster: writer \+ 2 edges) \| (\d+) \| (\d+) \| (\d+) \| (-?\d+) \| (\d+) \| [\d.]+ ms \| [\d.]+ ms \| ([^|]+) \| [\d.]+ s \| [\d.]+ s \|$`)
	rows := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		rows[m[1]] = true
		if m[2] != "20" || m[3] != "10" || m[4] != "200" || m[5] != "0" || m[6] != "0" {
			t.Errorf("%s: conns %s, messages %s, delivered %s, lost %s, dup %s; want 20, 10, 200 (conns x messages), 0, 0",
				m[1], m[2], m[3], m[4], m[5], m[6])
		}
		nodes := strings.Count(m[7], " s")
		if want := map[string]int{"one node": 1, "cluster: writer + 2 edges": 3}[m[1]]; nodes != want {
			t.Errorf("%s: CPU of %d nodes (%q), want %d", m[1], nodes, m[7], want)
		}
	}
	for _, want := range []string{"one node", "cluster: writer + 2 edges"} {
		if !rows[want] {
			t.Errorf("no row %q in:\n%s", want, table)
		}
	}
	// the per-node table: the edges held the sockets, 10 each
	for _, want := range []string{
		"| one node | server | 20 |",
		"| cluster: writer + 2 edges | writer | 0 |",
		"| cluster: writer + 2 edges | edge1 | 10 |",
		"| cluster: writer + 2 edges | edge2 | 10 |",
		"bench cluster --edges 2 --conns 20 --messages 10 --rate 20 --senders 4 --wait 30s`",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("stdout lacks %q:\n%s", want, table)
		}
	}
	for _, want := range []string{"== one node ==", "== cluster: writer + 2 edges ==", "edge2 at http://127.0.0.1:", "room WebSockets (cluster: writer + 2 edges) 100%"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}

// Flags out of range are refused, with the flag named, before anything
// is seeded or started.
func TestClusterCommandFlags(t *testing.T) {
	app, _ := benchApp(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--edges", "0"}, "--edges 0"},
		{[]string{"--edges", "3", "--conns", "2"}, "at least one per edge"},
		{[]string{"--conns", "30000"}, "--conns 30000: at most 25000"},
		{[]string{"--messages", "0"}, "--messages 0"},
		{[]string{"--rate", "0"}, "--rate 0"},
		{[]string{"--rate", "30", "--senders", "2"}, "at most 10/s"},
		{[]string{"--senders", "0"}, "--senders 0"},
		{[]string{"--wait", "0s"}, "--wait 0s"},
	} {
		cmd := Command(app)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SetArgs(append([]string{"cluster"}, c.args...))
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want one saying %q", c.args, err, c.want)
		}
	}
}
