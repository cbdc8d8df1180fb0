package chat_test

// Slow mode and a moderator's delete, live over real HTTP: the room
// WebSocket, the room topic and the stock subscription, whichever API acts.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// doHeaders is s.do, with the answer's headers.
func (s *liveServer) doHeaders(t testing.TB, method, path string, headers map[string]string, body any) (int, http.Header, []byte) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, out
}

var slowModeDetail = regexp.MustCompile(`^Slow mode is on: wait ([0-9]+) seconds\.$`)

// expectSlowMode checks a 429 of slow mode: Retry-After of 1 to max
// seconds, the same number in the message.
func expectSlowMode(t testing.TB, what string, status int, header http.Header, body []byte, detailKey string, max int) {
	t.Helper()
	if status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429: %s", what, status, body)
	}
	retry, err := strconv.Atoi(header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > max {
		t.Errorf("%s: Retry-After %q, want 1..%d", what, header.Get("Retry-After"), max)
	}
	obj := testutil.DecodeObject(t, body)
	detail, _ := obj[detailKey].(string)
	if m := slowModeDetail.FindStringSubmatch(detail); m == nil || m[1] != strconv.Itoa(retry) {
		t.Errorf("%s: %q = %q, want the wait of Retry-After %d: %s", what, detailKey, detail, retry, body)
	}
}

// ageMessages makes a member's messages in a room older by age.
func ageMessages(t testing.TB, s *liveServer, sender, room string, age time.Duration) {
	t.Helper()
	_, err := s.App.DB().NewQuery("UPDATE messages SET created = {:old} WHERE sender = {:sender} AND room = {:room}").
		Bind(dbx.Params{"old": time.Now().UTC().Add(-age).Format("2006-01-02 15:04:05.000Z"), "sender": sender, "room": room}).Execute()
	if err != nil {
		t.Fatal(err)
	}
}

func slowModeFrameOf(room string, seconds int) func(frame) bool {
	return func(f frame) bool {
		return f["type"] == "chat.moderation" && f["action"] == "slow_mode" && f["room"] == room && f["slow_mode_seconds"] == float64(seconds)
	}
}

