package migrations

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// DM rooms readable by their two members, as 1764000006 meant them to be.
//
// 1764000006 wrote the DM condition as `members ?= @request.auth.id`
// (`room.members ?= ...`, `message.room.members ?= ...`). On a multiple
// relation that is the last part of a path, PocketBase compares the whole
// stored JSON array (`["<id>","<id>"]`) with the id, so it never holds:
// nobody could read a DM on any API. `members:each ?= @request.auth.id`
// matches any one of the members. Only that condition changes, in the
// rules of rooms, messages and message_reactions that carry it.
//
// Frozen: rules are spelled out in place.
func init() {
	const (
		broken = ` ?= @request.auth.id))`
		fixed  = `:each ?= @request.auth.id))`
	)
	conditions := map[string]string{
		"rooms":             `members`,
		"messages":          `room.members`,
		"message_reactions": `message.room.members`,
	}
	rewrite := func(app core.App, from, to string) error {
		for name, path := range conditions {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			for _, rule := range []*string{c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule} {
				if rule != nil {
					*rule = strings.ReplaceAll(*rule, `dm_key != "" && `+path+from, `dm_key != "" && `+path+to)
				}
			}
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}
	m.Register(func(app core.App) error {
		return rewrite(app, broken, fixed)
	}, func(app core.App) error {
		return rewrite(app, fixed, broken)
	})
}
