package chat_test

// A transport's listener (the room WebSocket's, a room topic's) holds no
// goroutine and no buffer while idle: frames are queued, at most
// chat.ListenerBuffer waiting, and written out by a goroutine started on
// demand. Its slow-consumer rule is the hub's: the frame that would make
// chat.ListenerBuffer + 1 wait drops it, and nobody waits for it.

import (
	"bytes"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestPushListenerDeliversInOrderThenIdles: frames offered before Start
// wait for it; then every frame is delivered once, in order, and once the
// queue is empty no goroutine is left and the queue keeps only a few slots.
func TestPushListenerDeliversInOrderThenIdles(t *testing.T) {
	app := testutil.NewApp(t)
	hub := chat.HubOf(app)
	const room = "roompush0000001"
	got := make(chan int, 4*chat.ListenerBuffer)
	l := chat.NewPushListener(room, "userpush", "push", func(f []byte) bool {
		got <- frameNumber(f)
		return true
	}, nil)
	hub.Add(l)

	publishBatch(t, hub, room, [][]byte{numbered(0, 10), numbered(1, 10)})
	select {
	case n := <-got:
		t.Fatalf("frame %d delivered before Start", n)
	case <-time.After(50 * time.Millisecond):
	}
	l.Start()
	next := 0
	receive := func(upTo int) {
		t.Helper()
		for ; next < upTo; next++ {
			select {
			case n := <-got:
				if n != next {
					t.Fatalf("delivered frame %d, want %d", n, next)
				}
			case <-time.After(wait):
				t.Fatalf("stuck at frame %d of %d", next, upTo)
			}
		}
	}
	receive(2)
	// batches the listener keeps up with (a batch each time its queue emptied)
	total := 3 * chat.ListenerBuffer
	for from := 2; from < total; from += 50 {
		frames := [][]byte{}
		for i := from; i < min(from+50, total); i++ {
			frames = append(frames, numbered(i, 10))
		}
		publishBatch(t, hub, room, frames)
		receive(min(from+50, total))
	}
	eventually(t, "the delivering goroutine ends", func() (bool, string) {
		running, slots := l.Delivering()
		return !running && slots <= 4, fmt.Sprintf("running %v, %d slots kept", running, slots)
	})
	select {
	case <-l.Done():
		t.Errorf("a listener that kept up was dropped")
	default:
	}
}

// TestPushListenerDroppedWhenBehind: a listener whose delivery is stuck
// keeps ListenerBuffer frames waiting (besides the one stuck) and is
// dropped by the next one, at once and without holding up Publish; it
// gets nothing after, and its dropped callback runs once.
func TestPushListenerDroppedWhenBehind(t *testing.T) {
	app := testutil.NewApp(t)
	hub := chat.HubOf(app)
	const room = "roompush0000002"
	stuck := make(chan struct{})
	delivered := make(chan int, 4*chat.ListenerBuffer)
	droppedCalls := make(chan struct{}, 2)
	l := chat.NewPushListener(room, "userstuck", "stuck", func(f []byte) bool {
		delivered <- frameNumber(f)
		<-stuck // a client that stopped reading
		return true
	}, func() { droppedCalls <- struct{}{} })
	l.Start()
	hub.Add(l)

	publishBatch(t, hub, room, [][]byte{numbered(0, 10)})
	if n := <-delivered; n != 0 {
		t.Fatalf("first delivery is frame %d", n)
	}
	frames := [][]byte{}
	for i := 1; i <= chat.ListenerBuffer; i++ {
		frames = append(frames, numbered(i, 10))
	}
	publishBatch(t, hub, room, frames)
	if n := l.Waiting(); n != chat.ListenerBuffer {
		t.Fatalf("%d frames waiting, want %d", n, chat.ListenerBuffer)
	}
	select {
	case <-l.Done():
		t.Fatalf("dropped with a buffer that is full but not overflowing")
	default:
	}

	publishBatch(t, hub, room, [][]byte{numbered(chat.ListenerBuffer+1, 10)})
	select {
	case <-l.Done():
	case <-time.After(wait):
		t.Fatalf("not dropped when its buffer overflowed")
	}
	publishBatch(t, hub, room, [][]byte{numbered(chat.ListenerBuffer+2, 10)})
	close(stuck)
	select {
	case n := <-delivered:
		t.Errorf("frame %d delivered after the listener was dropped", n)
	case <-time.After(100 * time.Millisecond):
	}
	<-droppedCalls
	select {
	case <-droppedCalls:
		t.Errorf("the dropped callback ran twice")
	case <-time.After(50 * time.Millisecond):
	}
	if got := hub.Dropped(chat.TransportOther); got != 1 {
		t.Errorf("the hub counted %d slow listeners dropped, want 1", got)
	}
}

// serverGoroutines counts the goroutines running code of package chat
// (the server side: the tests' clients are package chat_test).
func serverGoroutines() int {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 2)
	n := 0
	for _, g := range strings.Split(buf.String(), "\n\n") {
		// the group commit's writer is the server's, not a connection's:
		// it lingers a few seconds after a message (group_commit.go)
		if strings.Contains(g, "cobraspace/internal/chat.") && !strings.Contains(g, "chat.(*Committer).run") {
			n++
		}
	}
	return n
}

// TestIdleConnectionsHoldOneGoroutine: an idle room WebSocket holds one
// goroutine of ours on the server (the one reading it; none writing or
// waiting to ping, and not net/http's for its handshake), and an idle room
// topic none besides its SSE connection's own (PocketBase's loop, which
// runs through our hook): no pump per listener.
func TestIdleConnectionsHoldOneGoroutine(t *testing.T) {
	s := startServer(t)
	limits.Of(s.App).ConnectionsPerMember = 100
	room := postRoomId(t)
	base := serverGoroutines()

	const n = 12
	var clients []*wsClient
	for i := 0; i < n; i++ {
		clients = append(clients, s.dialWS(t, fmt.Sprintf("alice #%d", i), room, token(t, testutil.AliceEmail)))
	}
	s.waitListeners(t, room, n)
	until(t, clients[0], "alice's join", joinOf("alice"))
	eventually(t, "one goroutine per idle WebSocket", func() (bool, string) {
		got := serverGoroutines() - base
		return got == n, fmt.Sprintf("%d goroutines for %d WebSockets", got, n)
	})
	clients[0].sendMessage(t, "still served") // the connection works both ways
	eventually(t, "one goroutine per idle WebSocket after a message", func() (bool, string) {
		got := serverGoroutines() - base
		return got == n, fmt.Sprintf("%d goroutines for %d WebSockets", got, n)
	})
	for _, c := range clients {
		c.closeNormally(t)
	}
	s.waitListeners(t, room, 0)

	bob := auth(t, testutil.BobEmail)
	for i := 0; i < n; i++ {
		c := s.connectSSE(t, fmt.Sprintf("bob #%d", i))
		c.mustSubscribe(t, bob, roomTopic(room))
	}
	s.waitListeners(t, room, n)
	eventually(t, "no goroutine of ours per idle room topic", func() (bool, string) {
		got := serverGoroutines() - base
		return got == n, fmt.Sprintf("%d goroutines for %d SSE connections with a room topic", got, n)
	})
}
