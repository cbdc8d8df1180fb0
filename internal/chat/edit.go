package chat

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// Editing and deleting one's own message (docs/API.md, "Edit and delete —
// sender only"; the room's moderators delete any: moderator_delete.go), on
// every API: PATCH/DELETE /api/chat/message/<id>/, the
// chat.message.edit / chat.message.delete WebSocket frames and the record
// API (update; a member's delete is a soft delete there too). The data
// invariants (edited_at, message_versions, emptying a deleted message,
// its reactions and notifications) are the hooks' (hooks/message_edits.go);
// a committed change goes live from OnRecordAfterUpdateSuccess.

// msgNotYours is the 403 of a change to someone else's message.
const msgNotYours = "You may only change your own messages."

func bindEditRoutes(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodPatch, "/message/{id}", api.RequireMember(patchMessage))
		api.Handle(g, http.MethodDelete, "/message/{id}", api.RequireMember(deleteMessage))
		return se.Next()
	})
	app.OnRecordAfterUpdateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		publishMessageChange(e.App, e.Record)
		return e.Next()
	})
	// the record API: an edit takes from the send budget; a member's
	// delete is a soft delete (superusers delete for real)
	app.OnRecordUpdateRequest("messages").BindFunc(func(e *core.RecordRequestEvent) error {
		if me := api.Member(e.RequestEvent); me != nil {
			if ok, wait := sendAllowance(e.App, me.Id); !ok {
				return limits.TooFast(e.RequestEvent, "sending messages", wait)
			}
		}
		return e.Next()
	})
	app.OnRecordDeleteRequest("messages").BindFunc(softDeleteRequest)
}

// softDeleteRequest answers a member's record API delete of their message
// (or, as its room's moderator, anyone's) with a soft delete (204) instead
// of removing the row; a deleted message or one in a room they may no
// longer read is 404, as on the REST route.
func softDeleteRequest(e *core.RecordRequestEvent) error {
	me := api.Member(e.RequestEvent)
	if e.HasSuperuserAuth() || me == nil {
		return e.Next()
	}
	m, err := deletableMessage(e.App, me, e.Record.Id, "")
	if err != nil {
		var p *api.Problem
		if errors.As(err, &p) && p.Status == http.StatusForbidden {
			return e.ForbiddenError(msgNotYours, nil)
		}
		return e.NotFoundError("", err)
	}
	if err := DeleteMessage(e.App, me, m); err != nil {
		return err
	}
	e.Record = m
	return e.NoContent(http.StatusNoContent)
}

// ownMessage is the message id as its sender may change it: 404 when it
// is unknown, deleted, in a room the member may not read (or, with inRoom,
// in another room than inRoom, whose access the caller checked); 403 when
// it is someone else's.
func ownMessage(app core.App, me *core.Record, id, inRoom string) (*core.Record, error) {
	m, err := app.FindRecordById("messages", id)
	if err != nil {
		return nil, api.NotFound()
	}
	switch {
	case inRoom != "" && m.GetString("room") != inRoom:
		return nil, api.NotFound()
	case inRoom == "":
		room, err := app.FindRecordById("rooms", m.GetString("room"))
		if err != nil || !CanReadRoom(app, room, me) {
			return nil, api.NotFound()
		}
	}
	if !m.GetDateTime("deleted_at").IsZero() {
		return nil, api.NotFound()
	}
	if m.GetString("sender") != me.Id {
		return nil, api.Detail(http.StatusForbidden, msgNotYours)
	}
	return m, nil
}

// EditMessage replaces the text of a member's own message m (see
// ownMessage). The text is checked like a sent one and the edit takes
// from the same rate budget. Errors are api.Problems or ErrRateLimited.
func EditMessage(app core.App, me, m *core.Record, text string) error {
	if err := checkMessageText(app, text); err != nil {
		return err
	}
	if ok, wait := sendAllowance(app, me.Id); !ok {
		return &RateLimitedError{RetryAfter: wait}
	}
	m.Set("message", text)
	m.Set(hooks.EditorKey, me.Id)
	return api.FromValidation(app.Save(m))
}

// DeleteMessage soft-deletes m for me, its sender or a moderator of its
// room (see deletableMessage): the hooks empty it, keep its text in
// message_versions, remove its reactions and notifications, set
// deleted_by and log a moderator's delete, in the update's transaction.
func DeleteMessage(app core.App, me, m *core.Record) error {
	m.Set("deleted_at", types.NowDateTime())
	m.Set(hooks.EditorKey, me.Id)
	return api.FromValidation(app.Save(m))
}

