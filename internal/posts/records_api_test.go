package posts_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The standard record routes enforce the same permissions as /api/post/*
// (the collection API rules), and keep rooms and the search index in sync
// through the same hooks.
func TestPostsThroughRecordsAPI(t *testing.T) {
	records := "/api/collections/posts/records"
	one := records + "/" + testutil.PostId
	var programming string
	refused := func(name, method, url string, headers map[string]string, body string, status int) tests.ApiScenario {
		before, same := unchanged(func(t testing.TB, app *tests.TestApp) { seedEdit(t, app, nil) })
		return tests.ApiScenario{
			Name: name, Method: method, URL: url, Headers: headers, Body: strings.NewReader(body),
			BeforeTestFunc: before,
			ExpectedStatus: status, ExpectedContent: []string{"{"},
			AfterTestFunc: testutil.After(same, unchangedPost),
		}
	}
	// a body naming a category must name its id: fill it in before the request
	withCategory := func(s tests.ApiScenario, body string) tests.ApiScenario {
		prev := s.BeforeTestFunc
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			programming = categoryId(t, app, "Programming")
			if prev != nil {
				prev(t, app, e)
			}
		}
		s.Body = &lazyBody{make: func() string { return strings.ReplaceAll(body, "$CAT", programming) }}
		return s
	}
	scenarios := []tests.ApiScenario{
		withCategory(refused("anonymous create", http.MethodPost, records, nil, "", http.StatusBadRequest),
			`{"title":"anon","category":"$CAT","writer":"`+testutil.AliceId+`"}`),
		withCategory(refused("member creates for another writer", http.MethodPost, records, bob(t), "", http.StatusBadRequest),
			`{"title":"forged","category":"$CAT","writer":"`+testutil.AliceId+`"}`),
		withCategory(refused("member sets hit on create", http.MethodPost, records, bob(t), "", http.StatusBadRequest),
			`{"title":"forged","category":"$CAT","hit":1000}`),
		refused("other member update", http.MethodPatch, one, bob(t), `{"title":"hijack"}`, http.StatusNotFound),
		refused("anonymous update", http.MethodPatch, one, nil, `{"title":"hijack"}`, http.StatusNotFound),
		refused("writer sets hit", http.MethodPatch, one, alice(t), `{"hit":1000}`, http.StatusNotFound),
		refused("writer gives the post away", http.MethodPatch, one, alice(t), `{"writer":"`+testutil.BobId+`"}`, http.StatusNotFound),
		refused("other member delete", http.MethodDelete, one, bob(t), "", http.StatusNotFound),
		refused("anonymous delete", http.MethodDelete, one, nil, "", http.StatusNotFound),
		withCategory(tests.ApiScenario{
			Name: "member create: writer from the auth, room and search document made", Method: http.MethodPost, URL: records,
			Headers: bob(t), ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"writer":"` + testutil.BobId + `"`},
			AfterTestFunc: testutil.After(func(t testing.TB, app *tests.TestApp, body []byte) {
				id, _ := testutil.DecodeObject(t, body)["id"].(string)
				room, err := app.FindFirstRecordByData("rooms", "post", id)
				if err != nil || room.GetString("owner") != testutil.BobId {
					t.Errorf("room of the new post: %v %v", room, err)
				}
				if ids := searchIds(t, app, "sdk로 쓴 글"); !slices.Equal(ids, []string{id}) {
					t.Errorf("search = %v, want [%s]", ids, id)
				}
			}),
		}, `{"title":"SDK로 쓴 글","category":"$CAT"}`),
		{
			Name: "writer update: index and room follow", Method: http.MethodPatch, URL: one, Headers: alice(t),
			Body: strings.NewReader(`{"title":"레코드 API 수정"}`), BeforeTestFunc: seedEdit,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{"레코드 API 수정"},
			AfterTestFunc: testutil.After(postIs("레코드 API 수정", "Programming", "go", "채팅"), testutil.State(func(t testing.TB, app *tests.TestApp) {
				if ids := searchIds(t, app, "실시간"); len(ids) != 0 {
					t.Errorf("old title still found: %v", ids)
				}
			})),
		},
		{
			Name: "writer delete: room, messages and document go", Method: http.MethodDelete, URL: one, Headers: alice(t),
			BeforeTestFunc: seedEdit, ExpectedStatus: http.StatusNoContent,
			AfterTestFunc: testutil.After(gone),
		},
		{
			Name: "superuser update through the dashboard API", Method: http.MethodPatch, URL: one, Headers: admin(t),
			Body: strings.NewReader(`{"title":"관리자"}`), BeforeTestFunc: seedEdit,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{"관리자"},
			AfterTestFunc: testutil.After(postIs("관리자", "Programming", "go", "채팅")),
		},
	}
	testutil.Run(t, scenarios)
}

// lazyBody builds its content on first read (after BeforeTestFunc ran).
type lazyBody struct {
	make func() string
	r    *strings.Reader
}

func (b *lazyBody) Read(p []byte) (int, error) {
	if b.r == nil {
		b.r = strings.NewReader(b.make())
	}
	return b.r.Read(p)
}
