package migrations_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// chatSearchMigration is the app migration that creates the chat search
// index.
func chatSearchMigration(t testing.TB) *core.Migration {
	t.Helper()
	for _, m := range core.AppMigrations.Items() {
		if filepath.Base(m.File) == "1764000007_chat_search.go" {
			return m
		}
	}
	t.Fatal("no 1764000007_chat_search.go migration")
	return nil
}

// chatSearchRows is everything the chat search index holds, as sorted
// lines, with each document id replaced by its message id (the hooks leave
// gaps where messages were deleted, the backfill does not), plus the
// messages in document id order (newest first).
func chatSearchRows(t testing.TB, app core.App) []string {
	t.Helper()
	messageOf := map[int64]string{}
	var docs []struct {
		Id      int64  `db:"id"`
		Message string `db:"message"`
		Room    string `db:"room"`
	}
	if err := app.DB().NewQuery("SELECT id, message, room FROM chat_search_docs ORDER BY id").All(&docs); err != nil {
		t.Fatal(err)
	}
	order := []string{}
	rows := []string{}
	for _, d := range docs {
		messageOf[d.Id] = d.Message
		order = append(order, d.Message)
		rows = append(rows, "doc "+d.Message+" "+d.Room)
	}
	for _, vocab := range []string{"chat_search_text", "chat_search_grams"} {
		if _, err := app.DB().NewQuery("CREATE VIRTUAL TABLE " + vocab + "_vocab USING fts5vocab(" + vocab + ", instance)").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	read := func(label, query string) {
		t.Helper()
		var tokens []struct {
			Term   string `db:"term"`
			Doc    int64  `db:"doc"`
			Offset *int64 `db:"offset"`
		}
		if err := app.DB().NewQuery(query).All(&tokens); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		for _, tok := range tokens {
			message, ok := messageOf[tok.Doc]
			if !ok {
				t.Errorf("%s token %q of document %d, which has no row", label, tok.Term, tok.Doc)
			}
			offset := "-"
			if tok.Offset != nil {
				offset = fmt.Sprint(*tok.Offset)
			}
			rows = append(rows, fmt.Sprintf("%s %q %s %s", label, tok.Term, message, offset))
		}
	}
	read("text", "SELECT term, doc, offset FROM chat_search_text_vocab")
	read("gram", "SELECT term, doc, NULL AS offset FROM chat_search_grams_vocab")
	for _, vocab := range []string{"chat_search_text", "chat_search_grams"} {
		if _, err := app.DB().NewQuery("DROP TABLE " + vocab + "_vocab").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(rows)
	return append(rows, "order "+strings.Join(order, " "))
}

// The migration's frozen backfill writes, for messages that existed before
// the index, what internal/chat/search's hooks write as messages are sent,
// edited and deleted: the same documents (rooms, trigrams with their
// offsets, grams) in the same order, none for a deleted message.
func TestChatSearchBackfillMatchesHooks(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatal(err)
	}
	other := testutil.MustSave(t, app, "rooms", map[string]any{"name": "bob's", "owner": testutil.BobId})
	var sent []*core.Record
	for i, text := range []string{
		"PocketBase 서버 만들기 ÄBC", "ΟΔΟΣ İstanbul Привет МИР", "🚀 ǅemal \u212Aelvin café cafe\u0301 100% a_b",
		"x", "채팅", "\"quoted\" NEAR(a b) OR *", "지울 메시지", "영구 삭제", "edited 전",
	} {
		roomId := room.Id
		if i%3 == 2 {
			roomId = other.Id
		}
		sent = append(sent, testutil.MustSave(t, app, "messages", map[string]any{"room": roomId, "sender": testutil.BobId, "message": text}))
	}
	// an edit, a soft delete, a hard delete
	sent[8].Set("message", "EDITED 후 Straße")
	if err := app.Save(sent[8]); err != nil {
		t.Fatal(err)
	}
	sent[6].Set("message", "")
	sent[6].Set("deleted_at", time.Now())
	if err := app.Save(sent[6]); err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(sent[7]); err != nil {
		t.Fatal(err)
	}

	byHooks := chatSearchRows(t, app)
	if n := testutil.Count(t, app, "chat_search_docs", nil); n != len(sent)-2+1 {
		t.Fatalf("the hooks wrote %d documents, want %d", n, len(sent)-2+1)
	}

	m := chatSearchMigration(t)
	if err := m.Down(app); err != nil {
		t.Fatalf("down: %v", err)
	}
	if app.HasTable("chat_search_docs") || app.HasTable("chat_search_text") || app.HasTable("chat_search_grams") {
		t.Fatal("chat search tables survive the migration's down")
	}
	if err := m.Up(app); err != nil {
		t.Fatalf("up: %v", err)
	}
	byMigration := chatSearchRows(t, app)
	if !slices.Equal(byMigration, byHooks) {
		t.Errorf("the backfill's index differs from the hooks':\nonly backfill:\n%s\nonly hooks:\n%s",
			strings.Join(without(byMigration, byHooks), "\n"), strings.Join(without(byHooks, byMigration), "\n"))
	}
	var ids []int64
	if err := app.DB().NewQuery("SELECT id FROM chat_search_docs ORDER BY id DESC").Column(&ids); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if id != int64(-1-i) {
			t.Fatalf("backfill ids %v, want -1, -2, ...", ids)
		}
	}
}
