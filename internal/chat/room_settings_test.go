package chat_test

// The moderators' routes of the chat (docs/API.md, "Moderation and member
// safety"): PATCH /api/chat/room/<id>/ (slow mode, name), the room
// answer's moderators and "me", a moderator's DELETE of a message, and a
// message's history. Fixture (withModerators): alice writes the fixture
// post, so she moderates its room; she appointed dave; bob and carol read
// it without moderating it (carol moderates her own room: powerless here).

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

const (
	notModeratorBody = `{"detail":"You do not moderate this room."}`
	ownerRenamesBody = `{"detail":"Only the room's owner may rename it."}`
)

// withModerators: the private rooms, and dave appointed in the post's room.
func withModerators(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	makePrivateRooms(t, app)
	testutil.MustSave(t, app, "room_moderators", map[string]any{"room": postRoomId(t), "user": testutil.DaveId, "by": testutil.AliceId})
}

// roomSlowMode checks the stored slow mode and name of a room.
func roomIs(room string, seconds int, name string) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		r := testutil.MustFind(t, app, "rooms", room)
		if r.GetInt("slow_mode_seconds") != seconds || r.GetString("name") != name {
			t.Errorf("room %s: slow mode %d name %q, want %d %q", room, r.GetInt("slow_mode_seconds"), r.GetString("name"), seconds, name)
		}
	})
}

// slowModeLogged checks the slow_mode rows of the moderation log.
func slowModeLogged(room string, rows int, actor string, seconds int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		logs, err := app.FindAllRecords("moderation_log", dbx.HashExp{"room": room, "action": "slow_mode"})
		if err != nil {
			t.Fatal(err)
		}
		if len(logs) != rows {
			t.Fatalf("%d slow_mode log rows, want %d", len(logs), rows)
		}
		if rows == 0 {
			return
		}
		l := logs[len(logs)-1]
		var detail map[string]any
		_ = json.Unmarshal([]byte(l.GetString("detail")), &detail)
		if l.GetString("actor") != actor || detail["seconds"] != float64(seconds) {
			t.Errorf("log row actor %q detail %v, want %q {seconds: %d}", l.GetString("actor"), l.GetString("detail"), actor, seconds)
		}
	})
}

// roomAnswerIs checks the room answer's moderation fields.
func roomAnswerIs(seconds int, moderator bool, moderators ...string) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		var room struct {
			SlowMode   *int `json:"slow_mode_seconds"`
			Moderators []struct {
				Id        string `json:"id"`
				Nickname  string `json:"nickname"`
				Appointed bool   `json:"appointed"`
			} `json:"moderators"`
			Me map[string]any `json:"me"`
		}
		if err := json.Unmarshal(body, &room); err != nil {
			t.Fatalf("room answer: %v: %s", err, body)
		}
		testutil.AssertKeys(t, "room", testutil.DecodeObject(t, body), testutil.AtLeast, append(roomKeys, "slow_mode_seconds", "moderators", "me")...)
		if room.SlowMode == nil || *room.SlowMode != seconds {
			t.Errorf("slow_mode_seconds %v, want %d", room.SlowMode, seconds)
		}
		got := []string{}
		for i, m := range room.Moderators {
			got = append(got, m.Id)
			if m.Appointed != (i > 0) || m.Nickname == "" {
				t.Errorf("moderator %d: %+v (the owner first, not appointed)", i, m)
			}
		}
		if strings.Join(got, ",") != strings.Join(moderators, ",") {
			t.Errorf("moderators %v, want %v", got, moderators)
		}
		testutil.AssertKeys(t, "me", room.Me, testutil.Exactly, "moderator", "muted", "muted_until")
		if room.Me["moderator"] != moderator {
			t.Errorf("me %v, want moderator %v", room.Me, moderator)
		}
	}
}

