// Package moderation is what moderators and members do to keep a room
// safe: moderators, mutes, bans, kicks and the moderation log (docs/API.md,
// "Moderation and member safety").
//
//   - actions.go: Mute, Ban, Kick, Unmute, Unban, Appoint, Dismiss — the
//     routes and report resolution call them; who may act on whom;
//   - hooks.go: what follows a room_mutes / room_bans / room_moderators
//     change on any API (the live frames, closing a banned member's
//     connections, the log) and the refusal of a muted member's writes;
//   - expiry.go: a mute or ban row is deleted when it ends (a timer per
//     row, a sweep every minute and at start);
//   - routes.go, log.go: the /api/chat/room/<id>/... routes;
//   - reports.go, report_routes.go: reports, hiding a message at the
//     threshold, the queue and its resolution.
package moderation

import "github.com/pocketbase/pocketbase/core"

// Register binds the moderation routes and hooks to app.
func Register(app core.App) {
	bindMuteRefusals(app)
	bindSanctionHooks(app)
	bindLogHooks(app)
	bindExpiry(app)
	bindRoutes(app)
	bindReports(app)
}
