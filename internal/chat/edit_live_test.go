package chat_test

// Edits, deletes, reactions and typing live over real HTTP: the room
// WebSocket, the room topic "chat/<room>" and the stock record
// subscriptions, whichever API made the change; the same permissions on
// every API; refusals over the WebSocket store nothing; a deleted
// message's text reaches nobody.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// stockRecord is the record of a stock subscription event with that
// action ("create", "update", "delete"), or nil.
func (f frame) stockRecord(action string) map[string]any {
	if f["action"] != action {
		return nil
	}
	rec, _ := f["record"].(map[string]any)
	return rec
}

func editOf(id, text string) func(frame) bool {
	return func(f frame) bool { return f["type"] == chat.TypeEdit && f["id"] == id && f["message"] == text }
}

func deleteOf(id string) func(frame) bool {
	return func(f frame) bool { return f["type"] == chat.TypeDelete && f["id"] == id }
}

func stockUpdateOf(id, text string) func(frame) bool {
	return func(f frame) bool {
		rec := f.stockRecord("update")
		return rec != nil && rec["id"] == id && rec["message"] == text
	}
}

func reactionOf(id, emoji, userId string, added bool) func(frame) bool {
	return func(f frame) bool {
		return f["type"] == chat.TypeReaction && f["id"] == id && f["emoji"] == emoji && f["user_id"] == userId && f["added"] == added
	}
}

func errorFrame(kind string) func(frame) bool {
	return func(f frame) bool { return f["error_type"] == kind }
}

// sendJSON writes v as one WebSocket text frame.
func (c *wsClient) sendJSON(t testing.TB, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	c.send(t, string(raw))
}

func storedText(t testing.TB, s *liveServer, id string) string {
	t.Helper()
	return testutil.MustFind(t, s.App, "messages", id).GetString("message")
}

