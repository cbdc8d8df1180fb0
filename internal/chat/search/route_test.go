package search_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/chat/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

type page struct {
	Count       int64            `json:"count"`
	CountCapped bool             `json:"count_capped"`
	Results     []map[string]any `json:"results"`
}

func get(t *testing.T, c *testutil.Client, path, token string) (int, page, string) {
	t.Helper()
	res := c.Send(http.MethodGet, path, nil, token)
	var p page
	if res.Status == http.StatusOK {
		if err := json.Unmarshal(res.Body, &p); err != nil {
			t.Fatalf("GET %s: %v %s", path, err, res.Body)
		}
	}
	return res.Status, p, string(res.Body)
}

func ids(p page) []string {
	out := []string{}
	for _, m := range p.Results {
		out = append(out, m["id"].(string))
	}
	return out
}

func send(t *testing.T, app core.App, room, sender, text string) *core.Record {
	t.Helper()
	return testutil.MustSave(t, app, "messages", map[string]any{"room": room, "sender": sender, "message": text})
}

func searchPath(q string, extra ...string) string {
	v := url.Values{"q": {q}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/api/chat/search/?" + v.Encode()
}

func TestSearchRoute(t *testing.T) {
	app := testutil.NewApp(t)
	r := makeRooms(t, app)
	c := testutil.ClientOf(t, app)
	alice := testutil.Token(t, app, testutil.AliceEmail)
	bob := testutil.Token(t, app, testutil.BobEmail)
	carol := testutil.Token(t, app, testutil.CarolEmail)
	dave := testutil.Token(t, app, testutil.DaveEmail)

	inPost := send(t, app, r.post, testutil.AliceId, "공개 채팅방의 ÄBC 메시지")
	inBob := send(t, app, r.bob, testutil.BobId, "밥의 비밀 äbc 메시지")
	inDM := send(t, app, r.dmAliceBob, testutil.AliceId, "우리끼리 Äbc DM")

	t.Run("every spelling, only readable rooms, Unicode case folding", func(t *testing.T) {
		for _, path := range []string{"/api/chat/search/?q=%C3%A4bc", "/api/chat/search?q=%C3%A4bc", "/api/chat/search/?q=%C3%84BC"} {
			cases := map[string][]string{
				alice: {inDM.Id, inPost.Id},           // not bob's room (not on bob's list)
				bob:   {inDM.Id, inBob.Id, inPost.Id}, // his room and his DM
				carol: {inPost.Id},                    // a stranger to both rooms and the DM
				dave:  {inBob.Id, inPost.Id},          // on bob's list, not in the DM
			}
			for token, want := range cases {
				status, p, body := get(t, c, path, token)
				if status != http.StatusOK || !slices.Equal(ids(p), want) || p.Count != int64(len(want)) || p.CountCapped {
					t.Errorf("GET %s: %d %v count %d, want %v\n%s", path, status, ids(p), p.Count, want, body)
				}
			}
		}
		// the message object
		_, p, _ := get(t, c, searchPath("공개"), carol)
		if len(p.Results) != 1 {
			t.Fatalf("results %v", p.Results)
		}
		testutil.AssertKeys(t, "message", p.Results[0], testutil.Exactly, "id", "room", "nickname", "profile_picture_url", "message",
			"parent_chat", "message_type", "created_at", "seq", "edited_at", "deleted", "mentions", "hidden", "sender", "sender_email", "reactions", "deleted_by")
	})

	t.Run("one room", func(t *testing.T) {
		status, p, body := get(t, c, searchPath("bc", "room", r.post), bob)
		if status != http.StatusOK || !slices.Equal(ids(p), []string{inPost.Id}) {
			t.Errorf("room=post: %d %v %s", status, ids(p), body)
		}
		dm := testutil.MustFind(t, app, "rooms", r.dmAliceBob)
		member := testutil.MustFind(t, app, "users", testutil.AliceId)
		status, p, _ = get(t, c, searchPath("bc", "room", r.dmAliceBob), alice)
		switch {
		case !canRead(t, app, dm, member) || chat.CanReadRoom(app, dm, member):
			if status != http.StatusOK || !slices.Equal(ids(p), []string{inDM.Id}) {
				t.Errorf("room=dm as alice: %d %v", status, ids(p))
			}
		case status != http.StatusForbidden:
			// ?room= obeys the stored rule, which lacks the DM fix yet
			t.Errorf("room=dm as alice under the unfixed rule: %d %v", status, ids(p))
		}
		for _, tc := range []struct {
			token, room string
			status      int
		}{
			{alice, r.bob, http.StatusForbidden},
			{carol, r.dmAliceBob, http.StatusForbidden},
			{dave, r.dmAliceBob, http.StatusForbidden},
			{alice, "nosuchroom0000", http.StatusNotFound},
		} {
			if status, _, body := get(t, c, searchPath("bc", "room", tc.room), tc.token); status != tc.status {
				t.Errorf("room %s: %d %s, want %d", tc.room, status, body, tc.status)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		if status, _, _ := get(t, c, searchPath("bc"), ""); status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", status)
		}
		for _, path := range []string{"/api/chat/search/", "/api/chat/search", "/api/chat/search/?q=", "/api/chat/search/?room=" + r.post} {
			if status, _, body := get(t, c, path, alice); status != http.StatusBadRequest || body != `{"q":["This field is required."]}` {
				t.Errorf("GET %s: %d %s", path, status, body)
			}
		}
		if status, _, body := get(t, c, searchPath("   "), alice); status != http.StatusBadRequest || !strings.Contains(body, `"q"`) {
			t.Errorf("blank q: %d %s", status, body)
		}
		if status, _, body := get(t, c, searchPath(strings.Repeat("가", search.MaxQueryLength+1)), alice); status != http.StatusBadRequest || !strings.Contains(body, "no more than 100 characters") {
			t.Errorf("long q: %d %s", status, body)
		}
		if status, _, body := get(t, c, searchPath("bc", "page", "0"), alice); status != http.StatusBadRequest {
			t.Errorf("page=0: %d %s", status, body)
		}
	})

	t.Run("hostile queries answer 200 or 400, never 500", func(t *testing.T) {
		hostile := []string{`"`, `""`, `"""`, `'`, `*`, `a*`, `NEAR(`, `NEAR(a b)`, `NEAR(a b, 2)`, `OR`, `a OR b`, `AND`, `NOT`,
			`(`, `)`, `{doc}: x`, `doc:x`, `^a`, `-a`, `+`, `\`, `%`, `_`, `%_%`, `' OR 1=1 --`, `"); DROP TABLE messages; --`,
			"\x00", "a\x00b", "abc\x00", "\xff\xfe", "\u202e", strings.Repeat("x", 10<<10), strings.Repeat(`"NEAR(`, 2000),
			strings.Repeat("가", 100), strings.Repeat("ab", 50)}
		for _, q := range hostile {
			for _, extra := range [][]string{nil, {"room", r.post}, {"page", "2", "page_size", "100"}} {
				status, _, body := get(t, c, searchPath(q, extra...), alice)
				if status != http.StatusOK && status != http.StatusBadRequest {
					t.Errorf("q=%.40q %v: %d %s", q, extra, status, body)
				}
			}
		}
		// raw, undecodable query strings too
		for _, raw := range []string{"q=%ff", "q=%", "q=%00%00%00", "q=a&q=b", "q=x&page=99999999999999999999", "q=x&page_size=-1"} {
			res := c.Send(http.MethodGet, "/api/chat/search/?"+raw, nil, alice)
			if res.Status != http.StatusOK && res.Status != http.StatusBadRequest {
				t.Errorf("?%s: %d %s", raw, res.Status, res.Body)
			}
		}
	})

	t.Run("pages, newest first", func(t *testing.T) {
		var sent []string
		for i := range 25 {
			sent = append(sent, send(t, app, r.post, testutil.BobId, "페이지 테스트 "+strings.Repeat("!", i)).Id)
		}
		slices.Reverse(sent)
		var got []string
		for n := 1; n <= 3; n++ {
			status, p, body := get(t, c, searchPath("페이지", "page_size", "10", "page", string(rune('0'+n))), carol)
			if status != http.StatusOK || p.Count != 25 || p.CountCapped {
				t.Fatalf("page %d: %d count %d %s", n, status, p.Count, body)
			}
			for i := 1; i < len(p.Results); i++ {
				if p.Results[i]["created_at"].(string) > p.Results[i-1]["created_at"].(string) {
					t.Errorf("page %d not newest first", n)
				}
			}
			got = append(got, ids(p)...)
		}
		if !slices.Equal(got, sent) {
			t.Errorf("pages %v, want %v", got, sent)
		}
		if _, p, _ := get(t, c, searchPath("페이지", "page_size", "10", "page", "4"), carol); len(p.Results) != 0 || p.Count != 25 {
			t.Errorf("past the end: %v count %d", ids(p), p.Count)
		}
		// a capped count is a lower bound
		for _, mode := range [][2]int64{{0, 0}, {search.SmallRoom, -1}} { // the index; the room's texts
			saved, savedRare := search.SmallRoom, search.RareTerm
			search.SmallRoom, search.RareTerm = mode[0], mode[1]
			for _, room := range []string{"", r.post} {
				q := search.Query{Text: "페이지", Viewer: testutil.CarolId, Room: room}
				count, capped, err := search.Count(app, q, 10)
				if err != nil || count != 10 || !capped {
					t.Errorf("capped count %v in %q: %d %v %v", mode, room, count, capped, err)
				}
				q.Limit, q.Offset = 10, 20
				ids, count, capped, err := search.Search(app, q, 10)
				if err != nil || !slices.Equal(ids, sent[20:]) || count != 25 || capped {
					t.Errorf("last page %v in %q: %v %d %v %v", mode, room, ids, count, capped, err)
				}
				q.Offset = 10
				ids, count, capped, err = search.Search(app, q, 10)
				if err != nil || !slices.Equal(ids, sent[10:20]) || count < 10 || (count != 25 && !capped) {
					t.Errorf("middle page %v in %q: %v %d %v %v", mode, room, ids, count, capped, err)
				}
			}
			search.SmallRoom, search.RareTerm = saved, savedRare
		}
	})

	t.Run("edits, soft and hard deletes, room deletion", func(t *testing.T) {
		// an edit through the record API: found by its new text at once, not the old
		res := c.Send(http.MethodPatch, "/api/collections/messages/records/"+inPost.Id, map[string]any{"message": "고친 문장 Zeppelin"}, alice)
		if res.Status != http.StatusOK {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		if _, p, _ := get(t, c, searchPath("zeppelin"), carol); !slices.Equal(ids(p), []string{inPost.Id}) {
			t.Errorf("new text: %v", ids(p))
		}
		if _, p, _ := get(t, c, searchPath("공개 채팅방"), carol); len(p.Results) != 0 || p.Count != 0 {
			t.Errorf("old text still found: %v", ids(p))
		}

		// a soft delete (deleted_at set, text emptied) is never found
		m := testutil.MustFind(t, app, "messages", inBob.Id)
		m.Set("deleted_at", time.Now())
		m.Set("message", "")
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"밥의", "äbc", "비"} {
			if _, p, _ := get(t, c, searchPath(q, "room", r.bob), bob); len(p.Results) != 0 {
				t.Errorf("soft-deleted message found by %q: %v", q, ids(p))
			}
		}
		// a deleted message cannot be edited back (hooks refuse it), so
		// nothing brings it back into the index
		m.Set("message", "밥의 부활")
		if err := app.Save(m); err == nil {
			t.Fatal("a deleted message was edited")
		}
		if _, p, _ := get(t, c, searchPath("밥의", "room", r.bob), bob); len(p.Results) != 0 {
			t.Errorf("deleted message found after a save: %v", ids(p))
		}
		if n := testutil.Count(t, app, "chat_search_docs", nil); n == 0 {
			t.Fatal("no documents at all")
		}

		// a hard delete
		if err := app.Delete(testutil.MustFind(t, app, "messages", inDM.Id)); err != nil {
			t.Fatal(err)
		}
		if _, p, _ := get(t, c, searchPath("우리끼리"), alice); len(p.Results) != 0 {
			t.Errorf("hard-deleted message found: %v", ids(p))
		}

		// deleting a room (its messages cascade) removes their documents
		send(t, app, r.alice, testutil.BobId, "앨리스 방 quokka")
		if err := app.Delete(testutil.MustFind(t, app, "rooms", r.alice)); err != nil {
			t.Fatal(err)
		}
		if _, p, _ := get(t, c, searchPath("quokka"), alice); len(p.Results) != 0 {
			t.Errorf("message of a deleted room found: %v", ids(p))
		}
		if n := testutil.Count(t, app, "chat_search_docs", nil); n != testutil.Count(t, app, "messages", nil)-1 {
			t.Errorf("%d documents for %d messages (one deleted)", n, testutil.Count(t, app, "messages", nil))
		}
	})
}
