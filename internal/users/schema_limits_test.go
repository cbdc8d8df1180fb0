package users_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The profile's status choices and nickname limit are the stored schema's,
// as an admin may change them in the dashboard.
func TestProfileFollowsTheStoredSchema(t *testing.T) {
	users := func(change func(c *core.Collection)) func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			c, err := app.FindCollectionByNameOrId("users")
			if err != nil {
				t.Fatal(err)
			}
			change(c)
			if err := app.Save(c); err != nil {
				t.Fatal(err)
			}
		}
	}
	addCoding := users(func(c *core.Collection) {
		f := c.Fields.GetByName("status").(*core.SelectField)
		f.Values = append(f.Values, "coding")
	})
	dropBusy := users(func(c *core.Collection) {
		f := c.Fields.GetByName("status").(*core.SelectField)
		f.Values = []string{"available", "away"}
	})
	shortNicknames := users(func(c *core.Collection) {
		c.Fields.GetByName("nickname").(*core.TextField).Max = 5
	})
	patch := func(name, body string, before func(testing.TB, *tests.TestApp, *core.ServeEvent), status int, content string, checks ...testutil.Check) tests.ApiScenario {
		return tests.ApiScenario{
			Name: name, Method: http.MethodPatch, URL: "/user/profile/", Body: strings.NewReader(body),
			Headers:        testutil.AuthHeader(t, testutil.AliceEmail),
			BeforeTestFunc: before, ExpectedStatus: status, ExpectedContent: []string{content},
			TestAppFactory: testutil.Factory, AfterTestFunc: testutil.After(checks...),
		}
	}
	testutil.Run(t, []tests.ApiScenario{
		patch("a status added to the schema", `{"status":"coding"}`, addCoding, 200, `"status":"coding"`),
		patch("a status removed from the schema", `{"status":"busy"}`, dropBusy, 400, `"status"`,
			testutil.BodyIs(`{"status":["\"busy\" is not a valid choice."]}`)),
		patch("a lowered nickname limit", `{"nickname":"sixsix"}`, shortNicknames, 400, `"nickname"`,
			testutil.BodyIs(`{"nickname":["Ensure this field has no more than 5 characters."]}`)),
	})
}
