package chat_test

// Live delivery over real HTTP: the room WebSocket, the per-room realtime
// topic "chat/<room>" and the stock "messages" collection subscription, for
// messages sent through every API; access refusals on every transport;
// presence; and bad WebSocket input.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

func joinOf(name string) func(frame) bool {
	return func(f frame) bool { return f.is(chat.TypeJoin, name) }
}

func leaveOf(name string) func(frame) bool {
	return func(f frame) bool { return f.is(chat.TypeLeave, name) }
}

func withoutEvent(f frame) frame {
	out := frame{}
	for k, v := range f {
		if k != "_event" {
			out[k] = v
		}
	}
	return out
}

// TestLiveDeliveryEveryTransport: two members in a post's room. A message
// sent through the documented REST route, the WebSocket, the record API
// (JS SDK) and the record API as a superuser (dashboard) reaches, exactly
// once each: bob's WebSocket, bob's SSE client on the room topic, bob's SSE
// client on the stock collection subscription filtered to the room, and
// alice's WebSocket (her own messages echo back). A message of another room
// reaches none of them.
func TestLiveDeliveryEveryTransport(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	makePrivateRooms(t, s.App)

	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	until(t, bobWS, "bob's own join", joinOf("bob"))
	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	until(t, aliceWS, "alice's own join", joinOf("alice"))
	until(t, bobWS, "alice's join", joinOf("alice"))

	topic := s.connectSSE(t, "bob on "+roomTopic(room))
	topic.mustSubscribe(t, auth(t, testutil.BobEmail), roomTopic(room))
	stock := s.connectSSE(t, "bob on the messages collection")
	sub := stockSub(room)
	stock.mustSubscribe(t, auth(t, testutil.BobEmail), sub)
	// the same, written by hand as in PocketBase's realtime docs
	stockRaw := s.connectSSE(t, "bob on the messages collection (unencoded options)")
	rawSub := `messages/*?options={"query":{"filter":"room='` + room + `'"}}`
	stockRaw.mustSubscribe(t, auth(t, testutil.BobEmail), rawSub)
	s.waitListeners(t, room, 3) // two WebSockets and the topic

	receivers := []receiver{bobWS, aliceWS, topic, stock, stockRaw}
	got := map[receiver][]frame{}
	// await waits until text has reached every receiver (but those in done).
	await := func(text string, done ...receiver) {
		t.Helper()
		for _, r := range receivers {
			if slices.Contains(done, r) {
				continue
			}
			got[r] = append(got[r], untilText(t, r, text)...)
		}
	}

	const (
		viaREST      = "via the documented REST route"
		viaWS        = "via the room WebSocket"
		viaSDK       = "via the record API, as the JS SDK does"
		viaDashboard = "via the record API as a superuser, as the dashboard does"
		elsewhere    = "in another room"
		sentinel     = "the last one"
	)
	ids := map[string]string{}

	ids[viaREST] = s.sendREST(t, testutil.AliceEmail, room, viaREST)["id"].(string)
	await(viaREST)

	got[aliceWS] = append(got[aliceWS], aliceWS.sendMessage(t, viaWS)...) // the sender's echo
	await(viaWS, aliceWS)

	ids[viaSDK] = s.sendRecord(t, testutil.AliceEmail, map[string]any{"room": room, "message": viaSDK})["id"].(string)
	await(viaSDK)

	ids[viaDashboard] = s.sendRecord(t, testutil.SuperuserEmail, map[string]any{"room": room, "message": viaDashboard, "sender": testutil.AliceId})["id"].(string)
	await(viaDashboard)

	s.sendREST(t, testutil.AliceEmail, aliceRoomId, elsewhere) // bob may read it, but it is not this room
	s.sendREST(t, testutil.AliceEmail, room, sentinel)
	await(sentinel)

	for _, r := range receivers {
		for _, text := range []string{viaREST, viaWS, viaSDK, viaDashboard, sentinel} {
			if n := countText(got[r], text); n != 1 {
				t.Errorf("%s received %q %d times, want once", r, text, n)
			}
		}
		if n := countText(got[r], elsewhere); n != 0 {
			t.Errorf("%s received a message of another room", r)
		}
	}

	// every message is stored once, with alice as its sender
	for _, text := range []string{viaREST, viaWS, viaSDK, viaDashboard} {
		rows, err := s.App.FindAllRecords("messages", dbx.HashExp{"message": text})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%q stored %d times, want once", text, len(rows))
		}
		if rows[0].GetString("sender") != testutil.AliceId || rows[0].GetString("room") != room {
			t.Errorf("%q stored with sender %q room %q", text, rows[0].GetString("sender"), rows[0].GetString("room"))
		}
		if ids[text] == "" {
			ids[text] = rows[0].Id
		} else if ids[text] != rows[0].Id {
			t.Errorf("%q: answered id %s, stored %s", text, ids[text], rows[0].Id)
		}
	}

	// the shapes: the room protocol frame on the WebSocket and the topic
	// (the same bytes, encoded once), a record event on the stock topic
	for _, text := range []string{viaREST, viaWS, viaSDK, viaDashboard} {
		var wsFrame, topicFrame, stockFrame frame
		for _, f := range got[bobWS] {
			if f.text() == text {
				wsFrame = f
			}
		}
		for _, f := range got[topic] {
			if f.text() == text {
				topicFrame = f
			}
		}
		for _, f := range got[stock] {
			if f.text() == text {
				stockFrame = f
			}
		}
		want := map[string]any{
			"type": chat.TypeMessage, "message": text, "sender": testutil.AliceEmail, "nickname": "alice",
			"profile_picture_url": nil, "id": ids[text], "room": room,
		}
		for k, v := range want {
			if wsFrame[k] != v {
				t.Errorf("WebSocket frame of %q: %s = %#v, want %#v", text, k, wsFrame[k], v)
			}
		}
		if topicFrame["_event"] != roomTopic(room) {
			t.Errorf("topic event name %v, want %s", topicFrame["_event"], roomTopic(room))
		}
		if !reflect.DeepEqual(map[string]any(withoutEvent(topicFrame)), map[string]any(wsFrame)) {
			t.Errorf("the topic and the WebSocket got different frames:\n%v\n%v", topicFrame, wsFrame)
		}
		for _, f := range got[stockRaw] {
			if f.text() == text && (f["_event"] != rawSub || f["action"] != "create") {
				t.Errorf("unencoded stock event %v action %v", f["_event"], f["action"])
			}
		}
		if stockFrame["_event"] != sub || stockFrame["action"] != "create" {
			t.Errorf("stock event %v action %v, want %s create", stockFrame["_event"], stockFrame["action"], sub)
		}
		record, _ := stockFrame["record"].(map[string]any)
		if record["id"] != ids[text] || record["room"] != room || record["sender"] != testutil.AliceId || record["collectionName"] != "messages" {
			t.Errorf("stock record of %q: %v", text, record)
		}
	}
}

