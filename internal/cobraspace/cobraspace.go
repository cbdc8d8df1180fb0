// Package cobraspace wires Cobra Space onto a PocketBase app: record hooks
// and the documented routes. main.go and the tests call the same Bind.
package cobraspace

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/chat"
	chatsearch "github.com/cobraspace/cobraspace/internal/chat/search"
	"github.com/cobraspace/cobraspace/internal/metrics"
	"github.com/cobraspace/cobraspace/internal/moderation"
	"github.com/cobraspace/cobraspace/internal/notifications"
	"github.com/cobraspace/cobraspace/internal/posts"
	"github.com/cobraspace/cobraspace/internal/replica"
	"github.com/cobraspace/cobraspace/internal/users"
	_ "github.com/cobraspace/cobraspace/migrations" // registers the schema migrations
)

// Bind registers every hook and route of Cobra Space on app.
func Bind(app core.App) {
	hooks.Register(app)
	// chat before users: chat's realtime subscribe handler (room topics,
	// connection slots) wraps users' e-mail filter guard, as it did when
	// hooks.Register bound it
	chat.Register(app)
	chatsearch.Register(app)
	notifications.Register(app)
	moderation.Register(app)
	users.Register(app)
	posts.Register(app)
	metrics.Register(app)
	// continuous backup with Litestream, only when COBRA_REPLICA_URL is set
	replica.Register(app)
}
