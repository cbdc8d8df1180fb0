// Package hooks keeps stored data consistent whichever API wrote it
// (dashboard, JS SDK, documented REST routes): defaults, ownership taken
// from the auth, and records that must live and die together.
package hooks

import (
	"github.com/pocketbase/pocketbase/core"
)

// Register binds every record hook of Cobra Space to app.
func Register(app core.App) {
	bindUserHooks(app)
	bindOwnershipHooks(app)
	bindPostHooks(app)
	bindMessageHooks(app)
	bindMessageEditHooks(app)
	bindFriendHooks(app)
	bindFileUpdatesInTransaction(app)
}