// patchMessage: PATCH /api/chat/message/{id}/ {"message"} — 200 the
// edited message object.
func patchMessage(e *core.RequestEvent, me *core.Record) error {
	m, err := ownMessage(e.App, me, e.Request.PathValue("id"), "")
	if err != nil {
		return err
	}
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	text := body.RequiredString(fe, "message")
	if err := fe.Err(); err != nil {
		return err
	}
	if err := restThrottled(EditMessage(e.App, me, m, text)); err != nil {
		return err
	}
	rendered, err := MessagesJSON(e.App, []*core.Record{m}, me)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, rendered[0])
}

// deleteMessage: DELETE /api/chat/message/{id}/ — 204 (soft delete), for
// its sender and the room's moderators.
func deleteMessage(e *core.RequestEvent, me *core.Record) error {
	m, err := deletableMessage(e.App, me, e.Request.PathValue("id"), "")
	if err != nil {
		return err
	}
	if err := DeleteMessage(e.App, me, m); err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// restThrottled is err with a refused rate turned into the send route's
// 429 (with Retry-After).
func restThrottled(err error) error {
	var limited *RateLimitedError
	if errors.As(err, &limited) {
		p := api.Detail(http.StatusTooManyRequests, "Request was throttled: you are sending messages too fast.")
		p.Header = http.Header{"Retry-After": {strconv.Itoa(limited.RetrySeconds())}}
		return p
	}
	return err
}

// editClientFrame is {"type": "chat.message.edit", "id", "message"} or
// {"type": "chat.message.delete", "id"}.
type editClientFrame struct {
	Id      any `json:"id"`
	Message any `json:"message"`
}

func decodeEditFrame(data []byte) (id string, message any, ok bool) {
	var f editClientFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return "", nil, false
	}
	id, ok = f.Id.(string)
	return id, f.Message, ok && id != ""
}

// handleEditFrame edits a message of the socket's room.
func handleEditFrame(app core.App, room, member *core.Record, data []byte) []byte {
	id, raw, ok := decodeEditFrame(data)
	if !ok {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	text, ok := raw.(string)
	if !ok {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	m, err := ownMessage(app, member, id, room.Id)
	if err != nil {
		return errorFrameOf(app, err)
	}
	return errorFrameOf(app, EditMessage(app, member, m, text))
}

// handleDeleteFrame deletes a message of the socket's room.
func handleDeleteFrame(app core.App, room, member *core.Record, data []byte) []byte {
	id, _, ok := decodeEditFrame(data)
	if !ok {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	m, err := deletableMessage(app, member, id, room.Id)
	if err != nil {
		return errorFrameOf(app, err)
	}
	return errorFrameOf(app, DeleteMessage(app, member, m))
}

// deleteFrame is the live event of a deleted message.
type deleteFrame struct {
	Type    string `json:"type"` // TypeDelete
	Id      string `json:"id"`
	Room    string `json:"room"`
	Seq     int64  `json:"seq"`
	Deleted bool   `json:"deleted"` // always true
	Message string `json:"message"` // always ""
	// DeletedBy is "moderator" or "sender" (moderator_delete.go).
	DeletedBy api.NullString `json:"deleted_by"`
}

// publishMessageChange sends a committed edit or soft delete live to the
// message's room (encoded once); other updates send nothing.
func publishMessageChange(app core.App, m *core.Record) {
	old := m.Original()
	deleted := !m.GetDateTime("deleted_at").IsZero()
	var frame []byte
	switch {
	case deleted && old.GetDateTime("deleted_at").IsZero():
		frame = mustJSON(deleteFrame{
			Type: TypeDelete, Id: m.Id, Room: m.GetString("room"), Seq: int64(m.GetInt("seq")), Deleted: true,
			DeletedBy: deletedBy(m),
		})
	case !deleted && m.GetString("message") != old.GetString("message"):
		sender, _ := app.FindRecordById("users", m.GetString("sender"))
		msg := messageJSON(m, sender, nil) // no viewer: visible e-mails only
		frame = mustJSON(messageFrame{
			Type:          TypeEdit,
			messageFields: msg.messageFields,
			SenderId:      msg.Sender,
			Sender:        msg.SenderEmail,
		})
	default:
		return
	}
	HubOf(app).PublishFrom(m.GetString("room"), frame, m.GetString("sender"))
}
