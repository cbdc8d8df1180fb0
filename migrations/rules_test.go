package migrations_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The collection API rules, exercised through PocketBase's standard record
// routes (what the dashboard and the JS SDK call).

// Ids made by the tests themselves (fixed, so that they can be named in
// URLs and bodies written before the test app exists).
const (
	bobRoomId    = "roombob00000001" // a room without a post, owned by bob
	bobRoomMsgId = "msgbobroom00001" // bob's message in it
	davePostId   = "postdave0000001"
)

// fixture holds the ids of fixture records that the migrations generate.
type fixture struct {
	CategoryId    string // "Programming"
	PostRoomId    string // the room of testutil.PostId
	AliceBobRow   string // friends row alice → bob
	CarolAliceRow string // friends row carol → alice
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	app := testutil.NewApp(t)
	var f fixture
	category, err := app.FindFirstRecordByData("categories", "name", "Programming")
	if err != nil {
		t.Fatal(err)
	}
	f.CategoryId = category.Id
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatal(err)
	}
	f.PostRoomId = room.Id
	f.AliceBobRow = friendRowId(t, app, testutil.AliceId, testutil.BobId)
	f.CarolAliceRow = friendRowId(t, app, testutil.CarolId, testutil.AliceId)
	return f
}

func friendRowId(t testing.TB, app core.App, user, friend string) string {
	t.Helper()
	row, err := app.FindFirstRecordByFilter("friends", "user = {:u} && friend = {:f}", dbx.Params{"u": user, "f": friend})
	if err != nil {
		t.Fatalf("friends row %s → %s: %v", user, friend, err)
	}
	return row.Id
}

// withBobRoom adds a room without a post owned by bob, holding one message
// of bob's; with aliceOnBobsList, bob's friends list also gets alice.
func withBobRoom(aliceOnBobsList bool) func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		testutil.MustSave(t, app, "rooms", map[string]any{"id": bobRoomId, "name": "bob's corner", "owner": testutil.BobId})
		testutil.MustSave(t, app, "messages", map[string]any{"id": bobRoomMsgId, "room": bobRoomId, "sender": testutil.BobId, "message": "just friends here"})
		if aliceOnBobsList {
			testutil.MustSave(t, app, "friends", map[string]any{"user": testutil.BobId, "friend": testutil.AliceId})
		}
	}
}

var secretFields = []string{`"password"`, `"tokenKey"`, testutil.Password}

