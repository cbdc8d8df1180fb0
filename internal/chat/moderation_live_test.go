package chat_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/moderation"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Moderation, live (docs/API.md, "What each action does, live"): in the
// fixture post's room, which alice moderates as the post's writer, bob
// listens on every transport while alice mutes, kicks and bans him. Every
// effect is due within revokeDeadline (1 s) of alice's request.

func moderationPath(room, action string) string {
	return "/api/chat/room/" + room + "/" + action + "/"
}

func moderationFrame(action string) func(frame) bool {
	return func(f frame) bool { return f["type"] == chat.TypeModeration && f["action"] == action }
}

func TestMuteLive(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	bobToken := token(t, testutil.BobEmail)
	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	bobWS := s.dialWS(t, "bob", room, bobToken)
	bobSSE := s.connectSSE(t, "bob")
	bobSSE.mustSubscribe(t, bearer(bobToken), roomTopic(room), chat.MemberTopic(testutil.BobId))
	s.waitListeners(t, room, 3)
	bobWS.sendMessage(t, "before the mute")

	s.expect(t, http.StatusOK, http.MethodPost, moderationPath(room, "mute"), auth(t, testutil.AliceEmail),
		map[string]any{"user": testutil.BobId, "minutes": 10, "reason": "spam"})
	mutedAt := time.Now()

	// bob is told on the room WebSocket, the room topic and his member topic
	got := untilWithin(t, bobWS, "the mute frame", revokeDeadline, moderationFrame("mute"))
	f := got[len(got)-1]
	until, _ := f["until"].(string)
	if f["room"] != room || f["user_id"] != testutil.BobId || f["username"] != "bob" || f["reason"] != "spam" || until == "" {
		t.Errorf("mute frame = %v", f)
	}
	seen := map[string]bool{}
	untilWithin(t, bobSSE, "the mute frame on both topics", revokeDeadline-time.Since(mutedAt), func(f frame) bool {
		if moderationFrame("mute")(f) {
			seen[f["_event"].(string)] = true
		}
		return len(seen) == 2
	})
	if !seen[roomTopic(room)] || !seen[chat.MemberTopic(testutil.BobId)] {
		t.Errorf("mute frame came on %v", seen)
	}

	// every write of bob's is refused: the WebSocket with an error frame
	// (and stays open), REST and the record API with 403
	bobWS.send(t, `{"type":"chat.message","message":"while muted"}`)
	got = untilWithin(t, bobWS, "the muted error frame", revokeDeadline, func(f frame) bool { return f["error_type"] != nil })
	f = got[len(got)-1]
	if f["error_type"] != "muted" || f["message"] != "You are muted in this room for 10 more minutes." || f["until"] != until {
		t.Errorf("WebSocket refusal = %v", f)
	}
	bobWS.send(t, `{"type":"chat.message.edit","id":"`+testutil.MessageId+`","message":"edited while muted"}`)
	got = untilWithin(t, bobWS, "the edit's muted error frame", revokeDeadline, func(f frame) bool { return f["error_type"] != nil })
	if f := got[len(got)-1]; f["error_type"] != "muted" {
		t.Errorf("WebSocket edit refusal = %v", f)
	}
	body := testutil.DecodeObject(t, s.expect(t, http.StatusForbidden, http.MethodPost, "/api/chat/message/", auth(t, testutil.BobEmail),
		map[string]any{"room": room, "message": "while muted"}))
	if body["detail"] != "You are muted in this room for 10 more minutes." || body["muted_until"] != until {
		t.Errorf("REST refusal = %v", body)
	}
	s.expect(t, http.StatusForbidden, http.MethodPost, "/api/collections/messages/records", auth(t, testutil.BobEmail),
		map[string]any{"room": room, "message": "while muted"})
	if time.Since(mutedAt) > 2*revokeDeadline {
		t.Logf("the refusals took %v (a loaded machine?)", time.Since(mutedAt))
	}
	testutil.ExpectCount(t, s.App, "messages", dbx.NewExp("message LIKE '%while muted%'"), 0)

	// lifted: bob is told, and his WebSocket (still open) sends again
	s.expect(t, http.StatusNoContent, http.MethodDelete, moderationPath(room, "mute"), auth(t, testutil.AliceEmail),
		map[string]any{"user": testutil.BobId})
	got = untilWithin(t, bobWS, "the unmute frame", revokeDeadline, moderationFrame("unmute"))
	if f := got[len(got)-1]; f["until"] != nil || f["user_id"] != testutil.BobId {
		t.Errorf("unmute frame = %v", f)
	}
	bobWS.sendMessage(t, "after the mute")

	// alice heard no mute frame: they are bob's alone
	for _, f := range untilText(t, aliceWS, "after the mute") {
		if f["type"] == chat.TypeModeration {
			t.Errorf("alice got %v", f)
		}
	}
}

