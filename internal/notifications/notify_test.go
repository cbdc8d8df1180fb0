package notifications_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// A reply notifies the author of the replied message (not the sender
// replying to themselves); a reply that also mentions them gives one
// notification, kind mention.
func TestReplyNotifiesParentAuthor(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room := postRoomId(t, app)

	id := sendREST(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "thanks", "parent_chat": testutil.MessageId})
	expectNotified(t, app, id, map[string]string{testutil.BobId: "reply"})
	n := notificationOf(t, app, id, testutil.BobId)
	testutil.ExpectField(t, n, "actor", testutil.AliceId)
	testutil.ExpectField(t, n, "room", room)

	id = sendSDK(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "@bob thanks", "parent_chat": testutil.MessageId})
	expectNotified(t, app, id, map[string]string{testutil.BobId: "mention"})

	id = sendREST(t, c, testutil.BobEmail, map[string]any{"room": room, "message": "me again", "parent_chat": testutil.MessageId})
	expectNotified(t, app, id, map[string]string{}) // bob replies to himself
}

// The parent's author who can no longer read the room is not notified:
// bob wrote in alice's room while on her list, then she removed him.
func TestReplyToOutsiderNotNotified(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	makeRooms(t, app)
	parent := testutil.MustSave(t, app, "messages", map[string]any{"room": aliceRoomId, "sender": testutil.BobId, "message": "hi alice"})
	row, err := app.FindFirstRecordByFilter("friends", "user = {:u} && friend = {:f}", dbx.Params{"u": testutil.AliceId, "f": testutil.BobId})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(row); err != nil {
		t.Fatal(err)
	}
	id := sendREST(t, c, testutil.AliceEmail, map[string]any{"room": aliceRoomId, "message": "bye @bob", "parent_chat": parent.Id, "mentions": []string{testutil.BobId}})
	expectMentions(t, app, id)
	expectNotified(t, app, id, map[string]string{})
}

// Every new message of a DM room notifies the other member.
func TestDMNotifiesOtherMember(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	makeRooms(t, app)
	id := sendREST(t, c, testutil.AliceEmail, map[string]any{"room": dmRoomId, "message": "psst"})
	expectNotified(t, app, id, map[string]string{testutil.BobId: "dm"})
	testutil.ExpectField(t, notificationOf(t, app, id, testutil.BobId), "actor", testutil.AliceId)

	id = sendSDK(t, c, testutil.BobEmail, map[string]any{"room": dmRoomId, "message": "yes?", "parent_chat": id})
	expectNotified(t, app, id, map[string]string{testutil.AliceId: "reply"}) // one notification, the reply

	id = sendREST(t, c, testutil.BobEmail, map[string]any{"room": dmRoomId, "message": "@alice @carol", "mentions": []string{testutil.CarolId}})
	expectMentions(t, app, id, testutil.AliceId) // carol may not read the DM
	expectNotified(t, app, id, map[string]string{testutil.AliceId: "mention"})
}

// Adding a friend notifies the member added (actor: who added them),
// through the documented route and through the SDK's friends create.
func TestFriendAddedNotifies(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	friendNotes := func(user, actor string) int {
		return testutil.Count(t, app, "notifications", dbx.HashExp{"user": user, "kind": "friend", "actor": actor})
	}
	res := c.Do(http.MethodPost, "/user/add-friend/", map[string]any{"email": testutil.DaveEmail}, testutil.AuthHeader(t, testutil.BobEmail))
	if res.Status != http.StatusOK {
		t.Fatalf("add-friend: %d %s", res.Status, res.Body)
	}
	if n := friendNotes(testutil.DaveId, testutil.BobId); n != 1 {
		t.Errorf("dave has %d friend notifications from bob, want 1", n)
	}
	res = c.Do(http.MethodPost, "/api/collections/friends/records", map[string]any{"friend": testutil.DaveId}, testutil.AuthHeader(t, testutil.AliceEmail))
	if res.Status != http.StatusOK {
		t.Fatalf("SDK friends create: %d %s", res.Status, res.Body)
	}
	if n := friendNotes(testutil.DaveId, testutil.AliceId); n != 1 {
		t.Errorf("dave has %d friend notifications from alice, want 1", n)
	}
	n, err := app.FindFirstRecordByFilter("notifications", "user = {:u} && actor = {:a}", dbx.Params{"u": testutil.DaveId, "a": testutil.AliceId})
	if err != nil {
		t.Fatal(err)
	}
	testutil.ExpectField(t, n, "room", "")
	testutil.ExpectField(t, n, "message", "")

	// a refused add stores nothing
	res = c.Do(http.MethodPost, "/user/add-friend/", map[string]any{"email": testutil.DaveEmail}, testutil.AuthHeader(t, testutil.BobEmail))
	if res.Status != http.StatusBadRequest {
		t.Fatalf("second add-friend: %d %s", res.Status, res.Body)
	}
	if n := friendNotes(testutil.DaveId, testutil.BobId); n != 1 {
		t.Errorf("dave has %d friend notifications from bob after a refused add, want 1", n)
	}
}

// The fixtures' friends rows notified their members: bob (alice added
// him) and alice (carol added her).
func TestFixtureFriendNotifications(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	for user, actor := range map[string]string{testutil.BobId: testutil.AliceId, testutil.AliceId: testutil.CarolId} {
		rows := notificationsOf(t, app, user)
		if len(rows) != 1 || rows[0].GetString("kind") != "friend" || rows[0].GetString("actor") != actor {
			t.Errorf("fixture notifications of %s: %v", user, rows)
		}
	}
}

// A message that mentions bob and replies to dave's message fires the
// hooks of three records (the message, two notifications), in one go.
func TestMentionSendEvents(t *testing.T) {
	t.Parallel()
	room := postRoomId(t, testutil.NewApp(t)) // the same in every copy of the fixtures
	testutil.Run(t, []tests.ApiScenario{{
		Name: "send with a mention and a reply", Method: http.MethodPost, URL: "/api/chat/message/",
		Headers: testutil.AuthHeader(t, testutil.AliceEmail),
		Body:    strings.NewReader(`{"room":"` + room + `","message":"@bob look","parent_chat":"msgdave00000001"}`),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			testutil.MustSave(t, app, "messages", map[string]any{"id": "msgdave00000001", "room": room, "sender": testutil.DaveId, "message": "dave here"})
		},
		ExpectedStatus:  201,
		ExpectedContent: []string{`"mentions":["` + testutil.BobId + `"]`},
		ExpectedEvents:  testutil.WriteEvents(3, 0, 0),
		AfterTestFunc: testutil.After(testutil.State(func(t testing.TB, app *tests.TestApp) {
			testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"user": testutil.BobId, "kind": "mention"}, 1)
			testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"user": testutil.DaveId, "kind": "reply"}, 1)
		})),
	}})
}