// TestLiveEditDelete: alice edits her message through REST, the
// WebSocket and the record API, then deletes messages through each; bob's
// WebSocket, room topic and stock subscription get every change, and no
// frame carries a deleted text. Nobody else may change her messages on any
// API, and refused WebSocket frames store nothing.
func TestLiveEditDelete(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	makePrivateRooms(t, s.App)
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)

	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	topic := s.connectSSE(t, "bob on "+roomTopic(room))
	topic.mustSubscribe(t, bob, roomTopic(room))
	stock := s.connectSSE(t, "bob on the messages collection")
	stock.mustSubscribe(t, bob, stockSub(room))
	s.waitListeners(t, room, 3)

	ids := map[string]string{}
	for _, text := range []string{"first draft", "second message", "third message"} {
		ids[text] = s.sendREST(t, testutil.AliceEmail, room, text)["id"].(string)
	}
	for _, r := range []receiver{bobWS, aliceWS, topic, stock} {
		untilText(t, r, "third message")
	}
	id := ids["first draft"]
	everyone := []receiver{bobWS, aliceWS, topic}

	// edits, through each API
	edits := []func(){
		func() {
			s.expect(t, http.StatusOK, http.MethodPatch, "/api/chat/message/"+id+"/", alice, map[string]any{"message": "edited over REST"})
		},
		func() {
			aliceWS.sendJSON(t, map[string]any{"type": chat.TypeEdit, "id": id, "message": "edited over the WebSocket"})
		},
		func() {
			s.expect(t, http.StatusOK, http.MethodPatch, "/api/collections/messages/records/"+id, alice, map[string]any{"message": "edited with the SDK"})
		},
	}
	for i, text := range []string{"edited over REST", "edited over the WebSocket", "edited with the SDK"} {
		edits[i]()
		for _, r := range everyone {
			got := until(t, r, "edit "+text, editOf(id, text))
			f := withoutEvent(got[len(got)-1])
			testutil.AssertKeys(t, "edit frame", f, testutil.Exactly, append(messageKeys[:0:0],
				"type", "id", "room", "nickname", "profile_picture_url", "message", "parent_chat", "message_type", "created_at",
				"seq", "edited_at", "deleted", "mentions", "hidden", "sender_id", "sender")...)
			if f["edited_at"] == nil || f["sender_id"] != testutil.AliceId || f["deleted"] != false {
				t.Errorf("%s: edit frame %v", r, f)
			}
		}
		until(t, stock, "stock update "+text, stockUpdateOf(id, text))
	}
	testutil.ExpectCount(t, s.App, "message_versions", dbx.HashExp{"message": id, "change": "edit"}, 3)

	// bob may not change alice's message on any API; nothing is stored
	bobWS.sendJSON(t, map[string]any{"type": chat.TypeEdit, "id": id, "message": "bob was here"})
	until(t, bobWS, "forbidden frame", errorFrame("forbidden"))
	bobWS.sendJSON(t, map[string]any{"type": chat.TypeDelete, "id": id})
	got := until(t, bobWS, "forbidden frame", errorFrame("forbidden"))
	if f := got[len(got)-1]; !sameJSON(t, []byte(testutil.JSONOf(f)), []byte(`{"error_type":"forbidden","message":"You do not have permission to do this."}`)) {
		t.Errorf("forbidden frame %v", f)
	}
	s.expect(t, http.StatusForbidden, http.MethodPatch, "/api/chat/message/"+id+"/", bob, map[string]any{"message": "bob was here"})
	s.expect(t, http.StatusForbidden, http.MethodDelete, "/api/chat/message/"+id+"/", bob, nil)
	s.expect(t, http.StatusNotFound, http.MethodPatch, "/api/collections/messages/records/"+id, bob, map[string]any{"message": "bob was here"})
	s.expect(t, http.StatusNotFound, http.MethodDelete, "/api/collections/messages/records/"+id, bob, nil)

	// bad frames of alice's: another room's message, unknown ids, a too
	// long text, wrong types
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeEdit, "id": aliceRoomMsgId, "message": "wrong room"})
	until(t, aliceWS, "not_found (another room)", errorFrame("not_found"))
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeDelete, "id": aliceRoomMsgId})
	until(t, aliceWS, "not_found (another room)", errorFrame("not_found"))
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeEdit, "id": "nosuchmessage00", "message": "x"})
	until(t, aliceWS, "not_found (unknown)", errorFrame("not_found"))
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeEdit, "id": id, "message": strings.Repeat("x", 3000)})
	got = until(t, aliceWS, "invalid_request (too long)", errorFrame("invalid_request"))
	if errs, _ := got[len(got)-1]["errors"].(map[string]any); errs["message"] == nil {
		t.Errorf("too long edit: %v, want errors on message", got[len(got)-1])
	}
	for _, bad := range []string{
		`{"type":"chat.message.edit","id":"` + id + `"}`,
		`{"type":"chat.message.edit","id":"` + id + `","message":7}`,
		`{"type":"chat.message.edit","message":"x"}`,
		`{"type":"chat.message.delete","id":5}`,
	} {
		aliceWS.send(t, bad)
		got := until(t, aliceWS, "invalid_request for "+bad, errorFrame("invalid_request"))
		if f := got[len(got)-1]; !sameJSON(t, []byte(testutil.JSONOf(f)), []byte(badFrameBody)) {
			t.Errorf("%s: %v", bad, f)
		}
	}
	if text := storedText(t, s, id); text != "edited with the SDK" {
		t.Errorf("stored text %q after refused changes", text)
	}
	if text := storedText(t, s, aliceRoomMsgId); text != aliceNoteText {
		t.Errorf("alice's note %q after a refused change", text)
	}
	testutil.ExpectCount(t, s.App, "message_versions", nil, 3)

	// deletes, through each API
	deletes := []func(){
		func() { aliceWS.sendJSON(t, map[string]any{"type": chat.TypeDelete, "id": id}) },
		func() {
			s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/chat/message/"+ids["second message"]+"/", alice, nil)
		},
		func() {
			s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/collections/messages/records/"+ids["third message"], alice, nil)
		},
	}
	deletedTexts := []string{"edited with the SDK", "second message", "third message"}
	for i, text := range []string{"first draft", "second message", "third message"} {
		deletes[i]()
		mid := ids[text]
		seq := testutil.MustFind(t, s.App, "messages", mid).GetInt("seq")
		want := fmt.Sprintf(`{"type":"chat.message.delete","id":%q,"room":%q,"seq":%d,"deleted":true,"message":"","deleted_by":"sender"}`, mid, room, seq)
		for _, r := range everyone {
			got := until(t, r, "delete of "+text, deleteOf(mid))
			if f := withoutEvent(got[len(got)-1]); !sameJSON(t, []byte(testutil.JSONOf(f)), []byte(want)) {
				t.Errorf("%s: delete frame %v, want %s", r, f, want)
			}
			for _, f := range got {
				for _, d := range deletedTexts {
					if f["type"] != chat.TypeMessage && f["type"] != chat.TypeEdit && strings.Contains(testutil.JSONOf(f), d) {
						t.Errorf("%s: a frame after the edits carries deleted text %q: %v", r, d, f)
					}
				}
			}
		}
		got := until(t, stock, "stock update of "+text, stockUpdateOf(mid, ""))
		if rec := got[len(got)-1].stockRecord("update"); rec["deleted_at"] == "" {
			t.Errorf("stock update of a deleted message: %v", rec)
		}
		m := testutil.MustFind(t, s.App, "messages", mid)
		if m.GetString("message") != "" || m.GetDateTime("deleted_at").IsZero() {
			t.Errorf("stored %s: message %q deleted_at %v", mid, m.GetString("message"), m.GetDateTime("deleted_at"))
		}
	}
	// the deleted texts are nowhere: history, the SDK, the frames that follow
	body := s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", bob, nil)
	sdkBody := s.expect(t, http.StatusOK, http.MethodGet, "/api/collections/messages/records/"+id, bob, nil)
	s.sendREST(t, testutil.BobEmail, room, "the end")
	var after []frame
	for _, r := range []receiver{bobWS, aliceWS, topic, stock} {
		after = append(after, untilText(t, r, "the end")...)
	}
	for _, d := range deletedTexts[1:] { // the first one's old texts are in earlier frames only
		for _, where := range []string{string(body), string(sdkBody), testutil.JSONOf(after)} {
			if strings.Contains(where, d) {
				t.Errorf("deleted text %q still shows: %.300s", d, where)
			}
		}
	}
	if strings.Contains(string(body), "edited with the SDK") || strings.Contains(string(sdkBody), "edited with the SDK") {
		t.Errorf("the deleted text shows in the history or the SDK")
	}
	// a deleted message can be neither edited nor deleted again
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeEdit, "id": id, "message": "back"})
	until(t, aliceWS, "not_found (deleted)", errorFrame("not_found"))
	s.expect(t, http.StatusNotFound, http.MethodPatch, "/api/chat/message/"+id+"/", alice, map[string]any{"message": "back"})
	s.expect(t, http.StatusNotFound, http.MethodDelete, "/api/chat/message/"+id+"/", alice, nil)
	if text := storedText(t, s, id); text != "" {
		t.Errorf("deleted message text %q", text)
	}
}

