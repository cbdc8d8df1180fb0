package search_test

import (
	"strings"
	"testing"

	"github.com/cobraspace/cobraspace/internal/chat/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Every query is driven by the FTS5 table in its own (newest first) order:
// documents and rooms are probed by key, nothing is scanned or sorted, so
// a page costs about its hits, whatever the size of the history.
func TestSearchUsesIndexes(t *testing.T) {
	app := testutil.NewApp(t)
	r := makeRooms(t, app)
	for range 30 {
		send(t, app, r.post, testutil.BobId, "채팅 서버 benchmark")
	}
	for _, q := range []search.Query{
		{Text: "채"}, {Text: "채팅"}, {Text: "Go"}, {Text: "benchmark"}, {Text: "채팅 서버"},
		{Text: "채팅", Room: r.post}, {Text: "benchmark", Room: r.dmAliceBob},
	} {
		q.Viewer, q.Limit, q.Offset = testutil.AliceId, 20, 40
		page, count, err := search.Plan(app, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, plan := range [][]string{page, count} {
			joined := strings.Join(plan, "\n")
			// the first loop is the FTS5 table (after the one row of
			// ?room='s room, if any)
			for _, line := range plan {
				if strings.HasPrefix(line, "SCAN") && !strings.HasPrefix(line, "SCAN je ") {
					if !strings.HasPrefix(line, "SCAN f VIRTUAL TABLE INDEX") {
						t.Errorf("%+v: the plan does not start with the FTS5 table:\n%s", q, joined)
					}
					break
				}
			}
			for _, line := range plan {
				if (strings.HasPrefix(line, "SCAN") && !strings.Contains(line, "VIRTUAL TABLE") && !strings.HasPrefix(line, "SCAN (subquery")) ||
					strings.Contains(line, "TEMP B-TREE") {
					t.Errorf("%+v: %q\n%s", q, line, joined)
				}
			}
			t.Logf("%+v\n%s", q, joined)
		}
	}
}
