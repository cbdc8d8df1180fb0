package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Chat as members of every modern community expect it (see docs/API.md,
// "Chat product"):
//
//   - messages: edited_at, deleted_at (a soft delete empties "message"),
//     seq (1, 2, 3... per room, in commit order: read markers and unread
//     counts are numbers, not scans), mentions (who the message names);
//     "message" is no longer required by the schema (a deleted message has
//     none), the message hooks refuse a blank one that is not deleted;
//   - rooms: dm_key and members, for the one direct-message room of a
//     pair of members (readable by those two only);
//   - message_versions: each replaced or deleted text (superusers; the
//     moderation issue shows them to moderators);
//   - message_reactions: one row per member, message and emoji;
//   - room_follows: who follows which room and how far they have read;
//   - notifications: mentions, replies, new friends, direct messages.
//
// Every rule that reads a room now knows DM rooms: a room is readable when
// it has a post, or it is not a DM and its owner (or a friend of the owner)
// asks, or it is a DM and one of its two members asks. ("members:each ?="
// compares each member id; a plain "members ?=" would compare the stored
// JSON list as a whole and match nobody.)
//
// Frozen: rules are spelled out in place.
func init() {
	m.Register(func(app core.App) error {
		if err := extendRooms1764000006(app); err != nil {
			return err
		}
		if err := extendMessages1764000006(app); err != nil {
			return err
		}
		for _, build := range []func() *core.Collection{
			messageVersions1764000006, messageReactions1764000006, roomFollows1764000006, notifications1764000006,
		} {
			if err := app.Save(build()); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		if err := deleteCollections(app, "notifications", "room_follows", "message_reactions", "message_versions"); err != nil {
			return err
		}
		messages, err := app.FindCollectionByNameOrId("messages")
		if err != nil {
			return err
		}
		messages.RemoveIndex("idx_messages_room_seq")
		for _, f := range []string{"edited_at", "deleted_at", "seq", "mentions"} {
			messages.Fields.RemoveByName(f)
		}
		messages.Fields.GetByName("message").(*core.TextField).Required = true
		messages.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (room.post != "" || room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)`)
		messages.ViewRule = messages.ListRule
		messages.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (room.post != "" || room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id) && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text")`)
		messages.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false`)
		if err := app.Save(messages); err != nil {
			return err
		}
		rooms, err := app.FindCollectionByNameOrId("rooms")
		if err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("DELETE FROM rooms WHERE dm_key != ''").Execute(); err != nil {
			return err
		}
		rooms.RemoveIndex("idx_rooms_dm_key")
		rooms.Fields.RemoveByName("dm_key")
		rooms.Fields.RemoveByName("members")
		rooms.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (post != "" || owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)`)
		rooms.ViewRule = rooms.ListRule
		rooms.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && @request.body.post:isset = false && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`)
		rooms.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && owner = @request.auth.id && @request.body.post:isset = false && @request.body.owner:isset = false`)
		rooms.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && owner = @request.auth.id && post = ""`)
		return app.Save(rooms)
	})
}

func extendRooms1764000006(app core.App) error {
	rooms, err := app.FindCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	rooms.Fields.Add(
		// "<smaller member id>:<larger member id>" on a DM room, else ""
		&core.TextField{Name: "dm_key", Max: 40},
		&core.RelationField{Name: "members", CollectionId: "_pb_users_auth_", MaxSelect: 2},
	)
	rooms.AddIndex("idx_rooms_dm_key", true, "`dm_key`", "`dm_key` != ''")
	rooms.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members:each ?= @request.auth.id))`)
	rooms.ViewRule = rooms.ListRule
	rooms.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && @request.body.post:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`)
	rooms.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && owner = @request.auth.id && dm_key = "" && @request.body.post:isset = false && @request.body.owner:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false`)
	rooms.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && owner = @request.auth.id && post = "" && dm_key = ""`)
	return app.Save(rooms)
}

func extendMessages1764000006(app core.App) error {
	messages, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	zero := 0.0
	messages.Fields.GetByName("message").(*core.TextField).Required = false
	messages.Fields.Add(
		&core.DateField{Name: "edited_at"},
		&core.DateField{Name: "deleted_at"},
		&core.NumberField{Name: "seq", OnlyInt: true, Min: &zero},
		&core.RelationField{Name: "mentions", CollectionId: "_pb_users_auth_", MaxSelect: 20},
	)
	const readable = `(room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id))`
	messages.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable)
	messages.ViewRule = messages.ListRule
	messages.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable + ` && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text") && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`)
	messages.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id && deleted_at = "" && ` + readable + ` && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false && @request.body.parent_chat:isset = false && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`)
	messages.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id`)
	if err := app.Save(messages); err != nil {
		return err
	}
	// number the existing messages of each room in creation order, then
	// make the numbers unique per room
	if _, err := app.DB().NewQuery(`UPDATE messages SET seq = numbered.n FROM (
		SELECT id, row_number() OVER (PARTITION BY room ORDER BY created, id) AS n FROM messages
	) AS numbered WHERE messages.id = numbered.id`).Execute(); err != nil {
		return err
	}
	messages.AddIndex("idx_messages_room_seq", true, "`room`, `seq`", "")
	return app.Save(messages)
}

