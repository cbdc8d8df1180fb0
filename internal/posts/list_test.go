package posts_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The list fixture: the fixture post P0 and four more, created in this
// order (so newest first is P4, P3, P2, P1, P0).
//
//	P0 alice Programming "실시간 채팅 서버 만들기" / "Go로 **채팅** 서버를 만듭니다." —
//	P1 bob   Backend     "Go 동시성 패턴" / "goroutine과 channel"           [Go, Concurrency]
//	P2 carol Αθήνα       "Python 웹 크롤링" / "requests와 BeautifulSoup"    [python, Привет]
//	P3 alice Programming "PocketBase 훅 정리" / "레코드 훅과 트랜잭션"       [Go, PocketBase]
//	P4 dave  Ormi        "Ελληνικά ΚΕΙΜΕΝΟ" / "Привет мир 100%"            []
const (
	p0 = testutil.PostId
	p1 = "postlist0000001"
	p2 = "postlist0000002"
	p3 = "postlist0000003"
	p4 = "postlist0000004"

	backendId = "catbackend00001"
	athinaId  = "catathina000001"
	tagGoId   = "taggo0000000001"
)

func seedList(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	t.Helper()
	testutil.MustSave(t, app, "categories", map[string]any{"id": backendId, "name": "Backend"})
	testutil.MustSave(t, app, "categories", map[string]any{"id": athinaId, "name": "Αθήνα"})
	tagIds := map[string]string{"Go": tagGoId}
	testutil.MustSave(t, app, "tags", map[string]any{"id": tagGoId, "name": "Go"})
	for i, name := range []string{"Concurrency", "python", "Привет", "PocketBase"} {
		id := fmt.Sprintf("taglist00000%03d", i)
		testutil.MustSave(t, app, "tags", map[string]any{"id": id, "name": name})
		tagIds[name] = id
	}
	posts := []struct {
		id, writer, category, title, content string
		tags                                 []string
	}{
		{p1, testutil.BobId, backendId, "Go 동시성 패턴", "goroutine과 channel", []string{"Go", "Concurrency"}},
		{p2, testutil.CarolId, athinaId, "Python 웹 크롤링", "requests와 BeautifulSoup", []string{"python", "Привет"}},
		{p3, testutil.AliceId, categoryId(t, app, "Programming"), "PocketBase 훅 정리", "레코드 훅과 트랜잭션", []string{"Go", "PocketBase"}},
		{p4, testutil.DaveId, categoryId(t, app, "Ormi"), "Ελληνικά ΚΕΙΜΕΝΟ", "Привет мир 100%", nil},
	}
	for _, p := range posts {
		ids := []string{}
		for _, name := range p.tags {
			ids = append(ids, tagIds[name])
		}
		testutil.MustSave(t, app, "posts", map[string]any{
			"id": p.id, "writer": p.writer, "category": p.category, "title": p.title, "content": p.content, "tags": ids,
		})
	}
}

