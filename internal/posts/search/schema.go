// Package search is the post search index: case-insensitive substring
// search over a post's title, content, category name and tag names, in any
// language, answered from indexes for queries of every length.
//
// Each post has one "search document": its lower-cased fields joined by a
// separator that queries cannot contain. It is indexed twice, in contentless
// FTS5 tables keyed by a stable integer id (post_search_docs.id):
//
//   - post_search_text (trigram tokenizer): a query of 3+ characters is a
//     phrase of its trigrams, which matches exactly the documents that
//     contain it as a substring;
//   - post_search_grams: every distinct 1- and 2-character substring of the
//     document as a token ("u"/"b" + hex of its UTF-8), so a 1- or
//     2-character query (Korean words are often two syllables: 채팅, 서버)
//     is a single token lookup, also exact.
//
// Document ids fall with creation (each new one is below all others), so
// "newest first" is ascending id order, which FTS5 streams forward without
// sorting or reversing doclists: a page of a common term's results costs
// about as little as a rare one's. post_search_docs.category and
// post_search_tags serve the ?category= and ?tag= filters from indexes too.
//
// The index is written by this package's record hooks (Register) in the
// same transaction as the post, category or tag change that made it stale,
// whichever API made it.
package search

import "github.com/cobraspace/cobraspace/internal/fts"

// The index's tables, created by migration 1764000004_post_search (its
// DDL is frozen there; TestMigratedSchemaHasQueriedColumns checks these
// names and the columns the queries use against the migrated database).
const (
	docsTable  = "post_search_docs"
	tagsTable  = "post_search_tags"
	textTable  = "post_search_text"
	gramsTable = "post_search_grams"
)

// tables are the index's text tables for the helpers they share with chat
// search (tagsTable is post search's own).
var tables = fts.Tables{Docs: docsTable, Key: "post", Text: textTable, Grams: gramsTable}
