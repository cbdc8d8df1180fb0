package search

import (
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/fts"
)

// Query selects a page of the messages a member may read, newest first.
type Query struct {
	Text   string // substring to find (any case, any language); required
	Viewer string // the member's id: only rooms they may read
	Room   string // optional: one room only
	Limit  int64
	Offset int64

	skipBlocked bool // Viewer blocked someone: leave out their messages
}

// readableRoomSQL is the rooms view rule (migration 1764000009) in SQL,
// over the rooms row "r" and the viewer {:viewer}: a room with a post; a
// room that is not a DM, for its owner and for anyone on the owner's
// friends list; a DM, for its two members; and never while a ban of the
// room names the viewer.
const readableRoomSQL = `((r.post != ''
	OR (r.dm_key = '' AND (r.owner = {:viewer}
		OR EXISTS (SELECT 1 FROM friends fr WHERE fr.user = r.owner AND fr.friend = {:viewer})))
	OR (r.dm_key != '' AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(r.members) THEN r.members ELSE '[]' END) je
		WHERE je.value = {:viewer})))
	AND NOT EXISTS (SELECT 1 FROM room_bans rb WHERE rb.room = r.id AND rb.user = {:viewer}))`

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
	if q.skipBlocked {
		// the messages of members the viewer blocked (a lookup by id each)
		b.WriteString(" AND NOT EXISTS (SELECT 1 FROM messages bm JOIN blocks b ON b.blocked = bm.sender" +
			" WHERE bm.id = d.message AND b.user = {:viewer})")
	}
	return b.String(), params, true
}

// MessageIds answers q: the ids of the matching messages, newest first.
func MessageIds(app core.App, q Query) ([]string, error) {
	ids, _, _, err := search(app, q, -1)
	return ids, err
}

// Count is how many messages q matches (Limit and Offset aside), counted
// up to max: capped reports that there are more than max (count is max
// then).
func Count(app core.App, q Query, max int64) (count int64, capped bool, err error) {
	q.Limit, q.Offset = 0, 0
	_, count, capped, err = search(app, q, max)
	return count, capped, err
}

// Search is MessageIds and Count (up to maxCount) at once. Past the first
// page, a page short of its size is the last one and tells the exact count;
// so does a room read whole from its texts.
func Search(app core.App, q Query, maxCount int64) (ids []string, count int64, capped bool, err error) {
	return search(app, q, maxCount)
}

// search answers the page of q (none when q.Limit is 0) and, unless
// maxCount < 0, its count up to maxCount.
func search(app core.App, q Query, maxCount int64) (ids []string, count int64, capped bool, err error) {
	ids = []string{}
	q.skipBlocked = q.Viewer != "" && chat.HasBlocks(app, q.Viewer)
	from, params, ok := matchSQL(q)
	if !ok {
		return ids, 0, false, nil
	}
	scan, err := scanRoomFirst(app, q)
	if err != nil {
		return nil, 0, false, err
	}
	if scan {
		stopAfter := max(q.Offset+q.Limit, maxCount+1)
		matches, err := scanRoom(app, q, stopAfter)
		if err != nil {
			return nil, 0, false, err
		}
		count, capped = int64(len(matches)), false
		if count >= stopAfter { // stopped early: there may be more
			count, capped = capCount(count, maxCount)
		}
		return window(matches, q), count, capped, nil
	}

	if q.Limit > 0 {
		params["limit"], params["offset"] = q.Limit, q.Offset
		err := app.DB().NewQuery("SELECT d.message" + from + " ORDER BY f.rowid ASC LIMIT {:limit} OFFSET {:offset}").
			Bind(params).Column(&ids)
		if err != nil {
			return nil, 0, false, err
		}
		if len(ids) > 0 && int64(len(ids)) < q.Limit || len(ids) == 0 && q.Offset == 0 {
			return ids, q.Offset + int64(len(ids)), false, nil // the last page
		}
	}
	if maxCount < 0 {
		return ids, 0, false, nil
	}
	params["cap"] = maxCount + 1
	if err := app.DB().NewQuery("SELECT count(*) FROM (SELECT 1" + from + " LIMIT {:cap})").Bind(params).Row(&count); err != nil {
		return nil, 0, false, err
	}
	count, capped = capCount(count, maxCount)
	return ids, count, capped, nil
}

