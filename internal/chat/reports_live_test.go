package chat_test

// Reports over real HTTP: the third report hides a message live (a
// chat.message.hide frame on the WebSocket and the room topic; the stock
// subscription leaves it out by the messages rule) for everyone but its
// sender and the room's moderators; no frame carries its text while it is
// hidden; a moderator's dismiss shows it again (a chat.message.edit frame
// with its text).

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

func hideOf(id string) func(frame) bool {
	return func(f frame) bool { return f["type"] == chat.TypeHide && f["id"] == id }
}

func TestReportHidesLive(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	alice, bob, carol := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail), auth(t, testutil.CarolEmail)

	carolWS := s.dialWS(t, "carol", room, token(t, testutil.CarolEmail))
	carolTopic := s.connectSSE(t, "carol on "+roomTopic(room))
	carolTopic.mustSubscribe(t, carol, roomTopic(room))
	carolStock := s.connectSSE(t, "carol on the messages collection")
	carolStock.mustSubscribe(t, carol, stockSub(room))
	aliceWS := s.dialWS(t, "alice (moderator)", room, token(t, testutil.AliceEmail))
	aliceStock := s.connectSSE(t, "alice on the messages collection")
	aliceStock.mustSubscribe(t, alice, stockSub(room))
	bobWS := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	s.waitListeners(t, room, 4)

	mid := s.sendREST(t, testutil.BobEmail, room, "something nasty")["id"].(string)
	everyone := []receiver{carolWS, carolTopic, carolStock, aliceWS, aliceStock, bobWS}
	for _, r := range everyone {
		untilText(t, r, "something nasty")
	}

	var reportId string
	for i, email := range []string{testutil.CarolEmail, testutil.DaveEmail, testutil.AliceEmail} {
		body := s.expect(t, http.StatusCreated, http.MethodPost, "/api/chat/message/"+mid+"/report/", auth(t, email), map[string]any{"reason": "nasty"})
		if i == 0 {
			reportId = testutil.DecodeObject(t, body)["id"].(string)
		}
	}
	for _, r := range []receiver{carolWS, carolTopic, aliceWS, bobWS} {
		got := until(t, r, "the hide frame", hideOf(mid))
		f := withoutEvent(got[len(got)-1])
		testutil.AssertKeys(t, "hide frame", f, testutil.Exactly, "type", "id", "room")
		if f["room"] != room {
			t.Errorf("hide frame %v", f)
		}
	}

	// while hidden, bob edits it: no frame carries the text; carol's stock
	// subscription gets nothing of it (the rule), alice's (moderator) does
	s.expect(t, http.StatusOK, http.MethodPatch, "/api/chat/message/"+mid+"/", bob, map[string]any{"message": "still nasty"})
	s.sendREST(t, testutil.CarolEmail, room, "carol marker")
	for _, r := range []receiver{carolWS, carolTopic, carolStock} {
		for _, f := range untilText(t, r, "carol marker") {
			raw, _ := json.Marshal(f)
			if rec := f.stockRecord("update"); rec != nil && rec["id"] == mid {
				t.Errorf("%s got the hidden message's update: %s", r, raw)
			}
			if f["id"] == mid && (f["message"] != "" || f["hidden"] != true) {
				t.Errorf("%s: frame of the hidden message %s", r, raw)
			}
		}
	}
	until(t, aliceStock, "the update of the hidden message", stockUpdateOf(mid, "still nasty"))

	// the history: carol gets a placeholder, bob and alice the text
	for email, want := range map[string]string{testutil.CarolEmail: "", testutil.BobEmail: "still nasty", testutil.AliceEmail: "still nasty"} {
		body := s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", auth(t, email), nil)
		var data struct {
			Messages []map[string]any `json:"chat_messages"`
		}
		if err := json.Unmarshal(body, &data); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range data.Messages {
			if m["id"] == mid {
				found = true
				if m["message"] != want || m["hidden"] != true || m["deleted"] != false {
					t.Errorf("%s's history shows %v", email, m)
				}
			}
		}
		if !found {
			t.Errorf("%s's history lacks the hidden message", email)
		}
		// and the search finds it for bob and alice only
		body = s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/search/?q=nasty", auth(t, email), nil)
		var page struct {
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if got := len(page.Results); (got > 0) != (want != "") {
			t.Errorf("%s searching: %d results", email, got)
		}
	}

	// carol may not resolve; alice dismisses: shown again, live
	s.expect(t, http.StatusForbidden, http.MethodPost, "/api/moderation/reports/"+reportId+"/resolve/", carol, map[string]any{"action": "dismiss"})
	s.expect(t, http.StatusOK, http.MethodPost, "/api/moderation/reports/"+reportId+"/resolve/", alice, map[string]any{"action": "dismiss"})
	for _, r := range []receiver{carolWS, carolTopic, bobWS} {
		got := until(t, r, "the edit frame showing it", editOf(mid, "still nasty"))
		if f := got[len(got)-1]; f["hidden"] != false {
			t.Errorf("%s: %v", r, f)
		}
	}
	until(t, carolStock, "the stock update showing it", stockUpdateOf(mid, "still nasty"))
}
