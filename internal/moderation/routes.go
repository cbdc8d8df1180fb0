package moderation

import (
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

func bindRoutes(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodGet, "/room/{id}/moderators", api.RequireMemberOrSuperuser(getModerators))
		api.Handle(g, http.MethodPost, "/room/{id}/moderators", api.RequireMemberOrSuperuser(postModerator))
		api.Handle(g, http.MethodDelete, "/room/{id}/moderators", api.RequireMemberOrSuperuser(deleteModerator))
		api.Handle(g, http.MethodPost, "/room/{id}/mute", api.RequireMemberOrSuperuser(postSanction(Mute)))
		api.Handle(g, http.MethodDelete, "/room/{id}/mute", api.RequireMemberOrSuperuser(deleteSanction(Unmute)))
		api.Handle(g, http.MethodPost, "/room/{id}/ban", api.RequireMemberOrSuperuser(postSanction(Ban)))
		api.Handle(g, http.MethodDelete, "/room/{id}/ban", api.RequireMemberOrSuperuser(deleteSanction(Unban)))
		api.Handle(g, http.MethodPost, "/room/{id}/kick", api.RequireMemberOrSuperuser(postKick))
		api.Handle(g, http.MethodGet, "/room/{id}/log", api.RequireMemberOrSuperuser(getLog))
		return se.Next()
	})
}

// readableRoom is the path's room as actor may read it (404 otherwise).
func readableRoom(e *core.RequestEvent, actor *core.Record) (*core.Record, error) {
	room, err := e.App.FindRecordById("rooms", e.Request.PathValue("id"))
	if err != nil || !chat.CanReadRoom(e.App, room, actor) {
		return nil, api.NotFound()
	}
	return room, nil
}

// moderatedRoom is the path's room as actor moderates it (404 unknown or
// unreadable, 403 not moderated).
func moderatedRoom(e *core.RequestEvent, actor *core.Record) (*core.Record, error) {
	return chat.ModeratedRoom(e.App, actor, e.Request.PathValue("id"))
}

const maxReason = 500

// request is a moderation route's body: the member by "user" or "email",
// and the optional "minutes" and "reason".
type request struct {
	target  *core.Record
	minutes int // 0: for good
	reason  string
}

func readRequest(e *core.RequestEvent, withMinutes, withReason bool) (*request, error) {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return nil, err
	}
	fe := api.FieldErrors{}
	userId, byId := body.String(fe, "user")
	email, byEmail := body.String(fe, "email")
	if !byId && !byEmail && len(fe["user"]) == 0 && len(fe["email"]) == 0 {
		fe.Add("user", api.MsgRequired)
	}
	r := &request{}
	if withMinutes {
		r.minutes = readMinutes(body, fe)
	}
	if withReason {
		r.reason, _ = body.String(fe, "reason")
		if len([]rune(r.reason)) > maxReason {
			fe.Add("reason", api.MaxLength(maxReason))
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	switch {
	case byId:
		r.target, err = e.App.FindRecordById(api.MemberCollection, strings.TrimSpace(userId))
	case byEmail && strings.TrimSpace(email) != "":
		r.target, err = e.App.FindAuthRecordByEmail(api.MemberCollection, strings.TrimSpace(email))
	default:
		err = sql.ErrNoRows
	}
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, api.NotFound()
		}
		return nil, err
	}
	return r, nil
}

// readMinutes is "minutes": absent or null for good, else a whole number
// from 1 to MaxMinutes.
func readMinutes(body *api.Body, fe api.FieldErrors) int {
	raw, present := body.Data["minutes"]
	if !present || raw == nil {
		return 0
	}
	var n float64
	switch v := raw.(type) {
	case float64:
		n = v
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			fe.Add("minutes", "A valid integer is required.")
			return 0
		}
		n = f
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			fe.Add("minutes", "A valid integer is required.")
			return 0
		}
		n = f
	default:
		fe.Add("minutes", "A valid integer is required.")
		return 0
	}
	switch {
	case n != math.Trunc(n):
		fe.Add("minutes", "A valid integer is required.")
	case n < 1:
		fe.Add("minutes", "Ensure this value is greater than or equal to 1.")
	case n > MaxMinutes:
		fe.Add("minutes", "Ensure this value is less than or equal to 525600.")
	default:
		return int(n)
	}
	return 0
}

// Sanction is the answer of POST mute/ban: {"room", "user", "until"
// (null: for good), "reason", "by"}.
type Sanction struct {
	Room   string `json:"room"`
	User   string `json:"user"`
	Until  any    `json:"until"`
	Reason string `json:"reason"`
	By     any    `json:"by"`
}

