package moderation_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The fixture: alice's post and its room (alice moderates it, as the
// post's writer) with bob's message testutil.MessageId.

func fixtureRoom(t testing.TB, app core.App) *core.Record {
	t.Helper()
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatal(err)
	}
	return room
}

func report(t testing.TB, app core.App, reporter, message string) *core.Record {
	t.Helper()
	return testutil.MustSave(t, app, "reports", map[string]any{"message": message, "reporter": reporter, "reason": "spam"})
}

// reportedBy files reports of bob's fixture message by these members.
func reportedBy(reporters ...string) func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		for _, r := range reporters {
			report(t, app, r, testutil.MessageId)
		}
	}
}

func reportScenario(t testing.TB, name, method, url, body, email string, status int, checks ...testutil.Check) tests.ApiScenario {
	s := tests.ApiScenario{
		Name:            name,
		Method:          method,
		URL:             url,
		ExpectedStatus:  status,
		ExpectedContent: []string{`"`},
		TestAppFactory:  testutil.Factory,
		AfterTestFunc:   testutil.After(checks...),
		Headers:         map[string]string{},
	}
	if body != "" {
		s.Body = strings.NewReader(body)
		s.Headers["Content-Type"] = "application/json"
	}
	if email != "" {
		for k, v := range testutil.AuthHeader(t, email) {
			s.Headers[k] = v
		}
	}
	return s
}

func count(table string, where dbx.Expression, want int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		testutil.ExpectCount(t, app, table, where, want)
	})
}

func hidden(want bool) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		testutil.ExpectField(t, testutil.MustFind(t, app, "messages", testutil.MessageId), "hidden", want)
	})
}

var reportKeys = []string{"id", "message", "reason", "status", "created_at"}

