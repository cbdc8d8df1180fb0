package chat

// What the unread tests need to see of unread.go.
const (
	DefaultRoomsListRule = defaultRoomsListRule
	RoomReadableSQL      = roomReadableSQL
)

// MayRead is the set-based check of the room activity frames (follows.go).
var MayRead = mayRead
