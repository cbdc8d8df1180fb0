package hooks

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// bindFriendHooks refuses a friends row of a user with themselves,
// whichever API (dashboard included) writes it.
func bindFriendHooks(app core.App) {
	app.OnRecordValidate("friends").BindFunc(func(e *core.RecordEvent) error {
		if user := e.Record.GetString("user"); user != "" && user == e.Record.GetString("friend") {
			return validation.Errors{"friend": validation.NewError("validation_friend_self", "You cannot add yourself as a friend.")}
		}
		return e.Next()
	})
}
