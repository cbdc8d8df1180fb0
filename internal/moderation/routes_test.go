package moderation_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

const (
	notModeratorBody   = `{"detail":"You do not moderate this room."}`
	cannotModerateBody = `{"detail":"You cannot moderate this member."}`
	ownerOnlyBody      = `{"detail":"Only the room's owner appoints its moderators."}`
	userRequiredBody   = `{"user":["This field is required."]}`
)

var (
	A, B, C, D = testutil.AliceId, testutil.BobId, testutil.CarolId, testutil.DaveId
)

// every route: 401 without (valid) credentials, before anything else
func TestModerationRoutesNeedAuth(t *testing.T) {
	t.Parallel()
	room := roomId(t)
	var all []tests.ApiScenario
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "moderators", ""},
		{http.MethodPost, "moderators", `{"user":"` + C + `"}`},
		{http.MethodDelete, "moderators", `{"user":"` + C + `"}`},
		{http.MethodPost, "mute", `{"user":"` + B + `"}`},
		{http.MethodDelete, "mute", `{"user":"` + B + `"}`},
		{http.MethodPost, "kick", `{"user":"` + B + `"}`},
		{http.MethodPost, "ban", `{"user":"` + B + `"}`},
		{http.MethodDelete, "ban", `{"user":"` + B + `"}`},
		{http.MethodGet, "log", ""},
	} {
		for _, u := range testutil.Spellings("/api/chat/room/" + room + "/" + r.path + "/") {
			for _, s := range testutil.CredentialRejections(r.method, u, r.body) {
				s.ExpectedEvents = noWrites
				all = append(all, s)
			}
		}
	}
	testutil.Run(t, all)
}

