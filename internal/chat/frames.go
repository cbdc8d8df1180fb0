package chat

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"
)

// Event types of the room protocol (the original Channels consumer's).
const (
	TypeMessage = "chat.message"
	TypeJoin    = "chat.user.join"
	TypeLeave   = "chat.user.leave"
)

// MessageFrame encodes a stored message as the documented live event:
// {"type":"chat.message","message","sender" (e-mail),"nickname",
// "profile_picture_url"} plus the rest of the stored message's shape (id,
// room, parent_chat, message_type, created_at) with the sender's id as
// "sender_id". It is encoded once per message and sent as is to every
// listener on every transport, so e-mails follow their owners' visibility
// alone: "sender" is null when the sender hid theirs.
func MessageFrame(m, sender *core.Record) []byte {
	frame := messageJSON(m, sender, nil)
	frame["type"] = TypeMessage
	frame["sender_id"] = frame["sender"]
	frame["sender"] = frame["sender_email"]
	delete(frame, "sender_email")
	return mustJSON(frame)
}

// PresenceFrame encodes a join or leave notice.
func PresenceFrame(kind, roomId, userId, nickname string) []byte {
	return mustJSON(map[string]any{"type": kind, "username": nickname, "user_id": userId, "room": roomId})
}

// ErrorFrame is the documented error event; the connection stays open.
func ErrorFrame(errorType, message string) []byte {
	return mustJSON(map[string]string{"error_type": errorType, "message": message})
}

// RevokedFrame is the last frame of a room topic whose access ended:
// {"error_type":"access_revoked","message","code","room"}, code being the
// room WebSocket's close code for the same cause (4001, 4003, 4004).
func RevokedFrame(roomId string, code int, reason string) []byte {
	return mustJSON(map[string]any{"error_type": "access_revoked", "message": reason, "code": code, "room": roomId})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and nil only: cannot happen
	}
	return b
}
