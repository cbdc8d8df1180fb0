package chat_test

// Direct messages (docs/API.md, "Direct messages"): POST /api/chat/dm/
// with its permission matrix and refusals, one room per pair even when two
// requests race, and a DM room readable by its two members alone on every
// API: REST (room, list, send), the SDK's record API (rooms and messages,
// list and view), the room WebSocket (4003) and the room topic (403).

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

const dmRoomId = "roomdmalicebob1" // alice and bob's DM, made by saveDM

var aliceBobKey = chat.DMKey(testutil.AliceId, testutil.BobId)

// saveDM stores alice and bob's DM room as the route would.
func saveDM(t testing.TB, app core.App) {
	t.Helper()
	testutil.MustSave(t, app, "rooms", map[string]any{
		"id": dmRoomId, "name": "alice, bob", "owner": testutil.AliceId,
		"dm_key": aliceBobKey, "members": []string{testutil.AliceId, testutil.BobId},
	})
}

// dmRooms checks how many DM rooms are stored.
func dmRooms(n int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		got, err := app.CountRecords("rooms", dbx.NewExp("dm_key != ''"))
		if err != nil {
			t.Fatal(err)
		}
		if int(got) != n {
			t.Errorf("%d DM rooms stored, want %d", got, n)
		}
	}
}

// isDM checks a DM answer: the room object of a and b's DM, stored with
// its key and members, both following it.
func isDM(a, b string) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		room := testutil.DecodeObject(t, body)
		testutil.AssertKeys(t, "DM room", room, testutil.AtLeast, append(roomKeys, "kind", "members")...)
		members := []string{}
		for _, m := range room["members"].([]any) {
			members = append(members, m.(string))
		}
		slices.Sort(members)
		want := []string{a, b}
		slices.Sort(want)
		if room["kind"] != "dm" || !slices.Equal(members, want) || room["post"] != nil {
			t.Errorf("DM answer kind %v members %v post %v", room["kind"], members, room["post"])
		}
		id, _ := room["id"].(string)
		stored := testutil.MustFind(t, app, "rooms", id)
		if stored.GetString("dm_key") != chat.DMKey(a, b) {
			t.Errorf("stored dm_key %q", stored.GetString("dm_key"))
		}
		for _, m := range want {
			followIs(m, id, true, 0)(t, app, nil)
		}
	}
}

