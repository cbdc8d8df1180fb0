package posts_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

const newCategoryId = "catwrite0000001"

// seedWrite adds a category with a known id and the tags "go" and "Привет".
func seedWrite(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	t.Helper()
	testutil.MustSave(t, app, "categories", map[string]any{"id": newCategoryId, "name": "데이터베이스"})
	testutil.MustSave(t, app, "tags", map[string]any{"id": tagGoId, "name": "go"})
	testutil.MustSave(t, app, "tags", map[string]any{"name": "Привет"})
}

// written checks the answer of a write and what it stored: the post (with
// alice as its writer), its tags, its room and its search document.
func written(title, category string, tags []string, newTags int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		p := testutil.DecodeObject(t, body)
		assertPostShape(t, p)
		id, _ := p["id"].(string)
		if p["title"] != title || p["category"] != category || p["writer"] != testutil.AliceId || p["writer_nickname"] != "alice" || p["hit"] != float64(0) {
			t.Errorf("answer = %s", body)
		}
		if got := tagNamesOf(t, p); !slices.Equal(got, sorted(tags)) {
			t.Errorf("answer tags = %v, want %v", got, sorted(tags))
		}
		post := findPost(t, app, id)
		if post.GetString("writer") != testutil.AliceId || post.GetString("title") != title || post.GetInt("hit") != 0 {
			t.Errorf("stored post = %v", post.PublicExport())
		}
		if got := postTagNames(t, app, post); !slices.Equal(got, sorted(tags)) {
			t.Errorf("stored tags = %v, want %v", got, sorted(tags))
		}
		if got := testutil.Count(t, app, "posts", nil); got != 2 {
			t.Errorf("%d posts stored, want 2", got)
		}
		if got := testutil.Count(t, app, "tags", nil); got != 2+newTags {
			t.Errorf("%d tags stored, want %d", got, 2+newTags)
		}
		room, err := app.FindFirstRecordByData("rooms", "post", id)
		if err != nil {
			t.Fatalf("no room for the new post: %v", err)
		}
		if room.GetString("owner") != testutil.AliceId || room.GetString("name") != title {
			t.Errorf("room = %v", room.PublicExport())
		}
		if ids := searchIds(t, app, title); !slices.Contains(ids, id) {
			t.Errorf("search %q = %v, want the new post", title, ids)
		}
		for _, tag := range tags {
			if ids := searchIds(t, app, strings.ToUpper(tag)); !slices.Contains(ids, id) {
				t.Errorf("search tag %q = %v, want the new post", tag, ids)
			}
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// writeEvents are the hook events of a post written with two new tags:
// the post, its room and the tags are created (the search doc is written
// by the post's hooks in SQL, no record of its own).
var writeEvents = testutil.WriteEvents(4, 0, 0)

func TestWritePost(t *testing.T) {
	type good struct {
		name        string
		contentType string // "" = JSON
		body        func() io.Reader
		headers     map[string]string
		title       string
		category    string
		tags        []string
		newTags     int
		events      map[string]int
	}
	jsonBody := func(v any) func() io.Reader {
		return func() io.Reader { return strings.NewReader(testutil.JSONOf(v)) }
	}
	goods := []good{
		{name: "JSON, tags list, category by name", body: jsonBody(map[string]any{
			"title": "새 글", "content": "내용", "category": "Programming", "tags": []string{"Rust", "채팅"},
		}), title: "새 글", category: "Programming", tags: []string{"Rust", "채팅"}, newTags: 2, events: writeEvents},
		{name: "category by name in another case", body: jsonBody(map[string]any{
			"title": "t1", "category": "pROGRAMMING",
		}), title: "t1", category: "Programming", tags: []string{}},
		{name: "category by id", body: jsonBody(map[string]any{
			"title": "t2", "category": newCategoryId,
		}), title: "t2", category: "데이터베이스", tags: []string{}},
		{name: "category by Korean name", body: jsonBody(map[string]any{
			"title": "t3", "category": " 데이터베이스 ",
		}), title: "t3", category: "데이터베이스", tags: []string{}},
		{name: "writer in the body is ignored", body: jsonBody(map[string]any{
			"title": "mine", "category": "Ormi", "writer": testutil.BobId, "hit": 99,
		}), title: "mine", category: "Ormi", tags: []string{}},
		{name: "GO reuses go", body: jsonBody(map[string]any{
			"title": "t4", "category": "Ormi", "tags": []string{"GO", "Go", "새태그"},
		}), title: "t4", category: "Ormi", tags: []string{"go", "새태그"}, newTags: 1},
		{name: "non-ASCII tag reused case-insensitively", body: jsonBody(map[string]any{
			"title": "t5", "category": "Ormi", "tags": []string{"ПРИВЕТ", "привет"},
		}), title: "t5", category: "Ormi", tags: []string{"Привет"}},
		{name: "tags equal under Unicode case folding are one tag", body: jsonBody(map[string]any{
			"title": "t10", "category": "Ormi", "tags": []string{"ΣΊΣΥΦΟΣ", "σίσυφος", "ПРИВЕТ"},
		}), title: "t10", category: "Ormi", tags: []string{"ΣΊΣΥΦΟΣ", "Привет"}, newTags: 1},
		{name: "tags as comma string", body: jsonBody(map[string]any{
			"title": "t6", "category": "Ormi", "tags": " go, 채팅 , ,Python,python ",
		}), title: "t6", category: "Ormi", tags: []string{"go", "채팅", "Python"}, newTags: 2},
		{name: "tags list of comma strings", body: jsonBody(map[string]any{
			"title": "t7", "category": "Ormi", "tags": []string{"a,b", "c"},
		}), title: "t7", category: "Ormi", tags: []string{"a", "b", "c"}, newTags: 3},
		{name: "tags empty list", body: jsonBody(map[string]any{
			"title": "t8", "category": "Ormi", "tags": []string{},
		}), title: "t8", category: "Ormi", tags: []string{}},
		{name: "tags null", body: jsonBody(map[string]any{
			"title": "t9", "category": "Ormi", "tags": nil,
		}), title: "t9", category: "Ormi", tags: []string{}},
		{name: "Korean title and unicode content", body: jsonBody(map[string]any{
			"title": "Ελληνικά 채팅 🚀", "content": "Привет\n**마크다운**", "category": "ESTsoft",
		}), title: "Ελληνικά 채팅 🚀", category: "ESTsoft", tags: []string{}},
		{name: "raw token", body: jsonBody(map[string]any{"title": "raw", "category": "Ormi"}),
			headers: map[string]string{"Authorization": strings.TrimPrefix(alice(t)["Authorization"], "Bearer ")},
			title:   "raw", category: "Ormi", tags: []string{}},
	}
	// multipart, repeated tags fields
	goods = append(goods,
		good{name: "multipart repeated tags", body: func() io.Reader {
			b, _ := testutil.Multipart(testutil.Field("title", "폼 글"), testutil.Field("content", "본문"), testutil.Field("category", newCategoryId),
				testutil.Field("tags", "GO"), testutil.Field("tags", "채팅"), testutil.Field("writer", testutil.BobId))
			return b
		}, contentType: "multipart", title: "폼 글", category: "데이터베이스", tags: []string{"go", "채팅"}, newTags: 1},
		good{name: "multipart comma tags", body: func() io.Reader {
			b, _ := testutil.Multipart(testutil.Field("title", "폼 글 2"), testutil.Field("category", "ormi"), testutil.Field("tags", "x, y"))
			return b
		}, contentType: "multipart", title: "폼 글 2", category: "Ormi", tags: []string{"x", "y"}, newTags: 2},
		good{name: "urlencoded repeated tags", body: func() io.Reader {
			return strings.NewReader(url.Values{"title": {"폼 3"}, "category": {"Ormi"}, "tags": {"go", "z"}}.Encode())
		}, contentType: "application/x-www-form-urlencoded", title: "폼 3", category: "Ormi", tags: []string{"go", "z"}, newTags: 1},
		good{name: "urlencoded header with a JSON body (curl -d)", body: jsonBody(map[string]any{
			"title": "curl", "category": "Ormi", "tags": []string{"go"},
		}), contentType: "application/x-www-form-urlencoded", title: "curl", category: "Ormi", tags: []string{"go"}},
	)

	var scenarios []tests.ApiScenario
	for _, g := range goods {
		for _, u := range testutil.Spellings("/api/post/write") {
			headers := g.headers
			if headers == nil {
				headers = alice(t)
			}
			body := g.body()
			switch g.contentType {
			case "":
			case "multipart":
				headers = withHeaders(headers, map[string]string{"Content-Type": multipartContentType(body)})
			default:
				headers = withHeaders(headers, map[string]string{"Content-Type": g.contentType})
			}
			scenarios = append(scenarios, tests.ApiScenario{
				Name: g.name + " " + u, Method: http.MethodPost, URL: u, Body: body, Headers: headers,
				BeforeTestFunc: seedWrite,
				ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"id"`},
				AfterTestFunc:  testutil.After(written(g.title, g.category, g.tags, g.newTags)),
				ExpectedEvents: g.events,
			})
		}
	}
	testutil.Run(t, scenarios)
}

// multipartContentType finds the boundary of a body built by multipartBody.
func multipartContentType(body io.Reader) string {
	b := body.(interface{ String() string }).String()
	boundary := strings.TrimPrefix(strings.SplitN(b, "\r\n", 2)[0], "--")
	return "multipart/form-data; boundary=" + boundary
}

func TestWritePostRejected(t *testing.T) {
	type bad struct {
		name    string
		body    func() io.Reader
		ctype   string
		headers map[string]string
		status  int
		checks  []testutil.Check
	}
	j := func(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }
	v := func(m map[string]any) func() io.Reader { return j(testutil.JSONOf(m)) }
	ok := map[string]any{"title": "제목", "category": "Programming", "tags": []string{"brandnew"}}
	with := func(k string, val any) map[string]any {
		m := map[string]any{}
		for kk, vv := range ok {
			m[kk] = vv
		}
		if val == nil {
			delete(m, k)
		} else {
			m[k] = val
		}
		return m
	}
	bads := []bad{
		{name: "missing title", body: v(with("title", nil)), status: 400, checks: []testutil.Check{errorOn("title")}},
		{name: "blank title", body: v(with("title", "   ")), status: 400, checks: []testutil.Check{errorOn("title")}},
		{name: "null title", body: j(`{"title":null,"category":"Programming","tags":["brandnew"]}`), status: 400, checks: []testutil.Check{errorOn("title")}},
		{name: "number title", body: v(with("title", 5)), status: 400, checks: []testutil.Check{errorOn("title")}},
		{name: "list title", body: v(with("title", []string{"a"})), status: 400, checks: []testutil.Check{errorOn("title")}},
		{name: "title too long", body: v(with("title", strings.Repeat("가", 201))), status: 400, checks: []testutil.Check{errorOn("title")}},
		{name: "content too long", body: v(with("content", strings.Repeat("a", 50001))), status: 400, checks: []testutil.Check{errorOn("content")}},
		{name: "content a number", body: v(with("content", 3)), status: 400, checks: []testutil.Check{errorOn("content")}},
		{name: "missing category", body: v(with("category", nil)), status: 400, checks: []testutil.Check{errorOn("category")}},
		{name: "empty category", body: v(with("category", "")), status: 400, checks: []testutil.Check{errorOn("category")}},
		{name: "unknown category", body: v(with("category", "NoSuchCategory")), status: 400, checks: []testutil.Check{errorOn("category")}},
		{name: "unknown category id", body: v(with("category", "catnosuch000001")), status: 400, checks: []testutil.Check{errorOn("category")}},
		{name: "category a list", body: v(with("category", []string{"Programming"})), status: 400, checks: []testutil.Check{errorOn("category")}},
		{name: "category an object", body: v(with("category", map[string]any{"id": "x"})), status: 400, checks: []testutil.Check{errorOn("category")}},
		{name: "category a number", body: v(with("category", 1)), status: 400, checks: []testutil.Check{errorOn("category")}},
		{name: "tags a number", body: v(with("tags", 5)), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "tags a list of numbers", body: v(with("tags", []int{1, 2})), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "tags a mixed list", body: v(with("tags", []any{"ok", 2})), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "tags an object", body: v(with("tags", map[string]any{"name": "go"})), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "tags a list of objects", body: v(with("tags", []any{map[string]any{"name": "go"}})), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "tags nested lists", body: v(with("tags", []any{[]string{"go"}})), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "tags a bool", body: v(with("tags", true)), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "too many tags", body: v(with("tags", manyTags(21))), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "tag too long", body: v(with("tags", []string{"ok", strings.Repeat("t", 31)})), status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "malformed JSON", body: j(`{"title": "x", "category": "Programming",`), status: 400, checks: []testutil.Check{hasDetail}},
		{name: "trailing JSON", body: j(`{"title": "x", "category": "Programming"} {}`), status: 400, checks: []testutil.Check{hasDetail}},
		{name: "JSON list", body: j(`[{"title": "x", "category": "Programming"}]`), status: 400, checks: []testutil.Check{testutil.BodyIs(testutil.ListBodyError)}},
		{name: "JSON string", body: j(`"x"`), status: 400, checks: []testutil.Check{isJSONObject}},
		{name: "empty body", body: j(``), status: 400, checks: []testutil.Check{errorOn("title"), errorOn("category")}},
		{name: "10 MB JSON", body: func() io.Reader {
			return strings.NewReader(`{"title":"big","category":"Programming","content":"` + strings.Repeat("a", 10<<20) + `"}`)
		}, status: 413, checks: []testutil.Check{testutil.BodyIs(testutil.TooLargeBody)}},
		{name: "10 MB multipart", body: func() io.Reader {
			b, _ := testutil.Multipart(testutil.Field("title", "big"), testutil.Field("category", "Programming"), testutil.Field("content", strings.Repeat("a", 10<<20)))
			return b
		}, ctype: "multipart", status: 413, checks: []testutil.Check{testutil.BodyIs(testutil.TooLargeBody)}},
		{name: "10 MB urlencoded", body: func() io.Reader {
			return strings.NewReader("title=big&category=Programming&content=" + strings.Repeat("a", 10<<20))
		}, ctype: "application/x-www-form-urlencoded", status: 413, checks: []testutil.Check{testutil.BodyIs(testutil.TooLargeBody)}},
		{name: "multipart tags too long", body: func() io.Reader {
			b, _ := testutil.Multipart(testutil.Field("title", "x"), testutil.Field("category", "Programming"), testutil.Field("tags", "new1"), testutil.Field("tags", strings.Repeat("t", 31)))
			return b
		}, ctype: "multipart", status: 400, checks: []testutil.Check{errorOn("tags")}},
		{name: "multipart broken", body: j("--nope\r\nbroken"), ctype: "multipart/form-data; boundary=xyz", status: 400, checks: []testutil.Check{hasDetail}},
		{name: "unsupported media type", body: v(ok), ctype: "text/plain", status: 415, checks: []testutil.Check{hasDetail}},
	}
	noNewTag := testutil.State(func(t testing.TB, app *tests.TestApp) {
		if n := testutil.Count(t, app, "tags", dbx.HashExp{"name": "brandnew"}); n != 0 {
			t.Errorf("tag brandnew stored by a rejected write")
		}
	})
	var scenarios []tests.ApiScenario
	// no credentials, a bad token, a superuser (not a member): nothing stored
	for _, u := range testutil.Spellings("/api/post/write") {
		before, same := unchanged(nil)
		for _, s := range testutil.AuthRejections(t, http.MethodPost, u, testutil.JSONOf(ok), same, noNewTag) {
			s.BeforeTestFunc = before
			scenarios = append(scenarios, s)
		}
	}
	for _, b := range bads {
		for _, u := range testutil.Spellings("/api/post/write") {
			headers := b.headers
			if headers == nil {
				headers = alice(t)
			}
			body := b.body()
			switch b.ctype {
			case "":
			case "multipart":
				headers = withHeaders(headers, map[string]string{"Content-Type": multipartContentType(body)})
			default:
				headers = withHeaders(headers, map[string]string{"Content-Type": b.ctype})
			}
			before, same := unchanged(nil)
			scenarios = append(scenarios, tests.ApiScenario{
				Name: b.name + " " + u, Method: http.MethodPost, URL: u, Body: body, Headers: headers,
				BeforeTestFunc: before,
				ExpectedStatus: b.status, ExpectedContent: []string{"{"},
				AfterTestFunc: testutil.After(append(b.checks, same, noNewTag)...),
			})
		}
	}
	// GET is not a write
	for _, u := range testutil.Spellings("/api/post/write") {
		before, same := unchanged(nil)
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "GET " + u, Method: http.MethodGet, URL: u, Headers: alice(t), BeforeTestFunc: before,
			ExpectedStatus: http.StatusNotFound, NotExpectedContent: []string{"brandnew"},
			AfterTestFunc: testutil.After(same),
		})
	}
	testutil.Run(t, scenarios)
}

func manyTags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "tag" + strings.Repeat("x", i)
	}
	return out
}
