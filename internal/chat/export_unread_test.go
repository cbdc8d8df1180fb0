package chat

// What the unread tests need to see of unread.go.
const (
	DefaultRoomsListRule = defaultRoomsListRule
	RoomReadableSQL      = roomReadableSQL
)
