// Package chat holds the chat rooms and messages: their JSON shapes,
// history, presence, the live transports and the hooks that keep them up
// to date. Register binds all of it.
//
// Where to find what:
//
//   - hub.go, listener.go: the in-memory fan-out of encoded frames to the
//     listeners (one per connection and room) of a room; stats.go: what
//     the hub tells the operators' metrics (internal/metrics);
//   - websocket.go: the room WebSocket transport (/ws/chat/{room}/chat/);
//   - topic.go, topic_refusals.go: the per-room realtime topics
//     ("chat/<room id>") on PocketBase's SSE; sse_client.go: the SSE
//     client wrapper those rely on;
//   - presence.go: join/leave (debounced notices), who is online;
//   - frames.go: the live events' JSON; publish.go: a committed message
//     goes live;
//   - access.go, revocation.go: who may be in a room, and ending live
//     access when what it relied on ends;
//   - moderation.go, kick.go: what chat knows of moderation (who
//     moderates, the muted and slow mode refusals; a ban's 4009, ending a
//     member's connections to a room, frames for one member in a room) —
//     the actions are internal/moderation's;
//   - limit_send.go, limit_connections.go, limit_room_create.go: the
//     per-member limits;
//   - routes.go, rooms.go, messages.go, send.go: the /api/chat REST
//     routes, the room and message objects, storing a message;
//   - blocks.go: members' blocks in the live fan-out and the history;
//     hidden.go: messages hidden by reports, live.
//   - moderation.go: who moderates a room, the muted and slow mode
//     refusals; room_settings.go: PATCH of a room (slow mode, name), its
//     moderators in the room answer; slow_mode.go: the slow mode check of
//     every send; moderator_delete.go: a moderator's delete of a message
//     (logged); history.go: a message's previous versions.
package chat

import (
	"github.com/pocketbase/pocketbase/core"
)

// Register binds the chat's routes, transports and hooks to app.
func Register(app core.App) {
	bindPublishHooks(app)
	bindSendLimit(app)
	bindGroupCommit(app)
	bindTopicHooks(app)
	bindSSEClients(app)
	bindRevocationHooks(app)
	bindRoomCreateLimit(app)
	bindRoutes(app)
	bindEditRoutes(app)
	bindReactionRoutes(app)
	bindTypingRoutes(app)
	bindUnreadRoutes(app)
	bindDMRoutes(app)
	bindBlockHooks(app)
	bindHiddenHooks(app)
	bindRoomSettings(app)
	bindSlowMode(app)
	bindModeratorDelete(app)
	bindHistoryRoute(app)
}
