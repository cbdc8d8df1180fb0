package chat

import (
	"sync"
	"sync/atomic"
	"time"
)

// ListenerBuffer is how many frames a listener may have waiting. A listener
// that falls this far behind is dropped, never waited for: one slow client
// cannot hold up a room.
const ListenerBuffer = 256

// Listener is one live connection to one room, on any transport.
//
// A transport's listener (newPushListener) holds no goroutine and no
// buffer while nothing is due: a frame handed to it is queued (at most
// ListenerBuffer waiting) and a goroutine started on demand writes the
// queue out, then ends. A listener made with NewListener (the hub's own
// tests) keeps its frames in a channel of ListenerBuffer for the caller to
// read (Frames).
type Listener struct {
	RoomId   string
	UserId   string
	Nickname string

	transport Transport // set before it joins the hub; never changes

	out     chan []byte // NewListener's frames (nil for a push listener)
	q       *outQueue   // a push listener's frames (nil for NewListener's)
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

// NewListener makes a listener whose frames the caller reads from Frames;
// dropped is called (once) if the hub drops it for falling behind.
func NewListener(roomId, userId, nickname string, dropped func()) *Listener {
	return &Listener{
		RoomId: roomId, UserId: userId, Nickname: nickname,
		out: make(chan []byte, ListenerBuffer), done: make(chan struct{}), dropped: dropped,
	}
}

// newPushListener makes a transport's listener: its frames are handed, in
// order, to deliver, from a goroutine that runs only while frames are due
// (deliver returning false ends the deliveries: the connection failed).
// Deliveries wait for start, so a listener may join its room before its
// connection is ready to write.
func newPushListener(roomId, userId, nickname string, deliver func([]byte) bool, dropped func()) *Listener {
	l := &Listener{
		RoomId: roomId, UserId: userId, Nickname: nickname,
		q: newOutQueue(ListenerBuffer, deliver), done: make(chan struct{}), dropped: dropped,
	}
	return l
}

// Frames are the encoded events for a NewListener listener, in order (nil
// for a transport's listener).
func (l *Listener) Frames() <-chan []byte { return l.out }

// Done is closed when the listener is dropped for falling behind.
func (l *Listener) Done() <-chan struct{} { return l.done }

// offer hands frame to the listener without blocking; false when it
// already has ListenerBuffer frames waiting (it is then to be dropped).
func (l *Listener) offer(frame []byte) bool {
	if l.q != nil {
		return l.q.push(frame)
	}
	select {
	case l.out <- frame:
		return true
	default:
		return false
	}
}

// start lets a push listener's deliveries begin (frames offered before
// were kept, in order).
func (l *Listener) start() { l.q.start() }

// stop ends a push listener's deliveries: what is waiting is let go, and
// later frames are ignored.
func (l *Listener) stop() {
	if l.q != nil {
		l.q.stop()
	}
}

// drop ends the listener; first reports whether this call did (later
// calls change nothing).
func (l *Listener) drop() (first bool) {
	l.once.Do(func() {
		first = true
		l.stop()
		close(l.done)
		if l.dropped != nil {
			go l.dropped()
		}
	})
	return first
}

// outQueue is a bounded queue of frames written out, in order, by one
// goroutine at a time, started when a frame arrives at an idle queue and
// ending when the queue is empty. An idle queue holds no goroutine, and no
// buffer beyond a few slots.
type outQueue struct {
	mu      sync.Mutex
	frames  []queuedFrame // waiting frames are frames[head:]
	head    int
	limit   int
	running bool // a goroutine is draining (or, before start, none may)
	stopped bool
	deliver func([]byte) bool
	// observe, when set, is told how long each delivered frame waited
	// from its hand-over to the end of its delivery (the metrics'
	// delivery latency); frames are then stamped as they are queued
	observe func(time.Duration)
}

// queuedFrame is a waiting frame and when it was handed over (zero when
// nobody observes the deliveries).
type queuedFrame struct {
	frame []byte
	at    time.Time
}

// keptSlots is the most slots an emptied queue keeps for the next frames.
const keptSlots = 4

// newOutQueue is a queue of at most limit waiting frames, held until
// start.
func newOutQueue(limit int, deliver func([]byte) bool) *outQueue {
	return &outQueue{limit: limit, deliver: deliver, running: true}
}

// push queues frame; false when limit frames are already waiting (frames
// of a stopped queue are ignored: true).
func (q *outQueue) push(frame []byte) bool {
	q.mu.Lock()
	switch {
	case q.stopped:
		q.mu.Unlock()
		return true
	case len(q.frames)-q.head >= q.limit:
		q.mu.Unlock()
		return false
	}
	if q.head > 0 && len(q.frames) == cap(q.frames) {
		// reuse the delivered frames' slots rather than grow
		n := copy(q.frames, q.frames[q.head:])
		clear(q.frames[n:])
		q.frames, q.head = q.frames[:n], 0
	}
	queued := queuedFrame{frame: frame}
	if q.observe != nil {
		queued.at = time.Now()
	}
	q.frames = append(q.frames, queued)
	idle := !q.running
	q.running = true
	q.mu.Unlock()
	if idle {
		go q.drain()
	}
	return true
}

// start lets the deliveries begin.
func (q *outQueue) start() {
	q.mu.Lock()
	due := !q.stopped && q.head < len(q.frames)
	q.running = due
	q.mu.Unlock()
	if due {
		go q.drain()
	}
}

func (q *outQueue) stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stopped = true
	q.frames, q.head = nil, 0
}

// drain delivers the waiting frames until none is left (or a delivery
// fails, or the queue is stopped).
func (q *outQueue) drain() {
	for {
		q.mu.Lock()
		if q.stopped || q.head == len(q.frames) {
			q.running = false
			if cap(q.frames) > keptSlots {
				q.frames = nil
			} else {
				q.frames = q.frames[:0]
			}
			q.head = 0
			q.mu.Unlock()
			return
		}
		next := q.frames[q.head]
		q.frames[q.head] = queuedFrame{}
		q.head++
		observe := q.observe
		q.mu.Unlock()
		if !q.deliver(next.frame) {
			q.stop()
			return
		}
		if observe != nil && !next.at.IsZero() {
			observe(time.Since(next.at))
		}
	}
}

// observeWith sets who is told each delivery's latency (nil: nobody).
func (q *outQueue) observeWith(observe func(time.Duration)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.observe = observe
}

// waiting is how many frames wait (not counting one being delivered).
func (q *outQueue) waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames) - q.head
}
