package posts

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// related holds what a page of posts refers to, loaded in a few queries.
type related struct {
	categories map[string]*core.Record
	tags       map[string]*core.Record
	writers    map[string]*core.Record
	rooms      map[string]string // post id → room id
}

func loadRelated(app core.App, posts []*core.Record) (*related, error) {
	var categoryIds, tagIds, writerIds, postIds []string
	for _, p := range posts {
		categoryIds = append(categoryIds, p.GetString("category"))
		tagIds = append(tagIds, p.GetStringSlice("tags")...)
		writerIds = append(writerIds, p.GetString("writer"))
		postIds = append(postIds, p.Id)
	}
	r := &related{rooms: map[string]string{}}
	var err error
	if r.categories, err = recordsById(app, "categories", categoryIds); err != nil {
		return nil, err
	}
	if r.tags, err = recordsById(app, "tags", tagIds); err != nil {
		return nil, err
	}
	if r.writers, err = recordsById(app, "users", writerIds); err != nil {
		return nil, err
	}
	if len(postIds) > 0 {
		var rows []struct {
			Id   string `db:"id"`
			Post string `db:"post"`
		}
		if err := app.DB().Select("id", "post").From("rooms").Where(dbx.In("post", anySlice(postIds)...)).All(&rows); err != nil {
			return nil, err
		}
		for _, row := range rows {
			r.rooms[row.Post] = row.Id
		}
	}
	return r, nil
}

func recordsById(app core.App, collection string, ids []string) (map[string]*core.Record, error) {
	out := map[string]*core.Record{}
	if len(ids) == 0 {
		return out, nil
	}
	found, err := app.FindRecordsByIds(collection, dedupe(ids))
	if err != nil {
		return nil, err
	}
	for _, r := range found {
		out[r.Id] = r
	}
	return out, nil
}

// postJSON is a post as the list, write and edit routes answer it.
func (r *related) postJSON(p *core.Record) map[string]any {
	out := map[string]any{
		"id":                     p.Id,
		"title":                  p.GetString("title"),
		"content":                p.GetString("content"),
		"category":               nil,
		"category_id":            p.GetString("category"),
		"tags":                   r.tagsJSON(p),
		"hit":                    p.GetInt("hit"),
		"created_at":             api.Time(p.GetDateTime("created")),
		"updated_at":             api.Time(p.GetDateTime("updated")),
		"writer":                 p.GetString("writer"),
		"writer_nickname":        "",
		"writer_profile_picture": nil,
		"room":                   api.NullableId(r.rooms[p.Id]),
	}
	if c := r.categories[p.GetString("category")]; c != nil {
		out["category"] = c.GetString("name")
	}
	if w := r.writers[p.GetString("writer")]; w != nil {
		out["writer_nickname"] = w.GetString("nickname")
		out["writer_profile_picture"] = api.FileURL(w, "profile_picture")
	}
	return out
}

func (r *related) tagsJSON(p *core.Record) []map[string]string {
	out := []map[string]string{}
	for _, id := range p.GetStringSlice("tags") {
		if t := r.tags[id]; t != nil {
			out = append(out, map[string]string{"id": t.Id, "name": t.GetString("name")})
		}
	}
	return out
}

// postsJSON renders a page of posts.
func postsJSON(app core.App, posts []*core.Record) ([]map[string]any, error) {
	r, err := loadRelated(app, posts)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(posts))
	for i, p := range posts {
		out[i] = r.postJSON(p)
	}
	return out, nil
}

// onePostJSON renders a single post.
func onePostJSON(app core.App, post *core.Record) (map[string]any, error) {
	list, err := postsJSON(app, []*core.Record{post})
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func anySlice(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}
