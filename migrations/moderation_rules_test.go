package migrations_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The moderation rules (1764000009) through PocketBase's record API, as
// the dashboard and the JS SDK meet them: a ban hides the room from the
// member it names, a mute stops their writes, a block hides the blocked
// member's messages from the blocker alone, a hidden message is seen by
// its sender and the room's moderators only, and only the room's
// moderators (the owner, and whom the owner appoints) mute and ban.
func TestModerationRules(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId) // alice's post: alice moderates it
	if err != nil {
		t.Fatal(err)
	}
	as := map[string]string{}
	for _, email := range []string{testutil.AliceEmail, testutil.BobEmail, testutil.CarolEmail, testutil.DaveEmail} {
		as[email] = testutil.Token(t, app, email)
	}
	status := func(method, path string, body any, email string) int {
		t.Helper()
		return c.Send(method, path, body, as[email]).Status
	}
	count := func(path, email string) int {
		t.Helper()
		res := c.Send(http.MethodGet, path, nil, as[email])
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s as %s: %d %s", path, email, res.Status, res.Body)
		}
		return int(res.JSON(t)["totalItems"].(float64))
	}
	messagesOfRoom := "/api/collections/messages/records?filter=" + url.QueryEscape(fmt.Sprintf("room=%q", room.Id))
	roomPath := "/api/collections/rooms/records/" + room.Id

	// appointing: the owner only, not in someone else's room
	modBody := map[string]any{"room": room.Id, "user": testutil.CarolId}
	if got := status(http.MethodPost, "/api/collections/room_moderators/records", modBody, testutil.BobEmail); got != http.StatusBadRequest {
		t.Errorf("bob appoints in alice's room: %d", got)
	}
	if got := status(http.MethodPost, "/api/collections/room_moderators/records", modBody, testutil.AliceEmail); got != http.StatusOK {
		t.Fatalf("alice appoints carol: %d", got)
	}

	// banning: carol (appointed) may; bob (not a moderator) may not; nobody on themselves
	ban := map[string]any{"room": room.Id, "user": testutil.BobId, "reason": "spam"}
	if got := status(http.MethodPost, "/api/collections/room_bans/records", map[string]any{"room": room.Id, "user": testutil.DaveId}, testutil.BobEmail); got != http.StatusBadRequest {
		t.Errorf("bob bans dave: %d", got)
	}
	if got := status(http.MethodPost, "/api/collections/room_bans/records", map[string]any{"room": room.Id, "user": testutil.CarolId}, testutil.CarolEmail); got != http.StatusBadRequest {
		t.Errorf("carol bans herself: %d", got)
	}
	before := count(messagesOfRoom, testutil.BobEmail)
	if before == 0 {
		t.Fatal("bob sees no messages before the ban")
	}
	res := c.Send(http.MethodPost, "/api/collections/room_bans/records", ban, as[testutil.CarolEmail])
	if res.Status != http.StatusOK {
		t.Fatalf("carol bans bob: %d %s", res.Status, res.Body)
	}
	banId := res.JSON(t)["id"].(string)
	if got := status(http.MethodGet, roomPath, nil, testutil.BobEmail); got != http.StatusNotFound {
		t.Errorf("banned bob views the room: %d", got)
	}
	if n := count(messagesOfRoom, testutil.BobEmail); n != 0 {
		t.Errorf("banned bob lists %d messages", n)
	}
	if got := status(http.MethodGet, roomPath, nil, testutil.DaveEmail); got != http.StatusOK {
		t.Errorf("dave views the room during bob's ban: %d", got)
	}
	if got := status(http.MethodDelete, "/api/collections/room_bans/records/"+banId, nil, testutil.BobEmail); got != http.StatusNotFound {
		t.Errorf("bob lifts his own ban: %d", got)
	}
	if n := count("/api/collections/room_bans/records", testutil.BobEmail); n != 1 {
		t.Errorf("bob sees %d bans naming him, want 1", n)
	}
	if n := count("/api/collections/room_bans/records", testutil.DaveEmail); n != 0 {
		t.Errorf("dave sees %d bans of others", n)
	}
	if got := status(http.MethodDelete, "/api/collections/room_bans/records/"+banId, nil, testutil.AliceEmail); got != http.StatusNoContent {
		t.Fatalf("alice lifts the ban: %d", got)
	}
	if n := count(messagesOfRoom, testutil.BobEmail); n != before {
		t.Errorf("bob lists %d messages after the ban, want %d", n, before)
	}

	// muting: dave cannot write, reads on
	send := map[string]any{"room": room.Id, "message": "hello"}
	testutil.MustSave(t, app, "room_mutes", map[string]any{"room": room.Id, "user": testutil.DaveId})
	// (the rule alone would answer 400; the moderation package answers the
	// documented 403 with the time left before the rule runs)
	if got := status(http.MethodPost, "/api/collections/messages/records", send, testutil.DaveEmail); got != http.StatusForbidden {
		t.Errorf("muted dave sends: %d", got)
	}
	if got := status(http.MethodPost, "/api/collections/messages/records", send, testutil.CarolEmail); got != http.StatusOK {
		t.Errorf("carol sends while dave is muted: %d", got)
	}
	if n := count(messagesOfRoom, testutil.DaveEmail); n == 0 {
		t.Error("muted dave reads nothing")
	}

	// blocking: alice blocks bob; only alice stops seeing bob's messages
	bobs := "/api/collections/messages/records?filter=" + url.QueryEscape(fmt.Sprintf("room=%q && sender=%q", room.Id, testutil.BobId))
	seen := count(bobs, testutil.CarolEmail)
	if got := status(http.MethodPost, "/api/collections/blocks/records", map[string]any{"blocked": testutil.BobId}, testutil.AliceEmail); got != http.StatusOK {
		t.Fatalf("alice blocks bob: %d", got)
	}
	if n := count(bobs, testutil.AliceEmail); n != 0 {
		t.Errorf("alice still lists %d of bob's messages", n)
	}
	if n := count(bobs, testutil.CarolEmail); n != seen || n == 0 {
		t.Errorf("carol lists %d of bob's messages, want %d", n, seen)
	}
	if n := count("/api/collections/blocks/records", testutil.BobEmail); n != 0 {
		t.Errorf("bob sees %d blocks (he is never told)", n)
	}
	if got := status(http.MethodPost, "/api/collections/friends/records", map[string]any{"friend": testutil.AliceId}, testutil.BobEmail); got != http.StatusBadRequest {
		t.Errorf("bob adds alice, who blocked him: %d", got)
	}
	if got := status(http.MethodPost, "/api/collections/friends/records", map[string]any{"friend": testutil.AliceId}, testutil.DaveEmail); got != http.StatusOK {
		t.Errorf("dave adds alice: %d", got)
	}

	// hidden (reported): its sender and the moderators see it, others not
	m := testutil.MustFind(t, app, "messages", testutil.MessageId) // bob's
	m.Set("hidden", true)
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
	one := "/api/collections/messages/records/" + m.Id
	for email, want := range map[string]int{testutil.BobEmail: 200, testutil.CarolEmail: 200, testutil.DaveEmail: 404} {
		if got := status(http.MethodGet, one, nil, email); got != want {
			t.Errorf("%s views the hidden message: %d, want %d", email, got, want)
		}
	}
}
