// Package notifications is the member's inbox: mentions, replies, new
// friends and direct messages, stored in the notifications collection and
// sent live on the member topic (chat.MemberTopic).
//
//   - mentions.go: who a message mentions ("@nickname" and explicit ids),
//     resolved in the write's transaction on every create and edit;
//   - notify.go: the notifications a new message, an edit or a new friend
//     gives, stored in the same transaction, and their live frame;
//   - read_sync.go: reading a room reads its notifications; every device
//     is told the new unread count;
//   - render.go: the notification object;
//   - routes.go: /api/notifications/...
package notifications

import "github.com/pocketbase/pocketbase/core"

// Register binds the notification routes and hooks to app.
func Register(app core.App) {
	bindMentionHooks(app)
	bindFriendHooks(app)
	bindLiveHooks(app)
	bindReadSync(app)
	bindRoutes(app)
}
