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

const registered = "회원가입이 완료되었습니다."

// registeredAs checks a 201 answer for email and the stored member: the
// password works, the profile has the documented shape and defaults.
func registeredAs(email string, wantProfile map[string]any) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		obj := testutil.DecodeObject(t, body)
		testutil.AssertKeys(t, "obj", obj, testutil.Exactly, "email", "message", "profile")
		assertFields(t, obj, map[string]any{"email": email, "message": registered})
		profile, _ := obj["profile"].(map[string]any)
		assertProfileShape(t, profile)
		want := map[string]any{
			"email": email, "profile_picture": nil, "status": "available", "is_private": false,
			"friends_emails": []string{}, "bio": "", "contact_number": "",
		}
		for k, v := range wantProfile {
			want[k] = v
		}
		assertFields(t, profile, want)

		user, err := app.FindAuthRecordByEmail("users", email)
		if err != nil {
			t.Fatalf("registered member %s not stored: %v", email, err)
		}
		if profile["id"] != user.Id {
			t.Errorf("profile id %v, stored id %s", profile["id"], user.Id)
		}
		if !user.ValidatePassword("s3cret-pass") {
			t.Error("stored password does not validate")
		}
		if user.GetString("nickname") != profile["nickname"] {
			t.Errorf("stored nickname %q, answered %v", user.GetString("nickname"), profile["nickname"])
		}
		if user.Verified() {
			t.Error("a new member must not be verified by a body field")
		}
		if got := testutil.Count(t, app, "users", nil); got != fixtureUsers+1 {
			t.Errorf("users = %d, want %d", got, fixtureUsers+1)
		}
		noSecrets(t, app, body)
	}
}