func TestReportCreate(t *testing.T) {
	t.Parallel()
	url := "/api/chat/message/" + testutil.MessageId + "/report/"

	scenarios := []tests.ApiScenario{}
	for _, u := range []string{url, strings.TrimSuffix(url, "/")} {
		s := reportScenario(t, "carol reports bob's message at "+u, http.MethodPost, u, `{"reason":"  spam  "}`, testutil.CarolEmail, 201,
			testutil.Keys(reportKeys...),
			func(t testing.TB, app *tests.TestApp, body []byte) {
				got := testutil.DecodeObject(t, body)
				if got["message"] != testutil.MessageId || got["reason"] != "spam" || got["status"] != "open" {
					t.Errorf("answer %s", body)
				}
				r := testutil.MustFind(t, app, "reports", got["id"].(string))
				testutil.ExpectField(t, r, "room", fixtureRoom(t, app).Id)
				testutil.ExpectField(t, r, "reporter", testutil.CarolId)
				testutil.ExpectField(t, r, "status", "open")
			},
			hidden(false))
		s.ExpectedEvents = testutil.WriteEvents(1, 0, 0)
		scenarios = append(scenarios, s)
	}

	third := reportScenario(t, "the third report hides the message", http.MethodPost, url, `{"reason":"abuse"}`, testutil.AliceEmail, 201,
		hidden(true),
		count("moderation_log", dbx.HashExp{"action": "hide_message", "message": testutil.MessageId, "target": testutil.BobId}, 1))
	third.BeforeTestFunc = reportedBy(testutil.CarolId, testutil.DaveId)
	third.ExpectedEvents = testutil.WriteEvents(2, 1, 0) // the report, the log row; the message
	second := reportScenario(t, "two reports do not", http.MethodPost, url, `{"reason":"abuse"}`, testutil.AliceEmail, 201, hidden(false),
		count("moderation_log", nil, 0))
	second.BeforeTestFunc = reportedBy(testutil.CarolId)
	again := reportScenario(t, "again", http.MethodPost, url, `{"reason":"spam"}`, testutil.CarolEmail, 400,
		testutil.BodyIs(`{"detail":"You have already reported this message."}`), count("reports", nil, 1))
	again.BeforeTestFunc = reportedBy(testutil.CarolId)
	again.ExpectedEvents = map[string]int{"*": 0}
	blocked := reportScenario(t, "a message of someone one blocked is unreadable", http.MethodPost, url, `{"reason":"spam"}`, testutil.CarolEmail, 404,
		testutil.BodyIs(`{"detail":"Not found."}`), count("reports", nil, 0))
	blocked.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		testutil.MustSave(t, app, "blocks", map[string]any{"user": testutil.CarolId, "blocked": testutil.BobId})
	}
	hiddenMsg := reportScenario(t, "a hidden message is unreadable to members", http.MethodPost, url, `{"reason":"spam"}`, testutil.CarolEmail, 404,
		testutil.BodyIs(`{"detail":"Not found."}`), count("reports", nil, 2))
	hiddenMsg.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		reportedBy(testutil.AliceId, testutil.DaveId)(t, app, e)
		m := testutil.MustFind(t, app, "messages", testutil.MessageId)
		m.Set("hidden", true)
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	deleted := reportScenario(t, "a deleted message", http.MethodPost, url, `{"reason":"spam"}`, testutil.CarolEmail, 404,
		testutil.BodyIs(`{"detail":"Not found."}`), count("reports", nil, 0))
	deleted.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		m := testutil.MustFind(t, app, "messages", testutil.MessageId)
		m.Set("deleted_at", types.NowDateTime())
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	unreadable := reportScenario(t, "a message of a room one may not read", http.MethodPost, "/api/chat/message/msgbobroom00001/report/", `{"reason":"spam"}`, testutil.CarolEmail, 404,
		testutil.BodyIs(`{"detail":"Not found."}`), count("reports", nil, 0))
	unreadable.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		room := testutil.MustSave(t, app, "rooms", map[string]any{"name": "bob's", "owner": testutil.BobId})
		testutil.MustSave(t, app, "messages", map[string]any{"id": "msgbobroom00001", "room": room.Id, "sender": testutil.BobId, "message": "hi"})
	}
	scenarios = append(scenarios, third, second, again, blocked, hiddenMsg, deleted, unreadable,
		reportScenario(t, "one's own message", http.MethodPost, url, `{"reason":"spam"}`, testutil.BobEmail, 400,
			testutil.BodyIs(`{"detail":"You cannot report your own message."}`), count("reports", nil, 0)),
		reportScenario(t, "unknown message", http.MethodPost, "/api/chat/message/nosuchmessage01/report/", `{"reason":"spam"}`, testutil.CarolEmail, 404,
			testutil.BodyIs(`{"detail":"Not found."}`)),
		reportScenario(t, "no reason", http.MethodPost, url, `{}`, testutil.CarolEmail, 400,
			testutil.BodyIs(`{"reason":["This field is required."]}`), count("reports", nil, 0)),
		reportScenario(t, "blank reason", http.MethodPost, url, `{"reason":"  "}`, testutil.CarolEmail, 400,
			testutil.BodyIs(`{"reason":["This field may not be blank."]}`), count("reports", nil, 0)),
		reportScenario(t, "reason not a string", http.MethodPost, url, `{"reason":5}`, testutil.CarolEmail, 400,
			testutil.BodyIs(`{"reason":["Not a valid string."]}`), count("reports", nil, 0)),
		reportScenario(t, "reason too long", http.MethodPost, url, `{"reason":"`+strings.Repeat("가", 501)+`"}`, testutil.CarolEmail, 400,
			testutil.BodyIs(`{"reason":["Ensure this field has no more than 500 characters."]}`), count("reports", nil, 0)),
		reportScenario(t, "malformed JSON", http.MethodPost, url, `{"reason":`, testutil.CarolEmail, 400,
			testutil.Keys("detail"), count("reports", nil, 0)),
	)
	scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, url, `{"reason":"spam"}`, count("reports", nil, 0))...)
	testutil.Run(t, scenarios)
}

