package chat

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// ChatURL is the documented, scheme-less WebSocket address of a room.
func ChatURL(e *core.RequestEvent, roomId string) string {
	return e.Request.Host + "/ws/chat/" + roomId + "/chat/"
}

// RoomData is the documented room object: {"id","name","chat_url",
// "chat_messages","owner","online_users"}, with the newest page of history.
func RoomData(e *core.RequestEvent, room, viewer *core.Record, before string) (map[string]any, error) {
	messages, err := RecentMessages(e.App, room.Id, before, HistoryPageSize)
	if err != nil {
		return nil, err
	}
	rendered, err := MessagesJSON(e.App, messages, viewer)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id":            room.Id,
		"name":          room.GetString("name"),
		"chat_url":      ChatURL(e, room.Id),
		"chat_messages": rendered,
		"owner":         room.GetString("owner"),
		"post":          api.NullableId(room.GetString("post")),
		"online_users":  OnlineUsers(e.App, room.Id),
	}, nil
}
