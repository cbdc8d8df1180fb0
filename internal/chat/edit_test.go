package chat_test

// Editing and deleting one's own message: PATCH/DELETE
// /api/chat/message/<id>/, the record API (JS SDK) and the stored state
// they leave (edited_at, message_versions, a soft delete's emptied row, its
// reactions and notifications gone). Live delivery is in edit_live_test.go.

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
	notYoursBody  = `{"detail":"You may only change your own messages."}`
	aliceNoteText = "alice's private note" // aliceRoomMsgId's text
)

// withAliceNoteExtras stores, besides the private rooms, bob's reaction to
// alice's note and a notification about it, which her delete must take
// along.
func withAliceNoteExtras(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	makePrivateRooms(t, app)
	testutil.MustSave(t, app, "message_reactions", map[string]any{"message": aliceRoomMsgId, "user": testutil.BobId, "emoji": "👍"})
	testutil.MustSave(t, app, "notifications", map[string]any{
		"user": testutil.BobId, "kind": "mention", "actor": testutil.AliceId, "room": aliceRoomId, "message": aliceRoomMsgId,
	})
}

// softDeleted soft-deletes alice's note before the request.
func softDeleted(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	withAliceNoteExtras(t, app, e)
	m := testutil.MustFind(t, app, "messages", aliceRoomMsgId)
	m.Set("deleted_at", "2030-01-01 00:00:00.000Z")
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
}

// noteIs checks the stored text of alice's note and whether it is
// deleted or edited, and how many versions it has.
func noteIs(text string, edited, deleted bool, versions int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		m := testutil.MustFind(t, app, "messages", aliceRoomMsgId)
		if got := m.GetString("message"); got != text {
			t.Errorf("stored message = %q, want %q", got, text)
		}
		if got := !m.GetDateTime("edited_at").IsZero(); got != edited {
			t.Errorf("edited_at set = %v, want %v", got, edited)
		}
		if got := !m.GetDateTime("deleted_at").IsZero(); got != deleted {
			t.Errorf("deleted_at set = %v, want %v", got, deleted)
		}
		testutil.ExpectCount(t, app, "message_versions", dbx.HashExp{"message": aliceRoomMsgId}, versions)
	})
}

// versionIs checks the newest message_versions row of alice's note.
func versionIs(change, text, editor string) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		rows, err := app.FindRecordsByFilter("message_versions", "message = {:m}", "-created", 1, 0, dbx.Params{"m": aliceRoomMsgId})
		if err != nil || len(rows) != 1 {
			t.Fatalf("versions of the note: %v %v", rows, err)
		}
		v := rows[0]
		if v.GetString("change") != change || v.GetString("text") != text || v.GetString("editor") != editor {
			t.Errorf("version change=%q text=%q editor=%q, want %q %q %q", v.GetString("change"), v.GetString("text"), v.GetString("editor"), change, text, editor)
		}
	})
}

// extrasLeft checks how many reactions and notifications alice's note has.
func extrasLeft(n int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		testutil.ExpectCount(t, app, "message_reactions", dbx.HashExp{"message": aliceRoomMsgId}, n)
		testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"message": aliceRoomMsgId}, n)
	})
}

var noteUnchanged = noteIs(aliceNoteText, false, false, 0)

