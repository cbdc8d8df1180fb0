package api

import (
	"github.com/pocketbase/pocketbase/core"
)

// TextMax is the most characters a text field of a collection takes, read
// from the stored schema (the migrations set it; an admin may change it in
// the dashboard), so routes and their messages follow the database rather
// than a copy of its numbers. 0 when the field is unknown or unlimited.
func TextMax(app core.App, collection, field string) int {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return 0
	}
	if f, ok := c.Fields.GetByName(field).(*core.TextField); ok {
		return f.Max
	}
	return 0
}
