package hooks_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	pbvalidation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Ids made by the tests themselves.
const (
	bobRoomId    = "roombob00000001" // a room without a post, owned by bob
	bobRoomMsgId = "msgbobroom00001" // bob's message in it
	newPostId    = "postnew00000001"
	aliceMsgId   = "msgalice0000001"
	replyMsgId   = "msgreply0000001"
)

// ---------------------------------------------------------------------
// helpers

func categoryId(t testing.TB, app core.App) string {
	t.Helper()
	c, err := app.FindFirstRecordByData("categories", "name", "Programming")
	if err != nil {
		t.Fatal(err)
	}
	return c.Id
}

func postRoom(t testing.TB, app core.App, postId string) *core.Record {
	t.Helper()
	rooms, err := app.FindAllRecords("rooms", dbx.HashExp{"post": postId})
	if err != nil {
		t.Fatal(err)
	}
	if len(rooms) != 1 {
		t.Fatalf("post %s has %d rooms, want exactly 1", postId, len(rooms))
	}
	return rooms[0]
}

// expectPostRoom checks that post has exactly one room, owned by its
// writer and named after its title.
func expectPostRoom(t testing.TB, app core.App, post *core.Record, wantName string) {
	t.Helper()
	room := postRoom(t, app, post.Id)
	testutil.ExpectField(t, room, "owner", post.GetString("writer"))
	testutil.ExpectField(t, room, "name", wantName)
}

// expectValidationError checks that err holds a field error of field with
// code (PocketBase's ozzo-validation fork, as our hooks return).
func expectValidationError(t testing.TB, err error, field, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected a %s validation error on %q, got none", code, field)
	}
	var fieldErr error
	var pbErrs pbvalidation.Errors
	if errors.As(err, &pbErrs) {
		fieldErr = pbErrs[field]
	}
	if fieldErr == nil {
		t.Errorf("no validation error for %q in %v", field, err)
		return
	}
	if c, ok := fieldErr.(interface{ Code() string }); !ok || c.Code() != code {
		t.Errorf("%q error = %v, want code %s", field, fieldErr, code)
	}
}

// withBobRoom adds a room without a post, owned by bob, with one message.
func withBobRoom(t testing.TB, app core.App) {
	t.Helper()
	testutil.MustSave(t, app, "rooms", map[string]any{"id": bobRoomId, "name": "bob's corner", "owner": testutil.BobId})
	testutil.MustSave(t, app, "messages", map[string]any{"id": bobRoomMsgId, "room": bobRoomId, "sender": testutil.BobId, "message": "elsewhere"})
}

// ---------------------------------------------------------------------
// users

func TestDefaultNickname(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	for _, c := range []struct{ email, want string }{
		{"newbie@example.com", "newbie"},
		{"a@b.co", "a"},
		{"abcdefghijklmnopqrstuvwxyz@example.com", "abcdefghijklmnopqrst"},
		{"abcdefghijklmnopqrst@example.com", "abcdefghijklmnopqrst"},
		{strings.Repeat("가", 25) + "@example.com", strings.Repeat("가", 20)},
		{"", ""},
	} {
		got := hooks.DefaultNickname(app, c.email)
		if got != c.want {
			t.Errorf("DefaultNickname(%q) = %q, want %q", c.email, got, c.want)
		}
		if n := utf8.RuneCountInString(got); n > 20 {
			t.Errorf("DefaultNickname(%q) has %d runes", c.email, n)
		}
	}
}

func TestUserDefaultsOnSave(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, email, nickname, status string
		wantNickname, wantStatus      string
	}{
		{"no nickname, no status", "newbie@example.com", "", "", "newbie", "available"},
		{"long local part", "abcdefghijklmnopqrstuvwxyz@example.com", "", "", "abcdefghijklmnopqrst", "available"},
		{"blank nickname", "blank@example.com", "   ", "", "blank", "available"},
		{"chosen nickname and status", "chosen@example.com", "네오", "busy", "네오", "busy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := testutil.NewApp(t)
			user := testutil.NewRecord(t, app, "users", map[string]any{"nickname": c.nickname, "status": c.status})
			user.SetEmail(c.email)
			user.SetPassword(testutil.Password)
			if err := app.Save(user); err != nil {
				t.Fatal(err)
			}
			stored := testutil.MustFind(t, app, "users", user.Id)
			testutil.ExpectField(t, stored, "nickname", c.wantNickname)
			testutil.ExpectField(t, stored, "status", c.wantStatus)
		})
	}
}

