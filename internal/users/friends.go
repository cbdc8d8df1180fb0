package users

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/chat"
)

const (
	msgNoSuchUser       = "User with this email does not exist."
	msgCannotAddSelf    = "You cannot add yourself as a friend."
	msgFriendAdded      = "%s님을 친구로 추가했습니다."
	msgAlreadyFriend    = "%s님은 이미 친구 목록에 있습니다."
	msgFriendDeleted    = "%s님을 친구 목록에서 삭제했습니다."
	msgNotInFriendsList = "%s님은 친구 목록에 없습니다."
	msgPrivateAccount   = "This account is private."
)

// readEmail reads the required "email" of the friend routes.
func readEmail(e *core.RequestEvent) (string, error) {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return "", err
	}
	fe := api.FieldErrors{}
	email := strings.TrimSpace(body.RequiredString(fe, "email"))
	return email, fe.Err()
}

// findFriendRow is the friends row "me keeps other on my list": (nil, nil)
// when there is none; other errors are the database's.
func findFriendRow(app core.App, me, other *core.Record) (*core.Record, error) {
	row, err := app.FindFirstRecordByFilter("friends", "user = {:user} && friend = {:friend}",
		dbx.Params{"user": me.Id, "friend": other.Id})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// addFriend: POST /user/add-friend/ {"email"}
func addFriend(e *core.RequestEvent, me *core.Record) error {
	email, err := readEmail(e)
	if err != nil {
		return err
	}
	other, err := findMemberByEmail(e.App, email)
	if err != nil {
		return err
	}
	if other == nil {
		return api.Detail(http.StatusNotFound, msgNoSuchUser)
	}
	if other.Id == me.Id {
		return api.Detail(http.StatusBadRequest, msgCannotAddSelf)
	}
	if row, err := findFriendRow(e.App, me, other); err != nil {
		return err
	} else if row != nil {
		return api.Detail(http.StatusBadRequest, fmt.Sprintf(msgAlreadyFriend, other.Email()))
	}
	if chat.Blocked(e.App, other.Id, me.Id) {
		// they blocked me: answered as usual, stored nothing, never told
		return e.JSON(http.StatusOK, messageAnswer{fmt.Sprintf(msgFriendAdded, other.Email())})
	}
	collection, err := e.App.FindCachedCollectionByNameOrId("friends")
	if err != nil {
		return err
	}
	row := core.NewRecord(collection)
	row.Set("user", me.Id)
	row.Set("friend", other.Id)
	if err := e.App.Save(row); err != nil {
		if twin, findErr := findFriendRow(e.App, me, other); findErr == nil && twin != nil { // a twin request won the race
			return api.Detail(http.StatusBadRequest, fmt.Sprintf(msgAlreadyFriend, other.Email()))
		}
		return api.FromValidation(err)
	}
	return e.JSON(http.StatusOK, messageAnswer{fmt.Sprintf(msgFriendAdded, other.Email())})
}

// deleteFriend: POST /user/delete-friend/ {"email"}. An unknown e-mail
// gets the same answer as a known one that is not on the list.
func deleteFriend(e *core.RequestEvent, me *core.Record) error {
	email, err := readEmail(e)
	if err != nil {
		return err
	}
	notInList := api.Detail(http.StatusNotFound, fmt.Sprintf(msgNotInFriendsList, email))
	other, err := findMemberByEmail(e.App, email)
	if err != nil {
		return err
	}
	if other == nil {
		return notInList
	}
	row, err := findFriendRow(e.App, me, other)
	if err != nil {
		return err
	}
	if row == nil {
		return notInList
	}
	if err := e.App.Delete(row); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, messageAnswer{fmt.Sprintf(msgFriendDeleted, other.Email())})
}

// friendCard is the public card of a user in GET /user/friends/.
type friendCard struct {
	Id             string         `json:"id"`
	Email          api.NullString `json:"email"`
	Nickname       string         `json:"nickname"`
	ProfilePicture api.NullString `json:"profile_picture"`
	Status         string         `json:"status"`
}

// friendJSON is user's card as viewer may see it.
func friendJSON(viewer, user *core.Record) friendCard {
	return friendCard{
		Id:             user.Id,
		Email:          auth.EmailFor(viewer, user),
		Nickname:       user.GetString("nickname"),
		ProfilePicture: api.FileURLOf(user, "profile_picture"),
		Status:         user.GetString("status"),
	}
}

// listFriends: GET /user/friends/ — the people on my list, oldest first.
func listFriends(e *core.RequestEvent, me *core.Record) error {
	friends := []*core.Record{}
	err := e.App.RecordQuery(api.MemberCollection).
		InnerJoin("friends f", dbx.NewExp("f.friend = users.id")).
		Where(dbx.HashExp{"f.user": me.Id}).
		OrderBy("f.created ASC", "f.id ASC").
		All(&friends)
	if err != nil {
		return err
	}
	// A hidden e-mail stays hidden here too: rows can also be added by id
	// through the records API, by someone who never knew the e-mail.
	out := make([]friendCard, len(friends))
	for i, f := range friends {
		out[i] = friendJSON(me, f)
	}
	return e.JSON(http.StatusOK, out)
}

// friendProfile: GET /user/friend-profile/{id}/ — a user's profile under
// the users collection's view rule: private accounts only for the people
// on their own friends list.
func friendProfile(e *core.RequestEvent, me *core.Record) error {
	user, err := e.App.FindRecordById(api.MemberCollection, e.Request.PathValue("id"))
	if errors.Is(err, sql.ErrNoRows) {
		return api.NotFound()
	}
	if err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	allowed, err := e.App.CanAccessRecord(user, info, user.Collection().ViewRule)
	if err != nil {
		return err
	}
	if !allowed {
		return &api.Problem{Status: http.StatusForbidden, Body: messageAnswer{msgPrivateAccount}}
	}
	profile, err := profileJSON(e.App, user, me)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, profile)
}