func messageVersions1764000006() *core.Collection {
	c := core.NewBaseCollection("message_versions", "pbc_message_versions")
	c.Fields.Add(
		&core.RelationField{Name: "message", CollectionId: "pbc_messages", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.TextField{Name: "text", Max: 2000},
		&core.RelationField{Name: "editor", CollectionId: "_pb_users_auth_", MaxSelect: 1},
		&core.SelectField{Name: "change", MaxSelect: 1, Required: true, Values: []string{"edit", "delete"}},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_message_versions_message", false, "`message`, `created`", "")
	// no rules: superusers only
	return c
}

func messageReactions1764000006() *core.Collection {
	const readable = `(message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members:each ?= @request.auth.id))`
	c := core.NewBaseCollection("message_reactions", "pbc_message_reactions")
	c.Fields.Add(
		&core.RelationField{Name: "message", CollectionId: "pbc_messages", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.TextField{Name: "emoji", Required: true, Max: 32},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_message_reactions_unique", true, "`message`, `user`, `emoji`", "")
	c.AddIndex("idx_message_reactions_message", false, "`message`, `emoji`", "")
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable)
	c.ViewRule = c.ListRule
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable + ` && message.deleted_at = "" && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`)
	c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && user = @request.auth.id`)
	return c
}

func roomFollows1764000006() *core.Collection {
	zero := 0.0
	c := core.NewBaseCollection("room_follows", "pbc_room_follows")
	c.Fields.Add(
		&core.RelationField{Name: "room", CollectionId: "pbc_rooms", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.BoolField{Name: "following"},
		// the seq of the last message the member has read
		&core.NumberField{Name: "read_seq", OnlyInt: true, Min: &zero},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_room_follows_user_room", true, "`user`, `room`", "")
	c.AddIndex("idx_room_follows_room", false, "`room`, `following`", "")
	// members read their own; they change them through /api/chat/room/<id>/follow|read/
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && user = @request.auth.id`)
	c.ViewRule = c.ListRule
	return c
}

func notifications1764000006() *core.Collection {
	c := core.NewBaseCollection("notifications", "pbc_notifications")
	c.Fields.Add(
		&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.SelectField{Name: "kind", MaxSelect: 1, Required: true, Values: []string{"mention", "reply", "friend", "dm"}},
		&core.RelationField{Name: "actor", CollectionId: "_pb_users_auth_", MaxSelect: 1, CascadeDelete: true},
		&core.RelationField{Name: "room", CollectionId: "pbc_rooms", MaxSelect: 1, CascadeDelete: true},
		&core.RelationField{Name: "message", CollectionId: "pbc_messages", MaxSelect: 1, CascadeDelete: true},
		&core.BoolField{Name: "read"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_notifications_user_created", false, "`user`, `created`", "")
	c.AddIndex("idx_notifications_user_read", false, "`user`, `read`", "")
	c.AddIndex("idx_notifications_message", false, "`message`", "")
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && user = @request.auth.id`)
	c.ViewRule = c.ListRule
	c.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && user = @request.auth.id && @request.body.user:isset = false && @request.body.kind:isset = false && @request.body.actor:isset = false && @request.body.room:isset = false && @request.body.message:isset = false`)
	c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && user = @request.auth.id`)
	return c
}
