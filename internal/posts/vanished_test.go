package posts_test

// An edit racing a delete: the post is loaded, then deleted by another
// request, then saved. The save must fail (404) inside its transaction and
// leave no search document behind; the list must not lose rows to index
// entries whose post is gone.

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// (The edits leave the title alone: a new title would also rename the
// post's room, whose recreation fails on its own.)

// deletedFirst is a request body whose first Read waits until another
// request (run on its own goroutine through the same router) has deleted
// the fixture post and committed: the edit has loaded the post by then
// and has not saved yet.
type deletedFirst struct {
	t       testing.TB
	c       *testutil.Client
	method  string
	path    string
	headers map[string]string
	body    io.Reader
	done    bool
}

func (b *deletedFirst) Read(p []byte) (int, error) {
	if !b.done {
		b.done = true
		deleted := make(chan testutil.Response)
		go func() { deleted <- b.c.Do(b.method, b.path, nil, b.headers) }()
		if res := <-deleted; res.Status != http.StatusNoContent {
			b.t.Errorf("concurrent delete: %d %s", res.Status, res.Body)
		}
	}
	return b.body.Read(p)
}

// vanished checks that the fixture post, its room and every search
// document are gone.
func vanished(t testing.TB, app *tests.TestApp, _ []byte) {
	t.Helper()
	testutil.ExpectCount(t, app, "posts", nil, 0)
	testutil.ExpectCount(t, app, "rooms", nil, 0)
	testutil.ExpectCount(t, app, "post_search_docs", nil, 0)
	testutil.ExpectCount(t, app, "post_search_tags", nil, 0)
	if ids := searchIds(t, app, "유령"); len(ids) != 0 {
		t.Errorf("search finds the edited content in %v", ids)
	}
}

func TestEditRacingDeleteThroughRoute(t *testing.T) {
	edit := "/api/post/detail/" + testutil.PostId + "/edit/"
	var scenarios []tests.ApiScenario
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch} {
		body := &deletedFirst{method: http.MethodDelete, path: "/api/post/detail/" + testutil.PostId + "/delete/", headers: alice(t),
			body: strings.NewReader(`{"content":"유령 내용","tags":["유령"]}`)}
		scenarios = append(scenarios, tests.ApiScenario{
			Name: method + " edit while the writer deletes", Method: method, URL: edit, Headers: alice(t), Body: body,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				seedEdit(t, app, e)
				body.t, body.c = t, testutil.ClientFor(t, app, e)
			},
			ExpectedStatus: http.StatusNotFound, ExpectedContent: []string{"detail"},
			ExpectedEvents: map[string]int{
				"OnRecordUpdateExecute": 1, "OnRecordAfterUpdateSuccess": 0, "OnRecordAfterUpdateError": 1,
				"OnRecordAfterDeleteSuccess": 5, // the post, its room, bob's message, the room's two follows
			},
			AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NotFoundBody), vanished,
				testutil.State(func(t testing.TB, app *tests.TestApp) {
					// the refused edit created no tag either (its transaction rolled back)
					testutil.ExpectCount(t, app, "tags", dbx.HashExp{"name": "유령"}, 0)
				})),
		})
	}
	testutil.Run(t, scenarios)
}

func TestEditRacingDeleteThroughRecordsAPI(t *testing.T) {
	one := "/api/collections/posts/records/" + testutil.PostId
	testutil.Run(t, []tests.ApiScenario{{
		Name: "SDK update while the writer deletes through the SDK", Method: http.MethodPatch, URL: one, Headers: alice(t),
		Body: strings.NewReader(`{"content":"유령 내용"}`),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			seedEdit(t, app, e)
			c := testutil.ClientFor(t, app, e)
			// the record API reads the body before it loads the record, so
			// the delete goes in between its access check and its save
			app.OnRecordUpdateRequest("posts").BindFunc(func(re *core.RecordRequestEvent) error {
				deleted := make(chan testutil.Response)
				go func() { deleted <- c.Do(http.MethodDelete, one, nil, alice(t)) }()
				if res := <-deleted; res.Status != http.StatusNoContent {
					t.Errorf("concurrent delete: %d %s", res.Status, res.Body)
				}
				return re.Next()
			})
		},
		ExpectedStatus: http.StatusNotFound, ExpectedContent: []string{`"status":404`},
		ExpectedEvents: map[string]int{"OnRecordUpdateExecute": 1, "OnRecordAfterUpdateSuccess": 0, "OnRecordAfterUpdateError": 1},
		AfterTestFunc:  testutil.After(vanished),
	}})
}

// ghostPosts creates n posts titled "ghost <i>" (tag "ghost", category
// Ormi) and then deletes the rows of the newest `dangling` of them behind
// the hooks' back, leaving their search documents dangling, newest first.
func ghostPosts(n, dangling int) func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		t.Helper()
		tag := testutil.MustSave(t, app, "tags", map[string]any{"name": "ghost"})
		ormi := categoryId(t, app, "Ormi")
		for i := 0; i < n; i++ {
			testutil.MustSave(t, app, "posts", map[string]any{
				"id": fmt.Sprintf("ghostpost%06d", i), "title": fmt.Sprintf("ghost %d", i),
				"category": ormi, "tags": []string{tag.Id}, "writer": testutil.BobId,
			})
		}
		for i := n - dangling; i < n; i++ {
			if _, err := app.DB().Delete("posts", dbx.HashExp{"id": fmt.Sprintf("ghostpost%06d", i)}).Execute(); err != nil {
				t.Fatal(err)
			}
		}
		testutil.ExpectCount(t, app, "post_search_docs", nil, n+1)
	}
}

// ghostIds are the ids of the live ghost posts i..j-1 (newest first).
func ghostIds(from, to int) []string {
	var ids []string
	for i := to - 1; i >= from; i-- {
		ids = append(ids, fmt.Sprintf("ghostpost%06d", i))
	}
	return ids
}

func TestListSkipsDanglingIndexEntries(t *testing.T) {
	// 25 live ghost posts under 20 dangling documents (the newest)
	seed := ghostPosts(45, 20)
	var scenarios []tests.ApiScenario
	for _, q := range []string{"", "search=ghost", "search=gh", "tag=ghost", "category=Ormi", "search=ghost&tag=ghost&category=Ormi"} {
		page2 := ghostIds(0, 5)
		if q == "" {
			page2 = append(page2, testutil.PostId) // the fixture post, oldest
		}
		scenarios = append(scenarios,
			tests.ApiScenario{
				Name: "page 1 " + q, Method: http.MethodGet, URL: "/api/post/?" + q, BeforeTestFunc: seed,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"ghost 24"},
				AfterTestFunc: testutil.After(listIs(ghostIds(5, 25)...)),
			},
			tests.ApiScenario{
				Name: "page 2 " + q, Method: http.MethodGet, URL: "/api/post/?page=2&" + q, BeforeTestFunc: seed,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"ghost 4"},
				AfterTestFunc: testutil.After(listIs(page2...)),
			},
		)
	}
	testutil.Run(t, scenarios)
}
