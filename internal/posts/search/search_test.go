package search_test

// The search index against a reference computed in Go on generated data:
// for every query, search.PostIds must answer exactly the posts where
// strings.Contains(strings.ToLower(field), strings.ToLower(q)) holds for
// the title, the content, the category name or a tag name, newest first —
// after the data is created and after each kind of change that can make
// the index stale (renames, edits, deletes, new posts through each API).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/posts/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// ---------------------------------------------------------------------------
// generated data

// plainWords use ASCII and Hangul only (SQLite's LOWER and LIKE agree with
// Go on them), with LIKE wildcards and FTS5 syntax characters among them.
var plainWords = []string{
	"채팅", "서버", "검색", "실시간", "데이터베이스", "코딩", "파이썬", "자바", "개발", "채팅방", "서버리스",
	"검색엔진", "프로그래밍", "만들기", "Server", "CHAT", "golang", "PocketBase", "SQLite", "WebSocket", "Go",
	"React", "rust", "Django", "chat", "server", "GoLang", "100%", "snake_case", "a_b%c", "C++", `"quoted"`,
	"O'Reilly", "under_score", "50%off", "x*y", "(괄호)", "NEAR", "AND", "OR", "col:umn", "^caret",
}

// otherWords are in other scripts, with case (and some case oddities).
var otherWords = []string{
	"Ελληνικά", "ΕΛΛΗΝΙΚΆ", "Привет", "ПРИВЕТ", "мир", "Σίσυφος", "ΟΔΟΣ", "İstanbul", "Straße", "ǅemal",
	"\u212Aelvin", "🚀", "café", "cafe\u0301", "ÀÉÎ", "Ωμέγα",
}

var plainCategories = []string{"서버 개발", "Data Science", "C++ & Go", "100% 코딩"}
var otherCategories = []string{"Ελληνικά Θέματα", "Привет Мир"}

// tag names: distinct under Unicode case folding
var plainTags = []string{"go", "채팅", "Server", "CHAT-bot", "파이썬", "snake_case", "100%", "c++", "데이터베이스", "PocketBase", "실시간", "rust", "WebSocket", "코딩테스트", "자바", "SQLite", "a_b"}
var otherTags = []string{"Привет", "ελληνικά", "İstanbul", "Straße", "ΣΊΣΥΦΟΣ", "🚀rocket"}

type gen struct {
	t        testing.TB
	app      core.App
	rng      *rand.Rand
	users    []string
	plainCat []string // category ids
	allCat   []string
	plainTag []string // tag ids
	allTag   []string
	n        int
}

func newGen(t testing.TB, app core.App, seed uint64) *gen {
	t.Helper()
	g := &gen{t: t, app: app, rng: rand.New(rand.NewPCG(seed, 7)),
		users: []string{testutil.AliceId, testutil.BobId, testutil.CarolId, testutil.DaveId}}
	for _, name := range []string{"Programming", "Ormi", "ESTsoft"} {
		c, err := app.FindFirstRecordByData("categories", "name", name)
		if err != nil {
			t.Fatal(err)
		}
		g.plainCat = append(g.plainCat, c.Id)
	}
	for _, name := range plainCategories {
		g.plainCat = append(g.plainCat, g.save("categories", map[string]any{"name": name}).Id)
	}
	g.allCat = slices.Clone(g.plainCat)
	for _, name := range otherCategories {
		g.allCat = append(g.allCat, g.save("categories", map[string]any{"name": name}).Id)
	}
	for _, name := range plainTags {
		g.plainTag = append(g.plainTag, g.save("tags", map[string]any{"name": name}).Id)
	}
	g.allTag = slices.Clone(g.plainTag)
	for _, name := range otherTags {
		g.allTag = append(g.allTag, g.save("tags", map[string]any{"name": name}).Id)
	}
	return g
}

func (g *gen) save(collection string, data map[string]any) *core.Record {
	g.t.Helper()
	c, err := g.app.FindCollectionByNameOrId(collection)
	if err != nil {
		g.t.Fatal(err)
	}
	r := core.NewRecord(c)
	for k, v := range data {
		r.Set(k, v)
	}
	if err := g.app.Save(r); err != nil {
		g.t.Fatalf("save %s %v: %v", collection, data, err)
	}
	return r
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// words joins n random words with random separators.
func (g *gen) words(plain bool, min, max int, seps []string) string {
	n := min + g.rng.IntN(max-min+1)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(g.pick(seps))
		}
		if plain || g.rng.IntN(3) > 0 {
			b.WriteString(g.pick(plainWords))
		} else {
			b.WriteString(g.pick(otherWords))
		}
	}
	return b.String()
}

