package chat

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// Event types of the room protocol (the original Channels consumer's).
const (
	TypeMessage = "chat.message"
	TypeJoin    = "chat.user.join"
	TypeLeave   = "chat.user.leave"
)

// Event types added by the chat product, beside the original ones (see
// docs/API.md). Each is both a client frame (what a WebSocket client
// sends) and the frame listeners get, except where noted.
const (
	TypeEdit     = "chat.message.edit"
	TypeDelete   = "chat.message.delete"
	TypeReaction = "chat.reaction"
	TypeTyping   = "chat.typing"
	TypeRead     = "chat.read" // client frame; the marker goes to the member's own topic
)

// messageFrame is the documented live event of a stored message: the
// message object's fields, but the sender's e-mail as "sender" and their
// id as "sender_id", plus "type". It is encoded once per message and sent
// as is to every listener on every transport, so e-mails follow their
// owners' visibility alone: "sender" is null when the sender hid theirs.
type messageFrame struct {
	Type string `json:"type"` // TypeMessage
	messageFields
	SenderId string         `json:"sender_id"`
	Sender   api.NullString `json:"sender"` // the e-mail, when its owner shows it
}

// encodeMessageFrame encodes a stored message (sender nil when the member
// is gone) as its live event.
func encodeMessageFrame(m, sender *core.Record) []byte {
	msg := messageJSON(m, sender, nil) // no viewer: visible e-mails only
	return mustJSON(messageFrame{
		Type:          TypeMessage,
		messageFields: msg.messageFields,
		SenderId:      msg.Sender,
		Sender:        msg.SenderEmail,
	})
}

// presenceFrame is a join or leave notice.
type presenceFrame struct {
	Type     string `json:"type"` // TypeJoin or TypeLeave
	Username string `json:"username"`
	UserId   string `json:"user_id"`
	Room     string `json:"room"`
}

func encodePresenceFrame(kind, roomId, userId, nickname string) []byte {
	return mustJSON(presenceFrame{Type: kind, Username: nickname, UserId: userId, Room: roomId})
}

// errorFrame is the documented error event; the connection stays open.
// Errors, when present, are the field errors of a refused message, in the
// REST answer's shape.
type errorFrame struct {
	ErrorType string          `json:"error_type"`
	Message   string          `json:"message"`
	Errors    json.RawMessage `json:"errors,omitempty"`
}

func encodeErrorFrame(errorType, message string) []byte {
	return mustJSON(errorFrame{ErrorType: errorType, Message: message})
}

// rateLimitedFrame is the error frame of a refused send.
var rateLimitedFrame = encodeErrorFrame("rate_limited", "You are sending messages too fast.")

// revokedFrame is the last frame of a room topic whose access ended, code
// being the room WebSocket's close code for the same cause (4001, 4003,
// 4004).
type revokedFrame struct {
	ErrorType string `json:"error_type"` // "access_revoked"
	Message   string `json:"message"`
	Code      int    `json:"code"`
	Room      string `json:"room"`
}

func encodeRevokedFrame(roomId string, code int, reason string) []byte {
	return mustJSON(revokedFrame{ErrorType: "access_revoked", Message: reason, Code: code, Room: roomId})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // frames of strings and ints only: cannot happen
	}
	return b
}