func TestUsersRules(t *testing.T) {
	t.Parallel()

	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	bob := testutil.AuthHeader(t, testutil.BobEmail)
	carol := testutil.AuthHeader(t, testutil.CarolEmail)
	dave := testutil.AuthHeader(t, testutil.DaveEmail)
	superuser := testutil.AuthHeader(t, testutil.SuperuserEmail)

	unchangedBob := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		bobRecord := testutil.MustFind(t, app, "users", testutil.BobId)
		testutil.ExpectField(t, bobRecord, "nickname", "bob")
		testutil.ExpectField(t, bobRecord, "bio", "bob's bio")
		testutil.ExpectField(t, bobRecord, "is_private", false)
		testutil.ExpectField(t, bobRecord, "email", testutil.BobEmail)
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "anonymous list sees nobody",
			Method:          http.MethodGet,
			URL:             "/api/collections/users/records",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`, `"items":[]`},
		},
		{
			Name:            "anonymous view of a public member",
			Method:          http.MethodGet,
			URL:             "/api/collections/users/records/" + testutil.AliceId,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:           "alice lists public members, herself and private carol (alice is on carol's list)",
			Method:         http.MethodGet,
			URL:            "/api/collections/users/records",
			Headers:        alice,
			ExpectedStatus: 200,
			ExpectedContent: []string{
				`"totalItems":4`,
				`"id":"` + testutil.AliceId + `"`,
				`"id":"` + testutil.BobId + `"`,
				`"id":"` + testutil.CarolId + `"`,
				`"id":"` + testutil.DaveId + `"`,
			},
			NotExpectedContent: append([]string{testutil.DaveEmail}, secretFields...),
		},
		{
			Name:               "bob lists members without private carol (bob is not on her list)",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records",
			Headers:            bob,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":3`, `"id":"` + testutil.AliceId + `"`, `"id":"` + testutil.BobId + `"`, `"id":"` + testutil.DaveId + `"`},
			NotExpectedContent: append([]string{testutil.CarolId, testutil.CarolEmail, testutil.DaveEmail}, secretFields...),
		},
		{
			Name:            "private carol lists herself and the public members",
			Method:          http.MethodGet,
			URL:             "/api/collections/users/records",
			Headers:         carol,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":4`, `"id":"` + testutil.CarolId + `"`},
		},
		{
			Name:               "bob cannot filter his way to private carol",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records?filter=is_private%3Dtrue",
			Headers:            bob,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{testutil.CarolId},
		},
		{
			Name:               "bob views private carol",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + testutil.CarolId,
			Headers:            bob,
			ExpectedStatus:     404,
			ExpectedContent:    []string{`"data":{}`},
			NotExpectedContent: []string{testutil.CarolEmail, "carol's bio"},
		},
		{
			Name:               "alice views private carol",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + testutil.CarolId,
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + testutil.CarolId + `"`, `"is_private":true`, `"bio":"carol's bio"`},
			NotExpectedContent: secretFields,
		},
		{
			Name:               "alice views dave: his hidden e-mail is left out",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + testutil.DaveId,
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + testutil.DaveId + `"`, `"nickname":"dave"`},
			NotExpectedContent: append([]string{testutil.DaveEmail}, secretFields...),
		},
		{
			Name:               "alice cannot find dave by his hidden e-mail",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records?filter=email%3D%22dave%40example.com%22",
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{testutil.DaveId, testutil.DaveEmail},
		},
		{
			Name:               "dave sees his own e-mail",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + testutil.DaveId,
			Headers:            dave,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"email":"` + testutil.DaveEmail + `"`},
			NotExpectedContent: secretFields,
		},
		{
			Name:               "superuser lists everybody, still without password hashes or token keys",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records",
			Headers:            superuser,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":4`, testutil.CarolId, testutil.DaveEmail},
			NotExpectedContent: secretFields,
		},
		{
			Name:               "fields=* does not reveal password or tokenKey",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + testutil.AliceId + "?fields=*,password,tokenKey",
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + testutil.AliceId + `"`},
			NotExpectedContent: secretFields,
		},
		{
			Name:               "bob cannot find out whose list he is on by filtering",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records?filter=friends_via_user.friend%3F%3D%22" + testutil.BobId + "%22",
			Headers:            bob,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{testutil.AliceId},
		},
		{
			Name:               "bob cannot read alice's friends list by expanding it",
			Method:             http.MethodGet,
			URL:                "/api/collections/users/records/" + testutil.AliceId + "?expand=friends_via_user",
			Headers:            bob,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"id":"` + testutil.AliceId + `"`, `"expand":{}`},
			NotExpectedContent: []string{`"friends_via_user":`},
		},
		{
			Name:            "alice changes her e-mail without the e-mail change flow",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.AliceId,
			Body:            strings.NewReader(`{"email":"new@example.com"}`),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"email":{`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectField(t, testutil.MustFind(t, app, "users", testutil.AliceId), "email", testutil.AliceEmail)
			},
		},
		{
			Name:            "alice changes her password without the old one",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.AliceId,
			Body:            strings.NewReader(`{"password":"newpass1234","passwordConfirm":"newpass1234"}`),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"oldPassword":{`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if !testutil.MustFind(t, app, "users", testutil.AliceId).ValidatePassword(testutil.Password) {
					t.Error("alice's password changed")
				}
			},
		},
		{
			Name:            "alice updates bob",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.BobId,
			Body:            strings.NewReader(`{"nickname":"hacked","bio":"pwned","is_private":true}`),
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   unchangedBob,
		},
		{
			Name:            "anonymous updates bob",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.BobId,
			Body:            strings.NewReader(`{"nickname":"hacked"}`),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   unchangedBob,
		},
		{
			Name:            "alice (who may view carol) updates carol",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.CarolId,
			Body:            strings.NewReader(`{"is_private":false}`),
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectField(t, testutil.MustFind(t, app, "users", testutil.CarolId), "is_private", true)
			},
		},
		{
			Name:            "alice deletes bob",
			Method:          http.MethodDelete,
			URL:             "/api/collections/users/records/" + testutil.BobId,
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   unchangedBob,
		},
		{
			Name:            "anonymous deletes bob",
			Method:          http.MethodDelete,
			URL:             "/api/collections/users/records/" + testutil.BobId,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   unchangedBob,
		},
		{
			Name:               "alice updates her own profile",
			Method:             http.MethodPatch,
			URL:                "/api/collections/users/records/" + testutil.AliceId,
			Body:               strings.NewReader(`{"nickname":"앨리스","bio":"new bio","status":"busy","is_private":true}`),
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"nickname":"앨리스"`, `"status":"busy"`, `"is_private":true`},
			NotExpectedContent: secretFields,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				r := testutil.MustFind(t, app, "users", testutil.AliceId)
				testutil.ExpectField(t, r, "nickname", "앨리스")
				testutil.ExpectField(t, r, "bio", "new bio")
				testutil.ExpectField(t, r, "status", "busy")
				testutil.ExpectField(t, r, "is_private", true)
			},
		},
		{
			Name:            "alice sets a nickname over 20 characters",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.AliceId,
			Body:            strings.NewReader(`{"nickname":"` + strings.Repeat("가", 21) + `"}`),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"nickname":{`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectField(t, testutil.MustFind(t, app, "users", testutil.AliceId), "nickname", "alice")
			},
		},
		{
			Name:            "alice sets an unknown status",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.AliceId,
			Body:            strings.NewReader(`{"status":"sleeping"}`),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":{`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectField(t, testutil.MustFind(t, app, "users", testutil.AliceId), "status", "available")
			},
		},
		{
			Name:           "alice deletes her own account (her post, room, messages and friends rows go with it)",
			Method:         http.MethodDelete,
			URL:            "/api/collections/users/records/" + testutil.AliceId,
			Headers:        alice,
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "users", dbx.HashExp{"id": testutil.AliceId}, 0)
				testutil.ExpectCount(t, app, "users", nil, 3)
				testutil.ExpectCount(t, app, "posts", nil, 0)
				testutil.ExpectCount(t, app, "rooms", nil, 0)
				testutil.ExpectCount(t, app, "messages", nil, 0)
				testutil.ExpectCount(t, app, "friends", nil, 0)
			},
		},
	}
	testutil.Run(t, scenarios)
}