func TestKickLive(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	bobToken := token(t, testutil.BobEmail)
	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	bobWS := s.dialWS(t, "bob", room, bobToken)
	bobSSE := s.connectSSE(t, "bob")
	bobSSE.mustSubscribe(t, bearer(bobToken), roomTopic(room))
	s.waitListeners(t, room, 3)

	body := s.expect(t, http.StatusOK, http.MethodPost, moderationPath(room, "kick"), auth(t, testutil.AliceEmail),
		map[string]any{"user": testutil.BobId, "reason": "calm down"})
	kickedAt := time.Now()
	if string(body) != `{"closed":2}` {
		t.Errorf("kick answer %s", body)
	}
	if code, _ := bobWS.closedWithin(t, revokeDeadline); code != chat.CloseKicked {
		t.Errorf("bob's WebSocket closed with %d, want %d (%v)", code, chat.CloseKicked, bobWS.err)
	}
	got := untilWithin(t, bobSSE, "access_revoked", revokeDeadline-time.Since(kickedAt), func(f frame) bool { return f["error_type"] == "access_revoked" })
	if f := got[len(got)-1]; f["code"] != float64(chat.CloseKicked) || f["message"] != "kicked by a moderator" || f["room"] != room {
		t.Errorf("access_revoked frame = %v", f)
	}
	untilWithin(t, aliceWS, "bob's leave notice", revokeDeadline-time.Since(kickedAt), leaveOf("bob"))
	s.waitListeners(t, room, 1)

	// he may come back at once, on both transports
	again := s.dialWS(t, "bob again", room, bobToken)
	bobSSE.mustSubscribe(t, bearer(bobToken), roomTopic(room))
	s.waitListeners(t, room, 3)
	again.sendMessage(t, "back after the kick")
	untilText(t, bobSSE, "back after the kick")
	testutil.ExpectCount(t, s.App, "moderation_log", dbx.HashExp{"action": "kick", "target": testutil.BobId, "reason": "calm down"}, 1)
}

