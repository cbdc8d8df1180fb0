package chat

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/limits"
)

// AllowSend takes one send from the member's budget, as a message sent by
// any API would; the tests use it to exhaust the burst.
func AllowSend(app core.App, userId string) bool {
	ok, _ := sendAllowance(app, userId)
	return ok
}

// SetTypingInterval changes the least time between two typing notices of
// a member in a room, so that a test's "dropped" notices cannot turn into
// allowed ones on a slow machine.
func SetTypingInterval(app core.App, d time.Duration) {
	t := typingThrottleOf(app)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.interval = d
}

// NewListenerOn is NewListener for a listener of transport t, as the hub's
// stats count it (the metrics test drops one as a slow WebSocket).
func NewListenerOn(t Transport, roomId, userId, nickname string) *Listener {
	l := NewListener(roomId, userId, nickname, nil)
	l.transport = t
	return l
}

// NewPushListener is a transport's listener, as the room WebSocket and the
// room topic make them: its frames go to deliver, from a goroutine that
// runs only while frames are due, once Start was called.
func NewPushListener(roomId, userId, nickname string, deliver func([]byte) bool, dropped func()) *Listener {
	return newPushListener(roomId, userId, nickname, deliver, dropped)
}

// Waiting is how many frames a push listener has waiting (not counting
// one being delivered).
func (l *Listener) Waiting() int { return l.q.waiting() }

// Delivering reports whether a goroutine is delivering a push listener's
// frames now, and how many slots its queue holds.
func (l *Listener) Delivering() (running bool, slots int) {
	l.q.mu.Lock()
	defer l.q.mu.Unlock()
	return l.q.running, cap(l.q.frames)
}

// SetLimits gives a hub of its own (NewHub) the limits HubOf gives an
// app's.
func (h *Hub) SetLimits(l *limits.Limits) { h.limits = l }
