package chat

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
)

// Reactions (docs/API.md, "Reactions"): POST /api/chat/message/<id>/reactions/
// and the chat.reaction WebSocket frame toggle a member's reaction; the
// record API creates and deletes message_reactions rows directly. The
// hooks (hooks/reactions.go) check the emoji, the message and the limit of
// 20 emoji per message; every committed reaction or removal goes live as
// a chat.reaction frame to the message's room.

func bindReactionRoutes(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodPost, "/message/{id}/reactions", api.RequireMember(postReaction))
		return se.Next()
	})
	app.OnRecordAfterCreateSuccess("message_reactions").BindFunc(func(e *core.RecordEvent) error {
		publishReaction(e.App, e.Record, true)
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("message_reactions").BindFunc(func(e *core.RecordEvent) error {
		publishReaction(e.App, e.Record, false)
		return e.Next()
	})
}

// ReactionCount is an entry of a live reaction summary (no "me").
type ReactionCount struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
}

// reactionFrame is the live event of a reaction added or removed.
type reactionFrame struct {
	Type      string          `json:"type"` // TypeReaction
	Id        string          `json:"id"`   // the message
	Room      string          `json:"room"`
	Emoji     string          `json:"emoji"`
	UserId    string          `json:"user_id"`
	Username  string          `json:"username"` // the member's nickname
	Added     bool            `json:"added"`
	Reactions []ReactionCount `json:"reactions"`
}

// reactionAnswer is the answer of the REST toggle.
type reactionAnswer struct {
	Id        string     `json:"id"`
	Room      string     `json:"room"`
	Reactions []Reaction `json:"reactions"`
}

// reactableMessage is the message id as a member may react to it: 404
// when unknown or deleted (or, with inRoom, in another room), 403 when
// its room may not be read (without inRoom; the caller checked it).
func reactableMessage(app core.App, me *core.Record, id, inRoom string) (*core.Record, error) {
	m, err := app.FindRecordById("messages", id)
	if err != nil {
		return nil, api.NotFound()
	}
	switch {
	case inRoom != "" && m.GetString("room") != inRoom:
		return nil, api.NotFound()
	case inRoom == "":
		room, err := app.FindRecordById("rooms", m.GetString("room"))
		if err != nil {
			return nil, api.NotFound()
		}
		if !CanReadRoom(app, room, me) {
			return nil, forbidden()
		}
	}
	if !m.GetDateTime("deleted_at").IsZero() {
		return nil, api.NotFound()
	}
	return m, nil
}

// checkEmoji is the documented 400 of a value that is not one emoji.
func checkEmoji(emoji string) error {
	if !hooks.IsEmoji(emoji) {
		return api.FieldError("emoji", hooks.MsgNotOneEmoji)
	}
	return nil
}

// ToggleReaction adds the member's reaction emoji to m, or removes it
// when it is there, in one transaction; added tells which. Errors are
// api.Problems (404 for a message deleted meanwhile, 400 over the limit).
func ToggleReaction(app core.App, me, m *core.Record, emoji string) (added bool, err error) {
	if err := checkEmoji(emoji); err != nil {
		return false, err
	}
	err = app.RunInTransaction(func(tx core.App) error {
		existing, err := tx.FindFirstRecordByFilter("message_reactions",
			"message = {:m} && user = {:u} && emoji = {:e}", dbx.Params{"m": m.Id, "u": me.Id, "e": emoji})
		if err == nil {
			return tx.Delete(existing)
		}
		c, err := tx.FindCachedCollectionByNameOrId("message_reactions")
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Set("message", m.Id)
		r.Set("user", me.Id)
		r.Set("emoji", emoji)
		added = true
		return tx.Save(r)
	})
	if err != nil {
		return false, api.FromValidation(err)
	}
	return added, nil
}

