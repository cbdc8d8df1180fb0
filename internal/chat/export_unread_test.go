package chat

// What the unread tests need to see of unread.go.
const (
	DefaultRoomsListRule = defaultRoomsListRule
	RoomReadableSQL      = roomReadableSQL
)

// MayRead is the set-based check of the room activity frames (follows.go).
var MayRead = mayRead

// CanReadRoomByRule is the rooms view rule as PocketBase itself evaluates
// it (CanReadRoom's fast path must agree with it).
var CanReadRoomByRule = canReadRoomByRule
