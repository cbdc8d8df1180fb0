package chat_test

// Blocks over real HTTP: after alice blocks bob, none of bob's messages,
// edits, deletes, reactions or typing reach alice's connections (the room
// WebSocket, the room topic, the stock subscription) while carol's get
// them all; a connection alice opens later is filtered too; unblocking
// restores them. History, search and unread leave bob out for alice only;
// bob cannot mention alice, DM her, or notify her.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// fromBob reports whether f is one of bob's doings (or about his message
// mid): what alice must never get while she blocks him.
func fromBob(f frame, mid string) bool {
	if f["sender_id"] == testutil.BobId || f["user_id"] == testutil.BobId && f["type"] != chat.TypeJoin && f["type"] != chat.TypeLeave {
		return true
	}
	if f["id"] == mid && f["type"] != nil {
		return true
	}
	if rec := f.stockRecord("create"); rec != nil && rec["sender"] == testutil.BobId {
		return true
	}
	return false
}

func TestBlockLive(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	alice, bob, carol := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail), auth(t, testutil.CarolEmail)

	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	aliceTopic := s.connectSSE(t, "alice on "+roomTopic(room))
	aliceTopic.mustSubscribe(t, alice, roomTopic(room))
	aliceStock := s.connectSSE(t, "alice on the messages collection")
	aliceStock.mustSubscribe(t, alice, stockSub(room))
	carolWS := s.dialWS(t, "carol", room, token(t, testutil.CarolEmail))
	carolTopic := s.connectSSE(t, "carol on "+roomTopic(room))
	carolTopic.mustSubscribe(t, carol, roomTopic(room))
	s.waitListeners(t, room, 4)

	// before the block, alice gets bob's messages
	mid := s.sendREST(t, testutil.BobEmail, room, "bob before the block")["id"].(string)
	gone := s.sendREST(t, testutil.BobEmail, room, "bob will delete this")["id"].(string)
	for _, r := range []receiver{aliceWS, aliceTopic, aliceStock, carolWS, carolTopic} {
		untilText(t, r, "bob will delete this")
	}

	s.expect(t, http.StatusOK, http.MethodPost, "/user/block/", alice, map[string]any{"email": testutil.BobEmail})
	// a connection opened after the block is filtered from the start
	lateWS := s.dialWS(t, "alice (late)", room, token(t, testutil.AliceEmail))
	s.waitListeners(t, room, 5)

	// bob writes, edits, deletes, reacts and types; carol reacts to his message
	s.sendREST(t, testutil.BobEmail, room, "bob while blocked")
	s.expect(t, http.StatusOK, http.MethodPatch, "/api/chat/message/"+mid+"/", bob, map[string]any{"message": "bob edited"})
	s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/chat/message/"+gone+"/", bob, nil)
	s.expect(t, http.StatusOK, http.MethodPost, "/api/chat/message/"+mid+"/reactions/", bob, map[string]any{"emoji": "👍"})
	s.expect(t, http.StatusOK, http.MethodPost, "/api/chat/message/"+mid+"/reactions/", carol, map[string]any{"emoji": "🎉"})
	s.expect(t, http.StatusNoContent, http.MethodPost, "/api/chat/room/"+room+"/typing/", bob, nil)
	s.sendRecord(t, testutil.BobEmail, map[string]any{"room": room, "message": "bob with the SDK"})
	s.sendREST(t, testutil.CarolEmail, room, "carol after bob")

	// carol gets all of it
	for _, r := range []receiver{carolWS, carolTopic} {
		seen := map[string]bool{}
		until(t, r, "bob's doings and carol's message", func(f frame) bool {
			switch {
			case f.text() == "bob while blocked":
				seen["message"] = true
			case f["type"] == chat.TypeEdit && f["id"] == mid:
				seen["edit"] = true
			case f["type"] == chat.TypeDelete && f["id"] == gone:
				seen["delete"] = true
			case f["type"] == chat.TypeReaction && f["user_id"] == testutil.BobId:
				seen["reaction"] = true
			case f["type"] == chat.TypeTyping && f["user_id"] == testutil.BobId:
				seen["typing"] = true
			case f.text() == "bob with the SDK":
				seen["sdk"] = true
			}
			return f.text() == "carol after bob" && len(seen) == 6
		})
	}
	// alice gets none of it: carol's later message comes first
	for _, r := range []receiver{aliceWS, aliceTopic, aliceStock, lateWS} {
		for _, f := range untilText(t, r, "carol after bob") {
			if fromBob(f, mid) {
				t.Errorf("%s got bob's frame while blocking him: %v", r, f)
			}
		}
	}

	// history, search and unread: bob is left out for alice only
	s.sendREST(t, testutil.BobEmail, room, "bob last")
	untilText(t, carolWS, "bob last")
	assertHistory(t, s, room, testutil.AliceEmail, false)
	assertHistory(t, s, room, testutil.CarolEmail, true)
	assertSearch(t, s, room, testutil.AliceEmail, false)
	assertSearch(t, s, room, testutil.CarolEmail, true)
	if last := unreadLast(t, s, room, testutil.AliceEmail); last["message"] != "carol after bob" {
		t.Errorf("alice's last message of the room: %v, want carol's", last)
	}
	if last := unreadLast(t, s, room, testutil.CarolEmail); last["message"] != "bob last" {
		t.Errorf("carol's last message of the room: %v, want bob's", last)
	}

	// unblocking restores the live frames
	s.expect(t, http.StatusOK, http.MethodPost, "/user/unblock/", alice, map[string]any{"email": testutil.BobEmail})
	s.sendREST(t, testutil.BobEmail, room, "bob after the unblock")
	for _, r := range []receiver{aliceWS, aliceTopic, aliceStock, lateWS} {
		untilText(t, r, "bob after the unblock")
	}
	assertHistory(t, s, room, testutil.AliceEmail, true)
}

