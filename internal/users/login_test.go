package users_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

const (
	welcome   = "환영합니다."
	loggedOut = `{"message":"로그아웃이 완료되었습니다."}`
)

// ---------------------------------------------------------------------------
// POST /user/login/

// loggedInAs checks a successful login answer: the documented keys, the
// caller's own profile, a stored session and an access token that
// PocketBase accepts for that member.
func loggedInAs(id, email string) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		obj := testutil.DecodeObject(t, body)
		testutil.AssertKeys(t, "obj", obj, testutil.Exactly, "message", "profile", "refresh", "access", "session_id")
		if obj["message"] != welcome {
			t.Errorf("message = %v", obj["message"])
		}
		profile, _ := obj["profile"].(map[string]any)
		assertProfileShape(t, profile)
		assertFields(t, profile, map[string]any{"id": id, "email": email})

		sid, _ := obj["session_id"].(string)
		if testutil.Count(t, app, "login_sessions", dbx.HashExp{"id": sid, "user": id}) != 1 {
			t.Errorf("no login_sessions row %q for %s", sid, id)
		}
		access, _ := obj["access"].(string)
		record, err := app.FindAuthRecordByToken(access, core.TokenTypeAuth)
		if err != nil || record.Id != id {
			t.Errorf("access token is not a PocketBase auth token of %s: %v", id, err)
		}
		refresh, _ := obj["refresh"].(string)
		if _, err := app.FindAuthRecordByToken(refresh, core.TokenTypeAuth); err == nil {
			t.Error("PocketBase accepts the refresh token as an auth token")
		}
		noSecrets(t, app, body)
	}
}

func noSessions() testutil.Check { return countIs("login_sessions", nil, 0) }

func TestLogin(t *testing.T) {
	t.Parallel()

	aliceLogin := `{"email":"alice@example.com","password":"` + testutil.Password + `"}`
	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/login") {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            "alice at " + url,
			Method:          http.MethodPost,
			URL:             url,
			Body:            strings.NewReader(aliceLogin),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"message":"` + welcome + `"`, `"friends_emails":["bob@example.com"]`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				cookie := res.Header.Get("Set-Cookie")
				if !strings.Contains(cookie, "cobra_access=") || !strings.Contains(cookie, "HttpOnly") {
					t.Errorf("Set-Cookie = %q, want an HttpOnly cobra_access cookie", cookie)
				}
				testutil.After(loggedInAs(testutil.AliceId, testutil.AliceEmail))(t, app, res)
			},
		})
	}

	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:            "e-mail in another letter case and with spaces",
			Method:          http.MethodPost,
			URL:             "/user/login/",
			Body:            strings.NewReader(`{"email":"  ALICE@Example.com ","password":"` + testutil.Password + `"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"message":"` + welcome + `"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(loggedInAs(testutil.AliceId, testutil.AliceEmail)),
		},
		tests.ApiScenario{
			Name:   "an e-mail stored in mixed case, typed in lower case",
			Method: http.MethodPost,
			URL:    "/user/login/",
			Body:   strings.NewReader(`{"email":"mixed.case@example.com","password":"` + testutil.Password + `"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				addMembers(t, app, "Mixed.Case@Example.com")
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"email":"Mixed.Case@Example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(testutil.Keys("message", "profile", "refresh", "access", "session_id"), noSecrets),
		},
		tests.ApiScenario{
			Name:            "dave (hidden e-mail) sees his own e-mail",
			Method:          http.MethodPost,
			URL:             "/user/login/",
			Body:            strings.NewReader(`{"email":"dave@example.com","password":"` + testutil.Password + `"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"email":"dave@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(loggedInAs(testutil.DaveId, testutil.DaveEmail)),
		},
		tests.ApiScenario{
			Name:            "a garbage token does not matter on this public route",
			Method:          http.MethodPost,
			URL:             "/user/login/",
			Body:            strings.NewReader(aliceLogin),
			Headers:         testutil.GarbageAuth,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"message":"` + welcome + `"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(loggedInAs(testutil.AliceId, testutil.AliceEmail)),
		},
	)

	rejected := []struct {
		name, body string
		status     int
		want       string
	}{
		{"wrong password", `{"email":"alice@example.com","password":"wrong-password"}`, 400, badCredentials},
		{"unknown e-mail", `{"email":"nobody@example.com","password":"` + testutil.Password + `"}`, 400, badCredentials},
		{"another member's password", `{"email":"bob@example.com","password":"wrong` + testutil.Password + `"}`, 400, badCredentials},
		{"missing password", `{"email":"alice@example.com"}`, 400, `{"password":["This field is required."]}`},
		{"blank e-mail", `{"email":"","password":"x"}`, 400, `{"email":["This field may not be blank."]}`},
		{"empty body", ``, 400, `{"email":["This field is required."],"password":["This field is required."]}`},
		{"e-mail is a number", `{"email":1,"password":"` + testutil.Password + `"}`, 400, `{"email":["Not a valid string."]}`},
		{"password is a number", `{"email":"alice@example.com","password":123}`, 400, `{"password":["Not a valid string."]}`},
		{"password is true", `{"email":"alice@example.com","password":true}`, 400, `{"password":["Not a valid string."]}`},
		{"JSON list body", `[{"email":"alice@example.com","password":"` + testutil.Password + `"}]`, 400, testutil.ListBodyError},
		{"JSON null body", `null`, 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got null."]}`},
		{"oversized body", oversizedJSON("email"), 413, testutil.TooLargeBody},
	}
	for _, r := range rejected {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:               r.name,
			Method:             http.MethodPost,
			URL:                "/user/login/",
			Body:               strings.NewReader(r.body),
			ExpectedStatus:     r.status,
			ExpectedContent:    []string{`"`},
			NotExpectedContent: []string{`"access"`, `"refresh"`},
			TestAppFactory:     testutil.Factory,
			AfterTestFunc:      testutil.After(testutil.BodyIs(r.want), noSessions()),
		})
	}
	scenarios = append(scenarios, tests.ApiScenario{
		Name:               "malformed JSON",
		Method:             http.MethodPost,
		URL:                "/user/login/",
		Body:               strings.NewReader(`{"email":"alice@example.com","password":"x"`),
		ExpectedStatus:     400,
		ExpectedContent:    []string{`"detail":"JSON parse error`},
		NotExpectedContent: []string{`"access"`},
		TestAppFactory:     testutil.Factory,
		AfterTestFunc:      testutil.After(testutil.Keys("detail"), noSessions()),
	})

	testutil.Run(t, scenarios)
}

