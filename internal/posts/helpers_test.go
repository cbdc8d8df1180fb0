package posts_test

// Shared bits of the /api/post/* tests: body checks, fixture builders for
// BeforeTestFunc and a snapshot of stored counts ("nothing stored"). What
// other test packages share too (error bodies, After, BodyIs, Count, the
// route spellings, the in-process client, multipart bodies...) is in
// internal/testutil.

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/posts/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// listKeys are the documented keys of a post in the list (and the answer of
// write and edit).
var listKeys = []string{"id", "title", "content", "category", "tags", "hit", "created_at", "updated_at", "writer", "writer_nickname", "writer_profile_picture"}

// detailKeys are the documented keys of the detail answer.
var detailKeys = []string{"post_id", "title", "content", "writer", "tags", "hit", "category", "created_at", "room_data", "current_user"}

// roomKeys are the documented keys of room_data.
var roomKeys = []string{"id", "name", "chat_url", "chat_messages", "owner", "online_users"}

// messageKeys are the documented keys of a stored message.
var messageKeys = []string{"id", "room", "sender", "sender_email", "nickname", "profile_picture_url", "message", "parent_chat", "message_type", "created_at",
	"seq", "edited_at", "deleted", "mentions", "hidden", "reactions"} // the original ten, then the chat product's

func alice(t testing.TB) map[string]string { return testutil.AuthHeader(t, testutil.AliceEmail) }
func bob(t testing.TB) map[string]string   { return testutil.AuthHeader(t, testutil.BobEmail) }
func admin(t testing.TB) map[string]string { return testutil.AuthHeader(t, testutil.SuperuserEmail) }

// withHeaders merges header maps (later wins).
func withHeaders(hs ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// body checks

// errorOn checks a 4xx JSON validation body naming field.
func errorOn(field string) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		obj := testutil.DecodeObject(t, body)
		msgs, ok := obj[field].([]any)
		if !ok || len(msgs) == 0 {
			t.Errorf("want a validation error on %q, got %s", field, body)
			return
		}
		for _, m := range msgs {
			if s, ok := m.(string); !ok || s == "" {
				t.Errorf("error messages of %q must be strings: %s", field, body)
			}
		}
	}
}

// hasDetail checks a {"detail": "..."} body.
func hasDetail(t testing.TB, _ *tests.TestApp, body []byte) {
	t.Helper()
	if s, _ := testutil.DecodeObject(t, body)["detail"].(string); s == "" {
		t.Errorf("want a {\"detail\"} body, got %s", body)
	}
}

// isJSONObject checks that the body is a JSON object (any 4xx error shape).
func isJSONObject(t testing.TB, _ *tests.TestApp, body []byte) {
	t.Helper()
	testutil.DecodeObject(t, body)
}

// assertTime checks an RFC 3339 time string.
func assertTime(t testing.TB, what string, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Errorf("%s = %#v, want an RFC 3339 string", what, v)
		return time.Time{}
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("%s = %q: %v", what, s, err)
	}
	return tm
}

// assertPostShape checks the documented shape of a post in the list.
func assertPostShape(t testing.TB, p map[string]any) {
	t.Helper()
	testutil.AssertKeys(t, "post", p, testutil.AtLeast, listKeys...)
	for _, k := range []string{"id", "title", "content", "writer", "writer_nickname"} {
		if _, ok := p[k].(string); !ok {
			t.Errorf("post %s = %#v, want a string", k, p[k])
		}
	}
	if _, ok := p["category"].(string); !ok {
		t.Errorf("post category = %#v, want its name", p["category"])
	}
	if _, ok := p["hit"].(float64); !ok {
		t.Errorf("post hit = %#v, want a number", p["hit"])
	}
	tags, ok := p["tags"].([]any)
	if !ok {
		t.Errorf("post tags = %#v, want a list", p["tags"])
	}
	for _, tag := range tags {
		obj, ok := tag.(map[string]any)
		if !ok {
			t.Errorf("tag = %#v, want {\"name\"}", tag)
			continue
		}
		if _, ok := obj["name"].(string); !ok {
			t.Errorf("tag = %#v, want {\"name\"}", tag)
		}
	}
	assertTime(t, "created_at", p["created_at"])
	assertTime(t, "updated_at", p["updated_at"])
	if pic := p["writer_profile_picture"]; pic != nil {
		if s, ok := pic.(string); !ok || !strings.HasPrefix(s, "/api/files/") {
			t.Errorf("writer_profile_picture = %#v, want null or a server path", pic)
		}
	}
	for _, secret := range []string{"password", "tokenKey", "email"} {
		if _, ok := p[secret]; ok {
			t.Errorf("post has key %q: %v", secret, p)
		}
	}
}

