package posts_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// seedEdit gives the fixture post the tags go and 채팅.
func seedEdit(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	t.Helper()
	setPostTags(t, app, "go", "채팅")
}

// postIs checks the stored fixture post: title, category name, writer,
// hit and tag names.
func postIs(title, category string, tags ...string) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		p := findPost(t, app, testutil.PostId)
		c, err := app.FindRecordById("categories", p.GetString("category"))
		if err != nil {
			t.Fatal(err)
		}
		if p.GetString("title") != title || c.GetString("name") != category || p.GetString("writer") != testutil.AliceId || p.GetInt("hit") != 0 {
			t.Errorf("stored post = %q %q %q hit %d, want %q %q alice hit 0", p.GetString("title"), c.GetString("name"), p.GetString("writer"), p.GetInt("hit"), title, category)
		}
		if got := postTagNames(t, app, p); !slices.Equal(got, sorted(tags)) {
			t.Errorf("stored tags = %v, want %v", got, sorted(tags))
		}
		// the index follows
		if ids := searchIds(t, app, strings.ToUpper(title)); !slices.Contains(ids, testutil.PostId) {
			t.Errorf("search for the title %q = %v", title, ids)
		}
		if ids := searchIds(t, app, category); !slices.Contains(ids, testutil.PostId) {
			t.Errorf("search for the category %q = %v", category, ids)
		}
		for _, tag := range tags {
			if ids := searchIds(t, app, tag); !slices.Contains(ids, testutil.PostId) {
				t.Errorf("search for the tag %q = %v", tag, ids)
			}
		}
		// the room follows the title
		if room := fixtureRoom(t, app); room.GetString("name") != title {
			t.Errorf("room name = %q, want %q", room.GetString("name"), title)
		}
	})
}

// answerIs checks the post answered by edit.
func answerIs(title, category string, tags ...string) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		p := testutil.DecodeObject(t, body)
		assertPostShape(t, p)
		if p["id"] != testutil.PostId || p["title"] != title || p["category"] != category || p["writer"] != testutil.AliceId {
			t.Errorf("answer = %s", body)
		}
		if got := tagNamesOf(t, p); !slices.Equal(got, sorted(tags)) {
			t.Errorf("answer tags = %v, want %v", got, sorted(tags))
		}
	}
}

var unchangedPost = postIs(testutil.PostTitle, "Programming", "go", "채팅")

// editEvents are the hook events of the first edit (a new tag): the tag is
// created, the post updated (its room keeps its id; the search doc is SQL).
var editEvents = testutil.WriteEvents(1, 1, 0)

// deleteEvents are the hook events of a deleted post: the post, its room,
// the room's message and the room's two follows (the writer's; bob's, who
// wrote the message) are deleted.
var deleteEvents = testutil.WriteEvents(0, 0, 5)