// TestLivePrivateRoomOutsiders: bob's room without a post is his alone
// (his friends list is empty). Outsiders get close code 4003 on the
// WebSocket, 403 when subscribing to its topic, and none of its events on
// any subscription they may hold; bad auth gets 4001, an unknown room
// 4004.
func TestLivePrivateRoomOutsiders(t *testing.T) {
	s := startServer(t)
	makePrivateRooms(t, s.App) // also makes sure nobody is on bob's list
	postRoom := postRoomId(t)
	bob := auth(t, testutil.BobEmail)

	// bob himself, on every transport (the positive control)
	bobWS := s.dialWS(t, "bob", bobRoomId, token(t, testutil.BobEmail))
	until(t, bobWS, "bob's join", joinOf("bob"))
	bobSSE := s.connectSSE(t, "bob")
	bobSSE.mustSubscribe(t, bob, roomTopic(bobRoomId), stockSub(bobRoomId))

	// WebSocket refusals
	refusals := []struct {
		label, room, token string
		header             http.Header
		code               websocket.StatusCode
	}{
		{"alice in bob's room", bobRoomId, token(t, testutil.AliceEmail), nil, chat.CloseForbidden},
		{"carol in bob's room", bobRoomId, token(t, testutil.CarolEmail), nil, chat.CloseForbidden},
		{"dave in bob's room", bobRoomId, token(t, testutil.DaveEmail), nil, chat.CloseForbidden},
		{"carol by header in bob's room", bobRoomId, "", http.Header{"Authorization": {"Bearer " + token(t, testutil.CarolEmail)}}, chat.CloseForbidden},
		{"carol in alice's room", aliceRoomId, token(t, testutil.CarolEmail), nil, chat.CloseForbidden},
		{"anonymous", bobRoomId, "", nil, chat.CloseUnauthenticated},
		{"anonymous in a post's room", postRoom, "", nil, chat.CloseUnauthenticated},
		{"a forged token", postRoom, "not.a-real.token", nil, chat.CloseUnauthenticated},
		{"unknown room", "nosuchroom00000", token(t, testutil.AliceEmail), nil, chat.CloseUnknownRoom},
	}
	for _, r := range refusals {
		u := "ws" + strings.TrimPrefix(s.URL, "http") + "/ws/chat/" + r.room + "/chat/"
		if r.token != "" {
			u += "?token=" + r.token
		}
		ws := dialURL(t, r.label, u, r.header)
		code, before := ws.closedWith(t)
		if code != r.code {
			t.Errorf("%s: close code %d, want %d (%v)", r.label, code, r.code, ws.err)
		}
		if len(before) != 0 {
			t.Errorf("%s: frames before the refusal: %v", r.label, before)
		}
	}

	// SSE refusals: the whole subscription request fails
	carolSSE := s.connectSSE(t, "carol")
	aliceSSE := s.connectSSE(t, "alice")
	anonSSE := s.connectSSE(t, "anonymous")
	sseRefusals := []struct {
		label   string
		c       *sseClient
		headers map[string]string
		subs    []string
		status  int
	}{
		{"carol: bob's topic", carolSSE, auth(t, testutil.CarolEmail), []string{roomTopic(bobRoomId)}, 403},
		{"carol: bob's topic with others", carolSSE, auth(t, testutil.CarolEmail), []string{roomTopic(postRoom), roomTopic(bobRoomId), "messages/*"}, 403},
		{"carol: bob's topic with SDK options", carolSSE, auth(t, testutil.CarolEmail), []string{roomTopic(bobRoomId) + `?options={"query":{}}`}, 403},
		{"carol: alice's topic", carolSSE, auth(t, testutil.CarolEmail), []string{roomTopic(aliceRoomId)}, 403},
		{"alice: bob's topic", aliceSSE, auth(t, testutil.AliceEmail), []string{roomTopic(bobRoomId)}, 403},
		{"anonymous: bob's topic", anonSSE, nil, []string{roomTopic(bobRoomId)}, 403},
		{"anonymous: a post's topic", anonSSE, nil, []string{roomTopic(postRoom)}, 403},
		{"a superuser is no member", anonSSE, auth(t, testutil.SuperuserEmail), []string{roomTopic(postRoom)}, 403},
		{"unknown room", carolSSE, auth(t, testutil.CarolEmail), []string{roomTopic("nosuchroom00000")}, 404},
	}
	for _, r := range sseRefusals {
		// a fresh server each: a member refused a room once is quietly
		// left without it afterwards (TestRefusedTopicDoesNotPoisonTheClient)
		fresh := startServer(t)
		makePrivateRooms(t, fresh.App)
		c := fresh.connectSSE(t, r.c.label+" ("+r.label+")")
		if status, body := c.subscribe(t, r.headers, r.subs...); status != r.status {
			t.Errorf("%s: subscribe status %d, want %d: %s", r.label, status, r.status, body)
		}
	}

	// nobody but bob got into the room
	s.waitListeners(t, bobRoomId, 2)
	if got := s.onlineUsers(t, testutil.BobEmail, bobRoomId); !reflect.DeepEqual(got, []string{"bob"}) {
		t.Errorf("online_users of bob's room = %v, want bob only", got)
	}

	// the outsiders listen where they may: the post's room topic and the
	// whole messages collection; alice also asks the stock topic for bob's
	// room by filter (allowed to subscribe, but the list rule hides it all)
	carolSSE.mustSubscribe(t, auth(t, testutil.CarolEmail), roomTopic(postRoom), "messages/*")
	aliceSSE.mustSubscribe(t, auth(t, testutil.AliceEmail), roomTopic(postRoom), "messages/*", stockSub(bobRoomId))
	until(t, aliceSSE, "alice's join", joinOf("alice")) // her first connection there
	aliceWS := s.dialWS(t, "alice", postRoom, token(t, testutil.AliceEmail))
	s.waitListeners(t, postRoom, 3) // carol's and alice's topics, alice's WebSocket

	const secret1, secret2, sentinel = "bob's secret by REST", "bob's secret by WebSocket", "public sentinel"
	s.sendREST(t, testutil.BobEmail, bobRoomId, secret1)
	untilText(t, bobWS, secret1)
	bobWS.sendMessage(t, secret2)
	s.sendRecord(t, testutil.BobEmail, map[string]any{"room": bobRoomId, "message": "bob's secret by the SDK"})
	untilText(t, bobWS, "bob's secret by the SDK")
	untilEach(t, bobSSE, 2, secret1, secret2, "bob's secret by the SDK") // the topic and the filtered stock subscription

	s.sendREST(t, testutil.DaveEmail, postRoom, sentinel)
	check := func(r receiver, copies int) {
		t.Helper()
		n := 0
		frames := until(t, r, fmt.Sprintf("%d copies of the sentinel", copies), func(f frame) bool {
			if f.text() == sentinel {
				n++
			}
			return n == copies
		})
		for _, f := range frames {
			raw, _ := json.Marshal(f)
			if strings.Contains(string(raw), "secret") || strings.Contains(string(raw), bobRoomId) {
				t.Errorf("%s received an event of bob's room: %s", r, raw)
			}
		}
	}
	check(carolSSE, 2) // topic + collection
	check(aliceSSE, 2)
	check(aliceWS, 1)
}

