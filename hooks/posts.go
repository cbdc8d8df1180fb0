package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// bindPostHooks keeps a post's chat room consistent with it, in the
// transaction that changes the post (whichever API changed it): the room is
// created with it, follows its title and is deleted with it (rooms.post
// cascades, and messages with the room). An update of a post deleted
// meanwhile fails (ErrGone) instead of writing anything for it. (The
// post's search document is kept by internal/posts/search's own hooks.)
func bindPostHooks(app core.App) {
	bindUpdateMustFindRow(app, "posts")
	app.OnRecordCreate("posts").BindFunc(func(e *core.RecordEvent) error {
		return InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return createPostRoom(e.App, e.Record)
		})
	})
	app.OnRecordUpdate("posts").BindFunc(func(e *core.RecordEvent) error {
		return InTransaction(e, func(e *core.RecordEvent) error {
			titleChanged := e.Record.Original().GetString("title") != e.Record.GetString("title")
			if err := e.Next(); err != nil {
				return err
			}
			if titleChanged {
				return renamePostRoom(e.App, e.Record)
			}
			return nil
		})
	})
}

// InTransaction runs fn with e.App inside a transaction, reusing the
// caller's transaction when there is one (for record hooks of every area:
// the search index uses it too).
func InTransaction(e *core.RecordEvent, fn func(e *core.RecordEvent) error) error {
	if e.App.IsTransactional() {
		return fn(e)
	}
	return e.App.RunInTransaction(func(tx core.App) error {
		original := e.App
		e.App = tx
		defer func() { e.App = original }()
		return fn(e)
	})
}

// roomName is a post's title cut to rooms.name's limit (stored schema).
func roomName(app core.App, title string) string {
	return cutRunes(title, api.TextMax(app, "rooms", "name"))
}

func createPostRoom(app core.App, post *core.Record) error {
	rooms, err := app.FindCachedCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	room := core.NewRecord(rooms)
	room.Set("name", roomName(app, post.GetString("title")))
	room.Set("owner", post.GetString("writer"))
	room.Set("post", post.Id)
	return app.Save(room)
}

func renamePostRoom(app core.App, post *core.Record) error {
	room, err := app.FindFirstRecordByData("rooms", "post", post.Id)
	if err != nil {
		return createPostRoom(app, post) // a room lost to an admin's delete comes back
	}
	room.Set("name", roomName(app, post.GetString("title")))
	return app.Save(room)
}
