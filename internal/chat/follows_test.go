package chat_test

// Follows, read markers and unread counts (docs/API.md, "Follows, read
// markers and unread counts" and "The member topic"): the follow and read
// routes with their refusals and stored state, GET /api/chat/unread/ after
// sends by others and by oneself (every API), mark read and mark unread,
// and the chat.read / chat.room.activity frames on the member topic of
// every device of the member, and of nobody else.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// followOf is the stored follow of user in room (exists false: no row).
func followOf(t testing.TB, app core.App, user, room string) (following bool, readSeq int, exists bool) {
	t.Helper()
	rows, err := app.FindAllRecords("room_follows", dbx.HashExp{"user": user, "room": room})
	if err != nil {
		t.Fatal(err)
	}
	switch len(rows) {
	case 0:
		return false, 0, false
	case 1:
		return rows[0].GetBool("following"), rows[0].GetInt("read_seq"), true
	}
	t.Fatalf("%d room_follows rows of %s in %s", len(rows), user, room)
	return
}

// followIs checks the stored follow of user in room.
func followIs(user, room string, following bool, readSeq int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		f, r, ok := followOf(t, app, user, room)
		if !ok || f != following || r != readSeq {
			t.Errorf("follow of %s in %s: exists %v following %v read_seq %d; want following %v read_seq %d", user, room, ok, f, r, following, readSeq)
		}
	}
}

// noFollow checks that user has no follow row in room.
func noFollow(user, room string) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		if _, _, ok := followOf(t, app, user, room); ok {
			t.Errorf("%s has a follow row in %s, want none", user, room)
		}
	}
}

func stateBody(room string, following bool, readSeq int) string {
	return fmt.Sprintf(`{"room":%q,"following":%v,"read_seq":%d}`, room, following, readSeq)
}

// The fixture's follows: alice wrote the post (its room is followed from
// its creation, nothing read); bob sent its message (seq 1, read).
func TestFollowFixtureState(t *testing.T) {
	app := testutil.NewApp(t)
	room := postRoomId(t)
	followIs(testutil.AliceId, room, true, 0)(t, app, nil)
	followIs(testutil.BobId, room, true, 1)(t, app, nil)
	noFollow(testutil.CarolId, room)(t, app, nil)
}

func TestFollowRoutes(t *testing.T) {
	room := postRoomId(t)
	alice, dave := auth(t, testutil.AliceEmail), auth(t, testutil.DaveEmail)
	noEvents := testutil.WriteEvents(0, 0, 0)
	var scenarios []tests.ApiScenario
	for _, method := range []string{http.MethodPost, http.MethodDelete} {
		for _, url := range testutil.Spellings("/api/chat/room/" + room + "/follow") {
			scenarios = append(scenarios, testutil.AuthRejections(t, method, url, "", followIs(testutil.AliceId, room, true, 0))...)
		}
	}
	testutil.Run(t, append(scenarios, []tests.ApiScenario{
		{
			Name: "dave follows the post room: a new follow, nothing read", Method: http.MethodPost,
			URL: "/api/chat/room/" + room + "/follow/", Headers: dave,
			ExpectedStatus: 200, ExpectedContent: []string{`"following":true`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(stateBody(room, true, 0)), followIs(testutil.DaveId, room, true, 0)),
		},
		{
			Name: "following again keeps the marker", Method: http.MethodPost,
			URL: "/api/chat/room/" + room + "/follow", Headers: auth(t, testutil.BobEmail),
			ExpectedStatus: 200, ExpectedContent: []string{`"read_seq":1`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(stateBody(room, true, 1)), followIs(testutil.BobId, room, true, 1)),
		},
		{
			Name: "bob unfollows: his marker stays", Method: http.MethodDelete,
			URL: "/api/chat/room/" + room + "/follow/", Headers: auth(t, testutil.BobEmail),
			ExpectedStatus: 200, ExpectedContent: []string{`"following":false`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(stateBody(room, false, 1)), followIs(testutil.BobId, room, false, 1)),
		},
		{
			Name: "alice follows her own room", Method: http.MethodPost,
			URL: "/api/chat/room/" + aliceRoomId + "/follow/", Headers: alice, BeforeTestFunc: privateRooms,
			ExpectedStatus: 200, ExpectedContent: []string{`"following":true`}, ExpectedEvents: noEvents,
			// her message there (seq 1) moved her marker when she sent it
			AfterTestFunc: testutil.After(testutil.BodyIs(stateBody(aliceRoomId, true, 1)), followIs(testutil.AliceId, aliceRoomId, true, 1)),
		},
		{
			Name: "a room one may not read: 403, nothing stored", Method: http.MethodPost,
			URL: "/api/chat/room/" + bobRoomId + "/follow/", Headers: alice, BeforeTestFunc: privateRooms,
			ExpectedStatus: 403, ExpectedContent: []string{`"detail"`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(forbiddenBody), noFollow(testutil.AliceId, bobRoomId)),
		},
		{
			Name: "unfollowing a room one may not read: 403", Method: http.MethodDelete,
			URL: "/api/chat/room/" + bobRoomId + "/follow/", Headers: alice, BeforeTestFunc: privateRooms,
			ExpectedStatus: 403, ExpectedContent: []string{`"detail"`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(forbiddenBody), noFollow(testutil.AliceId, bobRoomId)),
		},
		{
			Name: "unknown room: 404", Method: http.MethodPost,
			URL: "/api/chat/room/nosuchroom00000/follow/", Headers: alice,
			ExpectedStatus: 404, ExpectedContent: []string{`"detail"`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NotFoundBody), noFollow(testutil.AliceId, "nosuchroom00000")),
		},
	}...))
}

