package chat

import (
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
)

// Follows and read markers (docs/API.md, "Follows, read markers and unread
// counts"). One room_follows row per member and room holds whether they
// follow it and their read marker (the seq of the last message read). The
// rows are written with single SQL statements (upserts on the unique
// (user, room) index), so concurrent writers never lose an update and no
// record events fire for them: the member topic carries the changes
// (chat.read), not the stock room_follows subscription.
//
// A member follows a room when they write its post, send a message in it,
// are mentioned in it (the notifications package calls FollowRoom), open a
// DM, or follow it explicitly. A new follow starts at read_seq 0 (nothing
// read yet); an existing marker is kept across unfollow and follow.

// followState is a member's follow of a room as the routes answer it.
type followState struct {
	Room      string `json:"room"`
	Following bool   `json:"following"`
	ReadSeq   int64  `json:"read_seq"`
}

// readFrame is the chat.read frame of the member topic.
type readFrame struct {
	Type string `json:"type"` // TypeRead
	followState
}

// TypeRoomActivity is the member topic frame of a new message in a room
// the member follows.
const TypeRoomActivity = "chat.room.activity"

type activityFrame struct {
	Type     string `json:"type"` // TypeRoomActivity
	Room     string `json:"room"`
	LastSeq  int64  `json:"last_seq"`
	SenderId string `json:"sender_id"`
}

const sqlNow = `strftime('%Y-%m-%d %H:%M:%fZ')`

// FollowRoom makes userId follow roomId (idempotent; an existing read
// marker is kept, a new follow starts at read_seq 0). Call it with the
// transaction app when inside one. It sends nothing live: the activity
// frame of the message that caused it follows its commit.
func FollowRoom(app core.App, userId, roomId string) error {
	_, err := app.DB().NewQuery(`INSERT INTO room_follows (id, room, user, following, read_seq, created, updated)
		VALUES ({:id}, {:room}, {:user}, TRUE, 0, ` + sqlNow + `, ` + sqlNow + `)
		ON CONFLICT (user, room) DO UPDATE SET following = TRUE, updated = excluded.updated WHERE following = FALSE`).
		Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "room": roomId, "user": userId}).Execute()
	return err
}

// setFollowing stores whether userId follows roomId and returns the
// stored state.
func setFollowing(app core.App, userId, roomId string, following bool) (followState, error) {
	st := followState{Room: roomId}
	err := app.DB().NewQuery(`INSERT INTO room_follows (id, room, user, following, read_seq, created, updated)
		VALUES ({:id}, {:room}, {:user}, {:following}, 0, `+sqlNow+`, `+sqlNow+`)
		ON CONFLICT (user, room) DO UPDATE SET following = excluded.following, updated = excluded.updated
		RETURNING following, read_seq`).
		Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "room": roomId, "user": userId, "following": following}).
		Row(&st.Following, &st.ReadSeq)
	return st, err
}

// setReadSeq moves userId's marker in roomId to seq (forwards or
// backwards; seq < 0 means the room's newest message, read as the
// statement runs) and returns the stored state. A member who does not
// follow the room keeps a marker all the same (following stays false).
func setReadSeq(app core.App, userId, roomId string, seq int64) (followState, error) {
	value := "{:seq}"
	if seq < 0 {
		value = "(SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = {:room})"
	}
	st := followState{Room: roomId}
	err := app.DB().NewQuery(`INSERT INTO room_follows (id, room, user, following, read_seq, created, updated)
		VALUES ({:id}, {:room}, {:user}, FALSE, `+value+`, `+sqlNow+`, `+sqlNow+`)
		ON CONFLICT (user, room) DO UPDATE SET read_seq = excluded.read_seq, updated = excluded.updated
		RETURNING following, read_seq`).
		Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "room": roomId, "user": userId, "seq": seq}).
		Row(&st.Following, &st.ReadSeq)
	return st, err
}

// lastSeq is the seq of the newest message of a room (0 when it has none).
func lastSeq(app core.App, roomId string) (int64, error) {
	var n int64
	err := app.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = {:room}").
		Bind(dbx.Params{"room": roomId}).Row(&n)
	return n, err
}

// sendReadFrame tells every device of the member where their marker is.
func sendReadFrame(app core.App, userId string, st followState) {
	SendToMember(app, userId, mustJSON(readFrame{Type: TypeRead, followState: st}))
}

