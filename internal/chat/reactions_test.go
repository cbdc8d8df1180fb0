package chat_test

// Reactions through POST /api/chat/message/<id>/reactions/ and the record
// API, and typing through POST /api/chat/room/<id>/typing/: answers,
// refusals and the stored state. Live delivery is in edit_live_test.go.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

const (
	bobRoomMsgId     = "msgbobroom00001" // bob's message in his own room
	bobReactionId    = "reactbob0000001" // bob's 🎉 on the fixture message
	notOneEmojiBody  = `{"emoji":["Enter exactly one emoji."]}`
	tooManyEmojiBody = `{"emoji":["A message may carry at most 20 different reactions."]}`
)

// twentyEmoji are 20 different emoji.
var twentyEmoji = []string{"😀", "😂", "😍", "😎", "😭", "😡", "👍", "👎", "👏", "🙏", "🔥", "💯", "🎉", "❤️", "🤔", "😴", "🥳", "🤯", "👀", "🚀"}

// reactionFixtures: the private rooms, bob's message in his room, and
// bob's 🎉 on the fixture message.
func reactionFixtures(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	makePrivateRooms(t, app)
	testutil.MustSave(t, app, "messages", map[string]any{"id": bobRoomMsgId, "room": bobRoomId, "sender": testutil.BobId, "message": "bob alone"})
	testutil.MustSave(t, app, "message_reactions", map[string]any{"id": bobReactionId, "message": testutil.MessageId, "user": testutil.BobId, "emoji": "🎉"})
}

// reactionsStored checks the number of reactions stored in all.
func reactionsStored(n int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		testutil.ExpectCount(t, app, "message_reactions", nil, n)
	})
}

func TestReactionToggle(t *testing.T) {
	alice := auth(t, testutil.AliceEmail)
	url := "/api/chat/message/" + testutil.MessageId + "/reactions/"
	room := postRoomId(t)
	react := func(name string, headers map[string]string, body string, status int, checks ...testutil.Check) tests.ApiScenario {
		return tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: url, Headers: headers, Body: strings.NewReader(body),
			BeforeTestFunc: reactionFixtures, ExpectedStatus: status, ExpectedContent: []string{`"`},
			AfterTestFunc: testutil.After(checks...),
		}
	}
	added := react("alice adds 👍", alice, `{"emoji":"👍"}`, 200,
		testutil.BodyIs(fmt.Sprintf(`{"id":%q,"room":%q,"reactions":[{"emoji":"🎉","count":1,"me":false},{"emoji":"👍","count":1,"me":true}]}`, testutil.MessageId, room)),
		reactionsStored(2))
	added.ExpectedEvents = testutil.WriteEvents(1, 0, 0)

	removed := react("alice's second 👍 removes it", alice, `{"emoji":"👍"}`, 200,
		testutil.BodyIs(fmt.Sprintf(`{"id":%q,"room":%q,"reactions":[{"emoji":"🎉","count":1,"me":false}]}`, testutil.MessageId, room)),
		reactionsStored(1))
	removed.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		reactionFixtures(t, app, e)
		testutil.MustSave(t, app, "message_reactions", map[string]any{"message": testutil.MessageId, "user": testutil.AliceId, "emoji": "👍"})
	}
	removed.ExpectedEvents = testutil.WriteEvents(0, 0, 1)

	mostUsedFirst := react("most-used first", alice, `{"emoji":"🎉"}`, 200,
		testutil.BodyIs(fmt.Sprintf(`{"id":%q,"room":%q,"reactions":[{"emoji":"🎉","count":2,"me":true}]}`, testutil.MessageId, room)),
		reactionsStored(2))

	noSlash := react("without the trailing slash", alice, `{"emoji":"🇰🇷"}`, 200, reactionsStored(2))
	noSlash.URL = strings.TrimSuffix(url, "/")

	full := react("a 21st different emoji", alice, `{"emoji":"🐍"}`, 400, testutil.BodyIs(tooManyEmojiBody), reactionsStored(20))
	existing := react("an emoji already on a full message", alice, `{"emoji":"😀"}`, 200, reactionsStored(21))
	fill := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		makePrivateRooms(t, app)
		for _, emoji := range twentyEmoji {
			testutil.MustSave(t, app, "message_reactions", map[string]any{"message": testutil.MessageId, "user": testutil.BobId, "emoji": emoji})
		}
	}
	full.BeforeTestFunc, existing.BeforeTestFunc = fill, fill

	deleted := react("a deleted message", alice, `{"emoji":"👍"}`, 404, testutil.BodyIs(testutil.NotFoundBody), reactionsStored(0))
	deleted.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		reactionFixtures(t, app, e)
		m := testutil.MustFind(t, app, "messages", testutil.MessageId)
		m.Set("deleted_at", "2030-01-01 00:00:00.000Z")
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	unknown := react("unknown message", alice, `{"emoji":"👍"}`, 404, testutil.BodyIs(testutil.NotFoundBody), reactionsStored(1))
	unknown.URL = "/api/chat/message/nosuchmessage00/reactions/"
	outsider := react("alice may not react in bob's room (403)", alice, `{"emoji":"👍"}`, 403, testutil.BodyIs(forbiddenBody), reactionsStored(1))
	outsider.URL = "/api/chat/message/" + bobRoomMsgId + "/reactions/"
	carol := react("carol may not react in alice's room (403)", auth(t, testutil.CarolEmail), `{"emoji":"👍"}`, 403, testutil.BodyIs(forbiddenBody), reactionsStored(1))
	carol.URL = "/api/chat/message/" + aliceRoomMsgId + "/reactions/"

	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings(url) {
		for _, s := range testutil.AuthRejections(t, http.MethodPost, u, `{"emoji":"👍"}`, reactionsStored(1)) {
			s.BeforeTestFunc = reactionFixtures
			scenarios = append(scenarios, s)
		}
	}
	scenarios = append(scenarios, added, removed, mostUsedFirst, noSlash, full, existing, deleted, unknown, outsider, carol,
		react("no emoji", alice, `{}`, 400, errorOn("emoji"), reactionsStored(1)),
		react("emoji not a string", alice, `{"emoji":1}`, 400, errorOn("emoji"), reactionsStored(1)),
		react("50 emoji at once", alice, `{"emoji":"`+strings.Repeat("👍", 50)+`"}`, 400, testutil.BodyIs(notOneEmojiBody), reactionsStored(1)),
	)
	for _, bad := range []string{"ok", "a", "1", "가", "👍👍", "🇰", "👍 ", "<script>"} {
		scenarios = append(scenarios, react(fmt.Sprintf("not one emoji: %q", bad), alice, testutil.JSONOf(map[string]string{"emoji": bad}), 400,
			testutil.BodyIs(notOneEmojiBody), reactionsStored(1)))
	}
	testutil.Run(t, scenarios)
}