func TestModeratorsRoutes(t *testing.T) {
	t.Parallel()
	owner := func(t testing.TB) string {
		return fmt.Sprintf(`{"id":%q,"nickname":"alice","profile_picture_url":null,"appointed":false}`, A)
	}(t)
	carolEntry := fmt.Sprintf(`{"id":%q,"nickname":"carol","profile_picture_url":null,"appointed":true}`, C)
	appointed := testutil.WriteEvents(2, 0, 0) // the row and its log entry
	dismissed := testutil.WriteEvents(1, 0, 1)
	run(t,
		scenario{name: "a reader lists them: the owner first", method: "GET", path: "moderators/", headers: bob(t),
			setup: []string{"carol moderates"}, status: 200, want: "[" + owner + "," + carolEntry + "]", events: noWrites},
		scenario{name: "without the trailing slash", method: "GET", path: "moderators", headers: dave(t),
			status: 200, want: "[" + owner + "]", events: noWrites},
		scenario{name: "a superuser lists them", method: "GET", path: "moderators/", headers: superuser(t),
			status: 200, want: "[" + owner + "]", events: noWrites},
		scenario{name: "an unreadable room is 404", method: "GET", path: "/api/chat/room/" + daveRoomId + "/moderators/", headers: alice(t),
			status: 404, want: testutil.NotFoundBody, events: noWrites},
		scenario{name: "an unknown room is 404", method: "GET", path: "/api/chat/room/nosuchroom00000/moderators/", headers: alice(t),
			status: 404, want: testutil.NotFoundBody, events: noWrites},

		scenario{name: "the owner appoints carol", method: "POST", path: "moderators/", headers: alice(t), body: `{"user":"` + C + `"}`,
			status: 201, want: carolEntry, events: appointed,
			checks: []testutil.Check{stored("room_moderators", C, 1), logged("appoint " + A + " " + C + "  {}")}},
		scenario{name: "by e-mail, in any letter case", method: "POST", path: "moderators", headers: alice(t), body: `{"email":"CAROL@example.com"}`,
			status: 201, want: carolEntry, events: appointed, checks: []testutil.Check{stored("room_moderators", C, 1)}},
		scenario{name: "again: 200, nothing stored", method: "POST", path: "moderators/", headers: alice(t), body: `{"user":"` + C + `"}`,
			setup: []string{"carol moderates"}, status: 200, want: carolEntry, events: noWrites,
			checks: []testutil.Check{stored("room_moderators", C, 1), logged("appoint " + A + " " + C + "  {}")}},
		scenario{name: "a superuser appoints", method: "POST", path: "moderators/", headers: superuser(t), body: `{"user":"` + C + `"}`,
			status: 201, want: carolEntry, events: appointed, checks: []testutil.Check{logged("appoint - " + C + "  {}")}},
		scenario{name: "an appointed moderator may not appoint", method: "POST", path: "moderators/", headers: carol(t), body: `{"user":"` + D + `"}`,
			setup: []string{"carol moderates"}, status: 403, want: ownerOnlyBody, events: noWrites, checks: []testutil.Check{stored("room_moderators", D, 0)}},
		scenario{name: "a member who does not moderate", method: "POST", path: "moderators/", headers: bob(t), body: `{"user":"` + D + `"}`,
			status: 403, want: notModeratorBody, events: noWrites, checks: []testutil.Check{stored("room_moderators", D, 0)}},
		scenario{name: "the owner of another room is powerless here", method: "POST", path: "moderators/", headers: dave(t), body: `{"user":"` + D + `"}`,
			status: 403, want: notModeratorBody, events: noWrites},
		scenario{name: "the owner cannot appoint themselves", method: "POST", path: "moderators/", headers: alice(t), body: `{"user":"` + A + `"}`,
			status: 403, want: cannotModerateBody, events: noWrites},
		scenario{name: "an unknown member is 404", method: "POST", path: "moderators/", headers: alice(t), body: `{"user":"nosuchuser00000"}`,
			status: 404, want: testutil.NotFoundBody, events: noWrites},
		scenario{name: "an unknown e-mail is 404", method: "POST", path: "moderators/", headers: alice(t), body: `{"email":"nobody@example.com"}`,
			status: 404, want: testutil.NotFoundBody, events: noWrites},
		scenario{name: "nobody named", method: "POST", path: "moderators/", headers: alice(t), body: `{}`,
			status: 400, want: userRequiredBody, events: noWrites},
		scenario{name: "a null user", method: "POST", path: "moderators/", headers: alice(t), body: `{"user":null}`,
			status: 400, want: userRequiredBody, events: noWrites},
		scenario{name: "a user that is not a string", method: "POST", path: "moderators/", headers: alice(t), body: `{"user":12}`,
			status: 400, want: `{"user":["Not a valid string."]}`, events: noWrites},

		scenario{name: "the owner dismisses carol", method: "DELETE", path: "moderators/", headers: alice(t), body: `{"user":"` + C + `"}`,
			setup: []string{"carol moderates"}, status: 204, events: dismissed,
			checks: []testutil.Check{stored("room_moderators", C, 0), logged("appoint "+A+" "+C+"  {}", "dismiss_moderator "+A+" "+C+"  {}")}},
		scenario{name: "carol may not dismiss herself", method: "DELETE", path: "moderators/", headers: carol(t), body: `{"user":"` + C + `"}`,
			setup: []string{"carol moderates"}, status: 403, want: ownerOnlyBody, events: noWrites, checks: []testutil.Check{stored("room_moderators", C, 1)}},
		scenario{name: "bob may not dismiss carol", method: "DELETE", path: "moderators/", headers: bob(t), body: `{"user":"` + C + `"}`,
			setup: []string{"carol moderates"}, status: 403, want: notModeratorBody, events: noWrites, checks: []testutil.Check{stored("room_moderators", C, 1)}},
	)
}

var untilRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// sanctionBody checks a mute or ban answer, its until about minutes from
// now (0: null).
func sanctionBody(user, reason, by string, minutes int) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		obj := testutil.DecodeObject(t, body)
		testutil.AssertKeys(t, "answer", obj, testutil.Exactly, "room", "user", "until", "reason", "by")
		var wantBy any = by
		if by == "" {
			wantBy = nil
		}
		if obj["room"] != roomId(t) || obj["user"] != user || obj["reason"] != reason || obj["by"] != wantBy {
			t.Errorf("answer %s", body)
		}
		if minutes == 0 {
			if obj["until"] != nil {
				t.Errorf("until = %v, want null", obj["until"])
			}
			return
		}
		s, _ := obj["until"].(string)
		until, err := time.Parse(time.RFC3339, s)
		if !untilRe.MatchString(s) || err != nil {
			t.Fatalf("until %q", s)
		}
		if d := time.Until(until) - time.Duration(minutes)*time.Minute; d > 0 || d < -time.Minute {
			t.Errorf("until %s is not %d minutes from now", s, minutes)
		}
	}
}