func TestBanLive(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	bobToken := token(t, testutil.BobEmail)
	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	bobWS := s.dialWS(t, "bob", room, bobToken)
	bobSSE := s.connectSSE(t, "bob")
	bobSSE.mustSubscribe(t, bearer(bobToken), roomTopic(room), stockSub(room), "posts/*")
	s.waitListeners(t, room, 3)
	s.sendREST(t, testutil.AliceEmail, room, "before the ban")
	untilEach(t, bobSSE, 2, "before the ban") // the topic and the stock subscription

	s.expect(t, http.StatusOK, http.MethodPost, moderationPath(room, "ban"), auth(t, testutil.AliceEmail),
		map[string]any{"user": testutil.BobId, "minutes": 60, "reason": "abuse"})
	bannedAt := time.Now()
	if code, _ := bobWS.closedWithin(t, revokeDeadline); code != chat.CloseBanned {
		t.Errorf("bob's WebSocket closed with %d, want %d (%v)", code, chat.CloseBanned, bobWS.err)
	}
	got := untilWithin(t, bobSSE, "access_revoked", revokeDeadline-time.Since(bannedAt), func(f frame) bool { return f["error_type"] == "access_revoked" })
	if f := got[len(got)-1]; f["code"] != float64(chat.CloseBanned) || f["message"] != "banned from this room" || f["room"] != room {
		t.Errorf("access_revoked frame = %v", f)
	}
	untilWithin(t, aliceWS, "bob's leave notice", revokeDeadline-time.Since(bannedAt), leaveOf("bob"))
	s.waitListeners(t, room, 1)

	// kept out: a new WebSocket is refused with 4009, REST with 403, the
	// topic is refused (403 the first time; the SDK's repeats of a topic
	// taken away are quietly left out) and, like the stock subscription,
	// stays silent
	if code, _ := s.dialWS(t, "bob, banned", room, bobToken).closedWith(t); code != chat.CloseBanned {
		t.Errorf("a banned member's new WebSocket closed with %d, want %d", code, chat.CloseBanned)
	}
	s.expect(t, http.StatusForbidden, http.MethodGet, "/api/chat/room/"+room+"/", auth(t, testutil.BobEmail), nil)
	if status, body := s.connectSSE(t, "bob, banned").subscribe(t, bearer(bobToken), roomTopic(room)); status != http.StatusNoContent && status != http.StatusForbidden {
		t.Errorf("a banned member subscribes to the topic: %d %s", status, body)
	}
	bobSSE.mustSubscribe(t, bearer(bobToken), roomTopic(room), stockSub(room), "posts/*")
	s.waitListeners(t, room, 1)
	expectSilent(t, s, bobSSE, room, "during the ban")

	// the ban ends (its until passes; the sweep notices): bob reads again
	if _, err := s.App.DB().Update("room_bans", dbx.Params{"until": types.NowDateTime().Add(-time.Second).String()},
		dbx.HashExp{"user": testutil.BobId}).Execute(); err != nil {
		t.Fatal(err)
	}
	moderation.Sweep(s.App)
	testutil.ExpectCount(t, s.App, "room_bans", nil, 0)
	readsAgain(t, s, bobToken, bobSSE, room, "after the ban expired")

	// banned again for good, then lifted by alice: the same
	s.expect(t, http.StatusOK, http.MethodPost, moderationPath(room, "ban"), auth(t, testutil.AliceEmail), map[string]any{"user": testutil.BobId})
	got = untilWithin(t, bobSSE, "access_revoked", revokeDeadline, func(f frame) bool { return f["error_type"] == "access_revoked" })
	if f := got[len(got)-1]; f["code"] != float64(chat.CloseBanned) {
		t.Errorf("access_revoked frame = %v", f)
	}
	s.expect(t, http.StatusNoContent, http.MethodDelete, moderationPath(room, "ban"), auth(t, testutil.AliceEmail), map[string]any{"user": testutil.BobId})
	readsAgain(t, s, bobToken, bobSSE, room, "after the ban was lifted")
}

// expectSilent: alice's next message in room does not reach sse's stock
// subscription; a new post (public), sent after it, does.
func expectSilent(t *testing.T, s *liveServer, sse *sseClient, room, text string) {
	t.Helper()
	s.sendREST(t, testutil.AliceEmail, room, text)
	title := "sentinel " + text
	s.expect(t, http.StatusCreated, http.MethodPost, "/api/post/write/", auth(t, testutil.AliceEmail),
		map[string]any{"title": title, "content": "x", "category": "Programming"})
	for _, f := range until(t, sse, "the sentinel post", func(f frame) bool {
		rec, _ := f["record"].(map[string]any)
		return rec != nil && rec["title"] == title
	}) {
		if f.text() == text || strings.Contains(f.text(), text) {
			t.Errorf("bob's subscription still delivered the room: %v", f)
		}
	}
}

// readsAgain: bob's WebSocket, room topic and stock subscription all work
// again.
func readsAgain(t *testing.T, s *liveServer, bobToken string, sse *sseClient, room, text string) {
	t.Helper()
	ws := s.dialWS(t, "bob, "+text, room, bobToken)
	sse.mustSubscribe(t, bearer(bobToken), roomTopic(room), stockSub(room), "posts/*")
	ws.sendMessage(t, text)
	untilEach(t, sse, 2, text)
	ws.closeNormally(t)
}
