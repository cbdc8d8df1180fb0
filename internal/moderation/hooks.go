package moderation

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// exemptKey marks (never stored) a messages or message_reactions record a
// superuser writes: superusers are never muted.
const exemptKey = "@cobraModerationExempt"

// MutedUntil reports whether userId is muted in roomId and until when
// (zero: for good).
func MutedUntil(app core.App, roomId, userId string) (muted bool, until time.Time) {
	row, err := findRow(app, collectionMutes, roomId, userId)
	if err != nil {
		return false, time.Time{}
	}
	return true, row.GetDateTime("until").Time()
}

// mutedError is the refusal of userId's write in roomId, or nil.
func mutedError(app core.App, roomId, userId string) error {
	if roomId == "" || userId == "" {
		return nil
	}
	if muted, until := MutedUntil(app, roomId, userId); muted {
		return &chat.MutedError{Until: until}
	}
	return nil
}

// bindMuteRefusals refuses a muted member's sends, edits and reactions,
// whichever API stores them: in the write itself (its transaction) for
// every path, and, for the record API, before its rules answer (the
// messages and reactions rules refuse a muted member too, as a plain
// 400/404), so the SDK gets the documented 403 with muted_until.
func bindMuteRefusals(app core.App) {
	for _, c := range []string{"messages", "message_reactions"} {
		app.OnRecordCreateRequest(c).BindFunc(markSuperuserWrite)
		app.OnRecordUpdateRequest(c).BindFunc(markSuperuserWrite)
	}
	app.OnRecordCreateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		if !exempt(e.Record) {
			if err := mutedError(e.App, e.Record.GetString("room"), e.Record.GetString("sender")); err != nil {
				return err
			}
		}
		return e.Next()
	})
	app.OnRecordUpdateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		m, old := e.Record, e.Record.Original()
		edit := m.GetString("message") != old.GetString("message") && m.GetDateTime("deleted_at").IsZero()
		if edit && !exempt(m) {
			if err := mutedError(e.App, m.GetString("room"), m.GetString("sender")); err != nil {
				return err
			}
		}
		return e.Next()
	})
	app.OnRecordCreateExecute("message_reactions").BindFunc(func(e *core.RecordEvent) error {
		if !exempt(e.Record) {
			if err := mutedError(e.App, roomOfMessage(e.App, e.Record.GetString("message")), e.Record.GetString("user")); err != nil {
				return err
			}
		}
		return e.Next()
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(refuseMutedRecordWrite)
		return se.Next()
	})
}

func markSuperuserWrite(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		e.Record.Set(exemptKey, true)
	}
	return e.Next()
}

func exempt(r *core.Record) bool {
	v, _ := r.GetRaw(exemptKey).(bool)
	return v
}

func roomOfMessage(app core.App, messageId string) string {
	var room string
	_ = app.DB().NewQuery("SELECT room FROM messages WHERE id = {:id}").Bind(dbx.Params{"id": messageId}).Row(&room)
	return room
}

// refuseMutedRecordWrite answers a muted member's record API message
// create or update, or reaction create, with the documented 403 before
// PocketBase checks the rules.
func refuseMutedRecordWrite(e *core.RequestEvent) error {
	me := api.Member(e)
	if me == nil {
		return e.Next()
	}
	collection, id, ok := recordPath(e.Request.URL.Path)
	if !ok {
		return e.Next()
	}
	var roomId string
	switch {
	case e.Request.Method == http.MethodPost && id == "" && (collection == "messages" || collection == "pbc_messages"):
		info, err := e.RequestInfo()
		if err != nil {
			return e.Next()
		}
		roomId, _ = info.Body["room"].(string)
	case e.Request.Method == http.MethodPatch && id != "" && (collection == "messages" || collection == "pbc_messages"):
		m, err := e.App.FindRecordById("messages", id)
		if err != nil || m.GetString("sender") != me.Id {
			return e.Next()
		}
		roomId = m.GetString("room")
	case e.Request.Method == http.MethodPost && id == "" && (collection == "message_reactions" || collection == "pbc_message_reactions"):
		info, err := e.RequestInfo()
		if err != nil {
			return e.Next()
		}
		messageId, _ := info.Body["message"].(string)
		roomId = roomOfMessage(e.App, messageId)
	default:
		return e.Next()
	}
	if err := mutedError(e.App, roomId, me.Id); err != nil {
		room, rerr := e.App.FindRecordById("rooms", roomId)
		var apiErr *router.ApiError
		if rerr == nil && chat.CanReadRoom(e.App, room, me) && errors.As(err, &apiErr) {
			return apiErr
		}
	}
	return e.Next()
}

