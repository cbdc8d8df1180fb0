package chat

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/auth"
)

// Many nodes, one conversation (internal/cluster, docs/DEPLOY.md). On the
// writer, the hub is given a Relay: whatever the writer does to its live
// connections — a frame for a room, a frame for one member in a room, a
// member's connections to a room ended, access checked again, a member's
// blocks changed — is also told to the relay as an Event, right after the
// writer's own listeners got it and in the same order. An edge node
// applies each Event to its own hub (Hub.Apply), so its listeners get
// exactly what the writer's would have.

// EventKind says what an Event does.
type EventKind string

const (
	// EventRoom hands Frame to Room's listeners; with From, not to those
	// of members who blocked any of them; with Except, not to that
	// member's own (nor to those who blocked them).
	EventRoom EventKind = "room"
	// EventMember hands Frame to User's listeners in Room only.
	EventMember EventKind = "member"
	// EventEnd closes User's connections to Room with Code and Reason.
	EventEnd EventKind = "end"
	// EventRevalidate checks access again for the listeners of Users, or
	// of Room, or of the token whose hash is TokenHash.
	EventRevalidate EventKind = "revalidate"
	// EventBlocks replaces User's blocked set with Blocked.
	EventBlocks EventKind = "blocks"
)

// Event is one live action of the writer, for the other nodes.
type Event struct {
	Kind      EventKind       `json:"kind"`
	Room      string          `json:"room,omitempty"`
	User      string          `json:"user,omitempty"`
	Users     []string        `json:"users,omitempty"`
	From      []string        `json:"from,omitempty"`
	Except    string          `json:"except,omitempty"`
	Code      int             `json:"code,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	TokenHash string          `json:"token_hash,omitempty"`
	Blocked   []string        `json:"blocked,omitempty"`
	Frame     json.RawMessage `json:"frame,omitempty"`
}

// Relay is told every Event of the writer (it must not block).
type Relay func(Event)

// SetRelay makes h tell relay every Event from now on (nil: nobody).
func (h *Hub) SetRelay(relay Relay) {
	if relay == nil {
		h.relay.Store(nil)
		return
	}
	h.relay.Store(&relay)
}

func (h *Hub) relayEvent(ev Event) {
	if r := h.relay.Load(); r != nil {
		(*r)(ev)
	}
}

// relaying reports whether a relay is set (to skip building Events).
func (h *Hub) relaying() bool { return h.relay.Load() != nil }

// AccessCheck checks again the access of a connection admitted with token
// to roomId: code 0 when it still holds, else the WebSocket close code and
// reason (on an edge, a request to the writer).
type AccessCheck func(token, roomId string) (code int, reason string)

// Apply does to h what ev did on the writer. Access checks (check) run on
// their own goroutine: Apply never waits on the network.
func (h *Hub) Apply(ev Event, check AccessCheck) {
	switch ev.Kind {
	case EventRoom:
		switch {
		case ev.Except != "":
			h.PublishExcept(ev.Room, ev.Except, ev.Frame)
		case len(ev.From) > 0:
			h.PublishFrom(ev.Room, ev.Frame, ev.From...)
		default:
			h.Publish(ev.Room, ev.Frame)
		}
	case EventMember:
		h.SendToMember(ev.Room, ev.User, ev.Frame)
	case EventEnd:
		h.endConnections(ev.Room, ev.User, ev.Code, ev.Reason)
	case EventRevalidate:
		listeners := h.revalidationTargets(ev)
		if len(listeners) > 0 {
			go revalidateWith(listeners, func(l *Listener) refusal {
				code, reason := check(l.token, l.RoomId)
				return refusal{code: statusCode(code), reason: reason}
			})
		}
	case EventBlocks:
		set := blockSetOf(ev.Blocked)
		for _, l := range h.ListenersOf(ev.User) {
			l.blocked.Store(set)
		}
	}
}

// revalidationTargets are the listeners an EventRevalidate names.
func (h *Hub) revalidationTargets(ev Event) []*Listener {
	var out []*Listener
	switch {
	case len(ev.Users) > 0:
		for _, id := range ev.Users {
			out = append(out, h.ListenersOf(id)...)
		}
	case ev.Room != "":
		out = h.RoomListeners(ev.Room)
	case ev.TokenHash != "":
		for _, l := range h.AllListeners() {
			if l.token != "" && auth.TokenHash(l.token) == ev.TokenHash {
				out = append(out, l)
			}
		}
	}
	return out
}

// DropRoom drops every listener of a room as if each fell behind (a
// WebSocket closes 1013, a realtime client is disconnected): an edge that
// missed some of the room's events does so, and its clients reconnect and
// catch up by cursor. It returns how many it dropped.
func (h *Hub) DropRoom(roomId string) int {
	listeners := h.RoomListeners(roomId)
	for _, l := range listeners {
		h.dropSlow(l)
	}
	return len(listeners)
}

// SendToMember hands frame, without blocking, to userId's listeners in
// roomId only (a listener that cannot take it is dropped).
func (h *Hub) SendToMember(roomId, userId string, frame []byte) {
	for _, l := range h.ListenersOf(userId) {
		if l.RoomId != roomId {
			continue
		}
		if !l.offer(frame) {
			h.dropSlow(l)
		}
	}
	if h.relaying() {
		h.relayEvent(Event{Kind: EventMember, Room: roomId, User: userId, Frame: frame})
	}
}

// endConnections revokes userId's listeners in roomId with code and
// reason; it returns how many it ended.
func (h *Hub) endConnections(roomId, userId string, code int, reason string) int {
	n := 0
	for _, l := range h.ListenersOf(userId) {
		if l.RoomId != roomId || l.revoke == nil {
			continue
		}
		l.revoke(code, reason)
		n++
	}
	if h.relaying() {
		h.relayEvent(Event{Kind: EventEnd, Room: roomId, User: userId, Code: code, Reason: reason})
	}
	return n
}

// Admission is the writer's answer to an edge admitting a connection:
// the member and their blocked set, or why not (Code, a WebSocket close
// code, and Reason; UserId is then the member when the login holds).
type Admission struct {
	UserId   string   `json:"user_id,omitempty"`
	Nickname string   `json:"nickname,omitempty"`
	Blocked  []string `json:"blocked,omitempty"`
	Code     int      `json:"code,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// Admit checks a connection to roomId with token as the writer's own
// transports do (admitToRoom): 4001 without a valid login, 4004 unknown
// room, 4003 not readable, 4009 banned.
func Admit(app core.App, token, roomId string) Admission {
	member, _, r := roomAccess(app, token, roomId)
	if member == nil {
		return Admission{Code: int(refusedAuth.code), Reason: refusedAuth.reason}
	}
	if r.refused() {
		return Admission{UserId: member.Id, Code: int(r.code), Reason: r.reason}
	}
	blocked, err := BlockedIds(app, member.Id)
	if err != nil {
		app.Logger().Error("chat: loading blocks", "user", member.Id, "error", err)
	}
	return Admission{UserId: member.Id, Nickname: member.GetString("nickname"), Blocked: blocked}
}

// CheckAccess is roomAccess for an edge: 0 when access holds.
func CheckAccess(app core.App, token, roomId string) (code int, reason string) {
	_, _, r := roomAccess(app, token, roomId)
	return int(r.code), r.reason
}

// HandleRemoteFrame handles a frame an edge's WebSocket client sent, as
// the writer's own socket does: access is checked first (a refusal's
// code and reason close the connection), then the frame is handled; the
// answer is the error frame for that client, or nil.
func HandleRemoteFrame(app core.App, token, roomId string, data []byte) (reply []byte, code int, reason string) {
	member, room, r := roomAccess(app, token, roomId)
	if r.refused() {
		return nil, int(r.code), r.reason
	}
	return handleClientFrame(app, room, member, data), 0, ""
}

// NewEdgeListener makes a listener for an edge's connection: frames go
// to deliver in order (from a goroutine that runs only while frames are
// due; deliver returning false ends them), dropped is called if it falls
// behind, and revoke ends it when its access ends. Deliveries begin at
// Start.
func NewEdgeListener(roomId string, a Admission, transport Transport, token string, deliver func([]byte) bool, dropped func(), revoke func(code int, reason string)) *Listener {
	l := newPushListener(roomId, a.UserId, a.Nickname, deliver, dropped)
	l.transport = transport
	l.token = token
	l.revoke = revoke
	l.blocked.Store(blockSetOf(a.Blocked))
	return l
}

// Revoke ends an edge listener whose access ended (its transport's
// close code and reason).
func (l *Listener) Revoke(code int, reason string) { l.revoke(code, reason) }

// Start lets an edge listener's deliveries begin; Stop ends them.
func (l *Listener) Start() { l.start() }

// Stop ends a listener's deliveries.
func (l *Listener) Stop() { l.stop() }

// NewHub is a hub of its own (an edge's; a writer's is HubOf(app)).
func NewHub() *Hub { return newHub() }

func blockSetOf(ids []string) *blockSet {
	if len(ids) == 0 {
		return nil
	}
	set := make(blockSet, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	return &set
}

// EncodeErrorFrame is the documented error frame (the connection stays
// open).
func EncodeErrorFrame(errorType, message string) []byte { return encodeErrorFrame(errorType, message) }

// EncodeRevokedFrame is a room topic's last frame when access ended.
func EncodeRevokedFrame(roomId string, code int, reason string) []byte {
	return encodeRevokedFrame(roomId, code, reason)
}
