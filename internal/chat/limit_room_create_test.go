package chat_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// roomLimit: a burst of 3, then one a minute (nothing refills in a test).
var roomLimit = limits.Rate{Burst: 3, PerMinute: 1}

// exhaustRooms sets the limit and has who create 3 rooms without a post —
// 2 through POST /api/chat/room/, 1 through the record API.
func exhaustRooms(who map[string]string) func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		t.Helper()
		limits.Of(app).RoomCreate = roomLimit
		mux, err := e.Router.BuildMux()
		if err != nil {
			t.Fatal(err)
		}
		send := func(path string, body map[string]any) int {
			raw, _ := json.Marshal(body)
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range who {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			return rec.Code
		}
		for i := 0; i < 2; i++ {
			if code := send("/api/chat/room/", map[string]any{"name": "burst"}); code != http.StatusCreated {
				t.Fatalf("room %d: %d", i, code)
			}
		}
		if code := send("/api/collections/rooms/records", map[string]any{"name": "burst"}); code != http.StatusOK {
			t.Fatalf("record create: %d", code)
		}
	}
}

func roomsNamed(want map[string]int) func(t testing.TB, app *tests.TestApp, res *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		t.Helper()
		for name, n := range want {
			testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"name": name}, n)
		}
	}
}

func refusedRoom(t testing.TB, app *tests.TestApp, res *http.Response) {
	t.Helper()
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After = %q, want 1..60 seconds", res.Header.Get("Retry-After"))
	}
	roomsNamed(map[string]int{"burst": 3, "one more": 0})(t, app, res)
}

func TestRoomCreationLimit(t *testing.T) {
	alice := auth(t, testutil.AliceEmail)
	testutil.Run(t, []tests.ApiScenario{
		{
			Name: "route, bucket emptied by both APIs", Method: http.MethodPost, URL: "/api/chat/room/", Headers: alice,
			Body: strings.NewReader(`{"name":"one more"}`), BeforeTestFunc: exhaustRooms(alice),
			ExpectedStatus: http.StatusTooManyRequests, ExpectedContent: []string{`{"detail":"Request was throttled. Expected available in `},
			ExpectedEvents: map[string]int{"OnModelCreate": 0},
			AfterTestFunc:  refusedRoom,
		},
		{
			Name: "record API, bucket emptied by both APIs", Method: http.MethodPost, URL: "/api/collections/rooms/records", Headers: alice,
			Body: strings.NewReader(`{"name":"one more"}`), BeforeTestFunc: exhaustRooms(alice),
			ExpectedStatus: http.StatusTooManyRequests, ExpectedContent: []string{`"status":429`},
			ExpectedEvents: map[string]int{"OnRecordCreateRequest": 1, "OnModelCreate": 0},
			AfterTestFunc:  refusedRoom,
		},
		{
			Name: "another member has a bucket of their own", Method: http.MethodPost, URL: "/api/chat/room/", Headers: auth(t, testutil.BobEmail),
			Body: strings.NewReader(`{"name":"one more"}`), BeforeTestFunc: exhaustRooms(alice),
			ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"name":"one more"`},
			AfterTestFunc: roomsNamed(map[string]int{"burst": 3, "one more": 1}),
		},
		{
			Name: "superusers are exempt", Method: http.MethodPost, URL: "/api/collections/rooms/records", Headers: auth(t, testutil.SuperuserEmail),
			Body: strings.NewReader(`{"name":"one more","owner":"` + testutil.BobId + `"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				limits.Of(app).RoomCreate = limits.Rate{Burst: 1, PerMinute: 1}
				for i := 0; i < 3; i++ {
					testutil.MustSave(t, app, "rooms", map[string]any{"name": "burst", "owner": testutil.BobId})
				}
				// the superuser's own record API creates are not counted either
				mux, err := e.Router.BuildMux()
				if err != nil {
					t.Fatal(err)
				}
				req := httptest.NewRequest(http.MethodPost, "/api/collections/rooms/records", strings.NewReader(`{"name":"admin","owner":"`+testutil.BobId+`"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", auth(t, testutil.SuperuserEmail)["Authorization"])
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("superuser create: %d %s", rec.Code, rec.Body)
				}
			},
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"name":"one more"`},
			AfterTestFunc: roomsNamed(map[string]int{"burst": 3, "admin": 1, "one more": 1}),
		},
	})
}
