package notifications

import (
	"encoding/json"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/chat"
)

// TypeNotificationsRead is the member-topic frame sent when some of a
// member's notifications became read (on any device): every bell shows
// the new count.
const TypeNotificationsRead = "notifications.read"

type readFrame struct {
	Type   string `json:"type"` // TypeNotificationsRead
	Unread int    `json:"unread"`
}

// bindReadSync: reading a room reads its notifications. When a member's
// read marker moves (chat.OnReadMarker), their unread notifications of
// messages up to the marker in that room become read, as in every chat
// product: the mention you have seen stops counting, in the room's badge
// (GET /api/chat/unread/ "mentions") and in the bell.
func bindReadSync(app core.App) {
	chat.OnReadMarker(app).BindFunc(func(e *chat.ReadMarkerEvent) error {
		res, err := e.App.DB().NewQuery(`UPDATE notifications SET read = TRUE, updated = {:now}
			WHERE user = {:user} AND room = {:room} AND read = FALSE
			AND message IN (SELECT id FROM messages WHERE room = {:room} AND seq <= {:seq})`).
			Bind(dbx.Params{"user": e.UserId, "room": e.RoomId, "seq": e.ReadSeq, "now": types.NowDateTime().String()}).
			Execute()
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			sendReadCount(e.App, e.UserId)
		}
		return e.Next()
	})
}

// sendReadCount tells every device of the member their unread count.
func sendReadCount(app core.App, userId string) {
	n, err := UnreadCount(app, userId)
	if err != nil {
		app.Logger().Error("notifications: counting unread", "error", err)
		return
	}
	frame, _ := json.Marshal(readFrame{Type: TypeNotificationsRead, Unread: n})
	chat.SendToMember(app, userId, frame)
}
