package chat_test

// What one hostile member may try against the live transports: too many
// connections, too many room topics, presence flapping, frame floods,
// binary and non-UTF-8 frames.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestConnectionsPerMember: a member holds at most ConnectionsPerMember
// live connections, WebSockets and signed-in realtime clients together;
// beyond, a WebSocket closes with 4029 and a subscription answers 429 with
// Retry-After. Ending a connection frees its slot. Other members are not
// affected.
func TestConnectionsPerMember(t *testing.T) {
	s := startServer(t)
	limits.Of(s.App).ConnectionsPerMember = 3
	room := postRoomId(t)
	alice := auth(t, testutil.AliceEmail)

	ws1 := s.dialWS(t, "alice #1", room, token(t, testutil.AliceEmail))
	until(t, ws1, "alice's join", joinOf("alice"))
	ws2 := s.dialWS(t, "alice #2", room, token(t, testutil.AliceEmail))
	sse := s.connectSSE(t, "alice #3")
	sse.mustSubscribe(t, alice, "messages/*")
	sse.mustSubscribe(t, alice, "messages/*", roomTopic(room)) // the same client: no second slot
	if n := chat.ConnectionsOf(s.App, testutil.AliceId); n != 3 {
		t.Fatalf("alice holds %d connection slots, want 3", n)
	}

	over := s.dialWS(t, "alice #4", room, token(t, testutil.AliceEmail))
	if code, before := over.closedWith(t); code != chat.CloseTooManyConns || len(before) != 0 {
		t.Errorf("4th connection: close code %d (frames %v), want %d", code, before, chat.CloseTooManyConns)
	}
	overSSE := s.connectSSE(t, "alice #5")
	res := s.rawSubscribe(t, overSSE, alice, "messages/*")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("5th connection's subscription: status %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	overSSE.mustSubscribe(t, nil, "posts/*") // as a guest it may still listen to public topics

	// others are not limited by alice
	bob := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	until(t, bob, "bob's join", joinOf("bob"))

	// a connection that ends gives its slot back
	ws2.closeNormally(t)
	eventually(t, "alice's slot given back", func() (bool, string) {
		n := chat.ConnectionsOf(s.App, testutil.AliceId)
		return n == 2, fmt.Sprintf("%d slots", n)
	})
	again := s.dialWS(t, "alice again", room, token(t, testutil.AliceEmail))
	again.sendMessage(t, "a slot was free again")
	sse.drop()
	eventually(t, "the realtime client's slot given back", func() (bool, string) {
		n := chat.ConnectionsOf(s.App, testutil.AliceId)
		return n == 2, fmt.Sprintf("%d slots", n)
	})
}

// rawSubscribe is subscribe with the whole response.
func (s *liveServer) rawSubscribe(t testing.TB, c *sseClient, headers map[string]string, subs ...string) *http.Response {
	t.Helper()
	body := fmt.Sprintf(`{"clientId":%q,"subscriptions":[%s]}`, c.ID, quoteAll(subs))
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/realtime", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func quoteAll(subs []string) string {
	q := make([]string, len(subs))
	for i, s := range subs {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ",")
}

// TestTopicsPerConnection: one realtime client may follow at most
// TopicsPerConnection chat rooms (400 beyond, nothing subscribed).
func TestTopicsPerConnection(t *testing.T) {
	s := startServer(t)
	limits.Of(s.App).TopicsPerConnection = 2
	makePrivateRooms(t, s.App)
	sse := s.connectSSE(t, "alice")
	alice := auth(t, testutil.AliceEmail)
	rooms := []string{roomTopic(postRoomId(t)), roomTopic(aliceRoomId), roomTopic(carolRoomId)}

	if status, body := sse.subscribe(t, alice, rooms...); status != http.StatusBadRequest || !strings.Contains(string(body), "at most 2") {
		t.Errorf("3 room topics: status %d %s, want 400", status, body)
	}
	if n := chat.HubOf(s.App).Listeners(aliceRoomId) + chat.HubOf(s.App).Listeners(carolRoomId); n != 0 {
		t.Errorf("%d listeners after a refused subscription", n)
	}
	sse.mustSubscribe(t, alice, rooms[:2]...)
	s.waitListeners(t, aliceRoomId, 1)
}

// TestPresenceNoticesAreDebounced: a member who connects and disconnects
// over and over gets a few notices at once, then the room is told the net
// change only, and ends up told the truth (offline).
func TestPresenceNoticesAreDebounced(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	obs := s.dialWS(t, "alice (observer)", room, token(t, testutil.AliceEmail))
	until(t, obs, "alice's own join", joinOf("alice"))

	const cycles = 30
	for i := 0; i < cycles; i++ {
		ws := s.dialWS(t, fmt.Sprintf("bob #%d", i), room, token(t, testutil.BobEmail))
		ws.closeNormally(t)
	}
	s.waitListeners(t, room, 1)
	// the sentinel is sent once the hub has settled: every notice due by
	// now has been published before it, held-back ones come after
	s.sendREST(t, testutil.CarolEmail, room, "sentinel")
	got := untilText(t, obs, "sentinel")
	notices := countPresence(got, chat.TypeJoin, "bob") + countPresence(got, chat.TypeLeave, "bob")
	if notices > 6 {
		t.Errorf("%d presence notices of bob for %d connect/disconnect cycles, want a few", notices, cycles)
	}
	// whatever was held back, the last word is that bob left
	joins, leaves := countPresence(got, chat.TypeJoin, "bob"), countPresence(got, chat.TypeLeave, "bob")
	if joins > leaves {
		until(t, obs, "bob's final leave", leaveOf("bob"))
	}
	s.waitOnline(t, testutil.AliceEmail, room, "alice")
}

// TestFrameFloodIsCoalesced: a reading client that sends many frames at
// once gets its messages stored up to the rate limit and rate_limited
// error frames for the rest, coalesced, and stays connected.
func TestFrameFloodIsCoalesced(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	ws := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	until(t, ws, "alice's join", joinOf("alice"))

	const flood = 40
	for i := 0; i < flood; i++ {
		ws.send(t, fmt.Sprintf(`{"type":"chat.message","message":"flood %d"}`, i))
	}
	for i := 0; i < flood; i++ {
		ws.send(t, `not json`)
	}
	// frames are handled in order: once the last junk frame's error has
	// come, every message frame before it has been handled
	invalid, limited := 0, 0
	until(t, ws, fmt.Sprintf("%d invalid_request frames", flood), func(f frame) bool {
		switch f["error_type"] {
		case "invalid_request":
			invalid++
		case "rate_limited":
			limited++
		}
		return invalid == flood
	})
	if limited == 0 || limited > flood-10 {
		t.Errorf("%d rate_limited frames, want at least one and at most one per refused send (%d)", limited, flood-10)
	}
	stored := testutil.Count(t, s.App, "messages", dbx.NewExp("message LIKE 'flood %'"))
	if stored < 10 || stored >= flood {
		t.Errorf("%d of %d flood messages stored, want the burst (10) and what refilled meanwhile", stored, flood)
	}
	// and it is still connected
	s.sendREST(t, testutil.BobEmail, room, "are you still there?")
	untilText(t, ws, "are you still there?")
}

// TestWebSocketRefusesBinaryAndInvalidUTF8: RFC 6455 close codes, nothing
// stored.
func TestWebSocketRefusesBinaryAndInvalidUTF8(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	stored := testutil.Count(t, s.App, "messages", nil)
	for _, c := range []struct {
		name string
		kind websocket.MessageType
		data []byte
		code websocket.StatusCode
	}{
		{"binary frame", websocket.MessageBinary, []byte(`{"type":"chat.message","message":"binary"}`), websocket.StatusUnsupportedData},
		{"invalid UTF-8", websocket.MessageText, []byte("{\"type\":\"chat.message\",\"message\":\"bad \xff\xfe text\"}"), websocket.StatusInvalidFramePayloadData},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.waitListeners(t, room, 0) // the previous case's connection has left
			ws := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
			until(t, ws, "alice's join", joinOf("alice"))
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := ws.Conn.Write(ctx, c.kind, c.data); err != nil {
				t.Fatal(err)
			}
			if code, _ := ws.closedWith(t); code != c.code {
				t.Errorf("close code %d, want %d", code, c.code)
			}
		})
	}
	if got := testutil.Count(t, s.App, "messages", nil); got != stored {
		t.Errorf("%d messages stored", got-stored)
	}
}

// TestRefusedTopicDoesNotPoisonTheClient: the JS SDK keeps a refused topic
// and sends it again with every later subscription change. The first
// refusal is a 403; repeated, the topic is quietly left out (no listener,
// no events) and the rest of the request goes through; once the room is
// readable, the same list subscribes it.
func TestRefusedTopicDoesNotPoisonTheClient(t *testing.T) {
	s := startServer(t)
	makePrivateRooms(t, s.App) // dave is on nobody's list
	dave := auth(t, testutil.DaveEmail)
	post := roomTopic(postRoomId(t))
	sse := s.connectSSE(t, "dave")

	if status, body := sse.subscribe(t, dave, roomTopic(bobRoomId)); status != http.StatusForbidden {
		t.Fatalf("first refusal: %d %s, want 403", status, body)
	}
	sse.mustSubscribe(t, dave, roomTopic(bobRoomId), post) // what the SDK sends next
	until(t, sse, "dave's join in the post's room", joinOf("dave"))
	if n := chat.HubOf(s.App).Listeners(bobRoomId); n != 0 {
		t.Fatalf("%d listeners in bob's room", n)
	}
	s.sendREST(t, testutil.BobEmail, bobRoomId, "bob's secret")
	s.sendREST(t, testutil.BobEmail, postRoomId(t), "public")
	for _, f := range untilText(t, sse, "public") {
		if f.text() == "bob's secret" {
			t.Fatalf("dave received bob's room: %v", f)
		}
	}

	// bob adds dave: the same list now subscribes bob's room too
	s.expect(t, http.StatusOK, http.MethodPost, "/user/add-friend/", auth(t, testutil.BobEmail),
		map[string]string{"email": testutil.DaveEmail})
	sse.mustSubscribe(t, dave, roomTopic(bobRoomId), post)
	s.waitListeners(t, bobRoomId, 1)
	s.sendREST(t, testutil.BobEmail, bobRoomId, "welcome, dave")
	untilText(t, sse, "welcome, dave")
}
