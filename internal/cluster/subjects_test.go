package cluster

import (
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/cobraspace/cobraspace/internal/chat"
)

// edgeListener is a listener as an edge makes one, recording its frames
// and how it was revoked.
type edgeListener struct {
	l       *chat.Listener
	frames  chan string
	revoked chan int
}

func newEdgeListener(hub *chat.Hub, room, user string, blocked ...string) *edgeListener {
	e := &edgeListener{frames: make(chan string, 16), revoked: make(chan int, 1)}
	e.l = chat.NewEdgeListener(room, chat.Admission{UserId: user, Nickname: user, Blocked: blocked}, chat.TransportWebSocket, "token-of-"+user,
		func(f []byte) bool { e.frames <- string(f); return true }, nil,
		func(code int, _ string) { e.revoked <- code })
	e.l.Start()
	hub.Add(e.l)
	return e
}

func (e *edgeListener) next(t *testing.T) string {
	t.Helper()
	select {
	case f := <-e.frames:
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no frame")
		return ""
	}
}

// none checks that nothing more is due to e: a marker handed to it now
// is the next frame it gets (its frames come in order).
func (e *edgeListener) none(t *testing.T, hub *chat.Hub) {
	t.Helper()
	hub.SendToMember(e.l.RoomId, e.l.UserId, []byte(`{"marker":true}`))
	if f := e.next(t); f != `{"marker":true}` {
		t.Fatalf("%s got %s, want nothing more", e.l.UserId, f)
	}
}

// What the writer's hub does travels as NATS messages and does the same
// to an edge's hub: frames to the room (but not to whoever blocked the
// sender, nor back to a typist), to one member, ends, checks, blocks.
func TestHubEventsCrossTheWire(t *testing.T) {
	writer, edge := chat.NewHub(), chat.NewHub()
	var events []chat.Event
	writer.SetRelay(func(ev chat.Event) { events = append(events, ev) })
	alice := newEdgeListener(edge, "room1", "alice")
	bob := newEdgeListener(edge, "room1", "bob", "carol") // bob blocked carol
	other := newEdgeListener(edge, "room2", "dave")

	checked := map[string]int{"token-of-bob": 4003}
	check := func(token, room string) (int, string) { return checked[token], "no longer allowed" }
	apply := func() {
		t.Helper()
		for _, ev := range events {
			msg := encodeEvent(ev)
			back, ok := DecodeEvent(msg)
			if !ok {
				t.Fatalf("%s did not decode", msg.Subject)
			}
			edge.Apply(back, check)
		}
		events = nil
	}

	writer.Publish("room1", []byte(`{"n":1}`))
	writer.PublishFrom("room1", []byte(`{"n":2}`), "carol")
	writer.PublishExcept("room1", "alice", []byte(`{"n":3}`))
	writer.SendToMember("room1", "alice", []byte(`{"n":4}`))
	apply()
	var got []string
	for range 3 {
		got = append(got, alice.next(t))
	}
	if want := []string{`{"n":1}`, `{"n":2}`, `{"n":4}`}; !slices.Equal(got, want) {
		t.Fatalf("alice got %v, want %v", got, want)
	}
	got = []string{bob.next(t), bob.next(t)}
	if want := []string{`{"n":1}`, `{"n":3}`}; !slices.Equal(got, want) {
		t.Fatalf("bob (who blocked carol) got %v, want %v", got, want)
	}
	other.none(t, edge)
	alice.none(t, edge)
	bob.none(t, edge)

	// bob unblocks carol: her frames reach him again
	events = append(events, chat.Event{Kind: chat.EventBlocks, User: "bob"})
	writer.PublishFrom("room1", []byte(`{"n":5}`), "carol")
	apply()
	if f := bob.next(t); f != `{"n":5}` {
		t.Fatalf("bob got %s after unblocking, want n 5", f)
	}
	alice.next(t)

	// access checked again: only bob's no longer holds
	events = append(events, chat.Event{Kind: chat.EventRevalidate, Room: "room1"})
	apply()
	select {
	case code := <-bob.revoked:
		if code != 4003 {
			t.Fatalf("bob revoked with %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("bob was not revoked")
	}
	// a moderator's kick of dave in room2
	events = append(events, chat.Event{Kind: chat.EventEnd, Room: "room2", User: "dave", Code: 4008, Reason: "kicked"})
	apply()
	if code := <-other.revoked; code != 4008 {
		t.Fatalf("dave revoked with %d", code)
	}
	select {
	case code := <-alice.revoked:
		t.Fatalf("alice revoked with %d", code)
	default:
	}
}

func TestNames(t *testing.T) {
	for name, want := range map[string]bool{"edge1": true, "edge_2-b": true, "": false, "a.b": false, "a b": false, "a>": false} {
		if ValidNodeName(name) != want {
			t.Errorf("ValidNodeName(%q) = %v", name, !want)
		}
	}
	for id, want := range map[string]bool{"abc123": true, "no.such": false, "a*": false, "": false} {
		if ValidRoomId(id) != want {
			t.Errorf("ValidRoomId(%q) = %v", id, !want)
		}
	}
}

// An edge knows when it missed a room's event: numbers skipped within a
// writer's run; a new run (the writer restarted) starts afresh.
func TestRoomSequenceFindsMissedEvents(t *testing.T) {
	numbered := func(run string, seq string) *nats.Msg {
		m := nats.NewMsg(RoomSubject("room1"))
		m.Header.Set(headerRun, run)
		m.Header.Set(headerSeq, seq)
		return m
	}
	var s RoomSequence
	for i, tc := range []struct {
		run, seq string
		follows  bool
	}{
		{"a", "7", true}, // the first seen: whatever its number
		{"a", "8", true},
		{"a", "10", false}, // 9 never came
		{"a", "11", true},
		{"b", "1", true},  // the writer restarted
		{"b", "1", false}, // a repeat is not the next either
	} {
		if got := s.Follows(numbered(tc.run, tc.seq)); got != tc.follows {
			t.Errorf("%d: run %s #%s follows = %v, want %v", i, tc.run, tc.seq, got, tc.follows)
		}
	}
}

// The writer numbers each room's events in the order it publishes them.
func TestWriterNumbersRoomEvents(t *testing.T) {
	hub := chat.NewHub()
	w := &Writer{run: "run1", seq: map[string]uint64{}, hub: hub}
	var got []string
	w.publish = func(m *nats.Msg) error {
		got = append(got, m.Subject+"#"+m.Header.Get(headerSeq))
		return nil
	}
	hub.SetRelay(w.relay)
	hub.Publish("r1", []byte(`{}`))
	hub.Publish("r2", []byte(`{}`))
	hub.PublishExcept("r1", "u", []byte(`{}`))
	hub.SendToMember("r1", "u", []byte(`{}`))
	want := []string{"cobra.room.r1#1", "cobra.room.r2#1", "cobra.room.r1#2", "cobra.room.r1#3"}
	if !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
}
