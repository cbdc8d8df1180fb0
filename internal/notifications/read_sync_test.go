package notifications_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestReadingARoomReadsItsNotifications: moving the read marker past a
// mention reads its notification (the room's "mentions" and the bell drop
// together); a mention after the marker, and other rooms', stay unread;
// moving the marker back ("mark unread") does not bring them back.
func TestReadingARoomReadsItsNotifications(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room := postRoomId(t, app)
	alice, bob := testutil.AuthHeader(t, testutil.AliceEmail), testutil.AuthHeader(t, testutil.BobEmail)
	send := func(text string) map[string]any {
		res := c.Do(http.MethodPost, "/api/chat/message/", map[string]any{"room": room, "message": text}, alice)
		if res.Status != http.StatusCreated {
			t.Fatalf("send %q: %d %s", text, res.Status, res.Body)
		}
		return res.JSON(t)
	}
	first, second := send("@bob first"), send("@bob second")
	unreadMentions := func() int {
		return testutil.Count(t, app, "notifications", dbx.HashExp{"user": testutil.BobId, "room": room, "kind": "mention", "read": false})
	}
	if n := unreadMentions(); n != 2 {
		t.Fatalf("%d unread mentions of bob before reading, want 2", n)
	}

	res := c.Do(http.MethodPost, "/api/chat/room/"+room+"/read/", map[string]any{"message": first["id"]}, bob)
	if res.Status != http.StatusOK {
		t.Fatalf("read up to the first: %d %s", res.Status, res.Body)
	}
	if n := unreadMentions(); n != 1 {
		t.Errorf("%d unread mentions after reading the first, want 1 (the second is after the marker)", n)
	}
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"message": second["id"], "read": false}, 1)

	if res := c.Do(http.MethodPost, "/api/chat/room/"+room+"/read/", nil, bob); res.Status != http.StatusOK {
		t.Fatalf("read all: %d %s", res.Status, res.Body)
	}
	if n := unreadMentions(); n != 0 {
		t.Errorf("%d unread mentions after reading the room, want 0", n)
	}
	// mark unread: the marker goes back, the notifications stay read
	if res := c.Do(http.MethodPost, "/api/chat/room/"+room+"/read/", map[string]any{"seq": 0}, bob); res.Status != http.StatusOK {
		t.Fatalf("mark unread: %d %s", res.Status, res.Body)
	}
	if n := unreadMentions(); n != 0 {
		t.Errorf("%d unread mentions after marking unread, want 0", n)
	}
	// alice's read of the same room touches nobody else's
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"user": testutil.AliceId, "read": true}, 0)
}
