package chat_test

// Slow listeners: one that stops reading is dropped once its buffer
// (chat.ListenerBuffer frames) overflows, never waited for, while every
// other listener of the room still gets every frame, in order.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// publishBatch publishes frames from a goroutine and fails if Publish does
// not return in time: the hub must never wait on a listener.
func publishBatch(t testing.TB, hub *chat.Hub, room string, frames [][]byte) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, f := range frames {
			hub.Publish(room, f)
		}
	}()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatalf("Publish blocked: the hub waited on a listener")
	}
}

func numbered(i int, pad int) []byte {
	b, _ := json.Marshal(map[string]any{"type": chat.TypeMessage, "message": fmt.Sprintf("frame %d", i), "pad": strings.Repeat("x", pad)})
	return b
}

// frameNumber is the number of a frame made by numbered, or -1.
func frameNumber(data []byte) int {
	var f struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return -1
	}
	var n int
	if _, err := fmt.Sscanf(f.Message, "frame %d", &n); err != nil || f.Type != chat.TypeMessage {
		return -1
	}
	return n
}

// TestHubDropsListenerThatNeverReads works on the hub API itself.
func TestHubDropsListenerThatNeverReads(t *testing.T) {
	app := testutil.NewApp(t)
	hub := chat.HubOf(app)
	const room, otherRoom = "roomslow0000001", "roomother000001"

	droppedCalled := make(chan struct{})
	slow := chat.NewListener(room, "userslow", "slow", func() { close(droppedCalled) })
	fast := chat.NewListener(room, "userfast", "fast", nil)
	other := chat.NewListener(otherRoom, "userother", "other", nil)
	for _, l := range []*chat.Listener{slow, fast, other} {
		if !hub.Add(l) {
			t.Fatalf("%s: the first connection of its user must report first", l.Nickname)
		}
	}

	// the fast listener reads everything and reports each frame number
	progress := make(chan int, 4*chat.ListenerBuffer)
	go func() {
		for {
			select {
			case data := <-fast.Frames():
				progress <- frameNumber(data)
			case <-fast.Done():
				close(progress)
				return
			}
		}
	}()
	next := 0
	catchUp := func(upTo int) {
		t.Helper()
		for next < upTo {
			select {
			case n, ok := <-progress:
				if !ok {
					t.Fatalf("the fast listener was dropped at frame %d", next)
				}
				if n != next {
					t.Fatalf("the fast listener got frame %d, want %d", n, next)
				}
				next++
			case <-time.After(wait):
				t.Fatalf("the fast listener is stuck at frame %d of %d", next, upTo)
			}
		}
	}
	batch := func(from, to int) [][]byte {
		out := [][]byte{}
		for i := from; i < to; i++ {
			out = append(out, numbered(i, 100))
		}
		return out
	}

	// exactly a full buffer: the slow listener is still in
	half := chat.ListenerBuffer / 2
	for from := 0; from < chat.ListenerBuffer; from += half {
		publishBatch(t, hub, room, batch(from, from+half))
		catchUp(from + half)
	}
	select {
	case <-slow.Done():
		t.Fatalf("dropped with a buffer that is full but not overflowing")
	default:
	}

	// one more: dropped
	publishBatch(t, hub, room, batch(chat.ListenerBuffer, chat.ListenerBuffer+1))
	select {
	case <-slow.Done():
	case <-time.After(wait):
		t.Fatalf("the slow listener was not dropped when its buffer overflowed")
	}
	select {
	case <-droppedCalled:
	case <-time.After(wait):
		t.Fatalf("the dropped callback did not run")
	}
	catchUp(chat.ListenerBuffer + 1)

	// many more: the others still get every frame, the hub never waits
	total := 4 * chat.ListenerBuffer
	for from := chat.ListenerBuffer + 1; from < total; from += half {
		to := min(from+half, total)
		publishBatch(t, hub, room, batch(from, to))
		catchUp(to)
	}

	// the slow one kept what it had room for, in order, and nothing after
	if got := len(slow.Frames()); got != chat.ListenerBuffer {
		t.Errorf("the slow listener holds %d frames, want %d", got, chat.ListenerBuffer)
	}
	for i := 0; i < chat.ListenerBuffer; i++ {
		if n := frameNumber(<-slow.Frames()); n != i {
			t.Fatalf("the slow listener's frame %d is %d", i, n)
		}
	}
	if got := len(other.Frames()); got != 0 {
		t.Errorf("a listener of another room got %d frames", got)
	}

	// its transport removes it; presence follows
	if hub.Remove(slow) != true {
		t.Errorf("removing the slow user's only listener must report last")
	}
	if hub.Remove(slow) {
		t.Errorf("a second Remove must report false")
	}
	if n := hub.Listeners(room); n != 1 {
		t.Errorf("%d listeners left, want the fast one", n)
	}
	online := hub.Online(room)
	if len(online) != 1 || online[0].Nickname != "fast" {
		t.Errorf("online = %v, want fast only", online)
	}
}

