package bench

import (
	"strings"
	"testing"
)

// A tiny `bench unread` through the real command, on a scratch data dir:
// it seeds a member following 20 rooms of every kind over 300 messages
// (25 members with 3 friends each),
// times the route on a server process (every answer checked against the
// stored counts inside the command), prints the table on stdout and its
// progress on progressOut; a second run on the same data dir reuses the
// data (no new messages).
func TestUnreadCommand(t *testing.T) {
	t.Setenv(serveEnv, "1")
	app, progress := benchApp(t)

	charts := t.TempDir()
	run := func() string {
		return runBench(t, app, progress, "unread", "--rooms", "20", "--messages", "300", "--requests", "10", "--members", "25", "--friends", "3", "--charts", charts)
	}
	table := run()
	expectSVG(t, charts, "unread-300-latency.svg", "Unread counts latency", "GET /api/chat/unread/ (20 rooms, ", "n=10")
	for _, want := range []string{
		"one member following 20 rooms (15 post rooms, 4 friends' rooms, 1 DMs) holding 300 messages; ",
		"| `GET /api/chat/unread/` | 20 rooms, ",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("stdout lacks %q:\n%s", want, table)
		}
	}
	if !strings.Contains(progress.String(), "messages 100%") || !strings.Contains(progress.String(), "GET /api/chat/unread/ 100%") {
		t.Errorf("progress:\n%s", progress.String())
	}
	if n, err := app.CountRecords("messages"); err != nil || n != 300 {
		t.Errorf("%d messages stored (%v), want 300", n, err)
	}
	progress.Reset()
	again := run()
	if !strings.Contains(again, "holding 300 messages") || strings.Contains(progress.String(), "messages 100%") {
		t.Errorf("second run seeded again:\n%s\nprogress:\n%s", again, progress.String())
	}
}
