package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// bindUnreadRoutes binds the follow hooks (follows.go) and the routes of
// follows, read markers and unread counts:
//
//	POST   /api/chat/room/{id}/follow/  follow
//	DELETE /api/chat/room/{id}/follow/  unfollow
//	POST   /api/chat/room/{id}/read/    move the read marker
//	GET    /api/chat/unread/            the followed rooms and their counts
//
// (the WebSocket's chat.read frame is handleReadFrame).
func bindUnreadRoutes(app core.App) {
	bindFollowHooks(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodPost, "/room/{id}/follow", api.RequireMember(followRoute(true)))
		api.Handle(g, http.MethodDelete, "/room/{id}/follow", api.RequireMember(followRoute(false)))
		api.Handle(g, http.MethodPost, "/room/{id}/read", api.RequireMember(readRoute))
		api.Handle(g, http.MethodGet, "/unread", api.RequireMember(unreadRoute))
		return se.Next()
	})
}

// followRoute: POST (follow) or DELETE (unfollow) /api/chat/room/{id}/follow/
// → 200 {"room","following","read_seq"}; the member's devices get the
// chat.read frame.
func followRoute(following bool) func(e *core.RequestEvent, me *core.Record) error {
	return func(e *core.RequestEvent, me *core.Record) error {
		room, err := readableRoom(e, me, e.Request.PathValue("id"))
		if err != nil {
			return err
		}
		st, err := setFollowing(e.App, me.Id, room.Id, following)
		if err != nil {
			return err
		}
		sendReadFrame(e.App, me.Id, st)
		return e.JSON(http.StatusOK, st)
	}
}

// readRoute: POST /api/chat/room/{id}/read/ with no body (read up to the
// newest message), {"message": "<id>"} (up to that message of the room)
// or {"seq": n} (0 ≤ n ≤ the newest seq) → 200 {"room","following","read_seq"}.
func readRoute(e *core.RequestEvent, me *core.Record) error {
	room, err := readableRoom(e, me, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	st, err := markRead(e.App, me, room, body.Data)
	var notInRoom *messageNotInRoomError
	if errors.As(err, &notInRoom) {
		return api.FieldError("message", api.InvalidPk(notInRoom.id))
	}
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, st)
}

// handleReadFrame: the WebSocket's {"type": "chat.read"} (read up to the
// newest message), {"type": "chat.read", "message": "<id>"} or
// {"type": "chat.read", "seq": n}, in the socket's room. Nothing is sent
// back on the socket: the marker goes to the member topic. An unknown
// message, or one of another room, gets the not_found error frame.
func handleReadFrame(app core.App, room, member *core.Record, data []byte) []byte {
	var fields map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	delete(fields, "type")
	_, err := markRead(app, member, room, fields)
	var notInRoom *messageNotInRoomError
	if errors.As(err, &notInRoom) {
		return encodeErrorFrame("not_found", "Not found.")
	}
	return errorFrameOf(app, err)
}

// messageNotInRoomError: the message a marker should move to is unknown,
// or in another room (both answer alike: ids of other rooms are not
// confirmed).
type messageNotInRoomError struct{ id string }

func (e *messageNotInRoomError) Error() string { return "message " + e.id + " is not in this room" }

// markRead moves member's marker in room (the caller checked the access)
// as the request's fields say, stores it and tells the member's devices.
func markRead(app core.App, member, room *core.Record, fields map[string]any) (followState, error) {
	body := &api.Body{Data: fields}
	fe := api.FieldErrors{}
	messageId, hasMessage := body.String(fe, "message")
	rawSeq, hasSeq := fields["seq"]
	hasSeq = hasSeq && rawSeq != nil
	if err := fe.Err(); err != nil {
		return followState{}, err
	}
	if hasMessage && hasSeq {
		return followState{}, api.FieldError("non_field_errors", "Send either message or seq, not both.")
	}
	seq := int64(-1) // the newest message
	switch {
	case hasMessage:
		m, err := app.FindRecordById("messages", messageId)
		if err != nil || m.GetString("room") != room.Id {
			return followState{}, &messageNotInRoomError{id: messageId}
		}
		seq = int64(m.GetInt("seq"))
	case hasSeq:
		n, ok := integerOf(rawSeq)
		if !ok {
			return followState{}, api.FieldError("seq", "A valid integer is required.")
		}
		last, err := lastSeq(app, room.Id)
		if err != nil {
			return followState{}, err
		}
		if n < 0 || n > last {
			return followState{}, api.FieldError("seq", fmt.Sprintf("Ensure this value is between 0 and %d.", last))
		}
		seq = n
	}
	st, err := setReadSeq(app, member.Id, room.Id, seq)
	if err != nil {
		return followState{}, err
	}
	sendReadFrame(app, member.Id, st)
	triggerReadMarker(app, member.Id, st)
	return st, nil
}

// integerOf reads a JSON integer (a json.Number, or a string of digits as
// forms send).
func integerOf(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
