package chat

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/api"
)

// unreadRoom is one followed room in GET /api/chat/unread/.
type unreadRoom struct {
	Room        roomListItem `json:"room"`
	Unread      int64        `json:"unread"`
	Mentions    int64        `json:"mentions"`
	ReadSeq     int64        `json:"read_seq"`
	LastSeq     int64        `json:"last_seq"`
	LastMessage *Message     `json:"last_message"`
	lastAt      string       // the newest message's (else the room's) creation, for the order
}

type unreadAnswer struct {
	Rooms    []unreadRoom `json:"rooms"`
	Unread   int64        `json:"unread"`
	Mentions int64        `json:"mentions"`
}

// defaultRoomsListRule is the rooms list rule as the migrations leave it
// (1764000009: 1764000006's, and no ban names the member). While it is the stored rule, roomReadableSQL evaluates
// it: the same condition, with EXISTS where PocketBase's "?=" joins a
// room's owner's whole friends list to every room (and then needs
// DISTINCT), which made GET /api/chat/unread/ slower with every friend the
// rooms' owners have. TestRoomReadableSQL checks that both agree.
const defaultRoomsListRule = `@request.auth.id != "" && @request.auth.collectionName = "users" && (post != "" || (dm_key = "" && (owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)) || (dm_key != "" && members:each ?= @request.auth.id)) && room_bans_via_room.user != @request.auth.id`

// roomReadableSQL is defaultRoomsListRule for the member {:me}, on the
// rooms table.
const roomReadableSQL = `((rooms.post != ''
	OR (rooms.dm_key = '' AND (rooms.owner = {:me} OR EXISTS (SELECT 1 FROM friends fr WHERE fr.user = rooms.owner AND fr.friend = {:me})))
	OR (rooms.dm_key != '' AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(rooms.members) THEN rooms.members ELSE '[]' END) WHERE value = {:me})))
	AND NOT EXISTS (SELECT 1 FROM room_bans rb WHERE rb.room = rooms.id AND rb.user = {:me}))`

// followedRoom is a row of the followed rooms query.
type followedRoom struct {
	Id      string         `db:"id"`
	Name    string         `db:"name"`
	Owner   string         `db:"owner"`
	Post    string         `db:"post"`
	DMKey   string         `db:"dm_key"`
	Members types.JSONRaw  `db:"members"`
	Created types.DateTime `db:"created"`
	ReadSeq int64          `db:"read_seq"`
	Slow    int            `db:"slow_mode_seconds"`
}

// item is the room as GET /api/chat/room/ lists it (roomJSON's shape).
func (r followedRoom) item(e *core.RequestEvent) roomListItem {
	item := roomListItem{
		Id:        r.Id,
		Name:      r.Name,
		ChatURL:   ChatURL(e, r.Id),
		Owner:     r.Owner,
		Post:      api.NullString(r.Post),
		CreatedAt: api.TimeOf(r.Created),
		Kind:      KindGroup,
		SlowMode:  r.Slow,
	}
	switch {
	case r.DMKey != "":
		item.Kind = KindDM
		item.Members = []string{}
		_ = json.Unmarshal(r.Members, &item.Members)
	case r.Post != "":
		item.Kind = KindPost
	}
	return item
}

// unreadRoute: GET /api/chat/unread/ — the rooms I follow and may still
// read, most recent activity first, with their unread and mention counts.
// A fixed number of set-based queries, however many rooms are followed:
// the readable followed rooms (the rooms list rule), the markers, the
// newest message of each room (an index seek per room on (room, seq)) with
// its sender (MessagesJSON), and the unread mention and reply
// notifications by room.
func unreadRoute(e *core.RequestEvent, me *core.Record) error {
	collection, err := e.App.FindCachedCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	// the rooms as plain rows (no record objects), with the marker
	columns := []string{"rooms.id", "rooms.name", "rooms.owner", "rooms.post", "rooms.dm_key", "rooms.members", "rooms.created", "follows.read_seq", "rooms.slow_mode_seconds"}
	followed := dbx.NewExp("follows.room = rooms.id AND follows.user = {:me} AND follows.following = TRUE", dbx.Params{"me": me.Id})
	var query *dbx.SelectQuery
	if collection.ListRule != nil && *collection.ListRule == defaultRoomsListRule {
		query = e.App.DB().Select(columns...).From("rooms").InnerJoin("room_follows follows", followed).
			AndWhere(dbx.NewExp(roomReadableSQL, dbx.Params{"me": me.Id}))
	} else {
		// a rule changed in the dashboard: evaluated as the record API does
		query = e.App.RecordQuery(collection).Select(columns...).InnerJoin("room_follows follows", followed).Distinct(true)
		if err := api.ApplyRule(e.App, query, collection, info, collection.ListRule); err != nil {
			return err
		}
	}
	rooms := []followedRoom{}
	if err := query.All(&rooms); err != nil {
		return err
	}

	// the newest message of each followed room: one seek per room in the
	// (room, seq) index, which holds the rowid, then the row by rowid
	// (without the messages of members I blocked, when I blocked any)
	notBlocked := ""
	if HasBlocks(e.App, me.Id) {
		notBlocked = " AND m.sender " + notBlockedSQL
	}
	newest := []*core.Record{}
	err = e.App.RecordQuery("messages").AndWhere(dbx.NewExp(`messages.rowid IN (
			SELECT (SELECT m.rowid FROM messages m WHERE m.room = f.room`+notBlocked+` ORDER BY m.seq DESC LIMIT 1)
			FROM room_follows f WHERE f.user = {:me} AND f.following = TRUE)`, dbx.Params{"me": me.Id, "viewer": me.Id})).
		All(&newest)
	if err != nil {
		return err
	}
	rendered, err := MessagesJSON(e.App, newest, me)
	if err != nil {
		return err
	}
	lastOf := make(map[string]*Message, len(rendered))
	for i := range rendered {
		lastOf[rendered[i].Room] = &rendered[i]
	}

	var mentionRows []struct {
		Room  string `db:"room"`
		Count int64  `db:"n"`
	}
	err = e.App.DB().NewQuery(`SELECT room, COUNT(*) AS n FROM notifications
		WHERE user = {:me} AND read = FALSE AND kind IN ('mention', 'reply') AND room != ''
		GROUP BY room`).
		Bind(dbx.Params{"me": me.Id}).All(&mentionRows)
	if err != nil {
		return err
	}
	mentions := make(map[string]int64, len(mentionRows))
	for _, r := range mentionRows {
		mentions[r.Room] = r.Count
	}

	answer := unreadAnswer{Rooms: make([]unreadRoom, 0, len(rooms))}
	for _, room := range rooms {
		item := unreadRoom{
			Room:     room.item(e),
			Mentions: mentions[room.Id],
			ReadSeq:  room.ReadSeq,
		}
		item.lastAt = string(item.Room.CreatedAt)
		if last := lastOf[room.Id]; last != nil {
			item.LastMessage, item.LastSeq = last, last.Seq
			item.lastAt = string(last.CreatedAt)
		}
		item.Unread = max(0, item.LastSeq-item.ReadSeq)
		answer.Unread += item.Unread
		answer.Mentions += item.Mentions
		answer.Rooms = append(answer.Rooms, item)
	}
	slices.SortFunc(answer.Rooms, func(a, b unreadRoom) int {
		if c := strings.Compare(b.lastAt, a.lastAt); c != 0 {
			return c
		}
		return strings.Compare(b.Room.Id, a.Room.Id)
	})
	return e.JSON(http.StatusOK, answer)
}
