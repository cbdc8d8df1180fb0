package hooks

import (
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// bindMessageHooks defaults message_type, numbers each room's messages
// (seq), refuses a blank message that is not deleted and keeps replies in
// the room of the message they answer. A message whose room (or replied message) was
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
	bindMessageSeq(app)
	app.OnRecordValidate("messages").BindFunc(func(e *core.RecordEvent) error {
		// the schema allows an empty text: a deleted message keeps none
		if e.Record.GetDateTime("deleted_at").IsZero() && strings.TrimSpace(e.Record.GetString("message")) == "" {
			return validation.Errors{"message": validation.NewError("validation_required", "Cannot be blank.")}
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

// bindMessageSeq gives each new message the next number of its room
// (1, 2, 3...), inside the transaction that inserts it: writes are
// serialized, so the numbers follow commit order without gaps or
// repeats, and read markers and unread counts are plain subtractions.
func bindMessageSeq(app core.App) {
	app.OnRecordCreateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return InTransaction(e, func(e *core.RecordEvent) error {
			var next int64
			err := e.App.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE room = {:room}").
				Bind(map[string]any{"room": e.Record.GetString("room")}).Row(&next)
			if err != nil {
				return err
			}
			e.Record.Set("seq", next)
			return e.Next()
		})
	})
}
