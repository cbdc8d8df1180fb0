package migrations

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Seeds the documented categories and names the app.
func init() {
	m.Register(func(app core.App) error {
		settings := app.Settings()
		settings.Meta.AppName = "Cobra Space"
		if err := app.Save(settings); err != nil {
			return err
		}

		categories, err := app.FindCollectionByNameOrId("categories")
		if err != nil {
			return err
		}
		for _, name := range []string{"Programming", "Ormi", "ESTsoft"} {
			if existing, _ := app.FindFirstRecordByData(categories, "name", name); existing != nil {
				continue
			}
			record := core.NewRecord(categories)
			record.Set("name", name)
			if err := app.Save(record); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		categories, err := app.FindCollectionByNameOrId("categories")
		if err != nil {
			return nil
		}
		for _, name := range []string{"Programming", "Ormi", "ESTsoft"} {
			if record, _ := app.FindFirstRecordByData(categories, "name", name); record != nil {
				// a category that posts still use goes with the collection
				// (rolled back next); deleting it here would fail.
				if used, _ := app.CountRecords(PostsId, dbx.HashExp{"category": record.Id}); used > 0 {
					continue
				}
				if err := app.Delete(record); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