// A wrong password and an unknown e-mail must not be told apart.
func TestLoginFailuresLookIdentical(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	wrongPassword := c.Send(http.MethodPost, "/user/login/", `{"email":"alice@example.com","password":"wrong-password"}`, "")
	unknownEmail := c.Send(http.MethodPost, "/user/login/", `{"email":"nobody@example.com","password":"wrong-password"}`, "")

	if wrongPassword.Status != http.StatusBadRequest || unknownEmail.Status != wrongPassword.Status {
		t.Fatalf("statuses %d (wrong password) and %d (unknown e-mail), want both 400", wrongPassword.Status, unknownEmail.Status)
	}
	if !bytes.Equal(wrongPassword.Body, unknownEmail.Body) {
		t.Fatalf("bodies differ:\n%s\n%s", wrongPassword.Body, unknownEmail.Body)
	}
	for _, h := range []string{"Content-Type", "Set-Cookie", "Retry-After"} {
		if wrongPassword.Header.Get(h) != unknownEmail.Header.Get(h) {
			t.Errorf("header %s differs: %q vs %q", h, wrongPassword.Header.Get(h), unknownEmail.Header.Get(h))
		}
	}
	testutil.BodyIs(badCredentials)(t, c.App, wrongPassword.Body)
}

// Repeated failures for one e-mail from one client are throttled.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()

	loginBody := func(email, password string) string {
		return testutil.JSONOf(map[string]string{"email": email, "password": password})
	}
	expectThrottled := func(t *testing.T, res testutil.Response) {
		t.Helper()
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429: %s", res.Status, res.Body)
		}
		seconds, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if err != nil || seconds < 1 || seconds > 15*60 {
			t.Errorf("Retry-After = %q, want seconds within the 15 minute window", res.Header.Get("Retry-After"))
		}
		body := res.JSON(t)
		testutil.AssertKeys(t, "body", body, testutil.Exactly, "detail")
		if d, _ := body["detail"].(string); !strings.HasPrefix(d, "Request was throttled.") {
			t.Errorf("detail = %q", d)
		}
	}
	failFiveTimes := func(t *testing.T, c *testutil.Client, email string) {
		t.Helper()
		for i := range 5 {
			res := c.Send(http.MethodPost, "/user/login/", loginBody(email, "wrong-password"), "")
			if res.Status != http.StatusBadRequest {
				t.Fatalf("failure %d: status %d, want 400: %s", i+1, res.Status, res.Body)
			}
		}
	}

	t.Run("sixth attempt for a known e-mail", func(t *testing.T) {
		c := testutil.NewClient(t)
		// the e-mail's letter case does not give fresh attempts
		failFiveTimes(t, c, "Alice@Example.com")
		expectThrottled(t, c.Send(http.MethodPost, "/user/login/", loginBody(testutil.AliceEmail, "wrong-password"), ""))
		// even the right password waits now
		expectThrottled(t, c.Send(http.MethodPost, "/api/user/login", loginBody(testutil.AliceEmail, testutil.Password), ""))
		if n := testutil.Count(t, c.App, "login_sessions", nil); n != 0 {
			t.Errorf("%d sessions opened while throttled", n)
		}

		// another e-mail from the same client, and the same e-mail from another client, still work
		if res := c.Send(http.MethodPost, "/user/login/", loginBody(testutil.BobEmail, testutil.Password), ""); res.Status != http.StatusOK {
			t.Errorf("bob from the same client: %d %s", res.Status, res.Body)
		}
		c.RemoteAddr = "198.51.100.7:4321"
		if res := c.Send(http.MethodPost, "/user/login/", loginBody(testutil.AliceEmail, testutil.Password), ""); res.Status != http.StatusOK {
			t.Errorf("alice from another client: %d %s", res.Status, res.Body)
		}
	})

	t.Run("sixth attempt for an unknown e-mail looks the same", func(t *testing.T) {
		c := testutil.NewClient(t)
		failFiveTimes(t, c, "nobody@example.com")
		expectThrottled(t, c.Send(http.MethodPost, "/user/login/", loginBody("nobody@example.com", "wrong-password"), ""))
	})

	t.Run("a successful login forgets earlier failures", func(t *testing.T) {
		c := testutil.NewClient(t)
		for range 4 {
			c.Send(http.MethodPost, "/user/login/", loginBody(testutil.AliceEmail, "wrong-password"), "")
		}
		c.Login(testutil.AliceEmail)
		for i := range 4 {
			if res := c.Send(http.MethodPost, "/user/login/", loginBody(testutil.AliceEmail, "wrong-password"), ""); res.Status != http.StatusBadRequest {
				t.Fatalf("failure %d after a success: status %d, want 400", i+1, res.Status)
			}
		}
	})

	t.Run("many e-mails from one client", func(t *testing.T) {
		c := testutil.NewClient(t)
		for i := range 30 {
			res := c.Send(http.MethodPost, "/user/login/", loginBody("guess"+strconv.Itoa(i)+"@example.com", "wrong-password"), "")
			if res.Status != http.StatusBadRequest {
				t.Fatalf("guess %d: status %d, want 400", i, res.Status)
			}
		}
		expectThrottled(t, c.Send(http.MethodPost, "/user/login/", loginBody(testutil.BobEmail, testutil.Password), ""))
	})

	t.Run("the SDK's authWithPassword shares the limit", func(t *testing.T) {
		c := testutil.NewClient(t)
		sdkLogin := func(password string) testutil.Response {
			return c.Send(http.MethodPost, "/api/collections/users/auth-with-password",
				testutil.JSONOf(map[string]string{"identity": testutil.AliceEmail, "password": password}), "")
		}
		for i := range 3 {
			if res := sdkLogin("wrong-password"); res.Status != http.StatusBadRequest {
				t.Fatalf("SDK failure %d: status %d, want 400: %s", i+1, res.Status, res.Body)
			}
		}
		for i := range 2 {
			if res := c.Send(http.MethodPost, "/user/login/", loginBody(testutil.AliceEmail, "wrong-password"), ""); res.Status != http.StatusBadRequest {
				t.Fatalf("REST failure %d: status %d, want 400", i+1, res.Status)
			}
		}
		res := sdkLogin(testutil.Password) // even the right password waits now
		if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Fatalf("SDK login after 5 failures: status %d (Retry-After %q), want 429", res.Status, res.Header.Get("Retry-After"))
		}
		expectThrottled(t, c.Send(http.MethodPost, "/user/login/", loginBody(testutil.AliceEmail, testutil.Password), ""))

		c.RemoteAddr = "198.51.100.8:4321" // another client is not affected
		if res := sdkLogin(testutil.Password); res.Status != http.StatusOK {
			t.Errorf("SDK login from another client: %d %s", res.Status, res.Body)
		}
	})

	t.Run("invalid bodies are not counted", func(t *testing.T) {
		c := testutil.NewClient(t)
		for range 10 {
			c.Send(http.MethodPost, "/user/login/", `{"email":"alice@example.com"}`, "")
		}
		c.Login(testutil.AliceEmail)
	})
}