// slowLoad publishes big frames to a room in batches smaller than a
// listener buffer, waiting for fast to receive each batch in full and in
// order, until leftRoom reports that the slow client is gone.
func slowLoad(t *testing.T, s *liveServer, room string, fast *wsClient, leftRoom func(f frame) bool) {
	t.Helper()
	hub := chat.HubOf(s.App)
	const pad = 32 << 10 // 32 KiB frames fill socket buffers quickly
	const maxFrames = 4096
	batch := chat.ListenerBuffer / 4
	next := 0
	deadline := time.Now().Add(6 * wait) // dropping a stuck WebSocket waits up to 5 s for its close handshake
	for sent := 0; ; {
		if sent < maxFrames {
			frames := [][]byte{}
			for i := 0; i < batch; i++ {
				frames = append(frames, numbered(sent+i, pad))
			}
			publishBatch(t, hub, room, frames)
			sent += batch
		}
		left := false
		for next < sent || (sent >= maxFrames && !left) {
			f, ok := fast.next(time.Until(deadline))
			if !ok {
				t.Fatalf("%s: stuck at frame %d of %d sent (the slow client was never dropped?)", fast, next, sent)
			}
			if leftRoom(f) {
				left = true
				continue
			}
			if f["type"] != chat.TypeMessage {
				continue
			}
			var n int
			if _, err := fmt.Sscanf(f["message"].(string), "frame %d", &n); err != nil {
				t.Fatalf("%s got message %q: %v", fast, f["message"], err)
			}
			if n != next {
				t.Fatalf("%s got frame %d, want %d: a frame was lost", fast, n, next)
			}
			next++
		}
		if left {
			t.Logf("the slow client was dropped after %d frames of %d KiB", sent, pad>>10)
			return
		}
	}
}

// TestSlowWebSocketIsDropped: a real WebSocket client that never reads is
// dropped (its user leaves the room) while a reading client gets every
// frame.
func TestSlowWebSocketIsDropped(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	fast := s.dialWS(t, "alice (reads)", room, token(t, testutil.AliceEmail))
	until(t, fast, "alice's join", joinOf("alice"))

	// bob's client never reads
	u := "ws" + strings.TrimPrefix(s.URL, "http") + "/ws/chat/" + room + "/chat/?token=" + token(t, testutil.BobEmail)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	slow, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slow.CloseNow() })
	until(t, fast, "bob's join", joinOf("bob"))

	slowLoad(t, s, room, fast, leaveOf("bob"))
	s.waitListeners(t, room, 1)
	s.waitOnline(t, testutil.AliceEmail, room, "alice")
}

// TestSlowTopicClientIsDropped: an SSE client subscribed to the room topic
// that never reads its stream is dropped (its user leaves the room) while
// a reading client gets every frame.
func TestSlowTopicClientIsDropped(t *testing.T) {
	s := startServer(t)
	room := postRoomId(t)
	fast := s.dialWS(t, "alice (reads)", room, token(t, testutil.AliceEmail))
	until(t, fast, "alice's join", joinOf("alice"))

	// bob's SSE stream: read up to PB_CONNECT, subscribe, never read again
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /api/realtime HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", strings.TrimPrefix(s.URL, "http://"))
	if err := conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	clientId := ""
	for clientId == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the SSE stream: %v", err)
		}
		if data, ok := strings.CutPrefix(strings.TrimSpace(line), "data:"); ok {
			var connect struct {
				ClientId string `json:"clientId"`
			}
			if json.Unmarshal([]byte(data), &connect) == nil {
				clientId = connect.ClientId
			}
		}
	}
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	status, body := s.do(t, http.MethodPost, "/api/realtime", auth(t, testutil.BobEmail), map[string]any{"clientId": clientId, "subscriptions": []string{roomTopic(room)}})
	if status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	until(t, fast, "bob's join", joinOf("bob"))

	slowLoad(t, s, room, fast, leaveOf("bob"))
	s.waitListeners(t, room, 1)
	s.waitOnline(t, testutil.AliceEmail, room, "alice")
}
