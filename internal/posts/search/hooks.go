package search

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
)

// Register binds the hooks that keep the index up to date to app, whichever
// API changes the data: a post's document is written, rewritten and
// removed with it, and the documents of a renamed category's or tag's
// posts are rewritten, each in the transaction of the change. (A deleted
// tag is removed from its posts by PocketBase through post updates, which
// reindex them.)
func Register(app core.App) {
	app.OnRecordCreate("posts").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return index(e.App, e.Record)
		})
	})
	// An update of a post deleted meanwhile fails before it gets here
	// (hooks' vanished-row check); should one slip through, index refuses
	// it (ErrPostGone) instead of writing a document for no post.
	app.OnRecordUpdate("posts").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return index(e.App, e.Record)
		})
	})
	app.OnRecordDelete("posts").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return remove(e.App, e.Record.Id)
		})
	})

	reindexOnRename := func(collection string, reindex func(core.App, string) error) {
		app.OnRecordUpdate(collection).BindFunc(func(e *core.RecordEvent) error {
			renamed := e.Record.Original().GetString("name") != e.Record.GetString("name")
			if !renamed {
				return e.Next()
			}
			return hooks.InTransaction(e, func(e *core.RecordEvent) error {
				if err := e.Next(); err != nil {
					return err
				}
				return reindex(e.App, e.Record.Id)
			})
		})
	}
	reindexOnRename("categories", reindexCategory)
	reindexOnRename("tags", reindexTag)
}