func TestReadRoute(t *testing.T) {
	room := postRoomId(t)
	url := "/api/chat/room/" + room + "/read/"
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)
	noEvents := testutil.WriteEvents(0, 0, 0)
	// two more messages: the room's seqs are 1 (bob's fixture), 2, 3
	more := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		makePrivateRooms(t, app)
		for _, id := range []string{"msgmore00000002", "msgmore00000003"} {
			testutil.MustSave(t, app, "messages", map[string]any{"id": id, "room": room, "sender": testutil.CarolId, "message": id})
		}
	}
	read := func(name string, headers map[string]string, body string, status int, want string, checks ...testutil.Check) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: url, Headers: headers, BeforeTestFunc: more,
			ExpectedStatus: status, ExpectedContent: []string{"{"}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(append([]testutil.Check{testutil.BodyIs(want)}, checks...)...),
		}
		if body != "" {
			s.Body = strings.NewReader(body)
		}
		return s
	}
	aliceAt0 := followIs(testutil.AliceId, room, true, 0)
	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings("/api/chat/room/" + room + "/read") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, u, "", aliceAt0)...)
	}
	testutil.Run(t, append(scenarios, []tests.ApiScenario{
		read("no body: read up to the newest", alice, "", 200, stateBody(room, true, 3), followIs(testutil.AliceId, room, true, 3)),
		read("an empty object: the newest too", alice, `{}`, 200, stateBody(room, true, 3), followIs(testutil.AliceId, room, true, 3)),
		read("up to a message", alice, `{"message":"msgmore00000002"}`, 200, stateBody(room, true, 2), followIs(testutil.AliceId, room, true, 2)),
		read("mark unread: backwards to before the first unread", bob, `{"message":"`+testutil.MessageId+`"}`, 200, stateBody(room, true, 1), followIs(testutil.BobId, room, true, 1)),
		read("seq 0: everything unread", bob, `{"seq":0}`, 200, stateBody(room, true, 0), followIs(testutil.BobId, room, true, 0)),
		read("seq as the last one", alice, `{"seq":3}`, 200, stateBody(room, true, 3), followIs(testutil.AliceId, room, true, 3)),
		read("a member who does not follow keeps a marker, not following", auth(t, testutil.DaveEmail), `{"seq":2}`, 200,
			stateBody(room, false, 2), followIs(testutil.DaveId, room, false, 2)),
		read("seq past the newest", alice, `{"seq":4}`, 400, `{"seq":["Ensure this value is between 0 and 3."]}`, aliceAt0),
		read("negative seq", alice, `{"seq":-1}`, 400, `{"seq":["Ensure this value is between 0 and 3."]}`, aliceAt0),
		read("fractional seq", alice, `{"seq":1.5}`, 400, `{"seq":["A valid integer is required."]}`, aliceAt0),
		read("seq of the wrong type", alice, `{"seq":true}`, 400, `{"seq":["A valid integer is required."]}`, aliceAt0),
		read("another room's message", alice, `{"message":"`+aliceRoomMsgId+`"}`, 400,
			`{"message":["Invalid pk \"`+aliceRoomMsgId+`\" - object does not exist."]}`, aliceAt0),
		read("an unknown message", alice, `{"message":"nosuchmessage00"}`, 400,
			`{"message":["Invalid pk \"nosuchmessage00\" - object does not exist."]}`, aliceAt0),
		read("message of the wrong type", alice, `{"message":5}`, 400, `{"message":["Not a valid string."]}`, aliceAt0),
		read("both message and seq", alice, `{"message":"msgmore00000002","seq":1}`, 400,
			`{"non_field_errors":["Send either message or seq, not both."]}`, aliceAt0),
		read("malformed JSON", alice, `{"seq":`, 400, `{"detail":"JSON parse error - unexpected EOF"}`, aliceAt0),
		read("a list", alice, `[1]`, 400, testutil.ListBodyError, aliceAt0),
		{
			Name: "a room one may not read: 403, nothing stored", Method: http.MethodPost,
			URL: "/api/chat/room/" + bobRoomId + "/read/", Headers: alice, BeforeTestFunc: more,
			ExpectedStatus: 403, ExpectedContent: []string{`"detail"`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(forbiddenBody), noFollow(testutil.AliceId, bobRoomId)),
		},
		{
			Name: "unknown room: 404", Method: http.MethodPost, URL: "/api/chat/room/nosuchroom00000/read", Headers: alice,
			ExpectedStatus: 404, ExpectedContent: []string{`"detail"`}, ExpectedEvents: noEvents,
			AfterTestFunc: testutil.After(testutil.BodyIs(testutil.NotFoundBody)),
		},
	}...))
}