func TestFriendsRules(t *testing.T) {
	t.Parallel()

	f := loadFixture(t)
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	bob := testutil.AuthHeader(t, testutil.BobEmail)
	carol := testutil.AuthHeader(t, testutil.CarolEmail)
	superuser := testutil.AuthHeader(t, testutil.SuperuserEmail)

	onlyFixtureRows := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		testutil.ExpectCount(t, app, "friends", nil, 2)
		testutil.ExpectCount(t, app, "friends", dbx.HashExp{"id": f.AliceBobRow, "user": testutil.AliceId, "friend": testutil.BobId}, 1)
		testutil.ExpectCount(t, app, "friends", dbx.HashExp{"id": f.CarolAliceRow, "user": testutil.CarolId, "friend": testutil.AliceId}, 1)
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "anonymous list",
			Method:          http.MethodGet,
			URL:             "/api/collections/friends/records",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`, `"items":[]`},
		},
		{
			Name:            "anonymous view",
			Method:          http.MethodGet,
			URL:             "/api/collections/friends/records/" + f.AliceBobRow,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:               "alice lists only her own rows",
			Method:             http.MethodGet,
			URL:                "/api/collections/friends/records",
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, `"id":"` + f.AliceBobRow + `"`, `"friend":"` + testutil.BobId + `"`},
			NotExpectedContent: []string{f.CarolAliceRow},
		},
		{
			Name:               "carol lists her own row (which names alice)",
			Method:             http.MethodGet,
			URL:                "/api/collections/friends/records",
			Headers:            carol,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, `"id":"` + f.CarolAliceRow + `"`},
			NotExpectedContent: []string{f.AliceBobRow},
		},
		{
			Name:               "bob, on alice's list, does not see her row",
			Method:             http.MethodGet,
			URL:                "/api/collections/friends/records",
			Headers:            bob,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{f.AliceBobRow},
		},
		{
			Name:            "bob views alice's row",
			Method:          http.MethodGet,
			URL:             "/api/collections/friends/records/" + f.AliceBobRow,
			Headers:         bob,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "alice views carol's row naming her",
			Method:          http.MethodGet,
			URL:             "/api/collections/friends/records/" + f.CarolAliceRow,
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "alice adds carol with user=alice",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.AliceId, testutil.CarolId),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"user":"` + testutil.AliceId + `"`, `"friend":"` + testutil.CarolId + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "friends", dbx.HashExp{"user": testutil.AliceId, "friend": testutil.CarolId}, 1)
				testutil.ExpectCount(t, app, "friends", nil, 3)
			},
		},
		{
			Name:            "alice adds dave without naming the user: the hook takes it from the auth",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"friend":%q}`, testutil.DaveId),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"user":"` + testutil.AliceId + `"`, `"friend":"` + testutil.DaveId + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "friends", dbx.HashExp{"user": testutil.AliceId, "friend": testutil.DaveId}, 1)
				testutil.ExpectCount(t, app, "friends", nil, 3)
			},
		},
		{
			Name:            "alice puts carol on bob's list",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.BobId, testutil.CarolId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "friends", dbx.HashExp{"friend": testutil.CarolId}, 0)
				onlyFixtureRows(t, app, res)
			},
		},
		{
			Name:            "alice puts herself on bob's list",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.BobId, testutil.AliceId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "alice adds herself",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"friend":%q}`, testutil.AliceId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "alice adds herself, naming the user",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.AliceId, testutil.AliceId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "alice adds bob twice",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.AliceId, testutil.BobId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "alice adds bob twice, without naming the user",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"friend":%q}`, testutil.BobId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "alice adds an unknown user",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            strings.NewReader(`{"friend":"nobody000000000"}`),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "anonymous create naming the user",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.BobId, testutil.CarolId),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "anonymous create without user",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"friend":%q}`, testutil.CarolId),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "superuser may write any user's list",
			Method:          http.MethodPost,
			URL:             "/api/collections/friends/records",
			Body:            testutil.Bodyf(`{"user":%q,"friend":%q}`, testutil.BobId, testutil.DaveId),
			Headers:         superuser,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"user":"` + testutil.BobId + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "friends", dbx.HashExp{"user": testutil.BobId, "friend": testutil.DaveId}, 1)
			},
		},
		{
			Name:            "alice changes her row (no update rule)",
			Method:          http.MethodPatch,
			URL:             "/api/collections/friends/records/" + f.AliceBobRow,
			Body:            testutil.Bodyf(`{"friend":%q}`, testutil.DaveId),
			Headers:         alice,
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:           "alice deletes her own row",
			Method:         http.MethodDelete,
			URL:            "/api/collections/friends/records/" + f.AliceBobRow,
			Headers:        alice,
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "friends", dbx.HashExp{"id": f.AliceBobRow}, 0)
				testutil.ExpectCount(t, app, "friends", nil, 1)
				testutil.ExpectCount(t, app, "users", nil, 4)
			},
		},
		{
			Name:            "bob deletes alice's row naming him",
			Method:          http.MethodDelete,
			URL:             "/api/collections/friends/records/" + f.AliceBobRow,
			Headers:         bob,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "alice deletes carol's row naming her",
			Method:          http.MethodDelete,
			URL:             "/api/collections/friends/records/" + f.CarolAliceRow,
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRows,
		},
		{
			Name:            "anonymous deletes a row",
			Method:          http.MethodDelete,
			URL:             "/api/collections/friends/records/" + f.AliceBobRow,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRows,
		},
	}
	testutil.Run(t, scenarios)
}