// ---------------------------------------------------------------------------
// POST /user/token/refresh/

// refreshScenario logs alice in before the request (then runs prepare, when
// given, with her session); body builds the request body from the session,
// and then checks the answer and stored state.
func refreshScenario(name, url string, prepare func(t testing.TB, c *testutil.Client, s testutil.Session), body func(s testutil.Session) string, status int, then func(s *testutil.Session) testutil.Check) tests.ApiScenario {
	var s testutil.Session
	buf := new(bytes.Buffer)
	return tests.ApiScenario{
		Name:            name,
		Method:          http.MethodPost,
		URL:             url,
		Body:            buf,
		ExpectedStatus:  status,
		ExpectedContent: []string{`"`},
		TestAppFactory:  testutil.Factory,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			c := testutil.ClientFor(t, app, e)
			s = c.Login(testutil.AliceEmail)
			if prepare != nil {
				prepare(t, c, s)
			}
			buf.WriteString(body(s))
		},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			testutil.After(then(&s))(t, app, res)
		},
	}
}

// refreshed checks a successful refresh: a new pair for alice's same session.
func refreshed(s *testutil.Session) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		obj := testutil.DecodeObject(t, body)
		testutil.AssertKeys(t, "obj", obj, testutil.Exactly, "access", "refresh")
		access, _ := obj["access"].(string)
		refresh, _ := obj["refresh"].(string)
		if refresh == s.Refresh {
			t.Error("the refresh token was not rotated")
		}
		alice := member(t, app, testutil.AliceId)
		if _, err := app.FindAuthRecordByToken(access, core.TokenTypeAuth); err != nil || !auth.AccessTokenValid(app, alice, access) {
			t.Errorf("new access token is not valid: %v", err)
		}
		if !sessionExists(t, app, s.Id) {
			t.Error("the session was ended by a refresh")
		}
	}
}