// fields returns random post fields; a third of the posts use ASCII and
// Hangul only.
func (g *gen) fields() map[string]any {
	plain := g.rng.IntN(3) == 0
	cats, tags := g.allCat, g.allTag
	if plain {
		cats, tags = g.plainCat, g.plainTag
	}
	tagIds := []string{}
	for range g.rng.IntN(5) {
		if id := g.pick(tags); !slices.Contains(tagIds, id) {
			tagIds = append(tagIds, id)
		}
	}
	g.n++
	return map[string]any{
		"title":    g.words(plain, 1, 5, []string{" ", " ", " ", "", "-", ", "}),
		"content":  g.words(plain, 0, 20, []string{" ", " ", "\n", ". ", ""}),
		"category": g.pick(cats),
		"tags":     tagIds,
	}
}

func (g *gen) posts(n int) {
	g.t.Helper()
	err := g.app.RunInTransaction(func(tx core.App) error {
		for range n {
			data := g.fields()
			data["writer"] = g.pick(g.users)
			if err := testutil.SaveRecord(tx, "posts", data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		g.t.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// the reference

type refPost struct {
	id       string
	category string
	tags     []string
	fields   []string // lower-cased title, content, category name, tag names
	plain    bool     // every field is ASCII and Hangul only
}

type reference struct {
	posts map[string]*refPost
	all   []string // search.PostIds without text: every post, newest first
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
	names := map[string]string{}
	for _, collection := range []string{"categories", "tags"} {
		records, err := app.FindAllRecords(collection)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			names[r.Id] = r.GetString("name")
		}
	}
	posts, err := app.FindAllRecords("posts")
	if err != nil {
		t.Fatal(err)
	}
	ref := &reference{posts: map[string]*refPost{}}
	created := map[string]time.Time{}
	for _, p := range posts {
		raw := []string{p.GetString("title"), p.GetString("content"), names[p.GetString("category")]}
		for _, tag := range p.GetStringSlice("tags") {
			name, ok := names[tag]
			if !ok {
				t.Fatalf("post %s names a missing tag %s", p.Id, tag)
			}
			raw = append(raw, name)
		}
		rp := &refPost{id: p.Id, category: p.GetString("category"), tags: p.GetStringSlice("tags"), plain: true}
		for _, f := range raw {
			rp.fields = append(rp.fields, strings.ToLower(f))
			rp.plain = rp.plain && isPlain(f)
		}
		ref.posts[p.Id] = rp
		created[p.Id] = p.GetDateTime("created").Time()
	}
	ref.all, err = search.PostIds(app, search.Query{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	// every post once, newest first
	if got, want := sortedCopy(ref.all), sortedKeys(ref.posts); !slices.Equal(got, want) {
		t.Fatalf("search without text answers %d posts, %d stored (missing or extra: %v)", len(got), len(want), symmetricDiff(got, want))
	}
	for i := 1; i < len(ref.all); i++ {
		if created[ref.all[i]].After(created[ref.all[i-1]]) {
			t.Fatalf("not newest first at %d: %s (%v) after %s (%v)", i, ref.all[i], created[ref.all[i]], ref.all[i-1], created[ref.all[i-1]])
		}
	}
	return ref
}

func (p *refPost) matches(q string) bool {
	q = strings.ToLower(q)
	for _, f := range p.fields {
		if strings.Contains(f, q) {
			return true
		}
	}
	return false
}

// want is the expected answer of a query: the matching posts in the order
// of the unfiltered answer.
func (ref *reference) want(q search.Query) []string {
	out := []string{}
	for _, id := range ref.all {
		p := ref.posts[id]
		if q.Text != "" && !p.matches(q.Text) {
			continue
		}
		if q.CategoryId != "" && p.category != q.CategoryId {
			continue
		}
		if q.TagId != "" && !slices.Contains(p.tags, q.TagId) {
			continue
		}
		out = append(out, id)
	}
	return out
}

// ---------------------------------------------------------------------------
// queries

// queries samples substrings of the stored data (1, 2 and 3+ characters,
// across word boundaries), mixed-case versions of them, strings that do not
// occur, and LIKE and FTS5 syntax characters.
func queries(t testing.TB, app core.App, rng *rand.Rand) []string {
	t.Helper()
	var texts []string
	for _, collection := range []string{"posts", "categories", "tags"} {
		records, err := app.FindAllRecords(collection)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			for _, f := range []string{"title", "content", "name"} {
				if s := r.GetString(f); s != "" {
					texts = append(texts, s)
				}
			}
		}
	}
	set := map[string]bool{}
	add := func(q string) {
		if q != "" {
			set[q] = true
		}
	}
	// every character, in both cases
	for _, s := range texts {
		for _, r := range s {
			add(string(r))
			add(string(unicode.ToUpper(r)))
			add(string(unicode.ToLower(r)))
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
	for range 300 {
		add(window(2))
	}
	for range 300 {
		add(window(3 + rng.IntN(12)))
	}
	// mixed case versions of some of them
	sampled := sortedKeys(set)
	for range 300 {
		add(mixCase(rng, sampled[rng.IntN(len(sampled))]))
	}
	// strings that do not occur (or rarely do)
	for range 40 {
		add(window(2) + "ʬ" + window(1))
		add(window(4) + window(4))
	}
	for _, q := range []string{
		"zzzq", "qxj", "채팅채팅채팅채팅", "Ωψ", "ъъъ", "없는단어", "nothing at all", "xyzzy",
		// LIKE wildcards, FTS5 syntax, quotes, whitespace
		"%", "_", "%%", "_%", "%_", "a%", "%a", "a_b", "a_b%c", `\`, `\%`, `"`, `""`, "'", "*", "**",
		"NEAR", "AND", "OR", "NOT", "(", ")", ":", "^", "-", "+", "{", "}", `"채팅"`, "채팅*", "ch*", "col:x",
		"NEAR(a b)", `go" OR "채팅`, "chat OR server", " ", "  ", "\n", "\t", ". ", "100%", "50%", "C++", "c+",
		"O'Reilly", "o'r", "x*y", "(괄호)", "^caret",
		// control characters and invalid UTF-8 (a URL can carry both)
		"\x00", "a\x00b", "\x00\x00\x00", "채팅\x00", "\x01", "\x7f", "\xff", "a\xffb", "\xff\xfe\xfd", "채\xed\xa0\x80팅",
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

// ---------------------------------------------------------------------------
// comparisons

type mismatches struct {
	t    testing.TB
	step string
	n    int
}

func (m *mismatches) report(format string, args ...any) {
	m.t.Helper()
	m.n++
	if m.n <= 25 {
		m.t.Errorf("[%s] "+format, append([]any{m.step}, args...)...)
	}
}

func (m *mismatches) done() {
	if m.n > 25 {
		m.t.Errorf("[%s] %d mismatches in all", m.step, m.n)
	}
}

// compareAll checks every query against the reference, with filters, with
// pages, and against SQL LIKE on the ASCII/Korean posts.
func compareAll(t *testing.T, app core.App, c *testutil.Client, rng *rand.Rand, step string) {
	t.Helper()
	ref := loadReference(t, app)
	qs := queries(t, app, rng)
	m := &mismatches{t: t, step: step}
	defer m.done()

	for _, q := range qs {
		got, err := search.PostIds(app, search.Query{Text: q, Limit: 100000})
		if err != nil {
			m.report("search %q: %v", q, err)
			continue
		}
		if want := ref.want(search.Query{Text: q}); !slices.Equal(got, want) {
			m.report("search %q: %d posts, want %d (set difference %v)", q, len(got), len(want), symmetricDiff(got, want))
		}
	}

	// category and tag filters, alone and combined with a text
	var categories, tags []string
	for _, p := range ref.posts {
		categories = append(categories, p.category)
		tags = append(tags, p.tags...)
	}
	categories, tags = uniq(categories), uniq(tags)
	filterTexts := append([]string{""}, sample(rng, qs, 40)...)
	for _, q := range filterTexts {
		filters := []search.Query{}
		for _, cat := range sample(rng, categories, 4) {
			filters = append(filters, search.Query{Text: q, CategoryId: cat})
		}
		for _, tag := range sample(rng, tags, 4) {
			filters = append(filters, search.Query{Text: q, TagId: tag})
			filters = append(filters, search.Query{Text: q, TagId: tag, CategoryId: categories[rng.IntN(len(categories))]})
		}
		for _, f := range filters {
			f.Limit = 100000
			got, err := search.PostIds(app, f)
			if err != nil {
				m.report("search %+v: %v", f, err)
				continue
			}
			if want := ref.want(f); !slices.Equal(got, want) {
				m.report("search %+v: %v, want %v", f, got, want)
			}
		}
	}

	// pages are windows of the whole answer
	for _, q := range sample(rng, qs, 20) {
		want := ref.want(search.Query{Text: q})
		for _, page := range []struct{ limit, offset int64 }{{1, 0}, {7, 0}, {7, 7}, {10, int64(len(want)) - 3}, {5, int64(len(want))}} {
			if page.offset < 0 {
				continue
			}
			got, err := search.PostIds(app, search.Query{Text: q, Limit: page.limit, Offset: page.offset})
			if err != nil {
				m.report("page %q %+v: %v", q, page, err)
				continue
			}
			lo := min(page.offset, int64(len(want)))
			hi := min(page.offset+page.limit, int64(len(want)))
			if !slices.Equal(got, want[lo:hi]) {
				m.report("page %q %+v: %v, want %v", q, page, got, want[lo:hi])
			}
		}
	}

	// the route: ?search= with ?category= (by name) and ?tag= (by name)
	if c != nil {
		names := recordNames(t, app)
		for _, q := range sample(rng, plainOnly(qs), 25) {
			for _, cat := range sample(rng, categories, 2) {
				for _, tag := range append(sample(rng, tags, 2), "") {
					params := url.Values{"search": {q}, "category": {names[cat]}, "page_size": {"100"}}
					f := search.Query{Text: q, CategoryId: cat}
					if tag != "" {
						params.Set("tag", strings.ToUpper(names[tag]))
						f.TagId = tag
					}
					want := ref.want(f)
					want = want[:min(len(want), 100)]
					got := listIds(t, c, "/api/post/?"+params.Encode())
					if !slices.Equal(got, want) {
						m.report("GET /api/post/?%s: %v, want %v", params.Encode(), got, want)
					}
				}
			}
		}
	}

	// SQL LIKE on the ASCII/Korean-only posts agrees with both
	plainPosts := map[string]bool{}
	for id, p := range ref.posts {
		if p.plain {
			plainPosts[id] = true
		}
	}
	t.Logf("[%s] %d posts (%d ASCII/Korean-only), %d queries", step, len(ref.posts), len(plainPosts), len(qs))
	if len(ref.posts) >= 200 && len(plainPosts) < 20 {
		t.Fatalf("[%s] only %d ASCII/Korean-only posts", step, len(plainPosts))
	}
	for _, q := range plainOnly(qs) {
		if strings.ContainsRune(q, 0) {
			continue
		}
		like := likeIds(t, app, q)
		got, err := search.PostIds(app, search.Query{Text: q, Limit: 100000})
		if err != nil {
			m.report("search %q: %v", q, err)
			continue
		}
		gotPlain, likePlain := intersect(got, plainPosts), intersect(like, plainPosts)
		refPlain := intersect(ref.want(search.Query{Text: q}), plainPosts)
		if !slices.Equal(sortedCopy(gotPlain), sortedCopy(likePlain)) || !slices.Equal(sortedCopy(refPlain), sortedCopy(likePlain)) {
			m.report("LIKE %q: index %d, LIKE %d, Go %d posts (index vs LIKE %v)", q, len(gotPlain), len(likePlain), len(refPlain), symmetricDiff(sortedCopy(gotPlain), sortedCopy(likePlain)))
		}
	}
}

// likeIds is the plain SQL answer: LOWER(field) LIKE '%q%' on each field.
func likeIds(t testing.TB, app core.App, q string) []string {
	t.Helper()
	escaper := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	pattern := "%" + escaper.Replace(strings.ToLower(q)) + "%"
	var ids []string
	err := app.DB().NewQuery(`
		SELECT p.id FROM posts p LEFT JOIN categories c ON c.id = p.category
		WHERE LOWER(p.title) LIKE {:p} ESCAPE '\'
		   OR LOWER(p.content) LIKE {:p} ESCAPE '\'
		   OR LOWER(COALESCE(c.name, '')) LIKE {:p} ESCAPE '\'
		   OR EXISTS (SELECT 1 FROM json_each(p.tags) je JOIN tags t ON t.id = je.value
		              WHERE LOWER(t.name) LIKE {:p} ESCAPE '\')`).
		Bind(dbx.Params{"p": pattern}).Column(&ids)
	if err != nil {
		t.Fatalf("LIKE %q: %v", q, err)
	}
	return ids
}

func plainOnly(qs []string) []string {
	var out []string
	for _, q := range qs {
		if isPlain(q) {
			out = append(out, q)
		}
	}
	return out
}

func recordNames(t testing.TB, app core.App) map[string]string {
	t.Helper()
	names := map[string]string{}
	for _, collection := range []string{"categories", "tags"} {
		records, err := app.FindAllRecords(collection)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			names[r.Id] = r.GetString("name")
		}
	}
	return names
}

// ---------------------------------------------------------------------------
// small helpers

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func uniq(s []string) []string {
	set := map[string]bool{}
	for _, v := range s {
		set[v] = true
	}
	return sortedKeys(set)
}

func sample(rng *rand.Rand, s []string, n int) []string {
	if len(s) <= n {
		return slices.Clone(s)
	}
	out := make([]string, 0, n)
	for _, i := range rng.Perm(len(s))[:n] {
		out = append(out, s[i])
	}
	return out
}

func intersect(ids []string, keep map[string]bool) []string {
	out := []string{}
	for _, id := range ids {
		if keep[id] {
			out = append(out, id)
		}
	}
	return out
}

// symmetricDiff lists (a few of) the ids in exactly one of a and b.
func symmetricDiff(a, b []string) []string {
	in := map[string]int{}
	for _, id := range a {
		in[id] |= 1
	}
	for _, id := range b {
		in[id] |= 2
	}
	var out []string
	for _, id := range sortedKeys(in) {
		switch in[id] {
		case 1:
			out = append(out, "+"+id)
		case 2:
			out = append(out, "-"+id)
		}
		if len(out) == 10 {
			break
		}
	}
	if len(out) == 0 && !slices.Equal(a, b) {
		return []string{"(same posts, another order)"}
	}
	return out
}

// ---------------------------------------------------------------------------
// a client of the app's routes

// listIds is the ids of the posts a GET of path lists.
func listIds(t testing.TB, c *testutil.Client, path string) []string {
	t.Helper()
	res := c.Send(http.MethodGet, path, nil, "")
	status, body := res.Status, res.Body
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	var list []struct {
		Id string `json:"id"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("GET %s: %v %s", path, err, body)
	}
	ids := []string{}
	for _, p := range list {
		ids = append(ids, p.Id)
	}
	return ids
}

// ---------------------------------------------------------------------------
// the tests

func TestSearchMatchesReference(t *testing.T) {
	app := testutil.NewApp(t)
	c := testutil.ClientOf(t, app)
	rng := rand.New(rand.NewPCG(2026, 11))
	g := newGen(t, app, 42)
	g.posts(300)
	compareAll(t, app, c, rng, "generated")

	t.Run("rename categories", func(t *testing.T) {
		for i, id := range []string{g.plainCat[0], g.plainCat[3], g.allCat[len(g.allCat)-1]} {
			cat, err := app.FindRecordById("categories", id)
			if err != nil {
				t.Fatal(err)
			}
			cat.Set("name", []string{"PROGRAMMING", "Ελληνικά 서버 %_", "ПРИВЕТ검색"}[i])
			if err := app.Save(cat); err != nil {
				t.Fatal(err)
			}
		}
		compareAll(t, app, c, rng, "categories renamed")
	})

	t.Run("rename tags", func(t *testing.T) {
		renames := map[string]string{g.plainTag[0]: "Golang", g.plainTag[1]: "채팅서버", g.allTag[len(g.plainTag)]: "ПРИВЕТ мир", g.plainTag[6]: "100%_off"}
		for _, id := range sortedKeys(renames) {
			tag, err := app.FindRecordById("tags", id)
			if err != nil {
				t.Fatal(err)
			}
			tag.Set("name", renames[id])
			if err := app.Save(tag); err != nil {
				t.Fatal(err)
			}
		}
		compareAll(t, app, c, rng, "tags renamed")
	})

	t.Run("edit posts", func(t *testing.T) {
		posts, err := app.FindAllRecords("posts")
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range rng.Perm(len(posts))[:40] {
			p := posts[i]
			f := g.fields()
			switch rng.IntN(4) {
			case 0:
				p.Set("title", f["title"])
			case 1:
				p.Set("content", f["content"])
			case 2:
				p.Set("tags", f["tags"])
			default:
				p.Load(f)
			}
			if err := app.Save(p); err != nil {
				t.Fatal(err)
			}
		}
		compareAll(t, app, c, rng, "posts edited")
	})

	t.Run("delete posts", func(t *testing.T) {
		posts, err := app.FindAllRecords("posts")
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range rng.Perm(len(posts))[:25] {
			if err := app.Delete(posts[i]); err != nil {
				t.Fatal(err)
			}
		}
		compareAll(t, app, c, rng, "posts deleted")
	})

	t.Run("delete tags", func(t *testing.T) {
		for _, id := range []string{g.plainTag[2], g.plainTag[4], g.allTag[len(g.allTag)-1], g.allTag[len(g.plainTag)+1]} {
			tag, err := app.FindRecordById("tags", id)
			if err != nil {
				t.Fatal(err)
			}
			if err := app.Delete(tag); err != nil {
				t.Fatal(err)
			}
			var left int
			if err := app.DB().Select("count(*)").From("post_search_tags").Where(dbx.HashExp{"tag": id}).Row(&left); err != nil {
				t.Fatal(err)
			}
			if left != 0 {
				t.Errorf("deleted tag %s still indexed for %d posts", id, left)
			}
			g.plainTag = slices.DeleteFunc(g.plainTag, func(s string) bool { return s == id })
			g.allTag = slices.DeleteFunc(g.allTag, func(s string) bool { return s == id })
		}
		compareAll(t, app, c, rng, "tags deleted")
	})

	t.Run("new posts through every API", func(t *testing.T) {
		// 20 posts by one member: more than the creation limit lets through
		limits.Of(app).PostCreate = limits.Rate{Burst: 100, PerMinute: 100}
		token := testutil.Token(t, app, testutil.AliceEmail)
		names := recordNames(t, app)
		for range 10 { // the documented route: category and tags by name
			f := g.fields()
			tagNames := []string{}
			for _, id := range f["tags"].([]string) {
				tagNames = append(tagNames, names[id])
			}
			body := map[string]any{"title": f["title"], "content": f["content"], "category": names[f["category"].(string)], "tags": tagNames}
			if res := c.Send(http.MethodPost, "/api/post/write/", body, token); res.Status != http.StatusCreated {
				t.Fatalf("write: %d %s", res.Status, res.Body)
			}
		}
		for range 10 { // the standard record API
			f := g.fields()
			if res := c.Send(http.MethodPost, "/api/collections/posts/records", f, token); res.Status != http.StatusOK {
				t.Fatalf("records create: %d %s", res.Status, res.Body)
			}
		}
		g.posts(10) // app.Save
		compareAll(t, app, c, rng, "posts added")
	})

	t.Run("edit through the routes", func(t *testing.T) {
		token := testutil.Token(t, app, testutil.AliceEmail)
		var mine []string
		if err := app.DB().Select("id").From("posts").Where(dbx.HashExp{"writer": testutil.AliceId}).OrderBy("id").Column(&mine); err != nil {
			t.Fatal(err)
		}
		names := recordNames(t, app)
		for i, id := range sample(rng, mine, 10) {
			f := g.fields()
			body := map[string]any{"title": f["title"], "tags": "새태그, 또다른"}
			if tags := f["tags"].([]string); len(tags) > 0 {
				body["tags"] = []string{strings.ToUpper(names[g.pick(tags)]), "새태그"}
			}
			path := "/api/post/detail/" + id + "/edit/"
			if i%2 == 1 {
				path = "/api/collections/posts/records/" + id
				delete(body, "tags")
				body["content"] = f["content"]
			}
			if res := c.Send(http.MethodPatch, path, body, token); res.Status != http.StatusOK {
				t.Fatalf("PATCH %s: %d %s", path, res.Status, res.Body)
			}
		}
		compareAll(t, app, c, rng, "posts edited through the routes")
	})

	t.Run("delete a member", func(t *testing.T) {
		dave, err := app.FindRecordById("users", testutil.DaveId)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Delete(dave); err != nil {
			t.Fatal(err)
		}
		compareAll(t, app, c, rng, "member deleted")
	})

	t.Run("reindex", func(t *testing.T) {
		before, err := search.PostIds(app, search.Query{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if err := search.ReindexAll(app, nil); err != nil {
			t.Fatal(err)
		}
		after, err := search.PostIds(app, search.Query{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(before, after) {
			t.Errorf("ReindexAll changed the order of posts")
		}
		compareAll(t, app, c, rng, "reindexed")
	})
}

// ---------------------------------------------------------------------------
// a failed save leaves the index as it was

// indexState is everything the index holds: its rows, a dump of both FTS
// indexes (through fts5vocab) and the answers of a set of queries.
func indexState(t testing.TB, app core.App, qs []string) string {
	t.Helper()
	var b strings.Builder
	dump := func(query string) {
		rows, err := app.DB().NewQuery(query).Rows()
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals)
		}
	}
	for _, ddl := range []string{
		`CREATE VIRTUAL TABLE IF NOT EXISTS test_vocab_text USING fts5vocab('post_search_text', 'instance')`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS test_vocab_grams USING fts5vocab('post_search_grams', 'instance')`,
	} {
		if _, err := app.DB().NewQuery(ddl).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	dump(`SELECT id, post, category FROM post_search_docs ORDER BY id`)
	dump(`SELECT tag, doc FROM post_search_tags ORDER BY tag, doc`)
	dump(`SELECT term, doc, col, offset FROM test_vocab_text ORDER BY term, doc, col, offset`)
	dump(`SELECT term, doc FROM test_vocab_grams ORDER BY term, doc`)
	for _, q := range qs {
		ids, err := search.PostIds(app, search.Query{Text: q, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, q, ids)
	}
	return b.String()
}

func TestIndexUnchangedWhenSaveFails(t *testing.T) {
	app := testutil.NewApp(t)
	rng := rand.New(rand.NewPCG(7, 7))
	g := newGen(t, app, 7)
	g.posts(30)
	qs := append(sample(rng, queries(t, app, rng), 200), "실패", "롤백", "failmark", "새이름", "바뀐태그")
	before := indexState(t, app, qs)
	postsBefore := testutil.Count(t, app, "posts", nil)
	roomsBefore := testutil.Count(t, app, "rooms", nil)

	failing := ""
	boom := errors.New("boom")
	for _, collection := range []string{"posts", "rooms", "tags", "categories"} {
		fail := func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			if failing == collection {
				return boom
			}
			return nil
		}
		app.OnRecordCreate(collection).BindFunc(fail)
		app.OnRecordUpdate(collection).BindFunc(fail)
		app.OnRecordDelete(collection).BindFunc(fail)
	}
	posts, err := app.FindAllRecords("posts")
	if err != nil {
		t.Fatal(err)
	}
	post := posts[0]
	postsCollection, _ := app.FindCollectionByNameOrId("posts")
	inTx := func(fn func(tx core.App) error) error {
		return app.RunInTransaction(func(tx core.App) error {
			if err := fn(tx); err != nil {
				return err
			}
			return boom // roll back what fn did
		})
	}
	cases := []struct {
		name    string
		failing string
		do      func() error
	}{
		{"update fails in a later hook", "posts", func() error {
			p, _ := app.FindRecordById("posts", post.Id)
			p.Set("title", "failmark 실패")
			p.Set("tags", g.allTag[:3])
			return app.Save(p)
		}},
		{"create fails in a later hook", "posts", func() error {
			p := core.NewRecord(postsCollection)
			p.Load(map[string]any{"title": "failmark 실패", "category": g.allCat[0], "writer": testutil.AliceId, "tags": g.allTag[:2]})
			return app.Save(p)
		}},
		{"create fails when its room cannot be made", "rooms", func() error {
			p := core.NewRecord(postsCollection)
			p.Load(map[string]any{"title": "실패 room", "category": g.allCat[0], "writer": testutil.AliceId})
			return app.Save(p)
		}},
		{"delete fails in a later hook", "posts", func() error {
			p, _ := app.FindRecordById("posts", post.Id)
			return app.Delete(p)
		}},
		{"validation fails", "", func() error {
			p, _ := app.FindRecordById("posts", post.Id)
			p.Set("title", strings.Repeat("실패", 101))
			return app.Save(p)
		}},
		{"update rolled back by the caller's transaction", "", func() error {
			return inTx(func(tx core.App) error {
				p, _ := tx.FindRecordById("posts", post.Id)
				p.Set("title", "롤백 새이름")
				p.Set("content", "롤백")
				return tx.Save(p)
			})
		}},
		{"create rolled back by the caller's transaction", "", func() error {
			return inTx(func(tx core.App) error {
				return testutil.SaveRecord(tx, "posts", map[string]any{"title": "롤백", "category": g.allCat[1], "writer": testutil.BobId})
			})
		}},
		{"delete rolled back by the caller's transaction", "", func() error {
			return inTx(func(tx core.App) error {
				p, _ := tx.FindRecordById("posts", post.Id)
				return tx.Delete(p)
			})
		}},
		{"tag rename rolled back", "", func() error {
			return inTx(func(tx core.App) error {
				tag, _ := tx.FindRecordById("tags", g.allTag[0])
				tag.Set("name", "바뀐태그")
				return tx.Save(tag)
			})
		}},
		{"tag rename fails in a later hook", "tags", func() error {
			tag, _ := app.FindRecordById("tags", g.allTag[0])
			tag.Set("name", "바뀐태그")
			return app.Save(tag)
		}},
		{"category rename fails in a later hook", "categories", func() error {
			cat, _ := app.FindRecordById("categories", g.allCat[0])
			cat.Set("name", "새이름")
			return app.Save(cat)
		}},
		{"tag delete rolled back", "", func() error {
			return inTx(func(tx core.App) error {
				tag, _ := tx.FindRecordById("tags", g.allTag[1])
				return tx.Delete(tag)
			})
		}},
		{"tag delete fails when a post cannot drop it", "posts", func() error {
			var used string
			if err := app.DB().Select("tag").From("post_search_tags").Limit(1).Row(&used); err != nil {
				return err
			}
			tag, _ := app.FindRecordById("tags", used)
			return app.Delete(tag)
		}},
		{"post edit through a failing route save", "posts", func() error {
			c := testutil.ClientOf(t, app)
			res := c.Send(http.MethodPatch, "/api/post/detail/"+post.Id+"/edit/",
				map[string]any{"title": "failmark", "tags": []string{"실패태그"}}, testutil.Token(t, app, testutil.SuperuserEmail))
			if res.Status < 400 {
				return fmt.Errorf("edit answered %d %s", res.Status, res.Body)
			}
			if n := testutil.Count(t, app, "tags", dbx.HashExp{"name": "실패태그"}); n != 0 {
				return fmt.Errorf("tag of a failed edit stored")
			}
			return boom
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			failing = tc.failing
			defer func() { failing = "" }()
			if err := tc.do(); err == nil {
				t.Fatal("the change did not fail")
			}
			failing = ""
			if after := indexState(t, app, qs); after != before {
				t.Errorf("index changed by a failed change:\n%s", firstDiff(before, after))
			}
			if n := testutil.Count(t, app, "posts", nil); n != postsBefore {
				t.Errorf("%d posts, want %d", n, postsBefore)
			}
			if n := testutil.Count(t, app, "rooms", nil); n != roomsBefore {
				t.Errorf("%d rooms, want %d", n, roomsBefore)
			}
		})
	}

	// and the index still follows successful changes
	p, _ := app.FindRecordById("posts", post.Id)
	p.Set("title", "성공한 변경")
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	if ids := mustSearch(t, app, "성공한"); !slices.Equal(ids, []string{post.Id}) {
		t.Errorf("search after a successful change = %v", ids)
	}
	compareAll(t, app, nil, rng, "after failures")
}

func mustSearch(t testing.TB, app core.App, text string) []string {
	t.Helper()
	ids, err := search.PostIds(app, search.Query{Text: text, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(al), len(bl))
}

// ---------------------------------------------------------------------------
// query plans

// capturedSQL runs fn and returns the last SQL statement it ran on the
// post_search tables (as dbx logs it, with its parameters inlined).
func capturedSQL(t testing.TB, app core.App, fn func()) string {
	t.Helper()
	var last string
	for _, builder := range []dbx.Builder{app.ConcurrentDB(), app.NonconcurrentDB()} {
		db, ok := builder.(*dbx.DB)
		if !ok {
			t.Fatalf("db is %T", builder)
		}
		prev := db.QueryLogFunc
		defer func() { db.QueryLogFunc = prev }()
		db.QueryLogFunc = func(ctx context.Context, d time.Duration, s string, rows *sql.Rows, err error) {
			if strings.Contains(s, "post_search") {
				last = s
			}
		}
	}
	fn()
	if last == "" {
		t.Fatal("no search query was logged")
	}
	return last
}

func queryPlan(t testing.TB, app core.App, stmt string) []string {
	t.Helper()
	var rows []struct {
		Id     int    `db:"id"`
		Parent int    `db:"parent"`
		Unused int    `db:"notused"`
		Detail string `db:"detail"`
	}
	if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + stmt).All(&rows); err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN %s: %v", stmt, err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Detail
	}
	return out
}

func TestSearchUsesIndexes(t *testing.T) {
	app := testutil.NewApp(t)
	g := newGen(t, app, 3)
	g.posts(60)
	tag := g.allTag[0]
	cat := g.allCat[0]
	cases := []struct {
		name  string
		q     search.Query
		want  string // a plan line that must appear
		notIn []string
	}{
		{"2-character Korean", search.Query{Text: "채팅"}, "VIRTUAL TABLE INDEX", nil},
		{"1 character", search.Query{Text: "채"}, "VIRTUAL TABLE INDEX", nil},
		{"2 characters, mixed case", search.Query{Text: "Go"}, "VIRTUAL TABLE INDEX", nil},
		{"3+ characters", search.Query{Text: "데이터베이스"}, "VIRTUAL TABLE INDEX", nil},
		{"2 characters and a category", search.Query{Text: "채팅", CategoryId: cat}, "VIRTUAL TABLE INDEX", nil},
		{"2 characters and a tag", search.Query{Text: "채팅", TagId: tag}, "VIRTUAL TABLE INDEX", nil},
		{"tag only", search.Query{TagId: tag}, "USING PRIMARY KEY", nil},
		{"category only", search.Query{CategoryId: cat}, "idx_post_search_docs_category", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, page := range []struct{ limit, offset int64 }{{20, 0}, {20, 40}} {
				q := tc.q
				q.Limit, q.Offset = page.limit, page.offset
				stmt := capturedSQL(t, app, func() {
					if _, err := search.PostIds(app, q); err != nil {
						t.Fatal(err)
					}
				})
				plan := queryPlan(t, app, stmt)
				joined := strings.Join(plan, "\n")
				t.Logf("%s\n%s", stmt, joined)
				if !strings.Contains(joined, tc.want) {
					t.Errorf("plan lacks %q:\n%s\nfor %s", tc.want, joined, stmt)
				}
				for _, line := range plan {
					if strings.HasPrefix(line, "SCAN") && !strings.Contains(line, "VIRTUAL TABLE") {
						t.Errorf("plan scans a table: %q\n%s\nfor %s", line, joined, stmt)
					}
					// posts is only probed by key, to skip documents whose
					// post is gone
					if strings.Contains(line, "posts") && !strings.HasPrefix(line, "SEARCH p USING COVERING INDEX sqlite_autoindex_posts_1 (id=?)") {
						t.Errorf("plan reads posts other than by key: %q", line)
					}
					if strings.Contains(line, "TEMP B-TREE") {
						t.Errorf("plan sorts: %q\n%s", line, joined)
					}
				}
			}
		})
	}
}
