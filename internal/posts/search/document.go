package search

import (
	"strings"

	"github.com/cobraspace/cobraspace/internal/fts"
)

// separator joins the fields of a search document. Queries and fields are
// stripped of it, so no match can span two fields.
const separator = "\x1f"

// fold is the one case folding used for documents and queries alike.
func fold(s string) string {
	return fts.Fold(strings.ReplaceAll(s, separator, ""))
}

// NormalizeQuery is the query as it is matched (case folded, separator
// removed); empty means "no search".
func NormalizeQuery(q string) string { return fold(q) }

// document joins the folded fields of a post.
func document(fields ...string) string {
	folded := make([]string, len(fields))
	for i, f := range fields {
		folded[i] = fold(f)
	}
	return strings.Join(folded, separator)
}

// gramToken names a 1- or 2-character string as an ASCII token.
func gramToken(s string) string { return fts.GramToken(s) }

// grams lists, space separated, the tokens of every distinct 1- and
// 2-character substring of doc that does not cross a field boundary.
func grams(doc string) string { return fts.Grams(strings.Split(doc, separator)...) }

// ftsPhrase quotes s as an FTS5 phrase.
func ftsPhrase(s string) string { return fts.Phrase(s) }