// refreshRejected checks the 401 token_not_valid answer.
func refreshRejected(keepSession bool) func(s *testutil.Session) testutil.Check {
	return func(s *testutil.Session) testutil.Check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			testutil.BodyIs(refreshInvalid)(t, app, body)
			if sessionExists(t, app, s.Id) != keepSession {
				t.Errorf("session exists = %v, want %v", !keepSession, keepSession)
			}
		}
	}
}

// sessionKept checks a rejected answer (want, or any {"detail"} body when
// want is empty) and that the request left the session alone.
func sessionKept(want string) func(s *testutil.Session) testutil.Check {
	return func(s *testutil.Session) testutil.Check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			if want != "" {
				testutil.BodyIs(want)(t, app, body)
			} else {
				testutil.Keys("detail")(t, app, body)
			}
			if !sessionExists(t, app, s.Id) {
				t.Error("a rejected request ended the session")
			}
		}
	}
}

func TestTokenRefresh(t *testing.T) {
	t.Parallel()

	refreshBody := func(s testutil.Session) string { return testutil.JSONOf(map[string]string{"refresh": s.Refresh}) }
	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/token/refresh") {
		scenarios = append(scenarios, refreshScenario("refresh at "+url, url, nil, refreshBody, 200, refreshed))
	}

	tampered := func(s testutil.Session) string {
		// flip a character of the signature
		last := s.Refresh[len(s.Refresh)-2]
		swap := byte('A')
		if last == 'A' {
			swap = 'B'
		}
		return testutil.JSONOf(map[string]string{"refresh": s.Refresh[:len(s.Refresh)-2] + string(swap) + s.Refresh[len(s.Refresh)-1:]})
	}
	scenarios = append(scenarios,
		refreshScenario("the access token is not a refresh token", "/user/token/refresh/", nil,
			func(s testutil.Session) string { return testutil.JSONOf(map[string]string{"refresh": s.Access}) }, 401, refreshRejected(true)),
		refreshScenario("a plain PocketBase token is not a refresh token", "/user/token/refresh/", nil,
			func(s testutil.Session) string {
				return testutil.JSONOf(map[string]string{"refresh": strings.TrimPrefix(testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"], "Bearer ")})
			}, 401, refreshRejected(true)),
		refreshScenario("garbage", "/user/token/refresh/", nil,
			func(testutil.Session) string { return `{"refresh":"garbage"}` }, 401, refreshRejected(true)),
		refreshScenario("tampered signature", "/user/token/refresh/", nil, tampered, 401, refreshRejected(true)),
		refreshScenario("missing refresh", "/user/token/refresh/", nil,
			func(testutil.Session) string { return `{}` }, 400, sessionKept(`{"refresh":["This field is required."]}`)),
		refreshScenario("refresh is a number", "/user/token/refresh/", nil,
			func(testutil.Session) string { return `{"refresh":1}` }, 400, sessionKept(`{"refresh":["Not a valid string."]}`)),
		refreshScenario("JSON list body", "/user/token/refresh/", nil,
			func(s testutil.Session) string { return `["` + s.Refresh + `"]` }, 400, sessionKept(testutil.ListBodyError)),
		refreshScenario("malformed JSON", "/user/token/refresh/", nil,
			func(s testutil.Session) string { return `{"refresh":"` + s.Refresh }, 400, sessionKept("")),
		refreshScenario("oversized body", "/user/token/refresh/", nil,
			func(testutil.Session) string { return oversizedJSON("refresh") }, 413, sessionKept(testutil.TooLargeBody)),

		// a refresh token that was already used ends its session
		refreshScenario("reused refresh token", "/user/token/refresh/",
			func(t testing.TB, c *testutil.Client, s testutil.Session) {
				if res := c.Send(http.MethodPost, "/user/token/refresh/", refreshBody(s), ""); res.Status != http.StatusOK {
					t.Fatalf("first refresh: %d %s", res.Status, res.Body)
				}
			}, refreshBody, 401, refreshRejected(false)),

		// a session ended by logout cannot be refreshed
		refreshScenario("refresh after logout", "/user/token/refresh/",
			func(t testing.TB, c *testutil.Client, s testutil.Session) {
				if res := c.Send(http.MethodPost, "/user/logout/", "", s.Access); res.Status != http.StatusOK {
					t.Fatalf("logout: %d %s", res.Status, res.Body)
				}
			}, refreshBody, 401, refreshRejected(false)),

		// the member changed their password: every token of theirs is void
		refreshScenario("refresh after a password change", "/user/token/refresh/",
			func(t testing.TB, c *testutil.Client, s testutil.Session) {
				alice := member(t, c.App, testutil.AliceId)
				alice.SetPassword("another-password")
				if err := c.App.Save(alice); err != nil {
					t.Fatal(err)
				}
			}, refreshBody, 401, refreshRejected(true)),

		// the member was deleted (their sessions go with them)
		refreshScenario("refresh of a deleted member", "/user/token/refresh/",
			func(t testing.TB, c *testutil.Client, s testutil.Session) {
				if err := c.App.Delete(member(t, c.App, testutil.AliceId)); err != nil {
					t.Fatal(err)
				}
			}, refreshBody, 401, refreshRejected(false)),
	)

	testutil.Run(t, scenarios)
}

// ---------------------------------------------------------------------------
// POST /user/logout/

// logoutScenario logs alice in before the request and sends her access
// token (as the Authorization header) and body(s); then checks the answer
// and the stored state.
func logoutScenario(name, url string, body func(t testing.TB, c *testutil.Client, s testutil.Session) string, status int, then func(s *testutil.Session) testutil.Check) tests.ApiScenario {
	var s testutil.Session
	buf := new(bytes.Buffer)
	headers := map[string]string{}
	return tests.ApiScenario{
		Name:            name,
		Method:          http.MethodPost,
		URL:             url,
		Body:            buf,
		Headers:         headers,
		ExpectedStatus:  status,
		ExpectedContent: []string{`"`},
		TestAppFactory:  testutil.Factory,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			c := testutil.ClientFor(t, app, e)
			s = c.Login(testutil.AliceEmail)
			headers["Authorization"] = "Bearer " + s.Access
			buf.WriteString(body(t, c, s))
		},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			testutil.After(then(&s))(t, app, res)
		},
	}
}

