package posts

import (
	"reflect"

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

// postJSON is the post object: a post as the list, write and edit routes
// answer it (docs/API.md "The post object"). Fields are in the documented
// order; category, writer_profile_picture and room are null when unset.
type postJSON struct {
	Id                   string    `json:"id"`
	Title                string    `json:"title"`
	Content              string    `json:"content"`
	Category             *string   `json:"category"` // its name; null when the category is gone
	CategoryId           string    `json:"category_id"`
	Tags                 []tagJSON `json:"tags"` // never null: [] without tags
	Hit                  int       `json:"hit"`
	CreatedAt            *string   `json:"created_at"`
	UpdatedAt            *string   `json:"updated_at"`
	Writer               string    `json:"writer"`
	WriterNickname       string    `json:"writer_nickname"`
	WriterProfilePicture *string   `json:"writer_profile_picture"`
	Room                 *string   `json:"room"`
}

// tagJSON is a tag of a post.
type tagJSON struct {
	Id   string `json:"id"`
	Name string `json:"name"`
}

// categoryJSON is a category (list and create).
type categoryJSON struct {
	Id   string `json:"id"`
	Name string `json:"name"`
}

// nullable is one of the string-or-null values of api and auth (api.Time,
// api.FileURL, api.NullableId: a string or nil; auth.EmailFor: a string, or
// a string type whose "" means null) as a *string: nil, and an empty
// string of a named string type, stay null.
func nullable(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String && rv.Len() > 0 {
		s := rv.String()
		return &s
	}
	return nil
}

// render is p as the post object, with what r loaded for it.
func (r *related) render(p *core.Record) postJSON {
	out := postJSON{
		Id:                   p.Id,
		Title:                p.GetString("title"),
		Content:              p.GetString("content"),
		CategoryId:           p.GetString("category"),
		Tags:                 r.tagsJSON(p),
		Hit:                  p.GetInt("hit"),
		CreatedAt:            nullable(api.Time(p.GetDateTime("created"))),
		UpdatedAt:            nullable(api.Time(p.GetDateTime("updated"))),
		Writer:               p.GetString("writer"),
		WriterNickname:       "",
		WriterProfilePicture: nil,
		Room:                 nullable(api.NullableId(r.rooms[p.Id])),
	}
	if c := r.categories[p.GetString("category")]; c != nil {
		name := c.GetString("name")
		out.Category = &name
	}
	if w := r.writers[p.GetString("writer")]; w != nil {
		out.WriterNickname = w.GetString("nickname")
		out.WriterProfilePicture = nullable(api.FileURL(w, "profile_picture"))
	}
	return out
}

func (r *related) tagsJSON(p *core.Record) []tagJSON {
	out := []tagJSON{}
	for _, id := range p.GetStringSlice("tags") {
		if t := r.tags[id]; t != nil {
			out = append(out, tagJSON{Id: t.Id, Name: t.GetString("name")})
		}
	}
	return out
}

// postsJSON renders a page of posts.
func postsJSON(app core.App, posts []*core.Record) ([]postJSON, error) {
	r, err := loadRelated(app, posts)
	if err != nil {
		return nil, err
	}
	out := make([]postJSON, len(posts))
	for i, p := range posts {
		out[i] = r.render(p)
	}
	return out, nil
}

// onePostJSON renders a single post.
func onePostJSON(app core.App, post *core.Record) (postJSON, error) {
	list, err := postsJSON(app, []*core.Record{post})
	if err != nil {
		return postJSON{}, err
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
