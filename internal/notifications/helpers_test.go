package notifications_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Rooms made by the tests.
//
//   - bob's room (a group room): bob's friends list is empty, so only bob
//     may read it.
//   - alice's room: alice and bob (bob is on alice's list).
//   - the DM room of alice and bob.
const (
	bobRoomId   = "roombob00000001"
	aliceRoomId = "roomalice000001"
	dmRoomId    = "roomdmalicebob1"
)

func postRoomId(t testing.TB, app core.App) string {
	t.Helper()
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatal(err)
	}
	return room.Id
}

// makeRooms stores bob's and alice's group rooms and the DM room of alice
// and bob (as B's POST /api/chat/dm/ would: dm_key "<smaller>:<larger>",
// both members).
func makeRooms(t testing.TB, app core.App) {
	t.Helper()
	testutil.MustSave(t, app, "rooms", map[string]any{"id": bobRoomId, "owner": testutil.BobId, "name": "bob's room"})
	testutil.MustSave(t, app, "rooms", map[string]any{"id": aliceRoomId, "owner": testutil.AliceId, "name": "alice's room"})
	a, b := testutil.AliceId, testutil.BobId
	if b < a {
		a, b = b, a
	}
	testutil.MustSave(t, app, "rooms", map[string]any{
		"id": dmRoomId, "owner": testutil.AliceId, "name": "dm", "dm_key": a + ":" + b, "members": []string{a, b},
	})
}

// notificationsOf are a member's stored notifications, oldest first.
func notificationsOf(t testing.TB, app core.App, userId string) []*core.Record {
	t.Helper()
	rows, err := app.FindRecordsByFilter("notifications", "user = {:u}", "created,id", 0, 0, dbx.Params{"u": userId})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// messageNotifications are the notifications of a message: user → kind.
func messageNotifications(t testing.TB, app core.App, messageId string) map[string]string {
	t.Helper()
	rows, err := app.FindAllRecords("notifications", dbx.HashExp{"message": messageId})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range rows {
		if _, dup := out[n.GetString("user")]; dup {
			t.Errorf("two notifications of message %s for %s", messageId, n.GetString("user"))
		}
		out[n.GetString("user")] = n.GetString("kind")
	}
	return out
}

func expectNotified(t testing.TB, app core.App, messageId string, want map[string]string) {
	t.Helper()
	got := messageNotifications(t, app, messageId)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("notifications of %s = %v, want %v", messageId, got, want)
	}
}

func expectMentions(t testing.TB, app core.App, messageId string, want ...string) {
	t.Helper()
	got := testutil.MustFind(t, app, "messages", messageId).GetStringSlice("mentions")
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("mentions of %s = %v, want %v", messageId, got, want)
	}
}

func follows(t testing.TB, app core.App, userId, roomId string) bool {
	t.Helper()
	return testutil.Count(t, app, "room_follows", dbx.HashExp{"user": userId, "room": roomId, "following": true}) == 1
}

// sendREST posts a message through POST /api/chat/message/ and returns
// the answer's id.
func sendREST(t testing.TB, c *testutil.Client, email string, body map[string]any) string {
	t.Helper()
	res := c.Do(http.MethodPost, "/api/chat/message/", body, testutil.AuthHeader(t, email))
	if res.Status != http.StatusCreated {
		t.Fatalf("send %v: %d %s", body, res.Status, res.Body)
	}
	id, _ := res.JSON(t)["id"].(string)
	return id
}

// sendSDK creates a message through the record API, as the JS SDK does.
func sendSDK(t testing.TB, c *testutil.Client, email string, body map[string]any) string {
	t.Helper()
	res := c.Do(http.MethodPost, "/api/collections/messages/records", body, testutil.AuthHeader(t, email))
	if res.Status != http.StatusOK {
		t.Fatalf("SDK create %v: %d %s", body, res.Status, res.Body)
	}
	id, _ := res.JSON(t)["id"].(string)
	return id
}

// makeMembers stores n more members ("member<i>", nickname "m<i>").
func makeMembers(t testing.TB, app core.App, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		r := testutil.MustSave(t, app, "users", map[string]any{
			"email": fmt.Sprintf("member%d@example.com", i), "password": testutil.Password,
			"nickname": fmt.Sprintf("m%d", i), "verified": true,
		})
		ids[i] = r.Id
	}
	return ids
}
