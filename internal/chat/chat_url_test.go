package chat_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestChatURLUsesTheConfiguredAppURL: once an admin has set the
// Application URL, chat_url is built on it and a forged Host header is
// not reflected; until then the request's host is used (development).
func TestChatURLUsesTheConfiguredAppURL(t *testing.T) {
	room := postRoomId(t)
	configure := func(appURL string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
		return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			app.Settings().Meta.AppURL = appURL
			if err := app.Save(app.Settings()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// the test requests name the host example.com
	alice := auth(t, testutil.AliceEmail)
	testutil.Run(t, []tests.ApiScenario{
		{
			Name: "configured: the app URL's host, not the request's", Method: http.MethodGet,
			URL: "/api/chat/room/" + room + "/", Headers: alice,
			BeforeTestFunc: configure("https://chat.example.org"), ExpectedStatus: 200,
			ExpectedContent:    []string{`"chat_url":"chat.example.org/ws/chat/` + room + `/chat/"`},
			NotExpectedContent: []string{"example.com/ws"},
		},
		{
			Name: "configured with a path prefix", Method: http.MethodGet,
			URL: "/api/chat/room/", Headers: alice,
			BeforeTestFunc: configure("https://example.org/cobra/"), ExpectedStatus: 200,
			ExpectedContent:    []string{`"chat_url":"example.org/cobra/ws/chat/` + room + `/chat/"`},
			NotExpectedContent: []string{"example.com/ws"},
		},
		{
			Name: "not configured: the request's host", Method: http.MethodGet,
			URL: "/api/chat/room/" + room + "/", Headers: alice,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"chat_url":"example.com/ws/chat/` + room + `/chat/"`},
		},
	})
}