// TestReportRecordAPI: reports stored through the SDK get their room and
// status from the hook, hide the message at the third, and one's own
// message cannot be reported there either.
func TestReportRecordAPI(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app := c.App
	for i, email := range []string{testutil.CarolEmail, testutil.DaveEmail, testutil.AliceEmail} {
		res := c.Send(http.MethodPost, "/api/collections/reports/records",
			map[string]any{"message": testutil.MessageId, "reason": "spam"}, testutil.Token(t, app, email))
		if res.Status != http.StatusOK {
			t.Fatalf("%s reports: %d %s", email, res.Status, res.Body)
		}
		r := testutil.MustFind(t, app, "reports", res.JSON(t)["id"].(string))
		testutil.ExpectField(t, r, "room", fixtureRoom(t, app).Id)
		testutil.ExpectField(t, r, "status", "open")
		testutil.ExpectField(t, testutil.MustFind(t, app, "messages", testutil.MessageId), "hidden", i == 2)
	}
	// hidden now: carol lists it no more; bob (its sender) and alice (moderator) do
	one := "/api/collections/messages/records/" + testutil.MessageId
	for email, want := range map[string]int{testutil.CarolEmail: 404, testutil.BobEmail: 200, testutil.AliceEmail: 200} {
		if got := c.Send(http.MethodGet, one, nil, testutil.Token(t, app, email)).Status; got != want {
			t.Errorf("%s views the hidden message: %d, want %d", email, got, want)
		}
	}
	res := c.Send(http.MethodPost, "/api/collections/reports/records",
		map[string]any{"message": testutil.MessageId, "reason": "mine"}, testutil.Token(t, app, testutil.BobEmail))
	if res.Status != http.StatusBadRequest {
		t.Errorf("bob reports his own message with the SDK: %d %s", res.Status, res.Body)
	}
}

var itemKeys = []string{"id", "message", "room", "reporter", "reason", "status", "reports", "created_at", "resolved_by", "resolution"}

// queueIs checks the queue's count and its results' report ids, in order.
func queueIs(count int, ids ...string) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		page := testutil.DecodeObject(t, body)
		testutil.AssertKeys(t, "page", page, testutil.Exactly, "count", "results")
		if int(page["count"].(float64)) != count {
			t.Errorf("count %v, want %d", page["count"], count)
		}
		results, _ := page["results"].([]any)
		if len(results) != len(ids) {
			t.Fatalf("%d results, want %d: %s", len(results), len(ids), body)
		}
		for i, r := range results {
			item := r.(map[string]any)
			testutil.AssertKeys(t, "item", item, testutil.Exactly, itemKeys...)
			if ids[i] != "*" && item["id"] != ids[i] {
				t.Errorf("result %d is %v, want %s", i, item["id"], ids[i])
			}
		}
	}
}

