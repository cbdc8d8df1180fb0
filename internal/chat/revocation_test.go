package chat_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// revokeDeadline is how soon after the revoking request has answered
// every transport must have stopped (the "within 1 second").
const revokeDeadline = time.Second

// sessionToken logs in through POST /user/login/ and returns the access
// token of that login session.
func (s *liveServer) sessionToken(t testing.TB, email string) string {
	t.Helper()
	body := s.expect(t, http.StatusOK, http.MethodPost, "/user/login/", nil,
		map[string]string{"email": email, "password": testutil.Password})
	var out struct {
		Access string `json:"access"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Access == "" {
		t.Fatalf("login answer: %s", body)
	}
	return out.Access
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// revocationCause ends bob's access to alice's room in one way.
type revocationCause struct {
	name string
	// session: bob's connections use a /user/login/ session token rather
	// than a plain SDK token
	session bool
	revoke  func(t *testing.T, s *liveServer, bobToken string)
	wsCode  websocket.StatusCode
	// stockStops: bob's stock subscription to the messages collection
	// stops delivering alice's room (all of them: with the login gone the
	// rules see a guest; after a friend removal the rule refuses it)
}

var revocationCauses = []revocationCause{
	{
		name: "alice removes bob from her friends list",
		revoke: func(t *testing.T, s *liveServer, _ string) {
			s.expect(t, http.StatusOK, http.MethodPost, "/user/delete-friend/", auth(t, testutil.AliceEmail),
				map[string]string{"email": testutil.BobEmail})
		},
		wsCode: chat.CloseForbidden,
	},
	{
		name:    "bob logs out (login session ended)",
		session: true,
		revoke: func(t *testing.T, s *liveServer, tok string) {
			s.expect(t, http.StatusOK, http.MethodPost, "/user/logout/", bearer(tok), nil)
		},
		wsCode: chat.CloseUnauthenticated,
	},
	{
		name: "bob logs out (plain token revoked)",
		revoke: func(t *testing.T, s *liveServer, tok string) {
			s.expect(t, http.StatusOK, http.MethodPost, "/user/logout/", bearer(tok), nil)
		},
		wsCode: chat.CloseUnauthenticated,
	},
	{
		name: "bob changes his password",
		revoke: func(t *testing.T, s *liveServer, tok string) {
			s.expect(t, http.StatusOK, http.MethodPatch, "/api/collections/users/records/"+testutil.BobId, bearer(tok),
				map[string]string{"oldPassword": testutil.Password, "password": "a-new-password-1", "passwordConfirm": "a-new-password-1"})
		},
		wsCode: chat.CloseUnauthenticated,
	},
	{
		name: "bob's account is deleted",
		revoke: func(t *testing.T, s *liveServer, _ string) {
			s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/collections/users/records/"+testutil.BobId,
				auth(t, testutil.SuperuserEmail), nil)
		},
		wsCode: chat.CloseUnauthenticated,
	},
}

// TestRevocationEndsEveryTransport: bob listens to alice's room (he is on
// her friends list) on a room WebSocket, the room topic and the stock
// messages subscription, all with one token. For every way his access can
// end, within a second of the revoking request: the WebSocket is closed
// with the documented code, the topic gets an access_revoked frame and bob
// leaves the room (alice sees the leave notice), and the stock
// subscription no longer delivers the room's messages.
func TestRevocationEndsEveryTransport(t *testing.T) {
	for _, cause := range revocationCauses {
		t.Run(cause.name, func(t *testing.T) {
			s := startServer(t)
			makePrivateRooms(t, s.App)
			bobToken := testutil.Token(t, s.App, testutil.BobEmail)
			if cause.session {
				bobToken = s.sessionToken(t, testutil.BobEmail)
			}

			aliceWS := s.dialWS(t, "alice", aliceRoomId, token(t, testutil.AliceEmail))
			until(t, aliceWS, "alice's join", joinOf("alice"))
			bobWS := s.dialWS(t, "bob", aliceRoomId, bobToken)
			until(t, aliceWS, "bob's join", joinOf("bob"))
			bobSSE := s.connectSSE(t, "bob")
			bobSSE.mustSubscribe(t, bearer(bobToken), roomTopic(aliceRoomId), "messages/*", "posts/*")
			s.waitListeners(t, aliceRoomId, 3)

			// bob hears the room on every transport before
			const before = "before the revocation"
			s.sendREST(t, testutil.AliceEmail, aliceRoomId, before)
			untilText(t, bobWS, before)
			untilEach(t, bobSSE, 2, before) // the topic and the stock subscription

			cause.revoke(t, s, bobToken)
			revokedAt := time.Now()

			// the WebSocket: closed with the cause's code
			code, _ := bobWS.closedWithin(t, revokeDeadline)
			if code != cause.wsCode {
				t.Errorf("bob's WebSocket closed with %d, want %d (%v)", code, cause.wsCode, bobWS.err)
			}
			// the topic: a last access_revoked frame, then bob is gone
			revoked := untilWithin(t, bobSSE, "the topic's access_revoked frame", revokeDeadline-time.Since(revokedAt), func(f frame) bool {
				return f["error_type"] == "access_revoked"
			})
			last := revoked[len(revoked)-1]
			if last["_event"] != roomTopic(aliceRoomId) || last["room"] != aliceRoomId || last["code"] != float64(cause.wsCode) {
				t.Errorf("access_revoked frame = %v", last)
			}
			untilWithin(t, aliceWS, "bob's leave notice", revokeDeadline-time.Since(revokedAt), leaveOf("bob"))
			s.waitListeners(t, aliceRoomId, 1)

			// the stock subscription: alice's next message does not reach
			// bob; a new post (public) still does, and comes after it
			const after = "after the revocation"
			s.sendREST(t, testutil.AliceEmail, aliceRoomId, after)
			untilText(t, aliceWS, after)
			s.expect(t, http.StatusCreated, http.MethodPost, "/api/post/write/", auth(t, testutil.AliceEmail),
				map[string]any{"title": "sentinel post", "content": "x", "category": "Programming"})
			got := until(t, bobSSE, "the sentinel post", func(f frame) bool {
				rec, _ := f["record"].(map[string]any)
				return rec != nil && rec["title"] == "sentinel post"
			})
			for _, f := range got {
				if f.text() == after {
					t.Errorf("bob's stock subscription still delivered alice's room: %v", f)
				}
			}
		})
	}
}

// TestWebSocketChecksAccessPerFrame: a change that fires no hook (the
// friends row deleted in SQL) leaves bob's socket open, but the next frame
// he sends is checked against the room rule before anything is stored:
// the socket closes with 4003 and the message is not stored.
func TestWebSocketChecksAccessPerFrame(t *testing.T) {
	s := startServer(t)
	makePrivateRooms(t, s.App)
	bobWS := s.dialWS(t, "bob", aliceRoomId, token(t, testutil.BobEmail))
	bobWS.sendMessage(t, "while a friend")

	if _, err := s.App.DB().Delete("friends", dbx.HashExp{"user": testutil.AliceId, "friend": testutil.BobId}).Execute(); err != nil {
		t.Fatal(err)
	}
	bobWS.send(t, `{"type":"chat.message","message":"after the friends row is gone"}`)
	code, _ := bobWS.closedWith(t)
	if code != chat.CloseForbidden {
		t.Errorf("close code %d, want %d", code, chat.CloseForbidden)
	}
	testutil.ExpectCount(t, s.App, "messages", dbx.HashExp{"message": "after the friends row is gone"}, 0)
	testutil.ExpectCount(t, s.App, "messages", dbx.HashExp{"message": "while a friend"}, 1)
}

// TestWebSocketChecksSessionPerFrame: likewise for a login session ended
// behind the hooks' back: the next frame closes the socket with 4001 and
// stores nothing.
func TestWebSocketChecksSessionPerFrame(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	tok := s.sessionToken(t, testutil.BobEmail)
	bobWS := s.dialWS(t, "bob", room, tok)
	bobWS.sendMessage(t, "while logged in")

	if _, err := s.App.DB().Delete("login_sessions", dbx.HashExp{"user": testutil.BobId}).Execute(); err != nil {
		t.Fatal(err)
	}
	bobWS.send(t, `{"type":"chat.message","message":"after the session is gone"}`)
	code, _ := bobWS.closedWith(t)
	if code != chat.CloseUnauthenticated {
		t.Errorf("close code %d, want %d", code, chat.CloseUnauthenticated)
	}
	testutil.ExpectCount(t, s.App, "messages", dbx.HashExp{"message": "after the session is gone"}, 0)
}

// TestRoomDeletedClosesItsConnections: a room that is deleted closes its
// WebSockets with 4004 and its topic listeners get access_revoked 4004.
func TestRoomDeletedClosesItsConnections(t *testing.T) {
	s := startServer(t)
	makePrivateRooms(t, s.App)
	ws := s.dialWS(t, "alice", aliceRoomId, token(t, testutil.AliceEmail))
	sse := s.connectSSE(t, "bob")
	sse.mustSubscribe(t, auth(t, testutil.BobEmail), roomTopic(aliceRoomId))
	s.waitListeners(t, aliceRoomId, 2)

	s.expect(t, http.StatusNoContent, http.MethodDelete, "/api/collections/rooms/records/"+aliceRoomId, auth(t, testutil.AliceEmail), nil)
	if code, _ := ws.closedWithin(t, revokeDeadline); code != chat.CloseUnknownRoom {
		t.Errorf("close code %d, want %d", code, chat.CloseUnknownRoom)
	}
	got := untilWithin(t, sse, "access_revoked", revokeDeadline, func(f frame) bool { return f["error_type"] == "access_revoked" })
	if f := got[len(got)-1]; f["code"] != float64(chat.CloseUnknownRoom) {
		t.Errorf("access_revoked frame = %v", f)
	}
	s.waitListeners(t, aliceRoomId, 0)
}

// untilWithin is until with a deadline of its own.
func untilWithin(t testing.TB, r receiver, what string, d time.Duration, match func(frame) bool) []frame {
	t.Helper()
	var got []frame
	deadline := time.Now().Add(d)
	for {
		f, ok := r.next(time.Until(deadline))
		if !ok {
			t.Fatalf("%s: %s did not come within %v; received before: %v", r, what, d, got)
		}
		got = append(got, f)
		if match(f) {
			return got
		}
	}
}