// SanctionJSON renders a room_mutes or room_bans row.
func SanctionJSON(row *core.Record) Sanction {
	return Sanction{Room: row.GetString("room"), User: row.GetString("user"),
		Until: api.Time(row.GetDateTime("until")), Reason: row.GetString("reason"),
		By: api.NullableId(row.GetString("by"))}
}

type sanctionFunc func(app core.App, actor, room, target *core.Record, minutes int, reason string) (*core.Record, error)

// postSanction: POST /api/chat/room/{id}/mute/ or /ban/ {"user" | "email",
// "minutes"?, "reason"?} — 200 the mute or ban.
func postSanction(do sanctionFunc) func(e *core.RequestEvent, actor *core.Record) error {
	return func(e *core.RequestEvent, actor *core.Record) error {
		room, err := moderatedRoom(e, actor)
		if err != nil {
			return err
		}
		req, err := readRequest(e, true, true)
		if err != nil {
			return err
		}
		row, err := do(e.App, actor, room, req.target, req.minutes, req.reason)
		if err != nil {
			return err
		}
		return e.JSON(http.StatusOK, SanctionJSON(row))
	}
}

type liftFunc func(app core.App, actor, room, target *core.Record) (bool, error)

// deleteSanction: DELETE /api/chat/room/{id}/mute/ or /ban/ {"user" |
// "email"} — 204 (also when there was none).
func deleteSanction(do liftFunc) func(e *core.RequestEvent, actor *core.Record) error {
	return func(e *core.RequestEvent, actor *core.Record) error {
		room, err := moderatedRoom(e, actor)
		if err != nil {
			return err
		}
		req, err := readRequest(e, false, false)
		if err != nil {
			return err
		}
		if _, err := do(e.App, actor, room, req.target); err != nil {
			return err
		}
		return e.NoContent(http.StatusNoContent)
	}
}

// postKick: POST /api/chat/room/{id}/kick/ {"user" | "email", "reason"?}
// — 200 {"closed": n}.
func postKick(e *core.RequestEvent, actor *core.Record) error {
	room, err := moderatedRoom(e, actor)
	if err != nil {
		return err
	}
	req, err := readRequest(e, false, true)
	if err != nil {
		return err
	}
	closed, err := Kick(e.App, actor, room, req.target, req.reason)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]int{"closed": closed})
}

// moderatorJSON is a member as an entry of the moderators list.
func moderatorJSON(user *core.Record, appointed bool) chat.RoomModerator {
	return chat.RoomModerator{Id: user.Id, Nickname: user.GetString("nickname"),
		ProfilePictureURL: api.FileURLOf(user, "profile_picture"), Appointed: appointed}
}

// getModerators: GET /api/chat/room/{id}/moderators/ — who may read the
// room.
func getModerators(e *core.RequestEvent, actor *core.Record) error {
	room, err := readableRoom(e, actor)
	if err != nil {
		return err
	}
	list, err := chat.RoomModerators(e.App, room)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, list)
}

// postModerator: POST /api/chat/room/{id}/moderators/ {"user" | "email"}
// — the owner or a superuser: 201 the entry (200 when already one).
func postModerator(e *core.RequestEvent, actor *core.Record) error {
	room, req, err := appointmentRequest(e, actor)
	if err != nil {
		return err
	}
	created, err := Appoint(e.App, actor, room, req.target)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return e.JSON(status, moderatorJSON(req.target, true))
}

// deleteModerator: DELETE /api/chat/room/{id}/moderators/ {"user" |
// "email"} — the owner or a superuser: 204.
func deleteModerator(e *core.RequestEvent, actor *core.Record) error {
	room, req, err := appointmentRequest(e, actor)
	if err != nil {
		return err
	}
	if _, err := Dismiss(e.App, actor, room, req.target); err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// appointmentRequest reads an appointment or a dismissal: the room the
// actor may read and appoint in, and the member named ({"user" | "email"}),
// checked in that order.
func appointmentRequest(e *core.RequestEvent, actor *core.Record) (*core.Record, *request, error) {
	room, err := readableRoom(e, actor)
	if err != nil {
		return nil, nil, err
	}
	if err := checkAppointer(e.App, actor, room); err != nil {
		return nil, nil, err
	}
	req, err := readRequest(e, false, false)
	if err != nil {
		return nil, nil, err
	}
	return room, req, nil
}

// checkAppointer: a non-moderator is told so; a moderator who is not the
// owner, that only the owner appoints.
func checkAppointer(app core.App, actor, room *core.Record) error {
	if !moderates(app, room, actor) {
		return ErrNotModerator
	}
	if !actor.IsSuperuser() && actor.Id != room.GetString("owner") {
		return api.Detail(http.StatusForbidden, msgOwnerOnly)
	}
	return nil
}