// ---------------------------------------------------------------------------
// GET /api/chat/unread/

type unreadAnswer struct {
	Rooms []struct {
		Room        map[string]any `json:"room"`
		Unread      int            `json:"unread"`
		Mentions    int            `json:"mentions"`
		ReadSeq     int            `json:"read_seq"`
		LastSeq     int            `json:"last_seq"`
		LastMessage map[string]any `json:"last_message"`
	} `json:"rooms"`
	Unread   int `json:"unread"`
	Mentions int `json:"mentions"`
}

func (s *liveServer) unread(t testing.TB, email string) unreadAnswer {
	t.Helper()
	body := s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/unread/", auth(t, email), nil)
	var out unreadAnswer
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("unread answer: %v\n%s", err, body)
	}
	raw := testutil.DecodeObject(t, body)
	testutil.AssertKeys(t, "unread answer", raw, testutil.Exactly, "rooms", "unread", "mentions")
	for _, r := range raw["rooms"].([]any) {
		item := r.(map[string]any)
		testutil.AssertKeys(t, "unread room", item, testutil.Exactly, "room", "unread", "mentions", "read_seq", "last_seq", "last_message")
		testutil.AssertKeys(t, "unread room's room", item["room"].(map[string]any), testutil.AtLeast, "id", "name", "chat_url", "owner", "post", "kind", "created_at")
		if m, ok := item["last_message"].(map[string]any); ok {
			checkMessageShape(t, m)
		}
	}
	return out
}

// counts is "room:unread/mentions/last_seq" per room, in the answer's order.
func (u unreadAnswer) counts() []string {
	out := []string{}
	for _, r := range u.Rooms {
		out = append(out, fmt.Sprintf("%s:%d/%d/%d", r.Room["id"], r.Unread, r.Mentions, r.LastSeq))
	}
	return out
}

func expectUnread(t testing.TB, s *liveServer, email string, total, mentions int, rooms ...string) unreadAnswer {
	t.Helper()
	u := s.unread(t, email)
	got := u.counts()
	if fmt.Sprint(got) != fmt.Sprint(rooms) || u.Unread != total || u.Mentions != mentions {
		t.Fatalf("unread of %s: rooms %v total %d mentions %d\nwant rooms %v total %d mentions %d", email, got, u.Unread, u.Mentions, rooms, total, mentions)
	}
	return u
}

