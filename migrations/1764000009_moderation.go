package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Moderation and member safety (docs/API.md, "Moderation"):
//
//   - room_moderators: who moderates a room besides its owner (the post's
//     writer for a post's room) and superusers;
//   - room_mutes, room_bans: who may not write / not read a room, until
//     when ("" = for good). A row exists only while it is in force: the
//     moderation package deletes it when it ends (a timer, and a sweep).
//     The rules test existence only — a rule cannot test "this row has not
//     ended" for one member's row without the other rows' ends leaking in;
//   - blocks: whose messages a member never sees (and who may not DM,
//     befriend or mention them: the friends create rule refuses them);
//   - reports: messages members reported, the moderators' queue;
//   - moderation_log: who did what, when and why;
//   - rooms.slow_mode_seconds; messages.deleted_by (a moderator's delete
//     says so), messages.hidden (enough reports hide it pending review).
//
// Rules: a room is readable as before and only while no ban names the
// member; its moderators are its owner (not of a DM) and those appointed;
// messages of a member one blocked, and hidden ones (but to their sender
// and the moderators), are left out of lists and live record events.
//
// Frozen: rules are spelled out in place.
func init() {
	m.Register(func(app core.App) error {
		for _, build := range []func() *core.Collection{
			roomModerators1764000009, roomSanction1764000009("room_mutes", "pbc_room_mutes"),
			roomSanction1764000009("room_bans", "pbc_room_bans"), blocks1764000009,
		} {
			if err := app.Save(build()); err != nil {
				return err
			}
		}
		if err := moderateRooms1764000009(app); err != nil {
			return err
		}
		// a member who blocked you cannot be added as your friend
		friends, err := app.FindCollectionByNameOrId("friends")
		if err != nil {
			return err
		}
		friends.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (@request.body.user:isset = false || @request.body.user = @request.auth.id) && friend != @request.auth.id && friend.blocks_via_user.blocked != @request.auth.id`)
		if err := app.Save(friends); err != nil {
			return err
		}
		if err := moderateMessages1764000009(app); err != nil {
			return err
		}
		for _, build := range []func() *core.Collection{reports1764000009, moderationLog1764000009} {
			if err := app.Save(build()); err != nil {
				return err
			}
		}
		return moderateChatCollections1764000009(app)
	}, func(app core.App) error {
		if err := deleteCollections(app, "moderation_log", "reports"); err != nil {
			return err
		}
		const roomReadable = `(room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id))`
		messages, err := app.FindCollectionByNameOrId("messages")
		if err != nil {
			return err
		}
		messages.RemoveIndex("idx_messages_room_sender_created")
		messages.Fields.RemoveByName("deleted_by")
		messages.Fields.RemoveByName("hidden")
		messages.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + roomReadable)
		messages.ViewRule = messages.ListRule
		messages.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + roomReadable + ` && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text") && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`)
		messages.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id && deleted_at = "" && ` + roomReadable + ` && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false && @request.body.parent_chat:isset = false && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`)
		messages.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id`)
		if err := app.Save(messages); err != nil {
			return err
		}
		const reactionReadable = `(message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members:each ?= @request.auth.id))`
		reactions, err := app.FindCollectionByNameOrId("message_reactions")
		if err != nil {
			return err
		}
		reactions.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + reactionReadable)
		reactions.ViewRule = reactions.ListRule
		reactions.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + reactionReadable + ` && message.deleted_at = "" && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`)
		if err := app.Save(reactions); err != nil {
			return err
		}
		versions, err := app.FindCollectionByNameOrId("message_versions")
		if err != nil {
			return err
		}
		versions.ListRule, versions.ViewRule = nil, nil
		if err := app.Save(versions); err != nil {
			return err
		}
		rooms, err := app.FindCollectionByNameOrId("rooms")
		if err != nil {
			return err
		}
		rooms.Fields.RemoveByName("slow_mode_seconds")
		rooms.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members:each ?= @request.auth.id))`)
		rooms.ViewRule = rooms.ListRule
		rooms.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && owner = @request.auth.id && dm_key = "" && @request.body.post:isset = false && @request.body.owner:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false`)
		if err := app.Save(rooms); err != nil {
			return err
		}
		friends, err := app.FindCollectionByNameOrId("friends")
		if err != nil {
			return err
		}
		friends.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (@request.body.user:isset = false || @request.body.user = @request.auth.id) && friend != @request.auth.id`)
		if err := app.Save(friends); err != nil {
			return err
		}
		return deleteCollections(app, "blocks", "room_bans", "room_mutes", "room_moderators")
	})
}

// The room conditions, by the path from a record to its room ("" for a
// room itself, "room." for a message, "message.room." for a reaction).
// Written out (not computed) in every rule below.
//
//	readable:    (P.post != "" || (P.dm_key = "" && (P.owner = @request.auth.id || P.owner.friends_via_user.friend ?= @request.auth.id)) || (P.dm_key != "" && P.members:each ?= @request.auth.id)) && P.room_bans_via_room.user != @request.auth.id
//	moderated:   (P.dm_key = "" && (P.owner = @request.auth.id || P.room_moderators_via_room.user ?= @request.auth.id))
//	not muted:   P.room_mutes_via_room.user != @request.auth.id
//
// ("x_via_room.user != id" holds when no row of the room names the member.)

func roomModerators1764000009() *core.Collection {
	c := core.NewBaseCollection("room_moderators", "pbc_room_moderators")
	c.Fields.Add(
		&core.RelationField{Name: "room", CollectionId: "pbc_rooms", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "by", CollectionId: "_pb_users_auth_", MaxSelect: 1},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_room_moderators_room_user", true, "`room`, `user`", "")
	c.AddIndex("idx_room_moderators_user", false, "`user`", "")
	// who moderates is public to those who may read the room
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id))`)
	c.ViewRule = c.ListRule
	// the room's owner appoints and removes them (not in a DM)
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && room.owner = @request.auth.id && room.dm_key = "" && user != @request.auth.id && (@request.body.by:isset = false || @request.body.by = @request.auth.id)`)
	c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && room.owner = @request.auth.id`)
	return c
}

