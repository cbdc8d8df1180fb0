package chat

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/api"
)

// A message's history for its room's moderators (docs/API.md, "Moderation
// and member safety"): GET /api/chat/message/<id>/history/ lists the texts
// an edit replaced or a delete removed (message_versions), oldest first;
// the current text is the message's own.

// messageVersion is an entry of a message's history.
type messageVersion struct {
	Text      string         `json:"text"`
	Change    string         `json:"change"` // "edit" or "delete"
	Editor    api.NullString `json:"editor"` // who changed it; null for a superuser
	CreatedAt api.NullString `json:"created_at"`
}

func bindHistoryRoute(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodGet, "/message/{id}/history", api.RequireMemberOrSuperuser(messageHistory))
		return se.Next()
	})
}

// messageHistory: GET /api/chat/message/{id}/history/ — 200 the message's
// previous versions, for the moderators of its room and superusers; 403
// for members who read the room without moderating it; 404 for an unknown
// message or one in a room the member may not read.
func messageHistory(e *core.RequestEvent, auth *core.Record) error {
	m, err := e.App.FindRecordById("messages", e.Request.PathValue("id"))
	if err != nil {
		return api.NotFound()
	}
	if _, err := ModeratedRoom(e.App, auth, m.GetString("room")); err != nil {
		return err
	}
	var rows []struct {
		Text    string         `db:"text"`
		Change  string         `db:"change"`
		Editor  string         `db:"editor"`
		Created types.DateTime `db:"created"`
	}
	err = e.App.DB().Select("text", "change", "editor", "created").From("message_versions").
		Where(dbx.HashExp{"message": m.Id}).OrderBy("created ASC", "rowid ASC").All(&rows)
	if err != nil {
		return err
	}
	out := make([]messageVersion, len(rows))
	for i, r := range rows {
		out[i] = messageVersion{Text: r.Text, Change: r.Change, Editor: api.NullString(r.Editor), CreatedAt: api.TimeOf(r.Created)}
	}
	return e.JSON(http.StatusOK, out)
}