// TestLivePresence: a join when a user's first connection to a room opens
// (WebSocket or topic), none for further ones; a leave when the last one
// closes, also when TCP is dropped without a goodbye; online_users
// follows.
func TestLivePresence(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	alice := testutil.AliceEmail

	obs := s.dialWS(t, "alice (observer)", room, token(t, alice))
	until(t, obs, "alice's own join", joinOf("alice"))
	s.waitOnline(t, alice, room, "alice")

	// bob: first connection (WebSocket) → join; the newcomer hears it too
	bob1 := s.dialWS(t, "bob #1", room, token(t, testutil.BobEmail))
	until(t, obs, "bob's join", joinOf("bob"))
	until(t, bob1, "bob's join, to himself", joinOf("bob"))
	s.waitOnline(t, alice, room, "alice", "bob")

	// second (topic) and third (WebSocket) connections → no join
	bobSSE := s.connectSSE(t, "bob")
	bobSSE.mustSubscribe(t, auth(t, testutil.BobEmail), roomTopic(room))
	s.waitListeners(t, room, 3)
	bob2 := s.dialWS(t, "bob #2", room, token(t, testutil.BobEmail))
	const spoken = "bob's third connection speaks" // handled after that connection joined
	bob2.sendMessage(t, spoken)
	if frames := untilText(t, obs, spoken); countPresence(frames, chat.TypeJoin, "bob") != 0 {
		t.Errorf("a join for bob's second or third connection: %v", frames)
	}
	untilText(t, bobSSE, spoken)
	s.waitOnline(t, alice, room, "alice", "bob")

	// one closes normally, another drops its TCP connection: bob is still
	// in the room through the topic → no leave
	bob1.closeNormally(t)
	s.waitListeners(t, room, 3)
	bob2.dropTCP()
	s.waitListeners(t, room, 2)
	const still = "is bob still here?"
	s.sendREST(t, alice, room, still)
	if frames := untilText(t, obs, still); countPresence(frames, chat.TypeLeave, "bob") != 0 {
		t.Errorf("a leave while bob still has a connection: %v", frames)
	}
	untilText(t, bobSSE, still)
	s.waitOnline(t, alice, room, "alice", "bob")

	// the last one, the SSE stream, is cut → leave
	bobSSE.drop()
	until(t, obs, "bob's leave", leaveOf("bob"))
	s.waitOnline(t, alice, room, "alice")
	s.waitListeners(t, room, 1)

	// a first connection by the topic announces a join (to the newcomer
	// too); subscribing again to the same topic does not
	dave := auth(t, testutil.DaveEmail)
	daveSSE := s.connectSSE(t, "dave")
	daveSSE.mustSubscribe(t, dave, roomTopic(room))
	until(t, obs, "dave's join", joinOf("dave"))
	until(t, daveSSE, "dave's join, to himself", joinOf("dave"))
	daveSSE.mustSubscribe(t, dave, roomTopic(room), "messages/*")
	daveSSE.mustSubscribe(t, dave, roomTopic(room)+`?options={"query":{}}`, roomTopic(room))
	s.waitListeners(t, room, 2)
	const again = "dave resubscribed"
	s.sendREST(t, alice, room, again)
	if frames := untilText(t, obs, again); countPresence(frames, chat.TypeJoin, "dave")+countPresence(frames, chat.TypeLeave, "dave") != 0 {
		t.Errorf("resubscribing to the same topic announced presence: %v", frames)
	}

	// a WebSocket whose TCP connection is dropped as its user's last
	// connection → leave
	carol := s.dialWS(t, "carol", room, token(t, testutil.CarolEmail))
	until(t, obs, "carol's join", joinOf("carol"))
	s.waitOnline(t, alice, room, "alice", "carol", "dave")
	carol.dropTCP()
	until(t, obs, "carol's leave", leaveOf("carol"))

	// unsubscribing from the topic (the stream stays open) → leave
	daveSSE.mustSubscribe(t, dave)
	until(t, obs, "dave's leave", leaveOf("dave"))
	s.waitOnline(t, alice, room, "alice")
	s.waitListeners(t, room, 1)

	// the observer leaves last: nobody is online
	obs.closeNormally(t)
	s.waitListeners(t, room, 0)
	s.waitOnline(t, testutil.BobEmail, room)
}

