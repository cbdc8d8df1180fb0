// Package auth is the read side of Cobra Space's login sessions and the
// member facts every route package needs: whether a token still belongs to
// an open session (or was revoked), the token of a request, the member of
// a token, and whose e-mail a viewer may see. It sits below internal/users
// (which opens, rotates and closes the sessions and serves /user/*),
// internal/chat and internal/posts, so those never import each other for it.
package auth

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/cobraspace/cobraspace/internal/api"
)

// Login sessions (see internal/users for the whole design): an access
// token of a session carries its login_sessions id in the ClaimSessionId
// claim; a token without one (a superuser's impersonation token, or one
// signed before sessions covered SDK logins) is revoked on logout by
// recording its TokenHash in revoked_tokens.
const (
	ClaimSessionId    = "sid"
	SessionCollection = "login_sessions"
	RevokedCollection = "revoked_tokens"

	// AuthCookieName is the HttpOnly cookie that carries the access token
	// of POST /user/login/ for browser WebSocket clients.
	AuthCookieName = "cobra_access"
)

// TokenHash is how revoked_tokens names a token.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenRevoked reports whether token is on the revocation list.
func TokenRevoked(app core.App, token string) (bool, error) {
	return rowExists(app, RevokedCollection, dbx.HashExp{"token_hash": TokenHash(token)})
}

func rowExists(app core.App, table string, where dbx.Expression) (bool, error) {
	var exists int
	err := app.DB().Select("(1)").From(table).Where(where).Limit(1).Row(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && exists == 1, err
}

// isRevoked fails closed: a token whose revocation cannot be checked is
// treated as revoked (and the failure is logged).
func isRevoked(app core.App, token string) bool {
	revoked, err := TokenRevoked(app, token)
	if err != nil {
		app.Logger().Error("token revocation check failed: token refused", "error", err)
		return true
	}
	return revoked
}

// sessionExists fails closed: a session that cannot be checked is treated
// as ended (and the failure is logged).
func sessionExists(app core.App, sid, userId string) bool {
	exists, err := rowExists(app, SessionCollection, dbx.HashExp{"id": sid, "user": userId})
	if err != nil {
		app.Logger().Error("session check failed: token refused", "session", sid, "error", err)
		return false
	}
	return exists
}

// AccessTokenValid reports whether token, already verified by PocketBase
// as an auth token of user, still belongs to an open session. Every
// transport (HTTP routes, realtime, WebSocket) asks this same question.
func AccessTokenValid(app core.App, user *core.Record, token string) bool {
	if user == nil || user.Collection().Name != "users" {
		return true // superusers and other collections keep stock PocketBase behaviour
	}
	claims, err := security.ParseUnverifiedJWT(token)
	if err != nil {
		return false
	}
	if sid, _ := claims[ClaimSessionId].(string); sid != "" {
		return sessionExists(app, sid, user.Id)
	}
	return !isRevoked(app, token)
}

// RequestToken is the token of a request, as PocketBase reads it:
// "Authorization: Bearer <t>" or the raw token.
func RequestToken(r *http.Request) string {
	token := r.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		return token[7:]
	}
	return token
}

// MemberFromToken is the member a token signs in, checked as stored now:
// signed with the member's current token key, unexpired, a member (not a
// superuser), its login session open and not revoked. nil otherwise.
func MemberFromToken(app core.App, token string) *core.Record {
	record, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth)
	if err != nil || record.Collection().Name != api.MemberCollection || !AccessTokenValid(app, record, token) {
		return nil
	}
	return record
}
