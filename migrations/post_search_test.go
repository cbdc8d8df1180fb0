package migrations_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// postSearchMigration is the app migration that creates the search index.
func postSearchMigration(t testing.TB) *core.Migration {
	t.Helper()
	for _, m := range core.AppMigrations.Items() {
		if filepath.Base(m.File) == "1764000004_post_search.go" {
			return m
		}
	}
	t.Fatal("no 1764000004_post_search.go migration")
	return nil
}

// searchIndexRows is everything the search index holds, as sorted lines:
// its documents and tag rows, and every token of its FTS5 tables (read
// through fts5vocab: the tables are contentless).
func searchIndexRows(t testing.TB, app core.App) []string {
	t.Helper()
	var rows []string
	read := func(label, query string) {
		t.Helper()
		res, err := app.DB().NewQuery(query).Rows()
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		defer res.Close()
		cols, _ := res.Columns()
		for res.Next() {
			values := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range values {
				ptrs[i] = &values[i]
			}
			if err := res.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, label+fmt.Sprintf("%#v", values))
		}
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, vocab := range []string{"post_search_text", "post_search_grams"} {
		if _, err := app.DB().NewQuery("CREATE VIRTUAL TABLE " + vocab + "_vocab USING fts5vocab(" + vocab + ", instance)").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	read("doc", "SELECT id, post, category FROM post_search_docs")
	read("tag", "SELECT tag, doc FROM post_search_tags")
	read("text", "SELECT term, doc, col, offset FROM post_search_text_vocab")
	read("gram", "SELECT term, doc FROM post_search_grams_vocab")
	for _, vocab := range []string{"post_search_text", "post_search_grams"} {
		if _, err := app.DB().NewQuery("DROP TABLE " + vocab + "_vocab").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(rows)
	return rows
}

// The migration's frozen backfill writes, for posts that existed before
// the index, exactly the index that internal/posts/search's hooks write as
// posts are created and changed: same document ids, categories, tag rows,
// trigrams and grams.
func TestPostSearchBackfillMatchesHooks(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)

	category := testutil.MustSave(t, app, "categories", map[string]any{"name": "Ελληνικά Θέματα"})
	programming, err := app.FindFirstRecordByData("categories", "name", "Programming")
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, name := range []string{"Go", "채팅", "ΣΊΣΥΦΟΣ", "Straße"} {
		tags[name] = testutil.MustSave(t, app, "tags", map[string]any{"name": name}).Id
	}
	posts := []map[string]any{
		{"title": "PocketBase 서버 만들기", "content": "Go와 SQLite로 실시간 채팅을", "category": programming.Id,
			"tags": []string{tags["Go"], tags["채팅"], tags["Go"]}},
		{"title": "ΟΔΟΣ İstanbul", "content": "Привет МИР \x1f split", "category": category.Id,
			"tags": []string{tags["ΣΊΣΥΦΟΣ"], tags["Straße"]}},
		{"title": "no content, no tags", "category": programming.Id},
		{"title": "🚀 ǅemal \u212Aelvin", "content": "café cafe\u0301 100% a_b", "category": category.Id,
			"tags": []string{tags["Straße"]}},
	}
	for _, p := range posts {
		p["writer"] = testutil.AliceId
		testutil.MustSave(t, app, "posts", p)
	}
	// changes the hooks follow: a renamed category and tag, an edited post
	category.Set("name", "Νέα Θέματα")
	if err := app.Save(category); err != nil {
		t.Fatal(err)
	}
	tag := testutil.MustFind(t, app, "tags", tags["채팅"])
	tag.Set("name", "Chat 채팅방")
	if err := app.Save(tag); err != nil {
		t.Fatal(err)
	}
	post := testutil.MustFind(t, app, "posts", testutil.PostId)
	post.Set("content", "EDITED 내용")
	post.Set("tags", []string{tags["Straße"], tags["Go"]})
	if err := app.Save(post); err != nil {
		t.Fatal(err)
	}

	byHooks := searchIndexRows(t, app)
	if n := testutil.Count(t, app, "post_search_docs", nil); n != len(posts)+1 {
		t.Fatalf("the hooks wrote %d documents, want %d", n, len(posts)+1)
	}

	m := postSearchMigration(t)
	if err := m.Down(app); err != nil {
		t.Fatalf("down: %v", err)
	}
	if app.HasTable("post_search_docs") {
		t.Fatal("post_search_docs survives the migration's down")
	}
	if err := m.Up(app); err != nil {
		t.Fatalf("up: %v", err)
	}
	byMigration := searchIndexRows(t, app)

	if !slices.Equal(byMigration, byHooks) {
		t.Errorf("the backfill's index differs from the hooks':\nonly backfill:\n%s\nonly hooks:\n%s",
			strings.Join(without(byMigration, byHooks), "\n"), strings.Join(without(byHooks, byMigration), "\n"))
	}
}

// without is the lines of a that are not in b.
func without(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
