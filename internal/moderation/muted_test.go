package moderation_test

import (
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// mutedFor2999 is the REST refusal of bob's writes under the fixture mute
// (until 2999).
func mutedFor2999(t testing.TB) string {
	until, _ := time.Parse(time.RFC3339, "2999-01-01T00:00:00Z")
	minutes := int(math.Ceil(time.Until(until).Minutes()))
	return `{"detail":"You are muted in this room for ` + strconv.Itoa(minutes) + ` more minutes.","muted_until":"2999-01-01T00:00:00.000Z"}`
}

// the record API's 403 (PocketBase's error shape)
func recordMuted(t testing.TB, app *tests.TestApp, body []byte) {
	t.Helper()
	obj := testutil.DecodeObject(t, body)
	if obj["status"] != float64(403) || obj["message"] != "You are muted in this room for good." {
		t.Errorf("record API refusal: %s", body)
	}
}

func messages(n int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": roomId(t)}, n)
	}
}

func unchanged(t testing.TB, app *tests.TestApp, _ []byte) {
	t.Helper()
	testutil.ExpectField(t, testutil.MustFind(t, app, "messages", testutil.MessageId), "message", "안녕하세요!")
}

func reactions(n int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		testutil.ExpectCount(t, app, "message_reactions", nil, n)
	}
}

// A muted member's sends, edits and reactions are refused on every API
// (the live transports: internal/chat's moderation tests); they still
// read, and delete their own messages.
func TestMutedWritesRefused(t *testing.T) {
	t.Parallel()
	room := roomId(t)
	send := `{"room":"` + room + `","message":"hi"}`
	run(t,
		scenario{name: "REST send", method: "POST", path: "/api/chat/message/", headers: bob(t), body: send, setup: []string{"bob muted"},
			status: 403, checks: []testutil.Check{func(t testing.TB, app *tests.TestApp, body []byte) { testutil.BodyIs(mutedFor2999(t))(t, app, body) }, messages(1)}},
		scenario{name: "REST send, muted for good", method: "POST", path: "/api/chat/message/", headers: bob(t), body: send, setup: []string{"bob muted for good"},
			status: 403, want: `{"detail":"You are muted in this room for good.","muted_until":null}`, checks: []testutil.Check{messages(1)}},
		scenario{name: "REST edit", method: "PATCH", path: "/api/chat/message/" + testutil.MessageId + "/", headers: bob(t), body: `{"message":"edited"}`,
			setup: []string{"bob muted for good"}, status: 403, want: `{"detail":"You are muted in this room for good.","muted_until":null}`,
			checks: []testutil.Check{testutil.Check(unchanged)}},
		scenario{name: "REST reaction", method: "POST", path: "/api/chat/message/" + testutil.MessageId + "/reactions/", headers: bob(t), body: `{"emoji":"👍"}`,
			setup: []string{"bob muted for good"}, status: 403, want: `{"detail":"You are muted in this room for good.","muted_until":null}`,
			checks: []testutil.Check{reactions(0)}},
		scenario{name: "record API create", method: "POST", path: "/api/collections/messages/records", headers: bob(t), body: send,
			setup: []string{"bob muted for good"}, status: 403, events: noWrites, checks: []testutil.Check{recordMuted, messages(1)}},
		scenario{name: "record API update", method: "PATCH", path: "/api/collections/messages/records/" + testutil.MessageId, headers: bob(t), body: `{"message":"edited"}`,
			setup: []string{"bob muted for good"}, status: 403, events: noWrites, checks: []testutil.Check{recordMuted, testutil.Check(unchanged)}},
		scenario{name: "record API reaction", method: "POST", path: "/api/collections/message_reactions/records", headers: bob(t),
			body: `{"message":"` + testutil.MessageId + `","emoji":"👍"}`, setup: []string{"bob muted for good"}, status: 403, events: noWrites,
			checks: []testutil.Check{recordMuted, reactions(0)}},
		scenario{name: "bob still deletes his own message", method: "DELETE", path: "/api/chat/message/" + testutil.MessageId + "/", headers: bob(t),
			setup: []string{"bob muted for good"}, status: 204},
		scenario{name: "bob still reads", method: "GET", path: "/api/chat/room/" + room + "/", headers: bob(t),
			setup: []string{"bob muted for good"}, status: 200},
		scenario{name: "others still write", method: "POST", path: "/api/chat/message/", headers: dave(t), body: send,
			setup: []string{"bob muted for good"}, status: 201, checks: []testutil.Check{messages(2)}},
		scenario{name: "a superuser still writes as bob (the dashboard)", method: "POST", path: "/api/collections/messages/records", headers: superuser(t),
			body: `{"room":"` + room + `","message":"hi","sender":"` + testutil.BobId + `"}`, setup: []string{"bob muted for good"}, status: 200,
			checks: []testutil.Check{messages(2)}},
		scenario{name: "a mute elsewhere does not count", method: "POST", path: "/api/chat/message/", headers: carol(t), body: send,
			setup: []string{"bob muted for good"}, status: 201, checks: []testutil.Check{messages(2)}},
	)
	_ = http.MethodGet
}