// TestBlockLiveWebSocketFrames: bob's doings over the WebSocket itself
// (message, edit, reaction, typing) skip alice's socket, opened after the
// block; bob is never told and gets alice's messages as before.
func TestBlockLiveWebSocketFrames(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	alice := auth(t, testutil.AliceEmail)
	s.expect(t, http.StatusOK, http.MethodPost, "/user/block/", alice, map[string]any{"email": testutil.BobEmail})

	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	carolWS := s.dialWS(t, "carol", room, token(t, testutil.CarolEmail))
	s.waitListeners(t, room, 3)

	// bob over the WebSocket: a message, its edit, a reaction, typing
	got := bobWS.sendMessage(t, "bob over the socket")
	mid, _ := got[len(got)-1]["id"].(string)
	bobWS.sendJSON(t, map[string]any{"type": chat.TypeEdit, "id": mid, "message": "bob edited over the socket"})
	until(t, bobWS, "bob's edit", editOf(mid, "bob edited over the socket"))
	bobWS.sendJSON(t, map[string]any{"type": chat.TypeReaction, "id": mid, "emoji": "👍"})
	bobWS.sendJSON(t, map[string]any{"type": chat.TypeTyping})
	until(t, carolWS, "bob's typing", func(f frame) bool { return f["type"] == chat.TypeTyping && f["user_id"] == testutil.BobId })
	carolWS.sendMessage(t, "carol marker")
	for _, f := range untilText(t, aliceWS, "carol marker") {
		if fromBob(f, mid) {
			t.Errorf("alice got bob's frame: %v", f)
		}
	}
	// bob is never told: he gets alice's messages as before
	aliceWS.sendMessage(t, "alice to everyone")
	untilText(t, bobWS, "alice to everyone")
}

// assertHistory checks the newest page of room's history as email reads
// it, and the catch-up page after its oldest message (?after=).
func assertHistory(t *testing.T, s *liveServer, room, email string, wantBob bool) {
	t.Helper()
	newest := historyPageFor(t, s, "/api/chat/room/"+room+"/", email, wantBob)
	if len(newest) == 0 {
		t.Fatalf("%s's history is empty", email)
	}
	oldest, _ := newest[0]["id"].(string)
	historyPageFor(t, s, "/api/chat/room/"+room+"/?after="+oldest, email, wantBob)
}

func historyPageFor(t *testing.T, s *liveServer, path, email string, wantBob bool) []map[string]any {
	t.Helper()
	body := s.expect(t, http.StatusOK, http.MethodGet, path, auth(t, email), nil)
	var data struct {
		Messages []map[string]any `json:"chat_messages"`
	}
	if err := json.Unmarshal(body, &data); err != nil {
		t.Fatal(err)
	}
	bobs := 0
	for _, m := range data.Messages {
		if m["sender"] == testutil.BobId {
			bobs++
		}
	}
	if (bobs > 0) != wantBob {
		t.Errorf("%s's %s holds %d of bob's messages (want some: %v)", email, path, bobs, wantBob)
	}
	return data.Messages
}

