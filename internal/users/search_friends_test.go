package users_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// searchCardKeys are the keys of a member in search results.
var searchCardKeys = []string{"id", "email", "nickname", "profile_picture", "status", "is_private"}

// searchURL is the search route with these query parameters.
func searchURL(path string, params ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	return path + "?" + q.Encode()
}

// foundEmails checks that the results are exactly these e-mails, in order,
// with public fields only.
func foundEmails(emails ...string) testutil.Check {
	return func(t testing.TB, app *tests.TestApp, body []byte) {
		t.Helper()
		list, ok := testutil.Decode(t, body).([]any)
		if !ok {
			t.Fatalf("body is not a JSON list: %s", body)
		}
		got := make([]string, len(list))
		for i, item := range list {
			card, _ := item.(map[string]any)
			testutil.AssertKeys(t, "card", card, testutil.Exactly, searchCardKeys...)
			got[i], _ = card["email"].(string)
		}
		if strings.Join(got, ",") != strings.Join(emails, ",") {
			t.Errorf("found %v, want %v", got, emails)
		}
		noSecrets(t, app, body)
	}
}

// resultCount checks the number of results only.
func resultCount(n int) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		if list, _ := testutil.Decode(t, body).([]any); len(list) != n {
			t.Errorf("%d results, want %d", len(list), n)
		}
	}
}

// addMembers stores public members with visible e-mails (a BeforeTestFunc
// helper); they reuse alice's password hash to skip the hashing cost.
func addMembers(t testing.TB, app core.App, emails ...string) {
	t.Helper()
	collection, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	hash := member(t, app, testutil.AliceId).GetString("password:hash")
	for _, email := range emails {
		u := core.NewRecord(collection)
		u.SetEmail(email)
		u.SetRaw("password", &core.PasswordFieldValue{Hash: hash})
		u.SetEmailVisibility(true)
		if err := app.Save(u); err != nil {
			t.Fatalf("member %s: %v", email, err)
		}
	}
}