func TestReportQueue(t *testing.T) {
	t.Parallel()
	const queue = "/api/moderation/reports/"
	// three reports hide bob's message; an older one of alice's message is resolved
	setup := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		room := fixtureRoom(t, app)
		testutil.MustSave(t, app, "messages", map[string]any{"id": "msgalice0000001", "room": room.Id, "sender": testutil.AliceId, "message": "alice's"})
		old := testutil.MustSave(t, app, "reports", map[string]any{"id": "rptold000000001", "message": "msgalice0000001", "reporter": testutil.BobId, "reason": "meh"})
		old.Set("status", "dismissed")
		if err := app.Save(old); err != nil {
			t.Fatal(err)
		}
		// "created" is an autodate field (record saves keep it): set the
		// times apart in SQL, so "newest first" is decided by them
		backdate := func(id string, by time.Duration) {
			_, err := app.DB().NewQuery("UPDATE reports SET created = {:c} WHERE id = {:id}").
				Bind(dbx.Params{"c": types.NowDateTime().Add(by).String(), "id": id}).Execute()
			if err != nil {
				t.Fatal(err)
			}
		}
		backdate(old.Id, -time.Hour)
		for i, id := range []string{testutil.CarolId, testutil.DaveId, testutil.AliceId} {
			r := testutil.MustSave(t, app, "reports", map[string]any{"id": "rpt00000000000" + string(rune('1'+i)), "message": testutil.MessageId, "reporter": id, "reason": "spam"})
			backdate(r.Id, time.Duration(i)*time.Minute-time.Hour/2)
		}
	}
	get := func(name, url, email string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := reportScenario(t, name, http.MethodGet, url, "", email, status, checks...)
		s.BeforeTestFunc = setup
		return s
	}
	newest := []string{"rpt000000000003", "rpt000000000002", "rpt000000000001"}
	all := append(append([]string{}, newest...), "rptold000000001")

	ownerView := get("alice (the room's owner) sees her room's reports, newest first", queue, testutil.AliceEmail, 200,
		queueIs(4, all...),
		func(t testing.TB, app *tests.TestApp, body []byte) {
			item := testutil.DecodeObject(t, body)["results"].([]any)[0].(map[string]any)
			msg := item["message"].(map[string]any)
			// the moderator sees the hidden message's text
			if msg["id"] != testutil.MessageId || msg["message"] != "안녕하세요!" || msg["hidden"] != true {
				t.Errorf("message object %v", msg)
			}
			rep := item["reporter"].(map[string]any)
			if rep["id"] != testutil.AliceId || rep["nickname"] != "alice" || len(rep) != 2 {
				t.Errorf("reporter %v", rep)
			}
			if item["reports"] != 3.0 || item["status"] != "open" || item["resolved_by"] != nil || item["resolution"] != nil || item["room"] != fixtureRoom(t, app).Id {
				t.Errorf("item %v", item)
			}
		})
	ownerView.ExpectedEvents = map[string]int{"*": 0}
	appointed := get("an appointed moderator sees them", queue+"?status=open", testutil.DaveEmail, 200, queueIs(3, newest...))
	appointed.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		setup(t, app, e)
		testutil.MustSave(t, app, "room_moderators", map[string]any{"room": fixtureRoom(t, app).Id, "user": testutil.DaveId})
	}
	scenarios := []tests.ApiScenario{
		ownerView,
		appointed,
		get("without the trailing slash", strings.TrimSuffix(queue, "/"), testutil.AliceEmail, 200, queueIs(4, all...)),
		get("?status=dismissed", queue+"?status=dismissed", testutil.AliceEmail, 200, queueIs(1, "rptold000000001")),
		get("paginated", queue+"?page=2&page_size=2", testutil.AliceEmail, 200, queueIs(4, "rpt000000000001", "rptold000000001")),
		get("a superuser sees every room's", queue+"?status=open", testutil.SuperuserEmail, 200, queueIs(3, newest...)),
		get("a member who moderates no room", queue, testutil.CarolEmail, 403, testutil.BodyIs(`{"detail":"You do not moderate any room."}`)),
		get("bad status", queue+"?status=closed", testutil.AliceEmail, 400, testutil.BodyIs(`{"status":["\"closed\" is not a valid choice."]}`)),
		get("bad page", queue+"?page=0", testutil.AliceEmail, 400, testutil.Keys("page")),
		get("unknown room", queue+"?room=nosuchroom00001", testutil.AliceEmail, 404, testutil.BodyIs(`{"detail":"Not found."}`)),
	}
	roomScoped := func(name, email string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := get(name, queue, email, status, checks...)
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			setup(t, app, e)
		}
		return s
	}
	// the post room's id is the same in every copy of the fixture
	app := testutil.NewApp(t)
	roomId := fixtureRoom(t, app).Id
	for _, s := range []tests.ApiScenario{
		roomScoped("?room= of the moderator's room", testutil.AliceEmail, 200, queueIs(4, all...)),
		roomScoped("?room= of a room carol reads but does not moderate", testutil.CarolEmail, 403, testutil.BodyIs(`{"detail":"You do not moderate this room."}`)),
	} {
		s.URL = queue + "?room=" + roomId
		scenarios = append(scenarios, s)
	}
	scenarios = append(scenarios, testutil.CredentialRejections(http.MethodGet, queue, "")...)
	testutil.Run(t, scenarios)
}

