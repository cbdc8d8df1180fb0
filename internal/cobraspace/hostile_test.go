package cobraspace_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestHostileInputNeverFails: every documented route, and PocketBase's
// record API where our hooks and rules run, answers a corpus of malformed
// and hostile inputs — as a guest, a member and a superuser — with a 4xx
// (or a success), never a 5xx. A 5xx here is a crash path a hostile member
// could hit at will.
func TestHostileInputNeverFails(t *testing.T) {
	app := testutil.NewApp(t)
	routes := testutil.Routes(t, app)
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatal(err)
	}

	type route struct{ method, path string }
	endpoints := []route{
		{"POST", "/user/registration/"}, {"POST", "/user/login/"}, {"POST", "/user/token/refresh/"},
		{"POST", "/user/logout/"}, {"GET", "/user/profile/"}, {"PUT", "/user/profile/"}, {"PATCH", "/user/profile/"},
		{"POST", "/user/add-friend/"}, {"GET", "/user/friends/?page=-1&page_size=abc"},
		{"GET", "/user/friend-profile/" + testutil.BobId + "/"}, {"GET", "/user/friend-profile/%00%ff/"},
		{"GET", "/user/search-friends/?keyword=%ff%fe&page=0"}, {"POST", "/user/delete-friend/"},
		{"GET", "/api/post/?search=%22%27%29(*&page=99999999999999999999"}, {"GET", "/api/post/posts/?category=%00&tag=%ff"},
		{"GET", "/api/post/detail/" + testutil.PostId + "/"}, {"GET", "/api/post/detail/..%2f..%2f/"},
		{"POST", "/api/post/write/"}, {"PATCH", "/api/post/detail/" + testutil.PostId + "/edit/"},
		{"POST", "/api/post/detail/" + testutil.PostId + "/delete/"}, {"POST", "/api/post/categories/"},
		{"GET", "/api/chat/room/?page=abc"}, {"POST", "/api/chat/room/"},
		{"GET", "/api/chat/room/" + room.Id + "/?before=%ff%00"}, {"POST", "/api/chat/message/"},
		// the chat product
		{"PATCH", "/api/chat/message/" + testutil.MessageId + "/"}, {"DELETE", "/api/chat/message/%00%ff/"},
		{"POST", "/api/chat/message/" + testutil.MessageId + "/reactions/"}, {"POST", "/api/chat/message/..%2f/reactions/"},
		{"POST", "/api/chat/room/" + room.Id + "/typing/"}, {"POST", "/api/chat/room/" + room.Id + "/follow/"},
		{"DELETE", "/api/chat/room/%ff/follow/"}, {"POST", "/api/chat/room/" + room.Id + "/read/"},
		{"GET", "/api/chat/unread/?page=abc"}, {"POST", "/api/chat/dm/"},
		{"GET", "/api/chat/search/?q=%22%27NEAR(*&room=%ff&page=-1&page_size=99999999999999999999"},
		{"GET", "/api/notifications/?unread=%ff&page=0&page_size=-5"}, {"GET", "/api/notifications/unread-count/"},
		{"POST", "/api/notifications/read/"},
		{"POST", "/api/collections/message_reactions/records"}, {"PATCH", "/api/collections/messages/records/" + testutil.MessageId},
		{"PATCH", "/api/collections/notifications/records/%ff"},
		// moderation
		{"GET", "/api/chat/room/" + room.Id + "/moderators/"}, {"POST", "/api/chat/room/" + room.Id + "/moderators/"},
		{"DELETE", "/api/chat/room/" + room.Id + "/moderators/"}, {"POST", "/api/chat/room/" + room.Id + "/mute/"},
		{"DELETE", "/api/chat/room/%ff/mute/"}, {"POST", "/api/chat/room/" + room.Id + "/kick/"},
		{"POST", "/api/chat/room/" + room.Id + "/ban/"}, {"DELETE", "/api/chat/room/" + room.Id + "/ban/"},
		{"PATCH", "/api/chat/room/" + room.Id + "/"}, {"GET", "/api/chat/message/" + testutil.MessageId + "/history/"},
		{"GET", "/api/chat/room/" + room.Id + "/log/?page=-1&page_size=1e9"}, {"POST", "/user/block/"}, {"POST", "/api/user/unblock/"},
		{"GET", "/user/blocked/"}, {"POST", "/api/chat/message/" + testutil.MessageId + "/report/"},
		{"GET", "/api/moderation/reports/?status=%ff&room=%00&page=abc"}, {"POST", "/api/moderation/reports/%ff/resolve/"},
		{"POST", "/api/collections/room_bans/records"}, {"POST", "/api/collections/reports/records"},
		{"POST", "/api/collections/blocks/records"}, {"PATCH", "/api/collections/rooms/records/" + room.Id},
		{"POST", "/api/collections/users/records"}, {"PATCH", "/api/collections/users/records/" + testutil.AliceId},
		{"POST", "/api/collections/posts/records"}, {"POST", "/api/collections/messages/records"},
		{"POST", "/api/collections/rooms/records"}, {"POST", "/api/collections/friends/records"},
		{"GET", "/api/collections/users/records?sort=email,-friends_via_user.friend.email&filter=email%3E%22m%22"},
		{"GET", "/api/collections/messages/records?sort=sender.email&filter=(((("},
		{"POST", "/api/collections/users/auth-with-password"},
		{"POST", "/api/realtime"},
		// operators
		{"GET", "/metrics?name[]=%ff"}, {"GET", "/metrics/"},
	}
	bodies := []struct{ contentType, body string }{
		{"application/json", ``},
		{"application/json", `{`},
		{"application/json", `null`},
		{"application/json", `[]`},
		{"application/json", `"x"`},
		{"application/json", `{"email":null,"password":{},"title":[],"content":1e999,"category":{"$gt":""},"tags":"x","room":[1],"message":{},"parent_chat":true,"name":null,"friend":{"id":1},"keyword":[],"refresh":0,"clientId":[],"subscriptions":{},"emoji":{},"mentions":"x","ids":{},"all":"yes","seq":-1e99,"user":[],"minutes":"x","reason":{},"action":[],"slow_mode_seconds":1.5,"blocked":1,"status":{}}`},
		{"application/json", `{"user":"` + testutil.BobId + `","email":"` + testutil.BobEmail + `","minutes":1e20,"reason":"` + strings.Repeat("이유", 400) + `","action":"ban","slow_mode_seconds":-1,"until":"x"}`},
		{"application/json", `{"emoji":"` + strings.Repeat("👍", 50) + `","mentions":[` + strings.Repeat(`"x",`, 500) + `"y"],"ids":[null,1,{}],"all":true,"seq":1e30,"message":"` + strings.Repeat("가", 5000) + `","email":"` + testutil.BobEmail + `"}`},
		{"application/json", `{"email":"` + strings.Repeat("a", 70000) + `@x.io"}`},
		{"application/json", strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
		{"application/json", "{\"email\":\"\xff\xfe@x.io\",\"password\":\"\x00\",\"title\":\"\xc3\",\"message\":\"\xed\xa0\x80\"}"},
		{"application/json", `{"room":"` + room.Id + `","message":"hi","parent_chat":"` + room.Id + `","title":"t","category":"nope","tags":[null,1,{}],"name":"` + strings.Repeat("방", 200) + `"}`},
		{"application/x-www-form-urlencoded", "email=%ff&password=%&&&=&tags=1&tags=2"},
		{"multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--xyz\r\nContent-Disp"},
		{"multipart/form-data", "--xyz\r\n\r\n"},
		{"text/plain", "hello"},
	}
	auths := map[string]map[string]string{
		"guest":     nil,
		"member":    testutil.AuthHeader(t, testutil.AliceEmail),
		"superuser": testutil.AuthHeader(t, testutil.SuperuserEmail),
		"forged":    {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJpZCI6InVzcmFsaWNlMDAwMDAwMSJ9."},
	}
	byStatus := map[int]int{}
	for who, headers := range auths {
		for _, r := range endpoints {
			for _, b := range bodies {
				req := httptest.NewRequest(r.method, r.path, strings.NewReader(b.body))
				req.Header.Set("Content-Type", b.contentType)
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				routes.ServeHTTP(rec, req)
				byStatus[rec.Code]++
				if rec.Code >= 500 {
					t.Errorf("%s %s %s as %s (%.60q): %d %s", r.method, r.path, b.contentType, who, b.body, rec.Code, rec.Body.String())
				}
			}
		}
	}
	t.Logf("answers by status: %v", byStatus) // most are 4xx: the corpus is mostly refused
}