func TestUnreadRoute(t *testing.T) {
	for _, url := range testutil.Spellings("/api/chat/unread") {
		testutil.Run(t, testutil.AuthRejections(t, http.MethodGet, url, ""))
	}
}

func TestUnreadCounts(t *testing.T) {
	s := startServer(t)
	app := s.App
	makePrivateRooms(t, app)
	post := postRoomId(t)
	pr := func(room string, unread, mentions, last int) string {
		return fmt.Sprintf("%s:%d/%d/%d", room, unread, mentions, last)
	}

	// alice follows the post room (her post) and her own room (she wrote
	// in it, seq 1, read); bob the post room (he wrote seq 1, read)
	u := expectUnread(t, s, testutil.AliceEmail, 1, 0, pr(aliceRoomId, 0, 0, 1), pr(post, 1, 0, 1))
	if u.Rooms[1].LastMessage["id"] != testutil.MessageId || u.Rooms[1].Room["kind"] != "post" || u.Rooms[0].Room["kind"] != "group" {
		t.Errorf("last message / kinds: %+v", u.Rooms)
	}
	expectUnread(t, s, testutil.BobEmail, 0, 0, pr(post, 0, 0, 1))
	expectUnread(t, s, testutil.DaveEmail, 0, 0)

	// sends by others count; one's own sends move one's marker (REST,
	// the SDK, the WebSocket)
	s.sendREST(t, testutil.BobEmail, post, "two")
	s.sendRecord(t, testutil.BobEmail, map[string]any{"room": post, "message": "three"})
	u = expectUnread(t, s, testutil.AliceEmail, 3, 0, pr(post, 3, 0, 3), pr(aliceRoomId, 0, 0, 1))
	if u.Rooms[0].LastMessage["message"] != "three" || u.Rooms[0].ReadSeq != 0 {
		t.Errorf("post room: %+v", u.Rooms[0])
	}
	expectUnread(t, s, testutil.BobEmail, 0, 0, pr(post, 0, 0, 3))
	ws := s.dialWS(t, "alice", post, token(t, testutil.AliceEmail))
	ws.sendMessage(t, "four")
	expectUnread(t, s, testutil.AliceEmail, 0, 0, pr(post, 0, 0, 4), pr(aliceRoomId, 0, 0, 1))
	expectUnread(t, s, testutil.BobEmail, 1, 0, pr(post, 1, 0, 4))

	// mark unread, then read
	s.expect(t, 200, http.MethodPost, "/api/chat/room/"+post+"/read/", auth(t, testutil.AliceEmail), map[string]any{"message": testutil.MessageId})
	expectUnread(t, s, testutil.AliceEmail, 3, 0, pr(post, 3, 0, 4), pr(aliceRoomId, 0, 0, 1))
	s.expect(t, 200, http.MethodPost, "/api/chat/room/"+post+"/read/", auth(t, testutil.AliceEmail), nil)
	expectUnread(t, s, testutil.AliceEmail, 0, 0, pr(post, 0, 0, 4), pr(aliceRoomId, 0, 0, 1))

	// mentions: the member's unread mention and reply notifications of the
	// room; read ones, other kinds and other members' do not count
	for i, n := range []map[string]any{
		{"user": testutil.AliceId, "kind": "mention", "room": post, "actor": testutil.BobId},
		{"user": testutil.AliceId, "kind": "reply", "room": post, "actor": testutil.BobId},
		{"user": testutil.AliceId, "kind": "mention", "room": post, "actor": testutil.BobId, "read": true},
		{"user": testutil.AliceId, "kind": "dm", "room": post, "actor": testutil.BobId},
		{"user": testutil.BobId, "kind": "mention", "room": post, "actor": testutil.AliceId},
		{"user": testutil.AliceId, "kind": "mention", "room": aliceRoomId, "actor": testutil.BobId},
	} {
		n["id"] = fmt.Sprintf("notif%010d", i)
		testutil.MustSave(t, app, "notifications", n)
	}
	s.sendREST(t, testutil.BobEmail, aliceRoomId, "bob in alice's room")
	expectUnread(t, s, testutil.AliceEmail, 1, 3, pr(aliceRoomId, 1, 1, 2), pr(post, 0, 2, 4))

	// unfollowed rooms and rooms one can no longer read are left out
	s.expect(t, 200, http.MethodDelete, "/api/chat/room/"+aliceRoomId+"/follow/", auth(t, testutil.AliceEmail), nil)
	expectUnread(t, s, testutil.AliceEmail, 0, 2, pr(post, 0, 2, 4))
	s.expect(t, 200, http.MethodPost, "/api/chat/room/"+carolRoomId+"/follow/", auth(t, testutil.AliceEmail), nil)
	s.sendREST(t, testutil.CarolEmail, carolRoomId, "carol's news")
	expectUnread(t, s, testutil.AliceEmail, 1, 2, pr(carolRoomId, 1, 0, 1), pr(post, 0, 2, 4))
	if _, err := app.DB().NewQuery("DELETE FROM friends WHERE user = {:c}").Bind(dbx.Params{"c": testutil.CarolId}).Execute(); err != nil {
		t.Fatal(err)
	}
	expectUnread(t, s, testutil.AliceEmail, 0, 2, pr(post, 0, 2, 4))
	// the marker never goes negative: a superuser's hard delete can take
	// the newest message away
	if _, err := app.DB().NewQuery("DELETE FROM messages WHERE room = {:r} AND seq = 4").Bind(dbx.Params{"r": post}).Execute(); err != nil {
		t.Fatal(err)
	}
	expectUnread(t, s, testutil.AliceEmail, 0, 2, pr(post, 0, 2, 3))
}

