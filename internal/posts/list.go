package posts

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/posts/search"
)

const (
	listPageSize    = 20
	listMaxPageSize = 100
	searchMaxLength = 100
)

// listPosts: GET /api/post/ and GET /api/post/posts/ —
// ?search= ?category= (id or name) ?tag= (name) ?page= ?page_size=,
// a JSON array, newest first, answered from the search index.
func listPosts(e *core.RequestEvent) error {
	page, err := api.ReadPage(e, listPageSize, listMaxPageSize)
	if err != nil {
		return err
	}
	params := e.Request.URL.Query()
	text := params.Get("search")
	if len([]rune(text)) > searchMaxLength {
		return api.FieldError("search", api.MaxLength(searchMaxLength))
	}
	q := search.Query{Text: text, Limit: int64(page.Size), Offset: page.Offset()}

	if raw := strings.TrimSpace(params.Get("category")); raw != "" {
		category := findCategory(e.App, raw)
		if category == nil {
			return e.JSON(http.StatusOK, []any{})
		}
		q.CategoryId = category.Id
	}
	if raw := strings.TrimSpace(params.Get("tag")); raw != "" {
		tag := findTagByName(e.App, raw)
		if tag == nil {
			return e.JSON(http.StatusOK, []any{})
		}
		q.TagId = tag.Id
	}

	ids, err := search.PostIds(e.App, q)
	if err != nil {
		return err
	}
	posts, err := findPostsInOrder(e.App, ids)
	if err != nil {
		return err
	}
	out, err := postsJSON(e.App, posts)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// findPostsInOrder loads posts by id, keeping the order of ids.
func findPostsInOrder(app core.App, ids []string) ([]*core.Record, error) {
	found, err := app.FindRecordsByIds("posts", ids)
	if err != nil {
		return nil, err
	}
	byId := make(map[string]*core.Record, len(found))
	for _, p := range found {
		byId[p.Id] = p
	}
	out := make([]*core.Record, 0, len(ids))
	for _, id := range ids {
		if p := byId[id]; p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// findCategory finds a category by id or (case-insensitive) name.
func findCategory(app core.App, idOrName string) *core.Record {
	if c, err := app.FindRecordById("categories", idOrName); err == nil {
		return c
	}
	return findByName(app, "categories", idOrName)
}

// findTagByName finds a tag by its case-insensitive name.
func findTagByName(app core.App, name string) *core.Record {
	return findByName(app, "tags", name)
}

// findByName finds a record of collection by its name, case-insensitively
// in any script. SQLite's NOCASE (which the name indexes use) folds ASCII
// letters only, so when it finds nothing a name with other letters is
// compared with Unicode case folding among the names of its length.
func findByName(app core.App, collection, name string) *core.Record {
	r := &core.Record{}
	err := app.RecordQuery(collection).
		AndWhere(dbx.NewExp("[[name]] = {:name} COLLATE NOCASE", dbx.Params{"name": name})).
		Limit(1).One(r)
	if err == nil {
		return r
	}
	if isASCII(name) {
		return nil
	}
	var candidates []*core.Record
	err = app.RecordQuery(collection).
		AndWhere(dbx.NewExp("length([[name]]) = {:n}", dbx.Params{"n": utf8.RuneCountInString(name)})).
		OrderBy("created ASC", "id ASC").
		All(&candidates)
	if err != nil {
		return nil
	}
	for _, c := range candidates {
		if strings.EqualFold(c.GetString("name"), name) {
			return c
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
