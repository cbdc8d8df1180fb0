package chat

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FollowRoom makes userId follow roomId (idempotent; an existing read
// marker is kept). Call it with the transaction app when inside one.
func FollowRoom(app core.App, userId, roomId string) error {
	_, err := app.DB().NewQuery(`INSERT INTO room_follows (id, room, user, following, read_seq, created, updated)
		VALUES ({:id}, {:room}, {:user}, TRUE, 0, strftime('%Y-%m-%d %H:%M:%fZ'), strftime('%Y-%m-%d %H:%M:%fZ'))
		ON CONFLICT (user, room) DO UPDATE SET following = TRUE, updated = excluded.updated WHERE following = FALSE`).
		Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "room": roomId, "user": userId}).Execute()
	return err
}
