package users_test

// One account per mailbox: e-mails are unique whatever their letter case,
// in the database, so every API that creates or changes a member obeys it.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// notUniqueEmail is PocketBase's validation answer for a taken e-mail.
const notUniqueEmail = `"email":{"code":"validation_not_unique"`

func TestEmailsUniqueIgnoringCase(t *testing.T) {
	t.Parallel()

	signUp := func(email string) string {
		return testutil.JSONOf(map[string]any{"email": email, "password": "s3cret-pass", "passwordConfirm": "s3cret-pass"})
	}
	onlyOneAlice := countIs("users", dbx.NewExp("email = 'alice@example.com' COLLATE NOCASE"), 1)

	scenarios := []tests.ApiScenario{
		{
			Name:               "the SDK sign-up of a case-variant",
			Method:             http.MethodPost,
			URL:                "/api/collections/users/records",
			Body:               strings.NewReader(signUp("Alice@Example.com")),
			ExpectedStatus:     400,
			ExpectedContent:    []string{notUniqueEmail},
			NotExpectedContent: []string{`"id"`},
			ExpectedEvents: map[string]int{
				"*":                        0,
				"OnRecordCreateRequest":    1,
				"OnRecordCreate":           1,
				"OnRecordValidate":         1,
				"OnModelCreate":            1,
				"OnModelValidate":          1,
				"OnRecordCreateExecute":    1,
				"OnModelCreateExecute":     1,
				"OnModelAfterCreateError":  1,
				"OnRecordAfterCreateError": 1,
			},
			TestAppFactory: testutil.Factory,
			AfterTestFunc:  testutil.After(usersUnchanged(), onlyOneAlice),
		},
		{
			Name:            "a superuser (dashboard) creating a case-variant",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/records",
			Headers:         testutil.AuthHeader(t, testutil.SuperuserEmail),
			Body:            strings.NewReader(signUp("BOB@EXAMPLE.COM")),
			ExpectedStatus:  400,
			ExpectedContent: []string{notUniqueEmail},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(usersUnchanged(), countIs("users", dbx.NewExp("email = 'bob@example.com' COLLATE NOCASE"), 1)),
		},
		{
			Name:            "a superuser changing a member's e-mail to another's, in another case",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.DaveId,
			Headers:         testutil.AuthHeader(t, testutil.SuperuserEmail),
			Body:            strings.NewReader(`{"email":"Alice@example.com"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{notUniqueEmail},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc: testutil.After(onlyOneAlice, testutil.State(func(t testing.TB, app *tests.TestApp) {
				testutil.ExpectField(t, member(t, app, testutil.DaveId), "email", testutil.DaveEmail)
			})),
		},
		{
			Name:            "a superuser changing only the letter case of a member's own e-mail",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + testutil.AliceId,
			Headers:         testutil.AuthHeader(t, testutil.SuperuserEmail),
			Body:            strings.NewReader(`{"email":"Alice@example.com"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"email":"Alice@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(usersUnchanged(), onlyOneAlice),
		},
		{
			Name:               "/user/registration/ of a case-variant",
			Method:             http.MethodPost,
			URL:                "/user/registration/",
			Body:               strings.NewReader(`{"email":"ALICE@EXAMPLE.COM","password":"s3cret-pass"}`),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"email"`},
			NotExpectedContent: []string{`"profile"`},
			TestAppFactory:     testutil.Factory,
			AfterTestFunc:      testutil.After(testutil.BodyIs(`{"email":["A user is already registered with this e-mail address."]}`), usersUnchanged(), onlyOneAlice),
		},
		{
			Name:    "add-friend with a capital letter befriends the one member with that mailbox",
			Method:  http.MethodPost,
			URL:     "/user/add-friend/",
			Headers: testutil.AuthHeader(t, testutil.BobEmail),
			Body:    strings.NewReader(`{"email":"Alice@Example.com"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				// the look-alike cannot even be stored directly
				look := testutil.NewRecord(t, app, "users", map[string]any{"email": "Alice@Example.com", "password": testutil.Password})
				if err := app.Save(look); err == nil || !strings.Contains(err.Error(), "must be unique") {
					t.Fatalf("a case-variant member was stored: %v", err)
				}
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"message":"alice@example.com님을 친구로 추가했습니다."`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(usersUnchanged(), countIs("friends", friendRow(testutil.BobId, testutil.AliceId), 1)),
		},
	}
	testutil.Run(t, scenarios)
}