// TestLiveReactions: reactions made through REST, the WebSocket and the
// record API reach bob's WebSocket, his room topic and his stock
// subscription of message_reactions, with the summary; refused reaction
// frames answer with error frames and store nothing.
func TestLiveReactions(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	makePrivateRooms(t, s.App)
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)
	id := testutil.MessageId

	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	topic := s.connectSSE(t, "bob on "+roomTopic(room))
	topic.mustSubscribe(t, bob, roomTopic(room))
	stock := s.connectSSE(t, "bob on message_reactions")
	stock.mustSubscribe(t, bob, "message_reactions/*")
	s.waitListeners(t, room, 3)
	everyone := []receiver{bobWS, aliceWS, topic}

	s.expect(t, http.StatusOK, http.MethodPost, "/api/chat/message/"+id+"/reactions/", alice, map[string]any{"emoji": "👍"})
	want := fmt.Sprintf(`{"type":"chat.reaction","id":%q,"room":%q,"emoji":"👍","user_id":%q,"username":"alice","added":true,"reactions":[{"emoji":"👍","count":1}]}`,
		id, room, testutil.AliceId)
	for _, r := range everyone {
		got := until(t, r, "alice's 👍", reactionOf(id, "👍", testutil.AliceId, true))
		if f := withoutEvent(got[len(got)-1]); !sameJSON(t, []byte(testutil.JSONOf(f)), []byte(want)) {
			t.Errorf("%s: %v\nwant %s", r, f, want)
		}
	}
	until(t, stock, "stock create", func(f frame) bool { rec := f.stockRecord("create"); return rec != nil && rec["emoji"] == "👍" })

	bobWS.sendJSON(t, map[string]any{"type": chat.TypeReaction, "id": id, "emoji": "👍"})
	for _, r := range everyone {
		got := until(t, r, "bob's 👍", reactionOf(id, "👍", testutil.BobId, true))
		if counts := testutil.JSONOf(got[len(got)-1]["reactions"]); counts != `[{"count":2,"emoji":"👍"}]` {
			t.Errorf("%s: reactions %s", r, counts)
		}
	}
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeReaction, "id": id, "emoji": "👍"}) // a toggle: removed
	for _, r := range everyone {
		got := until(t, r, "alice's 👍 removed", reactionOf(id, "👍", testutil.AliceId, false))
		if counts := testutil.JSONOf(got[len(got)-1]["reactions"]); counts != `[{"count":1,"emoji":"👍"}]` {
			t.Errorf("%s: reactions %s", r, counts)
		}
	}
	until(t, stock, "stock delete", func(f frame) bool { rec := f.stockRecord("delete"); return rec != nil && rec["emoji"] == "👍" })
	s.expect(t, http.StatusOK, http.MethodPost, "/api/collections/message_reactions/records", alice, map[string]any{"message": id, "emoji": "🎉"})
	for _, r := range everyone {
		until(t, r, "alice's 🎉 (SDK)", reactionOf(id, "🎉", testutil.AliceId, true))
	}

	// history carries the summary, "me" as the viewer sees it
	body := s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", alice, nil)
	msgs := testutil.DecodeObject(t, body)["chat_messages"].([]any)
	if got := testutil.JSONOf(msgs[0].(map[string]any)["reactions"]); got != `[{"count":1,"emoji":"👍","me":false},{"count":1,"emoji":"🎉","me":true}]` {
		t.Errorf("history reactions %s", got)
	}

	// refused frames: nothing stored
	stored := testutil.Count(t, s.App, "message_reactions", nil)
	for _, c := range []struct {
		frame map[string]any
		kind  string
	}{
		{map[string]any{"type": chat.TypeReaction, "id": "nosuchmessage00", "emoji": "👍"}, "not_found"},
		{map[string]any{"type": chat.TypeReaction, "id": aliceRoomMsgId, "emoji": "👍"}, "not_found"}, // another room's
		{map[string]any{"type": chat.TypeReaction, "id": id, "emoji": strings.Repeat("👍", 50)}, "invalid_request"},
		{map[string]any{"type": chat.TypeReaction, "id": id, "emoji": "ok"}, "invalid_request"},
		{map[string]any{"type": chat.TypeReaction, "id": id, "emoji": ""}, "invalid_request"},
		{map[string]any{"type": chat.TypeReaction, "id": id}, "invalid_request"},
	} {
		aliceWS.sendJSON(t, c.frame)
		got := until(t, aliceWS, c.kind+" for "+testutil.JSONOf(c.frame), errorFrame(c.kind))
		if e := got[len(got)-1]; c.kind == "invalid_request" && c.frame["emoji"] != nil && testutil.JSONOf(e["errors"]) != `{"emoji":["Enter exactly one emoji."]}` {
			t.Errorf("%v: %v", c.frame, e)
		}
	}
	if n := testutil.Count(t, s.App, "message_reactions", nil); n != stored {
		t.Errorf("%d reactions stored after refused frames, want %d", n, stored)
	}

	// a deleted message loses its reactions; further reactions are refused
	s.sendREST(t, testutil.AliceEmail, room, "to be deleted")
	m, err := s.App.FindFirstRecordByData("messages", "message", "to be deleted")
	if err != nil {
		t.Fatal(err)
	}
	s.expect(t, http.StatusOK, http.MethodPost, "/api/chat/message/"+m.Id+"/reactions/", bob, map[string]any{"emoji": "🔥"})
	s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/chat/message/"+m.Id+"/", alice, nil)
	testutil.ExpectCount(t, s.App, "message_reactions", dbx.HashExp{"message": m.Id}, 0)
	s.expect(t, http.StatusNotFound, http.MethodPost, "/api/chat/message/"+m.Id+"/reactions/", bob, map[string]any{"emoji": "🔥"})
	bobWS.sendJSON(t, map[string]any{"type": chat.TypeReaction, "id": m.Id, "emoji": "🔥"})
	until(t, bobWS, "not_found (deleted)", errorFrame("not_found"))
	testutil.ExpectCount(t, s.App, "message_reactions", dbx.HashExp{"message": m.Id}, 0)
}