func TestDMRoute(t *testing.T) {
	post := func(name string, headers map[string]string, body string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: "/api/chat/dm/", Headers: headers,
			ExpectedStatus: status, ExpectedContent: []string{"{"},
			AfterTestFunc: testutil.After(checks...),
		}
		if body != "" {
			s.Body = strings.NewReader(body)
		}
		if status >= 400 || status == 200 {
			s.ExpectedEvents = testutil.WriteEvents(0, 0, 0)
		} else {
			s.ExpectedEvents = testutil.WriteEvents(1, 0, 0) // the room
		}
		return s
	}
	alice, bob, carol, dave := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail), auth(t, testutil.CarolEmail), auth(t, testutil.DaveEmail)
	email := func(e string) string { return `{"email":"` + e + `"}` }
	notFriends := testutil.BodyIs(`{"detail":"You can only message your friends."}`)

	var scenarios []tests.ApiScenario
	for _, url := range testutil.Spellings("/api/chat/dm") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, url, email(testutil.BobEmail), dmRooms(0))...)
	}
	existing := post("the pair's room exists: 200, the same room", bob, email(testutil.AliceEmail), 200,
		isDM(testutil.AliceId, testutil.BobId), dmRooms(1))
	existing.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { saveDM(t, app) }
	existing.ExpectedContent = []string{`"id":"` + dmRoomId + `"`}
	privateAdded := post("a private member one added, who has not added one: 403", bob, email(testutil.CarolEmail), 403, notFriends, dmRooms(0))
	privateAdded.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		testutil.MustSave(t, app, "friends", map[string]any{"user": testutil.BobId, "friend": testutil.CarolId})
	}
	publicAdded := post("a public member one added, who has not added one: 201", dave, email(testutil.BobEmail), 201,
		isDM(testutil.DaveId, testutil.BobId), dmRooms(1))
	publicAdded.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		testutil.MustSave(t, app, "friends", map[string]any{"user": testutil.DaveId, "friend": testutil.BobId})
	}

	testutil.Run(t, append(scenarios, []tests.ApiScenario{
		// the permission matrix (fixture lists: alice has bob, carol — private — has alice)
		post("alice has bob on her list: 201", alice, email(testutil.BobEmail), 201, isDM(testutil.AliceId, testutil.BobId), dmRooms(1)),
		post("bob, on alice's list, messages her: 201", bob, email(testutil.AliceEmail), 201, isDM(testutil.AliceId, testutil.BobId), dmRooms(1)),
		post("by id, e-mail in any case", bob, `{"user":"`+testutil.AliceId+`"}`, 201, isDM(testutil.AliceId, testutil.BobId), dmRooms(1)),
		post("e-mail in another case", alice, email("BOB@Example.com"), 201, isDM(testutil.AliceId, testutil.BobId), dmRooms(1)),
		post("alice messages carol, private, who has added her: 201", alice, email(testutil.CarolEmail), 201, isDM(testutil.AliceId, testutil.CarolId), dmRooms(1)),
		post("carol messages alice, whom she added: 201", carol, email(testutil.AliceEmail), 201, isDM(testutil.AliceId, testutil.CarolId), dmRooms(1)),
		post("neither has the other: 403", bob, email(testutil.CarolEmail), 403, notFriends, dmRooms(0)),
		post("neither has the other, public: 403", dave, email(testutil.BobEmail), 403, notFriends, dmRooms(0)),
		post("neither has the other, by id: 403", dave, `{"user":"`+testutil.AliceId+`"}`, 403, notFriends, dmRooms(0)),
		privateAdded,
		publicAdded,
		existing,
		// refusals
		post("oneself: 400", alice, email(testutil.AliceEmail), 400, testutil.BodyIs(`{"detail":"You cannot message yourself."}`), dmRooms(0)),
		post("oneself by id: 400", alice, `{"user":"`+testutil.AliceId+`"}`, 400, testutil.BodyIs(`{"detail":"You cannot message yourself."}`), dmRooms(0)),
		post("unknown e-mail: 404", alice, email("nobody@example.com"), 404, testutil.BodyIs(`{"detail":"User with this email does not exist."}`), dmRooms(0)),
		post("unknown id: 404", alice, `{"user":"nosuchuser00000"}`, 404, testutil.BodyIs(testutil.NotFoundBody), dmRooms(0)),
		post("no body: 400", alice, "", 400, testutil.BodyIs(`{"email":["This field is required."]}`), dmRooms(0)),
		post("blank e-mail: 400", alice, `{"email":"  "}`, 400, testutil.BodyIs(`{"email":["This field is required."]}`), dmRooms(0)),
		post("e-mail of the wrong type: 400", alice, `{"email":5}`, 400, testutil.BodyIs(`{"email":["Not a valid string."]}`), dmRooms(0)),
		post("both e-mail and user: 400", alice, `{"email":"`+testutil.BobEmail+`","user":"`+testutil.BobId+`"}`, 400,
			testutil.BodyIs(`{"non_field_errors":["Send either email or user, not both."]}`), dmRooms(0)),
		post("malformed JSON: 400", alice, `{"email":`, 400, testutil.BodyIs(`{"detail":"JSON parse error - unexpected EOF"}`), dmRooms(0)),
		post("a list: 400", alice, `[]`, 400, testutil.BodyIs(testutil.ListBodyError), dmRooms(0)),
	}...))
}

