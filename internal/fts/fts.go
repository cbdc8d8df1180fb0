// Package fts holds what the post search and the chat search share: the one
// case folding of documents and queries, the tokens of their 1- and
// 2-character substrings, and the quoting of FTS5 phrases.
//
// Both indexes answer a query of 3+ characters with a phrase of trigrams
// (FTS5's trigram tokenizer over folded text: exactly the documents that
// contain the folded query) and a 1- or 2-character query with one token
// of an application-kept table of every distinct 1- and 2-character
// substring (Korean words are often two syllables).
package fts

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Fold is the case folding of documents and queries alike (Unicode lower
// case).
func Fold(s string) string { return strings.ToLower(s) }

// GramToken names a 1- or 2-character string as an ASCII token: "u" (one
// character) or "b" (two) and the hex of its UTF-8.
func GramToken(s string) string {
	prefix := "u"
	if utf8.RuneCountInString(s) == 2 {
		prefix = "b"
	}
	return prefix + hex.EncodeToString([]byte(s))
}

// Grams lists, space separated and in order of first occurrence, the
// tokens of every distinct 1- and 2-character substring of the fields (no
// substring spans two fields).
func Grams(fields ...string) string {
	seen := map[string]struct{}{}
	var out strings.Builder
	add := func(s string) {
		if _, ok := seen[s]; ok {
			return
		}
		seen[s] = struct{}{}
		out.WriteString(GramToken(s))
		out.WriteByte(' ')
	}
	for _, field := range fields {
		prev := ""
		for _, r := range field {
			cur := string(r)
			add(cur)
			if prev != "" {
				add(prev + cur)
			}
			prev = cur
		}
	}
	return out.String()
}

// Phrase quotes s as an FTS5 phrase (a string, never FTS5 syntax).
func Phrase(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
