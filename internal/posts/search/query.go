package search

import (
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Query selects a page of posts, newest first.
type Query struct {
	Text       string // substring to find (any case, any language); "" for all
	CategoryId string // optional filter
	TagId      string // optional filter
	Limit      int64
	Offset     int64
}

// PostIds answers q from the indexes: the ids of the matching posts,
// newest first. Documents without their post never take a place.
func PostIds(app core.App, q Query) ([]string, error) {
	text := NormalizeQuery(q.Text)
	if utf8.RuneCountInString(text) >= 3 && strings.ContainsRune(text, 0) {
		// an FTS5 query string cannot carry NUL (it ends the phrase and
		// the query fails): such a query matches nothing
		return []string{}, nil
	}
	query := app.DB().Select("d.post").Limit(q.Limit).Offset(q.Offset)

	// drive the query from the most selective ordered source
	switch n := utf8.RuneCountInString(text); {
	case n >= 3:
		query.From(textTable+" f").
			InnerJoin(docsTable+" d", dbx.NewExp("d.id = f.rowid")).
			AndWhere(dbx.NewExp(textTable+" MATCH {:match}", dbx.Params{"match": ftsPhrase(text)})).
			OrderBy("f.rowid ASC")
	case n > 0:
		query.From(gramsTable+" f").
			InnerJoin(docsTable+" d", dbx.NewExp("d.id = f.rowid")).
			AndWhere(dbx.NewExp(gramsTable+" MATCH {:match}", dbx.Params{"match": ftsPhrase(gramToken(text))})).
			OrderBy("f.rowid ASC")
	case q.TagId != "":
		query.From(tagsTable+" t").
			InnerJoin(docsTable+" d", dbx.NewExp("d.id = t.doc")).
			OrderBy("t.doc ASC")
	default:
		query.From(docsTable + " d").OrderBy("d.id ASC")
	}

	// only documents whose post exists: a page is never short for an
	// index entry left dangling (one primary-key lookup per row)
	query.InnerJoin("posts p", dbx.NewExp("p.id = d.post"))

	if q.TagId != "" {
		if text != "" {
			query.InnerJoin(tagsTable+" t", dbx.NewExp("t.doc = d.id"))
		}
		query.AndWhere(dbx.HashExp{"t.tag": q.TagId})
	}
	if q.CategoryId != "" {
		query.AndWhere(dbx.HashExp{"d.category": q.CategoryId})
	}

	ids := []string{}
	err := query.Column(&ids)
	return ids, err
}
