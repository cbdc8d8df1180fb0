package search

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// ErrPostGone is index's error for a post whose row does not exist.
var ErrPostGone = errors.New("search: the post does not exist")

// index writes (or rewrites) the search document of post. Call it with the
// transaction app that saved the post.
func index(app core.App, post *core.Record) error {
	category, err := categoryName(app, post.GetString("category"))
	if err != nil {
		return err
	}
	tagIds := post.GetStringSlice("tags")
	tagNames, err := tagNames(app, tagIds)
	if err != nil {
		return err
	}
	fields := append([]string{post.GetString("title"), post.GetString("content"), category}, tagNames...)
	doc := document(fields...)

	// the document is written only while its post exists: a post deleted
	// since it was loaded gets no document (ErrPostGone), which fails the
	// caller's transaction
	postExists := "EXISTS (SELECT 1 FROM posts WHERE id = {:post})"
	params := dbx.Params{"post": post.Id, "category": post.GetString("category")}
	id, err := tables.DocId(app, post.Id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// each new document gets an id below every other (see the package doc)
		err := app.DB().NewQuery("INSERT INTO " + docsTable + " (id, post, category) " +
			"SELECT (SELECT COALESCE(MIN(id), 0) - 1 FROM " + docsTable + "), {:post}, {:category} " +
			"WHERE " + postExists + " RETURNING id").
			Bind(params).
			Row(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("post %s: %w", post.Id, ErrPostGone)
		}
		if err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		params["id"] = id
		res, err := app.DB().NewQuery("UPDATE " + docsTable + " SET category = {:category} WHERE id = {:id} AND " + postExists).
			Bind(params).Execute()
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(fmt.Errorf("post %s: %w", post.Id, ErrPostGone), err)
		}
		if err := clearDoc(app, id); err != nil {
			return err
		}
	}

	if err := tables.WriteText(app, id, doc, grams(doc)); err != nil {
		return err
	}
	for _, tag := range uniqueStrings(tagIds) {
		if _, err := app.DB().Insert(tagsTable, dbx.Params{"tag": tag, "doc": id}).Execute(); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the search document of a post.
func remove(app core.App, postId string) error {
	id, err := tables.DocId(app, postId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := clearDoc(app, id); err != nil {
		return err
	}
	_, err = app.DB().Delete(docsTable, dbx.HashExp{"id": id}).Execute()
	return err
}

// reindexCategory rewrites the documents of a renamed category's posts.
func reindexCategory(app core.App, categoryId string) error {
	var postIds []string
	err := app.DB().Select("post").From(docsTable).Where(dbx.HashExp{"category": categoryId}).Column(&postIds)
	if err != nil {
		return err
	}
	return reindexPosts(app, postIds)
}

// reindexTag rewrites the documents of a renamed tag's posts.
func reindexTag(app core.App, tagId string) error {
	var postIds []string
	err := app.DB().Select("d.post").From(tagsTable+" t").
		InnerJoin(docsTable+" d", dbx.NewExp("d.id = t.doc")).
		Where(dbx.HashExp{"t.tag": tagId}).Column(&postIds)
	if err != nil {
		return err
	}
	return reindexPosts(app, postIds)
}

// reindexAll rebuilds the whole index, oldest post first (so document ids
// follow creation order), as the migration that created it did. progress,
// when set, is told after each post.
func reindexAll(app core.App, progress func(done, total int)) error {
	for _, table := range []string{textTable, gramsTable, tagsTable, docsTable} {
		if _, err := app.DB().NewQuery("DELETE FROM " + table).Execute(); err != nil {
			return err
		}
	}
	var postIds []string
	if err := app.DB().Select("id").From("posts").OrderBy("created ASC", "rowid ASC").Column(&postIds); err != nil {
		return err
	}
	for i, id := range postIds {
		if err := reindexPosts(app, []string{id}); err != nil {
			return err
		}
		if progress != nil {
			progress(i+1, len(postIds))
		}
	}
	return nil
}

func reindexPosts(app core.App, postIds []string) error {
	for _, id := range postIds {
		post, err := app.FindRecordById("posts", id)
		if err != nil {
			return err
		}
		if err := index(app, post); err != nil {
			return err
		}
	}
	return nil
}

// clearDoc deletes what document id holds: its text and its tags.
func clearDoc(app core.App, id int64) error {
	if err := tables.ClearText(app, id); err != nil {
		return err
	}
	_, err := app.DB().Delete(tagsTable, dbx.HashExp{"doc": id}).Execute()
	return err
}

func categoryName(app core.App, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	var name string
	err := app.DB().Select("name").From("categories").Where(dbx.HashExp{"id": id}).Row(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

func tagNames(app core.App, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	var names []string
	err := app.DB().Select("name").From("tags").Where(dbx.In("id", in...)).OrderBy("name ASC").Column(&names)
	return names, err
}

func uniqueStrings(in []string) []string {
	seen := map[string]struct{}{}
	out := in[:0:0]
	for _, s := range in {
		if _, ok := seen[s]; !ok && s != "" {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	return out
}
