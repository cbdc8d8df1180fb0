package search_test

// The chat search against a reference computed in Go on generated data:
// for every query and member, search.MessageIds must answer exactly the
// messages of the rooms chat.CanReadRoom lets the member read whose text
// contains the query under Unicode case folding
// (strings.Contains(strings.ToLower(text), strings.ToLower(q))), newest
// first — after sends, edits, soft deletes, hard deletes, a room's
// deletion and a reindex. On ASCII/Korean-only messages the answer is
// also SQL's LOWER(message) LIKE '%q%'.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/chat/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

var members = []string{testutil.AliceId, testutil.BobId, testutil.CarolId, testutil.DaveId}

// plainWords are ASCII and Hangul only (SQLite's LOWER and LIKE agree with
// Go on them), with LIKE wildcards and FTS5 syntax among them.
var plainWords = []string{
	"채팅", "서버", "검색", "실시간", "데이터베이스", "코딩", "개발", "채팅방", "오늘", "회의", "Server", "CHAT",
	"golang", "PocketBase", "SQLite", "Go", "chat", "server", "GoLang", "100%", "snake_case", "a_b%c", `"quoted"`,
	"O'Reilly", "x*y", "(괄호)", "NEAR", "AND", "OR", "col:umn", "^caret", "ABC", "abc", "aBc",
}

// otherWords have case in other scripts (and case oddities).
var otherWords = []string{
	"ÄBC", "äbc", "Äbc", "Ελληνικά", "ΕΛΛΗΝΙΚΆ", "Привет", "ПРИВЕТ", "мир", "Σίσυφος", "İstanbul", "Straße",
	"ǅemal", "\u212Aelvin", "🚀", "café", "cafe\u0301", "Ωμέγα",
}

// rooms are the rooms of the tests, made by makeRooms: the fixture post's
// room (everyone), rooms without a post of bob (bob and dave, on bob's
// list) and alice (alice and bob), and the DM rooms of alice and bob and
// of carol and dave (created directly as records).
type rooms struct {
	post, bob, alice, dmAliceBob, dmCarolDave string
}

func makeRooms(t testing.TB, app core.App) rooms {
	t.Helper()
	post, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatal(err)
	}
	testutil.MustSave(t, app, "friends", map[string]any{"user": testutil.BobId, "friend": testutil.DaveId})
	dm := func(a, b string) string {
		lo, hi := min(a, b), max(a, b)
		return testutil.MustSave(t, app, "rooms", map[string]any{
			"name": "dm", "owner": a, "dm_key": lo + ":" + hi, "members": []string{a, b},
		}).Id
	}
	return rooms{
		post:        post.Id,
		bob:         testutil.MustSave(t, app, "rooms", map[string]any{"name": "bob's", "owner": testutil.BobId}).Id,
		alice:       testutil.MustSave(t, app, "rooms", map[string]any{"name": "alice's", "owner": testutil.AliceId}).Id,
		dmAliceBob:  dm(testutil.AliceId, testutil.BobId),
		dmCarolDave: dm(testutil.DaveId, testutil.CarolId),
	}
}

func (r rooms) all() []string { return []string{r.post, r.bob, r.alice, r.dmAliceBob, r.dmCarolDave} }

