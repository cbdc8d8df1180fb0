package posts_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// postLimit is the creation limit of these tests: a burst of 3, then one a
// minute (nothing refills while a test runs).
var postLimit = limits.Rate{Burst: 3, PerMinute: 1}

// exhaustPosts sets the limit and has who create 3 posts — 2 through the
// route, 1 through the record API — so that their bucket is empty.
func exhaustPosts(who map[string]string) func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		t.Helper()
		limits.Of(app).PostCreate = postLimit
		c := testutil.ClientFor(t, app, e)
		for i := 0; i < 2; i++ {
			if res := c.Do(http.MethodPost, "/api/post/write/", map[string]any{"title": "burst", "category": "Programming"}, who); res.Status != http.StatusCreated {
				t.Fatalf("write %d: %d %s", i, res.Status, res.Body)
			}
		}
		res := c.Do(http.MethodPost, "/api/collections/posts/records", map[string]any{"title": "burst", "category": categoryId(t, app, "Programming")}, who)
		if res.Status != http.StatusOK {
			t.Fatalf("record create: %d %s", res.Status, res.Body)
		}
		testutil.ExpectCount(t, app, "posts", dbx.HashExp{"title": "burst"}, 3)
	}
}

// retryAfter checks a Retry-After of 1..60 whole seconds (one token a minute).
func retryAfter(t testing.TB, res *http.Response) {
	t.Helper()
	s, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After = %q, want 1..60 seconds", res.Header.Get("Retry-After"))
	}
}

// postsStored checks how many posts of each title are stored.
func postsStored(want map[string]int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		for title, n := range want {
			testutil.ExpectCount(t, app, "posts", dbx.HashExp{"title": title}, n)
		}
	})
}

func TestPostCreationLimit(t *testing.T) {
	var programming string
	recordBody := func() *lazyBody {
		return &lazyBody{make: func() string { return `{"title":"one more","category":"` + programming + `"}` }}
	}
	withCategory := func(before func(testing.TB, *tests.TestApp, *core.ServeEvent)) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
		return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			before(t, app, e)
			programming = categoryId(t, app, "Programming")
		}
	}
	refused := func(checks ...testutil.Check) func(t testing.TB, app *tests.TestApp, res *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			t.Helper()
			retryAfter(t, res)
			testutil.After(append(checks, postsStored(map[string]int{"burst": 3, "one more": 0}))...)(t, app, res)
		}
	}
	testutil.Run(t, []tests.ApiScenario{
		{
			Name: "route, bucket emptied by both APIs", Method: http.MethodPost, URL: "/api/post/write/", Headers: alice(t),
			Body:           strings.NewReader(`{"title":"one more","category":"Programming"}`),
			BeforeTestFunc: exhaustPosts(alice(t)),
			ExpectedStatus: http.StatusTooManyRequests, ExpectedContent: []string{"Request was throttled. Expected available in"},
			ExpectedEvents: map[string]int{"OnModelCreate": 0, "OnModelUpdate": 0},
			AfterTestFunc:  refused(hasDetail),
		},
		{
			Name: "record API, bucket emptied by both APIs", Method: http.MethodPost, URL: "/api/collections/posts/records", Headers: alice(t),
			Body:           recordBody(),
			BeforeTestFunc: withCategory(exhaustPosts(alice(t))),
			ExpectedStatus: http.StatusTooManyRequests, ExpectedContent: []string{`"status":429`},
			ExpectedEvents: map[string]int{"OnRecordCreateRequest": 1, "OnModelCreate": 0},
			AfterTestFunc:  refused(),
		},
		{
			Name: "another member has a bucket of their own", Method: http.MethodPost, URL: "/api/post/write/", Headers: bob(t),
			Body:           strings.NewReader(`{"title":"one more","category":"Programming"}`),
			BeforeTestFunc: exhaustPosts(alice(t)),
			ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"title":"one more"`},
			AfterTestFunc: testutil.After(postsStored(map[string]int{"burst": 3, "one more": 1})),
		},
		{
			Name: "superusers are exempt", Method: http.MethodPost, URL: "/api/collections/posts/records", Headers: admin(t),
			Body: &lazyBody{make: func() string {
				return `{"title":"one more","category":"` + programming + `","writer":"` + testutil.BobId + `"}`
			}},
			BeforeTestFunc: withCategory(func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				limits.Of(app).PostCreate = postLimit
				c := testutil.ClientFor(t, app, e)
				for i := 0; i < 3; i++ {
					res := c.Do(http.MethodPost, "/api/collections/posts/records", map[string]any{"title": "burst", "category": categoryId(t, app, "Programming"), "writer": testutil.BobId}, admin(t))
					if res.Status != http.StatusOK {
						t.Fatalf("superuser create %d: %d %s", i, res.Status, res.Body)
					}
				}
			}),
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"title":"one more"`},
			AfterTestFunc: testutil.After(postsStored(map[string]int{"burst": 3, "one more": 1})),
		},
	})
}