// roomSanction1764000009 is room_mutes or room_bans: one row per room and
// member while it is in force.
func roomSanction1764000009(name, id string) func() *core.Collection {
	return func() *core.Collection {
		c := core.NewBaseCollection(name, id)
		c.Fields.Add(
			&core.RelationField{Name: "room", CollectionId: "pbc_rooms", MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.DateField{Name: "until"}, // "" = for good
			&core.TextField{Name: "reason", Max: 500},
			&core.RelationField{Name: "by", CollectionId: "_pb_users_auth_", MaxSelect: 1},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		c.AddIndex("idx_"+name+"_room_user", true, "`room`, `user`", "")
		c.AddIndex("idx_"+name+"_user", false, "`user`", "")
		c.AddIndex("idx_"+name+"_until", false, "`until`", "")
		// the member it names, and the room's moderators
		c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (user = @request.auth.id || (room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id)))`)
		c.ViewRule = c.ListRule
		// the room's moderators, never on themselves (so never lifted by the one it names)
		c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id) && user != @request.auth.id && (@request.body.by:isset = false || @request.body.by = @request.auth.id)`)
		c.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id) && user != @request.auth.id && @request.body.room:isset = false && @request.body.user:isset = false && (@request.body.by:isset = false || @request.body.by = @request.auth.id)`)
		c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id) && user != @request.auth.id`)
		return c
	}
}

func blocks1764000009() *core.Collection {
	c := core.NewBaseCollection("blocks", "pbc_blocks")
	c.Fields.Add(
		&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "blocked", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_blocks_user_blocked", true, "`user`, `blocked`", "")
	c.AddIndex("idx_blocks_blocked", false, "`blocked`", "")
	// one's own list only: the blocked member is never told
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && user = @request.auth.id`)
	c.ViewRule = c.ListRule
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (@request.body.user:isset = false || @request.body.user = @request.auth.id) && blocked != @request.auth.id`)
	c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && user = @request.auth.id`)
	return c
}

func moderateRooms1764000009(app core.App) error {
	rooms, err := app.FindCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	zero, hour := 0.0, 3600.0
	rooms.Fields.Add(&core.NumberField{Name: "slow_mode_seconds", OnlyInt: true, Min: &zero, Max: &hour})
	rooms.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members:each ?= @request.auth.id)) && room_bans_via_room.user != @request.auth.id`)
	rooms.ViewRule = rooms.ListRule
	// the owner changes the room; its moderators only its slow mode
	rooms.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && dm_key = "" && (owner = @request.auth.id || (room_moderators_via_room.user ?= @request.auth.id && @request.body.name:isset = false)) && @request.body.post:isset = false && @request.body.owner:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false`)
	return app.Save(rooms)
}

func moderateMessages1764000009(app core.App) error {
	messages, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	messages.Fields.Add(
		&core.RelationField{Name: "deleted_by", CollectionId: "_pb_users_auth_", MaxSelect: 1},
		&core.BoolField{Name: "hidden"},
	)
	messages.AddIndex("idx_messages_room_sender_created", false, "`room`, `sender`, `created`", "")
	const readable = `(room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id)) && room.room_bans_via_room.user != @request.auth.id`
	const moderated = `(room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id))`
	const notMuted = `room.room_mutes_via_room.user != @request.auth.id`
	messages.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable + ` && sender.blocks_via_blocked.user != @request.auth.id && (hidden = false || sender = @request.auth.id || ` + moderated + `)`)
	messages.ViewRule = messages.ListRule
	messages.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable + ` && ` + notMuted + ` && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text") && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false && @request.body.deleted_by:isset = false && @request.body.hidden:isset = false`)
	messages.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id && deleted_at = "" && ` + readable + ` && ` + notMuted + ` && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false && @request.body.parent_chat:isset = false && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false && @request.body.deleted_by:isset = false && @request.body.hidden:isset = false`)
	// the sender, or the room's moderators (a soft delete either way)
	messages.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (sender = @request.auth.id || ` + moderated + `)`)
	return app.Save(messages)
}

