package chat

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/time/rate"
)

// Join registers a listener and, for a user's first connection to the
// room, tells the room (the newcomer included; debounced, see
// presenceChanged below).
func Join(app core.App, l *Listener) {
	hub := HubOf(app)
	if joinWithBlocks(app, hub, l) {
		hub.presenceChanged(l.RoomId, l.UserId, l.Nickname)
	}
}

// Leave unregisters a listener and, when it was the user's last
// connection to the room, tells the room (debounced likewise).
func Leave(app core.App, l *Listener) {
	hub := HubOf(app)
	if hub.Remove(l) {
		hub.presenceChanged(l.RoomId, l.UserId, l.Nickname)
	}
}

// Join and leave notices are debounced per member and room: the first few
// go out at once, and a member who keeps connecting and disconnecting is
// then announced at most once per noticeInterval, with the net change only
// (online → offline → online in between tells the room nothing). One member
// cannot flood a room with presence frames, and the room never ends up
// told the wrong state: a held-back change is announced when it is due.
const (
	noticeBurst    = 4
	noticeInterval = 2 * time.Second
)

type noticeDebouncer struct {
	mu     sync.Mutex
	states map[string]*noticeState // room + "\x00" + user
}

type noticeState struct {
	roomId, userId, nickname string
	announced                bool // what the room was last told: online or not
	limiter                  *rate.Limiter
	pending                  *time.Timer
}

// presenceChanged announces the user's presence in the room if it differs
// from what the room was last told, now or when the user's notice budget
// allows.
func (h *Hub) presenceChanged(roomId, userId, nickname string) {
	d := &h.notices
	d.mu.Lock()
	defer d.mu.Unlock()
	key := roomId + "\x00" + userId
	st := d.states[key]
	if st == nil {
		if d.states == nil {
			d.states = map[string]*noticeState{}
		}
		if len(d.states) > 10_000 {
			d.sweep(h)
		}
		st = &noticeState{roomId: roomId, userId: userId, limiter: rate.NewLimiter(rate.Every(noticeInterval), noticeBurst)}
		d.states[key] = st
	}
	if nickname != "" {
		st.nickname = nickname
	}
	if st.pending == nil {
		d.announce(h, st)
	}
}

// announce publishes st's current state if it is news; d.mu is held.
func (d *noticeDebouncer) announce(h *Hub, st *noticeState) {
	online := h.isOnline(st.roomId, st.userId)
	if online == st.announced {
		return
	}
	now := time.Now()
	r := st.limiter.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		st.pending = time.AfterFunc(delay, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			st.pending = nil
			d.announce(h, st)
		})
		return
	}
	st.announced = online
	if h.limits != nil && h.Listeners(st.roomId)+h.remoteMembers(st.roomId) > h.limits.PresenceRoomListeners {
		return // too big a room to tell everyone of everyone (as if told)
	}
	kind := TypeLeave
	if online {
		kind = TypeJoin
	}
	h.Publish(st.roomId, encodePresenceFrame(kind, st.roomId, st.userId, st.nickname))
}

// sweep forgets members who are offline, announced so, and whose notice
// budget is full again; d.mu is held.
func (d *noticeDebouncer) sweep(h *Hub) {
	now := time.Now()
	for key, st := range d.states {
		if st.pending == nil && !st.announced && !h.isOnline(st.roomId, st.userId) && st.limiter.TokensAt(now) >= noticeBurst {
			delete(d.states, key)
		}
	}
}

func (h *Hub) isOnline(roomId, userId string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.online[roomId][userId] != nil {
		return true
	}
	_, remote := h.remote.nickname(roomId, userId)
	return remote
}