// TestRoomPatch: PATCH /api/chat/room/<id>/ — moderators set the slow
// mode, only the owner renames; refusals store and log nothing.
func TestRoomPatch(t *testing.T) {
	room := postRoomId(t)
	url := "/api/chat/room/" + room + "/"
	name := testutil.PostTitle
	patch := func(who, body string, status int, checks ...testutil.Check) tests.ApiScenario {
		headers := map[string]string{"Content-Type": "application/json"}
		if who != "" {
			headers["Authorization"] = auth(t, who)["Authorization"]
		}
		return tests.ApiScenario{
			Name: who + " PATCH " + body, Method: http.MethodPatch, URL: url, Body: strings.NewReader(body), Headers: headers,
			BeforeTestFunc: withModerators, ExpectedStatus: status, AfterTestFunc: testutil.After(checks...),
			ExpectedContent: []string{"{"}, // an object, checked by checks
		}
	}
	unchanged := []testutil.Check{roomIs(room, 0, name), slowModeLogged(room, 0, "", 0)}

	aliceSlow := patch(testutil.AliceEmail, `{"slow_mode_seconds":30}`, 200,
		roomIs(room, 30, name), slowModeLogged(room, 1, testutil.AliceId, 30),
		roomAnswerIs(30, true, testutil.AliceId, testutil.DaveId))
	aliceSlow.ExpectedEvents = testutil.WriteEvents(1, 1, 0) // the room and its log row
	daveSlow := patch(testutil.DaveEmail, `{"slow_mode_seconds":3600}`, 200,
		roomIs(room, 3600, name), slowModeLogged(room, 1, testutil.DaveId, 3600),
		roomAnswerIs(3600, true, testutil.AliceId, testutil.DaveId))
	daveSlow.ExpectedEvents = testutil.WriteEvents(1, 1, 0)
	off := patch(testutil.AliceEmail, `{"slow_mode_seconds":0}`, 200, roomIs(room, 0, name), slowModeLogged(room, 1, testutil.AliceId, 0))
	off.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		withModerators(t, app, e)
		r := testutil.MustFind(t, app, "rooms", room)
		r.Set("slow_mode_seconds", 10)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		if _, err := app.DB().Delete("moderation_log", nil).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	rename := patch(testutil.AliceEmail, `{"name":"  renamed  "}`, 200, roomIs(room, 0, "renamed"), slowModeLogged(room, 0, "", 0))
	rename.ExpectedEvents = testutil.WriteEvents(0, 1, 0) // no log: the name is no moderation
	rename.ExpectedContent = []string{`"name":"renamed"`}
	empty := patch(testutil.DaveEmail, `{}`, 200, append([]testutil.Check{roomAnswerIs(0, true, testutil.AliceId, testutil.DaveId)}, unchanged...)...)
	empty.ExpectedEvents = map[string]int{"*": 0}
	same := patch(testutil.AliceEmail, `{"slow_mode_seconds":0}`, 200, roomIs(room, 0, name), slowModeLogged(room, 0, "", 0))
	superuser := patch(testutil.SuperuserEmail, `{"slow_mode_seconds":5,"name":"by the admin"}`, 200,
		roomIs(room, 5, "by the admin"), slowModeLogged(room, 1, "", 5))
	superuser.ExpectedContent = []string{`"moderator":true`}

	bad := func(body, msg string) tests.ApiScenario {
		return patch(testutil.DaveEmail, body, 400, append([]testutil.Check{testutil.BodyIs(`{"slow_mode_seconds":["` + msg + `"]}`)}, unchanged...)...)
	}
	unknown := patch(testutil.AliceEmail, `{"slow_mode_seconds":5}`, 404, testutil.BodyIs(testutil.NotFoundBody))
	unknown.URL = "/api/chat/room/nosuchroom00000/"
	unreadable := patch(testutil.CarolEmail, `{"slow_mode_seconds":5}`, 404, testutil.BodyIs(testutil.NotFoundBody), roomIs(aliceRoomId, 0, "alice's room"))
	unreadable.URL = "/api/chat/room/" + aliceRoomId + "/"
	noSlash := patch(testutil.AliceEmail, `{"slow_mode_seconds":7}`, 200, roomIs(room, 7, name))
	noSlash.URL = strings.TrimSuffix(url, "/")

	testutil.Run(t, []tests.ApiScenario{
		aliceSlow, daveSlow, off, rename, empty, same, superuser, unknown, unreadable, noSlash,
		patch("", `{"slow_mode_seconds":5}`, 401, append([]testutil.Check{testutil.BodyIs(testutil.NoAuthBody)}, unchanged...)...),
		patch(testutil.BobEmail, `{"slow_mode_seconds":5}`, 403, append([]testutil.Check{testutil.BodyIs(notModeratorBody)}, unchanged...)...),
		// carol moderates her own room: powerless in the post's
		patch(testutil.CarolEmail, `{"slow_mode_seconds":5}`, 403, append([]testutil.Check{testutil.BodyIs(notModeratorBody)}, unchanged...)...),
		patch(testutil.DaveEmail, `{"name":"dave's now"}`, 403, append([]testutil.Check{testutil.BodyIs(ownerRenamesBody)}, unchanged...)...),
		patch(testutil.DaveEmail, `{"name":"dave's now","slow_mode_seconds":5}`, 403, append([]testutil.Check{testutil.BodyIs(ownerRenamesBody)}, unchanged...)...),
		bad(`{"slow_mode_seconds":-1}`, "Ensure this value is greater than or equal to 0."),
		bad(`{"slow_mode_seconds":3601}`, "Ensure this value is less than or equal to 3600."),
		bad(`{"slow_mode_seconds":"x"}`, "A valid integer is required."),
		bad(`{"slow_mode_seconds":1.5}`, "A valid integer is required."),
		bad(`{"slow_mode_seconds":true}`, "A valid integer is required."),
		bad(`{"slow_mode_seconds":null}`, "This field may not be null."),
		patch(testutil.AliceEmail, `{"name":"  "}`, 400, append([]testutil.Check{testutil.BodyIs(`{"name":["This field may not be blank."]}`)}, unchanged...)...),
	})
}