// loggedOutOf checks the 200 answer and that alice's session (and with it
// both of its tokens) is gone.
func loggedOutOf(s *testutil.Session) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		testutil.BodyIs(loggedOut)(t, app, body)
		if sessionExists(t, app, s.Id) {
			t.Error("the session still exists after logout")
		}
		if auth.AccessTokenValid(app, member(t, app, testutil.AliceId), s.Access) {
			t.Error("the access token is still valid after logout")
		}
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()

	noBody := func(testing.TB, *testutil.Client, testutil.Session) string { return "" }
	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/logout") {
		sc := logoutScenario("logout at "+url, url, noBody, 200, loggedOutOf)
		sc.ExpectedContent = []string{loggedOut}
		then := sc.AfterTestFunc
		sc.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
			if cookie := res.Header.Get("Set-Cookie"); !strings.Contains(cookie, "cobra_access=;") || !strings.Contains(cookie, "Max-Age=0") {
				t.Errorf("Set-Cookie = %q, want the cobra_access cookie cleared", cookie)
			}
			then(t, app, res)
		}
		scenarios = append(scenarios, sc)
	}

	scenarios = append(scenarios,
		logoutScenario("with the session's refresh token in the body", "/user/logout/",
			func(_ testing.TB, _ *testutil.Client, s testutil.Session) string {
				return testutil.JSONOf(map[string]string{"refresh": s.Refresh})
			},
			200, loggedOutOf),
		logoutScenario("empty JSON object", "/user/logout/",
			func(testing.TB, *testutil.Client, testutil.Session) string { return `{}` }, 200, loggedOutOf),
		logoutScenario("garbage refresh token in the body is ignored", "/user/logout/",
			func(testing.TB, *testutil.Client, testutil.Session) string { return `{"refresh":"garbage"}` }, 200, loggedOutOf),
	)

	// the refresh token of another session of alice's, sent along, ends that one too
	var other testutil.Session
	scenarios = append(scenarios, logoutScenario("with the refresh token of another own session", "/user/logout/",
		func(_ testing.TB, c *testutil.Client, _ testutil.Session) string {
			other = c.Login(testutil.AliceEmail)
			return testutil.JSONOf(map[string]string{"refresh": other.Refresh})
		}, 200, func(s *testutil.Session) testutil.Check {
			return func(t testing.TB, app *tests.TestApp, body []byte) {
				loggedOutOf(s)(t, app, body)
				if sessionExists(t, app, other.Id) {
					t.Error("the other session named by the refresh token still exists")
				}
			}
		}))

	// someone else's refresh token in the body leaves their session alone
	var bobs testutil.Session
	scenarios = append(scenarios, logoutScenario("with another member's refresh token", "/user/logout/",
		func(_ testing.TB, c *testutil.Client, _ testutil.Session) string {
			bobs = c.Login(testutil.BobEmail)
			return testutil.JSONOf(map[string]string{"refresh": bobs.Refresh})
		}, 200, func(s *testutil.Session) testutil.Check {
			return func(t testing.TB, app *tests.TestApp, body []byte) {
				loggedOutOf(s)(t, app, body)
				if !sessionExists(t, app, bobs.Id) {
					t.Error("alice's logout ended bob's session")
				}
			}
		}))

	// an unrelated session of alice's stays open
	var second testutil.Session
	scenarios = append(scenarios, logoutScenario("other sessions stay open", "/user/logout/",
		func(_ testing.TB, c *testutil.Client, _ testutil.Session) string {
			second = c.Login(testutil.AliceEmail)
			return ""
		}, 200, func(s *testutil.Session) testutil.Check {
			return func(t testing.TB, app *tests.TestApp, body []byte) {
				loggedOutOf(s)(t, app, body)
				if !sessionExists(t, app, second.Id) || !auth.AccessTokenValid(app, member(t, app, testutil.AliceId), second.Access) {
					t.Error("logout ended another session of the same member")
				}
			}
		}))

	// rejected logouts keep the session
	scenarios = append(scenarios,
		logoutScenario("refresh is a number", "/user/logout/",
			func(testing.TB, *testutil.Client, testutil.Session) string { return `{"refresh":1}` }, 400, sessionKept(`{"refresh":["Not a valid string."]}`)),
		logoutScenario("JSON list body", "/user/logout/",
			func(testing.TB, *testutil.Client, testutil.Session) string { return `[]` }, 400, sessionKept(testutil.ListBodyError)),
		logoutScenario("malformed JSON", "/user/logout/",
			func(testing.TB, *testutil.Client, testutil.Session) string { return `{"refresh":` }, 400, sessionKept("")),
		logoutScenario("oversized body", "/user/logout/",
			func(testing.TB, *testutil.Client, testutil.Session) string { return oversizedJSON("refresh") }, 413, sessionKept(testutil.TooLargeBody)),
	)

	// the same token cannot log out twice
	twice := logoutScenario("second logout with the same token", "/user/logout/",
		func(t testing.TB, c *testutil.Client, s testutil.Session) string {
			if res := c.Send(http.MethodPost, "/user/logout/", "", s.Access); res.Status != http.StatusOK {
				t.Fatalf("first logout: %d %s", res.Status, res.Body)
			}
			return ""
		}, 401, func(*testutil.Session) testutil.Check { return testutil.BodyIs(testutil.BadTokenBody) })
	scenarios = append(scenarios, twice)

	// the refresh token is not an access token
	scenarios = append(scenarios, refreshAsBearer())

	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:            "plain PocketBase token (no session) is revoked",
			Method:          http.MethodPost,
			URL:             "/user/logout/",
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{loggedOut},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc: testutil.After(testutil.BodyIs(loggedOut), countIs("revoked_tokens", nil, 1), testutil.State(func(t testing.TB, app *tests.TestApp) {
				token := strings.TrimPrefix(testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"], "Bearer ")
				if auth.AccessTokenValid(app, member(t, app, testutil.AliceId), token) {
					t.Error("the plain token is still valid after logout")
				}
			})),
		},
		tests.ApiScenario{
			Name:            "raw token without the Bearer prefix",
			Method:          http.MethodPost,
			URL:             "/user/logout/",
			Headers:         map[string]string{"Authorization": strings.TrimPrefix(testutil.AuthHeader(t, testutil.BobEmail)["Authorization"], "Bearer ")},
			ExpectedStatus:  200,
			ExpectedContent: []string{loggedOut},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(testutil.BodyIs(loggedOut), countIs("revoked_tokens", nil, 1)),
		},
	)

	for _, url := range testutil.Spellings("/user/logout") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodPost, url, "", countIs("revoked_tokens", nil, 0))...)
	}
	testutil.Run(t, scenarios)
}

