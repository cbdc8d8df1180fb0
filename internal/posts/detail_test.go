package posts_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// hitIs checks the stored view count of the fixture post.
func hitIs(n int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		if got := findPost(t, app, testutil.PostId).GetInt("hit"); got != n {
			t.Errorf("stored hit = %d, want %d", got, n)
		}
	})
}

// detailOf checks the whole detail answer of the fixture post for viewer.
func detailOf(viewerEmail string, wantHit int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		d := testutil.DecodeObject(t, body)
		testutil.AssertKeys(t, "detail", d, testutil.AtLeast, detailKeys...)
		post := findPost(t, app, testutil.PostId)
		if d["post_id"] != testutil.PostId || d["title"] != "실시간 채팅 서버 만들기" || d["content"] != "Go로 **채팅** 서버를 만듭니다." {
			t.Errorf("post fields = %v %v %v", d["post_id"], d["title"], d["content"])
		}
		if d["category"] != "Programming" {
			t.Errorf("category = %#v, want its name", d["category"])
		}
		if d["hit"] != float64(wantHit) {
			t.Errorf("hit = %#v, want %d", d["hit"], wantHit)
		}
		if tm := assertTime(t, "created_at", d["created_at"]); !tm.Equal(post.GetDateTime("created").Time()) {
			t.Errorf("created_at = %v, stored %v", tm, post.GetDateTime("created"))
		}
		if tags, ok := d["tags"].([]any); !ok || len(tags) != 0 {
			t.Errorf("tags = %#v, want []", d["tags"])
		}
		writer, _ := d["writer"].(map[string]any)
		if writer == nil || writer["email"] != testutil.AliceEmail || writer["nickname"] != "alice" {
			t.Errorf("writer = %#v, want alice's email and nickname", d["writer"])
		}

		room := fixtureRoom(t, app)
		rd, _ := d["room_data"].(map[string]any)
		if rd == nil {
			t.Fatalf("room_data = %#v", d["room_data"])
		}
		testutil.AssertKeys(t, "room_data", rd, testutil.AtLeast, roomKeys...)
		if rd["id"] != room.Id || rd["name"] != room.GetString("name") || rd["owner"] != testutil.AliceId {
			t.Errorf("room_data id/name/owner = %v %v %v, want %s %s %s", rd["id"], rd["name"], rd["owner"], room.Id, room.GetString("name"), testutil.AliceId)
		}
		if want := "example.com/ws/chat/" + room.Id + "/chat/"; rd["chat_url"] != want {
			t.Errorf("chat_url = %#v, want %q", rd["chat_url"], want)
		}
		if online, ok := rd["online_users"].([]any); !ok || len(online) != 0 {
			t.Errorf("online_users = %#v, want []", rd["online_users"])
		}
		msgs, _ := rd["chat_messages"].([]any)
		if len(msgs) != 1 {
			t.Fatalf("chat_messages = %#v, want bob's message", rd["chat_messages"])
		}
		m, _ := msgs[0].(map[string]any)
		if m == nil {
			t.Fatalf("chat message = %#v", msgs[0])
		}
		testutil.AssertKeys(t, "message", m, testutil.AtLeast, messageKeys...)
		stored, err := app.FindRecordById("messages", testutil.MessageId)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"id": testutil.MessageId, "room": room.Id, "sender": testutil.BobId, "sender_email": testutil.BobEmail,
			"nickname": "bob", "profile_picture_url": nil, "message": "안녕하세요!", "parent_chat": nil, "message_type": "text",
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("message %s = %#v, want %#v", k, m[k], v)
			}
		}
		if tm := assertTime(t, "message created_at", m["created_at"]); !tm.Equal(stored.GetDateTime("created").Time()) {
			t.Errorf("message created_at = %v, stored %v", tm, stored.GetDateTime("created"))
		}

		cu, _ := d["current_user"].(map[string]any)
		if cu == nil || cu["email"] != viewerEmail {
			t.Errorf("current_user = %#v, want email %s", d["current_user"], viewerEmail)
		}
		for _, k := range []string{"password", "tokenKey"} {
			if _, ok := cu[k]; ok {
				t.Errorf("current_user has %q", k)
			}
		}
	}
}

