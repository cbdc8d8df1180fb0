package users_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// friendCardKeys are the keys of a member in /user/friends/.
var friendCardKeys = []string{"id", "email", "nickname", "profile_picture", "status"}

// friendsRowsAre checks the number of friends rows in all, and that each
// of has (user→friend pairs) exists and each of hasNot does not.
func friendsRowsAre(total int, has, hasNot [][2]string) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		if got := testutil.Count(t, app, "friends", nil); got != total {
			t.Errorf("friends rows = %d, want %d", got, total)
		}
		for _, p := range has {
			if testutil.Count(t, app, "friends", friendRow(p[0], p[1])) != 1 {
				t.Errorf("missing friends row %s → %s", p[0], p[1])
			}
		}
		for _, p := range hasNot {
			if testutil.Count(t, app, "friends", friendRow(p[0], p[1])) != 0 {
				t.Errorf("unexpected friends row %s → %s", p[0], p[1])
			}
		}
	})
}

// fixtureRows are the fixture friends rows.
var fixtureRows = [][2]string{{testutil.AliceId, testutil.BobId}, {testutil.CarolId, testutil.AliceId}}

// friendsScenario is a POST of body to a friends route; as() adds the auth.
func friendsScenario(name, url, body string, status int, checks ...testutil.Check) tests.ApiScenario {
	return tests.ApiScenario{
		Name:            name,
		Method:          http.MethodPost,
		URL:             url,
		Body:            strings.NewReader(body),
		ExpectedStatus:  status,
		ExpectedContent: []string{`"`},
		TestAppFactory:  testutil.Factory,
		AfterTestFunc:   testutil.After(checks...),
	}
}

// as sets the Authorization header of the member with email ("": none).
func as(t testing.TB, s tests.ApiScenario, email string) tests.ApiScenario {
	if email != "" {
		s.Headers = testutil.AuthHeader(t, email)
	}
	return s
}

