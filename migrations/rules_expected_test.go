// The API rules and field limits the migrations leave in the schema,
// written once more as the tests' expectations: the migrations themselves
// hold them as literals (a frozen migration never changes with a constant),
// and the routes read them from the stored schema. docs/API.md lists them.
package migrations

// Rule expressions shared by collections and referenced by the routes.
const (
	RuleSignedIn = `@request.auth.id != "" && @request.auth.collectionName = "users"`

	// A user record is visible to its owner, to every member when public,
	// and to the people on its friends list when private.
	RuleUserVisible = RuleSignedIn + ` && (id = @request.auth.id || is_private = false || friends_via_user.friend ?= @request.auth.id)`
	RuleUserSelf    = `id = @request.auth.id`

	RuleFriendsOwn    = `user = @request.auth.id`
	RuleFriendsCreate = RuleSignedIn + ` && (@request.body.user:isset = false || @request.body.user = @request.auth.id) && friend != @request.auth.id && friend.blocks_via_user.blocked != @request.auth.id`

	// Posts are public to read; the writer is taken from the auth by a hook,
	// and the view counter is only changed by the server.
	RulePostCreate = RuleSignedIn + ` && (@request.body.writer:isset = false || @request.body.writer = @request.auth.id) && @request.body.hit:isset = false`
	RulePostUpdate = RuleSignedIn + ` && writer = @request.auth.id && (@request.body.writer:isset = false || @request.body.writer = @request.auth.id) && @request.body.hit:isset = false`
	RulePostDelete = RuleSignedIn + ` && writer = @request.auth.id`

	// A post's room is open to every member; a direct-message room to its
	// two members; any other room to its owner and to the people on the
	// owner's friends list — each only while no ban names the member.
	RuleRoomReadable = RuleSignedIn + ` && ` + roomReadable
	RuleRoomCreate   = RuleSignedIn + ` && @request.body.post:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`
	RuleRoomUpdate   = RuleSignedIn + ` && dm_key = "" && (owner = @request.auth.id || (room_moderators_via_room.user ?= @request.auth.id && @request.body.name:isset = false)) && @request.body.post:isset = false && @request.body.owner:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false`
	RuleRoomDelete   = RuleSignedIn + ` && owner = @request.auth.id && post = "" && dm_key = ""`

	roomReadable = `(post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members:each ?= @request.auth.id)) && room_bans_via_room.user != @request.auth.id`

	roomOfMessageReadable  = `(room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id)) && room.room_bans_via_room.user != @request.auth.id`
	roomOfMessageModerated = `(room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id))`
	RuleMessageReadable    = RuleSignedIn + ` && ` + roomOfMessageReadable + ` && sender.blocks_via_blocked.user != @request.auth.id && (hidden = false || sender = @request.auth.id || ` + roomOfMessageModerated + `)`
	RuleMessageCreate      = RuleSignedIn + ` && ` + roomOfMessageReadable + ` && room.room_mutes_via_room.user != @request.auth.id && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text") && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false && @request.body.deleted_by:isset = false && @request.body.hidden:isset = false`
	RuleMessageUpdate      = RuleSignedIn + ` && sender = @request.auth.id && deleted_at = "" && ` + roomOfMessageReadable + ` && room.room_mutes_via_room.user != @request.auth.id && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false && @request.body.parent_chat:isset = false && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false && @request.body.deleted_by:isset = false && @request.body.hidden:isset = false`
	RuleMessageDelete      = RuleSignedIn + ` && (sender = @request.auth.id || ` + roomOfMessageModerated + `)`

	reactionRoomReadable = `(message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members:each ?= @request.auth.id)) && message.room.room_bans_via_room.user != @request.auth.id`
	RuleReactionReadable = RuleSignedIn + ` && ` + reactionRoomReadable
	RuleReactionCreate   = RuleReactionReadable + ` && message.room.room_mutes_via_room.user != @request.auth.id && message.deleted_at = "" && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`
	RuleReactionDelete   = RuleSignedIn + ` && user = @request.auth.id`
	RuleVersionReadable  = RuleSignedIn + ` && message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.room_moderators_via_room.user ?= @request.auth.id)`

	// Moderation: moderators are appointed by the room's owner; mutes and
	// bans are set by the room's moderators, never on themselves, and read
	// by them and the member they name.
	RuleModeratorsReadable = RuleSignedIn + ` && (room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id))`
	RuleModeratorCreate    = RuleSignedIn + ` && room.owner = @request.auth.id && room.dm_key = "" && user != @request.auth.id && (@request.body.by:isset = false || @request.body.by = @request.auth.id)`
	RuleModeratorDelete    = RuleSignedIn + ` && room.owner = @request.auth.id`
	roomModerated          = `room.dm_key = "" && (room.owner = @request.auth.id || room.room_moderators_via_room.user ?= @request.auth.id)`
	RuleSanctionReadable   = RuleSignedIn + ` && (user = @request.auth.id || (` + roomModerated + `))`
	RuleSanctionCreate     = RuleSignedIn + ` && ` + roomModerated + ` && user != @request.auth.id && (@request.body.by:isset = false || @request.body.by = @request.auth.id)`
	RuleSanctionUpdate     = RuleSignedIn + ` && ` + roomModerated + ` && user != @request.auth.id && @request.body.room:isset = false && @request.body.user:isset = false && (@request.body.by:isset = false || @request.body.by = @request.auth.id)`
	RuleSanctionDelete     = RuleSignedIn + ` && ` + roomModerated + ` && user != @request.auth.id`
	RuleBlockCreate        = RuleSignedIn + ` && (@request.body.user:isset = false || @request.body.user = @request.auth.id) && blocked != @request.auth.id`
	RuleReportReadable     = RuleSignedIn + ` && (reporter = @request.auth.id || (` + roomModerated + `))`
	RuleReportCreate       = RuleSignedIn + ` && ` + reactionRoomReadable + ` && (@request.body.reporter:isset = false || @request.body.reporter = @request.auth.id) && @request.body.room:isset = false && @request.body.status:isset = false && @request.body.resolved_by:isset = false && @request.body.resolution:isset = false`
	RuleReportUpdate       = RuleSignedIn + ` && (` + roomModerated + `) && @request.body.message:isset = false && @request.body.reporter:isset = false && @request.body.room:isset = false && @request.body.reason:isset = false`
	RuleLogReadable        = RuleSignedIn + ` && ` + roomModerated

	RuleOwnRows          = RuleSignedIn + ` && user = @request.auth.id`
	RuleNotificationEdit = RuleOwnRows + ` && @request.body.user:isset = false && @request.body.kind:isset = false && @request.body.actor:isset = false && @request.body.room:isset = false && @request.body.message:isset = false`

	RuleTagCreate = RuleSignedIn
)

// Field limits, shared with the routes' validation messages.
const (
	NicknameMax      = 20
	BioMax           = 500
	ContactNumberMax = 15
	CategoryNameMax  = 45
	TagNameMax       = 30
	PostTitleMax     = 200
	PostContentMax   = 50000
	RoomNameMax      = 100
	MessageMax       = 2000
	PictureMaxBytes  = 5 << 20
)

// Values of users.status.
var UserStatuses = []string{"available", "away", "busy"}

// SeedCategories are created by the seed migration.
var SeedCategories = []string{"Programming", "Ormi", "ESTsoft"}
