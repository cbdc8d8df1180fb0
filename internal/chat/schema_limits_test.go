package chat_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// setTextMax changes a text field's limit in the stored schema, as an
// admin may in the dashboard.
func setTextMax(t testing.TB, app core.App, collection, field string, max int) {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	c.Fields.GetByName(field).(*core.TextField).Max = max
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
}

// The routes' length checks follow the stored schema, not a copy of the
// migrations' numbers.
func TestLimitsFollowTheStoredSchema(t *testing.T) {
	postRoom := postRoomId(t)
	alice := auth(t, testutil.AliceEmail)
	testutil.Run(t, []tests.ApiScenario{
		{
			Name: "message over a lowered limit", Method: http.MethodPost, URL: "/api/chat/message/", Headers: alice,
			Body: strings.NewReader(`{"room":"` + postRoom + `","message":"eleven char"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				setTextMax(t, app, "messages", "message", 10)
			},
			ExpectedStatus: 400, ExpectedContent: []string{`"message"`},
			AfterTestFunc: testutil.After(testutil.BodyIs(`{"message":["Ensure this field has no more than 10 characters."]}`)),
		},
		{
			Name: "message within a raised limit", Method: http.MethodPost, URL: "/api/chat/message/", Headers: alice,
			Body: strings.NewReader(`{"room":"` + postRoom + `","message":"` + strings.Repeat("말", 2001) + `"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				setTextMax(t, app, "messages", "message", 3000)
			},
			ExpectedStatus: 201, ExpectedContent: []string{`"message_type":"text"`},
		},
		{
			Name: "room name over a lowered limit", Method: http.MethodPost, URL: "/api/chat/room/", Headers: alice,
			Body: strings.NewReader(`{"name":"sixsix"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				setTextMax(t, app, "rooms", "name", 5)
			},
			ExpectedStatus: 400, ExpectedContent: []string{`"name"`},
			AfterTestFunc: testutil.After(testutil.BodyIs(`{"name":["Ensure this field has no more than 5 characters."]}`)),
		},
	})
}
