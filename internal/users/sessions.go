package users

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// Login sessions.
//
// The "access" token of POST /user/login/ is a regular PocketBase auth token
// (so the JS SDK, the record API and realtime accept it) carrying one extra
// claim, "sid", naming a login_sessions row. The "refresh" token is signed
// with the same per-user key but has its own type, so PocketBase never takes
// it for an auth token and we never take an access token for a refresh.
// Logout deletes the session row, which revokes both. PocketBase's own
// logins (the SDK's authWithPassword...) open a session too and hand out
// an access token of it (sdkSessions). A plain token (no sid: a
// superuser's impersonation token, or one signed before sessions covered
// SDK logins) is revoked on logout by recording its hash in revoked_tokens.
//
// This file is the write side (open, rotate, close); whether a token's
// session is still open is internal/auth's (the read side every route
// package shares).
const (
	claimSessionId    = auth.ClaimSessionId
	claimJTI          = "jti"
	tokenTypeRefresh  = "cobraRefresh"
	sessionLifetime   = 14 * 24 * time.Hour
	sessionCollection = auth.SessionCollection
	revokedCollection = auth.RevokedCollection
)

var (
	errTokenInvalid = errors.New("token invalid")
	errSessionEnded = fmt.Errorf("%w: session ended", errTokenInvalid)
	errRefreshReuse = fmt.Errorf("%w: refresh token reused", errTokenInvalid)
)

// tokenPair is what login and refresh hand out.
type tokenPair struct {
	Access    string
	Refresh   string
	SessionId string
}

func signingKey(user *core.Record) string {
	return user.TokenKey() + user.Collection().AuthToken.Secret
}

// openSession stores a new login session for user and signs its tokens.
func openSession(app core.App, user *core.Record, r *http.Request, ip string) (*tokenPair, error) {
	collection, err := app.FindCachedCollectionByNameOrId(sessionCollection)
	if err != nil {
		return nil, err
	}
	session := core.NewRecord(collection)
	session.Set("user", user.Id)
	session.Set("refresh_jti", security.RandomString(32))
	session.Set("expires", time.Now().Add(sessionLifetime))
	session.Set("user_agent", truncate(r.UserAgent(), 300))
	session.Set("ip", truncate(ip, 64))
	if err := app.Save(session); err != nil {
		return nil, err
	}
	return signPair(user, session)
}

// signAccess signs an access token of user for the session sid.
func signAccess(user *core.Record, sid string) (string, error) {
	return security.NewJWT(jwt.MapClaims{
		core.TokenClaimType:         core.TokenTypeAuth,
		core.TokenClaimId:           user.Id,
		core.TokenClaimCollectionId: user.Collection().Id,
		core.TokenClaimRefreshable:  true,
		claimSessionId:              sid,
	}, signingKey(user), user.Collection().AuthToken.DurationTime())
}

func signPair(user *core.Record, session *core.Record) (*tokenPair, error) {
	key := signingKey(user)
	access, err := signAccess(user, session.Id)
	if err != nil {
		return nil, err
	}
	refresh, err := security.NewJWT(jwt.MapClaims{
		core.TokenClaimType:         tokenTypeRefresh,
		core.TokenClaimId:           user.Id,
		core.TokenClaimCollectionId: user.Collection().Id,
		claimSessionId:              session.Id,
		claimJTI:                    session.GetString("refresh_jti"),
	}, key, time.Until(session.GetDateTime("expires").Time()))
	if err != nil {
		return nil, err
	}
	return &tokenPair{Access: access, Refresh: refresh, SessionId: session.Id}, nil
}

// rotateSession checks a refresh token and exchanges it for a new pair.
// A refresh token is single use: presenting an old one ends the session.
// Errors that are the token's fault wrap errTokenInvalid; others (the
// database) are the server's.
func rotateSession(app core.App, refreshToken string) (*tokenPair, error) {
	unverified, err := security.ParseUnverifiedJWT(refreshToken)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errTokenInvalid, err)
	}
	if t, _ := unverified[core.TokenClaimType].(string); t != tokenTypeRefresh {
		return nil, fmt.Errorf("%w: not a refresh token", errTokenInvalid)
	}
	userId, _ := unverified[core.TokenClaimId].(string)
	user, err := app.FindRecordById("users", userId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no such member", errTokenInvalid)
	}
	if err != nil {
		return nil, err
	}
	claims, err := security.ParseJWT(refreshToken, signingKey(user))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errTokenInvalid, err)
	}
	sid, _ := claims[claimSessionId].(string)
	jti, _ := claims[claimJTI].(string)

	var pair *tokenPair
	err = app.RunInTransaction(func(tx core.App) error {
		session, err := tx.FindRecordById(sessionCollection, sid)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && session.GetString("user") != user.Id) {
			return errSessionEnded
		}
		if err != nil {
			return err
		}
		if session.GetString("refresh_jti") != jti {
			return errRefreshReuse
		}
		session.Set("refresh_jti", security.RandomString(32))
		if err := tx.Save(session); err != nil {
			return err
		}
		pair, err = signPair(user, session)
		return err
	})
	if errors.Is(err, errRefreshReuse) {
		// an already rotated token came back: assume it leaked, end the session
		if delErr := deleteSession(app, user, sid); delErr != nil {
			return nil, delErr
		}
	}
	return pair, err
}

