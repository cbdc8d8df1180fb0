package notifications

import (
	"encoding/json"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// Notification kinds (notifications.kind).
const (
	KindMention = "mention"
	KindReply   = "reply"
	KindFriend  = "friend"
	KindDM      = "dm"
)

// TypeNotification is the member-topic frame of a new notification.
const TypeNotification = "notification"

// recipients collects who a new message notifies: one notification per
// member and message, the first kind given wins (mention, then reply,
// then dm).
type recipients struct {
	order []*core.Record
	kinds map[string]string
}

func (r *recipients) add(u *core.Record, kind string) {
	if r.kinds == nil {
		r.kinds = map[string]string{}
	}
	if _, ok := r.kinds[u.Id]; ok {
		return
	}
	r.kinds[u.Id] = kind
	r.order = append(r.order, u)
}

func (r *recipients) has(id string) bool { _, ok := r.kinds[id]; return ok }

// notifyNewMessage stores, in the message's transaction, the
// notifications of a new message: its mentioned members (who also follow
// the room now), the author of the message it replies to, the other
// member of a DM room. Nobody who cannot read the room, never the sender.
func notifyNewMessage(app core.App, m, room *core.Record, senderId string, mentioned []*core.Record) error {
	var to recipients
	for _, u := range mentioned {
		to.add(u, KindMention) // resolveMentions checked them
	}
	if parentId := m.GetString("parent_chat"); parentId != "" {
		if parent, err := app.FindRecordById("messages", parentId); err == nil {
			authorId := parent.GetString("sender")
			if authorId != "" && authorId != senderId && !to.has(authorId) {
				if author, err := app.FindRecordById("users", authorId); err == nil && chat.CanReadRoom(app, room, author) {
					to.add(author, KindReply)
				}
			}
		}
	}
	if room.GetString("dm_key") != "" {
		for _, id := range room.GetStringSlice("members") {
			if id == senderId || to.has(id) {
				continue
			}
			if member, err := app.FindRecordById("users", id); err == nil && chat.CanReadRoom(app, room, member) {
				to.add(member, KindDM)
			}
		}
	}
	for _, u := range mentioned {
		if err := chat.FollowRoom(app, u.Id, room.Id); err != nil {
			return err
		}
	}
	for _, u := range to.order {
		if err := createNotification(app, u.Id, to.kinds[u.Id], senderId, room.Id, m.Id); err != nil {
			return err
		}
	}
	return nil
}

// notifyMentions notifies the members an edit newly mentions (who also
// follow the room now), except those the message notified already (one
// notification per member and message).
func notifyMentions(app core.App, m, room *core.Record, senderId string, added []*core.Record) error {
	if len(added) == 0 {
		return nil
	}
	var notified []string
	err := app.DB().Select("user").From("notifications").Where(dbx.HashExp{"message": m.Id}).Column(&notified)
	if err != nil {
		return err
	}
	for _, u := range added {
		if err := chat.FollowRoom(app, u.Id, room.Id); err != nil {
			return err
		}
		if slices.Contains(notified, u.Id) {
			continue
		}
		if err := createNotification(app, u.Id, KindMention, senderId, room.Id, m.Id); err != nil {
			return err
		}
	}
	return nil
}

// createNotification stores one notification (a record save: the stock
// realtime subscription and the live hook below see it once committed),
// unless its member blocked its actor.
func createNotification(app core.App, userId, kind, actorId, roomId, messageId string) error {
	if actorId != "" && chat.Blocked(app, userId, actorId) {
		return nil // nothing from a member one blocked (replies, DMs, ...)
	}
	collection, err := app.FindCachedCollectionByNameOrId("notifications")
	if err != nil {
		return err
	}
	n := core.NewRecord(collection)
	n.Set("user", userId)
	n.Set("kind", kind)
	n.Set("actor", actorId)
	n.Set("room", roomId)
	n.Set("message", messageId)
	n.Set("read", false)
	return app.Save(n)
}

// bindFriendHooks notifies the member someone adds as a friend, in the
// friends row's transaction, whichever API adds it (REST add-friend, the
// SDK, the dashboard).
func bindFriendHooks(app core.App) {
	app.OnRecordCreateExecute("friends").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			friend, user := e.Record.GetString("friend"), e.Record.GetString("user")
			if friend == "" || friend == user {
				return nil
			}
			return createNotification(e.App, friend, KindFriend, user, "", "")
		})
	})
}

// liveFrame is the member-topic frame of a new notification.
type liveFrame struct {
	Type         string       `json:"type"` // TypeNotification
	Notification Notification `json:"notification"`
	Unread       int          `json:"unread"`
}

// bindLiveHooks sends each committed notification to its member's topic
// (chat.SendToMember), with their unread count.
func bindLiveHooks(app core.App) {
	app.OnRecordAfterCreateSuccess("notifications").BindFunc(func(e *core.RecordEvent) error {
		sendLive(e.App, e.Record)
		return e.Next()
	})
}

func sendLive(app core.App, n *core.Record) {
	userId := n.GetString("user")
	member, err := app.FindRecordById("users", userId)
	if err != nil {
		return
	}
	items, err := renderNotifications(app, []*core.Record{n}, member)
	if err != nil {
		app.Logger().Error("notifications: rendering a live notification", "error", err)
		return
	}
	unread, err := UnreadCount(app, userId)
	if err != nil {
		app.Logger().Error("notifications: counting unread", "error", err)
		return
	}
	frame, err := json.Marshal(liveFrame{Type: TypeNotification, Notification: items[0], Unread: unread})
	if err != nil {
		return
	}
	chat.SendToMember(app, userId, frame)
}

// UnreadCount is how many unread notifications a member has.
func UnreadCount(app core.App, userId string) (int, error) {
	var n int
	err := app.DB().NewQuery("SELECT COUNT(*) FROM notifications WHERE user = {:user} AND read = FALSE").
		Bind(dbx.Params{"user": userId}).Row(&n)
	return n, err
}
