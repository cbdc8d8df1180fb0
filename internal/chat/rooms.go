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
	Kind         string         `json:"kind"`              // KindPost, KindGroup or KindDM
	Members      []string       `json:"members,omitempty"` // a DM's two members; absent on other rooms
	SlowMode     int            `json:"slow_mode_seconds"` // 0: off

	// GET /api/chat/room/<id>/ (and its PATCH) only: who moderates the
	// room and what the member asking may do (room_settings.go).
	Moderators *[]RoomModerator `json:"moderators,omitzero"`
	Me         *RoomMe          `json:"me,omitzero"`
}

// Kinds of room: a post's room, a room made with POST /api/chat/room/
// (its owner and the people on the owner's friends list), and the direct
// messages of two members.
const (
	KindPost  = "post"
	KindGroup = "group"
	KindDM    = "dm"
)

func roomKind(room *core.Record) string {
	switch {
	case room.GetString("dm_key") != "":
		return KindDM
	case room.GetString("post") != "":
		return KindPost
	}
	return KindGroup
}

// roomMembers is a DM's two members (nil on other rooms: omitted).
func roomMembers(room *core.Record) []string {
	if room.GetString("dm_key") == "" {
		return nil
	}
	return append([]string{}, room.GetStringSlice("members")...)
}

// roomListItem is a room in GET /api/chat/room/: no history, no presence.
type roomListItem struct {
	Id        string         `json:"id"`
	Name      string         `json:"name"`
	ChatURL   string         `json:"chat_url"`
	Owner     string         `json:"owner"`
	Post      api.NullString `json:"post"`
	CreatedAt api.NullString `json:"created_at"`
	Kind      string         `json:"kind"`
	Members   []string       `json:"members,omitempty"` // DMs only
	SlowMode  int            `json:"slow_mode_seconds"`
}

func roomJSON(e *core.RequestEvent, room *core.Record) roomListItem {
	return roomListItem{
		Id:        room.Id,
		Name:      room.GetString("name"),
		ChatURL:   ChatURL(e, room.Id),
		Owner:     room.GetString("owner"),
		Post:      api.NullString(room.GetString("post")),
		CreatedAt: api.TimeOf(room.GetDateTime("created")),
		Kind:      roomKind(room),
		Members:   roomMembers(room),
		SlowMode:  room.GetInt("slow_mode_seconds"),
	}
}

// roomData is the room object of room as viewer sees it, with the newest
// page of history (or the page before the message before).
func roomData(e *core.RequestEvent, room, viewer *core.Record, page historyPage) (*Room, error) {
	var messages []*core.Record
	var err error
	if page.after != "" {
		messages, err = MessagesAfterFor(e.App, room.Id, viewerId(viewer), page.after, HistoryPageSize)
	} else {
		messages, err = RecentMessagesFor(e.App, room.Id, viewerId(viewer), page.before, HistoryPageSize)
	}
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
		Kind:         roomKind(room),
		Members:      roomMembers(room),
		SlowMode:     room.GetInt("slow_mode_seconds"),
	}, nil
}

// historyPage is which page of a room's history an answer holds: the
// newest (both empty), the one before a message, or the one after it.
type historyPage struct{ before, after string }

// historyPageOf reads ?before= or ?after= (not both).
func historyPageOf(e *core.RequestEvent) (historyPage, error) {
	q := e.Request.URL.Query()
	page := historyPage{before: q.Get("before"), after: q.Get("after")}
	if page.before != "" && page.after != "" {
		return page, api.FieldError("after", "Give before or after, not both.")
	}
	return page, nil
}

// RoomData is the room object with the newest page of history, as viewer
// sees it: what GET /api/chat/room/<id>/ answers, and what the post
// detail embeds as "room_data".
func RoomData(e *core.RequestEvent, room, viewer *core.Record) (*Room, error) {
	return roomData(e, room, viewer, historyPage{})
}
