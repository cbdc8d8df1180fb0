package chat

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
)

// CanReadRoom evaluates the rooms collection's view rule for auth: the
// same rule the record API, the SDK and the dashboard obey. Reading a room
// is what every transport checks before it lets a listener in.
func CanReadRoom(app core.App, room *core.Record, auth *core.Record) bool {
	if auth == nil {
		return false
	}
	info := &core.RequestInfo{Auth: auth, Method: http.MethodGet, Context: core.RequestInfoContextDefault}
	ok, err := app.CanAccessRecord(room, info, room.Collection().ViewRule)
	return err == nil && ok
}