// TestLiveBadWebSocketInput: malformed frames get the documented error
// frame and the connection stays usable; nothing is stored.
func TestLiveBadWebSocketInput(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	ws := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	until(t, ws, "alice's join", joinOf("alice"))
	stored := testutil.Count(t, s.App, "messages", nil)

	for _, bad := range []string{
		`not json`,
		`{"type":"chat.message","message":"unterminated`,
		`{"type":"chat.nonsense","message":"x"}`,
		`{"message":"no type"}`,
		`{"type":"chat.message"}`,
		`{"type":"chat.message","message":null}`,
		`{"type":"chat.message","message":42}`,
		`{"type":"chat.message","message":["x"]}`,
		`{"type":"chat.message","message":{"text":"x"}}`,
		`{"type":"chat.message","message":"x","parent_chat":5}`,
		`["chat.message","x"]`,
		`"chat.message"`,
		``,
	} {
		ws.send(t, bad)
		if got := ws.nextRaw(t); !sameJSON(t, got, []byte(badFrameBody)) {
			t.Errorf("frame %q: answer %s, want %s", bad, got, badFrameBody)
		}
	}
	// a well-formed frame the message rules refuse: the same error, with details
	for _, bad := range []string{
		`{"type":"chat.message","message":"   "}`,
		`{"type":"chat.message","message":"` + strings.Repeat("x", 2001) + `"}`,
		`{"type":"chat.message","message":"x","parent_chat":"nosuchmessage00"}`,
	} {
		ws.send(t, bad)
		f := testutil.DecodeObject(t, ws.nextRaw(t))
		if f["error_type"] != "invalid_request" || f["message"] != "Invalid message format." {
			t.Errorf("frame %.60q: answer %v", bad, f)
		}
	}
	if got := testutil.Count(t, s.App, "messages", nil); got != stored {
		t.Errorf("bad frames stored %d messages", got-stored)
	}

	// still usable
	ws.sendMessage(t, "still here")
	if got := testutil.Count(t, s.App, "messages", dbx.HashExp{"message": "still here"}); got != 1 {
		t.Errorf("the good frame was stored %d times", got)
	}
}