func TestMuteRoutes(t *testing.T) {
	t.Parallel()
	muted := testutil.WriteEvents(2, 0, 0)
	refused := func(name string, headers map[string]string, body string, status int, want string, steps ...string) scenario {
		return scenario{name: name, method: "POST", path: "mute/", headers: headers, body: body, setup: steps,
			status: status, want: want, events: noWrites}
	}
	run(t,
		scenario{name: "the owner mutes bob for 10 minutes", method: "POST", path: "mute/", headers: alice(t),
			body: `{"user":"` + B + `","minutes":10,"reason":"spam"}`, status: 200, events: muted,
			checks: []testutil.Check{sanctionBody(B, "spam", A, 10), stored("room_mutes", B, 1), logged("mute " + A + " " + B + ` spam {"minutes":10}`)}},
		scenario{name: "for good, by e-mail", method: "POST", path: "mute", headers: alice(t),
			body: `{"email":"bob@example.com"}`, status: 200, events: muted,
			checks: []testutil.Check{sanctionBody(B, "", A, 0), stored("room_mutes", B, 1), logged("mute " + A + " " + B + `  {"minutes":null}`)}},
		scenario{name: "muting again replaces until and reason", method: "POST", path: "mute/", headers: alice(t),
			body: `{"user":"` + B + `","minutes":5,"reason":"again"}`, setup: []string{"bob muted"}, status: 200, events: testutil.WriteEvents(1, 1, 0),
			checks: []testutil.Check{sanctionBody(B, "again", A, 5), stored("room_mutes", B, 1),
				logged("mute "+A+" "+B+` old {"minutes":`+minutesTo2999()+`}`, "mute "+A+" "+B+` again {"minutes":5}`)}},
		scenario{name: "an appointed moderator mutes bob", method: "POST", path: "mute/", headers: carol(t),
			body: `{"user":"` + B + `","minutes":1}`, setup: []string{"carol moderates"}, status: 200, events: muted,
			checks: []testutil.Check{sanctionBody(B, "", C, 1), stored("room_mutes", B, 1)}},
		scenario{name: "a superuser mutes bob", method: "POST", path: "mute/", headers: superuser(t),
			body: `{"user":"` + B + `","minutes":525600}`, status: 200, events: muted,
			checks: []testutil.Check{sanctionBody(B, "", "", 525600), logged("mute - " + B + `  {"minutes":525600}`)}},
		scenario{name: "the owner may mute an appointed moderator", method: "POST", path: "mute/", headers: alice(t),
			body: `{"user":"` + C + `"}`, setup: []string{"carol moderates"}, status: 200, events: muted, checks: []testutil.Check{stored("room_mutes", C, 1)}},

		refused("bob does not moderate", bob(t), `{"user":"`+D+`"}`, 403, notModeratorBody),
		refused("dave moderates his own room only", dave(t), `{"user":"`+B+`"}`, 403, notModeratorBody),
		refused("a moderator cannot mute the owner", carol(t), `{"user":"`+A+`"}`, 403, cannotModerateBody, "carol moderates"),
		refused("nor another moderator", carol(t), `{"user":"`+D+`"}`, 403, cannotModerateBody, "carol moderates", "dave moderates"),
		refused("nor themselves", carol(t), `{"user":"`+C+`"}`, 403, cannotModerateBody, "carol moderates"),
		refused("the owner cannot mute themselves", alice(t), `{"user":"`+A+`"}`, 403, cannotModerateBody),
		refused("a room one cannot read is 404", alice(t), `{"user":"`+B+`"}`, 404, testutil.NotFoundBody).at("/api/chat/room/"+daveRoomId+"/mute/"),
		refused("an unknown room is 404", alice(t), `{"user":"`+B+`"}`, 404, testutil.NotFoundBody).at("/api/chat/room/nosuchroom00000/mute/"),
		refused("an unknown member is 404", alice(t), `{"user":"nosuchuser00000"}`, 404, testutil.NotFoundBody),
		refused("nobody named", alice(t), `{"minutes":5}`, 400, userRequiredBody),
		refused("0 minutes", alice(t), `{"user":"`+B+`","minutes":0}`, 400, `{"minutes":["Ensure this value is greater than or equal to 1."]}`),
		refused("over a year", alice(t), `{"user":"`+B+`","minutes":525601}`, 400, `{"minutes":["Ensure this value is less than or equal to 525600."]}`),
		refused("a fraction", alice(t), `{"user":"`+B+`","minutes":1.5}`, 400, `{"minutes":["A valid integer is required."]}`),
		refused("a word", alice(t), `{"user":"`+B+`","minutes":"soon"}`, 400, `{"minutes":["A valid integer is required."]}`),
		refused("a reason too long", alice(t), `{"user":"`+B+`","reason":"`+strings.Repeat("가", 501)+`"}`, 400, `{"reason":["Ensure this field has no more than 500 characters."]}`),
		refused("a list body", alice(t), `[]`, 400, testutil.ListBodyError),

		scenario{name: "the owner lifts bob's mute", method: "DELETE", path: "mute/", headers: alice(t), body: `{"user":"` + B + `"}`,
			setup: []string{"bob muted"}, status: 204, events: testutil.WriteEvents(1, 0, 1),
			checks: []testutil.Check{stored("room_mutes", B, 0), logged("mute "+A+" "+B+` old {"minutes":`+minutesTo2999()+`}`, "unmute "+A+" "+B+"  {}")}},
		scenario{name: "lifting no mute is 204 too", method: "DELETE", path: "mute/", headers: alice(t), body: `{"user":"` + B + `"}`,
			status: 204, events: noWrites, checks: []testutil.Check{logged()}},
		scenario{name: "bob cannot lift his own mute", method: "DELETE", path: "mute/", headers: bob(t), body: `{"user":"` + B + `"}`,
			setup: []string{"bob muted"}, status: 403, want: notModeratorBody, events: noWrites, checks: []testutil.Check{stored("room_mutes", B, 1)}},
	)
}

