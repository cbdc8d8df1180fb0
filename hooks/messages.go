package hooks

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// bindMessageHooks defaults message_type and keeps replies in the room of
// the message they answer. A message whose room (or replied message) was
// deleted after validation is not stored: every API's send fails with a
// GoneRelationError (REST 400 {"room": ["Invalid pk ..."]}).
func bindMessageHooks(app core.App) {
	bindInsertNeedsRows(app, "messages", [][2]string{{"room", "rooms"}, {"parent_chat", "messages"}})
	app.OnRecordCreate("messages").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("message_type") == "" {
			e.Record.Set("message_type", "text")
		}
		return e.Next()
	})
	app.OnRecordValidate("messages").BindFunc(func(e *core.RecordEvent) error {
		parentId := e.Record.GetString("parent_chat")
		if parentId == "" {
			return e.Next()
		}
		parent, err := e.App.FindRecordById("messages", parentId)
		if err != nil || parent.GetString("room") != e.Record.GetString("room") || parent.Id == e.Record.Id {
			return validation.Errors{"parent_chat": validation.NewError("validation_parent_chat_room", "The replied message must be in the same room.")}
		}
		return e.Next()
	})
}
