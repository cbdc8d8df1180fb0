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
func (c *client) sdkLogin(email string) string {
	c.t.Helper()
	res := c.sdkLoginResponse(email)
	if res.Status != http.StatusOK {
		c.t.Fatalf("SDK login %s: %d %s", email, res.Status, res.Body)
	}
	token, _ := res.JSON(c.t)["token"].(string)
	if token == "" {
		c.t.Fatalf("SDK login %s: no token in %s", email, res.Body)
	}
	return token
}

func (c *client) sdkLoginResponse(email string) response {
	return c.do(http.MethodPost, "/api/collections/users/auth-with-password",
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
func (c *client) authRefresh(token string) string {
	c.t.Helper()
	res := c.do(http.MethodPost, "/api/collections/users/auth-refresh", "", token)
	if res.Status != http.StatusOK {
		c.t.Fatalf("auth-refresh: %d %s", res.Status, res.Body)
	}
	renewed, _ := res.JSON(c.t)["token"].(string)
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
func (c *client) expectEnded(name, token string) {
	c.t.Helper()
	if res := c.do(http.MethodGet, "/user/profile/", "", token); res.Status != http.StatusUnauthorized {
		c.t.Errorf("%s: /user/profile/ %d %s, want 401", name, res.Status, res.Body)
	}
	if res := c.do(http.MethodGet, "/api/collections/users/records/"+testutil.AliceId, "", token); res.Status == http.StatusOK {
		c.t.Errorf("%s: the record API still accepts it: %s", name, res.Body)
	}
	if res := c.do(http.MethodPost, "/api/collections/users/auth-refresh", "", token); res.Status != http.StatusUnauthorized {
		c.t.Errorf("%s: auth-refresh %d %s, want 401", name, res.Status, res.Body)
	}
}

func TestSDKLoginIsASession(t *testing.T) {
	t.Parallel()

	t.Run("logout with a refreshed token ends the original one", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		original := c.sdkLogin(testutil.AliceEmail)
		s := sid(t, original)
		if s == "" || testutil.Count(t, c.app, "login_sessions", dbx.HashExp{"id": s, "user": testutil.AliceId}) != 1 {
			t.Fatalf("the SDK login opened no session (sid %q)", s)
		}
		shortenTokens(t, c.app)
		refreshed := c.authRefresh(original)
		if refreshed == original {
			t.Fatal("the renewed token is the original one")
		}
		if sid(t, refreshed) != s {
			t.Fatalf("auth-refresh left the session: sid %q, want %q", sid(t, refreshed), s)
		}
		other := c.sdkLogin(testutil.AliceEmail) // another login of alice's
		if sid(t, other) == s {
			t.Fatal("two logins share a session")
		}

		if res := c.do(http.MethodPost, "/user/logout/", "", refreshed); res.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		c.expectEnded("the original token", original)
		c.expectEnded("the refreshed token", refreshed)
		if sessionExists(t, c.app, s) {
			t.Error("the session still exists")
		}
		if res := c.do(http.MethodGet, "/user/profile/", "", other); res.Status != http.StatusOK {
			t.Errorf("the other login was ended too: %d %s", res.Status, res.Body)
		}
		countIs("revoked_tokens", nil, 0)(t, c.app, nil)
	})

	t.Run("logout with the original token ends the refreshed one", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		original := c.sdkLogin(testutil.AliceEmail)
		shortenTokens(t, c.app)
		refreshed := c.authRefresh(c.authRefresh(original))
		if refreshed == original {
			t.Fatal("the renewed token is the original one")
		}
		if res := c.do(http.MethodPost, "/api/user/logout", "", original); res.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		c.expectEnded("the refreshed token", refreshed)
		c.expectEnded("the original token", original)
	})

	t.Run("a superuser's impersonation token is still revoked on its own", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		admin := strings.TrimPrefix(testutil.AuthHeader(t, testutil.SuperuserEmail)["Authorization"], "Bearer ")
		res := c.do(http.MethodPost, "/api/collections/users/impersonate/"+testutil.AliceId, "", admin)
		if res.Status != http.StatusOK {
			t.Fatalf("impersonate: %d %s", res.Status, res.Body)
		}
		token, _ := res.JSON(t)["token"].(string)
		if sid(t, token) != "" {
			t.Fatal("an impersonation token got a session")
		}
		if res := c.do(http.MethodPost, "/user/logout/", "", token); res.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		countIs("revoked_tokens", nil, 1)(t, c.app, nil)
		countIs("login_sessions", nil, 0)(t, c.app, nil)
		if res := c.do(http.MethodGet, "/user/profile/", "", token); res.Status != http.StatusUnauthorized {
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
			c := clientFor(t, app, e)
			original := c.sdkLogin(testutil.AliceEmail)
			shortenTokens(t, app)
			refreshed := c.authRefresh(original)
			if refreshed == original {
				t.Fatal("the renewed token is the original one")
			}
			if res := c.do(http.MethodPost, "/user/logout/", "", refreshed); res.Status != http.StatusOK {
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
func withLoginRate(t *testing.T, burst int) *client {
	t.Helper()
	c := newClient(t)
	limits.Of(c.app).LoginCreate = limits.Rate{Burst: burst, PerMinute: 1}
	return c
}

func expectLoginThrottled(t *testing.T, name string, res response) {
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
			c.login(testutil.AliceEmail)
		}
		res := c.do(http.MethodPost, "/user/login/", testutil.JSONOf(map[string]string{"email": testutil.AliceEmail, "password": testutil.Password}), "")
		expectLoginThrottled(t, "fourth login", res)
		body := res.JSON(t)
		assertKeys(t, body, "detail")
		if d, _ := body["detail"].(string); !strings.HasPrefix(d, "Request was throttled. Expected available in ") {
			t.Errorf("detail = %q", d)
		}
		countIs("login_sessions", dbx.HashExp{"user": testutil.AliceId}, 3)(t, c.app, nil)
		// not a failure: no failed-login count was left behind...
		c.login(testutil.BobEmail) // ...and other members are not affected
		// a wrong password is still a plain failure
		if res := c.do(http.MethodPost, "/user/login/", `{"email":"alice@example.com","password":"wrong-password"}`, ""); res.Status != http.StatusBadRequest {
			t.Errorf("wrong password while throttled: %d, want 400", res.Status)
		}
	})

	t.Run("the SDK's auth-with-password shares the count", func(t *testing.T) {
		t.Parallel()
		c := withLoginRate(t, 2)
		c.login(testutil.AliceEmail)
		c.sdkLogin(testutil.AliceEmail)
		res := c.sdkLoginResponse(testutil.AliceEmail)
		expectLoginThrottled(t, "third login through the SDK", res)
		if strings.Contains(string(res.Body), `"token"`) {
			t.Errorf("a throttled login handed out a token: %s", res.Body)
		}
		expectLoginThrottled(t, "then through REST", c.do(http.MethodPost, "/user/login/",
			testutil.JSONOf(map[string]string{"email": testutil.AliceEmail, "password": testutil.Password}), ""))
		countIs("login_sessions", dbx.HashExp{"user": testutil.AliceId}, 2)(t, c.app, nil)
		c.sdkLogin(testutil.BobEmail)
		// auth-refresh is no new login
		token := c.sdkLogin(testutil.BobEmail)
		for range 3 {
			token = c.authRefresh(token)
		}
	})
}
