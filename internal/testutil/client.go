package testutil

// An in-process client of the app's router, for flows of several requests
// through one test app (login → refresh → logout, bursts, races): the same
// router and serve hooks tests.ApiScenario uses, no TCP.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// Client sends requests through a test app's routes.
type Client struct {
	T   testing.TB
	App *tests.TestApp
	// RemoteAddr of the requests (httptest's 192.0.2.1:1234 by default);
	// the per-client limits key on it.
	RemoteAddr string

	handler http.Handler
}

// clientAddr is the default RemoteAddr of a Client's requests.
const clientAddr = "192.0.2.1:1234"

// NewClient is a fresh test app (NewApp) with its routes served.
func NewClient(t testing.TB) *Client {
	t.Helper()
	return ClientOf(t, NewApp(t))
}

// ClientOf serves the routes of app (see Routes).
func ClientOf(t testing.TB, app *tests.TestApp) *Client {
	t.Helper()
	return &Client{T: t, App: app, RemoteAddr: clientAddr, handler: Routes(t, app)}
}

// ClientFor serves the routes of a scenario's serve event, e.g. in an
// ApiScenario's BeforeTestFunc to prepare state through the API itself.
func ClientFor(t testing.TB, app *tests.TestApp, e *core.ServeEvent) *Client {
	t.Helper()
	mux, err := e.Router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	return &Client{T: t, App: app, RemoteAddr: clientAddr, handler: mux}
}

// Response is a recorded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the answer as an object.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	return DecodeObject(t, r.Body)
}

// Bearer is an Authorization header carrying token (none when token is "").
func Bearer(token string) map[string]string {
	if token == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + token}
}

// Do sends a request with headers. body is nil (no body), a string or
// []byte (sent as is) or a value to encode as JSON; a request with a body
// is sent as application/json unless headers name a Content-Type.
func (c *Client) Do(method, path string, body any, headers map[string]string) Response {
	c.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewReader([]byte(b))
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.T.Fatalf("%s %s: encoding the body: %v", method, path, err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = c.RemoteAddr
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	return Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// Send sends a JSON request (body as for Do; nil is an empty body, still
// sent as application/json) with token as bearer when it is not "".
func (c *Client) Send(method, path string, body any, token string) Response {
	c.T.Helper()
	if body == nil {
		body = ""
	}
	return c.Do(method, path, body, Bearer(token))
}

// Session is what a successful /user/login/ hands out.
type Session struct {
	Access, Refresh, Id string
}

// Login signs email in through /user/login/ with the fixture password and
// fails the test otherwise.
func (c *Client) Login(email string) Session {
	c.T.Helper()
	res := c.Send(http.MethodPost, "/user/login/", map[string]any{"email": email, "password": Password}, "")
	if res.Status != http.StatusOK {
		c.T.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	body := res.JSON(c.T)
	s := Session{}
	s.Access, _ = body["access"].(string)
	s.Refresh, _ = body["refresh"].(string)
	s.Id, _ = body["session_id"].(string)
	if s.Access == "" || s.Refresh == "" || s.Id == "" {
		c.T.Fatalf("login %s: incomplete answer %s", email, res.Body)
	}
	return s
}

// LoginFirst is a BeforeTestFunc that logs email in through the scenario's
// own routes and hands the session to use (to fill headers or the body).
func LoginFirst(email string, use func(s Session)) func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		use(ClientFor(t, app, e).Login(email))
	}
}
