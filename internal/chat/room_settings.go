package chat

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
)

// A room's settings as its moderators change them (docs/API.md,
// "Moderation and member safety"): PATCH /api/chat/room/<id>/ sets the
// slow mode (moderators) and the name (the owner); the room answer tells
// who moderates and what the member asking may do. Whatever API changes a
// room's slow mode (this route, the SDK, the dashboard), the change is
// logged in the update's transaction and, once committed, announced to the
// room's listeners.

// Documented refusals of the moderation routes.
const (
	msgNotModerator = "You do not moderate this room."
	msgOwnerRenames = "Only the room's owner may rename it."
)

// maxSlowModeSeconds is rooms.slow_mode_seconds' limit (the schema's).
const maxSlowModeSeconds = 3600

// roomActorKey is the custom (never stored) key of a room record naming
// the member who changes it, for the moderation log: a member's id, or ""
// for a superuser or code.
const roomActorKey = "@cobraRoomActor"

// RoomModerator is an entry of a room's moderators: its owner first
// (Appointed false), then those the owner appointed, oldest first.
type RoomModerator struct {
	Id                string         `json:"id"`
	Nickname          string         `json:"nickname"`
	ProfilePictureURL api.NullString `json:"profile_picture_url"`
	Appointed         bool           `json:"appointed"`
}

// RoomMe is what the member asking may do in the room: moderate it; write
// (Muted, until MutedUntil: null while not muted or when muted for good).
type RoomMe struct {
	Moderator  bool           `json:"moderator"`
	Muted      bool           `json:"muted"`
	MutedUntil api.NullString `json:"muted_until"`
}

func bindRoomSettings(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodPatch, "/room/{id}", api.RequireMemberOrSuperuser(patchRoom))
		return se.Next()
	})
	app.OnRecordUpdateRequest("rooms").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth != nil {
			e.Record.Set(roomActorKey, api.MemberId(e.Auth)) // "" for a superuser
		}
		return e.Next()
	})
	app.OnRecordUpdateExecute("rooms").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			seconds, changed := slowModeChange(e.Record)
			if !changed {
				return nil
			}
			actor, _ := e.Record.Get(roomActorKey).(string)
			return WriteModerationLog(e.App, ModerationEntry{
				Room: e.Record.Id, Actor: actor, Action: "slow_mode", Detail: map[string]any{"seconds": seconds},
			})
		})
	})
	app.OnRecordAfterUpdateSuccess("rooms").BindFunc(func(e *core.RecordEvent) error {
		if seconds, changed := slowModeChange(e.Record); changed {
			HubOf(e.App).Publish(e.Record.Id, mustJSON(slowModeFrame{
				Type: "chat.moderation", Action: "slow_mode", Room: e.Record.Id, SlowModeSeconds: seconds,
			}))
		}
		return e.Next()
	})
}

// slowModeChange is room's slow mode, and whether this update changes it.
func slowModeChange(room *core.Record) (seconds int, changed bool) {
	seconds = room.GetInt("slow_mode_seconds")
	return seconds, seconds != room.Original().GetInt("slow_mode_seconds")
}

// slowModeFrame is the live notice of a room's new slow mode.
type slowModeFrame struct {
	Type            string `json:"type"`   // "chat.moderation"
	Action          string `json:"action"` // "slow_mode"
	Room            string `json:"room"`
	SlowModeSeconds int    `json:"slow_mode_seconds"`
}

// ModeratedRoom loads a room auth moderates: 404 when it is unknown or
// they may not read it, 403 when they read it but do not moderate it.
func ModeratedRoom(app core.App, auth *core.Record, id string) (*core.Record, error) {
	room, err := app.FindRecordById("rooms", id)
	if err != nil || (!auth.IsSuperuser() && !CanReadRoom(app, room, auth)) {
		return nil, api.NotFound()
	}
	if !Moderates(app, room, auth) {
		return nil, api.Detail(http.StatusForbidden, msgNotModerator)
	}
	return room, nil
}