func TestUserDefaultsOnUpdate(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	alice := testutil.MustFind(t, app, "users", testutil.AliceId)
	alice.Set("nickname", "")
	alice.Set("status", "")
	if err := app.Save(alice); err != nil {
		t.Fatal(err)
	}
	stored := testutil.MustFind(t, app, "users", testutil.AliceId)
	testutil.ExpectField(t, stored, "nickname", "alice")
	testutil.ExpectField(t, stored, "status", "available")
}

func TestUserDefaultsViaAPI(t *testing.T) {
	t.Parallel()
	expectUser := func(email, nickname, status string) func(t testing.TB, app *tests.TestApp, res *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			user, err := app.FindAuthRecordByEmail("users", email)
			if err != nil {
				t.Fatalf("%s not stored: %v", email, err)
			}
			testutil.ExpectField(t, user, "nickname", nickname)
			testutil.ExpectField(t, user, "status", status)
		}
	}
	testutil.Run(t, []tests.ApiScenario{
		{
			Name:            "sign-up without a nickname",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/records",
			Body:            strings.NewReader(`{"email":"newbie@example.com","password":"password123","passwordConfirm":"password123"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"nickname":"newbie"`, `"status":"available"`},
			AfterTestFunc:   expectUser("newbie@example.com", "newbie", "available"),
		},
		{
			Name:            "sign-up with a long e-mail local part",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/records",
			Body:            strings.NewReader(`{"email":"abcdefghijklmnopqrstuvwxyz@example.com","password":"password123","passwordConfirm":"password123"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"nickname":"abcdefghijklmnopqrst"`},
			AfterTestFunc:   expectUser("abcdefghijklmnopqrstuvwxyz@example.com", "abcdefghijklmnopqrst", "available"),
		},
		{
			Name:            "sign-up with a nickname and a status",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/records",
			Body:            strings.NewReader(`{"email":"chosen@example.com","password":"password123","passwordConfirm":"password123","nickname":"네오","status":"away"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"nickname":"네오"`, `"status":"away"`},
			AfterTestFunc:   expectUser("chosen@example.com", "네오", "away"),
		},
		{
			Name:            "superuser creates a member without a nickname",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/records",
			Body:            strings.NewReader(`{"email":"made.by.admin@example.com","password":"password123","passwordConfirm":"password123"}`),
			Headers:         testutil.AuthHeader(t, testutil.SuperuserEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"nickname":"made.by.admin"`},
			AfterTestFunc:   expectUser("made.by.admin@example.com", "made.by.admin", "available"),
		},
	})
}

// ---------------------------------------------------------------------
// posts and their rooms

func TestPostCreatesRoomOnSave(t *testing.T) {
	t.Parallel()
	longTitle := strings.Repeat("채팅", 60) + "!" // 121 runes
	for _, c := range []struct{ name, title, wantRoom string }{
		{"short title", "Go generics", "Go generics"},
		{"title over 100 runes", longTitle, string([]rune(longTitle)[:100])},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := testutil.NewApp(t)
			post := testutil.MustSave(t, app, "posts", map[string]any{
				"title": c.title, "category": categoryId(t, app), "writer": testutil.BobId,
			})
			expectPostRoom(t, app, post, c.wantRoom)
			if n := utf8.RuneCountInString(postRoom(t, app, post.Id).GetString("name")); n > 100 {
				t.Errorf("room name has %d runes", n)
			}
			testutil.ExpectCount(t, app, "posts", nil, 2)
			testutil.ExpectCount(t, app, "rooms", nil, 2)
		})
	}
}

func TestPostRoomFailureLeavesNoPost(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	app.OnRecordCreate("rooms").BindFunc(func(e *core.RecordEvent) error {
		return errors.New("room storage failed")
	})
	post := testutil.NewRecord(t, app, "posts", map[string]any{
		"id": newPostId, "title": "doomed", "category": categoryId(t, app), "writer": testutil.BobId,
	})
	if err := app.Save(post); err == nil {
		t.Fatal("saving a post whose room cannot be saved succeeded")
	}
	testutil.ExpectCount(t, app, "posts", nil, 1)
	testutil.ExpectCount(t, app, "posts", dbx.HashExp{"id": newPostId}, 0)
	testutil.ExpectCount(t, app, "rooms", nil, 1)
	if !post.IsNew() {
		t.Error("the failed post is not marked as new")
	}
}

func TestPostAndRoomShareTheCallersTransaction(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	cat := categoryId(t, app)

	rollback := errors.New("rollback")
	err := app.RunInTransaction(func(tx core.App) error {
		post := testutil.MustSave(t, tx, "posts", map[string]any{"id": newPostId, "title": "in a tx", "category": cat, "writer": testutil.BobId})
		expectPostRoom(t, tx, post, "in a tx")
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("transaction error = %v", err)
	}
	testutil.ExpectCount(t, app, "posts", nil, 1)
	testutil.ExpectCount(t, app, "rooms", nil, 1)

	err = app.RunInTransaction(func(tx core.App) error {
		testutil.MustSave(t, tx, "posts", map[string]any{"id": newPostId, "title": "in a tx", "category": cat, "writer": testutil.BobId})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	expectPostRoom(t, app, testutil.MustFind(t, app, "posts", newPostId), "in a tx")
}

func TestPostRoomViaAPI(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	cat := categoryId(t, app)
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	longTitle := strings.Repeat("가나다라마바사아자차", 15) // 150 runes

	expectNewPostRoom := func(title, writer, room string) func(t testing.TB, app *tests.TestApp, res *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			post, err := app.FindFirstRecordByData("posts", "title", title)
			if err != nil {
				t.Fatalf("post not stored: %v", err)
			}
			testutil.ExpectField(t, post, "writer", writer)
			expectPostRoom(t, app, post, room)
			testutil.ExpectCount(t, app, "posts", nil, 2)
			testutil.ExpectCount(t, app, "rooms", nil, 2)
		}
	}

	testutil.Run(t, []tests.ApiScenario{
		{
			Name:            "member creates a post",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"Hello rooms","category":%q}`, cat),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"Hello rooms"`},
			AfterTestFunc:   expectNewPostRoom("Hello rooms", testutil.AliceId, "Hello rooms"),
		},
		{
			Name:            "member creates a post with a 150-rune title",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":%q,"category":%q}`, longTitle, cat),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"writer":"` + testutil.AliceId + `"`},
			AfterTestFunc:   expectNewPostRoom(longTitle, testutil.AliceId, string([]rune(longTitle)[:100])),
		},
		{
			Name:            "superuser creates a post for bob",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"admin post","category":%q,"writer":%q}`, cat, testutil.BobId),
			Headers:         testutil.AuthHeader(t, testutil.SuperuserEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"writer":"` + testutil.BobId + `"`},
			AfterTestFunc:   expectNewPostRoom("admin post", testutil.BobId, "admin post"),
		},
		{
			Name:   "the room cannot be saved: the post is not stored either",
			Method: http.MethodPost,
			URL:    "/api/collections/posts/records",
			Body:   testutil.Bodyf(`{"title":"doomed","category":%q}`, cat),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				app.OnRecordCreate("rooms").BindFunc(func(e *core.RecordEvent) error {
					return errors.New("room storage failed")
				})
			},
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "posts", nil, 1)
				testutil.ExpectCount(t, app, "posts", dbx.HashExp{"title": "doomed"}, 0)
				testutil.ExpectCount(t, app, "rooms", nil, 1)
			},
		},
	})
}

func TestRenamePostRenamesRoom(t *testing.T) {
	t.Parallel()

	t.Run("app.Save", func(t *testing.T) {
		app := testutil.NewApp(t)
		post := testutil.MustFind(t, app, "posts", testutil.PostId)
		post.Set("title", "새 제목")
		if err := app.Save(post); err != nil {
			t.Fatal(err)
		}
		expectPostRoom(t, app, post, "새 제목")
		testutil.ExpectCount(t, app, "rooms", nil, 1)

		long := strings.Repeat("abcdefghij", 15) + "가"
		post.Set("title", long)
		if err := app.Save(post); err != nil {
			t.Fatal(err)
		}
		expectPostRoom(t, app, post, long[:100])
	})

	t.Run("another field changes: the room keeps its name", func(t *testing.T) {
		app := testutil.NewApp(t)
		room := postRoom(t, app, testutil.PostId)
		room.Set("name", "renamed by an admin")
		if err := app.Save(room); err != nil {
			t.Fatal(err)
		}
		post := testutil.MustFind(t, app, "posts", testutil.PostId)
		post.Set("content", "edited")
		if err := app.Save(post); err != nil {
			t.Fatal(err)
		}
		expectPostRoom(t, app, post, "renamed by an admin")
	})

	t.Run("a room lost to an admin's delete comes back on rename", func(t *testing.T) {
		app := testutil.NewApp(t)
		if err := app.Delete(postRoom(t, app, testutil.PostId)); err != nil {
			t.Fatal(err)
		}
		testutil.ExpectCount(t, app, "rooms", nil, 0)
		post := testutil.MustFind(t, app, "posts", testutil.PostId)
		post.Set("title", "back again")
		if err := app.Save(post); err != nil {
			t.Fatal(err)
		}
		expectPostRoom(t, app, post, "back again")
	})

	t.Run("the room cannot be renamed: the title stays", func(t *testing.T) {
		app := testutil.NewApp(t)
		app.OnRecordUpdate("rooms").BindFunc(func(e *core.RecordEvent) error {
			return errors.New("room storage failed")
		})
		post := testutil.MustFind(t, app, "posts", testutil.PostId)
		post.Set("title", "never stored")
		if err := app.Save(post); err == nil {
			t.Fatal("renaming a post whose room cannot be saved succeeded")
		}
		stored := testutil.MustFind(t, app, "posts", testutil.PostId)
		testutil.ExpectField(t, stored, "title", testutil.PostTitle)
		expectPostRoom(t, app, stored, testutil.PostTitle)
	})

	testutil.Run(t, []tests.ApiScenario{
		{
			Name:            "writer renames her post through the record API",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			Body:            strings.NewReader(`{"title":"renamed via API"}`),
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"renamed via API"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expectPostRoom(t, app, testutil.MustFind(t, app, "posts", testutil.PostId), "renamed via API")
				testutil.ExpectCount(t, app, "rooms", nil, 1)
			},
		},
	})
}

// withConversation adds bob's room (with a message) and, in the post's
// room, a message of alice's and bob's reply to it.
func withConversation(t testing.TB, app core.App) {
	t.Helper()
	withBobRoom(t, app)
	room := postRoom(t, app, testutil.PostId)
	testutil.MustSave(t, app, "messages", map[string]any{"id": aliceMsgId, "room": room.Id, "sender": testutil.AliceId, "message": "welcome"})
	testutil.MustSave(t, app, "messages", map[string]any{"id": replyMsgId, "room": room.Id, "sender": testutil.BobId, "message": "thanks", "parent_chat": aliceMsgId})
}

func expectPostGone(t testing.TB, app core.App, postRoomId string) {
	t.Helper()
	testutil.ExpectCount(t, app, "posts", dbx.HashExp{"id": testutil.PostId}, 0)
	testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"post": testutil.PostId}, 0)
	testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"id": postRoomId}, 0)
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": postRoomId}, 0)
	// bob's room and its message are untouched
	testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"id": bobRoomId}, 1)
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"id": bobRoomMsgId, "room": bobRoomId}, 1)
	testutil.ExpectCount(t, app, "messages", nil, 1)
}

func TestDeletePostDeletesRoomAndMessages(t *testing.T) {
	t.Parallel()

	t.Run("app.Delete", func(t *testing.T) {
		app := testutil.NewApp(t)
		withConversation(t, app)
		roomId := postRoom(t, app, testutil.PostId).Id
		testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": roomId}, 3)
		if err := app.Delete(testutil.MustFind(t, app, "posts", testutil.PostId)); err != nil {
			t.Fatal(err)
		}
		expectPostGone(t, app, roomId)
	})

	app := testutil.NewApp(t)
	roomId := postRoom(t, app, testutil.PostId).Id
	testutil.Run(t, []tests.ApiScenario{
		{
			Name:   "writer deletes her post through the record API",
			Method: http.MethodDelete,
			URL:    "/api/collections/posts/records/" + testutil.PostId,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				withConversation(t, app)
			},
			Headers:        testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expectPostGone(t, app, roomId)
			},
		},
	})
}

// ---------------------------------------------------------------------
// messages

func TestMessageTypeDefault(t *testing.T) {
	t.Parallel()

	app := testutil.NewApp(t)
	roomId := postRoom(t, app, testutil.PostId).Id
	plain := testutil.MustSave(t, app, "messages", map[string]any{"room": roomId, "sender": testutil.AliceId, "message": "plain"})
	testutil.ExpectField(t, testutil.MustFind(t, app, "messages", plain.Id), "message_type", "text")
	system := testutil.MustSave(t, app, "messages", map[string]any{"room": roomId, "sender": testutil.AliceId, "message": "joined", "message_type": "system"})
	testutil.ExpectField(t, testutil.MustFind(t, app, "messages", system.Id), "message_type", "system")
	testutil.ExpectField(t, testutil.MustFind(t, app, "messages", testutil.MessageId), "message_type", "text")

	testutil.Run(t, []tests.ApiScenario{
		{
			Name:            "member sends a message without a type",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"typed?"}`, roomId),
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"message_type":"text"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": "typed?", "message_type": "text", "sender": testutil.AliceId}, 1)
			},
		},
	})
}

