package notifications_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/notifications"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

func TestMentionTokens(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"hi @bob":                      {"bob"},
		"@Bob, @carol! and @bob again": {"Bob,", "Bob", "carol!", "carol"},
		"mail bob@example.com":         nil,
		"@@x":                          {"x"},
		"(@dave)":                      {"dave)", "dave"},
		"@코브라1 안녕":                     {"코브라1"},
		"@" + strings.Repeat("x", 21):  nil,
		"@":                            nil,
		"a@b @c":                       {"c"},
	}
	for text, want := range cases {
		if got := notifications.MentionTokens(text); !slices.Equal(got, want) {
			t.Errorf("MentionTokens(%q) = %q, want %q", text, got, want)
		}
	}
	many := strings.Repeat("@a1 @a2 @a3 @a4 @a5 @a6 @a7 @a8 @a9 @a0 ", 3) + strings.Repeat("@x ", 100)
	for i := 0; i < 100; i++ {
		many += "@u" + strings.Repeat("y", i%19) + " "
	}
	if got := notifications.MentionTokens(many); len(got) > 40 {
		t.Errorf("%d tokens, want at most 40", len(got))
	}
}

// "@nickname" mentions, whole and case-insensitively, the members who may
// read the room; they are notified and follow the room. The sender is
// never mentioned.
func TestMentionByNickname(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room := postRoomId(t, app)
	id := sendREST(t, c, testutil.AliceEmail, map[string]any{
		"room": room, "message": "hi @BOB and @Carol, not @car or bob@example.com, and me @alice",
	})
	expectMentions(t, app, id, testutil.BobId, testutil.CarolId)
	expectNotified(t, app, id, map[string]string{testutil.BobId: "mention", testutil.CarolId: "mention"})
	for _, u := range []string{testutil.BobId, testutil.CarolId} {
		if !follows(t, app, u, room) {
			t.Errorf("%s does not follow the room after being mentioned", u)
		}
	}
	n := notificationOf(t, app, id, testutil.BobId)
	testutil.ExpectField(t, n, "actor", testutil.AliceId)
	testutil.ExpectField(t, n, "room", room)
	testutil.ExpectField(t, n, "read", false)

	// other alphabets than ASCII: SQLite folds ASCII only, the lookup
	// tries the usual spellings
	zoe := testutil.MustSave(t, app, "users", map[string]any{"email": "zoe@example.com", "password": testutil.Password, "nickname": "Zoë Ärger"})
	emil := testutil.MustSave(t, app, "users", map[string]any{"email": "emil@example.com", "password": testutil.Password, "nickname": "Émile"})
	id = sendREST(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "@émile @ÉMILE"})
	expectMentions(t, app, id, emil.Id)
	_ = zoe // a nickname with a space is mentioned by id only
	id = sendREST(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "@Zoë", "mentions": []string{zoe.Id}})
	expectMentions(t, app, id, zoe.Id)

	// the REST answer carries them
	res := c.Do(http.MethodPost, "/api/chat/message/", map[string]any{"room": room, "message": "@dave look"}, testutil.AuthHeader(t, testutil.AliceEmail))
	if got, _ := res.JSON(t)["mentions"].([]any); len(got) != 1 || got[0] != testutil.DaveId {
		t.Errorf("answer mentions = %v, want [dave]", res.JSON(t)["mentions"])
	}
}

// notificationOf is the notification of a message for a member.
func notificationOf(t testing.TB, app core.App, messageId, userId string) *core.Record {
	t.Helper()
	n, err := app.FindFirstRecordByFilter("notifications", "message = {:m} && user = {:u}", dbx.Params{"m": messageId, "u": userId})
	if err != nil {
		t.Fatalf("notification of %s for %s: %v", messageId, userId, err)
	}
	return n
}

// Explicit ids are mentioned when they name members who may read the
// room; unknown ids and the sender's own are dropped, nothing fails.
func TestMentionExplicitIds(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room := postRoomId(t, app)
	id := sendREST(t, c, testutil.AliceEmail, map[string]any{
		"room": room, "message": "see this",
		"mentions": []string{testutil.DaveId, "nosuchuser00000", testutil.AliceId, testutil.DaveId, testutil.CarolId},
	})
	expectMentions(t, app, id, testutil.DaveId, testutil.CarolId)
	expectNotified(t, app, id, map[string]string{testutil.CarolId: "mention", testutil.DaveId: "mention"})
	if testutil.Count(t, app, "notifications", dbx.HashExp{"user": testutil.AliceId, "message": id}) != 0 {
		t.Error("the sender was notified")
	}
}

