package chat

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

const (
	msgDMSelf       = "You cannot message yourself."
	msgDMNoSuchUser = "User with this email does not exist."
	msgDMNotFriends = "You can only message your friends."
)

// bindDMRoutes binds POST /api/chat/dm/ (direct messages, docs/API.md
// "Direct messages"). A DM room has dm_key "<smaller id>:<larger id>"
// (unique) and its two members; the rooms and messages rules let those two
// alone read and write it, on every API.
func bindDMRoutes(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		api.Handle(se.Router.Group("/api/chat"), http.MethodPost, "/dm", api.RequireMember(openDM))
		return se.Next()
	})
}

// DMKey is the dm_key of the DM room of two members.
func DMKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + ":" + b
}

// openDM: POST /api/chat/dm/ {"email"} or {"user": "<id>"} → the pair's
// one DM room: 200 when it exists, 201 when made now (two racing requests
// make one room: the dm_key index is unique, the loser answers with the
// winner's room). Allowed when either has the other on their friends list,
// never to a private member who has not added me.
func openDM(e *core.RequestEvent, me *core.Record) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	email, hasEmail := body.String(fe, "email")
	userId, hasUser := body.String(fe, "user")
	if err := fe.Err(); err != nil {
		return err
	}
	email, userId = strings.TrimSpace(email), strings.TrimSpace(userId)
	switch {
	case hasEmail && hasUser:
		return api.FieldError("non_field_errors", "Send either email or user, not both.")
	case email == "" && userId == "":
		field := "email"
		if hasUser {
			field = "user"
		}
		return api.FieldError(field, api.MsgRequired)
	}

	var other *core.Record
	if email != "" {
		other, err = e.App.FindAuthRecordByEmail(api.MemberCollection, email)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return api.Detail(http.StatusNotFound, msgDMNoSuchUser)
			}
			return err
		}
	} else {
		other, err = e.App.FindRecordById(api.MemberCollection, userId)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return api.NotFound()
			}
			return err
		}
	}
	if other.Id == me.Id {
		return api.Detail(http.StatusBadRequest, msgDMSelf)
	}
	allowed, err := mayMessage(e.App, me, other)
	if err != nil {
		return err
	}
	if !allowed {
		return api.Detail(http.StatusForbidden, msgDMNotFriends)
	}

	key := DMKey(me.Id, other.Id)
	if room, err := e.App.FindFirstRecordByData("rooms", "dm_key", key); err == nil {
		return dmAnswer(e, room, me, http.StatusOK)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	collection, err := e.App.FindCachedCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	room := core.NewRecord(collection)
	room.Set("name", dmName(e.App, me, other))
	room.Set("owner", me.Id)
	room.Set("dm_key", key)
	room.Set("members", []string{me.Id, other.Id})
	if saveErr := e.App.Save(room); saveErr != nil {
		// a twin request made it first: the unique dm_key refused ours
		if twin, err := e.App.FindFirstRecordByData("rooms", "dm_key", key); err == nil {
			return dmAnswer(e, twin, me, http.StatusOK)
		}
		return api.FromValidation(saveErr)
	}
	return dmAnswer(e, room, me, http.StatusCreated)
}

func dmAnswer(e *core.RequestEvent, room, me *core.Record, status int) error {
	data, err := roomData(e, room, me, historyPage{})
	if err != nil {
		return err
	}
	return e.JSON(status, data)
}

// mayMessage: me may open a DM with other when either has the other on
// their friends list, unless other is private and has not added me, or
// other blocked me.
func mayMessage(app core.App, me, other *core.Record) (bool, error) {
	if Blocked(app, other.Id, me.Id) {
		return false, nil // they blocked me: as for a stranger, and never told
	}
	var rows []struct {
		User string `db:"user"`
	}
	err := app.DB().Select("user").From("friends").
		Where(dbx.Or(
			dbx.HashExp{"user": me.Id, "friend": other.Id},
			dbx.HashExp{"user": other.Id, "friend": me.Id},
		)).All(&rows)
	if err != nil {
		return false, err
	}
	mine, theirs := false, false
	for _, r := range rows {
		if r.User == me.Id {
			mine = true
		} else {
			theirs = true
		}
	}
	if theirs {
		return true, nil
	}
	return mine && !other.GetBool("is_private"), nil
}

// dmName labels a DM room with its members' nicknames (clients show the
// other member's card instead), within rooms.name's limit.
func dmName(app core.App, a, b *core.Record) string {
	name := strings.TrimSpace(a.GetString("nickname") + ", " + b.GetString("nickname"))
	if name == "," || name == "" {
		name = "DM"
	}
	if max := api.TextMax(app, "rooms", "name"); max > 0 && len([]rune(name)) > max {
		name = string([]rune(name)[:max])
	}
	return name
}
