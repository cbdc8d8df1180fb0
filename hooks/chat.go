package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// bindChatHooks makes every stored message live, whatever wrote it (REST,
// WebSocket, JS SDK, dashboard): once committed it is published to its
// room's listeners on the room topic and the WebSocket (PocketBase's own
// record broadcast serves the stock collection subscription). It also
// keeps the room topics' access check and presence in step with realtime
// subscriptions, and applies the send rate limit to SDK creates.
func bindChatHooks(app core.App) {
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		chat.PublishMessage(e.App, e.Record)
		return e.Next()
	})
	app.OnRecordCreateRequest("messages").BindFunc(func(e *core.RecordRequestEvent) error {
		if me := api.Member(e.RequestEvent); me != nil {
			if ok, wait := chat.SendAllowance(e.App, me.Id); !ok {
				return limits.TooFast(e.RequestEvent, "sending messages", wait)
			}
		}
		return e.Next()
	})
	app.OnRealtimeSubscribeRequest().BindFunc(chat.HandleSubscribe)
	app.OnRealtimeConnectRequest().BindFunc(chat.ServeRealtimeConnection)
}
