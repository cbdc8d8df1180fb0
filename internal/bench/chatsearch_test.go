package bench

import (
	"strings"
	"testing"
	"time"
)

// A tiny `bench chatsearch` through the real command, on a scratch data
// dir: it seeds members, posts, the private and DM rooms and the messages,
// builds the index (progress on progressOut), times every query class on
// both sides and prints the table on stdout; a second run reuses the data.
func TestChatSearchCommand(t *testing.T) {
	app, progress := benchApp(t)

	start := time.Now()
	charts := t.TempDir()
	table := runBench(t, app, progress, "chatsearch", "--messages", "3000", "--posts", "5", "--requests", "2", "--charts", charts)
	t.Logf("bench chatsearch took %v", time.Since(start))
	t.Log(table)
	for _, want := range []string{"messages: 3000 in 35 rooms (20 readable by the member)", "| query | class | matches | ours p50 | ours p99 | stock p50 | stock p99 | stock/ours (p50) |"} {
		if !strings.Contains(table, want) {
			t.Errorf("stdout lacks %q:\n%s", want, table)
		}
	}
	for _, c := range chatSearchCases {
		if !strings.Contains(table, "| `"+c.Query+"` | "+c.Class+" | ") {
			t.Errorf("stdout lacks the row of %q:\n%s", c.Query, table)
		}
	}
	for _, want := range []string{"members: 50", "messages", "search index", `timing "zephyr"`} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	expectSVG(t, charts, "chatsearch-3k-latency.svg", "Chat history search latency", "ours: GET /api/chat/search/?q=: p50 ", "stock: message~ filter: p50 ", "n=16")
	expectSVG(t, charts, "chatsearch-3k-p50.svg", "데이터베이스", "zephyr")
	// seeding again on the same dir adds nothing and keeps the index
	progress.Reset()
	_, rooms, err := chatSearchRooms(app)
	if err != nil || len(rooms.all) != 35 {
		t.Fatalf("rooms again: %d %v", len(rooms.all), err)
	}
	if err := seedChatMessages(app, rooms, 3000); err != nil {
		t.Fatal(err)
	}
	if n, _ := app.CountRecords("messages"); n != 3000 {
		t.Errorf("%d messages after seeding again", n)
	}
	if strings.Contains(progress.String(), "search index") {
		t.Errorf("seeding again rebuilt the index:\n%s", progress.String())
	}
}
