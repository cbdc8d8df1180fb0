package users_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// blockRow is the blocks row "user blocked blocked".
func blockRow(user, blocked string) dbx.Expression {
	return dbx.HashExp{"user": user, "blocked": blocked}
}

func addBlockRow(t testing.TB, app core.App, user, blocked string) {
	t.Helper()
	testutil.MustSave(t, app, "blocks", map[string]any{"user": user, "blocked": blocked})
}

func blocksAre(total int, has ...[2]string) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		if got := testutil.Count(t, app, "blocks", nil); got != total {
			t.Errorf("blocks rows = %d, want %d", got, total)
		}
		for _, p := range has {
			if testutil.Count(t, app, "blocks", blockRow(p[0], p[1])) != 1 {
				t.Errorf("missing blocks row %s → %s", p[0], p[1])
			}
		}
	})
}

const (
	blockedAnswer   = `{"message":"차단했습니다."}`
	unblockedAnswer = `{"message":"차단을 해제했습니다."}`
)

func TestBlockRoute(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/block") {
		s := as(t, friendsScenario("alice blocks bob at "+url, url, `{"email":"bob@example.com"}`, 200,
			testutil.BodyIs(blockedAnswer),
			blocksAre(1, [2]string{testutil.AliceId, testutil.BobId}),
			friendsUnchanged(),               // the friends lists stay as they are
			countIs("notifications", nil, 2), // the fixture's: bob is never told
		), testutil.AliceEmail)
		s.ExpectedEvents = testutil.WriteEvents(1, 0, 0) // one blocks row
		scenarios = append(scenarios, s)
	}
	again := as(t, friendsScenario("blocked already: the same answer, nothing more", "/user/block/", `{"email":"BOB@example.com "}`, 200,
		testutil.BodyIs(blockedAnswer), blocksAre(1, [2]string{testutil.AliceId, testutil.BobId}),
	), testutil.AliceEmail)
	again.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		addBlockRow(t, app, testutil.AliceId, testutil.BobId)
	}
	again.ExpectedEvents = testutil.WriteEvents(0, 0, 0)
	hidden := as(t, friendsScenario("by the e-mail of a member who hides it", "/user/block/", `{"email":"dave@example.com"}`, 200,
		testutil.BodyIs(blockedAnswer), blocksAre(1, [2]string{testutil.BobId, testutil.DaveId}),
	), testutil.BobEmail)

	scenarios = append(scenarios, again, hidden,
		as(t, friendsScenario("yourself", "/user/block/", `{"email":"alice@example.com"}`, 400,
			testutil.BodyIs(`{"detail":"You cannot block yourself."}`), blocksAre(0)), testutil.AliceEmail),
		as(t, friendsScenario("unknown e-mail", "/user/block/", `{"email":"nobody@example.com"}`, 404,
			testutil.BodyIs(`{"detail":"User with this email does not exist."}`), blocksAre(0)), testutil.AliceEmail),
		as(t, friendsScenario("malformed JSON", "/user/block/", `{"email":`, 400,
			testutil.Keys("detail"), blocksAre(0)), testutil.AliceEmail),
	)
	for _, r := range rejectedInput {
		scenarios = append(scenarios, as(t, friendsScenario(r.name, "/user/block/", r.body, r.status,
			testutil.BodyIs(r.want), blocksAre(0)), testutil.AliceEmail))
	}
	for _, url := range testutil.Spellings("/user/block") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, url, `{"email":"bob@example.com"}`, blocksAre(0))...)
	}
	testutil.Run(t, scenarios)
}

func TestUnblockRoute(t *testing.T) {
	t.Parallel()

	withBlocks := func(s tests.ApiScenario) tests.ApiScenario {
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			addBlockRow(t, app, testutil.AliceId, testutil.BobId)
			addBlockRow(t, app, testutil.CarolId, testutil.BobId)
		}
		return s
	}
	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/unblock") {
		s := withBlocks(as(t, friendsScenario("alice unblocks bob at "+url, url, `{"email":"bob@example.com"}`, 200,
			testutil.BodyIs(unblockedAnswer),
			blocksAre(1, [2]string{testutil.CarolId, testutil.BobId}), // carol's block stays
		), testutil.AliceEmail))
		s.ExpectedEvents = testutil.WriteEvents(0, 0, 1)
		scenarios = append(scenarios, s)
	}
	notBlocked := withBlocks(as(t, friendsScenario("not blocked: the same answer, nothing deleted", "/user/unblock/", `{"email":"dave@example.com"}`, 200,
		testutil.BodyIs(unblockedAnswer), blocksAre(2)), testutil.AliceEmail))
	notBlocked.ExpectedEvents = testutil.WriteEvents(0, 0, 0)
	// bob cannot lift the blocks that name him
	bob := withBlocks(as(t, friendsScenario("the blocked member cannot lift it", "/user/unblock/", `{"email":"alice@example.com"}`, 200,
		testutil.BodyIs(unblockedAnswer), blocksAre(2)), testutil.BobEmail))
	scenarios = append(scenarios, notBlocked, bob,
		withBlocks(as(t, friendsScenario("yourself", "/user/unblock/", `{"email":"alice@example.com"}`, 400,
			testutil.BodyIs(`{"detail":"You cannot unblock yourself."}`), blocksAre(2)), testutil.AliceEmail)),
		withBlocks(as(t, friendsScenario("unknown e-mail", "/user/unblock/", `{"email":"nobody@example.com"}`, 404,
			testutil.BodyIs(`{"detail":"User with this email does not exist."}`), blocksAre(2)), testutil.AliceEmail)),
	)
	for _, r := range rejectedInput {
		scenarios = append(scenarios, withBlocks(as(t, friendsScenario(r.name, "/user/unblock/", r.body, r.status,
			testutil.BodyIs(r.want), blocksAre(2)), testutil.AliceEmail)))
	}
	for _, url := range testutil.Spellings("/user/unblock") {
		for _, s := range testutil.AuthRejections(t, http.MethodPost, url, `{"email":"bob@example.com"}`, blocksAre(2)) {
			scenarios = append(scenarios, withBlocks(s))
		}
	}
	testutil.Run(t, scenarios)
}