// Two members open their DM at once, many times over: one room, one 201.
func TestDMCreateRace(t *testing.T) {
	s := startServer(t)
	const n = 8
	statuses := make([]int, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			who, whom := testutil.AliceEmail, testutil.BobEmail
			if i%2 == 1 {
				who, whom = whom, who
			}
			var body []byte
			statuses[i], body = s.do(t, http.MethodPost, "/api/chat/dm/", auth(t, who), map[string]string{"email": whom})
			if obj, ok := testutil.Decode(t, body).(map[string]any); ok {
				ids[i], _ = obj["id"].(string)
			}
		}(i)
	}
	wg.Wait()
	created := 0
	for i, st := range statuses {
		switch st {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("request %d: status %d", i, st)
		}
		if ids[i] != ids[0] || ids[i] == "" {
			t.Errorf("request %d answered room %q, request 0 %q", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Errorf("%d answers were 201, want 1 (statuses %v)", created, statuses)
	}
	dmRooms(1)(t, s.App, nil)
}

// A DM is its two members' alone, on every API.
func TestDMAccess(t *testing.T) {
	s := startServer(t)
	saveDM(t, s.App)
	alice, bob, dave := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail), auth(t, testutil.DaveEmail)

	// the members: REST room, list, send, unread, WebSocket, room topic
	for _, who := range []map[string]string{alice, bob} {
		room := testutil.DecodeObject(t, s.expect(t, 200, http.MethodGet, "/api/chat/room/"+dmRoomId+"/", who, nil))
		if room["kind"] != "dm" || len(room["members"].([]any)) != 2 {
			t.Errorf("member's view of the DM: %v", room)
		}
		list := testutil.DecodeList(t, s.expect(t, 200, http.MethodGet, "/api/chat/room/?page_size=100", who, nil))
		found := false
		for _, r := range list {
			if r["id"] == dmRoomId {
				found = r["kind"] == "dm" && len(r["members"].([]any)) == 2
			} else if _, has := r["members"]; has {
				t.Errorf("a room that is no DM lists members: %v", r)
			}
		}
		if !found {
			t.Errorf("the DM is not listed (as a DM) for its member: %v", list)
		}
	}
	ws := s.dialWS(t, "bob", dmRoomId, token(t, testutil.BobEmail))
	sse := s.connectSSE(t, "alice")
	sse.mustSubscribe(t, alice, roomTopic(dmRoomId))
	s.waitListeners(t, dmRoomId, 2)
	msg := s.sendREST(t, testutil.AliceEmail, dmRoomId, "just between us")
	untilText(t, ws, "just between us")
	untilText(t, sse, "just between us")
	expectUnread(t, s, testutil.BobEmail, 1, 0, dmRoomId+":1/0/1", postRoomId(t)+":0/0/1")
	s.sendRecord(t, testutil.BobEmail, map[string]any{"room": dmRoomId, "message": "via the SDK"})

	// a third member: REST 403 (room, send, read, follow), not listed,
	// not in unread even when a follow row exists
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/api/chat/room/" + dmRoomId + "/"},
		{http.MethodPost, "/api/chat/room/" + dmRoomId + "/read/"},
		{http.MethodPost, "/api/chat/room/" + dmRoomId + "/follow/"},
	} {
		if got := s.expect(t, 403, c.method, c.path, dave, nil); !sameJSON(t, got, []byte(forbiddenBody)) {
			t.Errorf("%s %s: %s", c.method, c.path, got)
		}
	}
	s.expect(t, 403, http.MethodPost, "/api/chat/message/", dave, map[string]any{"room": dmRoomId, "message": "let me in"})
	for _, r := range testutil.DecodeList(t, s.expect(t, 200, http.MethodGet, "/api/chat/room/?page_size=100", dave, nil)) {
		if r["id"] == dmRoomId {
			t.Errorf("dave's room list has the DM")
		}
	}
	if err := chat.FollowRoom(s.App, testutil.DaveId, dmRoomId); err != nil {
		t.Fatal(err)
	}
	expectUnread(t, s, testutil.DaveEmail, 0, 0)

	// the SDK's record API: rooms and messages, list and view
	records := func(path string) map[string]any {
		return testutil.DecodeObject(t, s.expect(t, 200, http.MethodGet, path, dave, nil))
	}
	if items := records("/api/collections/rooms/records?perPage=200")["items"].([]any); slices.ContainsFunc(items, func(r any) bool {
		return r.(map[string]any)["id"] == dmRoomId
	}) {
		t.Errorf("dave's SDK room list has the DM")
	}
	if n := records(`/api/collections/messages/records?filter=` + urlQuery(`room="`+dmRoomId+`"`))["totalItems"]; n != float64(0) {
		t.Errorf("dave's SDK message list of the DM: %v items", n)
	}
	if n := testutil.DecodeObject(t, s.expect(t, 200, http.MethodGet, `/api/collections/messages/records?filter=`+urlQuery(`room="`+dmRoomId+`"`), bob, nil))["totalItems"]; n != float64(2) {
		t.Errorf("bob's SDK message list of the DM: %v items, want 2", n)
	}
	s.expect(t, 404, http.MethodGet, "/api/collections/rooms/records/"+dmRoomId, dave, nil)
	s.expect(t, 404, http.MethodGet, "/api/collections/messages/records/"+msg["id"].(string), dave, nil)
	s.expect(t, 200, http.MethodGet, "/api/collections/messages/records/"+msg["id"].(string), bob, nil)
	if status, body := s.do(t, http.MethodPost, "/api/collections/messages/records", dave, map[string]any{"room": dmRoomId, "message": "sdk sneak"}); status < 400 {
		t.Errorf("dave's SDK send to the DM: %d %s", status, body)
	}
	testutil.ExpectCount(t, s.App, "messages", dbx.HashExp{"room": dmRoomId}, 2)

	// the WebSocket closes with 4003; the room topic answers 403
	outsider := s.dialWS(t, "dave", dmRoomId, token(t, testutil.DaveEmail))
	if code, _ := outsider.closedWith(t); code != chat.CloseForbidden {
		t.Errorf("dave's WebSocket closed with %d, want 4003", code)
	}
	daves := s.connectSSE(t, "dave")
	if status, body := daves.subscribe(t, dave, roomTopic(dmRoomId)); status != http.StatusForbidden {
		t.Errorf("dave subscribing to the DM's topic: %d %s", status, body)
	}
	// no route may rewrite a DM into someone else's room
	if status, _ := s.do(t, http.MethodPatch, "/api/collections/rooms/records/"+dmRoomId, alice, map[string]any{"members": []string{testutil.AliceId, testutil.DaveId}}); status < 400 {
		t.Errorf("alice rewrote the DM's members: %d", status)
	}
	if status, _ := s.do(t, http.MethodPost, "/api/collections/rooms/records", dave, map[string]any{"name": "fake", "dm_key": "x:y", "members": []string{testutil.DaveId, testutil.AliceId}}); status < 400 {
		t.Errorf("dave made a DM through the SDK: %d", status)
	}
}
