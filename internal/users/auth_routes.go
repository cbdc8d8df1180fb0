package users

import (
	"errors"
	"fmt"
	"github.com/pocketbase/pocketbase/tools/router"
	"golang.org/x/crypto/bcrypt"
	"math"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/cobraspace/cobraspace/internal/api"
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
	return e.JSON(http.StatusCreated, map[string]any{
		"email":   user.Email(),
		"message": msgRegistered,
		"profile": profile,
	})
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
	limitKey := strings.ToLower(email)
	if seconds := m.throttled(e, limitKey); seconds > 0 {
		return api.Detail(http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d seconds.", seconds))
	}

	user, err := findMemberByEmail(e.App, email)
	if err != nil {
		return err // not a failed login: the database failed
	}
	if user == nil {
		spendPasswordCheck(password) // as long as a wrong password takes: no enumeration by timing
	}
	if user == nil || !user.ValidatePassword(password) {
		m.limiter.fail(ip, limitKey)
		return api.FieldError("non_field_errors", msgBadCredentials)
	}
	m.limiter.succeed(ip, limitKey)

	pair, err := openSession(e.App, user, e.Request, ip)
	if err != nil {
		return err
	}
	profile, err := profileJSON(e.App, user, user)
	if err != nil {
		return err
	}
	setAuthCookie(e, pair.Access, user.Collection().AuthToken.Duration)
	return e.JSON(http.StatusOK, map[string]any{
		"message":    msgWelcome,
		"profile":    profile,
		"refresh":    pair.Refresh,
		"access":     pair.Access,
		"session_id": pair.SessionId,
	})
}

// setAuthCookie lets browser WebSocket clients authenticate (they cannot
// set headers). HttpOnly and SameSite=Lax: scripts cannot read it and
// cross-site requests do not carry it.
func setAuthCookie(e *core.RequestEvent, token string, maxAge int64) {
	e.SetCookie(&http.Cookie{
		Name:     AuthCookieName,
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
		return &api.Problem{Status: http.StatusUnauthorized, Body: map[string]string{
			"detail": msgTokenInvalid,
			"code":   "token_not_valid",
		}}
	}
	return e.JSON(http.StatusOK, map[string]string{"access": pair.Access, "refresh": pair.Refresh})
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
	if err := closeSession(e.App, me, RequestToken(e.Request)); err != nil {
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
	return e.JSON(http.StatusOK, map[string]string{"message": msgLoggedOut})
}

// dummyHash is a bcrypt hash (default cost, like PocketBase's) of nothing
// anyone types; comparing against it costs what a real check costs.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte(security.RandomString(32)), bcrypt.DefaultCost)

func spendPasswordCheck(password string) {
	_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
}

// throttled is how many seconds the client must wait before trying to log
// in as email again (0: it may try now); it sets Retry-After.
func (m *module) throttled(e *core.RequestEvent, email string) int {
	wait := m.limiter.retryAfter(e.RealIP(), email)
	if wait <= 0 {
		return 0
	}
	seconds := int(math.Ceil(wait.Seconds()))
	e.Response.Header().Set("Retry-After", fmt.Sprint(seconds))
	return seconds
}

// throttleSDKLogin puts PocketBase's authWithPassword (the JS SDK's login)
// under the same failure limit as POST /user/login/.
func (m *module) throttleSDKLogin(e *core.RecordAuthWithPasswordRequestEvent) error {
	identity := strings.ToLower(strings.TrimSpace(e.Identity))
	if seconds := m.throttled(e.RequestEvent, identity); seconds > 0 {
		return e.TooManyRequestsError(fmt.Sprintf("Too many failed logins. Try again in %d seconds.", seconds), nil)
	}
	err := e.Next()
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		m.limiter.fail(e.RealIP(), identity)
	} else if err == nil {
		m.limiter.succeed(e.RealIP(), identity)
	}
	return err
}
