package chat

// What the hub tells the operators' metrics (internal/metrics): live
// listeners by transport, the biggest rooms, slow listeners dropped and
// how long a fan-out takes. Everything is read at scrape time or kept in
// atomics, so the fan-out's hot path gains no lock and no allocation.

import (
	"sort"
	"time"
)

// Transport is the live transport a listener serves.
type Transport uint8

// The transports of listeners. Listeners made with NewListener alone (the
// hub tests') are TransportOther.
const (
	TransportOther     Transport = iota
	TransportWebSocket           // the room WebSocket, one listener per connection
	TransportTopic               // a room topic of a realtime (SSE) client
	numTransports
)

var transportNames = [numTransports]string{"other", "websocket", "topic"}

// String is the transport's label value ("websocket", "topic").
func (t Transport) String() string { return transportNames[t] }

// LiveListeners is how many listeners of transport t the hub holds now.
func (h *Hub) LiveListeners(t Transport) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.live[t]
}

// Dropped is how many listeners of transport t were dropped for falling
// behind (ListenerBuffer frames waiting) since the hub started.
func (h *Hub) Dropped(t Transport) uint64 { return h.dropped[t].Load() }

// RoomCount is a room and how many listeners it has.
type RoomCount struct {
	RoomId    string
	Listeners int
}

// TopRooms are the n rooms with the most listeners, most first (ties by
// room id). It walks every room once; meant for a scrape, not a hot path.
func (h *Hub) TopRooms(n int) []RoomCount {
	h.mu.RLock()
	all := make([]RoomCount, 0, len(h.rooms))
	for id, ls := range h.rooms {
		all = append(all, RoomCount{RoomId: id, Listeners: len(ls)})
	}
	h.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool {
		if all[i].Listeners != all[j].Listeners {
			return all[i].Listeners > all[j].Listeners
		}
		return all[i].RoomId < all[j].RoomId
	})
	if len(all) > n {
		all = all[:n]
	}
	return all
}

// OnPublish sets who is told how long each Publish / PublishFrom took to
// hand its frame to every listener of the room (lock wait included); nil
// stops it. It must not block.
func (h *Hub) OnPublish(observe func(time.Duration)) {
	if observe == nil {
		h.onPublish.Store(nil)
		return
	}
	h.onPublish.Store(&observe)
}

// OnDeliver has observe told, for every frame a WebSocket or room topic
// listener delivers, its transport and how long the frame waited from the
// hub's hand-over (right after the commit, for a message) until the
// transport had taken it: written to the WebSocket, handed to
// PocketBase's SSE connection. It applies to listeners added from then on
// (nil: nobody).
func (h *Hub) OnDeliver(observe func(Transport, time.Duration)) {
	if observe == nil {
		h.onDeliver.Store(nil)
		return
	}
	h.onDeliver.Store(&observe)
}

// observeDeliveries stamps l's frames for OnDeliver's observer, if any.
func (h *Hub) observeDeliveries(l *Listener) {
	observe := h.onDeliver.Load()
	if observe == nil || l.q == nil {
		return
	}
	transport := l.transport
	l.q.observeWith(func(d time.Duration) { (*observe)(transport, d) })
}

// timePublish reports a fan-out that started at start (deferred by
// Publish and PublishFrom).
func (h *Hub) timePublish(start time.Time) {
	if observe := h.onPublish.Load(); observe != nil {
		(*observe)(time.Since(start))
	}
}

// dropSlow drops a listener that could not take a frame, counting it once.
func (h *Hub) dropSlow(l *Listener) {
	if l.drop() {
		h.dropped[l.transport].Add(1)
	}
}
