package notifications_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// notificationKeys are the documented keys of a notification.
var notificationKeys = []string{"id", "kind", "read", "created_at", "actor", "room", "message", "excerpt"}

// inbox gives alice three mentions from bob in the post's room, oldest
// first, besides her fixture "friend" notification (carol added her).
// It returns the message ids.
func inbox(t testing.TB, app core.App) []string {
	t.Helper()
	room := postRoomId(t, app)
	ids := make([]string, 3)
	for i := range ids {
		m := testutil.MustSave(t, app, "messages", map[string]any{"room": room, "sender": testutil.BobId, "message": fmt.Sprintf("@alice number %d", i+1)})
		ids[i] = m.Id
		time.Sleep(2 * time.Millisecond) // distinct creation times: "newest first" is then well defined
	}
	if n := len(notificationsOf(t, app, testutil.AliceId)); n != 4 {
		t.Fatalf("alice has %d notifications, want 4", n)
	}
	return ids
}

// results decodes a list answer.
func results(t testing.TB, res testutil.Response) (count, unread int, items []map[string]any) {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("list: %d %s", res.Status, res.Body)
	}
	body := res.JSON(t)
	testutil.AssertKeys(t, "list answer", body, testutil.Exactly, "count", "unread", "results")
	list, ok := body["results"].([]any)
	if !ok {
		t.Fatalf("results is not a list: %s", res.Body)
	}
	for _, item := range list {
		obj := item.(map[string]any)
		testutil.AssertKeys(t, "notification", obj, testutil.Exactly, notificationKeys...)
		items = append(items, obj)
	}
	return int(body["count"].(float64)), int(body["unread"].(float64)), items
}