func TestSearchFriends(t *testing.T) {
	t.Parallel()

	search := func(name, url, viewer string, status int, checks ...testutil.Check) tests.ApiScenario {
		return as(t, tests.ApiScenario{
			Name:            name,
			Method:          http.MethodGet,
			URL:             url,
			ExpectedStatus:  status,
			ExpectedContent: []string{`[`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(checks...),
		}, viewer)
	}
	rejected := func(name, url, viewer string, status int, want string) tests.ApiScenario {
		s := search(name, url, viewer, status, testutil.BodyIs(want))
		s.ExpectedContent = []string{`"`}
		return s
	}
	withMembers := func(s tests.ApiScenario, emails ...string) tests.ApiScenario {
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { addMembers(t, app, emails...) }
		return s
	}

	scenarios := []tests.ApiScenario{}
	for _, path := range testutil.Spellings("/user/search-friends") {
		// alice: not herself, not dave (hidden e-mail); carol is private but keeps alice
		scenarios = append(scenarios, search("alice at "+path, searchURL(path, "keyword", "example"), testutil.AliceEmail, 200,
			foundEmails(testutil.BobEmail, testutil.CarolEmail), lacks(testutil.DaveEmail, testutil.AliceEmail)))
	}

	scenarios = append(scenarios,
		// bob: carol is private and does not keep bob
		search("bob does not find private carol", searchURL("/user/search-friends/", "keyword", "example"), testutil.BobEmail, 200,
			foundEmails(testutil.AliceEmail), lacks(testutil.CarolEmail, testutil.DaveEmail)),
		search("case-insensitive", searchURL("/user/search-friends/", "keyword", "BoB@EXAMPLE"), testutil.AliceEmail, 200,
			foundEmails(testutil.BobEmail)),
		search("keyword is trimmed", searchURL("/user/search-friends/", "keyword", "  bob  "), testutil.AliceEmail, 200,
			foundEmails(testutil.BobEmail)),
		search("only e-mails match, not nicknames", searchURL("/user/search-friends/", "keyword", "bob's"), testutil.AliceEmail, 200,
			foundEmails()),
		search("a hidden e-mail is not searchable", searchURL("/user/search-friends/", "keyword", "dave"), testutil.AliceEmail, 200,
			foundEmails(), lacks(testutil.DaveEmail, testutil.DaveId)),
		search("yourself is not a result", searchURL("/user/search-friends/", "keyword", "alice"), testutil.AliceEmail, 200,
			foundEmails()),
		search("dave finds others but not himself", searchURL("/user/search-friends/", "keyword", "example.com"), testutil.DaveEmail, 200,
			foundEmails(testutil.AliceEmail, testutil.BobEmail)),

		// LIKE wildcards in the keyword are literal characters
		search("'_' is not a wildcard", searchURL("/user/search-friends/", "keyword", "b_b"), testutil.AliceEmail, 200, foundEmails()),
		search("'%' is not a wildcard", searchURL("/user/search-friends/", "keyword", "b%b"), testutil.AliceEmail, 200, foundEmails()),
		search("a lone '%'", searchURL("/user/search-friends/", "keyword", "%"), testutil.AliceEmail, 200, foundEmails()),
		search("a backslash", searchURL("/user/search-friends/", "keyword", `\`), testutil.AliceEmail, 200, foundEmails()),
		search("a quote", searchURL("/user/search-friends/", "keyword", `b'ob`), testutil.AliceEmail, 200, foundEmails()),
		withMembers(search("'_' matches itself", searchURL("/user/search-friends/", "keyword", "x_y"), testutil.AliceEmail, 200,
			foundEmails("x_y@example.com")), "x_y@example.com", "xzy@example.com"),
		withMembers(search("'%' matches itself", searchURL("/user/search-friends/", "keyword", "100%"), testutil.AliceEmail, 200,
			foundEmails("100%sure@example.com")), "100%sure@example.com", "1000sure@example.com"),

		// pages, sorted by e-mail
		search("page size 1", searchURL("/user/search-friends/", "keyword", "example", "page_size", "1"), testutil.AliceEmail, 200,
			foundEmails(testutil.BobEmail)),
		search("second page", searchURL("/user/search-friends/", "keyword", "example", "page", "2", "page_size", "1"), testutil.AliceEmail, 200,
			foundEmails(testutil.CarolEmail)),
		search("past the last page", searchURL("/user/search-friends/", "keyword", "example", "page", "3", "page_size", "1"), testutil.AliceEmail, 200,
			testutil.BodyIs(`[]`)),
		search("keyword of 100 characters", searchURL("/user/search-friends/", "keyword", strings.Repeat("k", 100)), testutil.AliceEmail, 200,
			testutil.BodyIs(`[]`)),
	)

	// 120 more members: the default page is 20, page_size is clamped to 100
	many := make([]string, 120)
	for i := range many {
		many[i] = fmt.Sprintf("member%03d@example.com", i)
	}
	scenarios = append(scenarios,
		withMembers(search("default page size", searchURL("/user/search-friends/", "keyword", "member"), testutil.AliceEmail, 200,
			resultCount(20)), many...),
		withMembers(search("page_size is clamped to 100", searchURL("/user/search-friends/", "keyword", "member", "page_size", "1000"), testutil.AliceEmail, 200,
			resultCount(100)), many...),
		withMembers(search("the rest on page 2", searchURL("/user/search-friends/", "keyword", "member", "page", "2", "page_size", "1000"), testutil.AliceEmail, 200,
			resultCount(20), foundEmails(many[100:]...)), many...),
	)

	required := `{"keyword":["This field is required."]}`
	pageError := `{"page":["A valid positive integer is required."]}`
	sizeError := `{"page_size":["A valid positive integer is required."]}`
	scenarios = append(scenarios,
		rejected("no keyword", "/user/search-friends/", testutil.AliceEmail, 400, required),
		rejected("empty keyword", searchURL("/user/search-friends/", "keyword", ""), testutil.AliceEmail, 400, required),
		rejected("blank keyword", searchURL("/api/user/search-friends", "keyword", "   "), testutil.AliceEmail, 400, required),
		rejected("keyword longer than 100", searchURL("/user/search-friends/", "keyword", strings.Repeat("k", 101)), testutil.AliceEmail, 400,
			`{"keyword":["Ensure this field has no more than 100 characters."]}`),
		rejected("page 0", searchURL("/user/search-friends/", "keyword", "example", "page", "0"), testutil.AliceEmail, 400, pageError),
		rejected("negative page", searchURL("/user/search-friends/", "keyword", "example", "page", "-1"), testutil.AliceEmail, 400, pageError),
		rejected("page is not a number", searchURL("/user/search-friends/", "keyword", "example", "page", "abc"), testutil.AliceEmail, 400, pageError),
		rejected("absurd page", searchURL("/user/search-friends/", "keyword", "example", "page", "99999999999999999999"), testutil.AliceEmail, 400, pageError),
		rejected("page_size 0", searchURL("/user/search-friends/", "keyword", "example", "page_size", "0"), testutil.AliceEmail, 400, sizeError),
		rejected("page_size is not a number", searchURL("/user/search-friends/", "keyword", "example", "page_size", "ten"), testutil.AliceEmail, 400, sizeError),
		search("keyword and page both wrong", searchURL("/user/search-friends/", "page", "x"), testutil.AliceEmail, 400,
			fieldErrorsAmong("keyword", "page")),
		rejected("no auth and no keyword", "/user/search-friends/", "", 401, testutil.NoAuthBody),
	)

	for _, url := range testutil.WithQuery(testutil.Spellings("/user/search-friends"), "keyword=example") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodGet, url, "")...)
	}
	testutil.Run(t, scenarios)
}

// fieldErrorsAmong checks a DRF field-error body naming some of fields only.
func fieldErrorsAmong(fields ...string) testutil.Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		obj := testutil.DecodeObject(t, body)
		if len(obj) == 0 {
			t.Errorf("no field errors: %s", body)
		}
		for k, v := range obj {
			if msgs, ok := v.([]any); !ok || len(msgs) == 0 || !slices.Contains(fields, k) {
				t.Errorf("unexpected error %q: %v", k, v)
			}
		}
	}
}
