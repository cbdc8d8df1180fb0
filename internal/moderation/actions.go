package moderation

import (
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// MaxMinutes bounds a mute's or ban's length (a year); minutes <= 0 is for
// good.
const MaxMinutes = 525600

const (
	msgNotModerator    = "You do not moderate this room."
	msgCannotModerate  = "You cannot moderate this member."
	msgOwnerOnly       = "Only the room's owner appoints its moderators."
	collectionMutes    = "room_mutes"
	collectionBans     = "room_bans"
	collectionAppoints = "room_moderators"
)

// ErrNotModerator (403) refuses an actor who does not moderate the room;
// ErrCannotModerate (403) an action on oneself, the room's owner, or
// (unless the actor is the owner or a superuser) another moderator.
var (
	ErrNotModerator   = api.Detail(http.StatusForbidden, msgNotModerator)
	ErrCannotModerate = api.Detail(http.StatusForbidden, msgCannotModerate)
)

// actorKey is the custom (never stored) key of a sanction or appointment
// record naming who changes it, for the log, when "by" cannot (a delete).
const actorKey = "@cobraModerationActor"

// CheckActs refuses actor acting on target in room unless actor moderates
// room and may act on target (see ErrCannotModerate).
func CheckActs(app core.App, actor, room, target *core.Record) error {
	if !moderates(app, room, actor) {
		return ErrNotModerator
	}
	switch {
	case target.Id == actor.Id, target.Id == room.GetString("owner"):
		return ErrCannotModerate
	case actor.IsSuperuser(), actor.Id == room.GetString("owner"):
		return nil
	case appointed(app, room.Id, target.Id):
		return ErrCannotModerate
	}
	return nil
}

// moderates reports whether actor moderates room (chat.Moderates).
func moderates(app core.App, room, actor *core.Record) bool {
	return chat.Moderates(app, room, actor)
}

func appointed(app core.App, roomId, userId string) bool {
	_, err := findRow(app, collectionAppoints, roomId, userId)
	return err == nil
}

// findRow is the row of collection naming room and user (sql.ErrNoRows
// when there is none). A plain query, not a PocketBase filter: every
// message sent asks it (is the sender muted?), and parsing a filter cost
// more than the lookup.
func findRow(app core.App, collection, roomId, userId string) (*core.Record, error) {
	row := &core.Record{}
	err := app.RecordQuery(collection).
		AndWhere(dbx.HashExp{"room": roomId, "user": userId}).
		Limit(1).One(row)
	if err != nil {
		return nil, err
	}
	return row, nil
}

// Mute keeps target from writing in room (sending, editing, reacting) for
// minutes (<= 0: for good), replacing a mute in force. It returns the
// room_mutes row.
func Mute(app core.App, actor, room, target *core.Record, minutes int, reason string) (*core.Record, error) {
	return sanction(app, collectionMutes, actor, room, target, minutes, reason)
}

// Ban keeps target out of room for minutes (<= 0: for good), replacing a
// ban in force: their connections to it close (4009) and every API answers
// as for a room they may not read, until the ban ends. It returns the
// room_bans row.
func Ban(app core.App, actor, room, target *core.Record, minutes int, reason string) (*core.Record, error) {
	return sanction(app, collectionBans, actor, room, target, minutes, reason)
}

func sanction(app core.App, collection string, actor, room, target *core.Record, minutes int, reason string) (*core.Record, error) {
	if err := CheckActs(app, actor, room, target); err != nil {
		return nil, err
	}
	var row *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		row, err = findRow(tx, collection, room.Id, target.Id)
		if errors.Is(err, sql.ErrNoRows) {
			c, cerr := tx.FindCachedCollectionByNameOrId(collection)
			if cerr != nil {
				return cerr
			}
			row = core.NewRecord(c)
			row.Set("room", room.Id)
			row.Set("user", target.Id)
		} else if err != nil {
			return err
		}
		until := ""
		if minutes > 0 {
			until = types.NowDateTime().Add(time.Duration(minutes) * time.Minute).String()
		}
		row.Set("until", until)
		row.Set("reason", reason)
		row.Set("by", api.MemberId(actor))
		row.Set(actorKey, api.MemberId(actor))
		row.Set(minutesKey, max(0, minutes))
		return tx.Save(row)
	})
	if err != nil {
		return nil, api.FromValidation(err)
	}
	return row, nil
}

// Unmute lifts target's mute in room; ended reports whether there was one.
func Unmute(app core.App, actor, room, target *core.Record) (ended bool, err error) {
	return lift(app, collectionMutes, actor, room, target)
}

// Unban lifts target's ban from room; ended reports whether there was one.
func Unban(app core.App, actor, room, target *core.Record) (ended bool, err error) {
	return lift(app, collectionBans, actor, room, target)
}

func lift(app core.App, collection string, actor, room, target *core.Record) (bool, error) {
	if err := CheckActs(app, actor, room, target); err != nil {
		return false, err
	}
	row, err := findRow(app, collection, room.Id, target.Id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	row.Set(actorKey, api.MemberId(actor))
	if err := app.Delete(row); err != nil {
		return false, err
	}
	return true, nil
}

// Kick closes target's connections to room now (WebSocket 4008, a topic's
// access_revoked with 4008); they may come back at once. The kick is
// logged. closed is how many connections ended.
func Kick(app core.App, actor, room, target *core.Record, reason string) (closed int, err error) {
	if err := CheckActs(app, actor, room, target); err != nil {
		return 0, err
	}
	if err := chat.WriteModerationLog(app, chat.ModerationEntry{Room: room.Id, Actor: api.MemberId(actor), Action: "kick", Target: target.Id, Reason: reason}); err != nil {
		return 0, err
	}
	return chat.Kick(app, room.Id, target.Id), nil
}

// Appoint makes target a moderator of room (actor: its owner or a
// superuser; never in a DM). created is false when target already was one.
func Appoint(app core.App, actor, room, target *core.Record) (created bool, err error) {
	if err := checkOwner(actor, room, target); err != nil {
		return false, err
	}
	if appointed(app, room.Id, target.Id) {
		return false, nil
	}
	c, err := app.FindCachedCollectionByNameOrId(collectionAppoints)
	if err != nil {
		return false, err
	}
	row := core.NewRecord(c)
	row.Set("room", room.Id)
	row.Set("user", target.Id)
	row.Set("by", api.MemberId(actor))
	row.Set(actorKey, api.MemberId(actor))
	if err := app.Save(row); err != nil {
		return false, api.FromValidation(err)
	}
	return true, nil
}

// Dismiss ends target's appointment as a moderator of room.
func Dismiss(app core.App, actor, room, target *core.Record) (ended bool, err error) {
	if err := checkOwner(actor, room, target); err != nil {
		return false, err
	}
	row, err := findRow(app, collectionAppoints, room.Id, target.Id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	row.Set(actorKey, api.MemberId(actor))
	return true, app.Delete(row)
}

// checkOwner: only the room's owner (or a superuser) appoints, never in a
// DM, never the owner themselves.
func checkOwner(actor, room, target *core.Record) error {
	switch {
	case room.GetString("dm_key") != "":
		return ErrNotModerator
	case !actor.IsSuperuser() && actor.Id != room.GetString("owner"):
		return api.Detail(http.StatusForbidden, msgOwnerOnly)
	case target.Id == room.GetString("owner"):
		return ErrCannotModerate
	}
	return nil
}