func (s scenario) at(path string) scenario { s.path = path; return s }

// minutesTo2999 is the logged length of the fixture mute (until 2999).
func minutesTo2999() string {
	until, _ := time.Parse(time.RFC3339, "2999-01-01T00:00:00Z")
	return fmt.Sprint(int(time.Until(until).Round(time.Minute).Minutes()))
}

func TestBanRoutes(t *testing.T) {
	t.Parallel()
	run(t,
		scenario{name: "the owner bans bob for an hour", method: "POST", path: "ban/", headers: alice(t),
			body: `{"user":"` + B + `","minutes":60,"reason":"abuse"}`, status: 200, events: testutil.WriteEvents(2, 0, 0),
			checks: []testutil.Check{sanctionBody(B, "abuse", A, 60), stored("room_bans", B, 1), logged("ban " + A + " " + B + ` abuse {"minutes":60}`)}},
		scenario{name: "for good", method: "POST", path: "ban", headers: alice(t),
			body: `{"user":"` + B + `","minutes":null}`, status: 200, events: testutil.WriteEvents(2, 0, 0),
			checks: []testutil.Check{sanctionBody(B, "", A, 0), stored("room_bans", B, 1)}},
		scenario{name: "bob does not moderate", method: "POST", path: "ban/", headers: bob(t), body: `{"user":"` + D + `"}`,
			status: 403, want: notModeratorBody, events: noWrites, checks: []testutil.Check{stored("room_bans", D, 0)}},
		scenario{name: "a moderator cannot ban another", method: "POST", path: "ban/", headers: dave(t), body: `{"user":"` + C + `"}`,
			setup: []string{"carol moderates", "dave moderates"}, status: 403, want: cannotModerateBody, events: noWrites},
		scenario{name: "bad minutes", method: "POST", path: "ban/", headers: alice(t), body: `{"user":"` + B + `","minutes":-3}`,
			status: 400, want: `{"minutes":["Ensure this value is greater than or equal to 1."]}`, events: noWrites},

		scenario{name: "the owner lifts bob's ban", method: "DELETE", path: "ban/", headers: alice(t), body: `{"user":"` + B + `"}`,
			setup: []string{"bob banned"}, status: 204, events: testutil.WriteEvents(1, 0, 1),
			checks: []testutil.Check{stored("room_bans", B, 0), logged("ban "+A+" "+B+` old {"minutes":null}`, "unban "+A+" "+B+"  {}")}},
		scenario{name: "banned bob cannot lift his ban: the room is 404 to him", method: "DELETE", path: "ban/", headers: bob(t), body: `{"user":"` + B + `"}`,
			setup: []string{"bob banned"}, status: 404, want: testutil.NotFoundBody, events: noWrites, checks: []testutil.Check{stored("room_bans", B, 1)}},
		scenario{name: "nor through the record API", method: "DELETE", path: "/api/collections/room_bans/records/banbob000000001", headers: bob(t),
			setup: []string{"bob banned"}, status: 404, events: map[string]int{"*": 0},
			checks: []testutil.Check{stored("room_bans", B, 1)}},
		scenario{name: "nor lists the room's moderators", method: "GET", path: "moderators/", headers: bob(t),
			setup: []string{"bob banned"}, status: 404, want: testutil.NotFoundBody, events: noWrites},
	)
}