func moderateChatCollections1764000009(app core.App) error {
	const readable = `(message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members:each ?= @request.auth.id)) && message.room.room_bans_via_room.user != @request.auth.id`
	reactions, err := app.FindCollectionByNameOrId("message_reactions")
	if err != nil {
		return err
	}
	reactions.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable)
	reactions.ViewRule = reactions.ListRule
	reactions.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + readable + ` && message.room.room_mutes_via_room.user != @request.auth.id && message.deleted_at = "" && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`)
	if err := app.Save(reactions); err != nil {
		return err
	}
	// moderators see a message's previous versions
	versions, err := app.FindCollectionByNameOrId("message_versions")
	if err != nil {
		return err
	}
	versions.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.room_moderators_via_room.user ?= @request.auth.id)`)
	versions.ViewRule = versions.ListRule
	return app.Save(versions)
}

func reports1764000009() *core.Collection {
	c := core.NewBaseCollection("reports", "pbc_reports")
	c.Fields.Add(
		&core.RelationField{Name: "message", CollectionId: "pbc_messages", MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "reporter", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
		// the message's room, filled in by a hook (the moderators' queue is per room)
		&core.RelationField{Name: "room", CollectionId: "pbc_rooms", MaxSelect: 1, CascadeDelete: true},
		&core.TextField{Name: "reason", Required: true, Max: 500},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"open", "dismissed", "actioned"}},
		&core.RelationField{Name: "resolved_by", CollectionId: "_pb_users_auth_", MaxSelect: 1},
		&core.TextField{Name: "resolution", Max: 500},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_reports_message_reporter", true, "`message`, `reporter`", "")
	c.AddIndex("idx_reports_room_status", false, "`room`, `status`, `created`", "")
	c.AddIndex("idx_reports_status", false, "`status`, `created`", "")
	const moderated = `(room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id))`
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (reporter = @request.auth.id || ` + moderated + `)`)
	c.ViewRule = c.ListRule
	// members who may read the message report it, once
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members:each ?= @request.auth.id)) && message.room.room_bans_via_room.user != @request.auth.id && (@request.body.reporter:isset = false || @request.body.reporter = @request.auth.id) && @request.body.room:isset = false && @request.body.status:isset = false && @request.body.resolved_by:isset = false && @request.body.resolution:isset = false`)
	// moderators work the queue (resolving through the route also acts)
	c.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && ` + moderated + ` && @request.body.message:isset = false && @request.body.reporter:isset = false && @request.body.room:isset = false && @request.body.reason:isset = false`)
	return c
}

func moderationLog1764000009() *core.Collection {
	c := core.NewBaseCollection("moderation_log", "pbc_moderation_log")
	c.Fields.Add(
		&core.RelationField{Name: "room", CollectionId: "pbc_rooms", MaxSelect: 1, CascadeDelete: true},
		&core.RelationField{Name: "actor", CollectionId: "_pb_users_auth_", MaxSelect: 1},
		&core.SelectField{Name: "action", MaxSelect: 1, Required: true, Values: []string{
			"appoint", "dismiss_moderator", "mute", "unmute", "kick", "ban", "unban",
			"delete_message", "slow_mode", "resolve_report", "hide_message",
		}},
		&core.RelationField{Name: "target", CollectionId: "_pb_users_auth_", MaxSelect: 1},
		&core.RelationField{Name: "message", CollectionId: "pbc_messages", MaxSelect: 1},
		&core.TextField{Name: "reason", Max: 500},
		&core.JSONField{Name: "detail", MaxSize: 2000}, // e.g. {"minutes": 60}, {"seconds": 30}, {"report": "<id>", "action": "ban"}
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_moderation_log_room_created", false, "`room`, `created`", "")
	// the room's moderators read it; hooks write it
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id)`)
	c.ViewRule = c.ListRule
	return c
}
