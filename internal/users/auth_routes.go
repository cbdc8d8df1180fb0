package users

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/security"
	"golang.org/x/crypto/bcrypt"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/limits"
)

const (
	msgRegistered      = "회원가입이 완료되었습니다."
	msgWelcome         = "환영합니다."
	msgLoggedOut       = "로그아웃이 완료되었습니다."
	msgEmailTaken      = "A user is already registered with this e-mail address."
	msgBadCredentials  = "Unable to log in with provided credentials."
	msgPasswordsDiffer = "The two password fields didn't match."
	msgTokenInvalid    = "Token is invalid or expired"
)

// The documented answers of the /user routes (the profile object is in
// profile.go, the friend cards in friends.go and search_friends.go).
type (
	// registered: POST /user/registration/
	registered struct {
		Email   string   `json:"email"`
		Message string   `json:"message"`
		Profile *profile `json:"profile"`
	}
	// loggedIn: POST /user/login/
	loggedIn struct {
		Message   string   `json:"message"`
		Profile   *profile `json:"profile"`
		Refresh   string   `json:"refresh"`
		Access    string   `json:"access"`
		SessionId string   `json:"session_id"`
	}
	// refreshed: POST /user/token/refresh/
	refreshed struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh"`
	}
	// tokenNotValid: POST /user/token/refresh/ with a bad refresh token (401)
	tokenNotValid struct {
		Detail string `json:"detail"`
		Code   string `json:"code"`
	}
	// messageAnswer: {"message"} of logout, add-friend, delete-friend and
	// a private account's 403
	messageAnswer struct {
		Message string `json:"message"`
	}
)

// registration: POST /user/registration/
// Body {"email","password"} or dj-rest-auth's {"email","password1","password2"},
// plus optional profile fields.
func (m *module) registration(e *core.RequestEvent) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	email := strings.TrimSpace(body.RequiredString(fe, "email"))
	password := registrationPassword(body, fe)

	collection, err := e.App.FindCachedCollectionByNameOrId(api.MemberCollection)
	if err != nil {
		return err
	}
	user := core.NewRecord(collection)
	user.SetEmail(email)
	user.SetPassword(password)
	user.SetEmailVisibility(true) // the documented API is e-mail based
	applyProfileFields(body, user, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	if taken, err := findMemberByEmail(e.App, email); err != nil {
		return err
	} else if taken != nil {
		return api.FieldError("email", msgEmailTaken)
	}
	if err := e.App.Save(user); err != nil {
		if twin, findErr := findMemberByEmail(e.App, email); findErr == nil && twin != nil {
			return api.FieldError("email", msgEmailTaken) // lost a race with a twin request
		}
		return api.FromValidation(err)
	}
	profile, err := profileJSON(e.App, user, user)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, registered{Email: user.Email(), Message: msgRegistered, Profile: profile})
}

// registrationPassword reads "password", or "password1" checked against
// "password2" when that form is used.
func registrationPassword(body *api.Body, fe api.FieldErrors) string {
	if !body.Has("password1") {
		return body.RequiredString(fe, "password")
	}
	p1 := body.RequiredString(fe, "password1")
	if body.Has("password2") {
		p2, _ := body.String(fe, "password2")
		if p1 != "" && p1 != p2 {
			fe.Add("non_field_errors", msgPasswordsDiffer)
		}
	}
	return p1
}

// login: POST /user/login/
// A wrong e-mail and a wrong password get the same answer, and repeated
// failures from one client are throttled.
func (m *module) login(e *core.RequestEvent) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	email := strings.TrimSpace(body.RequiredString(fe, "email"))
	password := body.RequiredString(fe, "password")
	if err := fe.Err(); err != nil {
		return err
	}

	ip := e.RealIP()
	guess, wait := m.reserveLogin(e.App, ip, loginLimitKey(email))
	if guess == nil {
		return api.Throttled(wait)
	}
	user, err := findMemberByEmail(e.App, email)
	if err != nil {
		guess.release()
		return err // not a failed login: the database failed
	}
	if user == nil {
		spendPasswordCheck(password) // as long as a wrong password takes: no enumeration by timing
	}
	if user == nil || !user.ValidatePassword(password) {
		guess.fail()
		return api.FieldError("non_field_errors", msgBadCredentials)
	}
	if ok, wait := allowLogin(e.App, user); !ok {
		guess.release() // the password was right: not a failure
		return api.Throttled(wait)
	}
	guess.succeed()

	pair, err := openSession(e.App, user, e.Request, ip)
	if err != nil {
		return err
	}
	profile, err := profileJSON(e.App, user, user)
	if err != nil {
		return err
	}
	setAuthCookie(e, pair.Access, user.Collection().AuthToken.Duration)
	return e.JSON(http.StatusOK, loggedIn{
		Message:   msgWelcome,
		Profile:   profile,
		Refresh:   pair.Refresh,
		Access:    pair.Access,
		SessionId: pair.SessionId,
	})
}

// setAuthCookie lets browser WebSocket clients authenticate (they cannot
// set headers). HttpOnly and SameSite=Lax: scripts cannot read it and
// cross-site requests do not carry it.
func setAuthCookie(e *core.RequestEvent, token string, maxAge int64) {
	e.SetCookie(&http.Cookie{
		Name:     auth.AuthCookieName,
		Value:    token,
		Path:     "/",
		MaxAge:   int(maxAge),
		HttpOnly: true,
		Secure:   e.IsTLS(),
		SameSite: http.SameSiteLaxMode,
	})
}