func isTyping(username string) func(frame) bool {
	return func(f frame) bool { return f.is(chat.TypeTyping, username) }
}

// TestLiveTyping: typing over the WebSocket and REST reaches the room's
// other listeners on the WebSocket and the topic, never the typist's own
// connections, and at most once per 3 seconds per member and room.
func TestLiveTyping(t *testing.T) {
	s := startServer(t)
	// repeats within the test are always "too soon", however slow the machine
	chat.SetTypingInterval(s.App, time.Hour)
	room := postRoomId(t)
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)

	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	aliceTopic := s.connectSSE(t, "alice on "+roomTopic(room))
	aliceTopic.mustSubscribe(t, alice, roomTopic(room))
	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	bobTopic := s.connectSSE(t, "bob on "+roomTopic(room))
	bobTopic.mustSubscribe(t, bob, roomTopic(room))
	s.waitListeners(t, room, 4)

	aliceWS.send(t, `{"type":"chat.typing"}`)
	want := fmt.Sprintf(`{"type":"chat.typing","username":"alice","user_id":%q,"room":%q}`, testutil.AliceId, room)
	for _, r := range []receiver{bobWS, bobTopic} {
		got := until(t, r, "alice typing", isTyping("alice"))
		if f := withoutEvent(got[len(got)-1]); !sameJSON(t, []byte(testutil.JSONOf(f)), []byte(want)) {
			t.Errorf("%s: %v, want %s", r, f, want)
		}
	}
	// again at once, on both APIs: accepted, dropped
	aliceWS.send(t, `{"type":"chat.typing"}`)
	s.expect(t, http.StatusNoContent, http.MethodPost, "/api/chat/room/"+room+"/typing/", alice, nil)
	// bob types over REST: alice gets it, bob does not
	s.expect(t, http.StatusNoContent, http.MethodPost, "/api/chat/room/"+room+"/typing/", bob, nil)
	for _, r := range []receiver{aliceWS, aliceTopic} {
		until(t, r, "bob typing", isTyping("bob"))
	}
	s.sendREST(t, testutil.DaveEmail, room, "marker")
	for _, r := range []receiver{aliceWS, aliceTopic, bobWS, bobTopic} {
		got := untilText(t, r, "marker")
		self := map[receiver]string{aliceWS: "alice", aliceTopic: "alice", bobWS: "bob", bobTopic: "bob"}[r]
		if n := countPresence(got, chat.TypeTyping, self); n != 0 {
			t.Errorf("%s got %d typing notices of its own member", r, n)
		}
		if self == "bob" && countPresence(got, chat.TypeTyping, "alice") != 0 {
			t.Errorf("%s got alice's throttled notices: %v", r, got)
		}
	}
	// nothing is stored
	testutil.ExpectCount(t, s.App, "messages", nil, 2)
}

