package chat

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/limits"
)

// roomCreateKind names the bucket of new rooms in limits.Allow.
const roomCreateKind = "room_create"

// allowRoomCreate takes one of member's room creations (limits.RoomCreate:
// rooms without a post, one bucket per member over every API; a post's
// room comes with the post and counts as the post). A refusal is counted
// (limits.RefusedRoom).
func allowRoomCreate(app core.App, memberId string) (bool, time.Duration) {
	l := limits.Of(app)
	ok, wait := l.Allow(roomCreateKind, l.RoomCreate, memberId)
	if !ok {
		l.Refuse(limits.RefusedRoom)
	}
	return ok, wait
}

// bindRoomCreateLimit applies the room creation limit to the record API
// (JS SDK, batch): 429 with Retry-After. Superusers are exempt.
func bindRoomCreateLimit(app core.App) {
	app.OnRecordCreateRequest("rooms").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth == nil || e.HasSuperuserAuth() || e.Record.GetString("post") != "" {
			return e.Next() // the create rule refuses those of members
		}
		if ok, wait := allowRoomCreate(e.App, e.Auth.Id); !ok {
			return limits.TooFast(e.RequestEvent, "creating rooms", wait)
		}
		return e.Next()
	})
}
