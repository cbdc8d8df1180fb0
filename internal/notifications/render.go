package notifications

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// ExcerptRunes is how many characters of the message a notification
// shows.
const ExcerptRunes = 140

// Notification is the documented notification object.
type Notification struct {
	Id        string         `json:"id"`
	Kind      string         `json:"kind"`
	Read      bool           `json:"read"`
	CreatedAt api.NullString `json:"created_at"`
	Actor     *Actor         `json:"actor"` // null when the actor is gone
	Room      api.NullString `json:"room"`
	Message   api.NullString `json:"message"`
	// Excerpt is the message's first ExcerptRunes characters, only while
	// the viewer may still read the room and the message is not deleted.
	Excerpt api.NullString `json:"excerpt"`
}

// Actor is who caused a notification.
type Actor struct {
	Id                string         `json:"id"`
	Nickname          string         `json:"nickname"`
	ProfilePictureURL api.NullString `json:"profile_picture_url"`
}

// renderNotifications renders notifications as viewer (their owner) sees
// them, loading actors, messages and rooms at once and checking each room
// once.
func renderNotifications(app core.App, rows []*core.Record, viewer *core.Record) ([]Notification, error) {
	actors, err := loadById(app, "users", rows, "actor")
	if err != nil {
		return nil, err
	}
	messages, err := loadById(app, "messages", rows, "message")
	if err != nil {
		return nil, err
	}
	rooms, err := loadById(app, "rooms", rows, "room")
	if err != nil {
		return nil, err
	}
	readable := map[string]bool{}
	canRead := func(roomId string) bool {
		ok, seen := readable[roomId]
		if !seen {
			room := rooms[roomId]
			ok = room != nil && chat.CanReadRoom(app, room, viewer)
			readable[roomId] = ok
		}
		return ok
	}
	out := make([]Notification, len(rows))
	for i, n := range rows {
		item := Notification{
			Id:        n.Id,
			Kind:      n.GetString("kind"),
			Read:      n.GetBool("read"),
			CreatedAt: api.TimeOf(n.GetDateTime("created")),
			Room:      api.NullString(n.GetString("room")),
			Message:   api.NullString(n.GetString("message")),
		}
		if a := actors[n.GetString("actor")]; a != nil {
			item.Actor = &Actor{Id: a.Id, Nickname: a.GetString("nickname"), ProfilePictureURL: api.FileURLOf(a, "profile_picture")}
		}
		if m := messages[n.GetString("message")]; m != nil && !isDeleted(m) && canRead(m.GetString("room")) {
			item.Excerpt = api.NullString(excerpt(m.GetString("message")))
		}
		out[i] = item
	}
	return out, nil
}

func excerpt(text string) string {
	r := []rune(text)
	if len(r) > ExcerptRunes {
		r = r[:ExcerptRunes]
	}
	return string(r)
}

// loadById loads the records of collection that field of rows names.
func loadById(app core.App, collection string, rows []*core.Record, field string) (map[string]*core.Record, error) {
	ids := []string{}
	seen := map[string]bool{}
	for _, r := range rows {
		if id := r.GetString(field); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	out := map[string]*core.Record{}
	if len(ids) == 0 {
		return out, nil
	}
	found, err := app.FindRecordsByIds(collection, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range found {
		out[r.Id] = r
	}
	return out, nil
}