// refreshAsBearer sends alice's refresh token as if it were an access token.
func refreshAsBearer() tests.ApiScenario {
	var s testutil.Session
	headers := map[string]string{}
	return tests.ApiScenario{
		Name:            "the refresh token as bearer",
		Method:          http.MethodPost,
		URL:             "/user/logout/",
		Headers:         headers,
		ExpectedStatus:  401,
		ExpectedContent: []string{`"token_not_valid"`},
		TestAppFactory:  testutil.Factory,
		BeforeTestFunc: testutil.LoginFirst(testutil.AliceEmail, func(got testutil.Session) {
			s = got
			headers["Authorization"] = "Bearer " + s.Refresh
		}),
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			testutil.After(sessionKept(testutil.BadTokenBody)(&s))(t, app, res)
		},
	}
}

// ---------------------------------------------------------------------------
// The whole life of a login session, across our routes and PocketBase's.

func TestSessionFlow(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	recordURL := "/api/collections/users/records/" + testutil.AliceId

	expect := func(name string, res testutil.Response, status int) {
		t.Helper()
		if res.Status != status {
			t.Fatalf("%s: status %d, want %d: %s", name, res.Status, status, res.Body)
		}
	}
	expectRejected := func(name, access string) {
		t.Helper()
		res := c.Send(http.MethodGet, "/user/profile/", "", access)
		expect(name+": /user/profile/", res, http.StatusUnauthorized)
		testutil.BodyIs(testutil.BadTokenBody)(t, c.App, res.Body)
		if res := c.Send(http.MethodGet, recordURL, "", access); res.Status == http.StatusOK {
			t.Fatalf("%s: PocketBase's record API still accepts the token: %s", name, res.Body)
		}
	}
	refresh := func(token string) testutil.Response {
		return c.Send(http.MethodPost, "/user/token/refresh/", testutil.JSONOf(map[string]string{"refresh": token}), "")
	}

	// login: the access token works on our routes and on PocketBase's
	first := c.Login(testutil.AliceEmail)
	expect("profile with the access token", c.Send(http.MethodGet, "/user/profile/", "", first.Access), http.StatusOK)
	res := c.Send(http.MethodGet, recordURL, "", first.Access)
	expect("record API with the access token", res, http.StatusOK)
	if got := res.JSON(t)["id"]; got != testutil.AliceId {
		t.Fatalf("record API answered %v", got)
	}

	// the access token is no refresh token
	res = refresh(first.Access)
	expect("refresh with the access token", res, http.StatusUnauthorized)
	testutil.BodyIs(refreshInvalid)(t, c.App, res.Body)

	// refresh: a new pair
	res = refresh(first.Refresh)
	expect("refresh", res, http.StatusOK)
	pair := res.JSON(t)
	second := testutil.Session{Access: pair["access"].(string), Refresh: pair["refresh"].(string), Id: first.Id}
	if second.Refresh == first.Refresh {
		t.Fatal("refresh token not rotated")
	}
	expect("profile with the refreshed access token", c.Send(http.MethodGet, "/user/profile/", "", second.Access), http.StatusOK)

	// the old refresh token again: rejected, and the session is ended
	expect("reuse of the old refresh token", refresh(first.Refresh), http.StatusUnauthorized)
	if sessionExists(t, c.App, first.Id) {
		t.Fatal("session survived the reuse of a refresh token")
	}
	expectRejected("refreshed access token after reuse", second.Access)
	expectRejected("first access token after reuse", first.Access)
	expect("newest refresh token after reuse", refresh(second.Refresh), http.StatusUnauthorized)

	// a new login; logout ends both of its tokens, and only its own session
	third := c.Login(testutil.AliceEmail)
	fourth := c.Login(testutil.AliceEmail)
	// the JS SDK's authRefresh renews the access token within its session
	res = c.Send(http.MethodPost, "/api/collections/users/auth-refresh", "", third.Access)
	expect("PocketBase auth-refresh", res, http.StatusOK)
	renewed, _ := res.JSON(t)["token"].(string)
	expect("profile with the renewed token", c.Send(http.MethodGet, "/user/profile/", "", renewed), http.StatusOK)
	res = c.Send(http.MethodPost, "/api/user/logout", "", third.Access)
	expect("logout", res, http.StatusOK)
	testutil.BodyIs(loggedOut)(t, c.App, res.Body)
	expectRejected("access token after logout", third.Access)
	expectRejected("token renewed by PocketBase's auth-refresh after logout", renewed)
	expect("refresh token after logout", refresh(third.Refresh), http.StatusUnauthorized)
	expect("another session after logout", c.Send(http.MethodGet, "/user/profile/", "", fourth.Access), http.StatusOK)

	// a plain PocketBase token (JS SDK authWithPassword) is revoked by logout too
	plain := strings.TrimPrefix(testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"], "Bearer ")
	expect("profile with a plain token", c.Send(http.MethodGet, "/user/profile/", "", plain), http.StatusOK)
	expect("record API with a plain token", c.Send(http.MethodGet, recordURL, "", plain), http.StatusOK)
	expect("logout with a plain token", c.Send(http.MethodPost, "/user/logout/", "", plain), http.StatusOK)
	expectRejected("plain token after logout", plain)
	expect("session after a plain token's logout", c.Send(http.MethodGet, "/user/profile/", "", fourth.Access), http.StatusOK)
}