func TestPostDetail(t *testing.T) {
	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings("/api/post/detail/" + testutil.PostId) {
		scenarios = append(scenarios, testutil.CredentialRejections(http.MethodGet, u, "", hitIs(0))...)
		scenarios = append(scenarios,
			tests.ApiScenario{
				Name: "alice GET " + u, Method: http.MethodGet, URL: u, Headers: alice(t),
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"room_data"},
				AfterTestFunc: testutil.After(detailOf(testutil.AliceEmail, 1), hitIs(1)),
			},
			tests.ApiScenario{
				Name: "bob GET " + u, Method: http.MethodGet, URL: u, Headers: bob(t),
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"room_data"},
				AfterTestFunc: testutil.After(detailOf(testutil.BobEmail, 1), hitIs(1)),
			},
			tests.ApiScenario{
				Name: "raw token GET " + u, Method: http.MethodGet, URL: u,
				Headers:        map[string]string{"Authorization": bob(t)["Authorization"][len("Bearer "):]},
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"room_data"},
				AfterTestFunc: testutil.After(detailOf(testutil.BobEmail, 1), hitIs(1)),
			},
			tests.ApiScenario{
				Name: "superuser GET " + u, Method: http.MethodGet, URL: u, Headers: admin(t),
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"room_data"},
				AfterTestFunc: testutil.After(detailOf(testutil.SuperuserEmail, 1), hitIs(1)),
			},
			tests.ApiScenario{
				Name: "41st view " + u, Method: http.MethodGet, URL: u, Headers: alice(t),
				BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
					if _, err := app.DB().NewQuery("UPDATE posts SET hit = 40").Execute(); err != nil {
						t.Fatal(err)
					}
				},
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"hit":41`},
				AfterTestFunc: testutil.After(hitIs(41)),
			},
		)
	}
	// a view changes neither the post's content nor its "updated" time, and
	// does not rewrite the search index
	var updated string
	scenarios = append(scenarios, tests.ApiScenario{
		Name: "view keeps updated", Method: http.MethodGet, URL: "/api/post/detail/" + testutil.PostId + "/", Headers: alice(t),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			updated = findPost(t, app, testutil.PostId).GetString("updated")
		},
		ExpectedStatus: http.StatusOK, ExpectedContent: []string{"room_data"},
		ExpectedEvents: map[string]int{"OnRecordUpdate": 0, "OnModelUpdate": 0},
		AfterTestFunc: testutil.After(testutil.State(func(t testing.TB, app *tests.TestApp) {
			if got := findPost(t, app, testutil.PostId).GetString("updated"); got != updated {
				t.Errorf("updated changed by a view: %s → %s", updated, got)
			}
			if ids := searchIds(t, app, "채팅"); !slices.Equal(ids, []string{testutil.PostId}) {
				t.Errorf("search after a view = %v", ids)
			}
		})),
	})
	for _, id := range []string{"nosuchpost00001", "x", "%27%20OR%201%3D1", "postalice000001x"} {
		for _, u := range testutil.Spellings("/api/post/detail/" + id) {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "unknown GET " + u, Method: http.MethodGet, URL: u, Headers: alice(t),
				ExpectedStatus: http.StatusNotFound, ExpectedContent: []string{"detail"},
				AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NotFoundBody), hitIs(0)),
			})
		}
	}
	// an unknown id is 401 for anonymous (auth comes first)
	scenarios = append(scenarios, tests.ApiScenario{
		Name: "anonymous unknown", Method: http.MethodGet, URL: "/api/post/detail/nosuchpost00001/",
		ExpectedStatus: http.StatusUnauthorized, ExpectedContent: []string{"detail"},
		AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NoAuthBody)),
	})
	testutil.Run(t, scenarios)
}