// TestRoomAnswerModeration: GET /api/chat/room/<id>/ tells every reader
// the slow mode and who moderates (the owner first), and each member
// whether they moderate and until when they are muted.
func TestRoomAnswerModeration(t *testing.T) {
	s := startServer(t)
	withModerators(t, s.App, nil)
	room := postRoomId(t)
	get := func(email string) map[string]any {
		return testutil.DecodeObject(t, s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", auth(t, email), nil))
	}
	for email, moderator := range map[string]bool{testutil.AliceEmail: true, testutil.DaveEmail: true, testutil.BobEmail: false, testutil.CarolEmail: false} {
		raw, _ := json.Marshal(get(email))
		roomAnswerIs(0, moderator, testutil.AliceId, testutil.DaveId)(t, s.App, raw)
	}
	me := func(email string) map[string]any {
		m, _ := get(email)["me"].(map[string]any)
		return m
	}
	if m := me(testutil.BobEmail); m["muted"] != false || m["muted_until"] != nil {
		t.Errorf("bob, not muted: %v", m)
	}
	mute := testutil.MustSave(t, s.App, "room_mutes", map[string]any{"room": room, "user": testutil.BobId, "until": "2999-01-02 03:04:05.678Z", "by": testutil.AliceId})
	if m := me(testutil.BobEmail); m["muted"] != true || m["muted_until"] != "2999-01-02T03:04:05.678Z" {
		t.Errorf("bob, muted until 2999: %v", m)
	}
	mute.Set("until", "")
	if err := s.App.Save(mute); err != nil {
		t.Fatal(err)
	}
	if m := me(testutil.BobEmail); m["muted"] != true || m["muted_until"] != nil {
		t.Errorf("bob, muted for good: %v", m)
	}
	mute.Set("until", "2001-01-01 00:00:00.000Z") // ended, not swept yet
	if err := s.App.Save(mute); err != nil {
		t.Fatal(err)
	}
	if m := me(testutil.BobEmail); m["muted"] != false {
		t.Errorf("bob, whose mute ended: %v", m)
	}

	// every room object carries the slow mode: the list, unread, a DM's
	// answer (no moderators)
	r := testutil.MustFind(t, s.App, "rooms", room)
	r.Set("slow_mode_seconds", 15)
	if err := s.App.Save(r); err != nil {
		t.Fatal(err)
	}
	for _, item := range testutil.DecodeList(t, s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/?page_size=100", auth(t, testutil.BobEmail), nil)) {
		want := 0.0
		if item["id"] == room {
			want = 15
		}
		if item["slow_mode_seconds"] != want {
			t.Errorf("room list item %v: slow_mode_seconds %v, want %v", item["id"], item["slow_mode_seconds"], want)
		}
	}
	s.expect(t, http.StatusOK, http.MethodPost, "/api/chat/room/"+room+"/follow/", auth(t, testutil.BobEmail), nil)
	unread := testutil.DecodeObject(t, s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/unread/", auth(t, testutil.BobEmail), nil))
	found := false
	for _, u := range unread["rooms"].([]any) {
		if item := u.(map[string]any)["room"].(map[string]any); item["id"] == room {
			found = true
			if item["slow_mode_seconds"] != 15.0 {
				t.Errorf("unread room item: %v", item)
			}
		}
	}
	if !found {
		t.Errorf("unread: no room %s in %v", room, unread)
	}
	dm := testutil.DecodeObject(t, s.expect(t, http.StatusCreated, http.MethodPost, "/api/chat/dm/", auth(t, testutil.AliceEmail), map[string]any{"user": testutil.BobId}))
	dmAnswer := get2(t, s, testutil.AliceEmail, dm["id"].(string))
	if mods, _ := dmAnswer["moderators"].([]any); mods == nil || len(mods) != 0 || dmAnswer["slow_mode_seconds"] != 0.0 {
		t.Errorf("a DM's answer: %v", dmAnswer)
	}
	if me, _ := dmAnswer["me"].(map[string]any); me["moderator"] != false {
		t.Errorf("a DM's member moderates it: %v", me)
	}
}

func get2(t testing.TB, s *liveServer, email, room string) map[string]any {
	t.Helper()
	return testutil.DecodeObject(t, s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", auth(t, email), nil))
}

// bobsMessageDeleted checks the fixture message after a delete by who.
func bobsMessageDeleted(by string, logged bool) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		m := testutil.MustFind(t, app, "messages", testutil.MessageId)
		if m.GetDateTime("deleted_at").IsZero() || m.GetString("message") != "" || m.GetString("deleted_by") != by {
			t.Errorf("message: deleted_at %v text %q deleted_by %q, want deleted by %s", m.GetDateTime("deleted_at"), m.GetString("message"), m.GetString("deleted_by"), by)
		}
		want := 0
		if logged {
			want = 1
		}
		testutil.ExpectCount(t, app, "moderation_log", dbx.HashExp{
			"room": m.GetString("room"), "action": "delete_message", "actor": by, "target": testutil.BobId, "message": testutil.MessageId,
		}, want)
		testutil.ExpectCount(t, app, "moderation_log", dbx.HashExp{"action": "delete_message"}, want)
	})
}