// bindFollowHooks keeps follows up to date whichever API wrote the
// records: a room's post writer and a DM's two members follow it from its
// creation; a sender follows the room and their marker moves to their
// message, in the transaction that stores it. Once a message is committed
// the sender's devices get their marker and the room's other followers
// who are online get a chat.room.activity frame.
func bindFollowHooks(app core.App) {
	app.OnRecordCreateExecute("rooms").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			var followers []string
			if e.Record.GetString("post") != "" {
				followers = append(followers, e.Record.GetString("owner"))
			}
			if e.Record.GetString("dm_key") != "" {
				followers = append(followers, e.Record.GetStringSlice("members")...)
			}
			for _, userId := range followers {
				if userId == "" {
					continue
				}
				if err := FollowRoom(e.App, userId, e.Record.Id); err != nil {
					return err
				}
			}
			return nil
		})
	})
	app.OnRecordCreateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err // the seq is assigned by the time the row is inserted
			}
			sender := e.Record.GetString("sender")
			if sender == "" {
				return nil
			}
			_, err := e.App.DB().NewQuery(`INSERT INTO room_follows (id, room, user, following, read_seq, created, updated)
				VALUES ({:id}, {:room}, {:user}, TRUE, {:seq}, ` + sqlNow + `, ` + sqlNow + `)
				ON CONFLICT (user, room) DO UPDATE SET following = TRUE, read_seq = MAX(read_seq, excluded.read_seq), updated = excluded.updated`).
				Bind(dbx.Params{
					"id": core.GenerateDefaultRandomId(), "room": e.Record.GetString("room"),
					"user": sender, "seq": e.Record.GetInt("seq"),
				}).Execute()
			return err
		})
	})
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		announceMessage(e.App, e.Record)
		return e.Next()
	})
}

// memberFeedsIn is the threshold under which the online members are
// looked up among a room's followers by id; above it the followers are
// read and filtered in memory.
const memberFeedsIn = 256

// announceMessage runs once a message is committed: the sender's devices
// learn their marker moved, and the online followers of the room (but the
// sender) who may still read it get one chat.room.activity frame, encoded
// once. Members without a member topic open cost nothing.
func announceMessage(app core.App, m *core.Record) {
	roomId, sender, seq := m.GetString("room"), m.GetString("sender"), int64(m.GetInt("seq"))
	if sender != "" {
		sendReadFrame(app, sender, followState{Room: roomId, Following: true, ReadSeq: seq})
	}
	feeds := memberFeedsOf(app)
	online, few := feeds.onlineIds(memberFeedsIn)
	if few && len(online) == 0 {
		return
	}
	query := app.DB().Select("user").From("room_follows").
		Where(dbx.HashExp{"room": roomId, "following": true}).
		AndWhere(dbx.NewExp("user != {:sender}", dbx.Params{"sender": sender}))
	if few {
		query.AndWhere(dbx.In("user", toAny(online)...))
	}
	var followers []string
	if err := query.Column(&followers); err != nil {
		app.Logger().Error("chat: room followers", "room", roomId, "error", err)
		return
	}
	followers = slices.DeleteFunc(followers, func(id string) bool { return !feeds.has(id) })
	if len(followers) == 0 {
		return
	}
	room, err := app.FindRecordById("rooms", roomId)
	if err != nil {
		return
	}
	followers, err = mayRead(app, room, followers)
	if err != nil {
		app.Logger().Error("chat: room readers", "room", roomId, "error", err)
		return
	}
	frame := mustJSON(activityFrame{Type: TypeRoomActivity, Room: roomId, LastSeq: seq, SenderId: sender})
	for _, id := range followers {
		SendToMember(app, id, frame)
	}
}

// mayRead keeps those of userIds who may read room. While the rooms view
// rule is the migrations' (defaultRoomsListRule, also the view rule), in
// one set-based check that mirrors it: everyone reads a post's room, a
// DM's two members read it, a room's owner and the people on the owner's
// friends list read any other room, and nobody while a ban of the room
// names them. A rule changed in the dashboard is
// evaluated for each member as stored.
func mayRead(app core.App, room *core.Record, userIds []string) ([]string, error) {
	if rule := room.Collection().ViewRule; rule == nil || *rule != defaultRoomsListRule {
		users, err := app.FindRecordsByIds("users", userIds)
		if err != nil {
			return nil, err
		}
		readers := []string{}
		for _, u := range users {
			if CanReadRoom(app, room, u) {
				readers = append(readers, u.Id)
			}
		}
		return readers, nil
	}
	var banned []string
	err := app.DB().Select("user").From("room_bans").
		Where(dbx.HashExp{"room": room.Id}).AndWhere(dbx.In("user", toAny(userIds)...)).Column(&banned)
	if err != nil {
		return nil, err
	}
	userIds = slices.DeleteFunc(userIds, func(id string) bool { return slices.Contains(banned, id) })
	switch roomKind(room) {
	case KindPost:
		return userIds, nil
	case KindDM:
		members := room.GetStringSlice("members")
		return slices.DeleteFunc(userIds, func(id string) bool { return !slices.Contains(members, id) }), nil
	}
	owner := room.GetString("owner")
	var friends []string
	err = app.DB().Select("friend").From("friends").
		Where(dbx.HashExp{"user": owner}).AndWhere(dbx.In("friend", toAny(userIds)...)).Column(&friends)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(userIds, func(id string) bool { return id != owner && !slices.Contains(friends, id) }), nil
}

func toAny(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
