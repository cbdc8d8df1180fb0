package posts

import (
	"net/http"
	"strings"

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
		return api.FieldError("search", "Ensure this field has no more than 100 characters.")
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
	c := &core.Record{}
	err := app.RecordQuery("categories").
		AndWhere(dbx.NewExp("[[name]] = {:name} COLLATE NOCASE", dbx.Params{"name": idOrName})).
		Limit(1).One(c)
	if err != nil {
		return nil
	}
	return c
}

// findTagByName finds a tag by its case-insensitive name.
func findTagByName(app core.App, name string) *core.Record {
	t := &core.Record{}
	err := app.RecordQuery("tags").
		AndWhere(dbx.NewExp("[[name]] = {:name} COLLATE NOCASE", dbx.Params{"name": name})).
		Limit(1).One(t)
	if err != nil {
		return nil
	}
	return t
}
