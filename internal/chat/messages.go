package chat

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
)

// HistoryPageSize is how many messages a room answer carries.
const HistoryPageSize = 50

// Message is the documented message object.
type Message struct {
	messageFields
	Sender      string         `json:"sender"`       // the sender's id
	SenderEmail api.NullString `json:"sender_email"` // null unless visible to the viewer
	// Reactions summarises the message's reactions as the viewer sees
	// them ("me": the viewer's own); empty on a deleted message.
	Reactions []Reaction `json:"reactions"`
	// DeletedBy is who deleted it: "sender" or "moderator" (null while it
	// is not deleted; see moderator_delete.go).
	DeletedBy api.NullString `json:"deleted_by"`
}

// Reaction is one emoji of a message's reaction summary.
type Reaction struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Me    bool   `json:"me"`
}

// messageFields are what the message object and its live frame share.
type messageFields struct {
	Id                string         `json:"id"`
	Room              string         `json:"room"`
	Nickname          string         `json:"nickname"`
	ProfilePictureURL api.NullString `json:"profile_picture_url"`
	Message           string         `json:"message"`
	ParentChat        api.NullString `json:"parent_chat"`
	MessageType       string         `json:"message_type"`
	CreatedAt         api.NullString `json:"created_at"`

	// Added by the chat product (the original fields above never change).
	Seq      int64          `json:"seq"`       // 1, 2, 3... within the room, in commit order
	EditedAt api.NullString `json:"edited_at"` // null until the sender edits it
	Deleted  bool           `json:"deleted"`   // soft deleted: "message" is "" from then on
	Mentions []string       `json:"mentions"`  // ids of the members it mentions
	// Hidden: enough reports hid it pending review. Its sender and the
	// room's moderators still see it; everyone else (and every live
	// frame) gets it as a deleted one: "message" "", no mentions, no
	// reactions.
	Hidden bool `json:"hidden"`
}

// MessagesJSON renders stored messages in the documented shape, as viewer
// may see them (e-mails only where visible; a hidden message's text only
// for its sender and the room's moderators), loading their senders and
// their reaction summaries at once (a query each).
func MessagesJSON(app core.App, messages []*core.Record, viewer *core.Record) ([]Message, error) {
	senders, err := loadUsers(app, messages, "sender")
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(messages))
	ids := make([]string, 0, len(messages))
	moderates := map[string]bool{} // room → viewer moderates it (hidden messages only)
	for i, m := range messages {
		reveal := m.GetBool("hidden") && MaySeeHidden(app, m, viewer, moderates)
		out[i] = messageJSONOf(m, senders[m.GetString("sender")], viewer, reveal)
		if !out[i].Deleted && (!out[i].Hidden || reveal) {
			ids = append(ids, m.Id) // no reactions on a deleted or concealed one
		}
	}
	viewerId := ""
	if viewer != nil {
		viewerId = viewer.Id
	}
	reactions, err := reactionSummaries(app, ids, viewerId) // one query for the page
	if err != nil {
		return nil, err
	}
	for i := range out {
		if r := reactions[out[i].Id]; r != nil {
			out[i].Reactions = r
		}
	}
	return out, nil
}

// MaySeeHidden reports whether viewer sees the text of hidden message m:
// its sender and the moderators of its room do. moderates caches the
// answer per room (nil: no cache).
func MaySeeHidden(app core.App, m, viewer *core.Record, moderates map[string]bool) bool {
	if viewer == nil {
		return false
	}
	if viewer.Id == m.GetString("sender") && !viewer.IsSuperuser() {
		return true
	}
	roomId := m.GetString("room")
	if ok, known := moderates[roomId]; known {
		return ok
	}
	room, err := app.FindRecordById("rooms", roomId)
	ok := err == nil && Moderates(app, room, viewer)
	if moderates != nil {
		moderates[roomId] = ok
	}
	return ok
}

// messageJSON is m as viewer may see it; sender is nil when the member is
// gone (no e-mail, nickname "", no picture). A hidden message is shown as
// a deleted one (MessagesJSON shows its text to whom may see it).
func messageJSON(m, sender, viewer *core.Record) Message {
	return messageJSONOf(m, sender, viewer, false)
}

