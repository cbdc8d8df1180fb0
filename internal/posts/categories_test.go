package posts_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
)

func TestCategories(t *testing.T) {
	initAuth(t)
	listed := func(names ...string) check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			list := decodeList(t, body)
			var got []string
			for _, c := range list {
				assertHasKeys(t, "category", c, "id", "name")
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
	created := func(name string) check {
		return func(t testing.TB, app *tests.TestApp, body []byte) {
			t.Helper()
			c := decodeObject(t, body)
			if c["name"] != name || c["id"] != categoryId(t, app, name) {
				t.Errorf("answer = %s", body)
			}
			if n := count(t, app, "categories", nil); n != 4 {
				t.Errorf("%d categories, want 4", n)
			}
		}
	}
	var scenarios []tests.ApiScenario
	for _, u := range slashes("/api/post/categories") {
		for _, h := range []map[string]string{nil, alice(), admin()} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "GET " + u, Method: http.MethodGet, URL: u, Headers: h,
				ExpectedStatus: http.StatusOK, ExpectedContent: []string{"Programming"},
				AfterTestFunc: after(listed("ESTsoft", "Ormi", "Programming")),
			})
		}
		for _, name := range []string{"Rust", "데이터베이스", "Ελληνικά"} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "POST superuser " + name + " " + u, Method: http.MethodPost, URL: u, Headers: admin(),
				Body:           strings.NewReader(jsonOf(map[string]any{"name": " " + name + " "})),
				ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"id"`},
				AfterTestFunc: after(created(name)),
			})
		}
		formBody, formType := multipartBody(formField{"name", "Form"})
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "POST superuser multipart " + u, Method: http.MethodPost, URL: u, Body: formBody,
			Headers:        withHeaders(admin(), map[string]string{"Content-Type": formType}),
			ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"id"`},
			AfterTestFunc: after(created("Form")),
		})

		// then the list holds it, in name order
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "GET after create " + u, Method: http.MethodGet, URL: u,
			BeforeTestFunc: seedList,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{"Backend"},
			AfterTestFunc: after(listed("Backend", "ESTsoft", "Ormi", "Programming", "Αθήνα")),
		})

		type refused struct {
			name    string
			headers map[string]string
			body    string
			status  int
			checks  []check
		}
		for _, r := range []refused{
			{"member", alice(), `{"name":"Rust"}`, 403, []check{bodyIs(forbiddenBody)}},
			{"anonymous", nil, `{"name":"Rust"}`, 401, []check{bodyIs(noAuthBody)}},
			{"bad token", garbageAuth, `{"name":"Rust"}`, 401, []check{bodyIs(badTokenBody)}},
			{"duplicate", admin(), `{"name":"Programming"}`, 400, []check{errorOn("name")}},
			{"duplicate in another case", admin(), `{"name":"pROGRAMMING"}`, 400, []check{errorOn("name")}},
			{"duplicate with spaces", admin(), `{"name":"  ormi "}`, 400, []check{errorOn("name")}},
			{"duplicate Greek in another case", admin(), `{"name":"ΑΘΉΝΑ"}`, 400, []check{errorOn("name")}},
			{"missing name", admin(), `{}`, 400, []check{errorOn("name")}},
			{"blank name", admin(), `{"name":"   "}`, 400, []check{errorOn("name")}},
			{"number name", admin(), `{"name":5}`, 400, []check{errorOn("name")}},
			{"name too long", admin(), `{"name":"` + strings.Repeat("가", 46) + `"}`, 400, []check{errorOn("name")}},
			{"malformed JSON", admin(), `{"name":`, 400, []check{hasDetail}},
			{"JSON list", admin(), `[{"name":"Rust"}]`, 400, []check{bodyIs(listBodyError)}},
			{"too large", admin(), `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, 413, []check{bodyIs(tooLargeBody)}},
		} {
			before, same := unchanged(func(t testing.TB, app *tests.TestApp) {
				mustSave(t, app, "categories", map[string]any{"name": "αθήνα"})
			})
			scenarios = append(scenarios, tests.ApiScenario{
				Name: "POST " + r.name + " " + u, Method: http.MethodPost, URL: u, Headers: r.headers,
				Body: strings.NewReader(r.body), BeforeTestFunc: before,
				ExpectedStatus: r.status, ExpectedContent: []string{"{"},
				AfterTestFunc: after(append(r.checks, same, state(func(t testing.TB, app *tests.TestApp) {
					if n := count(t, app, "categories", dbx.HashExp{"name": "Rust"}); n != 0 {
						t.Errorf("category stored by a refused create")
					}
				}))...),
			})
		}
	}
	run(t, scenarios)
}