// TestLiveRemovedMemberGetsNoTypingOrReactions: bob follows alice's room
// on the WebSocket and the topic while he is on her friends list; once she
// removes him, his connections leave the room and get no more typing or
// reaction frames, and his own reactions and typing are refused.
func TestLiveRemovedMemberGetsNoTypingOrReactions(t *testing.T) {
	s := startServer(t)
	makePrivateRooms(t, s.App)
	room := postRoomId(t)
	bob := auth(t, testutil.BobEmail)

	bobWS := s.dialWS(t, "bob", aliceRoomId, token(t, testutil.BobEmail))
	bobSSE := s.connectSSE(t, "bob on alice's room and the post room")
	bobSSE.mustSubscribe(t, bob, roomTopic(aliceRoomId), roomTopic(room))
	s.waitListeners(t, aliceRoomId, 2)
	s.expect(t, http.StatusOK, http.MethodPost, "/api/chat/message/"+aliceRoomMsgId+"/reactions/", auth(t, testutil.AliceEmail), map[string]any{"emoji": "👍"})
	for _, r := range []receiver{bobWS, bobSSE} {
		until(t, r, "alice's 👍", reactionOf(aliceRoomMsgId, "👍", testutil.AliceId, true))
	}

	// alice removes bob from her friends list
	row, err := s.App.FindFirstRecordByFilter("friends", "user = {:u} && friend = {:f}", dbx.Params{"u": testutil.AliceId, "f": testutil.BobId})
	if err != nil {
		t.Fatal(err)
	}
	s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/collections/friends/records/"+row.Id, auth(t, testutil.AliceEmail), nil)
	code, _ := bobWS.closedWith(t)
	if code != chat.CloseForbidden {
		t.Errorf("bob's WebSocket closed with %d, want 4003", code)
	}
	until(t, bobSSE, "access_revoked", func(f frame) bool { return f["error_type"] == "access_revoked" })
	s.waitListeners(t, aliceRoomId, 0)

	// alice types and reacts: bob gets none of it (a message in the post
	// room, which he still follows, comes after)
	aliceWS := s.dialWS(t, "alice", aliceRoomId, token(t, testutil.AliceEmail))
	aliceWS.send(t, `{"type":"chat.typing"}`)
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeReaction, "id": aliceRoomMsgId, "emoji": "🎉"})
	until(t, aliceWS, "alice's own 🎉", reactionOf(aliceRoomMsgId, "🎉", testutil.AliceId, true))
	s.sendREST(t, testutil.AliceEmail, room, "after the removal")
	for _, f := range untilText(t, bobSSE, "after the removal") {
		if f["room"] == aliceRoomId || f["type"] == chat.TypeTyping || f["type"] == chat.TypeReaction {
			t.Errorf("bob got a frame of alice's room after his removal: %v", f)
		}
	}

	// bob's own reactions and typing there are refused; nothing stored
	stored := testutil.Count(t, s.App, "message_reactions", nil)
	s.expect(t, http.StatusForbidden, http.MethodPost, "/api/chat/message/"+aliceRoomMsgId+"/reactions/", bob, map[string]any{"emoji": "👍"})
	s.expect(t, http.StatusForbidden, http.MethodPost, "/api/chat/room/"+aliceRoomId+"/typing/", bob, nil)
	s.expect(t, http.StatusBadRequest, http.MethodPost, "/api/collections/message_reactions/records", bob, map[string]any{"message": aliceRoomMsgId, "emoji": "👍"})
	testutil.ExpectCount(t, s.App, "message_reactions", nil, stored)
}
