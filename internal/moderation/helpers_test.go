package moderation_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The fixture post's room is alice's (she wrote the post), readable by
// every member; bob has a message there. daveRoom is dave's own friends'
// room (his friends list is empty): he moderates it and nobody else may
// read it.
const daveRoomId = "roomdave0000001"

var postRoom struct {
	once sync.Once
	id   string
	err  error
}

func roomId(t testing.TB) string {
	t.Helper()
	postRoom.once.Do(func() {
		app := testutil.NewApp(t)
		room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
		if err != nil {
			postRoom.err = err
			return
		}
		postRoom.id = room.Id
	})
	if postRoom.err != nil {
		t.Fatal(postRoom.err)
	}
	return postRoom.id
}

var (
	alice     = func(t testing.TB) map[string]string { return testutil.AuthHeader(t, testutil.AliceEmail) }
	bob       = func(t testing.TB) map[string]string { return testutil.AuthHeader(t, testutil.BobEmail) }
	carol     = func(t testing.TB) map[string]string { return testutil.AuthHeader(t, testutil.CarolEmail) }
	dave      = func(t testing.TB) map[string]string { return testutil.AuthHeader(t, testutil.DaveEmail) }
	superuser = func(t testing.TB) map[string]string { return testutil.AuthHeader(t, testutil.SuperuserEmail) }
)

// setup stores dave's room and, per the names given, appoints carol
// ("carol moderates"), mutes or bans bob.
func setup(steps ...string) func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		t.Helper()
		room := roomId(t)
		testutil.MustSave(t, app, "rooms", map[string]any{"id": daveRoomId, "owner": testutil.DaveId, "name": "dave's room"})
		for _, s := range steps {
			switch s {
			case "carol moderates":
				testutil.MustSave(t, app, "room_moderators", map[string]any{"room": room, "user": testutil.CarolId, "by": testutil.AliceId})
			case "dave moderates":
				testutil.MustSave(t, app, "room_moderators", map[string]any{"room": room, "user": testutil.DaveId, "by": testutil.AliceId})
			case "bob muted":
				testutil.MustSave(t, app, "room_mutes", map[string]any{"id": "mutebob00000001", "room": room, "user": testutil.BobId, "by": testutil.AliceId, "until": "2999-01-01 00:00:00.000Z", "reason": "old"})
			case "bob muted for good":
				testutil.MustSave(t, app, "room_mutes", map[string]any{"id": "mutebob00000001", "room": room, "user": testutil.BobId, "by": testutil.AliceId})
			case "bob banned":
				testutil.MustSave(t, app, "room_bans", map[string]any{"id": "banbob000000001", "room": room, "user": testutil.BobId, "by": testutil.AliceId, "reason": "old"})
			default:
				t.Fatalf("unknown setup step %q", s)
			}
		}
	}
}

type scenario struct {
	name    string
	method  string
	path    string // after /api/chat/room/<post room>/
	headers map[string]string
	body    string
	setup   []string
	status  int
	want    string // the exact body ("" to skip)
	checks  []testutil.Check
	events  map[string]int
}

func (s scenario) build(t testing.TB) tests.ApiScenario {
	url := s.path
	if !strings.HasPrefix(url, "/") {
		url = "/api/chat/room/" + roomId(t) + "/" + s.path
	}
	checks := s.checks
	if s.want != "" {
		checks = append([]testutil.Check{testutil.BodyIs(s.want)}, checks...)
	}
	out := tests.ApiScenario{
		Name: s.name, Method: s.method, URL: url, Headers: map[string]string{},
		ExpectedStatus: s.status, ExpectedContent: []string{""},
		BeforeTestFunc: setup(s.setup...), AfterTestFunc: testutil.After(checks...),
		ExpectedEvents: s.events,
	}
	if s.status == 204 {
		out.ExpectedContent = nil
	}
	for k, v := range s.headers {
		out.Headers[k] = v
	}
	if s.body != "" {
		out.Body = strings.NewReader(s.body)
		out.Headers["Content-Type"] = "application/json"
	}
	return out
}

func run(t *testing.T, scenarios ...scenario) {
	t.Helper()
	built := make([]tests.ApiScenario, len(scenarios))
	for i, s := range scenarios {
		built[i] = s.build(t)
	}
	testutil.Run(t, built)
}

// noWrites is the ExpectedEvents of a refused request.
var noWrites = map[string]int{"*": 0}

// logged checks the moderation log of the post room holds exactly these
// entries, oldest first: "action actor target" ("-" for none) and, when
// given, " detail".
func logged(want ...string) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		var rows []*core.Record
		err := app.RecordQuery("moderation_log").AndWhere(dbx.HashExp{"room": roomId(t)}).OrderBy("created ASC", "rowid ASC").All(&rows)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(rows))
		for i, r := range rows {
			got[i] = fmt.Sprintf("%s %s %s %s %s", r.GetString("action"), dash(r.GetString("actor")), dash(r.GetString("target")), r.GetString("reason"), r.GetString("detail"))
			got[i] = strings.TrimSpace(got[i])
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("moderation log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// stored checks how many rows of collection name bob (or user) in the
// post room.
func stored(collection, user string, n int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		testutil.ExpectCount(t, app, collection, dbx.HashExp{"room": roomId(t), "user": user}, n)
	}
}
