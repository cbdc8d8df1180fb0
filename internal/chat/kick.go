package chat

import (
	"github.com/coder/websocket"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Moderation's live effects on one member in one room (the actions
// themselves are internal/moderation's).

// refusedBanned is the refusal of a member an active ban keeps out of the
// room (room_bans): at admission and when access is checked again.
var refusedBanned = refusal{CloseBanned, "banned from this room"}

// Banned reports whether a room_bans row (one exists only while the ban is
// in force) names userId in roomId.
func Banned(app core.App, roomId, userId string) bool {
	var n int
	err := app.DB().NewQuery("SELECT COUNT(*) FROM room_bans WHERE room = {:room} AND user = {:user}").
		Bind(dbx.Params{"room": roomId, "user": userId}).Row(&n)
	return err == nil && n > 0
}

// unreadable is why member may not read room, which they may not: a ban
// (4009), otherwise the rooms rule (4003).
func unreadable(app core.App, room, member *core.Record) refusal {
	if member != nil && Banned(app, room.Id, member.Id) {
		return refusedBanned
	}
	return refusedForbidden
}

// EndConnections closes every live connection of userId to roomId now, on
// every transport: a room WebSocket closes with code and reason, a room
// topic gets an access_revoked frame with them and is removed. It does not
// keep the member out: they may connect again (a kick). It returns how many
// connections it ended.
func EndConnections(app core.App, roomId, userId string, code websocket.StatusCode, reason string) int {
	return HubOf(app).endConnections(roomId, userId, int(code), reason)
}

// KickReason is the close reason of a kicked member's connections.
const KickReason = "kicked by a moderator"

// Kick closes userId's connections to roomId with CloseKicked.
func Kick(app core.App, roomId, userId string) int {
	return EndConnections(app, roomId, userId, CloseKicked, KickReason)
}

// TypeModeration is the type of the room's moderation frames
// ({"type": "chat.moderation", "action": ...}).
const TypeModeration = "chat.moderation"

// SendToMemberInRoom hands frame, without blocking, to userId's listeners
// in roomId only (a listener that cannot take it is dropped, as the hub
// does).
func SendToMemberInRoom(app core.App, roomId, userId string, frame []byte) {
	HubOf(app).SendToMember(roomId, userId, frame)
}

// PublishToRoom hands frame to every listener of roomId.
func PublishToRoom(app core.App, roomId string, frame []byte) {
	HubOf(app).Publish(roomId, frame)
}
