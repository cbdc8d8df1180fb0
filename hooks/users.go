package hooks

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// bindUserHooks gives every member a nickname (the e-mail's local part)
// and a status when none was chosen.
func bindUserHooks(app core.App) {
	app.OnRecordCreate("users").BindFunc(func(e *core.RecordEvent) error {
		fillUserDefaults(e.App, e.Record)
		return e.Next()
	})
	app.OnRecordUpdate("users").BindFunc(func(e *core.RecordEvent) error {
		fillUserDefaults(e.App, e.Record)
		return e.Next()
	})
}

// fillUserDefaults sets the nickname and status of user when they are
// blank; the default status is the first value of users.status as stored.
func fillUserDefaults(app core.App, user *core.Record) {
	if strings.TrimSpace(user.GetString("nickname")) == "" {
		user.Set("nickname", DefaultNickname(app, user.Email()))
	}
	if user.GetString("status") == "" {
		if f, ok := user.Collection().Fields.GetByName("status").(*core.SelectField); ok && len(f.Values) > 0 {
			user.Set("status", f.Values[0])
		}
	}
}

// DefaultNickname is the local part of email, cut to users.nickname's
// limit in app's stored schema.
func DefaultNickname(app core.App, email string) string {
	local, _, _ := strings.Cut(email, "@")
	return cutRunes(local, api.TextMax(app, "users", "nickname"))
}

// cutRunes is s cut to at most n characters (never inside a character);
// n = 0 is no limit (api.TextMax's unlimited).
func cutRunes(s string, n int) string {
	runes := []rune(s)
	if n > 0 && len(runes) > n {
		runes = runes[:n]
	}
	return string(runes)
}