// closeSession ends the session an access token belongs to; a token with
// no session is added to the revocation list until it expires.
func closeSession(app core.App, user *core.Record, accessToken string) error {
	claims, err := security.ParseUnverifiedJWT(accessToken)
	if err != nil {
		return err
	}
	if sid, _ := claims[claimSessionId].(string); sid != "" {
		return deleteSession(app, user, sid)
	}
	collection, err := app.FindCachedCollectionByNameOrId(revokedCollection)
	if err != nil {
		return err
	}
	revoked := core.NewRecord(collection)
	revoked.Set("token_hash", auth.TokenHash(accessToken))
	revoked.Set("expires", tokenExpiry(claims))
	if saveErr := app.Save(revoked); saveErr != nil {
		// a twin logout may have stored it first
		if already, err := auth.TokenRevoked(app, accessToken); err != nil || !already {
			return saveErr
		}
	}
	return nil
}

// deleteSession removes one of user's sessions (no error when already gone).
func deleteSession(app core.App, user *core.Record, sid string) error {
	session, err := app.FindRecordById(sessionCollection, sid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if session.GetString("user") != user.Id {
		return nil
	}
	return app.Delete(session)
}

func tokenExpiry(claims jwt.MapClaims) time.Time {
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		return exp.Time
	}
	return time.Now().Add(sessionLifetime)
}

// enforceSessions drops the auth PocketBase loaded from a revoked token.
// It runs right after PocketBase's own token loader, on every route.
func enforceSessions() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "cobraEnforceSessions",
		Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1,
		Func: func(e *core.RequestEvent) error {
			if e.Auth != nil && !auth.AccessTokenValid(e.App, e.Auth, auth.RequestToken(e.Request)) {
				e.Auth = nil
			}
			return e.Next()
		},
	}
}

// sdkSessions makes PocketBase's own auth answers (the JS SDK's
// authWithPassword, OTP, OAuth2 and authRefresh) follow the login sessions:
//
//   - a new login (any auth method) is rate limited per member like
//     POST /user/login/, opens a session and hands out a token of it, so
//     that logout with any token of that login ends them all;
//   - auth-refresh renews a session's token within that session (stock
//     PocketBase would hand out a plain token that outlives logout).
//
// Impersonation tokens (a superuser's) keep stock behaviour: no session,
// revoked one by one.
func sdkSessions() *hook.Handler[*core.RecordAuthRequestEvent] {
	return &hook.Handler[*core.RecordAuthRequestEvent]{
		Id: "cobraSDKSessions",
		Func: func(e *core.RecordAuthRequestEvent) error {
			if e.Record.Collection().Name != "users" {
				return e.Next()
			}
			if e.AuthMethod != "" {
				return openSDKSession(e)
			}
			// auth-refresh answers with AuthMethod "" for the record that sent the token
			if e.Auth == nil || e.Auth.Id != e.Record.Id {
				return e.Next()
			}
			claims, err := security.ParseUnverifiedJWT(auth.RequestToken(e.Request))
			if err != nil {
				return e.Next()
			}
			if sid, _ := claims[claimSessionId].(string); sid != "" {
				token, err := signAccess(e.Record, sid)
				if err != nil {
					return err
				}
				e.Token = token
			}
			return e.Next()
		},
	}
}

// openSDKSession makes a PocketBase login a session (see sdkSessions).
func openSDKSession(e *core.RecordAuthRequestEvent) error {
	if ok, wait := allowLogin(e.App, e.Record); !ok {
		seconds := setRetryAfter(e.RequestEvent, wait)
		return e.TooManyRequestsError(fmt.Sprintf("Too many logins. Try again in %d seconds.", seconds), nil)
	}
	pair, err := openSession(e.App, e.Record, e.Request, e.RealIP())
	if err != nil {
		return err
	}
	e.Token = pair.Access
	if err := e.Next(); err != nil {
		// no token was handed out (e.g. another factor is required): no session
		if delErr := deleteSession(e.App, e.Record, pair.SessionId); delErr != nil {
			e.App.Logger().Error("could not end the session of a failed login", "session", pair.SessionId, "error", delErr)
		}
		return err
	}
	return nil
}

// loginLimitKind names the successful-login bucket of internal/limits.
const loginLimitKind = "login"

// allowLogin takes one of user's successful logins (limits.LoginCreate,
// shared by every login API); when none is left it says how long to wait
// and counts the refusal (limits.RefusedLogin).
func allowLogin(app core.App, user *core.Record) (bool, time.Duration) {
	l := limits.Of(app)
	ok, wait := l.Allow(loginLimitKind, l.LoginCreate, user.Id)
	if !ok {
		l.Refuse(limits.RefusedLogin)
	}
	return ok, wait
}

// purgeExpired deletes ended sessions and revocations of expired tokens.
func purgeExpired(app core.App) {
	now := types.NowDateTime().String()
	for _, table := range []string{sessionCollection, revokedCollection} {
		if _, err := app.DB().Delete(table, dbx.NewExp("[[expires]] < {:now}", dbx.Params{"now": now})).Execute(); err != nil {
			app.Logger().Warn("purge expired sessions", "table", table, "error", err)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
