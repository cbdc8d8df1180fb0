package chat

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

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

// followStats is a followed room's marker and newest message.
type followStats struct {
	Room    string `db:"room"`
	ReadSeq int64  `db:"read_seq"`
	LastSeq int64  `db:"last_seq"`
	LastId  string `db:"last_id"`
	LastAt  string `db:"last_at"`
}

// unreadRoute: GET /api/chat/unread/ — the rooms I follow and may still
// read, most recent activity first, with their unread and mention counts.
// A fixed number of set-based queries, however many rooms are followed:
// the readable followed rooms (the rooms list rule), each follow's marker
// and newest message (an index seek per room on (room, seq)), the unread
// mention and reply notifications by room, and the newest messages with
// their senders (MessagesJSON).
func unreadRoute(e *core.RequestEvent, me *core.Record) error {
	collection, err := e.App.FindCachedCollectionByNameOrId("rooms")
	if err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	query := e.App.RecordQuery(collection).
		InnerJoin("room_follows follows", dbx.NewExp("follows.room = rooms.id AND follows.user = {:me} AND follows.following = TRUE", dbx.Params{"me": me.Id}))
	if err := api.ApplyRule(e.App, query, collection, info, collection.ListRule); err != nil {
		return err
	}
	rooms := []*core.Record{}
	if err := query.Distinct(true).All(&rooms); err != nil {
		return err
	}

	var stats []followStats
	err = e.App.DB().NewQuery(`SELECT f.room AS room, f.read_seq AS read_seq,
			COALESCE(m.seq, 0) AS last_seq, COALESCE(m.id, '') AS last_id, COALESCE(m.created, '') AS last_at
		FROM room_follows f
		LEFT JOIN messages m ON m.id = (SELECT id FROM messages WHERE room = f.room ORDER BY seq DESC LIMIT 1)
		WHERE f.user = {:me} AND f.following = TRUE`).
		Bind(dbx.Params{"me": me.Id}).All(&stats)
	if err != nil {
		return err
	}
	byRoom := make(map[string]followStats, len(stats))
	for _, s := range stats {
		byRoom[s.Room] = s
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
	lastIds := []string{}
	for _, room := range rooms {
		s := byRoom[room.Id]
		item := unreadRoom{
			Room:     roomJSON(e, room),
			Unread:   max(0, s.LastSeq-s.ReadSeq),
			Mentions: mentions[room.Id],
			ReadSeq:  s.ReadSeq,
			LastSeq:  s.LastSeq,
			lastAt:   s.LastAt,
		}
		if item.lastAt == "" {
			item.lastAt = room.GetDateTime("created").String()
		}
		if s.LastId != "" {
			lastIds = append(lastIds, s.LastId)
		}
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

	if len(lastIds) > 0 {
		messages, err := e.App.FindRecordsByIds("messages", lastIds)
		if err != nil {
			return err
		}
		rendered, err := MessagesJSON(e.App, messages, me)
		if err != nil {
			return err
		}
		byId := make(map[string]*Message, len(rendered))
		for i := range rendered {
			byId[rendered[i].Id] = &rendered[i]
		}
		for i := range answer.Rooms {
			s := byRoom[answer.Rooms[i].Room.Id]
			answer.Rooms[i].LastMessage = byId[s.LastId]
		}
	}
	return e.JSON(http.StatusOK, answer)
}
