package hooks

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/migrations"
)

// bindUserHooks gives every member a nickname (the e-mail's local part)
// and a status when none was chosen.
func bindUserHooks(app core.App) {
	app.OnRecordCreate("users").BindFunc(func(e *core.RecordEvent) error {
		fillUserDefaults(e.Record)
		return e.Next()
	})
	app.OnRecordUpdate("users").BindFunc(func(e *core.RecordEvent) error {
		fillUserDefaults(e.Record)
		return e.Next()
	})
}

func fillUserDefaults(user *core.Record) {
	if strings.TrimSpace(user.GetString("nickname")) == "" {
		user.Set("nickname", DefaultNickname(user.Email()))
	}
	if user.GetString("status") == "" {
		user.Set("status", migrations.UserStatuses[0])
	}
}

// DefaultNickname is the local part of email, cut to the nickname limit.
func DefaultNickname(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return cutRunes(local, migrations.NicknameMax)
}

// cutRunes is s cut to at most n characters (never inside a character).
func cutRunes(s string, n int) string {
	runes := []rune(s)
	if len(runes) > n {
		runes = runes[:n]
	}
	return string(runes)
}