func TestListNotifications(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	msgs := inbox(t, app)
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	room := postRoomId(t, app)

	for _, path := range testutil.Spellings("/api/notifications") {
		count, unread, items := results(t, c.Do(http.MethodGet, path, nil, alice))
		if count != 4 || unread != 4 || len(items) != 4 {
			t.Fatalf("%s: count %d unread %d, %d items; want 4, 4, 4", path, count, unread, len(items))
		}
		// newest first: the three mentions (3, 2, 1), then carol's friend notification
		for i, want := range []string{msgs[2], msgs[1], msgs[0]} {
			it := items[i]
			if it["message"] != want || it["kind"] != "mention" || it["room"] != room || it["read"] != false {
				t.Errorf("%s: item %d = %v, want the mention of %s", path, i, it, want)
			}
			if it["excerpt"] != fmt.Sprintf("@alice number %d", 3-i) {
				t.Errorf("%s: item %d excerpt = %v", path, i, it["excerpt"])
			}
			actor, _ := it["actor"].(map[string]any)
			testutil.AssertKeys(t, "actor", actor, testutil.Exactly, "id", "nickname", "profile_picture_url")
			if actor["id"] != testutil.BobId || actor["nickname"] != "bob" || actor["profile_picture_url"] != nil {
				t.Errorf("%s: actor = %v", path, actor)
			}
			if s, _ := it["created_at"].(string); !strings.HasSuffix(s, "Z") || len(s) != len("2026-11-24T03:07:37.123Z") {
				t.Errorf("%s: created_at = %v", path, it["created_at"])
			}
		}
		friend := items[3]
		if friend["kind"] != "friend" || friend["room"] != nil || friend["message"] != nil || friend["excerpt"] != nil {
			t.Errorf("%s: friend notification = %v", path, friend)
		}
		if actor, _ := friend["actor"].(map[string]any); actor["id"] != testutil.CarolId {
			t.Errorf("%s: friend actor = %v", path, friend["actor"])
		}
	}

	// pages
	count, _, items := results(t, c.Do(http.MethodGet, "/api/notifications/?page=2&page_size=3", nil, alice))
	if count != 4 || len(items) != 1 || items[0]["kind"] != "friend" {
		t.Errorf("page 2 of 3: count %d, items %v", count, items)
	}
	// unread only
	notificationOf(t, app, msgs[0], testutil.AliceId)
	if res := c.Do(http.MethodPost, "/api/notifications/read/", map[string]any{"ids": []string{notificationOf(t, app, msgs[0], testutil.AliceId).Id}}, alice); res.Status != 200 {
		t.Fatalf("read: %d %s", res.Status, res.Body)
	}
	count, unread, items := results(t, c.Do(http.MethodGet, "/api/notifications/?unread=1", nil, alice))
	if count != 3 || unread != 3 || len(items) != 3 {
		t.Errorf("unread=1: count %d unread %d items %d, want 3, 3, 3", count, unread, len(items))
	}
	for _, it := range items {
		if it["read"] != false || it["message"] == msgs[0] {
			t.Errorf("unread=1 lists %v", it)
		}
	}
	count, unread, _ = results(t, c.Do(http.MethodGet, "/api/notifications/?unread=0", nil, alice))
	if count != 4 || unread != 3 {
		t.Errorf("unread=0: count %d unread %d, want 4, 3", count, unread)
	}

	// another member's notifications are not mine: bob sees his one
	count, _, items = results(t, c.Do(http.MethodGet, "/api/notifications/", nil, testutil.AuthHeader(t, testutil.BobEmail)))
	if count != 1 || len(items) != 1 || items[0]["kind"] != "friend" {
		t.Errorf("bob's list: count %d, %v", count, items)
	}

	// bad input
	for query, field := range map[string]string{"page=0": "page", "page=x": "page", "page_size=-1": "page_size", "unread=maybe": "unread"} {
		res := c.Do(http.MethodGet, "/api/notifications/?"+query, nil, alice)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"`+field+`":[`) {
			t.Errorf("?%s: %d %s, want 400 naming %s", query, res.Status, res.Body, field)
		}
	}
}

// A huge page_size is bounded (100 a page).
func TestListNotificationsPageSizeBounded(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	for i := 0; i < 105; i++ {
		testutil.MustSave(t, app, "notifications", map[string]any{"user": testutil.DaveId, "kind": "friend", "actor": testutil.AliceId})
	}
	count, unread, items := results(t, c.Do(http.MethodGet, "/api/notifications/?page_size=100000000", nil, testutil.AuthHeader(t, testutil.DaveEmail)))
	if count != 105 || unread != 105 || len(items) != 100 {
		t.Errorf("count %d unread %d, %d items; want 105, 105, 100", count, unread, len(items))
	}
}

// The excerpt shows only while the member may still read the room and
// the message is not deleted; it is the first 140 characters.
func TestNotificationExcerpt(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	makeRooms(t, app)
	bob := testutil.AuthHeader(t, testutil.BobEmail)
	long := "@bob " + strings.Repeat("가", 200)
	inRoom := sendREST(t, c, testutil.AliceEmail, map[string]any{"room": aliceRoomId, "message": long})
	post := sendREST(t, c, testutil.AliceEmail, map[string]any{"room": postRoomId(t, app), "message": "@bob soon gone"})

	excerpts := func() map[string]any {
		_, _, items := results(t, c.Do(http.MethodGet, "/api/notifications/", nil, bob))
		out := map[string]any{}
		for _, it := range items {
			if id, ok := it["message"].(string); ok {
				out[id] = it["excerpt"]
			}
		}
		return out
	}
	got := excerpts()
	if want := string([]rune(long)[:140]); got[inRoom] != want {
		t.Errorf("excerpt = %v, want the first 140 characters", got[inRoom])
	}
	if got[post] != "@bob soon gone" {
		t.Errorf("excerpt = %v", got[post])
	}

	// alice removes bob from her list: her room is closed to him
	res := c.Do(http.MethodPost, "/user/delete-friend/", map[string]any{"email": testutil.BobEmail}, testutil.AuthHeader(t, testutil.AliceEmail))
	if res.Status != http.StatusOK {
		t.Fatalf("delete-friend: %d %s", res.Status, res.Body)
	}
	// the message is deleted (stored as a soft delete leaves it)
	if _, err := app.DB().NewQuery("UPDATE messages SET message = '', deleted_at = {:now} WHERE id = {:id}").
		Bind(dbx.Params{"now": time.Now().UTC().Format("2006-01-02 15:04:05.000Z"), "id": post}).Execute(); err != nil {
		t.Fatal(err)
	}
	got = excerpts()
	if got[inRoom] != nil || got[post] != nil {
		t.Errorf("excerpts after access ended / delete = %v, want null", got)
	}
}

func TestUnreadCount(t *testing.T) {
	t.Parallel()
	var rejections []tests.ApiScenario
	for _, url := range testutil.Spellings("/api/notifications/unread-count") {
		rejections = append(rejections, testutil.AuthRejections(t, http.MethodGet, url, "")...)
		rejections = append(rejections, tests.ApiScenario{
			Name: "alice's count at " + url, Method: http.MethodGet, URL: url,
			Headers: testutil.AuthHeader(t, testutil.AliceEmail),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				inbox(t, app)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"unread":4`},
			ExpectedEvents: map[string]int{"*": 0},
			AfterTestFunc:  testutil.After(testutil.BodyIs(`{"unread":4}`)),
		})
	}
	for _, url := range testutil.Spellings("/api/notifications") {
		rejections = append(rejections, testutil.AuthRejections(t, http.MethodGet, url, "")...)
	}
	testutil.Run(t, rejections)
}