// TestSlowModeLive: a moderator turns slow mode on (REST) and off (the
// SDK); every listener is told; a member's second message within the
// window is refused on every API (REST and SDK 429 with Retry-After, a
// slow_mode frame on the WebSocket, which stays open) and stored nowhere;
// moderators and superusers are exempt; once the window has passed the
// member sends again.
func TestSlowModeLive(t *testing.T) {
	s := startServer(t)
	withModerators(t, s.App, nil)
	room := postRoomId(t)
	alice, bob, dave := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail), auth(t, testutil.DaveEmail)

	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	aliceWS := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	topic := s.connectSSE(t, "carol on "+roomTopic(room))
	topic.mustSubscribe(t, auth(t, testutil.CarolEmail), roomTopic(room))
	s.waitListeners(t, room, 3)
	everyone := []receiver{bobWS, aliceWS, topic}

	s.expect(t, http.StatusOK, http.MethodPatch, "/api/chat/room/"+room+"/", alice, map[string]any{"slow_mode_seconds": 30})
	want := fmt.Sprintf(`{"type":"chat.moderation","action":"slow_mode","room":%q,"slow_mode_seconds":30}`, room)
	for _, r := range everyone {
		got := until(t, r, "slow mode 30", slowModeFrameOf(room, 30))
		if f := withoutEvent(got[len(got)-1]); !sameJSON(t, []byte(testutil.JSONOf(f)), []byte(want)) {
			t.Errorf("%s: %v, want %s", r, f, want)
		}
	}

	// bob's fixture message is older than the window
	ageMessages(t, s, testutil.BobId, room, 31*time.Second)
	s.sendREST(t, testutil.BobEmail, room, "bob's one message")
	status, header, body := s.doHeaders(t, http.MethodPost, "/api/chat/message/", bob, map[string]any{"room": room, "message": "too soon (REST)"})
	expectSlowMode(t, "REST", status, header, body, "detail", 30)
	testutil.AssertKeys(t, "REST 429", testutil.DecodeObject(t, body), testutil.Exactly, "detail")
	status, header, body = s.doHeaders(t, http.MethodPost, "/api/collections/messages/records", bob, map[string]any{"room": room, "message": "too soon (SDK)"})
	expectSlowMode(t, "SDK", status, header, body, "message", 30)

	bobWS.sendJSON(t, map[string]any{"type": chat.TypeMessage, "message": "too soon (WS)"})
	got := until(t, bobWS, "slow_mode frame", errorFrame("slow_mode"))
	f := got[len(got)-1]
	testutil.AssertKeys(t, "slow_mode frame", f, testutil.Exactly, "error_type", "message", "retry_after")
	if n, _ := f["retry_after"].(float64); n < 1 || n > 30 || f["message"] != fmt.Sprintf("Slow mode is on: wait %d seconds.", int(n)) {
		t.Errorf("slow_mode frame %v", f)
	}

	// moderators are exempt on every API; bob's WebSocket is still open
	// and gets their messages
	s.sendREST(t, testutil.AliceEmail, room, "alice 1")
	s.sendREST(t, testutil.AliceEmail, room, "alice 2")
	aliceWS.sendJSON(t, map[string]any{"type": chat.TypeMessage, "message": "alice 3 (WS)"})
	s.sendRecord(t, testutil.DaveEmail, map[string]any{"room": room, "message": "dave 1"})
	s.sendRecord(t, testutil.DaveEmail, map[string]any{"room": room, "message": "dave 2"})
	// a superuser (the dashboard) too, even in a member's name
	s.expect(t, http.StatusOK, http.MethodPost, "/api/collections/messages/records", auth(t, testutil.SuperuserEmail),
		map[string]any{"room": room, "sender": testutil.BobId, "message": "posted by the admin"})
	untilEach(t, bobWS, 1, "alice 1", "alice 2", "alice 3 (WS)", "dave 1", "dave 2", "posted by the admin")
	for _, text := range []string{"too soon (REST)", "too soon (SDK)", "too soon (WS)"} {
		testutil.ExpectCount(t, s.App, "messages", dbx.HashExp{"message": text}, 0)
	}

	// the window passed: bob's newest message is older than 30 seconds
	ageMessages(t, s, testutil.BobId, room, 31*time.Second)
	bobWS.sendJSON(t, map[string]any{"type": chat.TypeMessage, "message": "bob, 31 seconds later"})
	untilText(t, aliceWS, "bob, 31 seconds later")
	status, header, body = s.doHeaders(t, http.MethodPost, "/api/chat/message/", bob, map[string]any{"room": room, "message": "and too soon again"})
	expectSlowMode(t, "REST again", status, header, body, "detail", 30)

	// dave turns it off with the SDK: told to everyone, logged, and bob
	// sends freely
	s.expect(t, http.StatusOK, http.MethodPatch, "/api/collections/rooms/records/"+room, dave, map[string]any{"slow_mode_seconds": 0})
	for _, r := range everyone {
		until(t, r, "slow mode off", slowModeFrameOf(room, 0))
	}
	testutil.ExpectCount(t, s.App, "moderation_log", dbx.HashExp{"room": room, "action": "slow_mode", "actor": testutil.DaveId}, 1)
	testutil.ExpectCount(t, s.App, "moderation_log", dbx.HashExp{"room": room, "action": "slow_mode", "actor": testutil.AliceId}, 1)
	s.sendREST(t, testutil.BobEmail, room, "free again 1")
	s.sendREST(t, testutil.BobEmail, room, "free again 2")
	untilEach(t, topic, 1, "free again 1", "free again 2")
	// a member who does not moderate cannot change it on the SDK either
	s.expect(t, http.StatusNotFound, http.MethodPatch, "/api/collections/rooms/records/"+room, bob, map[string]any{"slow_mode_seconds": 5})
	s.expect(t, http.StatusNotFound, http.MethodPatch, "/api/collections/rooms/records/"+room, dave, map[string]any{"name": "dave's"})
	if r := testutil.MustFind(t, s.App, "rooms", room); r.GetInt("slow_mode_seconds") != 0 || r.GetString("name") != testutil.PostTitle {
		t.Errorf("room after refused changes: %v", r.FieldsData())
	}
}

