package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/api"
)

// EditorKey is the custom (never stored, never exported) key of a message
// record naming who changes it, for its message_versions row: the member's
// id, or "" for a superuser. Without it the editor is the sender (the only
// member the rules let change a message).
const EditorKey = "@cobraEditor"

// bindMessageEditHooks keeps a message's edits and soft deletion
// consistent whichever API saves it (documented routes, WebSocket, JS SDK,
// dashboard), inside the transaction of the update:
//
//   - an update that changes the text sets edited_at and keeps the text
//     it replaces in message_versions (change "edit");
//   - an update that sets deleted_at is a soft delete: the text and the
//     mentions are emptied, the text kept in message_versions (change
//     "delete"), and the message's reactions and notifications deleted;
//   - a deleted message does not change any more (only parent_chat may,
//     when the replied message is deleted for real): the update is refused
//     with a MessageGoneError (404), as is one of a message whose row is
//     gone.
//
// It binds the reaction hooks (reactions.go) too.
func bindMessageEditHooks(app core.App) {
	app.OnRecordUpdateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return InTransaction(e, applyMessageChange)
	})
	app.OnRecordUpdateRequest("messages").BindFunc(func(e *core.RecordRequestEvent) error {
		markEditor(e)
		return e.Next()
	})
	bindReactionHooks(app)
}

// markEditor names the editor of a record API change: the member, or ""
// for a superuser (not a member: message_versions.editor stays empty).
func markEditor(e *core.RecordRequestEvent) {
	switch {
	case e.HasSuperuserAuth():
		e.Record.Set(EditorKey, "")
	case e.Auth != nil:
		e.Record.Set(EditorKey, e.Auth.Id)
	}
}

// editorOf is who changes m (see EditorKey).
func editorOf(m *core.Record) string {
	if v := m.Get(EditorKey); v != nil {
		s, _ := v.(string)
		return s
	}
	return m.GetString("sender")
}

// mutableWhenDeleted are the fields a deleted message may still see
// change (relation clean-up of a hard-deleted parent; autodate).
var mutableWhenDeleted = []string{"parent_chat", "updated"}

func applyMessageChange(e *core.RecordEvent) error {
	m := e.Record
	id := fmt.Sprint(m.LastSavedPK())
	stored, err := e.App.FindRecordById("messages", id)
	if errors.Is(err, sql.ErrNoRows) {
		return &MessageGoneError{Id: id}
	}
	if err != nil {
		return err
	}
	if !stored.GetDateTime("deleted_at").IsZero() {
		for _, f := range m.Collection().Fields {
			name := f.GetName()
			if slices.Contains(mutableWhenDeleted, name) {
				continue
			}
			if fmt.Sprint(stored.Get(name)) != fmt.Sprint(m.Get(name)) {
				return &MessageGoneError{Id: m.Id, Deleted: true}
			}
		}
		return e.Next()
	}
	oldText := stored.GetString("message")
	switch {
	case !m.GetDateTime("deleted_at").IsZero():
		m.Set("message", "")
		m.Set("mentions", []string{})
		if err := saveVersion(e.App, m, oldText, "delete"); err != nil {
			return err
		}
		for _, table := range []string{"message_reactions", "notifications"} {
			if _, err := e.App.DB().Delete(table, dbx.HashExp{"message": m.Id}).Execute(); err != nil {
				return err
			}
		}
	case m.GetString("message") != oldText:
		m.Set("edited_at", types.NowDateTime())
		if err := saveVersion(e.App, m, oldText, "edit"); err != nil {
			return err
		}
	}
	return e.Next()
}

func saveVersion(app core.App, m *core.Record, text, change string) error {
	c, err := app.FindCachedCollectionByNameOrId("message_versions")
	if err != nil {
		return err
	}
	v := core.NewRecord(c)
	v.Set("message", m.Id)
	v.Set("text", text)
	v.Set("editor", editorOf(m))
	v.Set("change", change)
	return app.Save(v)
}

// MessageGoneError is a change refused because the message is deleted
// (soft) or gone. It is ErrGone; it answers 404 in each API's shape: as an
// *api.Problem {"detail": "Not found."} (documented routes, WebSocket
// not_found frames), as a *router.ApiError PocketBase's 404 (record API).
type MessageGoneError struct {
	Id      string
	Deleted bool // soft deleted, rather than gone
}

func (e *MessageGoneError) Error() string {
	if e.Deleted {
		return fmt.Sprintf("message %s is deleted", e.Id)
	}
	return fmt.Sprintf("message %s: %s", e.Id, ErrGone)
}

func (e *MessageGoneError) Is(target error) bool { return target == ErrGone }

func (e *MessageGoneError) As(target any) bool {
	switch t := target.(type) {
	case **api.Problem:
		*t = api.NotFound().WithCause(ErrGone)
		return true
	case **router.ApiError:
		*t = router.NewNotFoundError("The requested resource wasn't found.", nil)
		return true
	}
	return false
}
