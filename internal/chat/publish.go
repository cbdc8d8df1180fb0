package chat

import (
	"github.com/pocketbase/pocketbase/core"
)

// bindPublishHooks makes every stored message live, whatever wrote it
// (REST, WebSocket, JS SDK, dashboard): once committed it is published to
// its room's listeners on the room topic and the WebSocket (PocketBase's
// own record broadcast serves the stock collection subscription).
func bindPublishHooks(app core.App) {
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		publishMessage(e.App, e.Record)
		return e.Next()
	})
}

// publishMessage sends a stored message live to its room. It is called
// once per message, after the message is committed, whichever API made it.
func publishMessage(app core.App, m *core.Record) {
	sender, _ := app.FindRecordById("users", m.GetString("sender"))
	HubOf(app).PublishFrom(m.GetString("room"), encodeMessageFrame(m, sender), m.GetString("sender"))
}