func TestMarkRead(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	msgs := inbox(t, app)
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	bobsOwn := notificationsOf(t, app, testutil.BobId)[0].Id
	mine := notificationOf(t, app, msgs[1], testutil.AliceId).Id
	isRead := func(id string) bool { return testutil.MustFind(t, app, "notifications", id).GetBool("read") }

	// my id, bob's id and an unknown one: only mine counts
	res := c.Do(http.MethodPost, "/api/notifications/read/", map[string]any{"ids": []string{mine, bobsOwn, "nosuchnotific1"}}, alice)
	if res.Status != http.StatusOK || string(res.Body) != `{"unread":3}` {
		t.Fatalf("read ids: %d %s, want 200 {\"unread\":3}", res.Status, res.Body)
	}
	if !isRead(mine) || isRead(bobsOwn) {
		t.Errorf("after read: mine read=%v, bob's read=%v", isRead(mine), isRead(bobsOwn))
	}
	// again: nothing changes
	res = c.Do(http.MethodPost, "/api/notifications/read", map[string]any{"ids": []string{mine}}, alice)
	if res.Status != http.StatusOK || string(res.Body) != `{"unread":3}` {
		t.Fatalf("read again: %d %s", res.Status, res.Body)
	}

	// bad input changes nothing
	for _, bad := range []struct{ body, want string }{
		{`{"ids":"` + mine + `"}`, `{"ids":["Expected a list of items but got type \"str\"."]}`},
		{`{"ids":[1]}`, `{"ids":["Not a valid string."]}`},
		{`{"ids":{"a":1}}`, `{"ids":["Expected a list of items but got type \"dict\"."]}`},
		{`{}`, `{"ids":["This field is required."]}`},
		{`{"all":false}`, `{"ids":["This field is required."]}`},
		{`{"all":"perhaps"}`, `{"all":["Must be a valid boolean."]}`},
		{`["` + mine + `"]`, testutil.ListBodyError},
		{`{"ids":[`, ``},
		{`not json`, ``},
		{testutil.JSONOf(map[string]any{"ids": make([]string, 101)}), `{"ids":["Ensure this field has no more than 100 elements."]}`},
	} {
		res := c.Do(http.MethodPost, "/api/notifications/read/", bad.body, alice)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad.body, res.Status, res.Body)
			continue
		}
		if bad.want == "" {
			if !strings.Contains(string(res.Body), `"detail":"JSON parse error - `) {
				t.Errorf("%s: %s, want a JSON parse error", bad.body, res.Body)
			}
		} else if !jsonEqual(t, res.Body, bad.want) {
			t.Errorf("%s: %s, want %s", bad.body, res.Body, bad.want)
		}
	}
	if n := testutil.Count(t, app, "notifications", dbx.HashExp{"user": testutil.AliceId, "read": false}); n != 3 {
		t.Errorf("after refused requests alice has %d unread, want 3", n)
	}

	// all
	res = c.Do(http.MethodPost, "/api/notifications/read/", map[string]any{"all": true}, alice)
	if res.Status != http.StatusOK || string(res.Body) != `{"unread":0}` {
		t.Fatalf("read all: %d %s", res.Status, res.Body)
	}
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"user": testutil.AliceId, "read": false}, 0)
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"user": testutil.BobId, "read": false}, 1)
	if res := c.Do(http.MethodGet, "/api/notifications/unread-count/", nil, alice); string(res.Body) != `{"unread":0}` {
		t.Errorf("unread-count after read all: %s", res.Body)
	}
}