func assertSearch(t *testing.T, s *liveServer, room, email string, wantBob bool) {
	t.Helper()
	for _, path := range []string{"/api/chat/search/?q=bob", "/api/chat/search/?q=bob&room=" + url.QueryEscape(room)} {
		body := s.expect(t, http.StatusOK, http.MethodGet, path, auth(t, email), nil)
		var page struct {
			Count   int              `json:"count"`
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		bobs := 0
		for _, m := range page.Results {
			if m["sender"] == testutil.BobId {
				bobs++
			}
		}
		if (bobs > 0) != wantBob || page.Count != len(page.Results) || len(page.Results) == 0 {
			t.Errorf("%s searching %s: %d of bob's in %d results, count %d (want bob's: %v)", email, path, bobs, len(page.Results), page.Count, wantBob)
		}
	}
}

func unreadLast(t *testing.T, s *liveServer, room, email string) map[string]any {
	t.Helper()
	body := s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/unread/", auth(t, email), nil)
	var data struct {
		Rooms []struct {
			Room struct {
				Id string `json:"id"`
			} `json:"room"`
			Last map[string]any `json:"last_message"`
		} `json:"rooms"`
	}
	if err := json.Unmarshal(body, &data); err != nil {
		t.Fatal(err)
	}
	for _, r := range data.Rooms {
		if r.Room.Id == room {
			return r.Last
		}
	}
	t.Fatalf("%s does not follow %s: %s", email, room, body)
	return nil
}

// TestBlockMentionsAndDM: bob, blocked by alice, cannot mention her (the
// mention is dropped, no notification, a reply notifies nobody) nor open a
// DM with her (403 as for strangers); carol still can, and alice can
// still open a DM with bob.
func TestBlockMentionsAndDM(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)
	s.expect(t, http.StatusOK, http.MethodPost, "/user/block/", alice, map[string]any{"email": testutil.BobEmail})
	// (as the dashboard could: stored, but alice is not notified)
	testutil.MustSave(t, s.App, "friends", map[string]any{"user": testutil.BobId, "friend": testutil.AliceId})

	aliceMsg := s.sendREST(t, testutil.AliceEmail, room, "alice says hi")["id"].(string)
	m := s.sendREST(t, testutil.BobEmail, room, "@alice and @carol look")
	if got := fmt.Sprint(m["mentions"]); got != fmt.Sprint([]any{testutil.CarolId}) {
		t.Errorf("bob's mentions: %v, want carol only", got)
	}
	reply := s.expect(t, http.StatusCreated, http.MethodPost, "/api/chat/message/", bob,
		map[string]any{"room": room, "message": "a reply", "parent_chat": aliceMsg, "mentions": []string{testutil.AliceId}})
	if got := testutil.DecodeObject(t, reply)["mentions"]; fmt.Sprint(got) != "[]" {
		t.Errorf("bob's explicit mention of alice: %v", got)
	}
	testutil.ExpectCount(t, s.App, "notifications", dbx.HashExp{"user": testutil.AliceId, "actor": testutil.BobId}, 0)
	testutil.ExpectCount(t, s.App, "notifications", dbx.HashExp{"user": testutil.CarolId, "actor": testutil.BobId, "kind": "mention"}, 1)
	// carol mentions alice as usual
	if got := s.sendREST(t, testutil.CarolEmail, room, "hey @alice")["mentions"]; fmt.Sprint(got) != fmt.Sprint([]any{testutil.AliceId}) {
		t.Errorf("carol's mention of alice: %v", got)
	}

	// DMs: bob (whose list holds alice, who holds him) is refused as a stranger
	body := s.expect(t, http.StatusForbidden, http.MethodPost, "/api/chat/dm/", bob, map[string]any{"email": testutil.AliceEmail})
	if string(body) != `{"detail":"You can only message your friends."}` {
		t.Errorf("bob's DM to alice: %s", body)
	}
	body = s.expect(t, http.StatusForbidden, http.MethodPost, "/api/chat/dm/", bob, map[string]any{"user": testutil.AliceId})
	if string(body) != `{"detail":"You can only message your friends."}` {
		t.Errorf("bob's DM to alice by id: %s", body)
	}
	testutil.ExpectCount(t, s.App, "rooms", dbx.NewExp("dm_key != ''"), 0)
	s.expect(t, http.StatusCreated, http.MethodPost, "/api/chat/dm/", alice, map[string]any{"email": testutil.BobEmail})
}