// TestModeratorDeleteLive: a moderator deletes bob's messages through the
// WebSocket, REST and the SDK; every listener gets a delete frame with
// "deleted_by": "moderator" (bob's own delete: "sender"), the stock
// subscription an update with no text, and the message object says so.
func TestModeratorDeleteLive(t *testing.T) {
	s := startServer(t)
	withModerators(t, s.App, nil)
	room := postRoomId(t)
	alice, bob, dave, carol := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail), auth(t, testutil.DaveEmail), auth(t, testutil.CarolEmail)

	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	daveWS := s.dialWS(t, "dave", room, token(t, testutil.DaveEmail))
	topic := s.connectSSE(t, "carol on "+roomTopic(room))
	topic.mustSubscribe(t, carol, roomTopic(room))
	stock := s.connectSSE(t, "carol on the messages collection")
	stock.mustSubscribe(t, carol, stockSub(room))
	s.waitListeners(t, room, 3)
	everyone := []receiver{bobWS, daveWS, topic}

	ids := []string{}
	for _, text := range []string{"bob 1", "bob 2", "bob 3", "bob 4"} {
		ids = append(ids, s.sendREST(t, testutil.BobEmail, room, text)["id"].(string))
	}
	untilEach(t, stock, 1, "bob 1", "bob 2", "bob 3", "bob 4")

	// carol reads the room but does not moderate it: refused on every API
	s.expect(t, http.StatusForbidden, http.MethodDelete, "/api/chat/message/"+ids[0]+"/", carol, nil)
	s.expect(t, http.StatusNotFound, http.MethodDelete, "/api/collections/messages/records/"+ids[0], carol, nil)

	deletes := []func(){
		func() { daveWS.sendJSON(t, map[string]any{"type": chat.TypeDelete, "id": ids[0]}) },
		func() {
			s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/chat/message/"+ids[1]+"/", alice, nil)
		},
		func() {
			s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/collections/messages/records/"+ids[2], dave, nil)
		},
		func() { bobWS.sendJSON(t, map[string]any{"type": chat.TypeDelete, "id": ids[3]}) },
	}
	by := []string{"moderator", "moderator", "moderator", "sender"}
	deleter := []string{testutil.DaveId, testutil.AliceId, testutil.DaveId, testutil.BobId}
	for i, id := range ids {
		deletes[i]()
		seq := testutil.MustFind(t, s.App, "messages", id).GetInt("seq")
		want := fmt.Sprintf(`{"type":"chat.message.delete","id":%q,"room":%q,"seq":%d,"deleted":true,"message":"","deleted_by":%q}`, id, room, seq, by[i])
		for _, r := range everyone {
			got := until(t, r, "delete "+id, deleteOf(id))
			if f := withoutEvent(got[len(got)-1]); !sameJSON(t, []byte(testutil.JSONOf(f)), []byte(want)) {
				t.Errorf("%s: %v, want %s", r, f, want)
			}
		}
		got := until(t, stock, "stock update of "+id, stockUpdateOf(id, ""))
		if rec := got[len(got)-1].stockRecord("update"); rec["deleted_by"] != deleter[i] {
			t.Errorf("stock update: deleted_by %v, want %s", rec["deleted_by"], deleter[i])
		}
		if m := testutil.MustFind(t, s.App, "messages", id); m.GetString("deleted_by") != deleter[i] || m.GetString("message") != "" {
			t.Errorf("stored %s: %v", id, m.FieldsData())
		}
	}
	testutil.ExpectCount(t, s.App, "moderation_log", dbx.HashExp{"room": room, "action": "delete_message", "target": testutil.BobId}, 3)

	// the message objects say who deleted them
	answer := testutil.DecodeObject(t, s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", bob, nil))
	seen := map[string]any{}
	for _, m := range answer["chat_messages"].([]any) {
		m := m.(map[string]any)
		seen[m["id"].(string)] = m["deleted_by"]
	}
	for i, id := range ids {
		if seen[id] != by[i] {
			t.Errorf("message %s: deleted_by %v, want %s", id, seen[id], by[i])
		}
	}
	if v, ok := seen[testutil.MessageId]; !ok || v != nil {
		t.Errorf("a message not deleted: deleted_by %v (present %v), want null", v, ok)
	}
}