func TestMessageEdit(t *testing.T) {
	alice := auth(t, testutil.AliceEmail)
	url := "/api/chat/message/" + aliceRoomMsgId + "/"
	edit := func(name string, headers map[string]string, body string, status int, checks ...testutil.Check) tests.ApiScenario {
		return tests.ApiScenario{
			Name: name, Method: http.MethodPatch, URL: url, Headers: headers, Body: strings.NewReader(body),
			BeforeTestFunc: withAliceNoteExtras, ExpectedStatus: status, ExpectedContent: []string{`"`},
			AfterTestFunc: testutil.After(checks...),
		}
	}
	edited := func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		m := testutil.DecodeObject(t, body)
		checkMessageShape(t, m)
		if m["message"] != "fixed typo" || m["edited_at"] == nil || m["deleted"] != false || m["id"] != aliceRoomMsgId {
			t.Errorf("answer %v", m)
		}
		// bob's reaction is still there, as alice sees it
		if got := testutil.JSONOf(m["reactions"]); got != `[{"count":1,"emoji":"👍","me":false}]` {
			t.Errorf("reactions = %s", got)
		}
	}
	happy := edit("alice edits her note", alice, `{"message":"fixed typo"}`, 200,
		edited, noteIs("fixed typo", true, false, 1), versionIs("edit", aliceNoteText, testutil.AliceId), extrasLeft(1))
	happy.ExpectedEvents = testutil.WriteEvents(1, 1, 0) // the message and its version

	noSlash := edit("without the trailing slash", alice, `{"message":"fixed typo"}`, 200, edited, noteIs("fixed typo", true, false, 1))
	noSlash.URL = strings.TrimSuffix(url, "/")

	same := edit("the same text: no version", alice, `{"message":"`+aliceNoteText+`"}`, 200, noteUnchanged)

	unknown := edit("unknown message", alice, `{"message":"x"}`, 404, testutil.BodyIs(testutil.NotFoundBody))
	unknown.URL = "/api/chat/message/nosuchmessage00/"

	gone := edit("a deleted message", alice, `{"message":"back from the dead"}`, 404,
		testutil.BodyIs(testutil.NotFoundBody), noteIs("", false, true, 1))
	gone.BeforeTestFunc = softDeleted

	huge := edit("a 1 MB body", alice, `{"message":"`+strings.Repeat("x", 1<<20)+`"}`, 413, testutil.BodyIs(testutil.TooLargeBody), noteUnchanged)

	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings(url) {
		for _, s := range testutil.AuthRejections(t, http.MethodPatch, u, `{"message":"hacked"}`, noteUnchanged) {
			s.BeforeTestFunc = withAliceNoteExtras
			scenarios = append(scenarios, s)
		}
	}
	testutil.Run(t, append(scenarios,
		happy, noSlash, same, unknown, gone, huge,
		edit("bob may not edit alice's note (403)", auth(t, testutil.BobEmail), `{"message":"hacked"}`, 403,
			testutil.BodyIs(notYoursBody), noteUnchanged),
		edit("carol cannot read alice's room (404)", auth(t, testutil.CarolEmail), `{"message":"hacked"}`, 404,
			testutil.BodyIs(testutil.NotFoundBody), noteUnchanged),
		edit("blank", alice, `{"message":"  "}`, 400, errorOn("message"), noteUnchanged),
		edit("missing", alice, `{}`, 400, errorOn("message"), noteUnchanged),
		edit("not a string", alice, `{"message":7}`, 400, errorOn("message"), noteUnchanged),
		edit("2001 characters", alice, `{"message":"`+strings.Repeat("말", 2001)+`"}`, 400, errorOn("message"), noteUnchanged),
		edit("malformed JSON", alice, `{"message":`, 400, isError, noteUnchanged),
	))
}

func TestMessageDelete(t *testing.T) {
	alice := auth(t, testutil.AliceEmail)
	url := "/api/chat/message/" + aliceRoomMsgId + "/"
	del := func(name string, headers map[string]string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodDelete, URL: url, Headers: headers,
			BeforeTestFunc: withAliceNoteExtras, ExpectedStatus: status,
			AfterTestFunc: testutil.After(checks...),
		}
		if status != 204 {
			s.ExpectedContent = []string{`"detail"`}
		}
		return s
	}
	happy := del("alice deletes her note", alice, 204,
		noteIs("", false, true, 1), versionIs("delete", aliceNoteText, testutil.AliceId), extrasLeft(0))
	happy.ExpectedEvents = testutil.WriteEvents(1, 1, 0) // the message and its version; reactions and notifications by SQL
	noSlash := del("without the trailing slash", alice, 204, noteIs("", false, true, 1), extrasLeft(0))
	noSlash.URL = strings.TrimSuffix(url, "/")
	again := del("already deleted", alice, 404, testutil.BodyIs(testutil.NotFoundBody), noteIs("", false, true, 1))
	again.BeforeTestFunc = softDeleted
	unknown := del("unknown message", alice, 404, testutil.BodyIs(testutil.NotFoundBody))
	unknown.URL = "/api/chat/message/nosuchmessage00/"

	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings(url) {
		for _, s := range testutil.AuthRejections(t, http.MethodDelete, u, "", noteUnchanged, extrasLeft(1)) {
			s.BeforeTestFunc = withAliceNoteExtras
			scenarios = append(scenarios, s)
		}
	}
	testutil.Run(t, append(scenarios,
		happy, noSlash, again, unknown,
		del("bob may not delete alice's note (403)", auth(t, testutil.BobEmail), 403, testutil.BodyIs(notYoursBody), noteUnchanged, extrasLeft(1)),
		del("carol cannot read alice's room (404)", auth(t, testutil.CarolEmail), 404, testutil.BodyIs(testutil.NotFoundBody), noteUnchanged, extrasLeft(1)),
	))
}

