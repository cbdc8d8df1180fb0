package edge

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/cluster"
	"github.com/cobraspace/cobraspace/internal/sse"
)

// PocketBase's realtime protocol (GET /api/realtime: an SSE stream that
// starts with PB_CONNECT; POST /api/realtime: the client's topics), as the
// JS SDK speaks it. Room topics ("chat/<room id>") are served by the edge
// from its hub, admitted by the writer as on the writer; every other topic
// (collections, a member's own topic) is PocketBase's on the writer: the
// edge holds one upstream realtime connection to the writer for such a
// client and relays its events.

const (
	sseIdleTimeout = 5 * time.Minute  // PocketBase's: the SDK reconnects
	sseMaxTimeout  = 30 * time.Minute // likewise
	sseBuffer      = 256              // events waiting for one client
)

type sseClients struct {
	mu   sync.Mutex
	byId map[string]*sseClient
}

// sseClient is one realtime connection to the edge.
type sseClient struct {
	id   string
	ip   string
	out  chan subscriptions.Message
	done chan struct{}
	once sync.Once

	subMu  sync.Mutex // one subscription request at a time
	mu     sync.Mutex
	userId string                    // the member of its room topics, once known
	rooms  map[string]*chat.Listener // room id → listener
	slot   string                    // the member whose connection slot it holds
	up     *upstream
}

func (c *sseClient) send(m subscriptions.Message) bool {
	select {
	case c.out <- m:
		return true
	case <-c.done:
		return false
	}
}

// realtimeConnect: GET /api/realtime.
func (e *Edge) realtimeConnect(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")

	c := &sseClient{
		id: security.RandomString(40), ip: clientIP(r),
		out: make(chan subscriptions.Message, sseBuffer), done: make(chan struct{}),
		rooms: map[string]*chat.Listener{},
	}
	e.sse.mu.Lock()
	e.sse.byId[c.id] = c
	e.sse.mu.Unlock()
	defer e.dropClient(c)

	connect := subscriptions.Message{Name: "PB_CONNECT", Data: []byte(`{"clientId":"` + c.id + `"}`)}
	if connect.WriteSSE(w, c.id) != nil || http.NewResponseController(w).Flush() != nil {
		return
	}
	idle := time.NewTimer(sseIdleTimeout)
	defer idle.Stop()
	max := time.NewTimer(sseMaxTimeout)
	defer max.Stop()
	for {
		select {
		case m := <-c.out:
			if m.WriteSSE(w, c.id) != nil || http.NewResponseController(w).Flush() != nil {
				return
			}
			idle.Reset(sseIdleTimeout)
		case <-idle.C:
			return
		case <-max.C:
			return
		case <-c.done:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// dropClient ends a realtime client: its room listeners leave, its
// upstream connection closes.
func (e *Edge) dropClient(c *sseClient) {
	c.once.Do(func() { close(c.done) })
	e.sse.mu.Lock()
	delete(e.sse.byId, c.id)
	e.sse.mu.Unlock()
	c.mu.Lock()
	rooms, up, slot := c.rooms, c.up, c.slot
	c.rooms, c.up, c.slot = map[string]*chat.Listener{}, nil, ""
	c.mu.Unlock()
	for roomId, l := range rooms {
		e.endTopicListener(roomId, l)
	}
	if slot != "" {
		e.slots.Give(slot)
	}
	if up != nil {
		up.close()
	}
}

func (e *Edge) endTopicListener(roomId string, l *chat.Listener) {
	l.Stop()
	e.leave(l)
	e.unfollow(roomId)
}

type subscribeForm struct {
	ClientId      string   `json:"clientId"`
	Subscriptions []string `json:"subscriptions"`
}

// realtimeSubscribe: POST /api/realtime — as on the writer: a room
// topic the member may not read is refused (404 unknown room, 403) the
// first time and quietly left out when the SDK sends it again; more rooms
// than TopicsPerConnection is 400, a member over their connection limit
// 429; the other topics are the writer's answer.
func (e *Edge) realtimeSubscribe(w http.ResponseWriter, r *http.Request) {
	var form subscribeForm
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&form); err != nil {
		writeError(w, http.StatusBadRequest, "Something went wrong while processing your request.")
		return
	}
	if len(form.ClientId) == 0 || len(form.ClientId) > 255 || len(form.Subscriptions) > 1000 {
		writeError(w, http.StatusBadRequest, "Something went wrong while processing your request.")
		return
	}
	e.sse.mu.Lock()
	c := e.sse.byId[form.ClientId]
	e.sse.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "Missing or invalid client id.")
		return
	}
	c.subMu.Lock()
	defer c.subMu.Unlock()

	rooms, others := splitTopics(form.Subscriptions)
	if len(rooms) > e.limits.TopicsPerConnection {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("One connection may follow at most %d chat rooms.", e.limits.TopicsPerConnection))
		return
	}
	token := auth.RequestToken(r)
	added, refusal := e.admitTopics(c, token, rooms)
	undo := func() {
		for roomId := range added {
			e.unfollow(roomId)
		}
	}
	if refusal != nil {
		undo()
		refusal.write(w)
		return
	}
	if len(added) > 0 && !e.claimSlot(c, added) {
		undo()
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("You already hold %d live connections; close one first.", e.limits.ConnectionsPerMember))
		return
	}
	if status, body, ok := e.relayTopics(c, others, r); !ok {
		undo()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	e.syncTopicListeners(c, token, rooms, added)
	w.WriteHeader(http.StatusNoContent)
}

