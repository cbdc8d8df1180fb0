package chat

import "github.com/pocketbase/pocketbase/core"

// Stub until the real handler lands (delete this file then).

func handleTypingFrame(app core.App, room, member *core.Record, data []byte) []byte {
	return encodeErrorFrame("invalid_request", msgBadFormat)
}

func bindTypingRoutes(app core.App) {}