// ---------------------------------------------------------------------------
// the member topic

func memberTopic(id string) string { return chat.MemberTopic(id) }

// isKind matches a member topic frame by type and room.
func isKind(kind, room string) func(frame) bool {
	return func(f frame) bool { return f["type"] == kind && f["room"] == room }
}

// noneOf fails when a frame of frames matches bad.
func noneOf(t testing.TB, frames []frame, what string, bad func(frame) bool) {
	t.Helper()
	for _, f := range frames {
		if bad(f) {
			t.Errorf("%s came: %v", what, f)
		}
	}
}

func TestMemberTopicFrames(t *testing.T) {
	s := startServer(t)
	makePrivateRooms(t, s.App)
	post := postRoomId(t)
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)

	// two devices of alice, one of bob
	phone, laptop := s.connectSSE(t, "alice phone"), s.connectSSE(t, "alice laptop")
	phone.mustSubscribe(t, alice, memberTopic(testutil.AliceId))
	laptop.mustSubscribe(t, alice, memberTopic(testutil.AliceId))
	bobs := s.connectSSE(t, "bob")
	bobs.mustSubscribe(t, bob, memberTopic(testutil.BobId))

	// someone else's member topic is refused
	if status, body := bobs.subscribe(t, bob, memberTopic(testutil.BobId), memberTopic(testutil.AliceId)); status != http.StatusForbidden {
		t.Fatalf("bob subscribing to alice's member topic: %d %s", status, body)
	}
	bobs.mustSubscribe(t, bob, memberTopic(testutil.BobId))

	// bob sends: alice's devices get the activity, bob's his marker
	sent := s.sendREST(t, testutil.BobEmail, post, "hello followers")
	for _, device := range []*sseClient{phone, laptop} {
		got := until(t, device, "chat.room.activity", isKind(chat.TypeRoomActivity, post))
		f := got[len(got)-1]
		if f["_event"] != memberTopic(testutil.AliceId) || f["last_seq"] != float64(2) || f["sender_id"] != testutil.BobId || len(f) != 5 {
			t.Errorf("%s: activity frame %v", device, f)
		}
	}
	got := until(t, bobs, "bob's chat.read", isKind(chat.TypeRead, post))
	if f := got[len(got)-1]; f["read_seq"] != float64(2) || f["following"] != true {
		t.Errorf("bob's marker frame %v", f)
	}
	noneOf(t, got, "an activity frame of bob's own message", isKind(chat.TypeRoomActivity, post))

	// alice marks read on REST: both her devices follow; bob hears nothing
	s.expect(t, 200, http.MethodPost, "/api/chat/room/"+post+"/read/", alice, map[string]any{"message": sent["id"]})
	for _, device := range []*sseClient{phone, laptop} {
		got := until(t, device, "chat.read", isKind(chat.TypeRead, post))
		if f := got[len(got)-1]; f["read_seq"] != float64(2) || f["following"] != true || len(f) != 5 {
			t.Errorf("%s: read frame %v", device, f)
		}
	}
	// ...and on the WebSocket, backwards to seq 1 by message
	ws := s.dialWS(t, "alice", post, token(t, testutil.AliceEmail))
	ws.send(t, `{"type":"chat.read","message":"`+testutil.MessageId+`"}`)
	for _, device := range []*sseClient{phone, laptop} {
		got := until(t, device, "chat.read by the WebSocket", isKind(chat.TypeRead, post))
		if f := got[len(got)-1]; f["read_seq"] != float64(1) {
			t.Errorf("%s: read frame %v", device, f)
		}
	}
	// unfollow and follow tell the devices too
	s.expect(t, 200, http.MethodDelete, "/api/chat/room/"+post+"/follow/", alice, nil)
	got = until(t, phone, "unfollow frame", isKind(chat.TypeRead, post))
	if f := got[len(got)-1]; f["following"] != false || f["read_seq"] != float64(1) {
		t.Errorf("unfollow frame %v", got[len(got)-1])
	}
	s.expect(t, 200, http.MethodPost, "/api/chat/room/"+post+"/follow/", alice, nil)
	until(t, phone, "follow frame", func(f frame) bool { return isKind(chat.TypeRead, post)(f) && f["following"] == true })

	// alice sends: no activity frame for herself, her marker moves; bob
	// gets the activity. Then bob marks read in his own topic: what bob's
	// client received up to then holds nothing of alice's
	ws.sendMessage(t, "alice answers")
	got = until(t, laptop, "alice's own marker", func(f frame) bool { return isKind(chat.TypeRead, post)(f) && f["read_seq"] == float64(3) })
	until(t, bobs, "activity for bob", func(f frame) bool {
		return isKind(chat.TypeRoomActivity, post)(f) && f["sender_id"] == testutil.AliceId && f["last_seq"] == float64(3)
	})
	s.sendREST(t, testutil.BobEmail, post, "bob again")
	got = append(got, until(t, laptop, "bob's next activity", func(f frame) bool {
		return isKind(chat.TypeRoomActivity, post)(f) && f["last_seq"] == float64(4)
	})...)
	noneOf(t, got, "an activity frame of alice's own message", func(f frame) bool {
		return f["type"] == chat.TypeRoomActivity && f["sender_id"] == testutil.AliceId
	})
	s.expect(t, 200, http.MethodPost, "/api/chat/room/"+post+"/read/", bob, nil)
	got = until(t, bobs, "bob's read frame", func(f frame) bool { return isKind(chat.TypeRead, post)(f) && f["read_seq"] == float64(4) })
	noneOf(t, got, "alice's marker on bob's topic", func(f frame) bool {
		return f["type"] == chat.TypeRead && f["_event"] != memberTopic(testutil.BobId)
	})
	for _, f := range got {
		if f["_event"] != memberTopic(testutil.BobId) {
			t.Errorf("bob's client got %v", f)
		}
	}

	// a follower who may no longer read the room hears nothing of it:
	// alice follows carol's room, carol drops her, carol writes; then
	// something alice must get (bob writes in the post room)
	s.expect(t, 200, http.MethodPost, "/api/chat/room/"+carolRoomId+"/follow/", alice, nil)
	until(t, phone, "follow of carol's room", isKind(chat.TypeRead, carolRoomId))
	if _, err := s.App.DB().NewQuery("DELETE FROM friends WHERE user = {:c}").Bind(dbx.Params{"c": testutil.CarolId}).Execute(); err != nil {
		t.Fatal(err)
	}
	s.sendREST(t, testutil.CarolEmail, carolRoomId, "alice is gone")
	s.sendREST(t, testutil.BobEmail, post, "bob once more")
	got = until(t, phone, "bob's activity", func(f frame) bool {
		return isKind(chat.TypeRoomActivity, post)(f) && f["last_seq"] == float64(5)
	})
	noneOf(t, got, "activity of carol's room", isKind(chat.TypeRoomActivity, carolRoomId))
}

