// Package edge is the `edge` command: a node that holds clients' room
// WebSockets and room realtime topics and sends every other request to
// the writer. Clients cannot tell it from the writer: same URLs, same
// protocol, same close codes. See docs/DEPLOY.md.
//
//   - edge.go: the node — its hub, the room subjects it follows, its
//     requests to the writer, its presence reports;
//   - websocket.go: the room WebSocket (/ws/chat/{room}/chat/);
//   - realtime.go: PocketBase's realtime (SSE) protocol, room topics
//     served here, every other topic relayed from the writer;
//   - http.go: the routes, the web client and the reverse proxy;
//   - command.go: the command and its flags.
package edge

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/cluster"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// RequestTimeout bounds a request to the writer; past it (or at once
// when no writer listens) the client is told the server is unavailable.
const RequestTimeout = 5 * time.Second

// errWriterUnavailable: the writer did not answer.
var errWriterUnavailable = errors.New("the writer is unreachable")

// Edge is one edge node.
type Edge struct {
	node   string
	nc     *nats.Conn
	hub    *chat.Hub
	limits *limits.Limits
	log    *slog.Logger

	roomsMu sync.Mutex
	rooms   map[string]*roomSub // the room subjects followed, by room

	presenceMu sync.Mutex // orders presence reports as the hub changed

	slots    *chat.ConnSlots // live connections per member (this node's)
	sse      sseClients
	refusals *chat.TopicRefusals

	writerURL    string       // the writer's base URL, without a trailing /
	client       *http.Client // requests to the writer
	streamClient *http.Client // the writer's realtime streams (no timeout)
}

type roomSub struct {
	sub   *nats.Subscription
	users int
	seen  cluster.RoomSequence // used by the subscription's goroutine only
}

// New makes an edge on nc named node, for the writer at writerURL; Start
// begins its reports.
func New(nc *nats.Conn, node, writerURL string, l *limits.Limits, log *slog.Logger) *Edge {
	return &Edge{
		node: node, nc: nc, hub: chat.NewHub(), limits: l, log: log,
		rooms:        map[string]*roomSub{},
		slots:        chat.NewConnSlots(l),
		sse:          sseClients{byId: map[string]*sseClient{}},
		refusals:     chat.NewTopicRefusals(),
		writerURL:    strings.TrimRight(writerURL, "/"),
		client:       &http.Client{Timeout: 30 * time.Second},
		streamClient: &http.Client{},
	}
}

// Start follows the control subject and answers the writer's presence
// questions, and sends heartbeats until stop is closed.
func (e *Edge) Start(stop <-chan struct{}) error {
	if _, err := e.nc.Subscribe(cluster.ControlSubject, e.apply); err != nil {
		return err
	}
	if _, err := e.nc.Subscribe(cluster.SyncSubject(e.node), func(*nats.Msg) { e.reportAll() }); err != nil {
		return err
	}
	go e.heartbeat(stop)
	return nil
}

// apply does what the writer did to its hub (an event on a room subject
// or the control subject).
func (e *Edge) apply(msg *nats.Msg) {
	ev, ok := cluster.DecodeEvent(msg)
	if !ok {
		e.log.Warn("edge: an event it cannot read", "subject", msg.Subject)
		return
	}
	e.hub.Apply(ev, e.check)
}

// follow subscribes to a room's subject (once per room, counted): done
// before the writer is asked to admit a connection there, so that every
// event after the admission reaches this node.
func (e *Edge) follow(roomId string) error {
	e.roomsMu.Lock()
	defer e.roomsMu.Unlock()
	if r := e.rooms[roomId]; r != nil {
		r.users++
		return nil
	}
	r := &roomSub{users: 1}
	sub, err := e.nc.Subscribe(cluster.RoomSubject(roomId), func(msg *nats.Msg) {
		if !r.seen.Follows(msg) {
			n := e.hub.DropRoom(roomId)
			e.log.Warn("edge: missed events of a room: its connections reconnect and catch up", "room", roomId, "dropped", n)
		}
		e.apply(msg)
	})
	if err != nil {
		return err
	}
	_ = sub.SetPendingLimits(-1, 64<<20)
	r.sub = sub
	e.rooms[roomId] = r
	return nil
}

