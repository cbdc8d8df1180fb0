package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// DM rooms readable by their two members, as 1764000006 meant them to be.
//
// 1764000006 wrote the DM condition as `members ?= @request.auth.id`
// (`room.members ?= ...`, `message.room.members ?= ...`). On a multiple
// relation that ends a path, PocketBase compares the whole stored JSON
// array (`["<id>","<id>"]`) with the id, so it never held: nobody could
// read a DM on any API. `members:each ?= @request.auth.id` matches any
// one of the members. Only that condition changes, in every rule of rooms,
// messages and message_reactions that carries it.
//
// Frozen: rules are spelled out in place.
func init() {
	m.Register(func(app core.App) error {
		return setDMRules1764000007(app,
			`(post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members:each ?= @request.auth.id))`,
			`(room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id))`,
			`(message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members:each ?= @request.auth.id))`,
		)
	}, func(app core.App) error {
		return setDMRules1764000007(app,
			`(post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members ?= @request.auth.id))`,
			`(room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members ?= @request.auth.id))`,
			`(message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members ?= @request.auth.id))`,
		)
	})
}

// setDMRules1764000007 stores the rules of 1764000006 that read a room,
// with the given readable conditions of a room, a message's room and a
// reaction's message's room.
func setDMRules1764000007(app core.App, room, messageRoom, reactionRoom string) error {
	const signedIn = `@request.auth.id != "" && @request.auth.collectionName = "users" && `

	rooms, err := app.FindCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	rooms.ListRule = types.Pointer(signedIn + room)
	rooms.ViewRule = rooms.ListRule
	if err := app.Save(rooms); err != nil {
		return err
	}

	messages, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	messages.ListRule = types.Pointer(signedIn + messageRoom)
	messages.ViewRule = messages.ListRule
	messages.CreateRule = types.Pointer(signedIn + messageRoom + ` && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text") && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`)
	messages.UpdateRule = types.Pointer(signedIn + `sender = @request.auth.id && deleted_at = "" && ` + messageRoom + ` && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false && @request.body.parent_chat:isset = false && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`)
	if err := app.Save(messages); err != nil {
		return err
	}

	reactions, err := app.FindCollectionByNameOrId("message_reactions")
	if err != nil {
		return err
	}
	reactions.ListRule = types.Pointer(signedIn + reactionRoom)
	reactions.ViewRule = reactions.ListRule
	reactions.CreateRule = types.Pointer(signedIn + reactionRoom + ` && message.deleted_at = "" && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`)
	return app.Save(reactions)
}
