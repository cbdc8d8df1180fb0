package chat_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// nextPresence is the next join or leave frame l gets, within a deadline.
func nextPresence(t *testing.T, l *chat.Listener) (kind, userId string) {
	t.Helper()
	select {
	case data := <-l.Frames():
		var f struct {
			Type   string `json:"type"`
			UserId string `json:"user_id"`
		}
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		return f.Type, f.UserId
	case <-time.After(5 * time.Second):
		t.Fatal("no presence frame")
		return "", ""
	}
}

func expectNoFrame(t *testing.T, l *chat.Listener) {
	t.Helper()
	select {
	case data := <-l.Frames():
		t.Fatalf("unexpected frame %s", data)
	default:
	}
}

func onlineIds(h *chat.Hub, room string) []string {
	var ids []string
	for _, u := range h.Online(room) {
		ids = append(ids, u.Id)
	}
	slices.Sort(ids)
	return ids
}

// The writer's hub announces the union of every node's presence: a member
// on two edges joins once and leaves when the last of them lets go — a
// node dropped (dead) or reporting them gone.
func TestPresenceIsTheUnionOfNodes(t *testing.T) {
	const room = "room1"
	hub := chat.NewHub()
	watcher := chat.NewListener(room, "watcher", "watcher", nil)
	hub.Add(watcher)

	alice := chat.PresenceEntry{Room: room, User: "alice", Nickname: "alice"}
	hub.SetRemotePresence("edge1", alice, true)
	if kind, who := nextPresence(t, watcher); kind != chat.TypeJoin || who != "alice" {
		t.Fatalf("got %s of %s, want alice's join", kind, who)
	}
	hub.SetRemotePresence("edge2", alice, true)
	expectNoFrame(t, watcher) // already online: no second join
	if got := onlineIds(hub, room); !slices.Equal(got, []string{"alice", "watcher"}) {
		t.Fatalf("online %v", got)
	}

	hub.DropNode("edge1")
	expectNoFrame(t, watcher) // still on edge2
	hub.ReplaceNodePresence("edge2", []chat.PresenceEntry{{Room: room, User: "bob", Nickname: "bob"}})
	// edge2's full report: bob in, alice out
	got := map[string]string{}
	for range 2 {
		kind, who := nextPresence(t, watcher)
		got[who] = kind
	}
	if got["alice"] != chat.TypeLeave || got["bob"] != chat.TypeJoin {
		t.Fatalf("after edge2's report got %v, want alice's leave and bob's join", got)
	}
	hub.DropNode("edge2")
	if kind, who := nextPresence(t, watcher); kind != chat.TypeLeave || who != "bob" {
		t.Fatalf("got %s of %s, want bob's leave once edge2 is dropped", kind, who)
	}
	if got := onlineIds(hub, room); !slices.Equal(got, []string{"watcher"}) {
		t.Fatalf("online %v, want the watcher alone", got)
	}
}

// The bound on announced rooms counts members on every node: a writer
// with no listeners of its own stops announcing a room the edges filled.
func TestPresenceBoundCountsOtherNodes(t *testing.T) {
	const room = "room1"
	hub := chat.NewHub()
	bound := limits.Defaults()
	bound.PresenceRoomListeners = 2
	hub.SetLimits(bound)
	watcher := chat.NewListener(room, "watcher", "watcher", nil)
	hub.Add(watcher)

	hub.SetRemotePresence("edge1", chat.PresenceEntry{Room: room, User: "u1", Nickname: "u1"}, true)
	if kind, who := nextPresence(t, watcher); kind != chat.TypeJoin || who != "u1" {
		t.Fatalf("got %s of %s, want u1's join (2 in the room: within the bound)", kind, who)
	}
	hub.SetRemotePresence("edge1", chat.PresenceEntry{Room: room, User: "u2", Nickname: "u2"}, true)
	expectNoFrame(t, watcher) // 3 in the room, 1 of them here: over the bound
	if got := onlineIds(hub, room); !slices.Equal(got, []string{"u1", "u2", "watcher"}) {
		t.Fatalf("online %v: online_users stays exact", got)
	}
}
