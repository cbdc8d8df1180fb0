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
