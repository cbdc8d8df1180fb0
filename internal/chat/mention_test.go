package chat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// A mention reaches the mentioned member's topic at once, as a
// "notification" frame with their unread count, and the stock
// notifications subscription gets the record; another member's topic is
// refused.
func TestMentionNotificationLive(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	room := postRoomId(t)
	bob := s.connectSSE(t, "bob")
	bob.mustSubscribe(t, auth(t, testutil.BobEmail), chat.MemberTopic(testutil.BobId), "notifications/*")

	sent := s.sendREST(t, testutil.AliceEmail, room, "hi @bob")
	var live, stock frame
	until(t, bob, "the notification frame and the stock event", func(f frame) bool {
		switch {
		case f["_event"] == chat.MemberTopic(testutil.BobId) && f["type"] == "notification":
			live = f
		case f["_event"] == "notifications/*" && f["action"] == "create":
			stock = f
		}
		return live != nil && stock != nil
	})
	n, _ := live["notification"].(map[string]any)
	actor, _ := n["actor"].(map[string]any)
	if n["kind"] != "mention" || n["message"] != sent["id"] || n["room"] != room || n["read"] != false ||
		n["excerpt"] != "hi @bob" || actor["id"] != testutil.AliceId || actor["nickname"] != "alice" {
		t.Errorf("notification frame = %v", live)
	}
	if live["unread"] != float64(2) { // the fixture's "alice added you" and this one
		t.Errorf("unread = %v, want 2", live["unread"])
	}
	if rec, _ := stock["record"].(map[string]any); rec["user"] != testutil.BobId || rec["kind"] != "mention" {
		t.Errorf("stock event = %v", stock)
	}

	// carol, not mentioned, gets nothing on her topic; alice's own message
	// does not notify her
	carol := s.connectSSE(t, "carol")
	carol.mustSubscribe(t, auth(t, testutil.CarolEmail), chat.MemberTopic(testutil.CarolId))
	alice := s.connectSSE(t, "alice")
	alice.mustSubscribe(t, auth(t, testutil.AliceEmail), chat.MemberTopic(testutil.AliceId))
	s.sendREST(t, testutil.AliceEmail, room, "@alice talking to myself, @bob")
	s.sendREST(t, testutil.BobEmail, room, "@carol @alice ok")
	// (the member topic carries other frames too: chat.read, chat.room.activity)
	notificationsIn := func(frames []frame) []frame {
		var out []frame
		for _, f := range frames {
			if f["type"] == "notification" {
				out = append(out, f)
			}
		}
		return out
	}
	got := notificationsIn(until(t, carol, "carol's notification", func(f frame) bool { return f["type"] == "notification" }))
	if len(got) != 1 || got[0]["notification"].(map[string]any)["actor"].(map[string]any)["id"] != testutil.BobId {
		t.Errorf("carol received %v, want only bob's mention", got)
	}
	got = notificationsIn(until(t, alice, "alice's notification from bob", func(f frame) bool { return f["type"] == "notification" }))
	if len(got) != 1 || got[0]["notification"].(map[string]any)["actor"].(map[string]any)["id"] != testutil.BobId {
		t.Errorf("alice received %v, want only bob's mention", got)
	}

	// another member's topic: 403
	eve := s.connectSSE(t, "bob on alice's topic")
	if status, body := eve.subscribe(t, auth(t, testutil.BobEmail), chat.MemberTopic(testutil.AliceId)); status != http.StatusForbidden {
		t.Errorf("subscribing to alice's topic as bob: %d %s, want 403", status, body)
	}
}

// The WebSocket's chat.message frame takes "mentions" (ids), keeps at most
// 20 readers of the room, and refuses a "mentions" that is not a list of
// strings with an invalid_request frame naming it.
func TestMentionWebSocket(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	room := postRoomId(t)
	var many []string
	for i := range 25 {
		u := testutil.MustSave(t, s.App, "users", map[string]any{
			"email": fmt.Sprintf("ws%d@example.com", i), "password": testutil.Password, "nickname": fmt.Sprintf("ws%d", i),
		})
		many = append(many, u.Id)
	}
	ws := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	send := func(v map[string]any) {
		raw, _ := json.Marshal(v)
		ws.send(t, string(raw))
	}
	mentionsOf := func(f frame) []string {
		list, _ := f["mentions"].([]any)
		out := []string{}
		for _, v := range list {
			out = append(out, v.(string))
		}
		return out
	}

	send(map[string]any{"type": chat.TypeMessage, "message": "look @Carol", "mentions": []string{testutil.DaveId, testutil.AliceId}})
	echo := untilText(t, ws, "look @Carol")
	if got := mentionsOf(echo[len(echo)-1]); !slices.Equal(got, []string{testutil.CarolId, testutil.DaveId}) {
		t.Errorf("mentions = %v, want carol (by nickname), dave (by id)", got)
	}

	send(map[string]any{"type": chat.TypeMessage, "message": "everyone", "mentions": many})
	echo = untilText(t, ws, "everyone")
	if got := mentionsOf(echo[len(echo)-1]); !slices.Equal(got, many[:20]) {
		t.Errorf("mentions = %v, want the first 20", got)
	}
	m, err := s.App.FindFirstRecordByData("messages", "message", "everyone")
	if err != nil {
		t.Fatal(err)
	}
	if n := testutil.Count(t, s.App, "notifications", dbx.HashExp{"message": m.Id}); n != 20 {
		t.Errorf("%d notifications, want 20", n)
	}

	for _, bad := range []any{"x", 1, []any{1}, map[string]any{}} {
		send(map[string]any{"type": chat.TypeMessage, "message": "bad mentions", "mentions": bad})
		f := until(t, ws, "the error frame", func(f frame) bool { return f["error_type"] != nil })
		last := f[len(f)-1]
		errs, _ := last["errors"].(map[string]any)
		if last["error_type"] != "invalid_request" || errs["mentions"] == nil {
			t.Errorf("mentions %v: frame %v, want invalid_request naming mentions", bad, last)
		}
	}
	if _, err := s.App.FindFirstRecordByData("messages", "message", "bad mentions"); err == nil {
		t.Error("a message with bad mentions was stored")
	}
}