// recordPath splits /api/collections/<collection>/records[/<id>].
func recordPath(path string) (collection, id string, ok bool) {
	rest, found := strings.CutPrefix(path, "/api/collections/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	switch {
	case len(parts) == 2 && parts[1] == "records":
		return parts[0], "", true
	case len(parts) == 3 && parts[1] == "records":
		return parts[0], parts[2], true
	}
	return "", "", false
}

// bindSanctionHooks makes a committed mute, ban or appointment change
// live, whichever API made it: the muted member's listeners in the room
// and their member topic get a chat.moderation frame; a banned member's
// connections to the room close (4009) at once; an ending is scheduled.
func bindSanctionHooks(app core.App) {
	for _, c := range []string{collectionMutes, collectionBans} {
		app.OnRecordAfterCreateSuccess(c).BindFunc(func(e *core.RecordEvent) error {
			sanctionStarted(e.App, e.Record)
			return e.Next()
		})
		app.OnRecordAfterUpdateSuccess(c).BindFunc(func(e *core.RecordEvent) error {
			sanctionStarted(e.App, e.Record)
			return e.Next()
		})
		app.OnRecordAfterDeleteSuccess(c).BindFunc(func(e *core.RecordEvent) error {
			sanctionEnded(e.App, e.Record)
			return e.Next()
		})
	}
	// the record API and the dashboard: who acts is the request's member
	for _, c := range []string{collectionMutes, collectionBans, collectionAppoints} {
		app.OnRecordUpdateRequest(c).BindFunc(func(e *core.RecordRequestEvent) error {
			if me := api.Member(e.RequestEvent); me != nil {
				e.Record.Set("by", me.Id)
			}
			e.Record.Set(actorKey, api.MemberId(e.Auth))
			return e.Next()
		})
		app.OnRecordDeleteRequest(c).BindFunc(func(e *core.RecordRequestEvent) error {
			e.Record.Set(actorKey, api.MemberId(e.Auth))
			return e.Next()
		})
	}
}

func sanctionStarted(app core.App, row *core.Record) {
	timersOf(app).schedule(app, row)
	switch row.Collection().Name {
	case collectionMutes:
		sendModerationFrame(app, "mute", row)
	case collectionBans:
		chat.RevalidateUsers(app, row.GetString("user"))
	}
}

func sanctionEnded(app core.App, row *core.Record) {
	timersOf(app).cancel(row.Id)
	if row.Collection().Name == collectionMutes {
		sendModerationFrame(app, "unmute", row)
	}
}

// moderationFrame is {"type": "chat.moderation", "action": "mute" |
// "unmute", "room", "user_id", "username", "until", "reason"}.
type moderationFrame struct {
	Type     string `json:"type"`
	Action   string `json:"action"`
	Room     string `json:"room"`
	UserId   string `json:"user_id"`
	Username string `json:"username"`
	Until    any    `json:"until"`
	Reason   string `json:"reason"`
}

func sendModerationFrame(app core.App, action string, row *core.Record) {
	roomId, userId := row.GetString("room"), row.GetString("user")
	f := moderationFrame{Type: chat.TypeModeration, Action: action, Room: roomId, UserId: userId,
		Until: api.Time(row.GetDateTime("until")), Reason: row.GetString("reason")}
	if action == "unmute" {
		f.Until, f.Reason = nil, ""
	}
	if user, err := app.FindRecordById(api.MemberCollection, userId); err == nil {
		f.Username = user.GetString("nickname")
	}
	frame := mustJSON(f)
	chat.SendToMemberInRoom(app, roomId, userId, frame)
	chat.SendToMember(app, userId, frame)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and ints only
	}
	return b
}