// patchRoom: PATCH /api/chat/room/{id}/ {"slow_mode_seconds"?, "name"?}
// — 200 the room answer. Moderators set the slow mode (0 to 3600 seconds,
// 0: off); only the owner (or a superuser) renames the room.
func patchRoom(e *core.RequestEvent, auth *core.Record) error {
	room, err := ModeratedRoom(e.App, auth, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	if body.Has("name") && !auth.IsSuperuser() && room.GetString("owner") != auth.Id {
		return api.Detail(http.StatusForbidden, msgOwnerRenames)
	}
	fe := api.FieldErrors{}
	if body.Has("name") {
		name := strings.TrimSpace(body.RequiredString(fe, "name"))
		if max := api.TextMax(e.App, "rooms", "name"); max > 0 && len([]rune(name)) > max {
			fe.Add("name", api.MaxLength(max))
		}
		room.Set("name", name)
	}
	if body.Has("slow_mode_seconds") {
		if seconds, ok := readSlowMode(body.Data["slow_mode_seconds"], fe); ok {
			room.Set("slow_mode_seconds", seconds)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if body.Has("name") || body.Has("slow_mode_seconds") {
		room.Set(roomActorKey, api.MemberId(auth))
		if err := e.App.Save(room); err != nil {
			return api.FromValidation(err)
		}
	}
	return writeRoomAnswer(e, room, auth, historyPage{})
}

// readSlowMode reads slow_mode_seconds: an integer from 0 to 3600 (a form
// body's digits too).
func readSlowMode(raw any, fe api.FieldErrors) (int, bool) {
	var text string
	switch v := raw.(type) {
	case nil:
		fe.Add("slow_mode_seconds", "This field may not be null.")
		return 0, false
	case json.Number:
		text = v.String()
	case string:
		text = strings.TrimSpace(v)
	case float64:
		text = strconv.FormatFloat(v, 'f', -1, 64)
	}
	n, err := strconv.Atoi(text)
	switch {
	case err != nil:
		fe.Add("slow_mode_seconds", "A valid integer is required.")
		return 0, false
	case n < 0:
		fe.Add("slow_mode_seconds", "Ensure this value is greater than or equal to 0.")
		return 0, false
	case n > maxSlowModeSeconds:
		fe.Add("slow_mode_seconds", "Ensure this value is less than or equal to 3600.")
		return 0, false
	}
	return n, true
}

// writeRoomAnswer is the room answer of GET and PATCH /api/chat/room/<id>/:
// the room object with a page of history, its moderators and "me".
func writeRoomAnswer(e *core.RequestEvent, room, auth *core.Record, page historyPage) error {
	data, err := roomData(e, room, auth, page)
	if err != nil {
		return err
	}
	if err := addModeration(e.App, data, room, auth); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, data)
}

// addModeration fills in the room answer's moderators and "me".
func addModeration(app core.App, data *Room, room, auth *core.Record) error {
	moderators, err := RoomModerators(app, room)
	if err != nil {
		return err
	}
	me := &RoomMe{Moderator: Moderates(app, room, auth)}
	if !auth.IsSuperuser() {
		me.Muted, me.MutedUntil, err = mutedUntil(app, room.Id, auth.Id)
		if err != nil {
			return err
		}
	}
	data.Moderators, data.Me = &moderators, me
	return nil
}

// RoomModerators is who moderates room besides superusers: its owner
// (appointed: false), then the moderators the owner appointed, oldest
// first. A DM has none.
func RoomModerators(app core.App, room *core.Record) ([]RoomModerator, error) {
	out := []RoomModerator{}
	if room.GetString("dm_key") != "" {
		return out, nil
	}
	var appointed []string
	err := app.DB().Select("user").From("room_moderators").Where(dbx.HashExp{"room": room.Id}).
		OrderBy("created ASC", "rowid ASC").Column(&appointed)
	if err != nil {
		return nil, err
	}
	owner := room.GetString("owner")
	ids := append([]string{owner}, appointed...)
	users, err := app.FindRecordsByIds("users", ids)
	if err != nil {
		return nil, err
	}
	byId := make(map[string]*core.Record, len(users))
	for _, u := range users {
		byId[u.Id] = u
	}
	for i, id := range ids {
		u := byId[id]
		if u == nil || (i > 0 && id == owner) {
			continue // a member gone; the owner listed once
		}
		out = append(out, RoomModerator{
			Id: u.Id, Nickname: u.GetString("nickname"),
			ProfilePictureURL: api.FileURLOf(u, "profile_picture"), Appointed: i > 0,
		})
	}
	return out, nil
}

// mutedUntil reads the member's mute in the room (a row exists while it
// is in force; one whose end has passed is about to be swept).
func mutedUntil(app core.App, roomId, userId string) (muted bool, until api.NullString, err error) {
	var rows []struct {
		Until types.DateTime `db:"until"`
	}
	err = app.DB().Select("until").From("room_mutes").
		Where(dbx.HashExp{"room": roomId, "user": userId}).Limit(1).All(&rows)
	switch {
	case err != nil || len(rows) == 0:
		return false, "", err
	case rows[0].Until.IsZero():
		return true, "", nil // for good
	case !rows[0].Until.Time().After(time.Now()):
		return false, "", nil
	}
	return true, api.TimeOf(rows[0].Until), nil
}
