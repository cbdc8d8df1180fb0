package search

import (
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/fts"
)

// Query selects a page of the messages a member may read, newest first.
type Query struct {
	Text   string // substring to find (any case, any language); required
	Viewer string // the member's id: only rooms they may read
	Room   string // optional: one room only
	Limit  int64
	Offset int64
}

// readableRoomSQL is the rooms view rule (migration 1764000006) in SQL,
// over the rooms row "r" and the viewer {:viewer}: a room with a post; a
// room that is not a DM, for its owner and for anyone on the owner's
// friends list; a DM, for its two members.
const readableRoomSQL = `(r.post != ''
	OR (r.dm_key = '' AND (r.owner = {:viewer}
		OR EXISTS (SELECT 1 FROM friends fr WHERE fr.user = r.owner AND fr.friend = {:viewer})))
	OR (r.dm_key != '' AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(r.members) THEN r.members ELSE '[]' END) je
		WHERE je.value = {:viewer})))`

// matchSQL is the FROM and WHERE of q: the index table that answers the
// text (streamed in id order, newest first), the documents, their rooms
// and the viewer's access to each. ok is false when nothing can match.
func matchSQL(q Query) (sql string, params dbx.Params, ok bool) {
	text := fts.Fold(q.Text)
	n := utf8.RuneCountInString(text)
	if n == 0 || (n >= 3 && strings.ContainsRune(text, 0)) {
		// an FTS5 query string cannot carry NUL (it ends the phrase and
		// the query fails): such a query matches nothing
		return "", nil, false
	}
	table, match := textTable, fts.Phrase(text)
	if n < 3 {
		table, match = gramsTable, fts.Phrase(fts.GramToken(text))
	}
	params = dbx.Params{"match": match, "viewer": q.Viewer}
	var b strings.Builder
	b.WriteString(" FROM " + table + " f" +
		" JOIN " + docsTable + " d ON d.id = f.rowid" +
		" JOIN rooms r ON r.id = d.room" +
		" WHERE " + table + " MATCH {:match}")
	if q.Room != "" {
		b.WriteString(" AND d.room = {:room}")
		params["room"] = q.Room
	}
	b.WriteString(" AND " + readableRoomSQL)
	return b.String(), params, true
}

// MessageIds answers q from the indexes: the ids of the matching messages,
// newest first.
func MessageIds(app core.App, q Query) ([]string, error) {
	ids := []string{}
	from, params, ok := matchSQL(q)
	if !ok {
		return ids, nil
	}
	params["limit"], params["offset"] = q.Limit, q.Offset
	err := app.DB().NewQuery("SELECT d.message" + from + " ORDER BY f.rowid ASC LIMIT {:limit} OFFSET {:offset}").
		Bind(params).Column(&ids)
	return ids, err
}

// Count is how many messages q matches (Limit and Offset aside), counted
// up to max: capped reports that there are more than max (count is max
// then).
func Count(app core.App, q Query, max int64) (count int64, capped bool, err error) {
	from, params, ok := matchSQL(q)
	if !ok {
		return 0, false, nil
	}
	params["cap"] = max + 1
	err = app.DB().NewQuery("SELECT count(*) FROM (SELECT 1" + from + " LIMIT {:cap})").Bind(params).Row(&count)
	if count > max {
		return max, true, err
	}
	return count, false, err
}

// ReadableRoomsCount is how many rooms viewer may read (by the same SQL
// filter as the search).
func ReadableRoomsCount(app core.App, viewer string) (int, error) {
	var n int
	err := app.DB().NewQuery("SELECT count(*) FROM rooms r WHERE " + readableRoomSQL).
		Bind(dbx.Params{"viewer": viewer}).Row(&n)
	return n, err
}