func TestParentChatMustBeInTheSameRoom(t *testing.T) {
	t.Parallel()

	t.Run("app.Save", func(t *testing.T) {
		app := testutil.NewApp(t)
		withBobRoom(t, app)
		roomId := postRoom(t, app, testutil.PostId).Id

		reply := testutil.NewRecord(t, app, "messages", map[string]any{"room": roomId, "sender": testutil.AliceId, "message": "re", "parent_chat": bobRoomMsgId})
		expectValidationError(t, app.Save(reply), "parent_chat", "validation_parent_chat_room")
		testutil.ExpectCount(t, app, "messages", nil, 2)

		reply = testutil.NewRecord(t, app, "messages", map[string]any{"room": roomId, "sender": testutil.AliceId, "message": "re", "parent_chat": "nosuchmessage01"})
		if err := app.Save(reply); err == nil {
			t.Error("a reply to an unknown message was saved")
		}
		testutil.ExpectCount(t, app, "messages", nil, 2)

		ok := testutil.MustSave(t, app, "messages", map[string]any{"room": roomId, "sender": testutil.AliceId, "message": "re", "parent_chat": testutil.MessageId})
		testutil.ExpectField(t, testutil.MustFind(t, app, "messages", ok.Id), "parent_chat", testutil.MessageId)

		// a message cannot answer itself
		ok.Set("parent_chat", ok.Id)
		expectValidationError(t, app.Save(ok), "parent_chat", "validation_parent_chat_room")
		testutil.ExpectField(t, testutil.MustFind(t, app, "messages", ok.Id), "parent_chat", testutil.MessageId)

		// moving a reply away from its parent's room
		moved := testutil.MustFind(t, app, "messages", ok.Id)
		moved.Set("room", bobRoomId)
		expectValidationError(t, app.Save(moved), "parent_chat", "validation_parent_chat_room")
		testutil.ExpectField(t, testutil.MustFind(t, app, "messages", ok.Id), "room", roomId)
	})

	app := testutil.NewApp(t)
	roomId := postRoom(t, app, testutil.PostId).Id
	testutil.Run(t, []tests.ApiScenario{
		{
			Name:   "bob replies in the post's room to his message in another room",
			Method: http.MethodPost,
			URL:    "/api/collections/messages/records",
			Body:   testutil.Bodyf(`{"room":%q,"message":"re","parent_chat":%q}`, roomId, bobRoomMsgId),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				withBobRoom(t, app)
			},
			Headers:         testutil.AuthHeader(t, testutil.BobEmail),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent_chat":{"code":"validation_parent_chat_room"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "messages", nil, 2)
			},
		},
		{
			Name:            "alice replies in the same room",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"re","parent_chat":%q}`, roomId, testutil.MessageId),
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"parent_chat":"` + testutil.MessageId + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "messages", dbx.HashExp{"parent_chat": testutil.MessageId, "room": roomId}, 1)
			},
		},
	})
}

