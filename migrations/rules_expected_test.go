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
	RuleFriendsCreate = RuleSignedIn + ` && (@request.body.user:isset = false || @request.body.user = @request.auth.id) && friend != @request.auth.id`

	// Posts are public to read; the writer is taken from the auth by a hook,
	// and the view counter is only changed by the server.
	RulePostCreate = RuleSignedIn + ` && (@request.body.writer:isset = false || @request.body.writer = @request.auth.id) && @request.body.hit:isset = false`
	RulePostUpdate = RuleSignedIn + ` && writer = @request.auth.id && (@request.body.writer:isset = false || @request.body.writer = @request.auth.id) && @request.body.hit:isset = false`
	RulePostDelete = RuleSignedIn + ` && writer = @request.auth.id`

	// A post's room is open to every member; a direct-message room to its
	// two members; any other room to its owner and to the people on the
	// owner's friends list.
	RuleRoomReadable = RuleSignedIn + ` && (post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members:each ?= @request.auth.id))`
	RuleRoomCreate   = RuleSignedIn + ` && @request.body.post:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`
	RuleRoomUpdate   = RuleSignedIn + ` && owner = @request.auth.id && dm_key = "" && @request.body.post:isset = false && @request.body.owner:isset = false && @request.body.dm_key:isset = false && @request.body.members:isset = false`
	RuleRoomDelete   = RuleSignedIn + ` && owner = @request.auth.id && post = "" && dm_key = ""`

	roomOfMessageReadable = `(room.post != "" || (room.dm_key = "" && (room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)) || (room.dm_key != "" && room.members:each ?= @request.auth.id))`
	RuleMessageReadable   = RuleSignedIn + ` && ` + roomOfMessageReadable
	RuleMessageCreate     = RuleMessageReadable + ` && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text") && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`
	RuleMessageUpdate     = RuleSignedIn + ` && sender = @request.auth.id && deleted_at = "" && ` + roomOfMessageReadable + ` && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false && @request.body.parent_chat:isset = false && @request.body.seq:isset = false && @request.body.edited_at:isset = false && @request.body.deleted_at:isset = false`
	RuleMessageDelete     = RuleSignedIn + ` && sender = @request.auth.id`

	reactionRoomReadable = `(message.room.post != "" || (message.room.dm_key = "" && (message.room.owner = @request.auth.id || message.room.owner.friends_via_user.friend ?= @request.auth.id)) || (message.room.dm_key != "" && message.room.members:each ?= @request.auth.id))`
	RuleReactionReadable = RuleSignedIn + ` && ` + reactionRoomReadable
	RuleReactionCreate   = RuleReactionReadable + ` && message.deleted_at = "" && (@request.body.user:isset = false || @request.body.user = @request.auth.id)`
	RuleReactionDelete   = RuleSignedIn + ` && user = @request.auth.id`

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
