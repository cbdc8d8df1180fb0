package chat

import (
	"sync"
	"sync/atomic"
)

// ListenerBuffer is how many frames a listener may have waiting. A listener
// that falls this far behind is dropped, never waited for: one slow client
// cannot hold up a room.
const ListenerBuffer = 256

// Listener is one live connection to one room, on any transport.
type Listener struct {
	RoomId   string
	UserId   string
	Nickname string

	transport Transport // set before it joins the hub; never changes

	out     chan []byte
	done    chan struct{}
	dropped func()
	once    sync.Once

	// token is the credential the connection was admitted with: its
	// access is checked again whenever something it relies on ends
	// (see Revalidate). revoke ends the connection's presence in the room
	// on its own transport (a close code, a topic's error frame).
	token  string
	revoke func(code int, reason string)

	// blocked is the set of members whose frames this listener's member
	// never gets (their blocks; see blocks.go): loaded when it joins,
	// replaced whenever the member blocks or unblocks someone.
	blocked atomic.Pointer[blockSet]
}

// NewListener makes a listener; dropped is called (once) if the hub drops
// it for falling behind.
func NewListener(roomId, userId, nickname string, dropped func()) *Listener {
	return &Listener{
		RoomId: roomId, UserId: userId, Nickname: nickname,
		out: make(chan []byte, ListenerBuffer), done: make(chan struct{}), dropped: dropped,
	}
}

// Frames are the encoded events for this listener, in order.
func (l *Listener) Frames() <-chan []byte { return l.out }

// Done is closed when the listener is dropped for falling behind.
func (l *Listener) Done() <-chan struct{} { return l.done }

// drop ends the listener; first reports whether this call did (later
// calls change nothing).
func (l *Listener) drop() (first bool) {
	l.once.Do(func() {
		first = true
		close(l.done)
		if l.dropped != nil {
			go l.dropped()
		}
	})
	return first
}
