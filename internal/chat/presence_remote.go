package chat

import "sort"

// Presence across nodes (internal/cluster): the writer's hub also knows
// who is online on every edge, as each edge reports it; a member is online
// in a room while any of their connections on any node is. The writer
// announces joins and leaves of that union (the edges announce nothing),
// and answers online_users with it. A node that stops reporting is
// dropped (DropNode): its members leave every room they were only there
// in.

// remotePresence is who is online on the other nodes (under Hub.mu).
type remotePresence struct {
	rooms map[string]map[string]map[string]string // room → user → node → nickname
	nodes map[string]map[PresenceEntry]struct{}   // node → its entries (Nickname left empty)
}

// PresenceEntry is one member online in one room on a node.
type PresenceEntry struct {
	Room     string `json:"room"`
	User     string `json:"user"`
	Nickname string `json:"nickname,omitempty"`
}

// SetRemotePresence records that userId is (or no longer is) online in
// roomId on node, and announces the change of the union if there is one.
func (h *Hub) SetRemotePresence(node string, e PresenceEntry, online bool) {
	h.mu.Lock()
	if online {
		h.remote.add(node, e)
	} else {
		h.remote.remove(node, e)
	}
	h.mu.Unlock()
	h.presenceChanged(e.Room, e.User, e.Nickname)
}

// ReplaceNodePresence makes entries everything node has online (a node's
// full report), announcing what changed.
func (h *Hub) ReplaceNodePresence(node string, entries []PresenceEntry) {
	h.mu.Lock()
	old := h.remote.nodes[node]
	fresh := make(map[PresenceEntry]struct{}, len(entries))
	var changed []PresenceEntry
	for _, e := range entries {
		key := PresenceEntry{Room: e.Room, User: e.User}
		fresh[key] = struct{}{}
		if _, had := old[key]; !had {
			h.remote.add(node, e)
			changed = append(changed, e)
		}
	}
	for key := range old {
		if _, keep := fresh[key]; !keep {
			h.remote.remove(node, key)
			changed = append(changed, key)
		}
	}
	h.mu.Unlock()
	for _, e := range changed {
		h.presenceChanged(e.Room, e.User, e.Nickname)
	}
}

// DropNode forgets everything node had online (it died or left).
func (h *Hub) DropNode(node string) { h.ReplaceNodePresence(node, nil) }

// LocalPresence is who is online on this node's own connections.
func (h *Hub) LocalPresence() []PresenceEntry {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []PresenceEntry
	for roomId, users := range h.online {
		for userId, p := range users {
			out = append(out, PresenceEntry{Room: roomId, User: userId, Nickname: p.nickname})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Room < out[j].Room || out[i].Room == out[j].Room && out[i].User < out[j].User
	})
	return out
}

func (r *remotePresence) add(node string, e PresenceEntry) {
	if r.rooms == nil {
		r.rooms = map[string]map[string]map[string]string{}
		r.nodes = map[string]map[PresenceEntry]struct{}{}
	}
	users := r.rooms[e.Room]
	if users == nil {
		users = map[string]map[string]string{}
		r.rooms[e.Room] = users
	}
	if users[e.User] == nil {
		users[e.User] = map[string]string{}
	}
	users[e.User][node] = e.Nickname
	if r.nodes[node] == nil {
		r.nodes[node] = map[PresenceEntry]struct{}{}
	}
	r.nodes[node][PresenceEntry{Room: e.Room, User: e.User}] = struct{}{}
}

func (r *remotePresence) remove(node string, e PresenceEntry) {
	key := PresenceEntry{Room: e.Room, User: e.User}
	delete(r.nodes[node], key)
	if len(r.nodes[node]) == 0 {
		delete(r.nodes, node)
	}
	users := r.rooms[e.Room]
	delete(users[e.User], node)
	if len(users[e.User]) == 0 {
		delete(users, e.User)
	}
	if len(users) == 0 {
		delete(r.rooms, e.Room)
	}
}

// nickname is userId's nickname on some node ("" when not online on any).
func (r *remotePresence) nickname(roomId, userId string) (string, bool) {
	for _, nick := range r.rooms[roomId][userId] {
		return nick, true
	}
	return "", false
}

// remoteMembers counts the members online in roomId on other nodes: with
// the writer's own listeners, what the presence bound
// (PresenceRoomListeners) is checked against.
func (h *Hub) remoteMembers(roomId string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.remote.rooms[roomId])
}
