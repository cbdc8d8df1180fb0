package users_test

// Shared bits of the /user/* API tests: the documented error bodies of the
// /user routes, profile and body checks, fixture counts. What other test
// packages share too (error bodies, After, BodyIs, Count, the route
// spellings, the in-process client...) is in internal/testutil.

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Documented error bodies of the /user routes (the common ones are in
// testutil).
const (
	badCredentials = `{"non_field_errors":["Unable to log in with provided credentials."]}`
	refreshInvalid = `{"detail":"Token is invalid or expired","code":"token_not_valid"}`
	privateBody    = `{"message":"This account is private."}`
)

// profileKeys are the documented keys of a "profile" object.
var profileKeys = []string{"id", "user", "email", "nickname", "profile_picture", "bio", "contact_number", "status", "is_private", "friends_emails"}

// oversizedJSON is a ~100 KB JSON object, above the routes' 64 KiB limit.
func oversizedJSON(field string) string {
	return `{"` + field + `":"` + strings.Repeat("a", 100<<10) + `"}`
}

// assertProfileShape checks the documented keys of a "profile" object
// (created_at is an extra the routes add).
func assertProfileShape(t testing.TB, profile map[string]any) {
	t.Helper()
	testutil.AssertKeys(t, "profile", profile, testutil.Exactly, append(slices.Clone(profileKeys), "created_at")...)
	if profile["id"] != profile["user"] {
		t.Errorf("profile id %v and user %v differ", profile["id"], profile["user"])
	}
	if _, ok := profile["friends_emails"].([]any); !ok {
		t.Errorf("friends_emails = %#v, want a list", profile["friends_emails"])
	}
	if _, ok := profile["is_private"].(bool); !ok {
		t.Errorf("is_private = %#v, want a bool", profile["is_private"])
	}
}

// profileIs checks that the body is a profile with these field values.
func profileIs(want map[string]any) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		profile := testutil.DecodeObject(t, body)
		assertProfileShape(t, profile)
		assertFields(t, profile, want)
	}
}

// assertFields compares the listed fields of obj (JSON-decoded values).
func assertFields(t testing.TB, obj map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		w = normalize(w)
		if got := obj[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
}

// normalize turns a Go value into what encoding/json decodes it to.
func normalize(v any) any {
	raw, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// noSecrets checks that no key names a secret and that no stored password
// hash or token key of any account appears in the body.
func noSecrets(t testing.TB, app *tests.TestApp, body []byte) {
	t.Helper()
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				switch strings.ToLower(k) {
				case "password", "passwordhash", "password_hash", "tokenkey", "token_key", "password1", "password2":
					t.Errorf("body has a secret key %q: %s", k, body)
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(testutil.Decode(t, body))

	var rows []struct {
		Password string `db:"password"`
		TokenKey string `db:"tokenKey"`
	}
	if err := app.DB().Select("password", "tokenKey").From("users").All(&rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if bytes.Contains(body, []byte(r.Password)) || bytes.Contains(body, []byte(r.TokenKey)) {
			t.Errorf("body leaks a stored password hash or token key: %s", body)
		}
	}
}

// lacks checks that none of the strings appear in the body.
func lacks(strs ...string) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		for _, s := range strs {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("body must not contain %q: %s", s, body)
			}
		}
	}
}

// countIs checks the number of rows of table matching where.
func countIs(table string, where dbx.Expression, want int) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		if got := testutil.Count(t, app, table, where); got != want {
			t.Errorf("%s rows matching %v = %d, want %d", table, where, got, want)
		}
	})
}

// Fixture counts: four members; friends rows alice→bob and carol→alice.
const (
	fixtureUsers   = 4
	fixtureFriends = 2
)

func usersUnchanged() testutil.Check   { return countIs("users", nil, fixtureUsers) }
func friendsUnchanged() testutil.Check { return countIs("friends", nil, fixtureFriends) }

// friendRow matches the friends row "user keeps friend on their list".
func friendRow(user, friend string) dbx.Expression {
	return dbx.HashExp{"user": user, "friend": friend}
}

// addFriendRow stores a friends row directly (a BeforeTestFunc helper).
func addFriendRow(t testing.TB, app core.App, user, friend string) {
	t.Helper()
	testutil.MustSave(t, app, "friends", map[string]any{"user": user, "friend": friend})
}

// member loads a member record.
func member(t testing.TB, app core.App, id string) *core.Record {
	t.Helper()
	return testutil.MustFind(t, app, "users", id)
}

// sessionExists reports whether the login_sessions row sid exists.
func sessionExists(t testing.TB, app core.App, sid string) bool {
	return testutil.Count(t, app, "login_sessions", dbx.HashExp{"id": sid}) == 1
}