// The WebSocket's chat.read frame: refusals come back as error frames on
// the socket, and nothing is stored.
func TestReadFrameErrors(t *testing.T) {
	s := startServer(t)
	makePrivateRooms(t, s.App)
	post := postRoomId(t)
	ws := s.dialWS(t, "alice", post, token(t, testutil.AliceEmail))
	for _, c := range []struct{ frame, want string }{
		{`{"type":"chat.read","message":"` + aliceRoomMsgId + `"}`, `{"error_type":"not_found","message":"Not found."}`},
		{`{"type":"chat.read","message":"nosuchmessage00"}`, `{"error_type":"not_found","message":"Not found."}`},
		{`{"type":"chat.read","seq":7}`, `{"error_type":"invalid_request","message":"Invalid message format.","errors":{"seq":["Ensure this value is between 0 and 1."]}}`},
		{`{"type":"chat.read","message":7}`, `{"error_type":"invalid_request","message":"Invalid message format.","errors":{"message":["Not a valid string."]}}`},
	} {
		ws.send(t, c.frame)
		got := until(t, ws, "an error frame", func(f frame) bool { return f["error_type"] != nil })
		if raw, _ := json.Marshal(got[len(got)-1]); !sameJSON(t, raw, []byte(c.want)) {
			t.Errorf("%s → %s, want %s", c.frame, raw, c.want)
		}
	}
	followIs(testutil.AliceId, post, true, 0)(t, s.App, nil)
	ws.send(t, `{"type":"chat.read"}`)
	eventually(t, "alice's marker at 1", func() (bool, string) {
		_, r, _ := followOf(t, s.App, testutil.AliceId, post)
		return r == 1, fmt.Sprint("read_seq ", r)
	})
}