// splitTopics parts the topics into room topics (room id → the names
// the client used) and the others (those of the writer).
func splitTopics(topics []string) (rooms map[string][]string, others []string) {
	rooms = map[string][]string{}
	for _, t := range topics {
		if t == "PB_CONNECT" {
			continue // the SDK's own event, which it also subscribes to: no events come on it
		}
		if id := chat.RoomOfTopic(t); id != "" {
			rooms[id] = append(rooms[id], t)
		} else {
			others = append(others, t)
		}
	}
	return rooms, others
}

// topicRefusal is the answer to a refused subscription request.
type topicRefusal struct {
	status  int
	message string
}

func (t *topicRefusal) write(w http.ResponseWriter) { writeError(w, t.status, t.message) }

// admitTopics asks the writer to admit the client's new room topics; the
// rooms admitted are followed (their admissions returned). A room the
// writer refuses again soon after is left out of rooms.
func (e *Edge) admitTopics(c *sseClient, token string, rooms map[string][]string) (map[string]chat.Admission, *topicRefusal) {
	added := map[string]chat.Admission{}
	for roomId := range rooms {
		c.mu.Lock()
		_, held := c.rooms[roomId]
		c.mu.Unlock()
		if held {
			continue
		}
		a := chat.Admission{Code: int(chat.CloseUnknownRoom)}
		if cluster.ValidRoomId(roomId) {
			if err := e.follow(roomId); err != nil {
				return added, &topicRefusal{http.StatusServiceUnavailable, "The server is unavailable, try again."}
			}
			var err error
			if a, err = e.admit(token, roomId); err != nil {
				e.unfollow(roomId)
				return added, &topicRefusal{http.StatusServiceUnavailable, "The server is unavailable, try again."}
			}
		}
		who := a.UserId
		if who == "" || a.Code == int(chat.CloseUnauthenticated) {
			who = "guest:" + c.ip
		}
		c.mu.Lock()
		mismatch := a.Code == 0 && c.userId != "" && c.userId != a.UserId
		c.mu.Unlock()
		if mismatch {
			e.unfollow(roomId)
			return added, &topicRefusal{http.StatusForbidden, "The current and the previous request authorization don't match."}
		}
		if a.Code == 0 {
			e.refusals.Allow(who, roomId)
			added[roomId] = a
			continue
		}
		if cluster.ValidRoomId(roomId) {
			e.unfollow(roomId)
		}
		switch {
		case e.refusals.Refuse(who, roomId):
			delete(rooms, roomId) // refused before: the SDK is only repeating it
		case a.Code == int(chat.CloseUnknownRoom):
			return added, &topicRefusal{http.StatusNotFound, "Unknown chat room " + roomId + "."}
		case a.Code == int(websocket.StatusTryAgainLater):
			return added, &topicRefusal{http.StatusServiceUnavailable, "The server is busy, try again."}
		default:
			return added, &topicRefusal{http.StatusForbidden, "You may not read chat room " + roomId + "."}
		}
	}
	return added, nil
}

