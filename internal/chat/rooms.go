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

// Room is the documented room object, with a page of history (oldest
// first) and who is online.
type Room struct {
	Id           string         `json:"id"`
	Name         string         `json:"name"`
	ChatURL      string         `json:"chat_url"`
	ChatMessages []Message      `json:"chat_messages"`
	Owner        string         `json:"owner"`
	Post         api.NullString `json:"post"`
	OnlineUsers  []OnlineUser   `json:"online_users"`
}

// roomListItem is a room in GET /api/chat/room/: no history, no presence.
type roomListItem struct {
	Id        string         `json:"id"`
	Name      string         `json:"name"`
	ChatURL   string         `json:"chat_url"`
	Owner     string         `json:"owner"`
	Post      api.NullString `json:"post"`
	CreatedAt api.NullString `json:"created_at"`
}

func roomJSON(e *core.RequestEvent, room *core.Record) roomListItem {
	return roomListItem{
		Id:        room.Id,
		Name:      room.GetString("name"),
		ChatURL:   ChatURL(e, room.Id),
		Owner:     room.GetString("owner"),
		Post:      api.NullString(room.GetString("post")),
		CreatedAt: api.TimeOf(room.GetDateTime("created")),
	}
}

// roomData is the room object of room as viewer sees it, with the newest
// page of history (or the page before the message before).
func roomData(e *core.RequestEvent, room, viewer *core.Record, before string) (*Room, error) {
	messages, err := RecentMessages(e.App, room.Id, before, HistoryPageSize)
	if err != nil {
		return nil, err
	}
	rendered, err := MessagesJSON(e.App, messages, viewer)
	if err != nil {
		return nil, err
	}
	return &Room{
		Id:           room.Id,
		Name:         room.GetString("name"),
		ChatURL:      ChatURL(e, room.Id),
		ChatMessages: rendered,
		Owner:        room.GetString("owner"),
		Post:         api.NullString(room.GetString("post")),
		OnlineUsers:  OnlineUsers(e.App, room.Id),
	}, nil
}

// RoomData is the room object with the newest page of history, as viewer
// sees it: what GET /api/chat/room/<id>/ answers, and what the post
// detail embeds as "room_data".
func RoomData(e *core.RequestEvent, room, viewer *core.Record) (*Room, error) {
	return roomData(e, room, viewer, "")
}