// FollowRoom (what the mentions call): idempotent, a new follow starts at
// 0, a follow that was ended comes back with its marker; a send that is
// refused follows nothing.
func TestFollowRoomFunc(t *testing.T) {
	s := startServer(t)
	app := s.App
	post := postRoomId(t)
	for i := 0; i < 2; i++ {
		if err := chat.FollowRoom(app, testutil.DaveId, post); err != nil {
			t.Fatal(err)
		}
		followIs(testutil.DaveId, post, true, 0)(t, app, nil)
	}
	s.expect(t, 200, http.MethodDelete, "/api/chat/room/"+post+"/follow/", auth(t, testutil.BobEmail), nil)
	if err := chat.FollowRoom(app, testutil.BobId, post); err != nil {
		t.Fatal(err)
	}
	followIs(testutil.BobId, post, true, 1)(t, app, nil)

	s.expect(t, 400, http.MethodPost, "/api/chat/message/", auth(t, testutil.CarolEmail), map[string]any{"room": post, "message": "  "})
	s.expect(t, 400, http.MethodPost, "/api/collections/messages/records", auth(t, testutil.CarolEmail),
		map[string]any{"room": post, "message": "reply", "parent_chat": "nosuchmessage00"})
	noFollow(testutil.CarolId, post)(t, app, nil)
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": post}, 1)
}

