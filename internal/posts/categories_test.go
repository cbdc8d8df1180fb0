package posts_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

func TestCategories(t *testing.T) {
	listed := func(names ...string) testutil.Check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			list := testutil.DecodeList(t, body)
			var got []string
			for _, c := range list {
				testutil.AssertKeys(t, "category", c, testutil.AtLeast, "id", "name")
				name, _ := c["name"].(string)
				got = append(got, name)
				if id, _ := c["id"].(string); id != categoryId(t, app, name) {
					t.Errorf("category %q has id %q", name, id)
				}
			}
			if !slices.Equal(got, names) {
				t.Errorf("categories = %v, want %v", got, names)
			}
		}
	}
	created := func(name string) testutil.Check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			c := testutil.DecodeObject(t, body)
			if c["name"] != name || c["id"] != categoryId(t, app, name) {
				t.Errorf("answer = %s", body)
			}
			if n := testutil.Count(t, app, "categories", nil); n != 4 {
				t.Errorf("%d categories, want 4", n)
			}
		}
	}
	var scenarios []tests.ApiScenario
	for _, u := range testutil.Spellings("/api/post/categories") {
		for _, h := range []map[string]string{nil, alice(t), admin(t)} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "GET " + u, Method: http.MethodGet, URL: u, Headers: h,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"Programming"},
				AfterTestFunc: testutil.After(listed("ESTsoft", "Ormi", "Programming")),
			})
		}
		for _, name := range []string{"Rust", "데이터베이스", "Ελληνικά"} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "POST superuser " + name + " " + u, Method: http.MethodPost, URL: u, Headers: admin(t),
				Body:           strings.NewReader(testutil.JSONOf(map[string]any{"name": " " + name + " "})),
				ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"id"`},
				AfterTestFunc: testutil.After(created(name)),
			})
		}
		formBody, formType := testutil.Multipart(testutil.Field("name", "Form"))
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "POST superuser multipart " + u, Method: http.MethodPost, URL: u, Body: formBody,
			Headers:        withHeaders(admin(t), map[string]string{"Content-Type": formType}),
			ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"id"`},
			AfterTestFunc: testutil.After(created("Form")),
		})

		// then the list holds it, in name order
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "GET after create " + u, Method: http.MethodGet, URL: u,
			BeforeTestFunc: seedList,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{"Backend"},
			AfterTestFunc: testutil.After(listed("Backend", "ESTsoft", "Ormi", "Programming", "Αθήνα")),
		})

		type refused struct {
			name    string
			headers map[string]string
			body    string
			status  int
			checks  []testutil.Check
		}
		for _, r := range []refused{
			{"member", alice(t), `{"name":"Rust"}`, 403, []testutil.Check{testutil.BodyIs(testutil.ForbiddenBody)}},
			{"anonymous", nil, `{"name":"Rust"}`, 401, []testutil.Check{testutil.BodyIs(testutil.NoAuthBody)}},
			{"bad token", testutil.GarbageAuth, `{"name":"Rust"}`, 401, []testutil.Check{testutil.BodyIs(testutil.BadTokenBody)}},
			{"duplicate", admin(t), `{"name":"Programming"}`, 400, []testutil.Check{errorOn("name")}},
			{"duplicate in another case", admin(t), `{"name":"pROGRAMMING"}`, 400, []testutil.Check{errorOn("name")}},
			{"duplicate with spaces", admin(t), `{"name":"  ormi "}`, 400, []testutil.Check{errorOn("name")}},
			{"duplicate Greek in another case", admin(t), `{"name":"ΑΘΉΝΑ"}`, 400, []testutil.Check{errorOn("name")}},
			{"missing name", admin(t), `{}`, 400, []testutil.Check{errorOn("name")}},
			{"blank name", admin(t), `{"name":"   "}`, 400, []testutil.Check{errorOn("name")}},
			{"number name", admin(t), `{"name":5}`, 400, []testutil.Check{errorOn("name")}},
			{"name too long", admin(t), `{"name":"` + strings.Repeat("가", 46) + `"}`, 400, []testutil.Check{errorOn("name")}},
			{"malformed JSON", admin(t), `{"name":`, 400, []testutil.Check{hasDetail}},
			{"JSON list", admin(t), `[{"name":"Rust"}]`, 400, []testutil.Check{testutil.BodyIs(testutil.ListBodyError)}},
			{"too large", admin(t), `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, 413, []testutil.Check{testutil.BodyIs(testutil.TooLargeBody)}},
		} {
			before, same := unchanged(func(t testing.TB, app *tests.TestApp) {
				testutil.MustSave(t, app, "categories", map[string]any{"name": "αθήνα"})
			})
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "POST " + r.name + " " + u, Method: http.MethodPost, URL: u, Headers: r.headers,
				Body: strings.NewReader(r.body), BeforeTestFunc: before,
				ExpectedStatus: r.status, ExpectedContent: []string{"{"},
				AfterTestFunc: testutil.After(append(r.checks, same, testutil.State(func(t testing.TB, app *tests.TestApp) {
					if n := testutil.Count(t, app, "categories", dbx.HashExp{"name": "Rust"}); n != 0 {
						t.Errorf("category stored by a refused create")
					}
				}))...),
			})
		}
	}
	testutil.Run(t, scenarios)
}