// messageJSONOf is messageJSON; reveal shows a hidden message's text.
func messageJSONOf(m, sender, viewer *core.Record, reveal bool) Message {
	out := Message{
		messageFields: messageFields{
			Id:          m.Id,
			Room:        m.GetString("room"),
			Message:     m.GetString("message"),
			ParentChat:  api.NullString(m.GetString("parent_chat")),
			MessageType: m.GetString("message_type"),
			CreatedAt:   api.TimeOf(m.GetDateTime("created")),
			Seq:         int64(m.GetInt("seq")),
			EditedAt:    api.TimeOf(m.GetDateTime("edited_at")),
			Deleted:     !m.GetDateTime("deleted_at").IsZero(),
			Mentions:    append([]string{}, m.GetStringSlice("mentions")...),
		},
		Sender:    m.GetString("sender"),
		Reactions: []Reaction{},
		DeletedBy: deletedBy(m),
	}
	out.Hidden = m.GetBool("hidden") && !out.Deleted
	if out.Deleted || (out.Hidden && !reveal) {
		out.Message = "" // stored empty too when deleted; never shown, whatever the row says
		out.Mentions = []string{}
	}
	if sender != nil {
		out.SenderEmail = auth.EmailFor(viewer, sender)
		out.Nickname = sender.GetString("nickname")
		out.ProfilePictureURL = api.FileURLOf(sender, "profile_picture")
	}
	return out
}

func loadUsers(app core.App, records []*core.Record, field string) (map[string]*core.Record, error) {
	ids := make([]string, 0, len(records))
	seen := map[string]bool{}
	for _, r := range records {
		if id := r.GetString(field); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found, err := app.FindRecordsByIds("users", ids)
	if err != nil {
		return nil, err
	}
	byId := make(map[string]*core.Record, len(found))
	for _, u := range found {
		byId[u.Id] = u
	}
	return byId, nil
}

// RecentMessages is a page of a room's history, oldest first: the newest
// limit messages, or the newest ones older than the message before.
func RecentMessages(app core.App, roomId, before string, limit int) ([]*core.Record, error) {
	return RecentMessagesFor(app, roomId, "", before, limit)
}

// MessagesAfterFor is the page of a room's messages committed after the
// message after (at most limit, oldest first), as the member viewerId reads
// it: what a client that reconnects catches up with. The room's numbering
// (seq, in commit order) is the cursor, so paging forward from the last
// message of each page misses none and repeats none, however close
// together they were sent.
func MessagesAfterFor(app core.App, roomId, viewerId, after string, limit int) ([]*core.Record, error) {
	cursor, err := app.FindRecordById("messages", after)
	if err != nil || cursor.GetString("room") != roomId {
		return nil, api.FieldError("after", "Unknown message in this room.")
	}
	query := app.RecordQuery("messages").
		Where(dbx.HashExp{"room": roomId}).
		AndWhere(dbx.NewExp("seq > {:seq}", dbx.Params{"seq": cursor.GetInt("seq")})).
		OrderBy("seq ASC").
		Limit(int64(limit))
	if viewerId != "" && HasBlocks(app, viewerId) {
		query.AndWhere(dbx.NewExp("messages.sender "+notBlockedSQL, dbx.Params{"viewer": viewerId}))
	}
	messages := []*core.Record{}
	if err := query.All(&messages); err != nil {
		return nil, err
	}
	return messages, nil
}

// RecentMessagesFor is RecentMessages as the member viewerId reads it:
// without the messages of the members they blocked.
func RecentMessagesFor(app core.App, roomId, viewerId, before string, limit int) ([]*core.Record, error) {
	query := app.RecordQuery("messages").
		Where(dbx.HashExp{"room": roomId}).
		OrderBy("created DESC", "id DESC").
		Limit(int64(limit))
	if viewerId != "" && HasBlocks(app, viewerId) {
		query.AndWhere(dbx.NewExp("messages.sender "+notBlockedSQL, dbx.Params{"viewer": viewerId}))
	}
	if before != "" {
		cursor, err := app.FindRecordById("messages", before)
		if err != nil || cursor.GetString("room") != roomId {
			return nil, api.FieldError("before", "Unknown message in this room.")
		}
		query.AndWhere(dbx.NewExp("(created < {:c} OR (created = {:c} AND id < {:id}))",
			dbx.Params{"c": cursor.GetDateTime("created").String(), "id": cursor.Id}))
	}
	messages := []*core.Record{}
	if err := query.All(&messages); err != nil {
		return nil, err
	}
	for i, j := 0, len(messages)-1; i < j; i, j = i+1, j-1 {
		messages[i], messages[j] = messages[j], messages[i]
	}
	return messages, nil
}