// The SQL that GET /api/chat/unread/ evaluates the stored rooms list rule
// with agrees with the rule, for every member and kind of room; and a rule
// changed in the dashboard is obeyed as stored.
func TestRoomReadableSQL(t *testing.T) {
	s := startServer(t)
	app := s.App
	makePrivateRooms(t, app)
	saveDM(t, app)
	testutil.MustSave(t, app, "rooms", map[string]any{
		"id": "roomdmcaroldave", "name": "carol, dave", "owner": testutil.CarolId,
		"dm_key": chat.DMKey(testutil.CarolId, testutil.DaveId), "members": []string{testutil.CarolId, testutil.DaveId},
	})
	rooms, err := app.FindCollectionByNameOrId("rooms")
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range []*string{rooms.ListRule, rooms.ViewRule} {
		if rule == nil || *rule != chat.DefaultRoomsListRule {
			t.Fatalf("stored rooms rule %v is not the one the unread SQL and the activity frames mirror", rule)
		}
	}
	all, err := app.FindAllRecords("rooms")
	if err != nil {
		t.Fatal(err)
	}
	agree := func(step string) {
		t.Helper()
		for _, who := range []string{testutil.AliceId, testutil.BobId, testutil.CarolId, testutil.DaveId} {
			member := testutil.MustFind(t, app, "users", who)
			var ids []string
			err := app.DB().Select("rooms.id").From("rooms").AndWhere(dbx.NewExp(chat.RoomReadableSQL, dbx.Params{"me": who})).Column(&ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, room := range all {
				want := chat.CanReadRoomByRule(app, room, member) // PocketBase's own evaluation
				if got := slices.Contains(ids, room.Id); got != want {
					t.Errorf("[%s] %s reading %s (%s): SQL %v, rule %v", step, who, room.Id, room.GetString("name"), got, want)
				}
				if got := chat.CanReadRoom(app, room, member); got != want {
					t.Errorf("[%s] %s reading %s (%s): CanReadRoom %v, rule %v", step, who, room.Id, room.GetString("name"), got, want)
				}
				// the activity frames' check agrees too
				readers, err := chat.MayRead(app, room, []string{who})
				if err != nil {
					t.Fatal(err)
				}
				if got := slices.Contains(readers, who); got != want {
					t.Errorf("[%s] %s reading %s (%s): activity frames %v, rule %v", step, who, room.Id, room.GetString("name"), got, want)
				}
			}
		}
	}
	agree("fixture")
	// banned members: bob from alice's room and from the post's room, carol
	// from the DM of carol and dave (a ban with an end counts while it lasts)
	for _, ban := range []struct{ room, user, until string }{
		{aliceRoomId, testutil.BobId, ""},
		{postRoomId(t), testutil.BobId, "2999-01-01 00:00:00.000Z"},
		{"roomdmcaroldave", testutil.CarolId, ""},
	} {
		testutil.MustSave(t, app, "room_bans", map[string]any{"room": ban.room, "user": ban.user, "until": ban.until})
	}
	agree("bans")
	var bobReads []string
	if err := app.DB().Select("rooms.id").From("rooms").AndWhere(dbx.NewExp(chat.RoomReadableSQL, dbx.Params{"me": testutil.BobId})).Column(&bobReads); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(bobReads, aliceRoomId) || slices.Contains(bobReads, postRoomId(t)) {
		t.Errorf("banned bob still reads %v", bobReads)
	}
	if _, err := app.DB().Delete("room_bans", nil).Execute(); err != nil {
		t.Fatal(err)
	}
	agree("bans lifted")

	// a stricter rule set in the dashboard: post rooms only
	for _, id := range []string{aliceRoomId, dmRoomId} {
		if err := chat.FollowRoom(app, testutil.AliceId, id); err != nil {
			t.Fatal(err)
		}
	}
	expectUnread(t, s, testutil.AliceEmail, 1, 0, dmRoomId+":0/0/0", aliceRoomId+":0/0/1", postRoomId(t)+":1/0/1")
	// a ban takes the room out of the member's unread list, while it lasts
	ban := testutil.MustSave(t, app, "room_bans", map[string]any{"room": aliceRoomId, "user": testutil.AliceId})
	expectUnread(t, s, testutil.AliceEmail, 1, 0, dmRoomId+":0/0/0", postRoomId(t)+":1/0/1")
	if err := app.Delete(ban); err != nil {
		t.Fatal(err)
	}
	expectUnread(t, s, testutil.AliceEmail, 1, 0, dmRoomId+":0/0/0", aliceRoomId+":0/0/1", postRoomId(t)+":1/0/1")
	rule := `@request.auth.id != "" && post != ""`
	rooms.ListRule, rooms.ViewRule = &rule, &rule
	if err := app.Save(rooms); err != nil {
		t.Fatal(err)
	}
	expectUnread(t, s, testutil.AliceEmail, 1, 0, postRoomId(t)+":1/0/1")
	alice := testutil.MustFind(t, app, "users", testutil.AliceId)
	for id, want := range map[string]bool{aliceRoomId: false, postRoomId(t): true} {
		room := testutil.MustFind(t, app, "rooms", id)
		if got := chat.CanReadRoom(app, room, alice); got != want {
			t.Errorf("under the dashboard's rule, alice reading %s: %v, want %v", id, got, want)
		}
	}
}
