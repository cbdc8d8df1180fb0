package chat

import "github.com/pocketbase/pocketbase/core"

// AllowSend takes one send from the member's budget, as a message sent by
// any API would; the tests use it to exhaust the burst.
func AllowSend(app core.App, userId string) bool {
	ok, _ := sendAllowance(app, userId)
	return ok
}
