package migrations

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The post search index (internal/posts/search keeps it up to date and
// queries it), built for the posts that already exist.
//
// A frozen snapshot: the DDL and the document format (lower-cased title,
// content, category name and tag names joined by U+001F; trigram text;
// "u"/"b" + hex tokens of every 1- and 2-character substring; ids falling
// from -1 in creation order) are written out here as they were when this
// migration was made, and never follow later changes of the search
// package. A change of the index is a new migration. The migration tests
// check that this backfill writes what the search package's hooks write.
func init() {
	m.Register(func(app core.App) error {
		for _, ddl := range []string{
			`CREATE TABLE post_search_docs (
		id       INTEGER PRIMARY KEY, -- negative, falling: newest first is ascending
		post     TEXT NOT NULL UNIQUE,
		category TEXT NOT NULL DEFAULT ''
	)`,
			`CREATE INDEX idx_post_search_docs_category ON post_search_docs (category, id)`,
			`CREATE TABLE post_search_tags (
		tag TEXT    NOT NULL,
		doc INTEGER NOT NULL,
		PRIMARY KEY (tag, doc)
	) WITHOUT ROWID`,
			`CREATE INDEX idx_post_search_tags_doc ON post_search_tags (doc)`,
			`CREATE VIRTUAL TABLE post_search_text USING fts5(doc, content='', contentless_delete=1, tokenize='trigram case_sensitive 1', detail='full')`,
			`CREATE VIRTUAL TABLE post_search_grams USING fts5(grams, content='', contentless_delete=1, tokenize='ascii', detail='none')`,
		} {
			if _, err := app.DB().NewQuery(ddl).Execute(); err != nil {
				return err
			}
		}
		return backfillPostSearch1764000004(app)
	}, func(app core.App) error {
		for _, ddl := range []string{
			`DROP TABLE IF EXISTS post_search_grams`,
			`DROP TABLE IF EXISTS post_search_text`,
			`DROP TABLE IF EXISTS post_search_tags`,
			`DROP TABLE IF EXISTS post_search_docs`,
		} {
			if _, err := app.DB().NewQuery(ddl).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}

// backfillPostSearch1764000004 writes the search document of every post,
// oldest first: the first gets id -1, each next one an id below all others.
func backfillPostSearch1764000004(app core.App) error {
	var postIds []string
	if err := app.DB().Select("id").From("posts").OrderBy("created ASC", "rowid ASC").Column(&postIds); err != nil {
		return err
	}
	for _, postId := range postIds {
		var post struct {
			Title    string `db:"title"`
			Content  string `db:"content"`
			Category string `db:"category"`
			Tags     string `db:"tags"` // JSON array of tag ids
		}
		if err := app.DB().Select("title", "content", "category", "tags").From("posts").
			Where(dbx.HashExp{"id": postId}).One(&post); err != nil {
			return err
		}
		var category []string
		if err := app.DB().Select("name").From("categories").Where(dbx.HashExp{"id": post.Category}).Column(&category); err != nil {
			return err
		}
		// tag ids in stored order, without blanks or repeats
		var tagIds []string
		if err := app.DB().NewQuery("SELECT value FROM json_each(CASE WHEN json_valid({:tags}) THEN {:tags} ELSE '[]' END) ORDER BY key").
			Bind(dbx.Params{"tags": post.Tags}).Column(&tagIds); err != nil {
			return err
		}
		var uniqueTagIds []any
		seen := map[string]bool{}
		for _, id := range tagIds {
			if id != "" && !seen[id] {
				seen[id] = true
				uniqueTagIds = append(uniqueTagIds, id)
			}
		}
		var tagNames []string
		if len(uniqueTagIds) > 0 {
			if err := app.DB().Select("name").From("tags").Where(dbx.In("id", uniqueTagIds...)).
				OrderBy("name ASC").Column(&tagNames); err != nil {
				return err
			}
		}

		// the document: folded fields joined by U+001F
		fields := append([]string{post.Title, post.Content, strings.Join(category, "")}, tagNames...)
		for i, f := range fields {
			fields[i] = strings.ToLower(strings.ReplaceAll(f, "\x1f", ""))
		}
		doc := strings.Join(fields, "\x1f")

		// its 1- and 2-character grams, within fields, first occurrence order
		var grams strings.Builder
		seenGrams := map[string]bool{}
		addGram := func(s string) {
			if seenGrams[s] {
				return
			}
			seenGrams[s] = true
			prefix := "u"
			if utf8.RuneCountInString(s) == 2 {
				prefix = "b"
			}
			grams.WriteString(prefix + hex.EncodeToString([]byte(s)))
			grams.WriteByte(' ')
		}
		prev := ""
		for _, r := range doc {
			cur := string(r)
			if cur == "\x1f" {
				prev = ""
				continue
			}
			addGram(cur)
			if prev != "" {
				addGram(prev + cur)
			}
			prev = cur
		}

		var id int64
		if err := app.DB().NewQuery("INSERT INTO post_search_docs (id, post, category) " +
			"SELECT (SELECT COALESCE(MIN(id), 0) - 1 FROM post_search_docs), {:post}, {:category} RETURNING id").
			Bind(dbx.Params{"post": postId, "category": post.Category}).Row(&id); err != nil {
			return err
		}
		if _, err := app.DB().Insert("post_search_text", dbx.Params{"rowid": id, "doc": doc}).Execute(); err != nil {
			return err
		}
		if _, err := app.DB().Insert("post_search_grams", dbx.Params{"rowid": id, "grams": grams.String()}).Execute(); err != nil {
			return err
		}
		for _, tag := range uniqueTagIds {
			if _, err := app.DB().Insert("post_search_tags", dbx.Params{"tag": tag, "doc": id}).Execute(); err != nil {
				return err
			}
		}
	}
	return nil
}
