package users_test

// Every login is one session, whichever API made it: the SDK's
// authWithPassword too. Logging out with any token of a login ends all of
// its tokens, also those PocketBase's auth-refresh minted from it.

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// sdkLogin signs email in with PocketBase's auth-with-password and returns
// the token; it fails the test otherwise.
func sdkLogin(c *testutil.Client, email string) string {
	c.T.Helper()
	res := sdkLoginResponse(c, email)
	if res.Status != http.StatusOK {
		c.T.Fatalf("SDK login %s: %d %s", email, res.Status, res.Body)
	}
	token, _ := res.JSON(c.T)["token"].(string)
	if token == "" {
		c.T.Fatalf("SDK login %s: no token in %s", email, res.Body)
	}
	return token
}

func sdkLoginResponse(c *testutil.Client, email string) testutil.Response {
	return c.Send(http.MethodPost, "/api/collections/users/auth-with-password",
		testutil.JSONOf(map[string]string{"identity": email, "password": testutil.Password}), "")
}

// shortenTokens makes the tokens signed from now on expire a minute
// earlier, so that a token renewed within the same second differs from
// the one it renews (the same claims signed twice are the same string).
func shortenTokens(t testing.TB, app core.App) {
	t.Helper()
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	users.AuthToken.Duration -= 60
	if err := app.Save(users); err != nil {
		t.Fatal(err)
	}
}

// authRefresh renews token with PocketBase's auth-refresh.
func authRefresh(c *testutil.Client, token string) string {
	c.T.Helper()
	res := c.Send(http.MethodPost, "/api/collections/users/auth-refresh", "", token)
	if res.Status != http.StatusOK {
		c.T.Fatalf("auth-refresh: %d %s", res.Status, res.Body)
	}
	renewed, _ := res.JSON(c.T)["token"].(string)
	return renewed
}

func sid(t testing.TB, token string) string {
	t.Helper()
	claims, err := security.ParseUnverifiedJWT(token)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := claims["sid"].(string)
	return s
}

// expectEnded checks that token is refused everywhere: our routes,
// PocketBase's record API and PocketBase's auth-refresh.
func expectEnded(c *testutil.Client, name, token string) {
	c.T.Helper()
	if res := c.Send(http.MethodGet, "/user/profile/", "", token); res.Status != http.StatusUnauthorized {
		c.T.Errorf("%s: /user/profile/ %d %s, want 401", name, res.Status, res.Body)
	}
	if res := c.Send(http.MethodGet, "/api/collections/users/records/"+testutil.AliceId, "", token); res.Status == http.StatusOK {
		c.T.Errorf("%s: the record API still accepts it: %s", name, res.Body)
	}
	if res := c.Send(http.MethodPost, "/api/collections/users/auth-refresh", "", token); res.Status != http.StatusUnauthorized {
		c.T.Errorf("%s: auth-refresh %d %s, want 401", name, res.Status, res.Body)
	}
}

func TestSDKLoginIsASession(t *testing.T) {
	t.Parallel()

	t.Run("logout with a refreshed token ends the original one", func(t *testing.T) {
		t.Parallel()
		c := testutil.NewClient(t)
		original := sdkLogin(c, testutil.AliceEmail)
		s := sid(t, original)
		if s == "" || testutil.Count(t, c.App, "login_sessions", dbx.HashExp{"id": s, "user": testutil.AliceId}) != 1 {
			t.Fatalf("the SDK login opened no session (sid %q)", s)
		}
		shortenTokens(t, c.App)
		refreshed := authRefresh(c, original)
		if refreshed == original {
			t.Fatal("the renewed token is the original one")
		}
		if sid(t, refreshed) != s {
			t.Fatalf("auth-refresh left the session: sid %q, want %q", sid(t, refreshed), s)
		}
		other := sdkLogin(c, testutil.AliceEmail) // another login of alice's
		if sid(t, other) == s {
			t.Fatal("two logins share a session")
		}

		if res := c.Send(http.MethodPost, "/user/logout/", "", refreshed); res.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		expectEnded(c, "the original token", original)
		expectEnded(c, "the refreshed token", refreshed)
		if sessionExists(t, c.App, s) {
			t.Error("the session still exists")
		}
		if res := c.Send(http.MethodGet, "/user/profile/", "", other); res.Status != http.StatusOK {
			t.Errorf("the other login was ended too: %d %s", res.Status, res.Body)
		}
		countIs("revoked_tokens", nil, 0)(t, c.App, nil)
	})

	t.Run("logout with the original token ends the refreshed one", func(t *testing.T) {
		t.Parallel()
		c := testutil.NewClient(t)
		original := sdkLogin(c, testutil.AliceEmail)
		shortenTokens(t, c.App)
		refreshed := authRefresh(c, authRefresh(c, original))
		if refreshed == original {
			t.Fatal("the renewed token is the original one")
		}
		if res := c.Send(http.MethodPost, "/api/user/logout", "", original); res.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		expectEnded(c, "the refreshed token", refreshed)
		expectEnded(c, "the original token", original)
	})

	t.Run("a superuser's impersonation token is still revoked on its own", func(t *testing.T) {
		t.Parallel()
		c := testutil.NewClient(t)
		admin := strings.TrimPrefix(testutil.AuthHeader(t, testutil.SuperuserEmail)["Authorization"], "Bearer ")
		res := c.Send(http.MethodPost, "/api/collections/users/impersonate/"+testutil.AliceId, "", admin)
		if res.Status != http.StatusOK {
			t.Fatalf("impersonate: %d %s", res.Status, res.Body)
		}
		token, _ := res.JSON(t)["token"].(string)
		if sid(t, token) != "" {
			t.Fatal("an impersonation token got a session")
		}
		if res := c.Send(http.MethodPost, "/user/logout/", "", token); res.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		countIs("revoked_tokens", nil, 1)(t, c.App, nil)
		countIs("login_sessions", nil, 0)(t, c.App, nil)
		if res := c.Send(http.MethodGet, "/user/profile/", "", token); res.Status != http.StatusUnauthorized {
			t.Errorf("impersonation token after logout: %d", res.Status)
		}
	})
}