type gen struct {
	t   testing.TB
	app core.App
	rng *rand.Rand
	r   rooms
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// text is a random message; a third are ASCII and Hangul only.
func (g *gen) text() string {
	plain := g.rng.IntN(3) == 0
	var b strings.Builder
	for i := range 1 + g.rng.IntN(8) {
		if i > 0 {
			b.WriteString(g.pick([]string{" ", " ", "", "-", ", ", "\n"}))
		}
		if plain || g.rng.IntN(3) > 0 {
			b.WriteString(g.pick(plainWords))
		} else {
			b.WriteString(g.pick(otherWords))
		}
	}
	return b.String()
}

// send stores n messages through app.Save, each by a member who may read
// its room.
func (g *gen) send(n int) {
	g.t.Helper()
	senders := map[string][]string{
		g.r.post: members, g.r.bob: {testutil.BobId, testutil.DaveId}, g.r.alice: {testutil.AliceId, testutil.BobId},
		g.r.dmAliceBob: {testutil.AliceId, testutil.BobId}, g.r.dmCarolDave: {testutil.CarolId, testutil.DaveId},
	}
	for range n {
		room := g.pick(g.r.all())
		if err := testutil.SaveRecord(g.app, "messages", map[string]any{
			"room": room, "sender": g.pick(senders[room]), "message": g.text(),
		}); err != nil {
			g.t.Fatal(err)
		}
	}
}

// ---------------------------------------------------------------------------
// the reference

// canRead is chat.CanReadRoom: the stored rooms view rule.
func canRead(t testing.TB, app core.App, room, member *core.Record) bool {
	t.Helper()
	return chat.CanReadRoom(app, room, member)
}

type refMessage struct {
	id, room, folded string
	plain            bool
}

// reference: every stored message that is not deleted, newest first (commit
// order: rowid), and which rooms each member may read by chat.CanReadRoom.
type reference struct {
	messages []refMessage
	readable map[string]map[string]bool // member → room → may read
}

func isPlain(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf && !unicode.Is(unicode.Hangul, r) {
			return false
		}
	}
	return true
}

func loadReference(t testing.TB, app core.App) *reference {
	t.Helper()
	var rows []struct {
		Id      string `db:"id"`
		Room    string `db:"room"`
		Message string `db:"message"`
		Created string `db:"created"`
	}
	if err := app.DB().NewQuery("SELECT id, room, message, created FROM messages WHERE deleted_at = '' ORDER BY rowid DESC").All(&rows); err != nil {
		t.Fatal(err)
	}
	ref := &reference{readable: map[string]map[string]bool{}}
	for i, r := range rows {
		if i > 0 && r.Created > rows[i-1].Created {
			t.Fatalf("commit order and creation order differ at %s", r.Id)
		}
		ref.messages = append(ref.messages, refMessage{id: r.Id, room: r.Room, folded: strings.ToLower(r.Message), plain: isPlain(r.Message)})
	}
	allRooms, err := app.FindAllRecords("rooms")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		member, err := app.FindRecordById("users", m)
		if err != nil {
			t.Fatal(err)
		}
		ref.readable[m] = map[string]bool{}
		for _, room := range allRooms {
			ref.readable[m][room.Id] = canRead(t, app, room, member)
		}
	}
	return ref
}

func (ref *reference) want(q search.Query) []string {
	out := []string{}
	folded := strings.ToLower(q.Text)
	for _, m := range ref.messages {
		if ref.readable[q.Viewer][m.room] && (q.Room == "" || q.Room == m.room) && strings.Contains(m.folded, folded) {
			out = append(out, m.id)
		}
	}
	return out
}

// queries: every character in both cases, 2- and 3+-character windows of
// the stored texts, mixed-case versions, absent strings, syntax.
func queries(t testing.TB, app core.App, rng *rand.Rand) []string {
	t.Helper()
	var texts []string
	if err := app.DB().NewQuery("SELECT message FROM messages WHERE message != ''").Column(&texts); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	add := func(q string) {
		if q != "" {
			set[q] = true
		}
	}
	for _, s := range texts {
		for _, r := range s {
			add(string(r))
			add(string(unicode.ToUpper(r)))
		}
	}
	window := func(n int) string {
		s := []rune(texts[rng.IntN(len(texts))])
		if len(s) < n {
			return string(s)
		}
		i := rng.IntN(len(s) - n + 1)
		return string(s[i : i+n])
	}
	for range 150 {
		add(window(2))
		add(window(3 + rng.IntN(10)))
	}
	keys := sortedKeys(set)
	for range 150 {
		add(mixCase(rng, keys[rng.IntN(len(keys))]))
	}
	for _, q := range []string{
		"ÄBC", "äbc", "ÄbC", "Äb", "ä", "Ä", "zzzq", "없는단어", "nothing at all",
		"%", "_", "%%", "a_b", `\`, `"`, `""`, "'", "*", "NEAR", "NEAR(", "NEAR(a b)", "OR", "AND", "NOT", "(", ")",
		":", "^", "-", "+", "{", "}", `"채팅"`, "채팅*", "ch*", `go" OR "채팅`, "chat OR server", " ", "\n",
		"\x00", "a\x00", "a\x00b", "\xff", "a\xffb", "채\xed\xa0\x80팅",
	} {
		add(q)
	}
	return sortedKeys(set)
}

