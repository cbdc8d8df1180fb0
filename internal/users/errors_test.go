package users_test

// Database failures are failures, never answers: a revocation or session
// check that cannot run refuses the token, and a lookup that fails answers
// 500 instead of "not found".

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// breakTable renames table, so every query of it fails with "no such table".
func breakTable(t testing.TB, app core.App, table string) {
	t.Helper()
	if _, err := app.DB().NewQuery("ALTER TABLE {{" + table + "}} RENAME TO {{" + table + "_broken}}").Execute(); err != nil {
		t.Fatal(err)
	}
}

// serverError is the answer to an unexpected failure.
const serverError = `{"detail":"A server error occurred."}`

func TestDatabaseFailuresFailClosed(t *testing.T) {
	t.Parallel()

	var access string
	sessionHeaders := map[string]string{}
	scenarios := []tests.ApiScenario{
		{
			Name:           "a plain token is refused when the revocation list cannot be read",
			Method:         http.MethodGet,
			URL:            "/user/profile/",
			Headers:        testutil.AuthHeader(t, testutil.AliceEmail),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { breakTable(t, app, "revoked_tokens") },
			ExpectedStatus: 401,
			ExpectedContent: []string{
				`"token_not_valid"`,
			},
			NotExpectedContent: []string{testutil.AliceEmail},
			TestAppFactory:     testutil.Factory,
			AfterTestFunc:      testutil.After(testutil.BodyIs(testutil.BadTokenBody)),
		},
		{
			Name:           "PocketBase's record API refuses it too",
			Method:         http.MethodGet,
			URL:            "/api/collections/users/records/" + testutil.AliceId,
			Headers:        testutil.AuthHeader(t, testutil.AliceEmail),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { breakTable(t, app, "revoked_tokens") },
			ExpectedStatus: 404, // the users view rule needs a member: the token no longer makes one
			ExpectedContent: []string{
				`"status":404`,
			},
			NotExpectedContent: []string{testutil.AliceEmail},
			TestAppFactory:     testutil.Factory,
		},
		{
			Name:    "a session token is refused when the sessions cannot be read",
			Method:  http.MethodGet,
			URL:     "/user/profile/",
			Headers: sessionHeaders,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				s := testutil.ClientFor(t, app, e).Login(testutil.AliceEmail)
				access = s.Access
				sessionHeaders["Authorization"] = "Bearer " + access
				breakTable(t, app, "login_sessions")
			},
			ExpectedStatus:  401,
			ExpectedContent: []string{`"token_not_valid"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(testutil.BodyIs(testutil.BadTokenBody)),
		},
		{
			// before: the failed lookup read as "no such member" and the
			// attempt counted as a wrong password
			Name:               "login while members cannot be read is a server error, not bad credentials",
			Method:             http.MethodPost,
			URL:                "/user/login/",
			Body:               strings.NewReader(`{"email":"alice@example.com","password":"` + testutil.Password + `"}`),
			BeforeTestFunc:     func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { breakTable(t, app, "users") },
			ExpectedStatus:     500,
			ExpectedContent:    []string{serverError},
			NotExpectedContent: []string{"Unable to log in", `"access"`},
			TestAppFactory:     testutil.Factory,
		},
		{
			Name:               "delete-friend while friends rows cannot be read is a server error, not 'not on your list'",
			Method:             http.MethodPost,
			URL:                "/user/delete-friend/",
			Headers:            testutil.AuthHeader(t, testutil.AliceEmail),
			Body:               strings.NewReader(`{"email":"bob@example.com"}`),
			BeforeTestFunc:     func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { breakTable(t, app, "friends") },
			ExpectedStatus:     500,
			ExpectedContent:    []string{serverError},
			NotExpectedContent: []string{"친구 목록에 없습니다"},
			TestAppFactory:     testutil.Factory,
		},
		{
			Name:               "add-friend while friends rows cannot be read is a server error",
			Method:             http.MethodPost,
			URL:                "/user/add-friend/",
			Headers:            testutil.AuthHeader(t, testutil.AliceEmail),
			Body:               strings.NewReader(`{"email":"carol@example.com"}`),
			BeforeTestFunc:     func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { breakTable(t, app, "friends") },
			ExpectedStatus:     500,
			ExpectedContent:    []string{serverError},
			NotExpectedContent: []string{"친구로 추가했습니다"},
			TestAppFactory:     testutil.Factory,
		},
	}
	testutil.Run(t, scenarios)
}

// A refresh that cannot read the sessions is a server error (the client
// may retry), not "token invalid" (which makes clients log out).
func TestTokenRefreshDatabaseFailure(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	s := c.Login(testutil.AliceEmail)
	breakTable(t, c.App, "login_sessions")
	res := c.Send(http.MethodPost, "/user/token/refresh/", testutil.JSONOf(map[string]string{"refresh": s.Refresh}), "")
	if res.Status != http.StatusInternalServerError {
		t.Fatalf("refresh with unreadable sessions: %d %s, want 500", res.Status, res.Body)
	}
}
