package users

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
)

// profile is the documented "profile" object.
type profile struct {
	Id             string         `json:"id"`
	User           string         `json:"user"` // the member's id again (the Django profile's user)
	Email          api.NullString `json:"email"`
	Nickname       string         `json:"nickname"`
	ProfilePicture api.NullString `json:"profile_picture"`
	Bio            string         `json:"bio"`
	ContactNumber  string         `json:"contact_number"`
	Status         string         `json:"status"`
	IsPrivate      bool           `json:"is_private"`
	FriendsEmails  []string       `json:"friends_emails"`
	CreatedAt      api.NullString `json:"created_at"`
}

// profileJSON is the documented "profile" object of user, as seen by viewer.
func profileJSON(app core.App, user, viewer *core.Record) (*profile, error) {
	friendEmails, err := friendsEmails(app, user, viewer)
	if err != nil {
		return nil, err
	}
	return &profile{
		Id:             user.Id,
		User:           user.Id,
		Email:          auth.EmailFor(viewer, user),
		Nickname:       user.GetString("nickname"),
		ProfilePicture: api.FileURLOf(user, "profile_picture"),
		Bio:            user.GetString("bio"),
		ContactNumber:  user.GetString("contact_number"),
		Status:         user.GetString("status"),
		IsPrivate:      user.GetBool("is_private"),
		FriendsEmails:  friendEmails,
		CreatedAt:      api.TimeOf(user.GetDateTime("created")),
	}, nil
}

// friendsEmails lists the e-mails on user's friends list that viewer may
// see, for the owner too (a friends row can be added by id through the
// records API, without knowing the e-mail): the member must be visible to
// viewer under the users view rule (a private member only to the people on
// their own list), and the e-mail under auth.EmailFor (viewer's own, or shown).
func friendsEmails(app core.App, user, viewer *core.Record) ([]string, error) {
	collection, err := app.FindCachedCollectionByNameOrId(api.MemberCollection)
	if err != nil {
		return nil, err
	}
	query := app.RecordQuery(collection).
		InnerJoin("friends f", dbx.NewExp("f.friend = [[users.id]]")).
		AndWhere(dbx.HashExp{"f.user": user.Id})
	info := &core.RequestInfo{Context: core.RequestInfoContextDefault, Auth: viewer}
	if err := api.ApplyRule(app, query, collection, info, collection.ViewRule); err != nil {
		return nil, err
	}
	friends := []*core.Record{}
	if err := query.OrderBy("f.created ASC", "f.id ASC").All(&friends); err != nil {
		return nil, err
	}
	emails := make([]string, 0, len(friends))
	for _, f := range friends {
		if email := auth.EmailFor(viewer, f); email != "" {
			emails = append(emails, string(email))
		}
	}
	return emails, nil
}

// applyProfileFields copies the editable profile fields present in body
// onto user; type errors are recorded in fe (limits are checked on save).
func applyProfileFields(body *api.Body, user *core.Record, fe api.FieldErrors) {
	for _, field := range []string{"nickname", "bio", "contact_number"} {
		if v, ok := body.String(fe, field); ok {
			user.Set(field, v)
		}
	}
	if v, ok := body.String(fe, "status"); ok {
		if !slices.Contains(statusChoices(user), v) {
			fe.Add("status", fmt.Sprintf("%q is not a valid choice.", v))
		} else {
			user.Set("status", v)
		}
	}
	if v, ok := body.Bool(fe, "is_private"); ok {
		user.Set("is_private", v)
	}
	if v, ok := body.Bool(fe, "email_visibility"); ok {
		user.SetEmailVisibility(v)
	}
	applyPicture(body, user, fe)
}

// statusChoices are the values of the users.status select field as stored.
func statusChoices(user *core.Record) []string {
	if f, ok := user.Collection().Fields.GetByName("status").(*core.SelectField); ok {
		return f.Values
	}
	return nil
}

// applyPicture replaces the picture with an uploaded file, or removes it
// when the body sends null or an empty string.
func applyPicture(body *api.Body, user *core.Record, fe api.FieldErrors) {
	const field = "profile_picture"
	if files := body.Files[field]; len(files) > 0 {
		if len(files) > 1 {
			fe.Add(field, "Upload a single file.")
			return
		}
		user.Set(field, files[0])
		return
	}
	raw, present := body.Data[field]
	if !present {
		return
	}
	if s, isString := raw.(string); raw == nil || (isString && s == "") {
		user.Set(field, "")
		return
	}
	fe.Add(field, "The submitted data was not a file. Check the encoding type on the form.")
}

// getProfile: GET /user/profile/
func getProfile(e *core.RequestEvent, me *core.Record) error {
	profile, err := profileJSON(e.App, me, me)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, profile)
}

// updateProfile: PUT/PATCH /user/profile/ (both partial, JSON or multipart).
func updateProfile(e *core.RequestEvent, me *core.Record) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	user := me.Fresh()
	fe := api.FieldErrors{}
	applyProfileFields(body, user, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	if err := e.App.Save(user); err != nil {
		return api.FromValidation(err)
	}
	profile, err := profileJSON(e.App, user, user)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, profile)
}
