package moderation

import (
	"math"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// The moderation log: hooks write it whichever API changed a moderator,
// mute or ban (the routes, the SDK, the dashboard, an expiry), in the
// change's own transaction; a kick is written by Kick.

// Custom (never stored) keys of a sanction record, for its log entry.
const (
	minutesKey = "@cobraModerationMinutes" // the minutes asked for (0: for good)
	expiredKey = "@cobraModerationExpired" // deleted because it ended
)

// actorOf is who changes row: the actor key when set (a route, a
// request's member, "" for a superuser or the server), else "by".
func actorOf(row *core.Record, deleted bool) string {
	if v, ok := row.GetRaw(actorKey).(string); ok {
		return v
	}
	if deleted {
		return ""
	}
	return row.GetString("by")
}

// minutesOf is the log detail of a mute or ban: the minutes asked for
// (null: for good).
func minutesOf(row *core.Record) map[string]any {
	if n, ok := row.GetRaw(minutesKey).(int); ok {
		if n <= 0 {
			return map[string]any{"minutes": nil}
		}
		return map[string]any{"minutes": n}
	}
	until := row.GetDateTime("until")
	if until.IsZero() {
		return map[string]any{"minutes": nil}
	}
	return map[string]any{"minutes": max(1, int(math.Round(time.Until(until.Time()).Minutes())))}
}

func bindLogHooks(app core.App) {
	actions := map[string][2]string{
		collectionMutes:    {"mute", "unmute"},
		collectionBans:     {"ban", "unban"},
		collectionAppoints: {"appoint", "dismiss_moderator"},
	}
	for c, action := range actions {
		started := func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			entry := chat.ModerationEntry{Room: e.Record.GetString("room"), Actor: actorOf(e.Record, false), Action: action[0],
				Target: e.Record.GetString("user"), Reason: e.Record.GetString("reason")}
			if c != collectionAppoints {
				entry.Detail = minutesOf(e.Record)
			}
			return chat.WriteModerationLog(e.App, entry)
		}
		app.OnRecordCreateExecute(c).BindFunc(started)
		app.OnRecordUpdateExecute(c).BindFunc(started)
		app.OnRecordDeleteExecute(c).BindFunc(func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			if _, acted := e.Record.GetRaw(actorKey).(string); !acted {
				// not lifted by anyone: the cascade of its room's or its
				// member's delete, which takes the log entries with it
				return nil
			}
			entry := chat.ModerationEntry{Room: e.Record.GetString("room"), Actor: actorOf(e.Record, true), Action: action[1],
				Target: e.Record.GetString("user")}
			if expired, _ := e.Record.GetRaw(expiredKey).(bool); expired {
				entry.Detail = map[string]any{"expired": true}
			}
			return chat.WriteModerationLog(e.App, entry)
		})
	}
}

// person is {"id", "nickname"}.
type person struct {
	Id       string `json:"id"`
	Nickname string `json:"nickname"`
}

// LogEntry is an entry of GET /api/chat/room/<id>/log/.
type LogEntry struct {
	Id        string         `json:"id"`
	Action    string         `json:"action"`
	Actor     *person        `json:"actor"`
	Target    *person        `json:"target"`
	Message   any            `json:"message"`
	Reason    string         `json:"reason"`
	Detail    any            `json:"detail"`
	CreatedAt api.NullString `json:"created_at"`
}

const (
	logPageSize    = 50
	logMaxPageSize = 200
)

// getLog: GET /api/chat/room/{id}/log/?page=&page_size= — the room's
// moderators; newest first.
func getLog(e *core.RequestEvent, actor *core.Record) error {
	room, err := readableRoom(e, actor)
	if err != nil {
		return err
	}
	if !moderates(e.App, room, actor) {
		return ErrNotModerator
	}
	page, err := api.ReadPage(e, logPageSize, logMaxPageSize)
	if err != nil {
		return err
	}
	var rows []*core.Record
	err = e.App.RecordQuery("moderation_log").
		AndWhere(dbx.HashExp{"room": room.Id}).
		OrderBy("created DESC", "rowid DESC").
		Offset(page.Offset()).Limit(int64(page.Size)).
		All(&rows)
	if err != nil {
		return err
	}
	ids := []string{}
	for _, r := range rows {
		ids = append(ids, r.GetString("actor"), r.GetString("target"))
	}
	people := map[string]*person{}
	users, err := e.App.FindRecordsByIds(api.MemberCollection, ids)
	if err != nil {
		return err
	}
	for _, u := range users {
		people[u.Id] = &person{Id: u.Id, Nickname: u.GetString("nickname")}
	}
	out := make([]LogEntry, 0, len(rows))
	for _, r := range rows {
		var detail any = map[string]any{}
		if raw, ok := r.GetRaw("detail").(types.JSONRaw); ok && len(raw) > 0 && string(raw) != "null" {
			detail = raw
		}
		out = append(out, LogEntry{
			Id: r.Id, Action: r.GetString("action"),
			Actor: people[r.GetString("actor")], Target: people[r.GetString("target")],
			Message: api.NullableId(r.GetString("message")), Reason: r.GetString("reason"),
			Detail: detail, CreatedAt: api.TimeOf(r.GetDateTime("created")),
		})
	}
	return e.JSON(http.StatusOK, out)
}
