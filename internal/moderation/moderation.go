// Package moderation is what moderators and members do to keep a room
// safe: moderators, mutes, bans, kicks, slow mode, reports and the
// moderation log (docs/API.md, "Moderation and member safety").
package moderation

import "github.com/pocketbase/pocketbase/core"

// Register binds the moderation routes and hooks to app.
func Register(app core.App) {
	bindReports(app)
}