var bobsMessageUnchanged = testutil.State(func(t testing.TB, app *tests.TestApp) {
	t.Helper()
	m := testutil.MustFind(t, app, "messages", testutil.MessageId)
	if !m.GetDateTime("deleted_at").IsZero() || m.GetString("message") != "안녕하세요!" || m.GetString("deleted_by") != "" {
		t.Errorf("message changed: %v", m.FieldsData())
	}
	testutil.ExpectCount(t, app, "moderation_log", dbx.HashExp{"action": "delete_message"}, 0)
})

// TestModeratorDelete: the room's moderators delete anyone's message
// (DELETE /api/chat/message/<id>/ and the record API), logged; members who
// only read the room still get 403 (REST) / 404 (record API).
func TestModeratorDelete(t *testing.T) {
	url := "/api/chat/message/" + testutil.MessageId + "/"
	recordURL := "/api/collections/messages/records/" + testutil.MessageId
	del := func(name, email, url string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodDelete, URL: url,
			BeforeTestFunc: withModerators, ExpectedStatus: status, AfterTestFunc: testutil.After(checks...),
		}
		if email != "" {
			s.Headers = auth(t, email)
		}
		if status != 204 {
			s.ExpectedContent = []string{`"`}
		}
		return s
	}
	dave := del("dave (appointed) deletes bob's message", testutil.DaveEmail, url, 204, bobsMessageDeleted(testutil.DaveId, true))
	dave.ExpectedEvents = testutil.WriteEvents(2, 1, 0) // the message; its version and the log row
	alice := del("alice (the owner) deletes bob's message", testutil.AliceEmail, url, 204, bobsMessageDeleted(testutil.AliceId, true))
	bob := del("bob deletes his own: not logged", testutil.BobEmail, url, 204, bobsMessageDeleted(testutil.BobId, false))
	bob.ExpectedEvents = testutil.WriteEvents(1, 1, 0)
	sdk := del("dave deletes it with the SDK", testutil.DaveEmail, recordURL, 204, bobsMessageDeleted(testutil.DaveId, true))
	sdk.ExpectedEvents = testutil.WriteEvents(2, 1, 0)
	sdk.ExpectedEvents["OnRecordDeleteRequest"] = 1
	carol := del("carol (moderates another room) may not", testutil.CarolEmail, url, 403, testutil.BodyIs(notYoursBody), bobsMessageUnchanged)
	carolSDK := del("carol may not with the SDK", testutil.CarolEmail, recordURL, 404, bobsMessageUnchanged)
	carolSDK.ExpectedContent = []string{`"status":404`}
	// dave moderates the post's room only: alice's note in her room is not his
	// (he cannot even read that room)
	daveElsewhere := del("dave in a room he does not moderate", testutil.DaveEmail, "/api/chat/message/"+aliceRoomMsgId+"/", 404, testutil.BodyIs(testutil.NotFoundBody))
	noAuth := del("no auth", "", url, 401, testutil.BodyIs(testutil.NoAuthBody), bobsMessageUnchanged)
	testutil.Run(t, []tests.ApiScenario{dave, alice, bob, sdk, carol, carolSDK, daveElsewhere, noAuth})
}

