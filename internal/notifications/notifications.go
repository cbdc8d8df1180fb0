// Package notifications is the member's inbox: mentions, replies, new
// friends and direct messages, stored in the notifications collection and
// sent live on the member topic (chat.MemberTopic).
package notifications

import "github.com/pocketbase/pocketbase/core"

// Register binds the notification routes and hooks to app.
func Register(app core.App) {}