// claimSlot takes a connection slot of the member for a client that
// follows rooms for the first time (one per connection, as on the writer).
func (e *Edge) claimSlot(c *sseClient, added map[string]chat.Admission) bool {
	var userId string
	for _, a := range added {
		userId = a.UserId
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slot != "" {
		return true
	}
	if !e.slots.Take(userId, e.limits.ConnectionsPerMember) {
		return false
	}
	c.slot, c.userId = userId, userId
	return true
}

// syncTopicListeners makes the client's room listeners those of rooms:
// the added ones join, the ones no longer subscribed leave.
func (e *Edge) syncTopicListeners(c *sseClient, token string, rooms map[string][]string, added map[string]chat.Admission) {
	c.mu.Lock()
	var gone []string
	for roomId := range c.rooms {
		if _, keep := rooms[roomId]; !keep {
			gone = append(gone, roomId)
		}
	}
	removed := map[string]*chat.Listener{}
	for _, roomId := range gone {
		removed[roomId] = c.rooms[roomId]
		delete(c.rooms, roomId)
	}
	var joined []*chat.Listener
	for roomId, a := range added {
		l := e.newTopicListener(c, roomId, token, a)
		c.rooms[roomId] = l
		joined = append(joined, l)
	}
	c.mu.Unlock()
	for roomId, l := range removed {
		e.endTopicListener(roomId, l)
	}
	for _, l := range joined {
		l.Start()
		e.join(l)
	}
}

func (e *Edge) newTopicListener(c *sseClient, roomId, token string, a chat.Admission) *chat.Listener {
	topic := chat.RoomTopic(roomId)
	var l *chat.Listener
	l = chat.NewEdgeListener(roomId, a, chat.TransportTopic, token,
		func(frame []byte) bool { return c.send(subscriptions.Message{Name: topic, Data: frame}) },
		func() { e.dropClient(c) }, // too slow: disconnected, never waited for
		func(code int, reason string) { e.revokeTopic(c, roomId, l, code, reason) })
	return l
}

// revokeTopic takes a room topic away from a client whose access ended:
// its listener leaves (leave notice) and the client gets a last
// access_revoked frame on the topic; sent again, it is left out.
func (e *Edge) revokeTopic(c *sseClient, roomId string, l *chat.Listener, code int, reason string) {
	c.mu.Lock()
	if c.rooms[roomId] != l {
		c.mu.Unlock()
		return
	}
	delete(c.rooms, roomId)
	c.mu.Unlock()
	e.endTopicListener(roomId, l)
	e.refusals.Refuse(l.UserId, roomId)
	go c.send(subscriptions.Message{Name: chat.RoomTopic(roomId), Data: chat.EncodeRevokedFrame(roomId, code, reason)})
}

// relayTopics hands the client's other topics to the writer through the
// client's upstream connection (opened at its first such topic); ok false
// with the writer's answer when it refused them.
func (e *Edge) relayTopics(c *sseClient, topics []string, r *http.Request) (status int, body []byte, ok bool) {
	c.mu.Lock()
	up := c.up
	c.mu.Unlock()
	if up == nil {
		if len(topics) == 0 {
			return 0, nil, true
		}
		var err error
		if up, err = e.openUpstream(c, r); err != nil {
			e.log.Warn("edge: realtime upstream", "error", err)
			return http.StatusServiceUnavailable, errorBody(http.StatusServiceUnavailable, "The server is unavailable, try again."), false
		}
		c.mu.Lock()
		c.up = up
		c.mu.Unlock()
	}
	status, body, err := up.subscribe(e, topics, r)
	if err != nil {
		return http.StatusServiceUnavailable, errorBody(http.StatusServiceUnavailable, "The server is unavailable, try again."), false
	}
	return status, body, status < 300
}

// upstream is a client's realtime connection to the writer.
type upstream struct{ conn *sse.Conn }

func (u *upstream) close() { u.conn.Close() }

// openUpstream connects to the writer's realtime on behalf of c and
// relays its events to c until either ends (the client is then
// disconnected: the SDK reconnects and subscribes again).
func (e *Edge) openUpstream(c *sseClient, r *http.Request) (*upstream, error) {
	header := http.Header{}
	forwardedFor(header, r)
	conn, err := sse.Dial(context.Background(), e.streamClient, e.writerURL, header, func(ev sse.Event) {
		c.send(subscriptions.Message{Name: ev.Name, Data: ev.Data})
	})
	if err != nil {
		return nil, err
	}
	go func() {
		select {
		case <-conn.Done(): // the writer ended it
			e.dropClient(c)
		case <-c.done:
			conn.Close()
		}
	}()
	return &upstream{conn: conn}, nil
}

// subscribe sets the upstream client's topics, with the request's auth.
func (u *upstream) subscribe(e *Edge, topics []string, r *http.Request) (int, []byte, error) {
	return u.conn.Subscribe(e.client, e.writerURL, r.Header.Get("Authorization"), topics...)
}

// writeError writes PocketBase's error JSON.
func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorBody(status, message))
}

func errorBody(status int, message string) []byte {
	b, _ := json.Marshal(map[string]any{"status": status, "message": message, "data": map[string]any{}})
	return b
}

// clientIP is the client's address (without the port).
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// forwardedFor tells the writer who the client is (X-Forwarded-For; the
// writer believes it once its trusted proxy headers say so).
func forwardedFor(header http.Header, from *http.Request) {
	prior := from.Header.Get("X-Forwarded-For")
	ip := clientIP(from)
	if prior != "" {
		ip = prior + ", " + ip
	}
	header.Set("X-Forwarded-For", ip)
}
