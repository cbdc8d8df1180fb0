package chat

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/limits"
)

// Hub fans room events out to the listeners of that room only: each event
// is encoded once by the caller and handed to each listener's bounded
// buffer, with no database work per recipient. It also knows who is online
// where (a user is online in a room while any of their listeners is).
type Hub struct {
	mu     sync.RWMutex
	rooms  map[string]map[*Listener]struct{}
	users  map[string]map[*Listener]struct{} // user → their listeners, every room
	online map[string]map[string]*presence   // room → user → presence
	live   [numTransports]int                // listeners by transport (under mu)

	notices noticeDebouncer
	limits  *limits.Limits // PresenceRoomListeners (nil: no bound, the hub's own tests)

	// for the operators' metrics (stats.go): slow listeners dropped, by
	// transport, and who times Publish/PublishFrom (nil: nobody)
	dropped   [numTransports]atomic.Uint64
	onPublish atomic.Pointer[func(time.Duration)]
	onDeliver atomic.Pointer[func(Transport, time.Duration)]

	// relay, on a cluster's writer, is told every Event (relay.go);
	// remote is who is online on the other nodes (presence_remote.go)
	relay  atomic.Pointer[Relay]
	remote remotePresence
}

type presence struct {
	nickname    string
	connections int
}

const hubStoreKey = "cobraChatHub"

// HubOf is app's hub (one per app instance).
func HubOf(app core.App) *Hub {
	l := limits.Of(app) // not inside GetOrSet: the store's lock is not reentrant
	return app.Store().GetOrSet(hubStoreKey, func() any {
		h := newHub()
		h.limits = l
		return h
	}).(*Hub)
}

func newHub() *Hub {
	return &Hub{
		rooms:  map[string]map[*Listener]struct{}{},
		users:  map[string]map[*Listener]struct{}{},
		online: map[string]map[string]*presence{},
	}
}

// Add registers l; first reports whether it is its user's first
// connection to the room (a join notice is due).
func (h *Hub) Add(l *Listener) (first bool) {
	h.observeDeliveries(l) // before any frame can reach it
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[l.RoomId] == nil {
		h.rooms[l.RoomId] = map[*Listener]struct{}{}
	}
	h.rooms[l.RoomId][l] = struct{}{}
	h.live[l.transport]++
	if h.users[l.UserId] == nil {
		h.users[l.UserId] = map[*Listener]struct{}{}
	}
	h.users[l.UserId][l] = struct{}{}

	users := h.online[l.RoomId]
	if users == nil {
		users = map[string]*presence{}
		h.online[l.RoomId] = users
	}
	p := users[l.UserId]
	if p == nil {
		p = &presence{nickname: l.Nickname}
		users[l.UserId] = p
	}
	p.connections++
	return p.connections == 1
}

// Remove unregisters l (once; later calls report false); last reports
// whether it was its user's last connection to the room (a leave notice is
// due).
func (h *Hub) Remove(l *Listener) (last bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	listeners := h.rooms[l.RoomId]
	if _, ok := listeners[l]; !ok {
		return false
	}
	delete(listeners, l)
	h.live[l.transport]--
	if len(listeners) == 0 {
		delete(h.rooms, l.RoomId)
	}
	delete(h.users[l.UserId], l)
	if len(h.users[l.UserId]) == 0 {
		delete(h.users, l.UserId)
	}
	users := h.online[l.RoomId]
	p := users[l.UserId]
	p.connections--
	if p.connections > 0 {
		return false
	}
	delete(users, l.UserId)
	if len(users) == 0 {
		delete(h.online, l.RoomId)
	}
	return true
}

// Publish hands frame to every listener of the room without blocking;
// a listener whose buffer is full is dropped.
func (h *Hub) Publish(roomId string, frame []byte) {
	defer h.timePublish(time.Now())
	h.mu.RLock()
	defer h.mu.RUnlock()
	for l := range h.rooms[roomId] {
		if !l.offer(frame) {
			h.dropSlow(l)
		}
	}
	if h.relaying() {
		h.relayEvent(Event{Kind: EventRoom, Room: roomId, Frame: frame})
	}
}

// PublishFrom is Publish of a frame that comes from members (a message's
// sender, a reaction's member): the listeners of members who blocked any
// of them do not get it (an in-memory set lookup per listener).
func (h *Hub) PublishFrom(roomId string, frame []byte, from ...string) {
	defer h.timePublish(time.Now())
	h.mu.RLock()
	defer h.mu.RUnlock()
	for l := range h.rooms[roomId] {
		if l.blocks(from...) {
			continue
		}
		if !l.offer(frame) {
			h.dropSlow(l)
		}
	}
	if h.relaying() {
		h.relayEvent(Event{Kind: EventRoom, Room: roomId, Frame: frame, From: from})
	}
}

// PublishExcept is Publish to every listener of the room but those of one
// user (a typing notice never goes back to the typist's own connections),
// and but those of members who blocked that user.
func (h *Hub) PublishExcept(roomId, exceptUserId string, frame []byte) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for l := range h.rooms[roomId] {
		if l.UserId == exceptUserId || l.blocks(exceptUserId) {
			continue
		}
		if !l.offer(frame) {
			h.dropSlow(l)
		}
	}
	if h.relaying() {
		h.relayEvent(Event{Kind: EventRoom, Room: roomId, Frame: frame, Except: exceptUserId})
	}
}

// ListenersOf is a snapshot of a user's listeners, in every room.
func (h *Hub) ListenersOf(userId string) []*Listener {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return appendListeners(nil, h.users[userId])
}

// RoomListeners is a snapshot of a room's listeners.
func (h *Hub) RoomListeners(roomId string) []*Listener {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return appendListeners(nil, h.rooms[roomId])
}

func appendListeners(out []*Listener, set map[*Listener]struct{}) []*Listener {
	for l := range set {
		out = append(out, l)
	}
	return out
}

// AllListeners is a snapshot of every listener.
func (h *Hub) AllListeners() []*Listener {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*Listener
	for _, room := range h.rooms {
		out = appendListeners(out, room)
	}
	return out
}

// Listeners counts the listeners of a room.
func (h *Hub) Listeners(roomId string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.rooms[roomId])
}

// OnlineUser is an entry of a room's documented online_users.
type OnlineUser struct {
	Id       string `json:"id"`
	Nickname string `json:"nickname"`
}

// Online lists the users online in a room, by nickname.
func (h *Hub) Online(roomId string) []OnlineUser {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]OnlineUser, 0, len(h.online[roomId])+len(h.remote.rooms[roomId]))
	for id, p := range h.online[roomId] {
		out = append(out, OnlineUser{Id: id, Nickname: p.nickname})
	}
	for id := range h.remote.rooms[roomId] {
		if h.online[roomId][id] == nil {
			nick, _ := h.remote.nickname(roomId, id)
			out = append(out, OnlineUser{Id: id, Nickname: nick})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Nickname < out[j].Nickname })
	return out
}

// OnlineUsers is the documented online_users of a room.
func OnlineUsers(app core.App, roomId string) []OnlineUser {
	return HubOf(app).Online(roomId)
}
