package users

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// Blocks (docs/API.md, "Moderation and member safety"): POST /user/block/
// and /user/unblock/ {"email"}, GET /user/blocked/. A blocks row is the
// blocker's own (its rules show it to nobody else): the blocked member is
// never told. What a block does is the chat's, notifications' and
// friends' (their hooks and queries read the rows).

const (
	msgBlocked       = "차단했습니다."
	msgUnblocked     = "차단을 해제했습니다."
	msgCannotBlock   = "You cannot block yourself."
	msgCannotUnblock = "You cannot unblock yourself."
)

// blockTarget is the member named by the {"email"} body of a block route:
// 404 when there is none, 400 when it is me.
func blockTarget(e *core.RequestEvent, me *core.Record, selfMsg string) (*core.Record, error) {
	email, err := readEmail(e)
	if err != nil {
		return nil, err
	}
	other, err := findMemberByEmail(e.App, email)
	if err != nil {
		return nil, err
	}
	if other == nil {
		return nil, api.Detail(http.StatusNotFound, msgNoSuchUser)
	}
	if other.Id == me.Id {
		return nil, api.Detail(http.StatusBadRequest, selfMsg)
	}
	return other, nil
}

func findBlockRow(app core.App, me, other *core.Record) *core.Record {
	row, err := app.FindFirstRecordByFilter("blocks", "user = {:user} && blocked = {:blocked}",
		dbx.Params{"user": me.Id, "blocked": other.Id})
	if err != nil {
		return nil
	}
	return row
}

// blockMember: POST /user/block/ {"email"} — 200 {"message": "차단했습니다."},
// the same when they were blocked already.
func blockMember(e *core.RequestEvent, me *core.Record) error {
	other, err := blockTarget(e, me, msgCannotBlock)
	if err != nil {
		return err
	}
	if findBlockRow(e.App, me, other) == nil {
		collection, err := e.App.FindCachedCollectionByNameOrId("blocks")
		if err != nil {
			return err
		}
		row := core.NewRecord(collection)
		row.Set("user", me.Id)
		row.Set("blocked", other.Id)
		if err := e.App.Save(row); err != nil && findBlockRow(e.App, me, other) == nil { // else a twin request won
			return api.FromValidation(err)
		}
	}
	return e.JSON(http.StatusOK, messageAnswer{msgBlocked})
}

// unblockMember: POST /user/unblock/ {"email"} — 200 {"message":
// "차단을 해제했습니다."}, the same when they were not blocked.
func unblockMember(e *core.RequestEvent, me *core.Record) error {
	other, err := blockTarget(e, me, msgCannotUnblock)
	if err != nil {
		return err
	}
	if row := findBlockRow(e.App, me, other); row != nil {
		if err := e.App.Delete(row); err != nil {
			return err
		}
	}
	return e.JSON(http.StatusOK, messageAnswer{msgUnblocked})
}

// blockedCard is a member in GET /user/blocked/.
type blockedCard struct {
	Id             string         `json:"id"`
	Nickname       string         `json:"nickname"`
	ProfilePicture api.NullString `json:"profile_picture"`
}

// listBlocked: GET /user/blocked/ — the members I blocked, first blocked
// first.
func listBlocked(e *core.RequestEvent, me *core.Record) error {
	blocked := []*core.Record{}
	err := e.App.RecordQuery(api.MemberCollection).
		InnerJoin("blocks b", dbx.NewExp("b.blocked = users.id")).
		Where(dbx.HashExp{"b.user": me.Id}).
		OrderBy("b.created ASC", "b.rowid ASC").
		All(&blocked)
	if err != nil {
		return err
	}
	out := make([]blockedCard, len(blocked))
	for i, u := range blocked {
		out[i] = blockedCard{Id: u.Id, Nickname: u.GetString("nickname"), ProfilePicture: api.FileURLOf(u, "profile_picture")}
	}
	return e.JSON(http.StatusOK, out)
}
