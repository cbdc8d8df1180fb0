package chat

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// bindRoutes serves the /api/chat REST routes and the room WebSocket.
func bindRoutes(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodGet, "/room", api.RequireMember(listRooms))
		api.Handle(g, http.MethodPost, "/room", api.RequireMember(createRoom))
		api.Handle(g, http.MethodGet, "/room/{id}", api.RequireMember(getRoom))
		api.Handle(g, http.MethodPost, "/message", api.RequireMember(postMessage))
		api.Handle(se.Router.Group("/ws/chat"), http.MethodGet, "/{room}/chat", roomSocket)
		return se.Next()
	})
}

const (
	roomsPageSize    = 20
	roomsMaxPageSize = 100
)

// listRooms: GET /api/chat/room/ — the rooms I may read (the rooms list
// rule), newest first, paginated.
func listRooms(e *core.RequestEvent, me *core.Record) error {
	page, err := api.ReadPage(e, roomsPageSize, roomsMaxPageSize)
	if err != nil {
		return err
	}
	collection, err := e.App.FindCachedCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	query := e.App.RecordQuery(collection)
	if err := api.ApplyRule(e.App, query, collection, info, collection.ListRule); err != nil {
		return err
	}
	rooms := []*core.Record{}
	err = query.Distinct(true).OrderBy("rooms.created DESC", "rooms.id DESC").
		Limit(int64(page.Size)).Offset(page.Offset()).All(&rooms)
	if err != nil {
		return err
	}
	out := make([]roomListItem, len(rooms))
	for i, r := range rooms {
		out[i] = roomJSON(e, r)
	}
	return e.JSON(http.StatusOK, out)
}

// createRoom: POST /api/chat/room/ {"name"} — a room without a post, for
// me and the people on my friends list, within the room creation limit
// (429 with Retry-After beyond it).
func createRoom(e *core.RequestEvent, me *core.Record) error {
	if ok, wait := allowRoomCreate(e.App, me.Id); !ok {
		return api.Throttled(wait)
	}
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	name := strings.TrimSpace(body.RequiredString(fe, "name"))
	if max := api.TextMax(e.App, "rooms", "name"); max > 0 && len([]rune(name)) > max {
		fe.Add("name", api.MaxLength(max)) // with the other field errors, before saving
	}
	if err := fe.Err(); err != nil {
		return err
	}
	collection, err := e.App.FindCachedCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	room := core.NewRecord(collection)
	room.Set("name", name)
	room.Set("owner", me.Id)
	if err := e.App.Save(room); err != nil {
		return api.FromValidation(err)
	}
	data, err := roomData(e, room, me, historyPage{})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, data)
}

// readableRoom loads a room by id and checks the rooms view rule.
func readableRoom(e *core.RequestEvent, me *core.Record, id string) (*core.Record, error) {
	room, err := e.App.FindRecordById("rooms", id)
	if err != nil {
		return nil, api.NotFound()
	}
	if !CanReadRoom(e.App, room, me) {
		return nil, forbidden()
	}
	return room, nil
}

// getRoom: GET /api/chat/room/{id}/?before=<message id> (or ?after=) —
// the room with a page of history (older pages by cursor, or the messages
// committed after one: a reconnecting client's catch-up), who is online,
// who moderates it and what the member asking may do.
func getRoom(e *core.RequestEvent, me *core.Record) error {
	room, err := readableRoom(e, me, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	page, err := historyPageOf(e)
	if err != nil {
		return err
	}
	return writeRoomAnswer(e, room, me, page) // room_settings.go
}

// postMessage: POST /api/chat/message/ {"room","message","parent_chat"?,
// "mentions"?: ["<user id>", ...]} — stored, then delivered live to the
// room on every transport.
func postMessage(e *core.RequestEvent, me *core.Record) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	roomId := body.RequiredString(fe, "room")
	text := body.RequiredString(fe, "message")
	parent, _ := body.String(fe, "parent_chat")
	mentions := readMentions(body, fe)
	if err := fe.Err(); err != nil {
		return err
	}
	room, err := e.App.FindRecordById("rooms", roomId)
	if err != nil {
		return api.FieldError("room", api.InvalidPk(roomId))
	}
	if !CanReadRoom(e.App, room, me) {
		return forbidden()
	}
	m, err := SendMessage(e.App, me, room, text, parent, mentions)
	var limited *RateLimitedError
	if errors.As(err, &limited) {
		p := api.Detail(http.StatusTooManyRequests, "Request was throttled: you are sending messages too fast.")
		p.Header = http.Header{"Retry-After": {strconv.Itoa(limited.RetrySeconds())}}
		return p
	}
	if err != nil {
		return err
	}
	rendered, err := MessagesJSON(e.App, []*core.Record{m}, me)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, rendered[0])
}

// forbidden is a Problem for the REST routes of rooms one may not read.
func forbidden() error {
	return api.Detail(http.StatusForbidden, "You do not have permission to read this room.")
}