func mixCase(rng *rand.Rand, s string) string {
	var b strings.Builder
	for _, r := range s {
		if rng.IntN(2) == 0 {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// likeIds is plain SQL over the same messages, rooms and member:
// LOWER(message) LIKE '%q%', on the ASCII/Korean-only messages (where
// SQLite's LOWER folds as Go does).
func likeIds(t testing.TB, app core.App, ref *reference, viewer, q string) map[string]bool {
	t.Helper()
	pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
	var ids []string
	if err := app.DB().NewQuery(`SELECT id FROM messages WHERE deleted_at = '' AND LOWER(message) LIKE {:p} ESCAPE '\'`).
		Bind(dbx.Params{"p": pattern}).Column(&ids); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	byId := map[string]refMessage{}
	for _, m := range ref.messages {
		byId[m.id] = m
	}
	for _, id := range ids {
		if m := byId[id]; m.plain && ref.readable[viewer][m.room] {
			out[id] = true
		}
	}
	return out
}

type mismatches struct {
	t    testing.TB
	step string
	n    int
}

func (m *mismatches) report(format string, args ...any) {
	m.t.Helper()
	m.n++
	if m.n <= 20 {
		m.t.Errorf("[%s] "+format, append([]any{m.step}, args...)...)
	}
}

// compareAll checks every query for every member, in all rooms and in each
// room, pages of some, and SQL LIKE on the plain messages.
func compareAll(t *testing.T, app core.App, r rooms, rng *rand.Rand, step string) {
	t.Helper()
	ref := loadReference(t, app)
	qs := queries(t, app, rng)
	m := &mismatches{t: t, step: step}
	defer func() {
		if m.n > 20 {
			t.Errorf("[%s] %d mismatches in all", step, m.n)
		}
	}()
	plain := map[string]bool{}
	nPlain := 0
	for _, msg := range ref.messages {
		plain[msg.id] = msg.plain
		if msg.plain {
			nPlain++
		}
	}
	t.Logf("[%s] %d messages (%d ASCII/Korean-only), %d queries", step, len(ref.messages), nPlain, len(qs))
	if nPlain < 20 {
		t.Fatalf("[%s] only %d ASCII/Korean-only messages", step, nPlain)
	}
	for _, viewer := range members {
		for _, text := range qs {
			q := search.Query{Text: text, Viewer: viewer, Limit: 100000}
			got, err := search.MessageIds(app, q)
			if err != nil {
				m.report("%q as %s: %v", text, viewer, err)
				continue
			}
			if want := ref.want(q); !slices.Equal(got, want) {
				m.report("%q as %s: %d messages, want %d", text, viewer, len(got), len(want))
			}
			count, capped, err := search.Count(app, q, 100000)
			if err != nil || capped || count != int64(len(got)) {
				m.report("count %q as %s: %d %v %v, want %d", text, viewer, count, capped, err, len(got))
			}
			if isPlain(text) && !strings.ContainsRune(text, 0) {
				like := likeIds(t, app, ref, viewer, text)
				gotSet := map[string]bool{}
				for _, id := range got {
					if plain[id] {
						gotSet[id] = true
					}
				}
				if fmt.Sprint(gotSet) != fmt.Sprint(like) {
					m.report("LIKE %q as %s: index %d, LIKE %d", text, viewer, len(gotSet), len(like))
				}
			}
		}
		// one room at a time, for a sample of queries, read from the room's
		// texts (a small room) and from the index (SmallRoom 0)
		for _, room := range r.all() {
			for range 15 {
				text := qs[rng.IntN(len(qs))]
				// the defaults; the index only; the room's texts whenever small
				for _, mode := range [][2]int64{{search.SmallRoom, search.RareTerm}, {0, 0}, {search.SmallRoom, -1}} {
					small := mode
					saved, savedRare := search.SmallRoom, search.RareTerm
					search.SmallRoom, search.RareTerm = mode[0], mode[1]
					q := search.Query{Text: text, Viewer: viewer, Room: room, Limit: 100000}
					got, err := search.MessageIds(app, q)
					count, capped, cerr := search.Count(app, q, 100000)
					pageQ := q
					pageQ.Limit, pageQ.Offset = 3, 2
					page, perr := search.MessageIds(app, pageQ)
					search.SmallRoom, search.RareTerm = saved, savedRare
					if err != nil || cerr != nil || perr != nil {
						m.report("%q in %s as %s (small room, rare term %v): %v %v %v", text, room, viewer, small, err, cerr, perr)
						continue
					}
					want := ref.want(q)
					if !slices.Equal(got, want) {
						m.report("%q in %s as %s (small room, rare term %v): %v, want %v", text, room, viewer, small, got, want)
					}
					if count != int64(len(want)) || capped {
						m.report("count %q in %s as %s (small room, rare term %v): %d %v, want %d", text, room, viewer, small, count, capped, len(want))
					}
					if lo, hi := min(2, len(want)), min(5, len(want)); !slices.Equal(page, want[lo:hi]) {
						m.report("page %q in %s as %s (small room, rare term %v): %v, want %v", text, room, viewer, small, page, want[lo:hi])
					}
				}
			}
		}
	}
	// pages are windows of the whole answer
	for range 30 {
		text, viewer := qs[rng.IntN(len(qs))], members[rng.IntN(len(members))]
		want := ref.want(search.Query{Text: text, Viewer: viewer})
		for _, p := range []struct{ limit, offset int64 }{{1, 0}, {5, 0}, {5, 5}, {7, int64(max(0, len(want)-3))}, {5, int64(len(want))}} {
			got, err := search.MessageIds(app, search.Query{Text: text, Viewer: viewer, Limit: p.limit, Offset: p.offset})
			if err != nil {
				m.report("page %q %+v: %v", text, p, err)
				continue
			}
			lo, hi := min(p.offset, int64(len(want))), min(p.offset+p.limit, int64(len(want)))
			if !slices.Equal(got, want[lo:hi]) {
				m.report("page %q %+v: %v, want %v", text, p, got, want[lo:hi])
			}
		}
	}
}

func TestSearchMatchesReference(t *testing.T) {
	app := testutil.NewApp(t)
	r := makeRooms(t, app)
	rng := rand.New(rand.NewPCG(1, 2))
	g := &gen{t: t, app: app, rng: rng, r: r}
	g.send(150)
	compareAll(t, app, r, rng, "sent")

	all := func() []*core.Record {
		records, err := app.FindRecordsByFilter("messages", "deleted_at = ''", "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return records
	}
	t.Run("edits", func(t *testing.T) {
		msgs := all()
		for _, i := range rng.Perm(len(msgs))[:30] {
			msgs[i].Set("message", g.text())
			msgs[i].Set("edited_at", time.Now())
			if err := app.Save(msgs[i]); err != nil {
				t.Fatal(err)
			}
		}
		compareAll(t, app, r, rng, "edited")
	})
	t.Run("soft deletes", func(t *testing.T) {
		msgs := all()
		for _, i := range rng.Perm(len(msgs))[:20] {
			msgs[i].Set("deleted_at", time.Now())
			msgs[i].Set("message", "")
			if err := app.Save(msgs[i]); err != nil {
				t.Fatal(err)
			}
		}
		compareAll(t, app, r, rng, "soft deleted")
	})
	t.Run("hard deletes", func(t *testing.T) {
		msgs := all()
		for _, i := range rng.Perm(len(msgs))[:15] {
			if err := app.Delete(msgs[i]); err != nil {
				t.Fatal(err)
			}
		}
		compareAll(t, app, r, rng, "hard deleted")
	})
	t.Run("more sends, then a room deleted", func(t *testing.T) {
		g.send(40)
		room, err := app.FindRecordById("rooms", r.alice)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Delete(room); err != nil {
			t.Fatal(err)
		}
		if n := testutil.Count(t, app, "chat_search_docs", dbx.HashExp{"room": r.alice}); n != 0 {
			t.Errorf("%d documents of the deleted room left", n)
		}
		compareAll(t, app, r, rng, "room deleted")
	})
	t.Run("friends change", func(t *testing.T) {
		// carol puts bob on her list... of no room's owner; bob's list loses dave
		if _, err := app.DB().Delete("friends", dbx.HashExp{"user": testutil.BobId, "friend": testutil.DaveId}).Execute(); err != nil {
			t.Fatal(err)
		}
		compareAll(t, app, r, rng, "friends changed")
	})
	t.Run("reindex", func(t *testing.T) {
		before, err := search.MessageIds(app, search.Query{Text: "e", Viewer: testutil.BobId, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if err := search.ReindexAll(app, nil); err != nil {
			t.Fatal(err)
		}
		after, err := search.MessageIds(app, search.Query{Text: "e", Viewer: testutil.BobId, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(before, after) {
			t.Errorf("ReindexAll changed the answer")
		}
		compareAll(t, app, r, rng, "reindexed")
	})
}

// The readable-rooms filter in SQL is the rooms view rule: for every
// member and room, it agrees with chat.CanReadRoom (the rule PocketBase
// evaluates), including a DM room and rooms open to the owner's friends.
func TestReadableRoomsAgreeWithViewRule(t *testing.T) {
	app := testutil.NewApp(t)
	r := makeRooms(t, app)
	check := func(step string) {
		t.Helper()
		allRooms, err := app.FindAllRecords("rooms")
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range members {
			member, err := app.FindRecordById("users", id)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{}
			for _, room := range allRooms {
				if canRead(t, app, room, member) {
					want = append(want, room.Id)
				}
			}
			slices.Sort(want)
			got, err := search.ReadableRooms(app, id)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("[%s] %s reads %v by the SQL filter, %v by the view rule", step, id, got, want)
			}
		}
	}
	check("fixture")
	// what the rooms are for
	expect := map[string][]string{
		r.bob:         {testutil.BobId, testutil.DaveId},
		r.alice:       {testutil.AliceId, testutil.BobId},
		r.dmAliceBob:  {testutil.AliceId, testutil.BobId},
		r.dmCarolDave: {testutil.CarolId, testutil.DaveId},
		r.post:        members,
	}
	for room, readers := range expect {
		for _, m := range members {
			got, _ := search.ReadableRooms(app, m)
			if slices.Contains(got, room) != slices.Contains(readers, m) {
				t.Errorf("room %s readable by %s: %v", room, m, slices.Contains(got, room))
			}
		}
	}
	testutil.MustSave(t, app, "friends", map[string]any{"user": testutil.AliceId, "friend": testutil.CarolId})
	check("alice adds carol")
	if _, err := app.DB().Delete("friends", dbx.HashExp{"user": testutil.BobId}).Execute(); err != nil {
		t.Fatal(err)
	}
	check("bob's list emptied")
	// bans: the banned member loses the room (a post's, a DM, a friends'
	// room), the others keep it; a ban with an end still in force counts
	// as one for good does
	for _, ban := range []struct{ room, user, until string }{
		{r.post, testutil.CarolId, ""},
		{r.dmAliceBob, testutil.BobId, "2999-01-01 00:00:00.000Z"},
		{r.alice, testutil.AliceId, ""}, // even the room's owner
		{r.bob, testutil.DaveId, ""},
	} {
		testutil.MustSave(t, app, "room_bans", map[string]any{"room": ban.room, "user": ban.user, "until": ban.until})
	}
	check("bans")
	for room, banned := range map[string]string{r.post: testutil.CarolId, r.dmAliceBob: testutil.BobId, r.alice: testutil.AliceId, r.bob: testutil.DaveId} {
		got, _ := search.ReadableRooms(app, banned)
		if slices.Contains(got, room) {
			t.Errorf("%s reads %s while banned from it", banned, room)
		}
	}
	if got, _ := search.ReadableRooms(app, testutil.DaveId); !slices.Contains(got, r.post) {
		t.Errorf("dave lost the post's room to carol's ban: %v", got)
	}
	if _, err := app.DB().Delete("room_bans", dbx.HashExp{"user": testutil.CarolId}).Execute(); err != nil {
		t.Fatal(err)
	}
	check("carol's ban lifted")
	if got, _ := search.ReadableRooms(app, testutil.CarolId); !slices.Contains(got, r.post) {
		t.Errorf("carol does not read the post's room once her ban is lifted: %v", got)
	}
}