func TestKickRoute(t *testing.T) {
	t.Parallel()
	run(t,
		scenario{name: "the owner kicks bob (not connected)", method: "POST", path: "kick/", headers: alice(t),
			body: `{"user":"` + B + `","reason":"calm down"}`, status: 200, want: `{"closed":0}`, events: testutil.WriteEvents(1, 0, 0),
			checks: []testutil.Check{logged("kick " + A + " " + B + " calm down {}")}},
		scenario{name: "a superuser kicks", method: "POST", path: "kick", headers: superuser(t),
			body: `{"email":"bob@example.com"}`, status: 200, want: `{"closed":0}`, events: testutil.WriteEvents(1, 0, 0),
			checks: []testutil.Check{logged("kick - " + B + "  {}")}},
		scenario{name: "bob does not moderate", method: "POST", path: "kick/", headers: bob(t), body: `{"user":"` + D + `"}`,
			status: 403, want: notModeratorBody, events: noWrites, checks: []testutil.Check{logged()}},
		scenario{name: "dave is powerless here", method: "POST", path: "kick/", headers: dave(t), body: `{"user":"` + B + `"}`,
			status: 403, want: notModeratorBody, events: noWrites},
		scenario{name: "not the owner", method: "POST", path: "kick/", headers: carol(t), body: `{"user":"` + A + `"}`,
			setup: []string{"carol moderates"}, status: 403, want: cannotModerateBody, events: noWrites},
		scenario{name: "a reason too long", method: "POST", path: "kick/", headers: alice(t), body: `{"user":"` + B + `","reason":"` + strings.Repeat("x", 501) + `"}`,
			status: 400, want: `{"reason":["Ensure this field has no more than 500 characters."]}`, events: noWrites},
	)
}

// the record API and the dashboard are logged too, by the hooks
func TestRecordAPIActionsAreLogged(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	app, room := c.App, roomId(t)
	aliceToken, bobToken := testutil.Token(t, app, testutil.AliceEmail), testutil.Token(t, app, testutil.BobEmail)
	res := c.Send(http.MethodPost, "/api/collections/room_mutes/records", map[string]any{"room": room, "user": B, "reason": "sdk"}, aliceToken)
	if res.Status != 200 {
		t.Fatalf("SDK mute: %d %s", res.Status, res.Body)
	}
	id := res.JSON(t)["id"].(string)
	if got := c.Send(http.MethodDelete, "/api/collections/room_mutes/records/"+id, nil, bobToken).Status; got != 404 {
		t.Errorf("bob lifts his mute through the SDK: %d", got)
	}
	if got := c.Send(http.MethodDelete, "/api/collections/room_mutes/records/"+id, nil, aliceToken).Status; got != 204 {
		t.Errorf("alice lifts it: %d", got)
	}
	testutil.MustSave(t, app, "room_bans", map[string]any{"room": room, "user": D}) // the dashboard: no actor
	logged("mute "+A+" "+B+` sdk {"minutes":null}`, "unmute "+A+" "+B+"  {}", "ban - "+D+`  {"minutes":null}`)(t, app, nil)
}

func TestLogRoute(t *testing.T) {
	t.Parallel()
	check := func(want ...string) testutil.Check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			list := testutil.DecodeList(t, body)
			got := []string{}
			for _, item := range list {
				testutil.AssertKeys(t, "entry", item, testutil.Exactly, "id", "action", "actor", "target", "message", "reason", "detail", "created_at")
				actor, target := "-", "-"
				if a, ok := item["actor"].(map[string]any); ok {
					actor = a["nickname"].(string)
				}
				if a, ok := item["target"].(map[string]any); ok {
					target = a["nickname"].(string)
				}
				got = append(got, fmt.Sprintf("%s %s %s %s", item["action"], actor, target, testutil.JSONOf(item["detail"])))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	base := []string{"carol moderates", "bob banned"}
	newestFirst := []string{`ban alice bob {"minutes":null}`, `appoint alice carol {}`}
	run(t,
		scenario{name: "a moderator reads it, newest first", method: "GET", path: "log/", headers: carol(t), setup: base,
			status: 200, events: noWrites, checks: []testutil.Check{check(newestFirst...)}},
		scenario{name: "paginated", method: "GET", path: "log?page=2&page_size=1", headers: alice(t), setup: base,
			status: 200, events: noWrites, checks: []testutil.Check{check(newestFirst[1])}},
		scenario{name: "a superuser reads it", method: "GET", path: "log/", headers: superuser(t), setup: base,
			status: 200, events: noWrites, checks: []testutil.Check{check(newestFirst...)}},
		scenario{name: "a member who does not moderate may not", method: "GET", path: "log/", headers: dave(t), setup: base,
			status: 403, want: notModeratorBody, events: noWrites},
		scenario{name: "a bad page", method: "GET", path: "log/?page=0", headers: alice(t),
			status: 400, want: `{"page":["A valid positive integer is required."]}`, events: noWrites},
	)
}