// tokenRefresh: POST /user/token/refresh/ {"refresh"} → {"access","refresh"}
func (m *module) tokenRefresh(e *core.RequestEvent) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	refresh := body.RequiredString(fe, "refresh")
	if err := fe.Err(); err != nil {
		return err
	}
	pair, err := rotateSession(e.App, refresh)
	if err != nil && !errors.Is(err, errTokenInvalid) {
		return err // the server's failure, not the token's: the client may retry
	}
	if err != nil {
		return &api.Problem{Status: http.StatusUnauthorized, Body: tokenNotValid{Detail: msgTokenInvalid, Code: "token_not_valid"}}
	}
	return e.JSON(http.StatusOK, refreshed{Access: pair.Access, Refresh: pair.Refresh})
}

// logout: POST /user/logout/ ends the session of the access token used
// (and of a "refresh" token in the body, when it is the caller's).
func (m *module) logout(e *core.RequestEvent, me *core.Record) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	refresh, hasRefresh := body.String(fe, "refresh")
	if err := fe.Err(); err != nil {
		return err
	}
	if err := closeSession(e.App, me, auth.RequestToken(e.Request)); err != nil {
		return err
	}
	if hasRefresh {
		if claims, err := security.ParseJWT(refresh, signingKey(me)); err == nil {
			if sid, _ := claims[claimSessionId].(string); sid != "" {
				if err := deleteSession(e.App, me, sid); err != nil {
					return err
				}
			}
		}
	}
	setAuthCookie(e, "", -1)
	return e.JSON(http.StatusOK, messageAnswer{msgLoggedOut})
}

// dummyHash is a bcrypt hash (default cost, like PocketBase's) of nothing
// anyone types; comparing against it costs what a real check costs.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte(security.RandomString(32)), bcrypt.DefaultCost)

func spendPasswordCheck(password string) {
	_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
}

// loginLimitKey is the failure-limit key of an e-mail or identity: the
// letter case does not give fresh attempts.
func loginLimitKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// setRetryAfter sets the Retry-After header to wait, in whole seconds.
func setRetryAfter(e *core.RequestEvent, wait time.Duration) int {
	seconds := limits.RetryAfterSeconds(wait)
	e.Response.Header().Set("Retry-After", strconv.Itoa(seconds))
	return seconds
}

// throttleSDKLogin puts PocketBase's authWithPassword (the JS SDK's login)
// under the same failure limit as POST /user/login/: the attempt is
// reserved before PocketBase checks the password.
func (m *module) throttleSDKLogin(e *core.RecordAuthWithPasswordRequestEvent) error {
	guess, wait := m.reserveLogin(e.App, e.RealIP(), loginLimitKey(e.Identity))
	if guess == nil {
		seconds := setRetryAfter(e.RequestEvent, wait)
		return e.TooManyRequestsError(fmt.Sprintf("Too many failed logins. Try again in %d seconds.", seconds), nil)
	}
	err := e.Next()
	var apiErr *router.ApiError
	switch {
	case err == nil:
		guess.succeed()
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest:
		guess.fail() // PocketBase's "Failed to authenticate."
	default:
		guess.release() // the password was right, or never checked
	}
	return err
}

// throttleOldPassword puts the oldPassword that PocketBase checks when a
// member changes their password through the records API under the login
// failure limit of their e-mail: a wrong guess is a failed login.
func (m *module) throttleOldPassword(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next() // superusers set passwords without the old one
	}
	info, err := e.RequestInfo()
	if err != nil || !changesPassword(info.Body) {
		return e.Next()
	}
	guess, wait := m.reserveLogin(e.App, e.RealIP(), loginLimitKey(e.Record.Original().Email()))
	if guess == nil {
		seconds := setRetryAfter(e.RequestEvent, wait)
		return e.TooManyRequestsError(fmt.Sprintf("Too many failed password checks. Try again in %d seconds.", seconds), nil)
	}
	err = e.Next()
	switch {
	case err == nil:
		guess.succeed()
	case oldPasswordRejected(err):
		guess.fail()
	default:
		guess.release() // the old password was right, or never checked
	}
	return err
}

// changesPassword reports whether a records API body sets a password
// (what makes PocketBase check oldPassword).
func changesPassword(body map[string]any) bool {
	for _, key := range []string{"password", "passwordConfirm", "oldPassword"} {
		if v, ok := body[key]; ok && v != nil && v != "" {
			return true
		}
	}
	return false
}

// oldPasswordRejected reports whether PocketBase refused the update
// because oldPassword was checked and wrong.
func oldPasswordRejected(err error) bool {
	var apiErr *router.ApiError
	if !errors.As(err, &apiErr) {
		return false
	}
	raw, _ := apiErr.RawData().(error)
	var verrs validation.Errors
	if raw == nil || !errors.As(raw, &verrs) {
		return false
	}
	var ve validation.Error
	return errors.As(verrs["oldPassword"], &ve) && ve.Code() == "validation_invalid_old_password"
}
