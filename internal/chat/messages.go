package chat

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
)

// HistoryPageSize is how many messages a room answer carries.
const HistoryPageSize = 50

// MessagesJSON renders stored messages in the documented shape, as viewer
// may see them (e-mails only where visible), loading their senders at once.
func MessagesJSON(app core.App, messages []*core.Record, viewer *core.Record) ([]map[string]any, error) {
	senders, err := loadUsers(app, messages, "sender")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(messages))
	for i, m := range messages {
		out[i] = messageJSON(m, senders[m.GetString("sender")], viewer)
	}
	return out, nil
}

func messageJSON(m, sender, viewer *core.Record) map[string]any {
	out := map[string]any{
		"id":                  m.Id,
		"room":                m.GetString("room"),
		"sender":              m.GetString("sender"),
		"sender_email":        nil,
		"nickname":            "",
		"profile_picture_url": nil,
		"message":             m.GetString("message"),
		"parent_chat":         api.NullableId(m.GetString("parent_chat")),
		"message_type":        m.GetString("message_type"),
		"created_at":          api.Time(m.GetDateTime("created")),
	}
	if sender != nil {
		out["sender_email"] = auth.EmailFor(viewer, sender)
		out["nickname"] = sender.GetString("nickname")
		out["profile_picture_url"] = api.FileURL(sender, "profile_picture")
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
	query := app.RecordQuery("messages").
		Where(dbx.HashExp{"room": roomId}).
		OrderBy("created DESC", "id DESC").
		Limit(int64(limit))
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
