package chat

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
)

// A moderator's delete (docs/API.md, "Moderation and member safety"): the
// room's moderators delete anyone's message on every API (DELETE
// /api/chat/message/<id>/, the chat.message.delete frame, the record API),
// a soft delete like the sender's own. messages.deleted_by names who
// deleted it; the message object and the live delete frame say
// "deleted_by": "moderator" or "sender"; a moderator's delete of someone
// else's message is written to the moderation log in the update's
// transaction, whichever API made it.

// Values of "deleted_by" in the message object and the delete frame.
const (
	DeletedBySender    = "sender"
	DeletedByModerator = "moderator"
)

func bindModeratorDelete(app core.App) {
	app.OnRecordUpdateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, recordDeleter)
	})
}

// recordDeleter names who soft-deletes a message (its editor, see
// hooks.EditorKey) in deleted_by, and logs a moderator's delete.
func recordDeleter(e *core.RecordEvent) error {
	m := e.Record
	if m.GetDateTime("deleted_at").IsZero() || !m.Original().GetDateTime("deleted_at").IsZero() {
		return e.Next() // not a delete
	}
	if m.GetString("deleted_by") == "" {
		if editor, _ := m.Get(hooks.EditorKey).(string); editor != "" {
			m.Set("deleted_by", editor)
		}
	}
	if err := e.Next(); err != nil {
		return err
	}
	by, sender := m.GetString("deleted_by"), m.GetString("sender")
	if by == "" || by == sender {
		return nil
	}
	return WriteModerationLog(e.App, ModerationEntry{
		Room: m.GetString("room"), Actor: by, Action: "delete_message", Target: sender, Message: m.Id,
	})
}

// deletedBy is "deleted_by" of a deleted message: "moderator" when someone
// else than its sender deleted it, else "sender" ("" for a message that is
// not deleted: null).
func deletedBy(m *core.Record) api.NullString {
	switch by := m.GetString("deleted_by"); {
	case m.GetDateTime("deleted_at").IsZero():
		return ""
	case by != "" && by != m.GetString("sender"):
		return DeletedByModerator
	}
	return DeletedBySender
}

// deletableMessage is the message id as me may delete it: their own (see
// ownMessage), or anyone's in a room they moderate. Errors as ownMessage's:
// 404 unknown, deleted or unreadable; 403 someone else's message in a room
// they do not moderate.
func deletableMessage(app core.App, me *core.Record, id, inRoom string) (*core.Record, error) {
	m, err := ownMessage(app, me, id, inRoom)
	var p *api.Problem
	if err == nil || !errors.As(err, &p) || p.Status != http.StatusForbidden {
		return m, err
	}
	other, ferr := app.FindRecordById("messages", id)
	if ferr != nil {
		return nil, api.NotFound()
	}
	room, ferr := app.FindRecordById("rooms", other.GetString("room"))
	if ferr != nil || !Moderates(app, room, me) {
		return nil, err
	}
	return other, nil
}
