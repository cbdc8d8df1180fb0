// Package users serves the documented /user/* routes (also under
// /api/user/*): registration, login sessions, profile and friends.
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

// Register binds the session check middleware, the session-keeping
// auth-refresh hook, the login throttle of the SDK's authWithPassword, the
// cleanup job and the /user routes to app.
func Register(app core.App) {
	m := &module{limiter: newLoginLimiter(loginFailureWindow, loginFailuresPerUser, loginFailuresPerIP)}

	app.OnRecordAuthRequest("users").Bind(keepSessionOnAuthRefresh())
	app.OnRecordAuthWithPasswordRequest("users").BindFunc(m.throttleSDKLogin)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(enforceSessions())
		for _, prefix := range []string{"/user", "/api/user"} {
			m.mount(se.Router.Group(prefix))
		}
		return se.Next()
	})
	app.Cron().MustAdd("cobraPurgeSessions", "17 * * * *", func() { purgeExpired(app) })
}

func (m *module) mount(g *api.Group) {
	api.Handle(g, http.MethodPost, "/registration", m.registration)
	api.Handle(g, http.MethodPost, "/login", m.login)
	api.Handle(g, http.MethodPost, "/token/refresh", m.tokenRefresh)
	api.Handle(g, http.MethodPost, "/logout", api.RequireMember(m.logout))
	api.Handle(g, http.MethodGet, "/profile", api.RequireMember(getProfile))
	api.HandleMany(g, []string{http.MethodPut, http.MethodPatch}, "/profile", api.RequireMember(updateProfile))
	api.Handle(g, http.MethodPost, "/add-friend", api.RequireMember(addFriend))
	api.Handle(g, http.MethodGet, "/friends", api.RequireMember(listFriends))
	api.Handle(g, http.MethodGet, "/friend-profile/{id}", api.RequireMember(friendProfile))
	api.Handle(g, http.MethodGet, "/search-friends", api.RequireMember(searchFriends))
	api.Handle(g, http.MethodPost, "/delete-friend", api.RequireMember(deleteFriend))
}
