package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// "@nickname" mentions look members up by nickname, ignoring (ASCII) case:
// an index on `nickname` COLLATE NOCASE keeps that lookup indexed.
//
// Frozen: it spells out what it does.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.AddIndex("idx_users_nickname_nocase", false, "`nickname` COLLATE NOCASE", "")
		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.RemoveIndex("idx_users_nickname_nocase")
		return app.Save(users)
	})
}