// A member who may not read the room is neither mentioned nor notified,
// by nickname or by id: bob's group room is bob's alone (his friends list
// is empty), so alice is an outsider there.
func TestMentionOutsiderDropped(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	makeRooms(t, app)
	before := len(notificationsOf(t, app, testutil.AliceId))
	for _, send := range []func() string{
		func() string {
			return sendREST(t, c, testutil.BobEmail, map[string]any{"room": bobRoomId, "message": "@alice hi", "mentions": []string{testutil.AliceId}})
		},
		func() string {
			return sendSDK(t, c, testutil.BobEmail, map[string]any{"room": bobRoomId, "message": "@alice hi", "mentions": []string{testutil.AliceId}})
		},
	} {
		id := send()
		expectMentions(t, app, id)
		expectNotified(t, app, id, map[string]string{})
	}
	if after := len(notificationsOf(t, app, testutil.AliceId)); after != before {
		t.Errorf("alice has %d notifications, had %d", after, before)
	}
	if follows(t, app, testutil.AliceId, bobRoomId) {
		t.Error("the outsider follows bob's room")
	}
}

// At most 20 members are mentioned (and notified), whatever the client
// sends, through REST and the SDK's create.
func TestMentionAtMost20(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room := postRoomId(t, app)
	ids := makeMembers(t, app, 25)
	text := "hello"
	for i := range 25 {
		text += " @m" + strconv.Itoa(i)
	}
	for name, send := range map[string]func() string{
		"REST ids": func() string {
			return sendREST(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "hello", "mentions": ids})
		},
		"REST text": func() string {
			return sendREST(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": text})
		},
		"SDK ids": func() string {
			return sendSDK(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "hello", "mentions": ids})
		},
		"SDK text": func() string {
			return sendSDK(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": text})
		},
	} {
		id := send()
		got := testutil.MustFind(t, app, "messages", id).GetStringSlice("mentions")
		if !slices.Equal(got, ids[:20]) {
			t.Errorf("%s: mentions = %v, want the first 20 %v", name, got, ids[:20])
		}
		if n := len(messageNotifications(t, app, id)); n != 20 {
			t.Errorf("%s: %d notifications, want 20", name, n)
		}
	}
}

// "mentions" of another type than a list of strings is refused, nothing
// stored.
func TestMentionBadType(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room := postRoomId(t, app)
	before := testutil.Count(t, app, "messages", nil)
	for _, bad := range []any{"usrbob000000001", 3, []any{1, 2}, map[string]any{"a": "b"}, make([]string, 101)} {
		res := c.Do(http.MethodPost, "/api/chat/message/", map[string]any{"room": room, "message": "x", "mentions": bad}, testutil.AuthHeader(t, testutil.AliceEmail))
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"mentions":[`) {
			t.Errorf("mentions %v: %d %s, want 400 {\"mentions\": [...]}", bad, res.Status, res.Body)
		}
	}
	// null is no mentions
	sendREST(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "x", "mentions": nil})
	testutil.ExpectCount(t, app, "messages", nil, before+1)
}

// An edit notifies only the members it newly mentions; mentions made by
// id survive an edit that names no ids, those made by nickname follow the
// text. Through the SDK's update.
func TestMentionOnEdit(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room := postRoomId(t, app)
	id := sendSDK(t, c, testutil.AliceEmail, map[string]any{"room": room, "message": "hi @bob", "mentions": []string{testutil.DaveId}})
	expectMentions(t, app, id, testutil.BobId, testutil.DaveId)
	expectNotified(t, app, id, map[string]string{testutil.BobId: "mention", testutil.DaveId: "mention"})

	patch := func(body map[string]any) {
		t.Helper()
		res := c.Do(http.MethodPatch, "/api/collections/messages/records/"+id, body, testutil.AuthHeader(t, testutil.AliceEmail))
		if res.Status != http.StatusOK {
			t.Fatalf("SDK update %v: %d %s", body, res.Status, res.Body)
		}
	}
	patch(map[string]any{"message": "hi @bob and @carol"})
	expectMentions(t, app, id, testutil.BobId, testutil.CarolId, testutil.DaveId)
	expectNotified(t, app, id, map[string]string{testutil.BobId: "mention", testutil.CarolId: "mention", testutil.DaveId: "mention"})

	patch(map[string]any{"message": "hi @carol only"}) // bob's nickname is gone from the text; dave was by id
	expectMentions(t, app, id, testutil.CarolId, testutil.DaveId)
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"message": id}, 3) // nobody new

	patch(map[string]any{"message": "hi @carol only", "mentions": []string{testutil.BobId}}) // ids given: they replace the kept ones
	expectMentions(t, app, id, testutil.CarolId, testutil.BobId)
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"message": id}, 3) // bob already had his
}

// The nickname lookup of mentions is indexed (no scan of users).
func TestMentionNicknameLookupIndexed(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	plan, err := notifications.NicknameQueryPlan(app, "bob", "BOB", "코브라")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "idx_users_nickname_nocase") {
		t.Errorf("plan does not use idx_users_nickname_nocase: %q", plan)
	}
}