// TestLiveOversizedFrame: a 1 MB frame closes that connection with 1009
// (message too big); the server goes on serving everyone else.
func TestLiveOversizedFrame(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	obs := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	until(t, obs, "bob's join", joinOf("bob"))
	big := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	until(t, big, "alice's join", joinOf("alice"))
	until(t, obs, "alice's join", joinOf("alice"))

	payload, _ := json.Marshal(map[string]string{"type": chat.TypeMessage, "message": strings.Repeat("x", 1<<20)})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_ = big.Conn.Write(ctx, websocket.MessageText, payload) // the server may hang up before it is all written
	if code, _ := big.closedWith(t); code != websocket.StatusMessageTooBig {
		t.Errorf("close code %d, want 1009 (%v)", code, big.err)
	}
	until(t, obs, "alice's leave", leaveOf("alice"))
	if n := testutil.Count(t, s.App, "messages", dbx.HashExp{"room": room}); n != 1 {
		t.Errorf("%d messages in the room, want the fixture's only", n)
	}

	// others are served: a new connection, a message, its delivery
	carol := s.dialWS(t, "carol", room, token(t, testutil.CarolEmail))
	carol.sendMessage(t, "after the big one")
	untilText(t, obs, "after the big one")
	s.sendREST(t, testutil.BobEmail, room, "and by REST")
	untilText(t, carol, "and by REST")
}