func TestListPosts(t *testing.T) {
	type listCase struct {
		query string
		want  []string
	}
	cases := []listCase{
		{"", []string{p4, p3, p2, p1, p0}},
		// search: title, content, category name and tag names, any case, any language
		{"search=" + url.QueryEscape("채팅"), []string{p0}},
		{"search=go", []string{p3, p1, p0}},
		{"search=GO", []string{p3, p1, p0}},
		{"search=gO", []string{p3, p1, p0}},
		{"search=backend", []string{p1}},
		{"search=ORMI", []string{p4}},
		{"search=concurrency", []string{p1}},
		{"search=pocketbase", []string{p3}},
		{"search=" + url.QueryEscape("훅"), []string{p3}},
		{"search=" + url.QueryEscape("로 **채"), []string{p0}},
		{"search=" + url.QueryEscape("привет"), []string{p4, p2}},
		{"search=" + url.QueryEscape("ПРИВЕТ"), []string{p4, p2}},
		{"search=" + url.QueryEscape("ελληνικά"), []string{p4}},
		{"search=" + url.QueryEscape("κείμενο"), nil}, // accents are not folded: ΚΕΙΜΕΝΟ has none
		{"search=" + url.QueryEscape("κειμενο"), []string{p4}},
		{"search=" + url.QueryEscape("100%"), []string{p4}},
		{"search=" + url.QueryEscape("%"), []string{p4}},
		{"search=" + url.QueryEscape("_"), nil},
		{"search=" + url.QueryEscape("%%"), nil},
		{"search=" + url.QueryEscape(`"`), nil},
		{"search=" + url.QueryEscape(`go" OR "채팅`), nil},
		{"search=" + url.QueryEscape("*"), []string{p0}},
		{"search=" + url.QueryEscape("***"), nil},
		{"search=nothing-like-this", nil},
		// control characters and invalid UTF-8 match nothing here, and never fail
		{"search=a%00b", nil},
		{"search=%00%00%00", nil},
		{"search=%00", nil},
		{"search=" + url.QueryEscape("채팅") + "%00", nil},
		{"search=%FF%FE", nil},
		{"search=%FF", nil},
		{"search=", []string{p4, p3, p2, p1, p0}},
		// filters
		{"category=Programming", []string{p3, p0}},
		{"category=programming", []string{p3, p0}},
		{"category=" + backendId, []string{p1}},
		{"category=ormi", []string{p4}},
		{"category=" + url.QueryEscape("ΑΘΉΝΑ"), []string{p2}},
		{"category=" + url.QueryEscape("αθήνα"), []string{p2}},
		{"category=" + athinaId, []string{p2}},
		{"search=" + url.QueryEscape("ΑΘΉΝΑ"), []string{p2}},
		{"category=unknown", nil},
		{"tag=go", []string{p3, p1}},
		{"tag=GO", []string{p3, p1}},
		{"tag=Go", []string{p3, p1}},
		{"tag=" + url.QueryEscape("привет"), []string{p2}},
		{"tag=" + url.QueryEscape("ПРИВЕТ"), []string{p2}},
		{"tag=" + url.QueryEscape("Привет"), []string{p2}},
		{"tag=unknown", nil},
		// filters combined with search
		{"search=go&category=Programming", []string{p3, p0}},
		{"search=go&category=" + backendId, []string{p1}},
		{"search=go&tag=go", []string{p3, p1}},
		{"search=" + url.QueryEscape("채팅") + "&tag=go", nil},
		{"search=" + url.QueryEscape("훅") + "&category=Backend", nil},
		{"search=go&category=Backend&tag=CONCURRENCY", []string{p1}},
		{"search=o&category=Programming&tag=go", []string{p3}},
		{"category=Programming&tag=pocketbase", []string{p3}},
		{"category=" + url.QueryEscape("Αθήνα") + "&tag=go", nil},
		{"category=" + url.QueryEscape("αθήνα") + "&tag=python", []string{p2}},
		// pages
		{"page_size=2", []string{p4, p3}},
		{"page=1&page_size=2", []string{p4, p3}},
		{"page=2&page_size=2", []string{p2, p1}},
		{"page=3&page_size=2", []string{p0}},
		{"page=4&page_size=2", nil},
		{"page=1000000", nil},
		{"page_size=1000", []string{p4, p3, p2, p1, p0}},
		{"search=go&page=2&page_size=2", []string{p0}},
		{"tag=go&page=2&page_size=1", []string{p1}},
	}
	var scenarios []tests.ApiScenario
	for _, c := range cases {
		for _, base := range []string{"/api/post", "/api/post/posts"} {
			for _, u := range testutil.Spellings(base) {
				if c.query != "" {
					u += "?" + c.query
				}
				scenarios = append(scenarios, tests.ApiScenario{
					Name:            "GET " + u,
					Method:          http.MethodGet,
					URL:             u,
					BeforeTestFunc:  seedList,
					ExpectedStatus:  http.StatusOK,
					ExpectedContent: []string{"["},
					AfterTestFunc:   testutil.After(listIs(c.want...)),
				})
			}
		}
	}
	// the same answer for every auth
	for _, h := range []map[string]string{alice(t), admin(t)} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "GET /api/post/ signed in", Method: http.MethodGet, URL: "/api/post/", Headers: h,
			BeforeTestFunc: seedList, ExpectedStatus: http.StatusOK, ExpectedContent: []string{"["},
			AfterTestFunc: testutil.After(listIs(p4, p3, p2, p1, p0)),
		})
	}
	testutil.Run(t, scenarios)
}

