package bench

import (
	"regexp"
	"strconv"
	"testing"
)

// A tiny `bench send` through the real command: every path, each on a
// server process of its own, stores every message it acknowledged (lost 0,
// as counted in the database afterwards), refuses none, reads the group
// commit's batches from the server's own metrics, and writes the latency
// chart. Bounded by its counts; not timed.
func TestSendCommand(t *testing.T) {
	t.Setenv(serveEnv, "1")
	app, progress := benchApp(t)
	shortSettle(t)
	charts := t.TempDir()

	table := runBench(t, app, progress, "send", "--members", "12", "--concurrency", "4", "--messages", "30", "--charts", charts,
		"--scale", "1,2", "--scale-messages", "10")

	rows := map[string]bool{}
	row := regexp.MustCompile(`(?m)^\| ([^|]+) \| ([^|]+) \| (\d+) \| (\d+) \| \d+ \| [\d.]+ ms \| [\d.]+ ms \| (\d+) \| [\d.]+ ms \| ([\d.]+) \|$`)
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		name := m[1] + ", " + m[2]
		rows[name] = true
		if m[3] != "30" || m[4] != "0" || m[5] != "0" {
			t.Errorf("%s: acknowledged %s, refused %s, lost %s; want 30, 0, 0", name, m[3], m[4], m[5])
		}
		if batch, _ := strconv.ParseFloat(m[6], 64); batch < 1 {
			t.Errorf("%s: %s messages per transaction", name, m[6])
		}
	}
	for _, want := range []string{
		"POST /api/chat/message/, group commit",
		"room WebSocket chat.message frame, group commit",
		"record API create (JS SDK), group commit",
		"record API create (JS SDK), one transaction per message",
		"POST /api/chat/message/, one transaction per message",
	} {
		if !rows[want] {
			t.Errorf("no row %q in:\n%s", want, table)
		}
	}

	expectSVG(t, charts, "send-latency.svg", "group commit", "one transaction per message")

	// the scaling run: both ways of storing at each concurrency, every
	// message acknowledged and kept
	scaled := regexp.MustCompile(`(?m)^\| (\d+) \| ([^|]+) \| \d+ \| [\d.]+ ms \| [\d.]+ ms \| (\d+) \| [\d.]+ \|$`).FindAllStringSubmatch(table, -1)
	if len(scaled) != 4 {
		t.Errorf("%d scaling rows, want 4 (2 concurrencies x 2 ways):\n%s", len(scaled), table)
	}
	for _, m := range scaled {
		if m[3] != "0" {
			t.Errorf("scaling at %s, %s: %s lost", m[1], m[2], m[3])
		}
	}
	expectSVG(t, charts, "send-scaling-rate.svg", "group commit", "one transaction per message")
	expectSVG(t, charts, "send-scaling-p99.svg", "group commit")
}