// tagNamesOf lists the tag names of a post answer, sorted.
func tagNamesOf(t testing.TB, p map[string]any) []string {
	t.Helper()
	var names []string
	tags, _ := p["tags"].([]any)
	for _, tag := range tags {
		name, _ := tag.(map[string]any)["name"].(string)
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// listIs checks that the body is a list of posts in the documented shape
// with exactly these ids in this order, newest first.
func listIs(ids ...string) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		list := testutil.DecodeList(t, body)
		got := make([]string, len(list))
		var prev time.Time
		for i, p := range list {
			assertPostShape(t, p)
			got[i], _ = p["id"].(string)
			created := assertTime(t, "created_at", p["created_at"])
			if i > 0 && created.After(prev) {
				t.Errorf("list is not newest first at %d: %v after %v", i, created, prev)
			}
			prev = created
		}
		if ids == nil {
			ids = []string{}
		}
		if !slices.Equal(got, ids) {
			t.Errorf("list ids = %v\nwant       %v", got, ids)
		}
	}
}

// listLen checks the number of posts in a list body.
func listLen(n int) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		if got := len(testutil.DecodeList(t, body)); got != n {
			t.Errorf("list has %d posts, want %d", got, n)
		}
	}
}

// ---------------------------------------------------------------------------
// stored data

// counts is what "nothing stored" compares.
type counts map[string]int

var countedTables = []string{"posts", "rooms", "messages", "tags", "categories", "post_search_docs", "post_search_tags"}

func countAll(t testing.TB, app core.App) counts {
	t.Helper()
	c := counts{}
	for _, table := range countedTables {
		c[table] = testutil.Count(t, app, table, nil)
	}
	return c
}

// unchanged returns a BeforeTestFunc that snapshots the stored counts (after
// running setup, if any) and a check that they did not change.
func unchanged(setup func(t testing.TB, app *tests.TestApp)) (func(testing.TB, *tests.TestApp, *core.ServeEvent), testutil.Check) {
	var before counts
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			if setup != nil {
				setup(t, app)
			}
			before = countAll(t, app)
		}, testutil.State(func(t testing.TB, app *tests.TestApp) {
			t.Helper()
			if got := countAll(t, app); !reflect.DeepEqual(got, before) {
				t.Errorf("stored counts changed: %v, want %v", got, before)
			}
		})
}

// findPost loads a post (fails the test when it is missing).
func findPost(t testing.TB, app core.App, id string) *core.Record {
	t.Helper()
	return testutil.MustFind(t, app, "posts", id)
}

// postTagNames lists the stored tag names of a post, sorted.
func postTagNames(t testing.TB, app core.App, post *core.Record) []string {
	t.Helper()
	names := []string{}
	for _, id := range post.GetStringSlice("tags") {
		tag, err := app.FindRecordById("tags", id)
		if err != nil {
			t.Fatalf("tag %s of post %s: %v", id, post.Id, err)
		}
		names = append(names, tag.GetString("name"))
	}
	sort.Strings(names)
	return names
}

// searchIds is search.PostIds for a text.
func searchIds(t testing.TB, app core.App, text string) []string {
	t.Helper()
	ids, err := search.PostIds(app, search.Query{Text: text, Limit: 1000})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	return ids
}

// fixtureRoom is the room of the fixture post.
func fixtureRoom(t testing.TB, app core.App) *core.Record {
	t.Helper()
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatalf("fixture room: %v", err)
	}
	return room
}

// ---------------------------------------------------------------------------
// fixture builders (for BeforeTestFunc)

func categoryId(t testing.TB, app core.App, name string) string {
	t.Helper()
	c, err := app.FindFirstRecordByData("categories", "name", name)
	if err != nil {
		t.Fatalf("category %s: %v", name, err)
	}
	return c.Id
}

// setPostTags sets the tags of the fixture post (creating the tags).
func setPostTags(t testing.TB, app core.App, names ...string) {
	t.Helper()
	post := findPost(t, app, testutil.PostId)
	ids := []string{}
	for _, n := range names {
		tag, err := app.FindFirstRecordByData("tags", "name", n)
		if err != nil {
			testutil.MustSave(t, app, "tags", map[string]any{"name": n})
			tag, _ = app.FindFirstRecordByData("tags", "name", n)
		}
		ids = append(ids, tag.Id)
	}
	post.Set("tags", ids)
	if err := app.Save(post); err != nil {
		t.Fatal(err)
	}
}