func TestReportResolve(t *testing.T) {
	t.Parallel()
	const first = "rpt000000000001"
	url := "/api/moderation/reports/" + first + "/resolve/"
	setup := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		for i, id := range []string{testutil.CarolId, testutil.DaveId, testutil.AliceId} {
			testutil.MustSave(t, app, "reports", map[string]any{"id": "rpt00000000000" + string(rune('1'+i)), "message": testutil.MessageId, "reporter": id, "reason": "spam"})
		}
	}
	resolve := func(name, body, email string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := reportScenario(t, name, http.MethodPost, url, body, email, status, checks...)
		s.BeforeTestFunc = setup
		return s
	}
	resolvedAs := func(status, by, action string) testutil.Check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			item := testutil.DecodeObject(t, body)
			testutil.AssertKeys(t, "report", item, testutil.Exactly, itemKeys...)
			var wantBy any = by
			if by == "" {
				wantBy = nil
			}
			if item["id"] != first || item["status"] != status || item["resolved_by"] != wantBy || item["resolution"] != action || item["reports"] != 0.0 {
				t.Errorf("answer %s", body)
			}
			testutil.ExpectCount(t, app, "reports", dbx.HashExp{"status": status, "resolved_by": by, "resolution": action}, 3)
			testutil.ExpectCount(t, app, "moderation_log", dbx.HashExp{"action": "resolve_report", "actor": by, "target": testutil.BobId, "message": testutil.MessageId}, 1)
			log, err := app.FindFirstRecordByFilter("moderation_log", "action = 'resolve_report'")
			if err != nil {
				t.Fatal(err)
			}
			if d := log.GetString("detail"); !strings.Contains(d, `"report":"`+first+`"`) || !strings.Contains(d, `"action":"`+action+`"`) {
				t.Errorf("log detail %s", d)
			}
		}
	}
	message := func(check func(t testing.TB, m *core.Record)) testutil.Check {
		return testutil.State(func(t testing.TB, app *tests.TestApp) {
			t.Helper()
			check(t, testutil.MustFind(t, app, "messages", testutil.MessageId))
		})
	}
	unchanged := testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		testutil.ExpectCount(t, app, "reports", dbx.HashExp{"status": "open"}, 3)
		testutil.ExpectCount(t, app, "moderation_log", dbx.HashExp{"action": "resolve_report"}, 0)
		testutil.ExpectCount(t, app, "room_mutes", nil, 0)
		testutil.ExpectCount(t, app, "room_bans", nil, 0)
	})

	dismiss := resolve("dismiss shows the message again", `{"action":"dismiss","reason":"fine"}`, testutil.AliceEmail, 200,
		resolvedAs("dismissed", testutil.AliceId, "dismiss"),
		message(func(t testing.TB, m *core.Record) {
			testutil.ExpectField(t, m, "hidden", false)
			testutil.ExpectField(t, m, "message", "안녕하세요!")
		}))
	dismiss.ExpectedEvents = testutil.WriteEvents(1, 4, 0) // the log row; the message, three reports
	del := resolve("delete: a moderator's soft delete", `{"action":"delete"}`, testutil.AliceEmail, 200,
		resolvedAs("actioned", testutil.AliceId, "delete"),
		message(func(t testing.TB, m *core.Record) {
			if m.GetDateTime("deleted_at").IsZero() || m.GetString("deleted_by") != testutil.AliceId || m.GetString("message") != "" {
				t.Errorf("message after delete: %v", m.FieldsData())
			}
		}))
	mute := resolve("mute for 10 minutes", `{"action":"mute","minutes":10,"reason":"cool off"}`, testutil.AliceEmail, 200,
		resolvedAs("actioned", testutil.AliceId, "mute"),
		testutil.State(func(t testing.TB, app *tests.TestApp) {
			r, err := app.FindFirstRecordByFilter("room_mutes", "user = {:u}", dbx.Params{"u": testutil.BobId})
			if err != nil {
				t.Fatal("no mute row")
			}
			until := r.GetDateTime("until").Time()
			if d := time.Until(until); d < 9*time.Minute || d > 11*time.Minute || r.GetString("by") != testutil.AliceId || r.GetString("reason") != "cool off" {
				t.Errorf("mute row %v", r.FieldsData())
			}
		}))
	ban := resolve("ban for good, by a superuser", `{"action":"ban"}`, testutil.SuperuserEmail, 200,
		resolvedAs("actioned", "", "ban"),
		testutil.State(func(t testing.TB, app *tests.TestApp) {
			r, err := app.FindFirstRecordByFilter("room_bans", "user = {:u}", dbx.Params{"u": testutil.BobId})
			if err != nil {
				t.Fatal("no ban row")
			}
			if !r.GetDateTime("until").IsZero() || r.GetString("by") != "" {
				t.Errorf("ban row %v", r.FieldsData())
			}
		}))
	// (the moderation hooks of room_mutes, room_bans and deleted_by may log more rows)
	del.ExpectedEvents = testutil.WriteEvents(2, 4, 0)  // its version and the log row; the message, three reports
	mute.ExpectedEvents = testutil.WriteEvents(3, 3, 0) // the mute, its "mute" log row and the "resolve_report" one; three reports
	ban.ExpectedEvents = testutil.WriteEvents(3, 3, 0)  // the ban, its "ban" log row and the "resolve_report" one; three reports
	appointedOnModerator := resolve("an appointed moderator cannot mute another", `{"action":"mute"}`, testutil.DaveEmail, 403,
		testutil.BodyIs(`{"detail":"You cannot moderate this member."}`), unchanged)
	appointedOnModerator.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		setup(t, app, e)
		room := fixtureRoom(t, app)
		testutil.MustSave(t, app, "room_moderators", map[string]any{"room": room.Id, "user": testutil.DaveId})
		testutil.MustSave(t, app, "room_moderators", map[string]any{"room": room.Id, "user": testutil.BobId})
	}
	resolved := resolve("already resolved", `{"action":"dismiss"}`, testutil.AliceEmail, 400,
		testutil.BodyIs(`{"detail":"This report is already resolved."}`))
	resolved.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		setup(t, app, e)
		r := testutil.MustFind(t, app, "reports", first)
		r.Set("status", "dismissed")
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}

	scenarios := []tests.ApiScenario{dismiss, del, mute, ban, appointedOnModerator, resolved,
		at(strings.TrimSuffix(url, "/"), resolve("without the trailing slash", `{"action":"dismiss"}`, testutil.AliceEmail, 200, resolvedAs("dismissed", testutil.AliceId, "dismiss"))),
		resolve("carol does not moderate the room", `{"action":"dismiss"}`, testutil.CarolEmail, 403,
			testutil.BodyIs(`{"detail":"You do not moderate this room."}`), unchanged),
		resolve("nor does bob, the sender", `{"action":"dismiss"}`, testutil.BobEmail, 403,
			testutil.BodyIs(`{"detail":"You do not moderate this room."}`), unchanged),
		at("/api/moderation/reports/nosuchreport01/resolve/", resolve("unknown report", `{"action":"dismiss"}`, testutil.AliceEmail, 404, testutil.BodyIs(`{"detail":"Not found."}`), unchanged)),
		resolve("no action", `{}`, testutil.AliceEmail, 400, testutil.BodyIs(`{"action":["This field is required."]}`), unchanged),
		resolve("unknown action", `{"action":"warn"}`, testutil.AliceEmail, 400, testutil.BodyIs(`{"action":["\"warn\" is not a valid choice."]}`), unchanged),
		resolve("minutes 0", `{"action":"mute","minutes":0}`, testutil.AliceEmail, 400,
			testutil.BodyIs(`{"minutes":["Ensure this value is greater than or equal to 1."]}`), unchanged),
		resolve("minutes over a year", `{"action":"mute","minutes":525601}`, testutil.AliceEmail, 400,
			testutil.BodyIs(`{"minutes":["Ensure this value is less than or equal to 525600."]}`), unchanged),
		resolve("minutes not a number", `{"action":"mute","minutes":"soon"}`, testutil.AliceEmail, 400,
			testutil.BodyIs(`{"minutes":["A valid integer is required."]}`), unchanged),
		resolve("reason too long", `{"action":"dismiss","reason":"`+strings.Repeat("a", 501)+`"}`, testutil.AliceEmail, 400,
			testutil.BodyIs(`{"reason":["Ensure this field has no more than 500 characters."]}`), unchanged),
	}
	// the owner's own message: nobody mutes the room's owner
	ownerMsg := reportScenario(t, "the room's owner cannot be muted", http.MethodPost, "/api/moderation/reports/rptowner0000001/resolve/", `{"action":"mute"}`, testutil.SuperuserEmail, 403,
		testutil.BodyIs(`{"detail":"You cannot moderate this member."}`))
	ownerMsg.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		testutil.MustSave(t, app, "messages", map[string]any{"id": "msgalice0000001", "room": fixtureRoom(t, app).Id, "sender": testutil.AliceId, "message": "alice's"})
		testutil.MustSave(t, app, "reports", map[string]any{"id": "rptowner0000001", "message": "msgalice0000001", "reporter": testutil.BobId, "reason": "meh"})
	}
	scenarios = append(scenarios, ownerMsg)
	for _, s := range testutil.CredentialRejections(http.MethodPost, url, `{"action":"dismiss"}`, unchanged) {
		s.BeforeTestFunc = setup
		scenarios = append(scenarios, s)
	}
	testutil.Run(t, scenarios)
}

// at is s sent to url.
func at(url string, s tests.ApiScenario) tests.ApiScenario {
	s.URL = url
	return s
}
