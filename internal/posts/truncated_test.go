package posts_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// A multipart body cut off inside a part header is not a complete body:
// 400 in the DRF shape, nothing stored. (Go's multipart reader takes EOF
// there for the end of the form and hands back the parts before it.)
func TestTruncatedMultipartBody(t *testing.T) {
	const boundary = "cobraBoundary"
	part := func(name, value string) string {
		return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
	}
	complete := part("title", "잘린 글") + part("category", "Programming") + part("tags", "잘림") + part("content", "본문") + "--" + boundary + "--\r\n"
	cut := strings.Index(complete, "name=\"tags\"") // inside the header of the third part
	ctype := map[string]string{"Content-Type": "multipart/form-data; boundary=" + boundary}
	var scenarios []tests.ApiScenario
	for _, c := range []struct{ name, body string }{
		{"cut inside a part header", complete[:cut]},
		{"cut after a boundary line", complete[:strings.Index(complete, "Content-Disposition: form-data; name=\"tags\"")]},
		{"cut before the blank line ending a header", complete[:strings.Index(complete, "name=\"tags\"")+len("name=\"tags\"\r\n")]},
		{"cut inside the final boundary", complete[:len(complete)-4]},
	} {
		for _, r := range []struct{ method, url string }{
			{http.MethodPost, "/api/post/write/"},
			{http.MethodPatch, "/api/post/detail/" + testutil.PostId + "/edit/"},
		} {
			before, same := unchanged(seedEditTB)
			scenarios = append(scenarios, tests.ApiScenario{
				Name: r.method + " " + r.url + " " + c.name, Method: r.method, URL: r.url,
				Headers: withHeaders(alice(t), ctype), Body: strings.NewReader(c.body),
				BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) { before(t, app, e) },
				ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"detail"`},
				AfterTestFunc: testutil.After(hasDetail, same, unchangedPost),
			})
		}
	}
	// the complete body is accepted (the same parts, as a control)
	scenarios = append(scenarios, tests.ApiScenario{
		Name: "complete body", Method: http.MethodPost, URL: "/api/post/write/",
		Headers: withHeaders(alice(t), ctype), Body: strings.NewReader(complete),
		ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"title":"잘린 글"`, `"content":"본문"`, `"name":"잘림"`},
	})
	testutil.Run(t, scenarios)
}