func capCount(n, max int64) (int64, bool) {
	if n > max {
		return max, true
	}
	return n, false
}

// window is q's page of all the matches (newest first).
func window(matches []string, q Query) []string {
	if q.Offset >= int64(len(matches)) {
		return []string{}
	}
	return matches[q.Offset:min(int64(len(matches)), q.Offset+q.Limit)]
}

// A search in one room (?room=) walks the FTS5 index's hits of the term in
// every room, newest first, keeping the room's: cheap for a rare term, but
// a common term in a small room walks the term's hits in all the others.
// So when the term has more than RareTerm hits in all and the room has at
// most SmallRoom messages, the room's own texts are read instead (newest
// first, through the documents' room index) and compared as the index
// compares: a cost of at most the room's size, stopping once the page and
// the count are full. Both answer the same (the tests run both).
var (
	SmallRoom int64 = 20_000
	RareTerm  int64 = 5_000
)

// scanRoomFirst tells whether q is answered by scanRoom.
func scanRoomFirst(app core.App, q Query) (bool, error) {
	if q.Room == "" || SmallRoom <= 0 {
		return false, nil
	}
	text := fts.Fold(q.Text)
	table, match := textTable, fts.Phrase(text)
	if utf8.RuneCountInString(text) < 3 {
		table, match = gramsTable, fts.Phrase(fts.GramToken(text))
	}
	var hits int64
	if err := app.DB().NewQuery("SELECT count(*) FROM (SELECT 1 FROM " + table + " WHERE " + table + " MATCH {:match} LIMIT {:cap})").
		Bind(dbx.Params{"match": match, "cap": RareTerm + 1}).Row(&hits); err != nil || hits <= RareTerm {
		return false, err
	}
	var n int64
	err := app.DB().NewQuery("SELECT count(*) FROM (SELECT 1 FROM " + docsTable + " WHERE room = {:room} LIMIT {:cap})").
		Bind(dbx.Params{"room": q.Room, "cap": SmallRoom + 1}).Row(&n)
	return n <= SmallRoom, err
}

// scanRoom is q over q.Room's texts: the first (newest) up to stopAfter
// matching message ids, in the index's order, compared as the index
// compares (the folded text contains the folded query); nothing unless
// q.Viewer may read the room.
func scanRoom(app core.App, q Query, stopAfter int64) ([]string, error) {
	ids := []string{}
	var readable int
	if err := app.DB().NewQuery("SELECT count(*) FROM rooms r WHERE r.id = {:room} AND " + readableRoomSQL).
		Bind(dbx.Params{"room": q.Room, "viewer": q.Viewer}).Row(&readable); err != nil || readable == 0 {
		return ids, err
	}
	notBlocked := ""
	if q.skipBlocked {
		notBlocked = " AND m.sender NOT IN (SELECT b.blocked FROM blocks b WHERE b.user = {:viewer})"
	}
	rows, err := app.DB().NewQuery("SELECT d.message, m.message AS text FROM " + docsTable + " d" +
		" JOIN messages m ON m.id = d.message WHERE d.room = {:room}" + notBlocked + " ORDER BY d.id ASC").
		Bind(dbx.Params{"room": q.Room, "viewer": q.Viewer}).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	text := fts.Fold(q.Text)
	for int64(len(ids)) < stopAfter && rows.Next() {
		var id, message string
		if err := rows.Scan(&id, &message); err != nil {
			return nil, err
		}
		if strings.Contains(fts.Fold(message), text) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// ReadableRoomsCount is how many rooms viewer may read (by the same SQL
// filter as the search).
func ReadableRoomsCount(app core.App, viewer string) (int, error) {
	var n int
	err := app.DB().NewQuery("SELECT count(*) FROM rooms r WHERE " + readableRoomSQL).
		Bind(dbx.Params{"viewer": viewer}).Row(&n)
	return n, err
}
