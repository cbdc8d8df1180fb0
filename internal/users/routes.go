// Package users serves the documented /user/* routes (also under
// /api/user/*): registration, login sessions, profile, friends and blocks.
package users

import (
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

type module struct {
	limiter *loginLimiter
}

// Login throttling: 5 failures per e-mail and 30 per client IP in 15 minutes.
const (
	loginFailureWindow   = 15 * time.Minute
	loginFailuresPerUser = 5
	loginFailuresPerIP   = 30
)

// Register binds the session check middleware, the hook that makes
// PocketBase's logins and auth-refreshes sessions, the login throttles of
// the SDK's authWithPassword and of oldPassword, the cleanup job and the
// /user routes to app.
func Register(app core.App) {
	m := &module{limiter: newLoginLimiter(loginFailureWindow, loginFailuresPerUser, loginFailuresPerIP)}

	app.OnRecordAuthRequest("users").Bind(sdkSessions())
	app.OnRecordAuthWithPasswordRequest("users").BindFunc(m.throttleSDKLogin)
	app.OnRecordUpdateRequest("users").BindFunc(m.throttleOldPassword)
	app.OnRealtimeSubscribeRequest().BindFunc(guardRealtimeEmailFilters)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(enforceSessions())
		se.Router.Bind(guardEmailOrdering())
		for _, prefix := range []string{"/user", "/api/user"} {
			m.mount(se.Router.Group(prefix))
		}
		return se.Next()
	})
	app.Cron().MustAdd("cobraPurgeSessions", "17 * * * *", func() { purgeExpired(app) })
}

func (m *module) mount(g *api.Group) {
	handle := func(method, path string, action func(*core.RequestEvent) error) {
		api.Handle(g, method, path, action)
	}
	handle(http.MethodPost, "/registration", m.registration)
	handle(http.MethodPost, "/login", m.login)
	handle(http.MethodPost, "/token/refresh", m.tokenRefresh)
	handle(http.MethodPost, "/logout", api.RequireMember(m.logout))
	handle(http.MethodGet, "/profile", api.RequireMember(getProfile))
	for _, method := range []string{http.MethodPut, http.MethodPatch} {
		handle(method, "/profile", api.RequireMember(updateProfile))
	}
	handle(http.MethodPost, "/add-friend", api.RequireMember(addFriend))
	handle(http.MethodGet, "/friends", api.RequireMember(listFriends))
	handle(http.MethodGet, "/friend-profile/{id}", api.RequireMember(friendProfile))
	handle(http.MethodGet, "/search-friends", api.RequireMember(searchFriends))
	handle(http.MethodPost, "/delete-friend", api.RequireMember(deleteFriend))
	handle(http.MethodPost, "/block", api.RequireMember(blockMember))
	handle(http.MethodPost, "/unblock", api.RequireMember(unblockMember))
	handle(http.MethodGet, "/blocked", api.RequireMember(listBlocked))
}