func TestPostsRules(t *testing.T) {
	t.Parallel()

	f := loadFixture(t)
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	bob := testutil.AuthHeader(t, testutil.BobEmail)
	superuser := testutil.AuthHeader(t, testutil.SuperuserEmail)

	onlyFixturePost := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		testutil.ExpectCount(t, app, "posts", nil, 1)
		testutil.ExpectCount(t, app, "rooms", nil, 1)
		post := testutil.MustFind(t, app, "posts", testutil.PostId)
		testutil.ExpectField(t, post, "title", testutil.PostTitle)
		testutil.ExpectField(t, post, "writer", testutil.AliceId)
		testutil.ExpectField(t, post, "hit", 0)
		testutil.ExpectField(t, testutil.MustFind(t, app, "rooms", f.PostRoomId), "name", testutil.PostTitle)
	}
	storedPost := func(title, writer string) func(t testing.TB, app *tests.TestApp, res *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			post, err := app.FindFirstRecordByData("posts", "title", title)
			if err != nil {
				t.Fatalf("post %q not stored: %v", title, err)
			}
			testutil.ExpectField(t, post, "writer", writer)
			testutil.ExpectField(t, post, "hit", 0)
			testutil.ExpectCount(t, app, "posts", nil, 2)
			testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"post": post.Id, "owner": writer}, 1)
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "anonymous lists posts",
			Method:          http.MethodGet,
			URL:             "/api/collections/posts/records",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, `"id":"` + testutil.PostId + `"`},
		},
		{
			Name:            "anonymous views a post",
			Method:          http.MethodGet,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"title":"` + testutil.PostTitle + `"`},
		},
		{
			Name:   "expanding a writer with a hidden e-mail does not reveal it",
			Method: http.MethodGet,
			URL:    "/api/collections/posts/records?expand=writer",
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				testutil.MustSave(t, app, "posts", map[string]any{"id": davePostId, "title": "dave", "category": f.CategoryId, "writer": testutil.DaveId})
			},
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":2`, `"id":"` + testutil.DaveId + `"`, testutil.AliceEmail},
			NotExpectedContent: append([]string{testutil.DaveEmail}, secretFields...),
		},
		{
			Name:            "anonymous creates a post",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"anon","category":%q}`, f.CategoryId),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "anonymous creates a post naming a writer",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"anon","category":%q,"writer":%q}`, f.CategoryId, testutil.AliceId),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice creates a post without a writer: she is the writer",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"new post","content":"hi","category":%q}`, f.CategoryId),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"writer":"` + testutil.AliceId + `"`},
			AfterTestFunc:   storedPost("new post", testutil.AliceId),
		},
		{
			Name:            "alice creates a post naming herself",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"mine","category":%q,"writer":%q}`, f.CategoryId, testutil.AliceId),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"writer":"` + testutil.AliceId + `"`},
			AfterTestFunc:   storedPost("mine", testutil.AliceId),
		},
		{
			Name:            "alice creates a post naming bob as writer",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"forged","category":%q,"writer":%q}`, f.CategoryId, testutil.BobId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice creates a post with a hit count",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"popular","category":%q,"hit":1000}`, f.CategoryId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice creates a post with hit 0",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"popular","category":%q,"hit":0}`, f.CategoryId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice creates a post with a hit+ modifier",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"popular","category":%q,"hit+":1000}`, f.CategoryId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice creates a post without a category",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            strings.NewReader(`{"title":"lost"}`),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"category":{`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "superuser may name any writer",
			Method:          http.MethodPost,
			URL:             "/api/collections/posts/records",
			Body:            testutil.Bodyf(`{"title":"by admin","category":%q,"writer":%q}`, f.CategoryId, testutil.BobId),
			Headers:         superuser,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"writer":"` + testutil.BobId + `"`},
			AfterTestFunc:   storedPost("by admin", testutil.BobId),
		},
		{
			Name:            "bob updates alice's post",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			Body:            strings.NewReader(`{"title":"defaced"}`),
			Headers:         bob,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "anonymous updates alice's post",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			Body:            strings.NewReader(`{"title":"defaced"}`),
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "bob deletes alice's post",
			Method:          http.MethodDelete,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			Headers:         bob,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				onlyFixturePost(t, app, res)
				testutil.ExpectCount(t, app, "messages", nil, 1)
			},
		},
		{
			Name:            "anonymous deletes alice's post",
			Method:          http.MethodDelete,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice hands her post to bob",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			Body:            testutil.Bodyf(`{"writer":%q}`, testutil.BobId),
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice sets her post's hit count",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			Body:            strings.NewReader(`{"hit+":1000}`),
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixturePost,
		},
		{
			Name:            "alice edits her own post",
			Method:          http.MethodPatch,
			URL:             "/api/collections/posts/records/" + testutil.PostId,
			Body:            strings.NewReader(`{"content":"edited"}`),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"content":"edited"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				post := testutil.MustFind(t, app, "posts", testutil.PostId)
				testutil.ExpectField(t, post, "content", "edited")
				testutil.ExpectField(t, post, "writer", testutil.AliceId)
			},
		},
		{
			Name:           "alice deletes her own post",
			Method:         http.MethodDelete,
			URL:            "/api/collections/posts/records/" + testutil.PostId,
			Headers:        alice,
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "posts", nil, 0)
				testutil.ExpectCount(t, app, "rooms", nil, 0)
				testutil.ExpectCount(t, app, "messages", nil, 0)
			},
		},
		{
			Name:            "a member creates a category",
			Method:          http.MethodPost,
			URL:             "/api/collections/categories/records",
			Body:            strings.NewReader(`{"name":"Go"}`),
			Headers:         alice,
			ExpectedStatus:  403,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "categories", nil, 3)
			},
		},
	}
	testutil.Run(t, scenarios)
}

func TestRoomsRules(t *testing.T) {
	t.Parallel()

	f := loadFixture(t)
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	bob := testutil.AuthHeader(t, testutil.BobEmail)

	onlyFixtureRoom := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		testutil.ExpectCount(t, app, "rooms", nil, 1)
		room := testutil.MustFind(t, app, "rooms", f.PostRoomId)
		testutil.ExpectField(t, room, "owner", testutil.AliceId)
		testutil.ExpectField(t, room, "post", testutil.PostId)
		testutil.ExpectField(t, room, "name", "실시간 채팅 서버 만들기")
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "anonymous lists rooms",
			Method:          http.MethodGet,
			URL:             "/api/collections/rooms/records",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "every member reads a post's room",
			Method:          http.MethodGet,
			URL:             "/api/collections/rooms/records/" + f.PostRoomId,
			Headers:         bob,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"post":"` + testutil.PostId + `"`},
		},
		{
			Name:               "alice, not on bob's list, cannot read bob's room",
			Method:             http.MethodGet,
			URL:                "/api/collections/rooms/records",
			BeforeTestFunc:     withBobRoom(false),
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, f.PostRoomId},
			NotExpectedContent: []string{bobRoomId},
		},
		{
			Name:            "alice, on bob's list, reads bob's room",
			Method:          http.MethodGet,
			URL:             "/api/collections/rooms/records/" + bobRoomId,
			BeforeTestFunc:  withBobRoom(true),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + bobRoomId + `"`},
		},
		{
			Name:            "bob creates a room: he is its owner",
			Method:          http.MethodPost,
			URL:             "/api/collections/rooms/records",
			Body:            strings.NewReader(`{"name":"bob's den"}`),
			Headers:         bob,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"owner":"` + testutil.BobId + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"name": "bob's den", "owner": testutil.BobId, "post": ""}, 1)
			},
		},
		{
			Name:            "bob creates a room for alice",
			Method:          http.MethodPost,
			URL:             "/api/collections/rooms/records",
			Body:            testutil.Bodyf(`{"name":"forged","owner":%q}`, testutil.AliceId),
			Headers:         bob,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRoom,
		},
		{
			Name:            "bob creates a second room for alice's post",
			Method:          http.MethodPost,
			URL:             "/api/collections/rooms/records",
			Body:            testutil.Bodyf(`{"name":"hijack","post":%q}`, testutil.PostId),
			Headers:         bob,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRoom,
		},
		{
			Name:            "anonymous creates a room",
			Method:          http.MethodPost,
			URL:             "/api/collections/rooms/records",
			Body:            strings.NewReader(`{"name":"anon"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRoom,
		},
		{
			Name:            "bob renames alice's post room",
			Method:          http.MethodPatch,
			URL:             "/api/collections/rooms/records/" + f.PostRoomId,
			Body:            strings.NewReader(`{"name":"defaced"}`),
			Headers:         bob,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRoom,
		},
		{
			Name:            "alice moves her post's room to bob",
			Method:          http.MethodPatch,
			URL:             "/api/collections/rooms/records/" + f.PostRoomId,
			Body:            testutil.Bodyf(`{"owner":%q}`, testutil.BobId),
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureRoom,
		},
		{
			Name:            "alice deletes her post's room (it lives and dies with the post)",
			Method:          http.MethodDelete,
			URL:             "/api/collections/rooms/records/" + f.PostRoomId,
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				onlyFixtureRoom(t, app, res)
				testutil.ExpectCount(t, app, "messages", nil, 1)
			},
		},
		{
			Name:            "alice (on bob's list) deletes bob's room",
			Method:          http.MethodDelete,
			URL:             "/api/collections/rooms/records/" + bobRoomId,
			BeforeTestFunc:  withBobRoom(true),
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"id": bobRoomId}, 1)
				testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": bobRoomId}, 1)
			},
		},
		{
			Name:           "bob deletes his own room, and its messages go with it",
			Method:         http.MethodDelete,
			URL:            "/api/collections/rooms/records/" + bobRoomId,
			BeforeTestFunc: withBobRoom(false),
			Headers:        bob,
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"id": bobRoomId}, 0)
				testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": bobRoomId}, 0)
				onlyFixtureRoom(t, app, res)
			},
		},
	}
	testutil.Run(t, scenarios)
}

func TestMessagesRules(t *testing.T) {
	t.Parallel()

	f := loadFixture(t)
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	bob := testutil.AuthHeader(t, testutil.BobEmail)
	carol := testutil.AuthHeader(t, testutil.CarolEmail)

	bobRoomUntouched := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": bobRoomId}, 1)
		testutil.ExpectField(t, testutil.MustFind(t, app, "messages", bobRoomMsgId), "message", "just friends here")
	}
	onlyFixtureMessage := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		testutil.ExpectCount(t, app, "messages", nil, 1)
		msg := testutil.MustFind(t, app, "messages", testutil.MessageId)
		testutil.ExpectField(t, msg, "message", "안녕하세요!")
		testutil.ExpectField(t, msg, "sender", testutil.BobId)
		testutil.ExpectField(t, msg, "room", f.PostRoomId)
	}
	storedMessage := func(room, text, sender string) func(t testing.TB, app *tests.TestApp, res *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			testutil.ExpectCount(t, app, "messages", dbx.HashExp{"room": room, "message": text, "sender": sender, "message_type": "text"}, 1)
			testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": text}, 1)
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:            "anonymous lists messages",
			Method:          http.MethodGet,
			URL:             "/api/collections/messages/records",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name:            "anonymous views a message",
			Method:          http.MethodGet,
			URL:             "/api/collections/messages/records/" + testutil.MessageId,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
		},
		{
			Name:            "carol reads a post's room",
			Method:          http.MethodGet,
			URL:             "/api/collections/messages/records?filter=room%3D%22" + f.PostRoomId + "%22",
			Headers:         carol,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, `"id":"` + testutil.MessageId + `"`},
		},
		{
			Name:            "alice writes in a post's room without naming the sender",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"hello from alice"}`, f.PostRoomId),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"sender":"` + testutil.AliceId + `"`, `"message_type":"text"`},
			AfterTestFunc:   storedMessage(f.PostRoomId, "hello from alice", testutil.AliceId),
		},
		{
			Name:            "carol writes in a post's room naming herself",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"hi","sender":%q}`, f.PostRoomId, testutil.CarolId),
			Headers:         carol,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"sender":"` + testutil.CarolId + `"`},
			AfterTestFunc:   storedMessage(f.PostRoomId, "hi", testutil.CarolId),
		},
		{
			Name:            "alice writes as bob",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"forged","sender":%q}`, f.PostRoomId, testutil.BobId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureMessage,
		},
		{
			Name:            "alice sends a system message",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"system says","message_type":"system"}`, f.PostRoomId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureMessage,
		},
		{
			Name:            "alice sends an empty message",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":""}`, f.PostRoomId),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"message":{`},
			AfterTestFunc:   onlyFixtureMessage,
		},
		{
			Name:            "anonymous writes in a post's room",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"anon"}`, f.PostRoomId),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureMessage,
		},
		{
			Name:               "alice, not on bob's list, lists messages: bob's room is left out",
			Method:             http.MethodGet,
			URL:                "/api/collections/messages/records",
			BeforeTestFunc:     withBobRoom(false),
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, testutil.MessageId},
			NotExpectedContent: []string{bobRoomMsgId, "just friends here"},
		},
		{
			Name:               "alice, not on bob's list, lists bob's room",
			Method:             http.MethodGet,
			URL:                "/api/collections/messages/records?filter=room%3D%22" + bobRoomId + "%22",
			BeforeTestFunc:     withBobRoom(false),
			Headers:            alice,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{bobRoomMsgId},
		},
		{
			Name:               "alice, not on bob's list, views bob's message",
			Method:             http.MethodGet,
			URL:                "/api/collections/messages/records/" + bobRoomMsgId,
			BeforeTestFunc:     withBobRoom(false),
			Headers:            alice,
			ExpectedStatus:     404,
			ExpectedContent:    []string{`"data":{}`},
			NotExpectedContent: []string{"just friends here"},
		},
		{
			Name:            "alice, not on bob's list, writes in bob's room",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"let me in"}`, bobRoomId),
			BeforeTestFunc:  withBobRoom(false),
			Headers:         alice,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				bobRoomUntouched(t, app, res)
				testutil.ExpectCount(t, app, "messages", nil, 2)
			},
		},
		{
			Name:            "alice, on bob's list, lists bob's room",
			Method:          http.MethodGet,
			URL:             "/api/collections/messages/records?filter=room%3D%22" + bobRoomId + "%22",
			BeforeTestFunc:  withBobRoom(true),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, `"id":"` + bobRoomMsgId + `"`},
		},
		{
			Name:            "alice, on bob's list, writes in bob's room",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"thanks for adding me"}`, bobRoomId),
			BeforeTestFunc:  withBobRoom(true),
			Headers:         alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"sender":"` + testutil.AliceId + `"`},
			AfterTestFunc:   storedMessage(bobRoomId, "thanks for adding me", testutil.AliceId),
		},
		{
			Name:               "carol, not on bob's list while alice is, lists bob's room",
			Method:             http.MethodGet,
			URL:                "/api/collections/messages/records?filter=room%3D%22" + bobRoomId + "%22",
			BeforeTestFunc:     withBobRoom(true),
			Headers:            carol,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":0`},
			NotExpectedContent: []string{bobRoomMsgId},
		},
		{
			Name:            "bob writes in his own room",
			Method:          http.MethodPost,
			URL:             "/api/collections/messages/records",
			Body:            testutil.Bodyf(`{"room":%q,"message":"talking to myself"}`, bobRoomId),
			BeforeTestFunc:  withBobRoom(false),
			Headers:         bob,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"sender":"` + testutil.BobId + `"`},
			AfterTestFunc:   storedMessage(bobRoomId, "talking to myself", testutil.BobId),
		},
		{
			Name:            "bob edits his message",
			Method:          http.MethodPatch,
			URL:             "/api/collections/messages/records/" + testutil.MessageId,
			Body:            strings.NewReader(`{"message":"edited"}`),
			Headers:         bob,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"message":"edited"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectField(t, testutil.MustFind(t, app, "messages", testutil.MessageId), "message", "edited")
			},
		},
		{
			Name:            "bob moves his message to his own room",
			Method:          http.MethodPatch,
			URL:             "/api/collections/messages/records/" + testutil.MessageId,
			Body:            testutil.Bodyf(`{"room":%q}`, bobRoomId),
			BeforeTestFunc:  withBobRoom(false),
			Headers:         bob,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectField(t, testutil.MustFind(t, app, "messages", testutil.MessageId), "room", f.PostRoomId)
			},
		},
		{
			Name:            "alice edits bob's message",
			Method:          http.MethodPatch,
			URL:             "/api/collections/messages/records/" + testutil.MessageId,
			Body:            strings.NewReader(`{"message":"defaced"}`),
			Headers:         alice,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureMessage,
		},
		{
			Name:            "carol (reads the post's room, does not moderate it) deletes bob's message",
			Method:          http.MethodDelete,
			URL:             "/api/collections/messages/records/" + testutil.MessageId,
			Headers:         carol,
			ExpectedStatus:  404,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc:   onlyFixtureMessage,
		},
		{
			Name:           "alice (the post's writer moderates its room) deletes bob's message: a moderator's soft delete, logged",
			Method:         http.MethodDelete,
			URL:            "/api/collections/messages/records/" + testutil.MessageId,
			Headers:        alice,
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "messages", nil, 1)
				m := testutil.MustFind(t, app, "messages", testutil.MessageId)
				testutil.ExpectField(t, m, "message", "")
				testutil.ExpectField(t, m, "deleted_by", testutil.AliceId)
				if m.GetDateTime("deleted_at").IsZero() {
					t.Errorf("deleted_at not set")
				}
				testutil.ExpectCount(t, app, "moderation_log", dbx.HashExp{
					"room": f.PostRoomId, "action": "delete_message", "actor": testutil.AliceId,
					"target": testutil.BobId, "message": testutil.MessageId,
				}, 1)
				testutil.ExpectCount(t, app, "moderation_log", nil, 1)
			},
		},
		{
			Name:           "bob deletes his message (a soft delete: the row stays, emptied)",
			Method:         http.MethodDelete,
			URL:            "/api/collections/messages/records/" + testutil.MessageId,
			Headers:        bob,
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.ExpectCount(t, app, "messages", nil, 1)
				m := testutil.MustFind(t, app, "messages", testutil.MessageId)
				testutil.ExpectField(t, m, "message", "")
				testutil.ExpectField(t, m, "deleted_by", testutil.BobId)
				testutil.ExpectCount(t, app, "moderation_log", nil, 0) // one's own delete is no moderation
				if m.GetDateTime("deleted_at").IsZero() {
					t.Errorf("deleted_at not set")
				}
			},
		},
	}
	testutil.Run(t, scenarios)
}