// TestMessageEditDeleteRecordAPI: the JS SDK's update and delete obey the
// same permissions; a member's delete is soft, a superuser's is real.
func TestMessageEditDeleteRecordAPI(t *testing.T) {
	alice, bob := auth(t, testutil.AliceEmail), auth(t, testutil.BobEmail)
	recordURL := "/api/collections/messages/records/" + aliceRoomMsgId
	sdk := func(name, method string, headers map[string]string, body string, status int, checks ...testutil.Check) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: method, URL: recordURL, Headers: headers,
			BeforeTestFunc: withAliceNoteExtras, ExpectedStatus: status,
			AfterTestFunc: testutil.After(checks...),
		}
		if status >= 400 {
			s.ExpectedContent = []string{fmt.Sprintf(`"status":%d`, status)}
		}
		if body != "" {
			s.Body = strings.NewReader(body)
			s.Headers = map[string]string{"Authorization": headers["Authorization"], "Content-Type": "application/json"}
		}
		return s
	}
	update := sdk("alice updates her note", http.MethodPatch, alice, `{"message":"via the SDK"}`, 200,
		noteIs("via the SDK", true, false, 1), versionIs("edit", aliceNoteText, testutil.AliceId))
	update.ExpectedContent = []string{`"message":"via the SDK"`, `"edited_at":"2`}

	softDelete := sdk("alice deletes her note: a soft delete", http.MethodDelete, alice, "", 204,
		noteIs("", false, true, 1), versionIs("delete", aliceNoteText, testutil.AliceId), extrasLeft(0))
	softDelete.ExpectedEvents = testutil.WriteEvents(1, 1, 0)
	softDelete.ExpectedEvents["OnRecordDeleteRequest"] = 1

	hardDelete := sdk("a superuser deletes for real", http.MethodDelete, auth(t, testutil.SuperuserEmail), "", 204,
		testutil.State(func(t testing.TB, app *tests.TestApp) {
			testutil.ExpectCount(t, app, "messages", dbx.HashExp{"id": aliceRoomMsgId}, 0)
		}))

	deletedUpdate := sdk("an update of a deleted message", http.MethodPatch, alice, `{"message":"back"}`, 404, noteIs("", false, true, 1))
	deletedUpdate.BeforeTestFunc = softDeleted
	deletedDelete := sdk("a delete of a deleted message", http.MethodDelete, alice, "", 404, noteIs("", false, true, 1))
	deletedDelete.BeforeTestFunc = softDeleted

	getDeleted := sdk("getOne of a deleted message: no text", http.MethodGet, bob, "", 200, noteIs("", false, true, 1))
	getDeleted.BeforeTestFunc = softDeleted
	getDeleted.ExpectedContent = []string{`"message":""`}
	getDeleted.NotExpectedContent = []string{aliceNoteText}

	superEdit := sdk("a superuser edits (dashboard): a version without editor", http.MethodPatch, auth(t, testutil.SuperuserEmail), `{"message":"moderated"}`, 200,
		noteIs("moderated", true, false, 1), versionIs("edit", aliceNoteText, ""))
	superEdit.ExpectedContent = []string{`"message":"moderated"`}

	testutil.Run(t, []tests.ApiScenario{
		update, superEdit, softDelete, hardDelete, deletedUpdate, deletedDelete, getDeleted,
		sdk("bob may not update alice's note", http.MethodPatch, bob, `{"message":"hacked"}`, 404, noteUnchanged),
		sdk("bob may not delete alice's note", http.MethodDelete, bob, "", 404, noteUnchanged, extrasLeft(1)),
		sdk("carol may not delete alice's note", http.MethodDelete, auth(t, testutil.CarolEmail), "", 404, noteUnchanged, extrasLeft(1)),
		sdk("no auth may not delete", http.MethodDelete, nil, "", 404, noteUnchanged, extrasLeft(1)),
		sdk("edited_at cannot be set", http.MethodPatch, alice, `{"edited_at":"2020-01-01 00:00:00.000Z"}`, 404, noteUnchanged),
		sdk("deleted_at cannot be set", http.MethodPatch, alice, `{"deleted_at":"2020-01-01 00:00:00.000Z"}`, 404, noteUnchanged),
		sdk("a blank text", http.MethodPatch, alice, `{"message":" "}`, 400, noteUnchanged),
	})
}

// TestDeletedMessageInHistory: a deleted message stays in the history as
// a placeholder without its text, reactions or mentions.
func TestDeletedMessageInHistory(t *testing.T) {
	testutil.Run(t, []tests.ApiScenario{{
		Name: "history", Method: http.MethodGet, URL: "/api/chat/room/" + aliceRoomId + "/", Headers: auth(t, testutil.BobEmail),
		BeforeTestFunc: softDeleted, ExpectedStatus: 200, ExpectedContent: []string{aliceRoomMsgId},
		NotExpectedContent: []string{aliceNoteText, "👍"},
		AfterTestFunc: testutil.After(func(t testing.TB, app *tests.TestApp, body []byte) {
			room := roomAnswer(t, body, aliceRoomId)
			m := room["chat_messages"].([]any)[0].(map[string]any)
			if m["deleted"] != true || m["message"] != "" || testutil.JSONOf(m["reactions"]) != "[]" || testutil.JSONOf(m["mentions"]) != "[]" {
				t.Errorf("deleted message in history: %v", m)
			}
		}),
	}})
}