func TestRegistration(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/registration") {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            "email+password at " + url,
			Method:          http.MethodPost,
			URL:             url,
			Body:            strings.NewReader(`{"email":"new@example.com","password":"s3cret-pass"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"message":"` + registered + `"`, `"email":"new@example.com"`},
			ExpectedEvents:  testutil.WriteEvents(1, 0, 0), // the member is created
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(registeredAs("new@example.com", map[string]any{"nickname": "new"})),
		})
	}

	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:   "dj-rest-auth form with nickname and profile fields",
			Method: http.MethodPost,
			URL:    "/user/registration/",
			Body: strings.NewReader(`{"email":"new@example.com","password1":"s3cret-pass","password2":"s3cret-pass",
				"nickname":"Newbie","bio":"hello","contact_number":"010-0000-0000","status":"busy","is_private":true,
				"verified":true,"id":"chosenid0000001","tokenKey":"x"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"nickname":"Newbie"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc: testutil.After(registeredAs("new@example.com", map[string]any{
				"nickname": "Newbie", "bio": "hello", "contact_number": "010-0000-0000", "status": "busy", "is_private": true,
			}), countIs("users", dbx.HashExp{"id": "chosenid0000001"}, 0)),
		},
		tests.ApiScenario{
			Name:            "password1 without password2",
			Method:          http.MethodPost,
			URL:             "/user/registration/",
			Body:            strings.NewReader(`{"email":"new@example.com","password1":"s3cret-pass"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"email":"new@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(registeredAs("new@example.com", map[string]any{"nickname": "new"})),
		},
		tests.ApiScenario{
			Name:            "url-encoded form (curl -d)",
			Method:          http.MethodPost,
			URL:             "/user/registration/",
			Body:            strings.NewReader(`email=new%40example.com&password=s3cret-pass&is_private=false`),
			Headers:         map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus:  201,
			ExpectedContent: []string{`"email":"new@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(registeredAs("new@example.com", map[string]any{"nickname": "new"})),
		},
		tests.ApiScenario{
			Name:            "default nickname is the e-mail local part, cut to 20 characters",
			Method:          http.MethodPost,
			URL:             "/user/registration/",
			Body:            strings.NewReader(`{"email":"averyveryverylonglocalpart@example.com","password":"s3cret-pass"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"nickname":"averyveryverylongloc"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc: testutil.After(registeredAs("averyveryverylonglocalpart@example.com",
				map[string]any{"nickname": "averyveryverylongloc"})),
		},
		tests.ApiScenario{
			Name:            "nickname of exactly 20 characters",
			Method:          http.MethodPost,
			URL:             "/user/registration/",
			Body:            strings.NewReader(`{"email":"new@example.com","password":"s3cret-pass","nickname":"` + strings.Repeat("가", 20) + `"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"email":"new@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(registeredAs("new@example.com", map[string]any{"nickname": strings.Repeat("가", 20)})),
		},
		tests.ApiScenario{
			Name:            "e-mail with surrounding spaces is trimmed",
			Method:          http.MethodPost,
			URL:             "/user/registration/",
			Body:            strings.NewReader(`{"email":"  new@example.com ","password":"s3cret-pass"}`),
			ExpectedStatus:  201,
			ExpectedContent: []string{`"email":"new@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(registeredAs("new@example.com", map[string]any{"nickname": "new"})),
		},
		tests.ApiScenario{
			Name:            "a garbage token does not matter on this public route",
			Method:          http.MethodPost,
			URL:             "/user/registration/",
			Body:            strings.NewReader(`{"email":"new@example.com","password":"s3cret-pass"}`),
			Headers:         testutil.GarbageAuth,
			ExpectedStatus:  201,
			ExpectedContent: []string{`"email":"new@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(registeredAs("new@example.com", map[string]any{"nickname": "new"})),
		},
	)

	// rejected registrations: the documented error and no new member.
	rejected := []struct {
		name, body string
		status     int
		want       string // exact body, or "" to check only the keys
		keys       []string
		headers    map[string]string
	}{
		{name: "password2 does not match", body: `{"email":"new@example.com","password1":"s3cret-pass","password2":"other-pass"}`,
			status: 400, want: `{"non_field_errors":["The two password fields didn't match."]}`},
		{name: "already registered", body: `{"email":"alice@example.com","password":"s3cret-pass"}`,
			status: 400, want: `{"email":["A user is already registered with this e-mail address."]}`},
		{name: "already registered, other letter case", body: `{"email":"ALICE@Example.COM","password":"s3cret-pass"}`,
			status: 400, want: `{"email":["A user is already registered with this e-mail address."]}`},
		{name: "already registered, dj-rest-auth form", body: `{"email":"bob@example.com","password1":"s3cret-pass","password2":"s3cret-pass"}`,
			status: 400, want: `{"email":["A user is already registered with this e-mail address."]}`},
		{name: "already registered, hidden e-mail", body: `{"email":"dave@example.com","password":"s3cret-pass"}`,
			status: 400, want: `{"email":["A user is already registered with this e-mail address."]}`},
		{name: "nickname longer than 20", body: `{"email":"new@example.com","password":"s3cret-pass","nickname":"` + strings.Repeat("n", 21) + `"}`,
			status: 400, keys: []string{"nickname"}},
		{name: "short password", body: `{"email":"new@example.com","password":"short"}`,
			status: 400, keys: []string{"password"}},
		{name: "short password1", body: `{"email":"new@example.com","password1":"short","password2":"short"}`,
			status: 400, keys: []string{"password"}},
		{name: "invalid e-mail", body: `{"email":"not-an-email","password":"s3cret-pass"}`,
			status: 400, keys: []string{"email"}},
		{name: "empty body", body: ``,
			status: 400, want: `{"email":["This field is required."],"password":["This field is required."]}`},
		{name: "empty object", body: `{}`,
			status: 400, want: `{"email":["This field is required."],"password":["This field is required."]}`},
		{name: "blank e-mail", body: `{"email":"  ","password":"s3cret-pass"}`,
			status: 400, want: `{"email":["This field may not be blank."]}`},
		{name: "null password", body: `{"email":"new@example.com","password":null}`,
			status: 400, want: `{"password":["This field is required."]}`},
		{name: "e-mail is a number", body: `{"email":1,"password":"s3cret-pass"}`,
			status: 400, want: `{"email":["Not a valid string."]}`},
		{name: "password is a list", body: `{"email":"new@example.com","password":["s3cret-pass"]}`,
			status: 400, want: `{"password":["Not a valid string."]}`},
		{name: "is_private is not a boolean", body: `{"email":"new@example.com","password":"s3cret-pass","is_private":"maybe"}`,
			status: 400, want: `{"is_private":["Must be a valid boolean."]}`},
		{name: "nickname is an object", body: `{"email":"new@example.com","password":"s3cret-pass","nickname":{"a":1}}`,
			status: 400, want: `{"nickname":["Not a valid string."]}`},
		{name: "unknown status", body: `{"email":"new@example.com","password":"s3cret-pass","status":"sleeping"}`,
			status: 400, want: `{"status":["\"sleeping\" is not a valid choice."]}`},
		{name: "profile_picture is not a file", body: `{"email":"new@example.com","password":"s3cret-pass","profile_picture":"http://example.com/x.png"}`,
			status: 400, keys: []string{"profile_picture"}},
		{name: "JSON list body", body: `[{"email":"new@example.com","password":"s3cret-pass"}]`,
			status: 400, want: testutil.ListBodyError},
		{name: "JSON string body", body: `"new@example.com"`,
			status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{name: "malformed JSON", body: `{"email":"new@example.com","password":`,
			status: 400, keys: []string{"detail"}},
		{name: "trailing data after the object", body: `{"email":"new@example.com","password":"s3cret-pass"} {}`,
			status: 400, keys: []string{"detail"}},
		{name: "oversized body", body: oversizedJSON("email"),
			status: 413, want: testutil.TooLargeBody},
		{name: "unsupported media type", body: `email=new@example.com`, headers: map[string]string{"Content-Type": "text/plain"},
			status: 415, keys: []string{"detail"}},
	}
	for _, r := range rejected {
		checks := []testutil.Check{usersUnchanged(), countIs("users", dbx.NewExp("lower(email) = 'new@example.com'"), 0)}
		expected := []string{`"`}
		if r.want != "" {
			checks = append(checks, testutil.BodyIs(r.want))
		} else {
			checks = append(checks, testutil.Keys(r.keys...))
			expected = []string{`"` + r.keys[0] + `":`}
		}
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            r.name,
			Method:          http.MethodPost,
			URL:             "/user/registration/",
			Body:            strings.NewReader(r.body),
			Headers:         r.headers,
			ExpectedStatus:  r.status,
			ExpectedContent: expected,
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(checks...),
		})
	}

	scenarios = append(scenarios, tests.ApiScenario{
		Name:   "already registered in mixed case",
		Method: http.MethodPost,
		URL:    "/user/registration/",
		Body:   strings.NewReader(`{"email":"mixed.case@example.com","password":"s3cret-pass"}`),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			addMembers(t, app, "Mixed.Case@Example.com")
		},
		ExpectedStatus:  400,
		ExpectedContent: []string{`"email"`},
		TestAppFactory:  testutil.Factory,
		AfterTestFunc: testutil.After(testutil.BodyIs(`{"email":["A user is already registered with this e-mail address."]}`),
			countIs("users", nil, fixtureUsers+1)),
	})

	testutil.Run(t, scenarios)
}