// PocketBase's auth-refresh of a login that was logged out is refused.
func TestAuthRefreshOfEndedSDKLogin(t *testing.T) {
	t.Parallel()
	headers := map[string]string{}
	scenario := tests.ApiScenario{
		Name:    "auth-refresh with the original token after logout with a refreshed one",
		Method:  http.MethodPost,
		URL:     "/api/collections/users/auth-refresh",
		Headers: headers,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			c := testutil.ClientFor(t, app, e)
			original := sdkLogin(c, testutil.AliceEmail)
			shortenTokens(t, app)
			refreshed := authRefresh(c, original)
			if refreshed == original {
				t.Fatal("the renewed token is the original one")
			}
			if res := c.Send(http.MethodPost, "/user/logout/", "", refreshed); res.Status != http.StatusOK {
				t.Fatalf("logout: %d %s", res.Status, res.Body)
			}
			headers["Authorization"] = "Bearer " + original
		},
		ExpectedStatus:     401,
		ExpectedContent:    []string{`"status":401`},
		NotExpectedContent: []string{`"token":`},
		ExpectedEvents:     map[string]int{"*": 0},
		TestAppFactory:     testutil.Factory,
		AfterTestFunc:      testutil.After(countIs("login_sessions", nil, 0)),
	}
	scenario.Test(t)
}

// ---------------------------------------------------------------------------
// Successful logins per member

// withLoginRate is a test app whose members may log in burst times.
func withLoginRate(t *testing.T, burst int) *testutil.Client {
	t.Helper()
	c := testutil.NewClient(t)
	limits.Of(c.App).LoginCreate = limits.Rate{Burst: burst, PerMinute: 1}
	return c
}

func expectLoginThrottled(t *testing.T, name string, res testutil.Response) {
	t.Helper()
	if res.Status != http.StatusTooManyRequests {
		t.Fatalf("%s: %d %s, want 429", name, res.Status, res.Body)
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("%s: Retry-After = %q, want 1..60 seconds", name, res.Header.Get("Retry-After"))
	}
}

func TestSuccessfulLoginsLimited(t *testing.T) {
	t.Parallel()

	t.Run("REST login", func(t *testing.T) {
		t.Parallel()
		c := withLoginRate(t, 3)
		for range 3 {
			c.Login(testutil.AliceEmail)
		}
		res := c.Send(http.MethodPost, "/user/login/", testutil.JSONOf(map[string]string{"email": testutil.AliceEmail, "password": testutil.Password}), "")
		expectLoginThrottled(t, "fourth login", res)
		body := res.JSON(t)
		testutil.AssertKeys(t, "body", body, testutil.Exactly, "detail")
		if d, _ := body["detail"].(string); !strings.HasPrefix(d, "Request was throttled. Expected available in ") {
			t.Errorf("detail = %q", d)
		}
		countIs("login_sessions", dbx.HashExp{"user": testutil.AliceId}, 3)(t, c.App, nil)
		// not a failure: no failed-login count was left behind...
		c.Login(testutil.BobEmail) // ...and other members are not affected
		// a wrong password is still a plain failure
		if res := c.Send(http.MethodPost, "/user/login/", `{"email":"alice@example.com","password":"wrong-password"}`, ""); res.Status != http.StatusBadRequest {
			t.Errorf("wrong password while throttled: %d, want 400", res.Status)
		}
	})

	t.Run("the SDK's auth-with-password shares the count", func(t *testing.T) {
		t.Parallel()
		c := withLoginRate(t, 2)
		c.Login(testutil.AliceEmail)
		sdkLogin(c, testutil.AliceEmail)
		res := sdkLoginResponse(c, testutil.AliceEmail)
		expectLoginThrottled(t, "third login through the SDK", res)
		if strings.Contains(string(res.Body), `"token"`) {
			t.Errorf("a throttled login handed out a token: %s", res.Body)
		}
		expectLoginThrottled(t, "then through REST", c.Send(http.MethodPost, "/user/login/",
			testutil.JSONOf(map[string]string{"email": testutil.AliceEmail, "password": testutil.Password}), ""))
		countIs("login_sessions", dbx.HashExp{"user": testutil.AliceId}, 2)(t, c.App, nil)
		sdkLogin(c, testutil.BobEmail)
		// auth-refresh is no new login
		token := sdkLogin(c, testutil.BobEmail)
		for range 3 {
			token = authRefresh(c, token)
		}
	})
}