func TestMarkReadRejections(t *testing.T) {
	t.Parallel()
	var scenarios []tests.ApiScenario
	unchanged := testutil.State(func(t testing.TB, app *tests.TestApp) {
		testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"read": true}, 0)
	})
	for _, url := range testutil.Spellings("/api/notifications/read") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, url, `{"all":true}`, unchanged)...)
	}
	testutil.Run(t, scenarios)
}

// Through the record API (the JS SDK), members see and change only their
// own notifications, and only "read".
func TestNotificationsRecordAPI(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	msgs := inbox(t, app)
	alice, bob := testutil.AuthHeader(t, testutil.AliceEmail), testutil.AuthHeader(t, testutil.BobEmail)
	hers := notificationOf(t, app, msgs[0], testutil.AliceId)
	const records = "/api/collections/notifications/records"

	res := c.Do(http.MethodGet, records, nil, alice)
	if res.Status != http.StatusOK || res.JSON(t)["totalItems"] != float64(4) {
		t.Errorf("alice's list: %d %s", res.Status, res.Body)
	}
	res = c.Do(http.MethodGet, records, nil, bob)
	if res.Status != http.StatusOK || res.JSON(t)["totalItems"] != float64(1) || strings.Contains(string(res.Body), hers.Id) {
		t.Errorf("bob's list: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodGet, records+"/"+hers.Id, nil, bob); res.Status != http.StatusNotFound {
		t.Errorf("bob views alice's: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodGet, records, nil, nil); res.Status != http.StatusOK || res.JSON(t)["totalItems"] != float64(0) {
		t.Errorf("anonymous list: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodPatch, records+"/"+hers.Id, map[string]any{"read": true}, bob); res.Status == http.StatusOK {
		t.Errorf("bob marks alice's read: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodDelete, records+"/"+hers.Id, nil, bob); res.Status == http.StatusNoContent {
		t.Errorf("bob deletes alice's: %d %s", res.Status, res.Body)
	}
	for _, body := range []map[string]any{{"kind": "dm"}, {"user": testutil.BobId}, {"read": true, "message": ""}, {"actor": testutil.DaveId}} {
		if res := c.Do(http.MethodPatch, records+"/"+hers.Id, body, alice); res.Status == http.StatusOK {
			t.Errorf("alice changes %v: %d %s", body, res.Status, res.Body)
		}
	}
	if res := c.Do(http.MethodPost, records, map[string]any{"user": testutil.BobId, "kind": "mention"}, alice); res.Status == http.StatusOK {
		t.Errorf("alice creates a notification for bob: %d %s", res.Status, res.Body)
	}
	stored := testutil.MustFind(t, app, "notifications", hers.Id)
	for field, want := range map[string]any{"user": testutil.AliceId, "kind": "mention", "actor": testutil.BobId, "message": msgs[0], "read": false} {
		testutil.ExpectField(t, stored, field, want)
	}
	testutil.ExpectCount(t, app, "notifications", nil, 5) // alice's 4, bob's 1

	// alice marks hers read through the SDK: the unread count follows
	if res := c.Do(http.MethodPatch, records+"/"+hers.Id, map[string]any{"read": true}, alice); res.Status != http.StatusOK {
		t.Fatalf("alice marks hers read: %d %s", res.Status, res.Body)
	}
	if res := c.Do(http.MethodGet, "/api/notifications/unread-count/", nil, alice); string(res.Body) != `{"unread":3}` {
		t.Errorf("unread-count: %s", res.Body)
	}
}

func jsonEqual(t testing.TB, got []byte, want string) bool {
	t.Helper()
	return fmt.Sprint(testutil.Decode(t, got)) == fmt.Sprint(testutil.Decode(t, []byte(want)))
}