// TestMessageHistory: GET /api/chat/message/<id>/history/ — the texts a
// message had, oldest first, for its room's moderators and superusers.
func TestMessageHistory(t *testing.T) {
	url := "/api/chat/message/" + testutil.MessageId + "/history/"
	withHistory := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		withModerators(t, app, e)
		m := testutil.MustFind(t, app, "messages", testutil.MessageId)
		m.Set("message", "edited once")
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
		m.Set("message", "edited twice")
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	history := func(t testing.TB, body []byte, texts ...string) {
		t.Helper()
		list := testutil.DecodeList(t, body)
		got := []string{}
		for _, v := range list {
			testutil.AssertKeys(t, "version", v, testutil.Exactly, "text", "change", "editor", "created_at")
			got = append(got, v["text"].(string)+"/"+v["change"].(string))
		}
		if strings.Join(got, ",") != strings.Join(texts, ",") {
			t.Errorf("history %v, want %v", got, texts)
		}
	}
	get := func(name, email string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodGet, URL: url, BeforeTestFunc: withHistory,
			ExpectedStatus: status, AfterTestFunc: testutil.After(checks...),
			ExpectedEvents: map[string]int{"*": 0}, ExpectedContent: []string{`"`},
		}
		if email != "" {
			s.Headers = auth(t, email)
		}
		return s
	}
	edits := func(t testing.TB, _ *tests.TestApp, body []byte) {
		history(t, body, "안녕하세요!/edit", "edited once/edit")
		if list := testutil.DecodeList(t, body); len(list) > 0 && list[0]["editor"] != testutil.BobId {
			t.Errorf("editor %v, want bob", list[0]["editor"])
		}
	}
	deleted := get("after a moderator's delete", testutil.AliceEmail, 200, func(t testing.TB, _ *tests.TestApp, body []byte) {
		history(t, body, "안녕하세요!/edit", "edited once/edit", "edited twice/delete")
		if list := testutil.DecodeList(t, body); len(list) == 3 && list[2]["editor"] != testutil.DaveId {
			t.Errorf("the delete's editor %v, want dave", list[2]["editor"])
		}
	})
	deleted.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		withHistory(t, app, e)
		m := testutil.MustFind(t, app, "messages", testutil.MessageId)
		m.Set("deleted_at", "2030-01-01 00:00:00.000Z")
		m.Set("@cobraEditor", testutil.DaveId)
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	none := get("a message never changed", testutil.AliceEmail, 200, testutil.BodyIs(`[]`))
	none.ExpectedContent = []string{"[]"}
	none.BeforeTestFunc = withModerators
	unknown := get("unknown message", testutil.AliceEmail, 404, testutil.BodyIs(testutil.NotFoundBody))
	unknown.URL = "/api/chat/message/nosuchmessage00/history/"
	unreadable := get("dave cannot read alice's room", testutil.DaveEmail, 404, testutil.BodyIs(testutil.NotFoundBody))
	unreadable.URL = "/api/chat/message/" + aliceRoomMsgId + "/history/"
	ownRoom := get("alice in her own room", testutil.AliceEmail, 200, testutil.BodyIs(`[]`))
	ownRoom.ExpectedContent = []string{"[]"}
	ownRoom.URL = "/api/chat/message/" + aliceRoomMsgId + "/history"
	testutil.Run(t, []tests.ApiScenario{
		get("alice (the owner)", testutil.AliceEmail, 200, edits),
		get("dave (appointed)", testutil.DaveEmail, 200, edits),
		get("a superuser", testutil.SuperuserEmail, 200, edits),
		deleted, none, unknown, unreadable, ownRoom,
		get("bob, its sender, does not moderate", testutil.BobEmail, 403, testutil.BodyIs(notModeratorBody)),
		get("carol moderates another room", testutil.CarolEmail, 403, testutil.BodyIs(notModeratorBody)),
		get("no auth", "", 401, testutil.BodyIs(testutil.NoAuthBody)),
	})
}
