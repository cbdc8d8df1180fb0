package search

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

const (
	pageSize    = 20
	maxPageSize = 100
	// MaxQueryLength is the longest q, in characters.
	MaxQueryLength = 100
	// MaxCount is as far as an answer's "count" is counted: beyond it the
	// answer says count_capped, and count is a lower bound (counting every
	// hit of a common term over a million messages would cost far more
	// than the page). The last page always knows the exact count.
	MaxCount = 1000
)

// Page is the answer of GET /api/chat/search/.
type Page struct {
	Count       int64          `json:"count"`
	CountCapped bool           `json:"count_capped"`
	Results     []chat.Message `json:"results"`
}

// searchRoute: GET /api/chat/search/?q=&room=&page=&page_size= — the
// messages containing q (case-insensitive substring) in the rooms the
// member may read (or in one room), newest first.
func searchRoute(e *core.RequestEvent, me *core.Record) error {
	params := e.Request.URL.Query()
	text := params.Get("q")
	switch {
	case text == "":
		return api.FieldError("q", api.MsgRequired)
	case strings.TrimSpace(text) == "":
		return api.FieldError("q", "This field may not be blank.")
	case utf8.RuneCountInString(text) > MaxQueryLength:
		return api.FieldError("q", api.MaxLength(MaxQueryLength))
	}
	page, err := api.ReadPage(e, pageSize, maxPageSize)
	if err != nil {
		return err
	}
	q := Query{Text: text, Viewer: me.Id, Limit: int64(page.Size), Offset: page.Offset()}
	if roomId := params.Get("room"); roomId != "" {
		room, err := e.App.FindRecordById("rooms", roomId)
		if err != nil {
			return api.NotFound()
		}
		if !chat.CanReadRoom(e.App, room, me) {
			return api.Detail(http.StatusForbidden, "You do not have permission to read this room.")
		}
		q.Room = room.Id
	}

	ids, count, capped, err := Search(e.App, q, MaxCount)
	if err != nil {
		return err
	}
	out := Page{Count: count, CountCapped: capped}
	if len(ids) > 0 && capped {
		out.Count = max(count, q.Offset+int64(len(ids))) // a capped count is at least what was seen
	}
	messages, err := findInOrder(e.App, ids)
	if err != nil {
		return err
	}
	messages = withoutConcealed(e.App, messages, me)
	if out.Results, err = chat.MessagesJSON(e.App, messages, me); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// findInOrder loads messages by id in the order of ids, leaving out any
// that is gone or deleted (never the case while the hooks keep the index).
func findInOrder(app core.App, ids []string) ([]*core.Record, error) {
	found, err := app.FindRecordsByIds("messages", ids)
	if err != nil {
		return nil, err
	}
	byId := make(map[string]*core.Record, len(found))
	for _, m := range found {
		byId[m.Id] = m
	}
	out := make([]*core.Record, 0, len(ids))
	for _, id := range ids {
		if m := byId[id]; m != nil && m.GetDateTime("deleted_at").IsZero() {
			out = append(out, m)
		}
	}
	return out, nil
}

// withoutConcealed leaves out the hidden messages (enough reports hid
// them) the viewer may not see: found like a deleted one, i.e. not at
// all. Rare, so checked on the page rather than in the index query (the
// count may include them).
func withoutConcealed(app core.App, messages []*core.Record, viewer *core.Record) []*core.Record {
	out := messages[:0]
	moderates := map[string]bool{}
	for _, m := range messages {
		if m.GetBool("hidden") && !chat.MaySeeHidden(app, m, viewer, moderates) {
			continue
		}
		out = append(out, m)
	}
	return out
}
