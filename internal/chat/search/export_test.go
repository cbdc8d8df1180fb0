package search

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// For the tests of package search_test: the tables and columns the queries
// use, and the readable-rooms filter on its own.
var QueriedColumns = map[string][]string{
	docsTable:  {"id", "message", "room"},
	textTable:  {"doc"},
	gramsTable: {"grams"},
}

// ReadableRooms is readableRoomSQL over every room: the ids of the rooms
// viewer may read, sorted.
func ReadableRooms(app core.App, viewer string) ([]string, error) {
	ids := []string{}
	err := app.DB().NewQuery("SELECT r.id FROM rooms r WHERE " + readableRoomSQL + " ORDER BY r.id").
		Bind(dbx.Params{"viewer": viewer}).Column(&ids)
	return ids, err
}

// Plan is SQLite's query plan of MessageIds(q) and of Count(q).
func Plan(app core.App, q Query) (page, count []string, err error) {
	from, params, ok := matchSQL(q)
	if !ok {
		return nil, nil, nil
	}
	params["limit"], params["offset"], params["cap"] = q.Limit, q.Offset, 1001
	explain := func(stmt string) ([]string, error) {
		var rows []struct {
			Detail string `db:"detail"`
		}
		err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + stmt).Bind(params).All(&rows)
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.Detail
		}
		return out, err
	}
	if page, err = explain("SELECT d.message" + from + " ORDER BY f.rowid ASC LIMIT {:limit} OFFSET {:offset}"); err != nil {
		return nil, nil, err
	}
	count, err = explain("SELECT count(*) FROM (SELECT 1" + from + " LIMIT {:cap})")
	return page, count, err
}