func TestEditPost(t *testing.T) {
	editPath := "/api/post/detail/" + testutil.PostId + "/edit"
	type edit struct {
		name     string
		body     string
		title    string
		category string
		tags     []string
		newTags  int
	}
	edits := []edit{
		{"tags replaced as a set", `{"tags":["Python","GO","python"]}`, testutil.PostTitle, "Programming", []string{"Python", "go"}, 1},
		{"tags as comma string", `{"tags":"채팅, 새것"}`, testutil.PostTitle, "Programming", []string{"채팅", "새것"}, 1},
		{"tags emptied", `{"tags":[]}`, testutil.PostTitle, "Programming", nil, 0},
		{"tags emptied by empty string", `{"tags":""}`, testutil.PostTitle, "Programming", nil, 0},
		{"title only keeps tags", `{"title":"새 제목"}`, "새 제목", "Programming", []string{"go", "채팅"}, 0},
		{"category by name", `{"category":"ormi"}`, testutil.PostTitle, "Ormi", []string{"go", "채팅"}, 0},
		{"everything", `{"title":"Ελληνικά","content":"Привет","category":"ESTsoft","tags":["Ωμέγα"]}`, "Ελληνικά", "ESTsoft", []string{"Ωμέγα"}, 1},
		{"writer and hit in the body are ignored", `{"title":"x","writer":"` + testutil.BobId + `","hit":99}`, "x", "Programming", []string{"go", "채팅"}, 0},
		{"empty body changes nothing", `{}`, testutil.PostTitle, "Programming", []string{"go", "채팅"}, 0},
	}
	var scenarios []tests.ApiScenario
	noEvilTag := testutil.State(func(t testing.TB, app *tests.TestApp) {
		if n := testutil.Count(t, app, "tags", dbx.HashExp{"name": "evil"}); n != 0 {
			t.Errorf("tag evil stored by a refused edit")
		}
	})
	for _, u := range testutil.Spellings(editPath) {
		// GET without credentials or with a bad token
		for _, s := range testutil.CredentialRejections(http.MethodGet, u, "") {
			s.BeforeTestFunc = seedEdit
			scenarios = append(scenarios, s)
		}
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch} {
			for _, e := range edits {
				var events map[string]int
				if e.name == edits[0].name {
					events = editEvents
				}
				scenarios = append(scenarios, tests.ApiScenario{
					Name: method + " " + e.name + " " + u, Method: method, URL: u, Body: strings.NewReader(e.body), Headers: alice(t),
					ExpectedEvents: events,
					BeforeTestFunc: seedEdit,
					ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"id"`},
					AfterTestFunc: testutil.After(answerIs(e.title, e.category, e.tags...), postIs(e.title, e.category, e.tags...),
						testutil.State(func(t testing.TB, app *tests.TestApp) {
							if got := testutil.Count(t, app, "tags", nil); got != 2+e.newTags {
								t.Errorf("%d tags, want %d", got, 2+e.newTags)
							}
						})),
				})
			}
			// multipart edit with repeated tags
			body, ctype := testutil.Multipart(testutil.Field("tags", "a"), testutil.Field("tags", "B"), testutil.Field("title", "폼"))
			scenarios = append(scenarios, tests.ApiScenario{
				Name: method + " multipart " + u, Method: method, URL: u, Body: body,
				Headers: withHeaders(alice(t), map[string]string{"Content-Type": ctype}), BeforeTestFunc: seedEdit,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"id"`},
				AfterTestFunc: testutil.After(answerIs("폼", "Programming", "a", "B"), postIs("폼", "Programming", "a", "B")),
			})
			// a superuser may edit; the writer stays alice
			scenarios = append(scenarios, tests.ApiScenario{
				Name: method + " superuser " + u, Method: method, URL: u, Body: strings.NewReader(`{"title":"관리자 수정"}`), Headers: admin(t),
				BeforeTestFunc: seedEdit,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"id"`},
				AfterTestFunc: testutil.After(answerIs("관리자 수정", "Programming", "go", "채팅"), postIs("관리자 수정", "Programming", "go", "채팅")),
			})
			// refused: nothing changes
			type refused struct {
				name    string
				headers map[string]string
				body    string
				status  int
				checks  []testutil.Check
			}
			for _, r := range []refused{
				{"other member", bob(t), `{"title":"hijack","tags":["evil"]}`, 403, []testutil.Check{testutil.BodyIs(testutil.ForbiddenBody)}},
				{"blank title", alice(t), `{"title":"","tags":["evil"]}`, 400, []testutil.Check{errorOn("title")}},
				{"null title", alice(t), `{"title":null,"tags":["evil"]}`, 400, []testutil.Check{errorOn("title")}},
				{"unknown category", alice(t), `{"category":"nope","tags":["evil"]}`, 400, []testutil.Check{errorOn("category")}},
				{"null category", alice(t), `{"category":null,"tags":["evil"]}`, 400, []testutil.Check{errorOn("category")}},
				{"tags a number", alice(t), `{"title":"x","tags":5}`, 400, []testutil.Check{errorOn("tags")}},
				{"tags numbers", alice(t), `{"title":"x","tags":[1,2]}`, 400, []testutil.Check{errorOn("tags")}},
				{"title too long with new tags", alice(t), `{"title":"` + strings.Repeat("a", 201) + `","tags":["evil"]}`, 400, []testutil.Check{errorOn("title")}},
				{"malformed JSON", alice(t), `{"title":`, 400, []testutil.Check{hasDetail}},
				{"JSON list", alice(t), `["x"]`, 400, []testutil.Check{testutil.BodyIs(testutil.ListBodyError)}},
				{"too large", alice(t), `{"title":"` + strings.Repeat("a", 10<<20) + `"}`, 413, []testutil.Check{testutil.BodyIs(testutil.TooLargeBody)}},
			} {
				before, same := unchanged(seedEditTB)
				scenarios = append(scenarios, tests.ApiScenario{
					Name: method + " " + r.name + " " + u, Method: method, URL: u, Body: strings.NewReader(r.body), Headers: r.headers,
					BeforeTestFunc: before,
					ExpectedStatus: r.status, ExpectedContent: []string{"{"},
					AfterTestFunc: testutil.After(append(r.checks, same, unchangedPost, noEvilTag)...),
				})
			}
			// no credentials or a bad token (superusers may edit)
			before, same := unchanged(seedEditTB)
			for _, s := range testutil.CredentialRejections(method, u, `{"title":"hijack","tags":["evil"]}`, same, unchangedPost, noEvilTag) {
				s.BeforeTestFunc = before
				scenarios = append(scenarios, s)
			}
			scenarios = append(scenarios, tests.ApiScenario{
				Name: method + " unknown id " + u, Method: method, URL: strings.Replace(u, testutil.PostId, "nosuchpost00001", 1),
				Body: strings.NewReader(`{"title":"x"}`), Headers: alice(t),
				ExpectedStatus: http.StatusNotFound, ExpectedContent: []string{"detail"},
				AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NotFoundBody)),
			})
		}
		// GET: the writer and superusers read the post to edit; others not
		scenarios = append(scenarios,
			tests.ApiScenario{
				Name: "GET writer " + u, Method: http.MethodGet, URL: u, Headers: alice(t), BeforeTestFunc: seedEdit,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"id"`},
				AfterTestFunc: testutil.After(answerIs(testutil.PostTitle, "Programming", "go", "채팅"), unchangedPost),
			},
			tests.ApiScenario{
				Name: "GET superuser " + u, Method: http.MethodGet, URL: u, Headers: admin(t), BeforeTestFunc: seedEdit,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"id"`},
				AfterTestFunc: testutil.After(answerIs(testutil.PostTitle, "Programming", "go", "채팅")),
			},
			tests.ApiScenario{
				Name: "GET other member " + u, Method: http.MethodGet, URL: u, Headers: bob(t), BeforeTestFunc: seedEdit,
				ExpectedStatus: http.StatusForbidden, ExpectedContent: []string{"detail"},
				AfterTestFunc: testutil.After(testutil.BodyIs(testutil.ForbiddenBody)),
			},
			tests.ApiScenario{
				Name: "GET unknown " + u, Method: http.MethodGet, URL: strings.Replace(u, testutil.PostId, "nosuchpost00001", 1), Headers: alice(t),
				ExpectedStatus: http.StatusNotFound, ExpectedContent: []string{"detail"},
				AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NotFoundBody)),
			},
		)
	}
	testutil.Run(t, scenarios)
}

func seedEditTB(t testing.TB, app *tests.TestApp) { seedEdit(t, app, nil) }

// gone checks that the fixture post, its room, bob's message and the
// post's search document were deleted.
func gone(t testing.TB, app *tests.TestApp, _ []byte) {
	t.Helper()
	if _, err := app.FindRecordById("posts", testutil.PostId); err == nil {
		t.Errorf("post still stored")
	}
	if n := testutil.Count(t, app, "rooms", nil); n != 0 {
		t.Errorf("%d rooms left", n)
	}
	if n := testutil.Count(t, app, "messages", nil); n != 0 {
		t.Errorf("%d messages left", n)
	}
	if n := testutil.Count(t, app, "post_search_docs", nil); n != 0 {
		t.Errorf("%d search documents left", n)
	}
	if ids := searchIds(t, app, "채팅"); len(ids) != 0 {
		t.Errorf("search still finds %v", ids)
	}
	if n := testutil.Count(t, app, "tags", nil); n != 2 {
		t.Errorf("tags are not deleted with a post: %d left, want 2", n)
	}
}

// present checks that the fixture post and its room and message remain.
func present(t testing.TB, app *tests.TestApp, _ []byte) {
	t.Helper()
	findPost(t, app, testutil.PostId)
	fixtureRoom(t, app)
	if n := testutil.Count(t, app, "messages", nil); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	if ids := searchIds(t, app, "채팅"); !slices.Equal(ids, []string{testutil.PostId}) {
		t.Errorf("search = %v", ids)
	}
}

func TestDeletePost(t *testing.T) {
	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings("/api/post/detail/" + testutil.PostId + "/delete") {
		for _, method := range []string{http.MethodPost, http.MethodDelete} {
			// no credentials or a bad token (superusers may delete): the post stays
			for _, s := range testutil.CredentialRejections(method, u, "", present) {
				s.BeforeTestFunc = seedEdit
				scenarios = append(scenarios, s)
			}
		}
		for _, method := range []string{http.MethodPost, http.MethodDelete} {
			scenarios = append(scenarios,
				tests.ApiScenario{
					Name: method + " writer " + u, Method: method, URL: u, Headers: alice(t), BeforeTestFunc: seedEdit,
					ExpectedStatus: http.StatusNoContent, ExpectedEvents: deleteEvents,
					AfterTestFunc: testutil.After(gone),
				},
				tests.ApiScenario{
					Name: method + " superuser " + u, Method: method, URL: u, Headers: admin(t), BeforeTestFunc: seedEdit,
					ExpectedStatus: http.StatusNoContent,
					AfterTestFunc:  testutil.After(gone),
				},
				tests.ApiScenario{
					Name: method + " other member " + u, Method: method, URL: u, Headers: bob(t), BeforeTestFunc: seedEdit,
					ExpectedStatus: http.StatusForbidden, ExpectedContent: []string{"detail"},
					AfterTestFunc: testutil.After(testutil.BodyIs(testutil.ForbiddenBody), present),
				},
				tests.ApiScenario{
					Name: method + " unknown " + u, Method: method, URL: strings.Replace(u, testutil.PostId, "nosuchpost00001", 1), Headers: alice(t),
					ExpectedStatus: http.StatusNotFound, ExpectedContent: []string{"detail"},
					AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NotFoundBody), present),
				},
			)
		}
	}
	testutil.Run(t, scenarios)
}
