package chat

import "github.com/pocketbase/pocketbase/core"

// Stub until the real handler lands (delete this file then).

func handleEditFrame(app core.App, room, member *core.Record, data []byte) []byte {
	return encodeErrorFrame("invalid_request", msgBadFormat)
}

func handleDeleteFrame(app core.App, room, member *core.Record, data []byte) []byte {
	return encodeErrorFrame("invalid_request", msgBadFormat)
}

func bindEditRoutes(app core.App) {}
