package chat

import (
	"sort"
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// Presence counts the live connections of each user in each room, across
// every transport. A user is online in a room while they have at least one.
type Presence struct {
	mu    sync.Mutex
	rooms map[string]map[string]*onlineUser // room → user id → user
}

type onlineUser struct {
	Id          string
	Nickname    string
	connections int
}

const presenceStoreKey = "cobraChatPresence"

// PresenceOf is app's presence registry (one per app instance).
func PresenceOf(app core.App) *Presence {
	return app.Store().GetOrSet(presenceStoreKey, func() any {
		return &Presence{rooms: map[string]map[string]*onlineUser{}}
	}).(*Presence)
}

// Join counts a new connection; first reports whether it is the user's
// first in the room (so a join notice is due).
func (p *Presence) Join(roomId, userId, nickname string) (first bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	room := p.rooms[roomId]
	if room == nil {
		room = map[string]*onlineUser{}
		p.rooms[roomId] = room
	}
	u := room[userId]
	if u == nil {
		u = &onlineUser{Id: userId, Nickname: nickname}
		room[userId] = u
	}
	u.connections++
	return u.connections == 1
}

// Leave uncounts a connection; last reports whether it was the user's last
// in the room (so a leave notice is due).
func (p *Presence) Leave(roomId, userId string) (last bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	room := p.rooms[roomId]
	u := room[userId]
	if u == nil {
		return false
	}
	u.connections--
	if u.connections > 0 {
		return false
	}
	delete(room, userId)
	if len(room) == 0 {
		delete(p.rooms, roomId)
	}
	return true
}

// Online lists the users online in a room, by nickname.
func (p *Presence) Online(roomId string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]map[string]any, 0, len(p.rooms[roomId]))
	for _, u := range p.rooms[roomId] {
		out = append(out, map[string]any{"id": u.Id, "nickname": u.Nickname})
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["nickname"].(string) < out[j]["nickname"].(string) })
	return out
}

// OnlineUsers is the documented online_users of a room.
func OnlineUsers(app core.App, roomId string) []map[string]any {
	return PresenceOf(app).Online(roomId)
}