// ---------------------------------------------------------------------
// friends

func TestFriendRowOfOneself(t *testing.T) {
	t.Parallel()

	app := testutil.NewApp(t)
	row := testutil.NewRecord(t, app, "friends", map[string]any{"user": testutil.BobId, "friend": testutil.BobId})
	expectValidationError(t, app.Save(row), "friend", "validation_friend_self")
	testutil.ExpectCount(t, app, "friends", nil, 2)

	// changing an existing row into a self row is refused as well
	existing, err := app.FindFirstRecordByFilter("friends", "user = {:u}", dbx.Params{"u": testutil.AliceId})
	if err != nil {
		t.Fatal(err)
	}
	existing.Set("friend", testutil.AliceId)
	expectValidationError(t, app.Save(existing), "friend", "validation_friend_self")
	testutil.ExpectField(t, testutil.MustFind(t, app, "friends", existing.Id), "friend", testutil.BobId)

	testutil.Run(t, []tests.ApiScenario{
		{
			Name:            "superuser adds bob to his own list",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.BobId, testutil.BobId),
			Headers:         testutil.AuthHeader(t, testutil.SuperuserEmail),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"friend":{"code":"validation_friend_self"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "friends", nil, 2)
				testutil.ExpectCount(t, app, "friends", dbx.HashExp{"user": testutil.BobId}, 0)
			},
		},
	})
}
