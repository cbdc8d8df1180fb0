package chat

import (
	"github.com/pocketbase/pocketbase/core"
)

// Hidden messages (docs/API.md, "Report"): enough open reports hide a
// message pending review (messages.hidden; internal/moderation sets and
// clears it). Frames are encoded once for every listener, so a hidden
// message is never sent with its text: its listeners get a
// chat.message.hide frame (its sender and the moderators refetch it), and
// when a moderator dismisses the reports a chat.message.edit frame with
// its text shows it again.

// TypeHide is the live event of a message hidden by reports.
const TypeHide = "chat.message.hide"

type hideFrame struct {
	Type string `json:"type"` // TypeHide
	Id   string `json:"id"`
	Room string `json:"room"`
}

func bindHiddenHooks(app core.App) {
	app.OnRecordAfterUpdateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		publishHiddenChange(e.App, e.Record)
		return e.Next()
	})
}

// publishHiddenChange sends a committed hide or unhide of a message (not
// deleted) live to its room.
func publishHiddenChange(app core.App, m *core.Record) {
	old := m.Original()
	hidden, was := m.GetBool("hidden"), old.GetBool("hidden")
	if hidden == was || !m.GetDateTime("deleted_at").IsZero() {
		return
	}
	roomId, senderId := m.GetString("room"), m.GetString("sender")
	if hidden {
		HubOf(app).PublishFrom(roomId, mustJSON(hideFrame{Type: TypeHide, Id: m.Id, Room: roomId}), senderId)
		return
	}
	if m.GetString("message") != old.GetString("message") {
		return // publishMessageChange sent the edit with its text already
	}
	sender, _ := app.FindRecordById("users", senderId)
	msg := messageJSON(m, sender, nil) // no viewer: visible e-mails only
	HubOf(app).PublishFrom(roomId, mustJSON(messageFrame{
		Type:          TypeEdit,
		messageFields: msg.messageFields,
		SenderId:      msg.Sender,
		Sender:        msg.SenderEmail,
	}), senderId)
}
