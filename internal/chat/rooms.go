package chat

import (
	"net/url"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// ChatURL is the documented, scheme-less WebSocket address of a room. It
// is built on the application URL of the settings (dashboard: Settings →
// Application URL) once an admin has set one, so that a forged Host header
// cannot put another site's address in answers; until then, on the host
// the client asked for (development on any address just works).
func ChatURL(e *core.RequestEvent, roomId string) string {
	return publicHost(e) + "/ws/chat/" + roomId + "/chat/"
}

// defaultAppURL is PocketBase's initial Application URL: not configured.
const defaultAppURL = "http://localhost:8090"

func publicHost(e *core.RequestEvent) string {
	if appURL := e.App.Settings().Meta.AppURL; appURL != "" && appURL != defaultAppURL {
		if u, err := url.Parse(appURL); err == nil && u.Host != "" {
			return u.Host + strings.TrimSuffix(u.Path, "/")
		}
	}
	return e.Request.Host
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
