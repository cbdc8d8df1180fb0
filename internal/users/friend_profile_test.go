package users_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

func TestFriendProfile(t *testing.T) {
	t.Parallel()

	view := func(name, url, viewer string, status int, checks ...testutil.Check) tests.ApiScenario {
		return as(t, tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             url,
			ExpectedStatus:  status,
			ExpectedContent: []string{`"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(checks...),
		}, viewer)
	}
	withRow := func(s tests.ApiScenario, user, friend string) tests.ApiScenario {
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { addFriendRow(t, app, user, friend) }
		return s
	}

	bobProfile := map[string]any{
		"id": testutil.BobId, "user": testutil.BobId, "email": testutil.BobEmail, "nickname": "bob", "profile_picture": nil,
		"bio": "bob's bio", "contact_number": "010-1234-5678", "status": "available", "is_private": false, "friends_emails": []string{},
	}
	carolProfile := map[string]any{
		"id": testutil.CarolId, "email": testutil.CarolEmail, "nickname": "carol", "bio": "carol's bio",
		"is_private": true, "friends_emails": []string{testutil.AliceEmail},
	}
	private := []testutil.Check{testutil.BodyIs(privateBody), lacks("carol's bio", testutil.CarolEmail, testutil.CarolId)}

	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/friend-profile/" + testutil.BobId) {
		scenarios = append(scenarios, view("alice views bob at "+url, url, testutil.AliceEmail, 200, profileIs(bobProfile), noSecrets))
	}

	scenarios = append(scenarios,
		// carol is private; her list holds alice, not bob
		view("bob views private carol", "/user/friend-profile/"+testutil.CarolId+"/", testutil.BobEmail, 403, private...),
		view("bob views private carol under /api", "/api/user/friend-profile/"+testutil.CarolId, testutil.BobEmail, 403, private...),
		view("alice (on carol's list) views private carol", "/user/friend-profile/"+testutil.CarolId+"/", testutil.AliceEmail, 200,
			profileIs(carolProfile), noSecrets),
		view("carol views herself", "/user/friend-profile/"+testutil.CarolId+"/", testutil.CarolEmail, 200, profileIs(carolProfile)),
		withRow(view("bob, once on carol's list, views her", "/user/friend-profile/"+testutil.CarolId+"/", testutil.BobEmail, 200,
			profileIs(map[string]any{"id": testutil.CarolId, "friends_emails": []string{testutil.AliceEmail, testutil.BobEmail}})),
			testutil.CarolId, testutil.BobId),
		// keeping carol on bob's own list does not open her profile to him
		withRow(view("bob keeping carol on his list still may not", "/user/friend-profile/"+testutil.CarolId+"/", testutil.BobEmail, 403, private...),
			testutil.BobId, testutil.CarolId),
		view("dave's hidden e-mail is not shown", "/user/friend-profile/"+testutil.DaveId+"/", testutil.AliceEmail, 200,
			profileIs(map[string]any{"id": testutil.DaveId, "email": nil, "nickname": "dave"}), lacks(testutil.DaveEmail), noSecrets),
		view("dave sees his own e-mail", "/user/friend-profile/"+testutil.DaveId+"/", testutil.DaveEmail, 200,
			profileIs(map[string]any{"id": testutil.DaveId, "email": testutil.DaveEmail})),
		// alice keeps dave: others see her list without his hidden e-mail
		withRow(view("a hidden e-mail on someone's friends list", "/user/friend-profile/"+testutil.AliceId+"/", testutil.BobEmail, 200,
			profileIs(map[string]any{"id": testutil.AliceId, "friends_emails": []string{testutil.BobEmail}}), lacks(testutil.DaveEmail)),
			testutil.AliceId, testutil.DaveId),
		// alice keeps carol (private; carol's list holds alice, not bob): bob
		// may not see carol, so neither may he see her e-mail on alice's list
		withRow(view("a private member's e-mail on someone's friends list", "/user/friend-profile/"+testutil.AliceId+"/", testutil.BobEmail, 200,
			profileIs(map[string]any{"id": testutil.AliceId, "friends_emails": []string{testutil.BobEmail}}), lacks(testutil.CarolEmail)),
			testutil.AliceId, testutil.CarolId),
		// ...while alice, on carol's list, sees it on her own profile
		withRow(view("alice sees the private friend who lists her", "/user/friend-profile/"+testutil.AliceId+"/", testutil.AliceEmail, 200,
			profileIs(map[string]any{"id": testutil.AliceId, "friends_emails": []string{testutil.BobEmail, testutil.CarolEmail}})),
			testutil.AliceId, testutil.CarolId),
		// bob keeps carol, who does not list him: his own list does not show him her e-mail either
		withRow(view("a private member who does not list the owner", "/user/friend-profile/"+testutil.BobId+"/", testutil.BobEmail, 200,
			profileIs(map[string]any{"id": testutil.BobId, "friends_emails": []string{}}), lacks(testutil.CarolEmail)),
			testutil.BobId, testutil.CarolId),
		// alice keeps dave (hidden e-mail): dave himself sees his own e-mail there
		withRow(view("the viewer's own hidden e-mail on someone's list", "/user/friend-profile/"+testutil.AliceId+"/", testutil.DaveEmail, 200,
			profileIs(map[string]any{"id": testutil.AliceId, "friends_emails": []string{testutil.BobEmail, testutil.DaveEmail}})),
			testutil.AliceId, testutil.DaveId),
		view("unknown id", "/user/friend-profile/nosuchuser0001/", testutil.AliceEmail, 404, testutil.BodyIs(testutil.NotFoundBody)),
		view("unknown id under /api without slash", "/api/user/friend-profile/nosuchuser0001", testutil.AliceEmail, 404, testutil.BodyIs(testutil.NotFoundBody)),
		view("id of a record of another collection", "/user/friend-profile/"+testutil.PostId+"/", testutil.AliceEmail, 404, testutil.BodyIs(testutil.NotFoundBody)),
		view("id with SQL characters", "/user/friend-profile/x'%20OR%20'1'='1/", testutil.AliceEmail, 404, testutil.BodyIs(testutil.NotFoundBody)),
		view("no auth, private member", "/user/friend-profile/"+testutil.CarolId+"/", "", 401, testutil.BodyIs(testutil.NoAuthBody)),
		view("no auth, unknown id", "/user/friend-profile/nosuchuser0001/", "", 401, testutil.BodyIs(testutil.NoAuthBody)),
	)

	for _, url := range testutil.Spellings("/user/friend-profile/" + testutil.BobId) {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodGet, url, "")...)
	}
	testutil.Run(t, scenarios)
}