// unfollow undoes a follow; the last one unsubscribes.
func (e *Edge) unfollow(roomId string) {
	e.roomsMu.Lock()
	defer e.roomsMu.Unlock()
	r := e.rooms[roomId]
	if r == nil {
		return
	}
	if r.users--; r.users == 0 {
		_ = r.sub.Unsubscribe()
		delete(e.rooms, roomId)
	}
}

// DropAll drops every live connection (the edge is stopping): a
// WebSocket closes 1013, a realtime client is disconnected.
func (e *Edge) DropAll() int {
	e.roomsMu.Lock()
	rooms := make([]string, 0, len(e.rooms))
	for roomId := range e.rooms {
		rooms = append(rooms, roomId)
	}
	e.roomsMu.Unlock()
	n := 0
	for _, roomId := range rooms {
		n += e.hub.DropRoom(roomId)
	}
	e.sse.mu.Lock()
	clients := make([]*sseClient, 0, len(e.sse.byId))
	for _, c := range e.sse.byId {
		clients = append(clients, c)
	}
	e.sse.mu.Unlock()
	for _, c := range clients {
		e.dropClient(c) // also those with only the writer's topics
	}
	return n
}

// request asks the writer and decodes its answer into out.
func (e *Edge) request(subject string, req, out any) error {
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	msg, err := e.nc.Request(subject, data, RequestTimeout)
	if err != nil {
		return errWriterUnavailable
	}
	return json.Unmarshal(msg.Data, out)
}

// admit asks the writer whether a connection with token may be in
// roomId.
func (e *Edge) admit(token, roomId string) (chat.Admission, error) {
	var a chat.Admission
	err := e.request(cluster.AdmitSubject, cluster.AdmitRequest{Token: token, Room: roomId}, &a)
	return a, err
}

// check is the writer's access check for a revalidation; an unreachable
// writer keeps the connection (it will be checked at its next frame).
func (e *Edge) check(token, roomId string) (int, string) {
	var r cluster.CheckReply
	if err := e.request(cluster.CheckSubject, cluster.AdmitRequest{Token: token, Room: roomId}, &r); err != nil {
		e.log.Warn("edge: access check failed", "room", roomId, "error", err)
		return 0, ""
	}
	return r.Code, r.Reason
}

// join adds l to the hub, telling the writer when its member is new to
// the room on this node.
func (e *Edge) join(l *chat.Listener) {
	e.presenceMu.Lock()
	defer e.presenceMu.Unlock()
	if e.hub.Add(l) {
		e.report(cluster.PresenceReport{Node: e.node, Entry: &chat.PresenceEntry{Room: l.RoomId, User: l.UserId, Nickname: l.Nickname}, Online: true})
	}
}

// leave removes l from the hub (once), telling the writer when it was
// its member's last connection to the room on this node.
func (e *Edge) leave(l *chat.Listener) {
	e.presenceMu.Lock()
	defer e.presenceMu.Unlock()
	if e.hub.Remove(l) {
		e.report(cluster.PresenceReport{Node: e.node, Entry: &chat.PresenceEntry{Room: l.RoomId, User: l.UserId, Nickname: l.Nickname}})
	}
}

// reportAll sends the writer everything online on this node.
func (e *Edge) reportAll() {
	e.presenceMu.Lock()
	defer e.presenceMu.Unlock()
	e.report(cluster.PresenceReport{Node: e.node, Full: true, Entries: e.hub.LocalPresence()})
}

func (e *Edge) report(r cluster.PresenceReport) {
	data, _ := json.Marshal(r)
	if err := e.nc.Publish(cluster.PresenceSubject, data); err != nil {
		e.log.Warn("edge: presence report", "error", err)
	}
}

// heartbeat tells the writer every HeartbeatInterval that this node is
// alive (the writer drops a node silent for NodeTTL).
func (e *Edge) heartbeat(stop <-chan struct{}) {
	tick := time.NewTicker(cluster.HeartbeatInterval)
	defer tick.Stop()
	e.report(cluster.PresenceReport{Node: e.node})
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			e.report(cluster.PresenceReport{Node: e.node})
		}
	}
}