func TestBlockedList(t *testing.T) {
	t.Parallel()

	get := func(name, url, email string, checks ...testutil.Check) tests.ApiScenario {
		s := as(t, tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             url,
			ExpectedStatus:  200,
			ExpectedContent: []string{`[`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(checks...),
		}, email)
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			// blocked within the same millisecond, the later row with the
			// smaller id: first blocked is still first
			testutil.MustSave(t, app, "blocks", map[string]any{"id": "zzzzzzzzzzzzzzz", "user": testutil.AliceId, "blocked": testutil.DaveId})
			testutil.MustSave(t, app, "blocks", map[string]any{"id": "aaaaaaaaaaaaaaa", "user": testutil.AliceId, "blocked": testutil.BobId})
			if _, err := app.DB().NewQuery("UPDATE blocks SET created = '2026-12-01 10:00:00.000Z'").Execute(); err != nil {
				t.Fatal(err)
			}
		}
		s.ExpectedEvents = map[string]int{"*": 0}
		return s
	}
	want := `[{"id":"` + testutil.DaveId + `","nickname":"dave","profile_picture":null},` +
		`{"id":"` + testutil.BobId + `","nickname":"bob","profile_picture":null}]`
	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/blocked") {
		scenarios = append(scenarios, get("alice's blocks, first blocked first, at "+url, url, testutil.AliceEmail,
			testutil.BodyIs(want), lacks(testutil.BobEmail)))
	}
	scenarios = append(scenarios,
		// the blocked member is never told, and nobody sees someone else's blocks
		get("bob, blocked by alice, lists nothing", "/user/blocked/", testutil.BobEmail, testutil.BodyIs(`[]`)),
		get("carol lists nothing of alice's", "/user/blocked/", testutil.CarolEmail, testutil.BodyIs(`[]`)),
	)
	for _, url := range testutil.Spellings("/user/blocked") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodGet, url, "")...)
	}
	testutil.Run(t, scenarios)
}

// TestBlockedAddFriend: a member someone blocked adds them as usual and
// nothing is stored (nor notified); the SDK's friends create is refused.
func TestBlockedAddFriend(t *testing.T) {
	t.Parallel()
	blocked := func(s tests.ApiScenario) tests.ApiScenario {
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			addBlockRow(t, app, testutil.AliceId, testutil.BobId)
		}
		return s
	}
	rest := blocked(as(t, friendsScenario("bob adds alice, who blocked him", "/user/add-friend/", `{"email":"alice@example.com"}`, 200,
		testutil.BodyIs(`{"message":"alice@example.com님을 친구로 추가했습니다."}`),
		friendsUnchanged(),
		countIs("notifications", dbx.HashExp{"user": testutil.AliceId, "actor": testutil.BobId}, 0),
	), testutil.BobEmail))
	rest.ExpectedEvents = testutil.WriteEvents(0, 0, 0)
	sdk := blocked(as(t, friendsScenario("bob adds alice with the SDK", "/api/collections/friends/records", `{"friend":"`+testutil.AliceId+`"}`, 400,
		friendsUnchanged(), countIs("notifications", dbx.HashExp{"user": testutil.AliceId, "actor": testutil.BobId}, 0),
	), testutil.BobEmail))
	sdk.Headers["Content-Type"] = "application/json"
	sdk.ExpectedEvents = nil
	// the other way round is as usual
	alice := blocked(as(t, friendsScenario("alice adds carol", "/user/add-friend/", `{"email":"carol@example.com"}`, 200,
		friendsRowsAre(fixtureFriends+1, [][2]string{{testutil.AliceId, testutil.CarolId}}, nil),
	), testutil.AliceEmail))
	testutil.Run(t, []tests.ApiScenario{rest, sdk, alice})
}