// TestReactionRecordAPI: the JS SDK's create and delete obey the same
// rules.
func TestReactionRecordAPI(t *testing.T) {
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)
	create := func(name string, headers map[string]string, body string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: "/api/collections/message_reactions/records",
			Headers: map[string]string{"Content-Type": "application/json"}, Body: strings.NewReader(body),
			BeforeTestFunc: reactionFixtures, ExpectedStatus: status, ExpectedContent: []string{`"`},
			AfterTestFunc: testutil.After(checks...),
		}
		for k, v := range headers {
			s.Headers[k] = v
		}
		return s
	}
	on := func(message, emoji string) string {
		return testutil.JSONOf(map[string]string{"message": message, "emoji": emoji})
	}
	ok := create("alice reacts", alice, on(testutil.MessageId, "👍"), 200, reactionsStored(2),
		testutil.State(func(t testing.TB, app *tests.TestApp) {
			testutil.ExpectCount(t, app, "message_reactions", dbx.HashExp{"user": testutil.AliceId, "emoji": "👍"}, 1)
		}))
	ok.ExpectedContent = []string{`"user":"` + testutil.AliceId + `"`}

	full := create("a 21st emoji", alice, on(testutil.MessageId, "🐍"), 400, reactionsStored(20))
	full.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		makePrivateRooms(t, app)
		for _, emoji := range twentyEmoji {
			testutil.MustSave(t, app, "message_reactions", map[string]any{"message": testutil.MessageId, "user": testutil.BobId, "emoji": emoji})
		}
	}
	full.ExpectedContent = []string{"at most 20 different reactions"}

	reactionURL := "/api/collections/message_reactions/records/" + bobReactionId
	deleteOwn := tests.ApiScenario{
		Name: "bob deletes his reaction", Method: http.MethodDelete, URL: reactionURL, Headers: bob, BeforeTestFunc: reactionFixtures,
		ExpectedStatus: 204, AfterTestFunc: testutil.After(reactionsStored(0)),
	}
	deleteOwn.ExpectedEvents = testutil.WriteEvents(0, 0, 1)
	deleteOwn.ExpectedEvents["OnRecordDeleteRequest"] = 1
	deleteOthers := tests.ApiScenario{
		Name: "alice may not delete bob's reaction", Method: http.MethodDelete, URL: reactionURL, Headers: alice, BeforeTestFunc: reactionFixtures,
		ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: testutil.After(reactionsStored(1)),
	}

	testutil.Run(t, []tests.ApiScenario{
		ok, full, deleteOwn, deleteOthers,
		create("text instead of an emoji", alice, on(testutil.MessageId, "ok"), 400, reactionsStored(1)),
		create("alice may not react in bob's room", alice, on(bobRoomMsgId, "👍"), 400, reactionsStored(1)),
		create("no reaction for someone else", alice, `{"message":"`+testutil.MessageId+`","emoji":"👍","user":"`+testutil.BobId+`"}`, 400, reactionsStored(1)),
		create("the same reaction twice", bob, on(testutil.MessageId, "🎉"), 400, reactionsStored(1)),
	})
}

func TestTypingRoute(t *testing.T) {
	room := postRoomId(t)
	url := "/api/chat/room/" + room + "/typing/"
	noEvents := map[string]int{"*": 0}
	typing := func(name, url string, headers map[string]string, status int, body string) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: url, Headers: headers, BeforeTestFunc: privateRooms,
			ExpectedStatus: status, ExpectedEvents: noEvents,
		}
		if body != "" {
			s.ExpectedContent = []string{`"detail"`}
			s.AfterTestFunc = testutil.After(testutil.BodyIs(body))
		}
		return s
	}
	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings(url) {
		for _, s := range testutil.AuthRejections(t, http.MethodPost, u, "") {
			s.BeforeTestFunc = privateRooms
			scenarios = append(scenarios, s)
		}
	}
	testutil.Run(t, append(scenarios,
		typing("alice types in the post room: nothing stored", url, auth(t, testutil.AliceEmail), 204, ""),
		typing("without the trailing slash", strings.TrimSuffix(url, "/"), auth(t, testutil.AliceEmail), 204, ""),
		typing("bob types in alice's room", "/api/chat/room/"+aliceRoomId+"/typing/", auth(t, testutil.BobEmail), 204, ""),
		typing("alice may not type in bob's room", "/api/chat/room/"+bobRoomId+"/typing/", auth(t, testutil.AliceEmail), 403, forbiddenBody),
		typing("unknown room", "/api/chat/room/nosuchroom00000/typing/", auth(t, testutil.AliceEmail), 404, testutil.NotFoundBody),
	))
}