// postReaction: POST /api/chat/message/{id}/reactions/ {"emoji"} — 200
// {"id", "room", "reactions"} after the toggle.
func postReaction(e *core.RequestEvent, me *core.Record) error {
	m, err := reactableMessage(e.App, me, e.Request.PathValue("id"), "")
	if err != nil {
		return err
	}
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	emoji := body.RequiredString(fe, "emoji")
	if err := fe.Err(); err != nil {
		return err
	}
	if _, err := ToggleReaction(e.App, me, m, emoji); err != nil {
		return err
	}
	summaries, err := reactionSummaries(e.App, []string{m.Id}, me.Id)
	if err != nil {
		return err
	}
	out := reactionAnswer{Id: m.Id, Room: m.GetString("room"), Reactions: summaries[m.Id]}
	if out.Reactions == nil {
		out.Reactions = []Reaction{}
	}
	return e.JSON(http.StatusOK, out)
}

// handleReactionFrame toggles a reaction to a message of the socket's
// room: {"type": "chat.reaction", "id", "emoji"}.
func handleReactionFrame(app core.App, room, member *core.Record, data []byte) []byte {
	var f struct {
		Id    any `json:"id"`
		Emoji any `json:"emoji"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	id, ok := f.Id.(string)
	emoji, ok2 := f.Emoji.(string)
	if !ok || !ok2 || id == "" {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	m, err := reactableMessage(app, member, id, room.Id)
	if err != nil {
		return errorFrameOf(app, err)
	}
	_, err = ToggleReaction(app, member, m, emoji)
	return errorFrameOf(app, err)
}

// publishReaction sends a committed reaction change live to the room of
// its message (nothing when the message is gone or deleted: its removal
// then is part of a delete, whose own frame tells).
func publishReaction(app core.App, r *core.Record, added bool) {
	m, err := app.FindRecordById("messages", r.GetString("message"))
	if err != nil || !m.GetDateTime("deleted_at").IsZero() {
		return
	}
	summaries, err := reactionSummaries(app, []string{m.Id}, "")
	if err != nil {
		app.Logger().Error("chat: reaction summary", "error", err)
		return
	}
	counts := make([]ReactionCount, 0, len(summaries[m.Id]))
	for _, s := range summaries[m.Id] {
		counts = append(counts, ReactionCount{Emoji: s.Emoji, Count: s.Count})
	}
	frame := reactionFrame{
		Type: TypeReaction, Id: m.Id, Room: m.GetString("room"), Emoji: r.GetString("emoji"),
		UserId: r.GetString("user"), Added: added, Reactions: counts,
	}
	if user, err := app.FindRecordById("users", frame.UserId); err == nil {
		frame.Username = user.GetString("nickname")
	}
	HubOf(app).PublishFrom(frame.Room, mustJSON(frame), frame.UserId, m.GetString("sender"))
}

// reactionSummaries are the reaction summaries of messages, by message id,
// most-used first (then first used first), "me" marking viewerId's: one
// query for them all.
func reactionSummaries(app core.App, messageIds []string, viewerId string) (map[string][]Reaction, error) {
	out := map[string][]Reaction{}
	if len(messageIds) == 0 {
		return out, nil
	}
	params := dbx.Params{"viewer": viewerId}
	holders := make([]string, len(messageIds))
	for i, id := range messageIds {
		key := fmt.Sprintf("m%d", i)
		params[key] = id
		holders[i] = "{:" + key + "}"
	}
	var rows []struct {
		Message string `db:"message"`
		Emoji   string `db:"emoji"`
		Count   int    `db:"n"`
		Me      int    `db:"me"`
	}
	err := app.DB().NewQuery(`SELECT message, emoji, COUNT(*) AS n, MAX(user = {:viewer}) AS me
		FROM message_reactions WHERE message IN (` + strings.Join(holders, ", ") + `)
		GROUP BY message, emoji ORDER BY message, n DESC, MIN(created) ASC, emoji ASC`).Bind(params).All(&rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Message] = append(out[r.Message], Reaction{Emoji: r.Emoji, Count: r.Count, Me: r.Me == 1})
	}
	return out, nil
}
