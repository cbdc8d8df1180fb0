package posts

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// maxTags per post (the posts.tags relation allows as many).
const maxTags = 20

// postForm is the body of write and edit: what was sent, checked for type.
type postForm struct {
	title, content *string
	category       *core.Record
	tagNames       []string
	hasTags        bool
}

// readPostForm reads title, content, category (id or name) and tags (a
// list of names or one comma-separated string). With partial set, absent
// fields are left alone (edit); otherwise title and category are required.
func readPostForm(e *core.RequestEvent, partial bool) (*postForm, error) {
	// room for the longest content the schema takes, at 4 bytes a character
	body, err := api.ReadBody(e, api.MaxJSONBody+int64(api.TextMax(e.App, "posts", "content"))*4)
	if err != nil {
		return nil, err
	}
	fe := api.FieldErrors{}
	f := &postForm{}
	if !partial || body.Has("title") {
		title := body.RequiredString(fe, "title")
		f.title = &title
	}
	if v, ok := body.String(fe, "content"); ok {
		f.content = &v
	}
	if !partial || body.Has("category") {
		f.category = readCategory(e.App, body, fe)
	}
	if body.Has("tags") {
		f.hasTags = true
		f.tagNames = readTagNames(body.Data["tags"], api.TextMax(e.App, "tags", "name"), fe)
	}
	return f, fe.Err()
}

func readCategory(app core.App, body *api.Body, fe api.FieldErrors) *core.Record {
	raw, present := body.Data["category"]
	if !present || raw == nil || raw == "" {
		fe.Add("category", api.MsgRequired)
		return nil
	}
	var key string
	switch v := raw.(type) {
	case string:
		key = strings.TrimSpace(v)
	case json.Number:
		key = v.String()
	default:
		fe.Add("category", "Incorrect type. Expected pk value or name.")
		return nil
	}
	category := findCategory(app, key)
	if category == nil {
		fe.Add("category", api.InvalidPk(key))
	}
	return category
}

// readTagNames accepts ["go", "채팅"], "go, 채팅" or a repeated form field;
// names are trimmed and de-duplicated case-insensitively, and none may be
// longer than nameMax characters (tags.name's limit; 0: unlimited).
func readTagNames(raw any, nameMax int, fe api.FieldErrors) []string {
	var parts []string
	switch v := raw.(type) {
	case nil:
	case string:
		parts = strings.Split(v, ",")
	case []any:
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				fe.Add("tags", "Expected a list of tag names.")
				return nil
			}
			parts = append(parts, strings.Split(s, ",")...)
		}
	default:
		fe.Add("tags", "Expected a list of tag names.")
		return nil
	}
	seen := map[string]bool{}
	names := []string{}
	for _, p := range parts {
		name := strings.TrimSpace(p)
		key := strings.ToLower(name)
		if name == "" || seen[key] {
			continue
		}
		if nameMax > 0 && len([]rune(name)) > nameMax {
			fe.Add("tags", fmt.Sprintf("Ensure each tag has no more than %d characters.", nameMax))
			return nil
		}
		seen[key] = true
		names = append(names, name)
	}
	if len(names) > maxTags {
		fe.Add("tags", fmt.Sprintf("Ensure there are no more than %d tags.", maxTags))
		return nil
	}
	return names
}

// resolveTags finds each tag by case-insensitive name, creating the
// missing ones (in tx, the caller's transaction).
func resolveTags(tx core.App, names []string) ([]string, error) {
	collection, err := tx.FindCachedCollectionByNameOrId("tags")
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(names))
	for _, name := range names {
		tag := findByName(tx, "tags", name)
		if tag == nil {
			tag = core.NewRecord(collection)
			tag.Set("name", name)
			if err := tx.Save(tag); err != nil {
				return nil, err
			}
		}
		if !slices.Contains(ids, tag.Id) { // names equal under case folding
			ids = append(ids, tag.Id)
		}
	}
	return ids, nil
}

// apply copies the form onto post and saves it with its tags, all in one
// transaction (the post hooks add the room and the search document to it).
func (f *postForm) save(app core.App, post *core.Record) error {
	return app.RunInTransaction(func(tx core.App) error {
		if f.title != nil {
			post.Set("title", *f.title)
		}
		if f.content != nil {
			post.Set("content", *f.content)
		}
		if f.category != nil {
			post.Set("category", f.category.Id)
		}
		if f.hasTags {
			ids, err := resolveTags(tx, f.tagNames)
			if err != nil {
				return err
			}
			post.Set("tags", ids)
		}
		return tx.Save(post)
	})
}