// TestListPostFields checks every field of a listed post.
func TestListPostFields(t *testing.T) {
	testutil.Run(t, []tests.ApiScenario{{
		Name: "fields of P1", Method: http.MethodGet, URL: "/api/post/?tag=concurrency",
		BeforeTestFunc: seedList, ExpectedStatus: http.StatusOK, ExpectedContent: []string{"["},
		AfterTestFunc: testutil.After(func(t testing.TB, app *tests.TestApp, body []byte) {
			list := testutil.DecodeList(t, body)
			if len(list) != 1 {
				t.Fatalf("want one post, got %s", body)
			}
			p := list[0]
			stored := findPost(t, app, p1)
			want := map[string]any{
				"id": p1, "title": "Go 동시성 패턴", "content": "goroutine과 channel", "category": "Backend",
				"hit": float64(0), "writer": testutil.BobId, "writer_nickname": "bob", "writer_profile_picture": nil,
			}
			for k, v := range want {
				if p[k] != v {
					t.Errorf("%s = %#v, want %#v", k, p[k], v)
				}
			}
			if got := tagNamesOf(t, p); strings.Join(got, ",") != "Concurrency,Go" {
				t.Errorf("tags = %v", got)
			}
			if got := assertTime(t, "created_at", p["created_at"]); !got.Equal(stored.GetDateTime("created").Time()) {
				t.Errorf("created_at = %v, stored %v", got, stored.GetDateTime("created"))
			}
		}),
	}})
}

// TestListPageSizeBounds: page_size is capped, the default is 20.
func TestListPageSizeBounds(t *testing.T) {
	many := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		category := categoryId(t, app, "Programming")
		err := app.RunInTransaction(func(tx core.App) error {
			for i := range 120 {
				if err := testutil.SaveRecord(tx, "posts", map[string]any{
					"title": fmt.Sprintf("post %d", i), "category": category, "writer": testutil.BobId,
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings("/api/post") {
		for query, n := range map[string]int{"": 20, "page_size=1000": 100, "page_size=100": 100, "page_size=7": 7, "page=2&page_size=100": 21, "page=7": 1, "page=8": 0} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "GET " + u + "?" + query, Method: http.MethodGet, URL: u + "?" + query,
				BeforeTestFunc: many, ExpectedStatus: http.StatusOK, ExpectedContent: []string{"["},
				AfterTestFunc: testutil.After(listLen(n)),
			})
		}
	}
	testutil.Run(t, scenarios)
}

// TestListBadParams: invalid page, page_size and search get 400 JSON.
func TestListBadParams(t *testing.T) {
	bad := map[string]string{
		"page=0":                             "page",
		"page=-1":                            "page",
		"page=abc":                           "page",
		"page=1.5":                           "page",
		"page=":                              "", // empty means default: not an error
		"page=1000001":                       "page",
		"page=99999999999999999999":          "page",
		"page_size=0":                        "page_size",
		"page_size=-5":                       "page_size",
		"page_size=abc":                      "page_size",
		"page_size=2.0":                      "page_size",
		"page_size=1e3":                      "page_size",
		"search=" + strings.Repeat("가", 101): "search",
	}
	var scenarios []tests.ApiScenario
	for query, field := range bad {
		for _, base := range []string{"/api/post", "/api/post/posts"} {
			for _, u := range testutil.WithQuery(testutil.Spellings(base), query) {
				s := tests.ApiScenario{Name: "GET " + u, Method: http.MethodGet, URL: u}
				if field == "" {
					s.ExpectedStatus = http.StatusOK
					s.ExpectedContent = []string{"["}
				} else {
					s.ExpectedStatus = http.StatusBadRequest
					s.ExpectedContent = []string{`"` + field + `"`}
					s.AfterTestFunc = testutil.After(errorOn(field))
				}
				scenarios = append(scenarios, s)
			}
		}
	}
	testutil.Run(t, scenarios)
}

// TestSearchAlias: /api/post/posts/?search= answers exactly what
// /api/post/?search= does.
func TestSearchAlias(t *testing.T) {
	queries := []string{"go", "GO", "채팅", "привет", "backend", "o", "", "nothing", "%", "search=go&page_size=1"}
	var scenarios []tests.ApiScenario
	for _, q := range queries {
		query := "search=" + url.QueryEscape(q)
		if strings.Contains(q, "=") {
			query = q
		}
		for _, u := range testutil.WithQuery(testutil.Spellings("/api/post/posts"), query) {
			var c *testutil.Client
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "GET " + u, Method: http.MethodGet, URL: u,
				BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
					seedList(t, app, e)
					c = testutil.ClientFor(t, app, e)
				},
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"["},
				AfterTestFunc: testutil.After(func(t testing.TB, _ *tests.TestApp, body []byte) {
					for _, other := range testutil.WithQuery(testutil.Spellings("/api/post"), query) {
						res := c.Do(http.MethodGet, other, nil, nil)
						if res.Status != http.StatusOK || !reflect.DeepEqual(testutil.Decode(t, res.Body), testutil.Decode(t, body)) {
							t.Errorf("%s answered %d %s\nbut %s answered %s", other, res.Status, res.Body, u, body)
						}
					}
				}),
			})
		}
	}
	testutil.Run(t, scenarios)
}
