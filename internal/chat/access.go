package chat

import (
	"net/http"

	"github.com/coder/websocket"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/auth"
)

// CanReadRoom evaluates the rooms collection's view rule for auth: the
// same rule the record API, the SDK and the dashboard obey. Reading a room
// is what every transport checks before it lets a listener in.
//
// While the stored rule is the migrations' (defaultRoomsListRule), it is
// evaluated as roomReadableSQL — the same condition, one statement that
// stays compiled (stmtcache) — instead of PocketBase parsing the rule and
// building its query on every call: every message sent checks it, and
// that took a quarter of a send's CPU. TestRoomReadableSQL checks both
// agree; a rule changed in the dashboard is evaluated as stored.
func CanReadRoom(app core.App, room *core.Record, auth *core.Record) bool {
	if auth == nil {
		return false
	}
	if rule := room.Collection().ViewRule; rule != nil && *rule == defaultRoomsListRule && !auth.IsSuperuser() {
		if auth.Collection().Name != "users" {
			return false // the rule's @request.auth.collectionName = "users"
		}
		var n int
		err := app.DB().Select("COUNT(*)").From("rooms").
			Where(dbx.HashExp{"rooms.id": room.Id}).
			AndWhere(dbx.NewExp(roomReadableSQL, dbx.Params{"me": auth.Id})).Row(&n)
		return err == nil && n == 1
	}
	return canReadRoomByRule(app, room, auth)
}

// canReadRoomByRule is the rooms view rule as PocketBase evaluates it.
func canReadRoomByRule(app core.App, room *core.Record, auth *core.Record) bool {
	info := &core.RequestInfo{Auth: auth, Method: http.MethodGet, Context: core.RequestInfoContextDefault}
	ok, err := app.CanAccessRecord(room, info, room.Collection().ViewRule)
	return err == nil && ok
}

// refusal is why a connection may not (or may no longer) be in a room:
// a WebSocket close code and its reason. The zero value admits.
type refusal struct {
	code   websocket.StatusCode
	reason string
}

func (r refusal) refused() bool { return r.code != 0 }

var (
	refusedAuth      = refusal{CloseUnauthenticated, "authentication required"}
	refusedEnded     = refusal{CloseUnauthenticated, "your login has ended"}
	refusedRoomGone  = refusal{CloseUnknownRoom, "unknown room"}
	refusedForbidden = refusal{CloseForbidden, "you may not read this room"}
)

// roomAccess checks, as stored now, everything a connection was admitted
// on: its token (signed with the member's current token key, unexpired,
// its login session open, not revoked), the member's existence, the room's
// existence and the room's view rule (an active ban: 4009). It returns the
// fresh member and room.
// Every transport asks it at admission, before storing anything a client
// sends, and again whenever something it depends on ends (Revalidate).
func roomAccess(app core.App, token, roomId string) (member, room *core.Record, r refusal) {
	member = auth.MemberFromToken(app, token)
	if member == nil {
		return nil, nil, refusedEnded
	}
	room, err := app.FindRecordById("rooms", roomId)
	if err != nil {
		return member, nil, refusedRoomGone
	}
	if !CanReadRoom(app, room, member) {
		return member, room, unreadable(app, room, member)
	}
	return member, room, refusal{}
}