// rejectedInput are the bodies every {"email"} route refuses the same way.
var rejectedInput = []struct {
	name, body string
	status     int
	want       string
}{
	{"missing e-mail", `{}`, 400, `{"email":["This field is required."]}`},
	{"empty body", ``, 400, `{"email":["This field is required."]}`},
	{"blank e-mail", `{"email":"   "}`, 400, `{"email":["This field may not be blank."]}`},
	{"e-mail is a number", `{"email":1}`, 400, `{"email":["Not a valid string."]}`},
	{"e-mail is a list", `{"email":["bob@example.com"]}`, 400, `{"email":["Not a valid string."]}`},
	{"JSON list body", `[{"email":"bob@example.com"}]`, 400, testutil.ListBodyError},
	{"JSON number body", `42`, 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`},
	{"oversized body", oversizedJSON("email"), 413, testutil.TooLargeBody},
}

func TestAddFriend(t *testing.T) {
	t.Parallel()

	added := func(email string) string { return `{"message":"` + email + `님을 친구로 추가했습니다."}` }
	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/add-friend") {
		s := as(t, friendsScenario("alice adds carol at "+url, url, `{"email":"carol@example.com"}`, 200,
			testutil.BodyIs(added(testutil.CarolEmail)),
			// one direction only: carol's own list is unchanged
			friendsRowsAre(fixtureFriends+1, append([][2]string{{testutil.AliceId, testutil.CarolId}}, fixtureRows...), nil),
			countIs("friends", dbx.HashExp{"user": testutil.CarolId}, 1),
			// carol is told: a "friend" notification, actor alice
			countIs("notifications", dbx.HashExp{"user": testutil.CarolId, "kind": "friend", "actor": testutil.AliceId}, 1),
		), testutil.AliceEmail)
		s.ExpectedEvents = testutil.WriteEvents(2, 0, 0) // one friends row and its notification created
		scenarios = append(scenarios, s)
	}

	scenarios = append(scenarios,
		as(t, friendsScenario("e-mail in another letter case, with spaces", "/user/add-friend/", `{"email":"  CAROL@Example.com "}`, 200,
			testutil.BodyIs(added(testutil.CarolEmail)),
			friendsRowsAre(fixtureFriends+1, [][2]string{{testutil.AliceId, testutil.CarolId}}, nil),
		), testutil.AliceEmail),
		as(t, friendsScenario("bob adds alice, who already has him: no row for alice", "/user/add-friend/", `{"email":"alice@example.com"}`, 200,
			testutil.BodyIs(added(testutil.AliceEmail)),
			friendsRowsAre(fixtureFriends+1, append([][2]string{{testutil.BobId, testutil.AliceId}}, fixtureRows...), nil),
			countIs("friends", dbx.HashExp{"user": testutil.AliceId}, 1),
		), testutil.BobEmail),
		as(t, friendsScenario("by the e-mail of a member who hides it", "/user/add-friend/", `{"email":"dave@example.com"}`, 200,
			testutil.BodyIs(added(testutil.DaveEmail)),
			friendsRowsAre(fixtureFriends+1, [][2]string{{testutil.AliceId, testutil.DaveId}}, nil),
		), testutil.AliceEmail),
		as(t, friendsScenario("a private member can be added", "/user/add-friend/", `{"email":"carol@example.com"}`, 200,
			testutil.BodyIs(added(testutil.CarolEmail)),
			friendsRowsAre(fixtureFriends+1, [][2]string{{testutil.BobId, testutil.CarolId}}, nil),
		), testutil.BobEmail),
		as(t, friendsScenario("already on the list", "/user/add-friend/", `{"email":"bob@example.com"}`, 400,
			testutil.BodyIs(`{"detail":"bob@example.com님은 이미 친구 목록에 있습니다."}`), friendsUnchanged(),
		), testutil.AliceEmail),
		as(t, friendsScenario("yourself", "/user/add-friend/", `{"email":"alice@example.com"}`, 400,
			testutil.BodyIs(`{"detail":"You cannot add yourself as a friend."}`), friendsUnchanged(),
		), testutil.AliceEmail),
		as(t, friendsScenario("yourself in another letter case", "/user/add-friend/", `{"email":"Alice@EXAMPLE.com"}`, 400,
			testutil.BodyIs(`{"detail":"You cannot add yourself as a friend."}`), friendsUnchanged(),
		), testutil.AliceEmail),
		as(t, friendsScenario("unknown e-mail", "/user/add-friend/", `{"email":"nobody@example.com"}`, 404,
			testutil.BodyIs(`{"detail":"User with this email does not exist."}`), friendsUnchanged(),
		), testutil.AliceEmail),
		as(t, friendsScenario("LIKE pattern is not a wildcard", "/user/add-friend/", `{"email":"%@example.com"}`, 404,
			testutil.BodyIs(`{"detail":"User with this email does not exist."}`), friendsUnchanged(),
		), testutil.AliceEmail),
		as(t, friendsScenario("malformed JSON", "/user/add-friend/", `{"email":`, 400,
			testutil.Keys("detail"), friendsUnchanged(),
		), testutil.AliceEmail),
	)
	mixed := as(t, friendsScenario("a member stored in mixed case", "/user/add-friend/", `{"email":"mixed.case@example.com"}`, 200,
		testutil.BodyIs(added("Mixed.Case@Example.com")), countIs("friends", dbx.HashExp{"user": testutil.AliceId}, 2),
	), testutil.AliceEmail)
	mixed.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		addMembers(t, app, "Mixed.Case@Example.com")
	}
	scenarios = append(scenarios, mixed)

	for _, r := range rejectedInput {
		scenarios = append(scenarios, as(t, friendsScenario(r.name, "/user/add-friend/", r.body, r.status,
			testutil.BodyIs(r.want), friendsUnchanged()), testutil.AliceEmail))
	}

	for _, url := range testutil.Spellings("/user/add-friend") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, url, `{"email":"carol@example.com"}`, friendsUnchanged())...)
	}
	testutil.Run(t, scenarios)
}

func TestDeleteFriend(t *testing.T) {
	t.Parallel()

	deleted := func(email string) string {
		return `{"message":"` + email + `님을 친구 목록에서 삭제했습니다."}`
	}
	notInList := func(email string) string { return `{"detail":"` + email + `님은 친구 목록에 없습니다."}` }
	aliceBob := [][2]string{{testutil.AliceId, testutil.BobId}}
	carolAlice := [][2]string{{testutil.CarolId, testutil.AliceId}}

	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/delete-friend") {
		s := as(t, friendsScenario("alice deletes bob at "+url, url, `{"email":"bob@example.com"}`, 200,
			testutil.BodyIs(deleted(testutil.BobEmail)), friendsRowsAre(fixtureFriends-1, carolAlice, aliceBob),
		), testutil.AliceEmail)
		s.ExpectedEvents = testutil.WriteEvents(0, 0, 1) // one friends row deleted
		scenarios = append(scenarios, s)
	}

	hiddenFriend := as(t, friendsScenario("a friend who hides the e-mail", "/user/delete-friend/", `{"email":"dave@example.com"}`, 200,
		testutil.BodyIs(deleted(testutil.DaveEmail)), friendsRowsAre(fixtureFriends, fixtureRows, [][2]string{{testutil.AliceId, testutil.DaveId}}),
	), testutil.AliceEmail)
	hiddenFriend.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		addFriendRow(t, app, testutil.AliceId, testutil.DaveId)
	}

	scenarios = append(scenarios,
		hiddenFriend,
		as(t, friendsScenario("e-mail in another letter case", "/user/delete-friend/", `{"email":" BOB@example.COM"}`, 200,
			testutil.BodyIs(deleted(testutil.BobEmail)), friendsRowsAre(fixtureFriends-1, carolAlice, aliceBob),
		), testutil.AliceEmail),
		// carol keeps alice on her list; alice does not keep carol on hers
		as(t, friendsScenario("a member whose list holds you, but not on yours", "/user/delete-friend/", `{"email":"carol@example.com"}`, 404,
			testutil.BodyIs(notInList(testutil.CarolEmail)), friendsRowsAre(fixtureFriends, fixtureRows, nil),
		), testutil.AliceEmail),
		// alice keeps bob; bob cannot delete alice's row
		as(t, friendsScenario("bob cannot delete alice's row about him", "/user/delete-friend/", `{"email":"alice@example.com"}`, 404,
			testutil.BodyIs(notInList(testutil.AliceEmail)), friendsRowsAre(fixtureFriends, fixtureRows, nil),
		), testutil.BobEmail),
		as(t, friendsScenario("yourself", "/user/delete-friend/", `{"email":"alice@example.com"}`, 404,
			testutil.BodyIs(notInList(testutil.AliceEmail)), friendsUnchanged(),
		), testutil.AliceEmail),
		as(t, friendsScenario("unknown e-mail gets the same answer", "/user/delete-friend/", `{"email":"nobody@example.com"}`, 404,
			testutil.BodyIs(notInList("nobody@example.com")), friendsUnchanged(),
		), testutil.AliceEmail),
		as(t, friendsScenario("malformed JSON", "/user/delete-friend/", `{"email":"bob@example.com"`, 400,
			testutil.Keys("detail"), friendsUnchanged(),
		), testutil.AliceEmail),
	)
	for _, r := range rejectedInput {
		scenarios = append(scenarios, as(t, friendsScenario(r.name, "/user/delete-friend/", r.body, r.status,
			testutil.BodyIs(r.want), friendsUnchanged()), testutil.AliceEmail))
	}

	for _, url := range testutil.Spellings("/user/delete-friend") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, url, `{"email":"bob@example.com"}`, friendsUnchanged())...)
	}
	testutil.Run(t, scenarios)
}

// friendsListIs checks /user/friends/ answers exactly these cards, in order.
func friendsListIs(want ...map[string]any) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		list, ok := testutil.Decode(t, body).([]any)
		if !ok {
			t.Fatalf("body is not a JSON list: %s", body)
		}
		if len(list) != len(want) {
			t.Fatalf("%d friends, want %d: %s", len(list), len(want), body)
		}
		for i, item := range list {
			card, _ := item.(map[string]any)
			testutil.AssertKeys(t, "card", card, testutil.Exactly, friendCardKeys...)
			assertFields(t, card, want[i])
		}
		noSecrets(t, app, body)
	}
}

func card(id, email, nickname string) map[string]any {
	c := map[string]any{"id": id, "nickname": nickname, "profile_picture": nil, "status": "available"}
	if email == "" {
		c["email"] = nil
	} else {
		c["email"] = email
	}
	return c
}

func TestFriendsList(t *testing.T) {
	t.Parallel()

	get := func(name, url, email string, checks ...testutil.Check) tests.ApiScenario {
		return as(t, tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             url,
			ExpectedStatus:  200,
			ExpectedContent: []string{`[`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(checks...),
		}, email)
	}

	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/friends") {
		scenarios = append(scenarios, get("alice at "+url, url, testutil.AliceEmail,
			friendsListIs(card(testutil.BobId, testutil.BobEmail, "bob"))))
	}

	withDave := get("a friend who hides the e-mail is listed without it", "/user/friends/", testutil.AliceEmail,
		friendsListIs(card(testutil.BobId, testutil.BobEmail, "bob"), card(testutil.DaveId, "", "dave")),
		lacks(testutil.DaveEmail))
	withDave.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		addFriendRow(t, app, testutil.AliceId, testutil.DaveId)
	}

	// a friends row made by id through PocketBase's records API must not
	// reveal the hidden e-mail of that member
	byId := get("a hidden e-mail stays hidden when the row was added by id", "/user/friends/", testutil.BobEmail,
		friendsListIs(card(testutil.DaveId, "", "dave")), lacks(testutil.DaveEmail))
	byId.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		c := testutil.ClientFor(t, app, e)
		bob := strings.TrimPrefix(testutil.AuthHeader(t, testutil.BobEmail)["Authorization"], "Bearer ")
		if res := c.Send(http.MethodPost, "/api/collections/friends/records", `{"friend":"`+testutil.DaveId+`"}`, bob); res.Status != http.StatusOK {
			t.Fatalf("records API: %d %s", res.Status, res.Body)
		}
	}

	scenarios = append(scenarios,
		get("bob's empty list is an empty JSON list", "/user/friends/", testutil.BobEmail, testutil.BodyIs(`[]`)),
		get("carol (private) sees her list", "/user/friends/", testutil.CarolEmail,
			friendsListIs(card(testutil.AliceId, testutil.AliceEmail, "alice"))),
		withDave,
		byId,
	)

	for _, url := range testutil.Spellings("/user/friends") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodGet, url, "")...)
	}
	testutil.Run(t, scenarios)
}
