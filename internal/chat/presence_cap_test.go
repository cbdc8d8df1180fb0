package chat_test

import (
	"testing"

	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestNoPresenceNoticesInBigRooms: join/leave notices go to rooms of at
// most PresenceRoomListeners listeners; a member arriving in a bigger room
// is not announced (online_users still lists them), and once the room is
// small enough again notices go out as before.
func TestNoPresenceNoticesInBigRooms(t *testing.T) {
	s := startServer(t)
	limits.Of(s.App).PresenceRoomListeners = 2
	room := postRoomId(t)

	alice := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	until(t, alice, "alice's join", joinOf("alice"))
	bob := s.dialWS(t, "bob", room, token(t, testutil.BobEmail))
	until(t, alice, "bob's join (2 listeners)", joinOf("bob"))

	carol := s.dialWS(t, "carol", room, token(t, testutil.CarolEmail))
	s.waitListeners(t, room, 3)
	s.waitOnline(t, testutil.AliceEmail, room, "alice", "bob", "carol")
	for _, f := range alice.sendMessage(t, "after carol came") {
		if f.is("chat.user.join", "carol") {
			t.Errorf("carol's join was sent to a room of 3 listeners (at most 2 get notices)")
		}
	}

	carol.closeNormally(t)
	s.waitListeners(t, room, 2)
	bob.closeNormally(t)
	until(t, alice, "bob's leave (1 listener)", leaveOf("bob"))
	s.waitOnline(t, testutil.AliceEmail, room, "alice")
}
