package moderation_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestHostileInputNeverFails: the moderation routes answer malformed and
// hostile input, as a guest, a member, a moderator and a superuser, with
// a 4xx (or a success), never a 5xx.
func TestHostileInputNeverFails(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	routes := testutil.Routes(t, app)
	room := roomId(t)
	var endpoints [][2]string
	for _, p := range []string{room, "%00%ff", "..%2f..%2f", strings.Repeat("x", 300)} {
		base := "/api/chat/room/" + p + "/"
		endpoints = append(endpoints,
			[2]string{"GET", base + "moderators/"}, [2]string{"POST", base + "moderators/"}, [2]string{"DELETE", base + "moderators/"},
			[2]string{"POST", base + "mute/"}, [2]string{"DELETE", base + "mute/"}, [2]string{"POST", base + "kick/"},
			[2]string{"POST", base + "ban/"}, [2]string{"DELETE", base + "ban/"},
			[2]string{"GET", base + "log/?page=99999999999999999999&page_size=-1"}, [2]string{"GET", base + "log/?page_size=abc"},
		)
	}
	bodies := []struct{ contentType, body string }{
		{"application/json", ``}, {"application/json", `{`}, {"application/json", `null`}, {"application/json", `[]`},
		{"application/json", `{"user":[],"email":{},"minutes":{},"reason":[]}`},
		{"application/json", `{"user":"` + testutil.BobId + `","minutes":1e999,"reason":"` + strings.Repeat("가", 600) + `"}`},
		{"application/json", `{"user":"` + testutil.BobId + `","minutes":-1e30}`},
		{"application/json", `{"user":"` + testutil.BobId + `","minutes":"1e9"}`},
		{"application/json", `{"email":"` + strings.Repeat("a", 70000) + `@x.io"}`},
		{"application/json", `{"user":"%00\u0000","email":"\u0000"}`},
		{"application/json", "{\"user\":\"\xff\xfe\",\"reason\":\"\xed\xa0\x80\"}"},
		{"application/json", strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
		{"application/x-www-form-urlencoded", "user=%ff&minutes=%&&&=&minutes=2"},
		{"multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nx\r\n--xyz\r\nContent-Disp"},
		{"text/plain", "hello"},
	}
	auths := map[string]map[string]string{
		"guest": nil, "member": testutil.AuthHeader(t, testutil.BobEmail), "moderator": testutil.AuthHeader(t, testutil.AliceEmail),
		"superuser": testutil.AuthHeader(t, testutil.SuperuserEmail), "forged": testutil.ForgedAuth,
	}
	for who, headers := range auths {
		for _, r := range endpoints {
			for _, b := range bodies {
				req := httptest.NewRequest(r[0], r[1], strings.NewReader(b.body))
				req.Header.Set("Content-Type", b.contentType)
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				routes.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					t.Errorf("%s %s %s as %s (%.60q): %d %s", r[0], r[1], b.contentType, who, b.body, rec.Code, rec.Body.String())
				}
			}
		}
	}
}
