package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"github.com/cobraspace/cobraspace/internal/posts/search"
)

// The post search index (see internal/posts/search), built for the posts
// that already exist.
func init() {
	m.Register(func(app core.App) error {
		for _, ddl := range search.Schema {
			if _, err := app.DB().NewQuery(ddl).Execute(); err != nil {
				return err
			}
		}
		return search.ReindexAll(app, nil)
	}, func(app core.App) error {
		for _, ddl := range search.DropSchema {
			if _, err := app.DB().NewQuery(ddl).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
