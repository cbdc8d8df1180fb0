package cluster

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/chat"
)

// RegisterWriter makes app (the `serve` node) the cluster's writer when o
// says there is a cluster: once it serves, it relays every event of its
// hub on the room subjects, answers the edges' requests and keeps who is
// online on every node. Without cluster options it does nothing.
func RegisterWriter(app core.App, o *Options) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if !o.Enabled() {
			return e.Next()
		}
		w, err := startWriter(e.App, o)
		if err != nil {
			return err
		}
		e.App.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
			w.close()
			return te.Next()
		})
		return e.Next()
	})
}

// Writer is the writer's side of the cluster.
type Writer struct {
	app  core.App
	conn *Conn
	node string
	hub  *chat.Hub

	run   string            // this run's id (headerRun)
	seqMu sync.Mutex        // numbers and publishes room events in one order
	seq   map[string]uint64 // room → its last event's number in this run

	publish func(*nats.Msg) error // conn.NC.PublishMsg (a test's recorder)

	requests chan struct{} // bounds the edges' requests handled at once
	nodes    *nodeTracker
	subs     []*nats.Subscription
	stop     chan struct{}
}

// maxConcurrentRequests bounds the edges' requests the writer handles at
// once; beyond it they are answered "busy" at once.
const maxConcurrentRequests = 1024

func startWriter(app core.App, o *Options) (*Writer, error) {
	node := o.NodeName()
	conn, err := Connect(o, node)
	if err != nil {
		return nil, err
	}
	w := &Writer{
		app: app, conn: conn, node: node, hub: chat.HubOf(app),
		run: nuid.Next(), seq: map[string]uint64{},
		requests: make(chan struct{}, maxConcurrentRequests),
		stop:     make(chan struct{}),
	}
	w.nodes = newNodeTracker(w.hub)
	nc := conn.NC
	w.publish = nc.PublishMsg
	for subject, handle := range map[string]func(*nats.Msg){
		AdmitSubject: w.answer(w.admit),
		CheckSubject: w.answer(w.check),
		FrameSubject: w.answer(w.frame),
		PingSubject:  func(m *nats.Msg) { _ = m.Respond([]byte("{}")) },
		PresenceSubject: func(m *nats.Msg) {
			if node, ask := w.nodes.report(m.Data); ask {
				_ = nc.Publish(SyncSubject(node), nil)
			}
		},
	} {
		sub, err := nc.Subscribe(subject, handle)
		if err != nil {
			conn.Close()
			return nil, err
		}
		_ = sub.SetPendingLimits(-1, 256<<20)
		w.subs = append(w.subs, sub)
	}
	w.hub.SetRelay(w.relay)
	go w.nodes.sweep(w.stop)
	app.Logger().Info("cluster: writer on NATS", "node", node, "routes", o.Routes, "url", o.URL)
	return w, nil
}

// relay publishes a hub event (without blocking: the NATS connection
// buffers it, in order), a room's numbered.
func (w *Writer) relay(ev chat.Event) {
	msg := encodeEvent(ev)
	var err error
	if ev.Room == "" {
		err = w.publish(msg)
	} else {
		w.seqMu.Lock()
		w.seq[ev.Room]++
		msg.Header.Set(headerRun, w.run)
		msg.Header.Set(headerSeq, strconv.FormatUint(w.seq[ev.Room], 10))
		err = w.publish(msg)
		w.seqMu.Unlock()
	}
	if err != nil {
		w.app.Logger().Error("cluster: relaying an event", "kind", ev.Kind, "room", ev.Room, "error", err)
	}
}

// answer runs handle for each request on its own goroutine (at most
// maxConcurrentRequests at once; beyond, the answer is busy) and replies
// with what it returns.
func (w *Writer) answer(handle func([]byte) any) func(*nats.Msg) {
	return func(m *nats.Msg) {
		select {
		case w.requests <- struct{}{}:
		default:
			_ = m.Respond(mustMarshal(busyAnswer(m.Subject)))
			return
		}
		go func() {
			defer func() { <-w.requests }()
			_ = m.Respond(mustMarshal(handle(m.Data)))
		}()
	}
}

func busyAnswer(subject string) any {
	if subject == FrameSubject {
		return FrameReply{Frame: chat.EncodeErrorFrame("server_busy", chat.ErrBusy.Error())}
	}
	return CheckReply{Code: int(websocket.StatusTryAgainLater), Reason: "server busy"}
}

func (w *Writer) admit(data []byte) any {
	var req AdmitRequest
	if json.Unmarshal(data, &req) != nil {
		return chat.Admission{Code: int(chat.CloseUnknownRoom), Reason: "bad request"}
	}
	return chat.Admit(w.app, req.Token, req.Room)
}

func (w *Writer) check(data []byte) any {
	var req AdmitRequest
	if json.Unmarshal(data, &req) != nil {
		return CheckReply{Code: int(chat.CloseUnknownRoom), Reason: "bad request"}
	}
	code, reason := chat.CheckAccess(w.app, req.Token, req.Room)
	return CheckReply{Code: code, Reason: reason}
}

func (w *Writer) frame(data []byte) any {
	var req FrameRequest
	if json.Unmarshal(data, &req) != nil {
		return FrameReply{Code: int(chat.CloseUnknownRoom), Reason: "bad request"}
	}
	frame, code, reason := chat.HandleRemoteFrame(w.app, req.Token, req.Room, []byte(req.Data))
	return FrameReply{Frame: frame, Code: code, Reason: reason}
}

func (w *Writer) close() {
	close(w.stop)
	w.hub.SetRelay(nil)
	w.conn.Close()
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // answers of strings, ints and raw frames
	}
	return b
}

// nodeTracker is the writer's view of the edges: when each last reported,
// and their presence in the writer's hub.
type nodeTracker struct {
	hub  *chat.Hub
	mu   sync.Mutex
	seen map[string]time.Time
}

// NodeTTL is how long an edge that stopped reporting (heartbeats every
// HeartbeatInterval) is still taken for alive: then its members leave
// every room they were only there in.
const (
	HeartbeatInterval = time.Second
	NodeTTL           = 3 * time.Second
)

func newNodeTracker(hub *chat.Hub) *nodeTracker {
	return &nodeTracker{hub: hub, seen: map[string]time.Time{}}
}

// report applies an edge's presence report; ask says the node is new to
// the writer (after its start, or after it was taken for dead), whose
// whole presence is to be asked for.
func (t *nodeTracker) report(data []byte) (node string, ask bool) {
	var r PresenceReport
	if json.Unmarshal(data, &r) != nil || !validSubjectToken(r.Node) {
		return "", false
	}
	t.mu.Lock()
	_, known := t.seen[r.Node]
	t.seen[r.Node] = time.Now()
	t.mu.Unlock()
	switch {
	case r.Full:
		t.hub.ReplaceNodePresence(r.Node, r.Entries)
	case r.Entry != nil:
		t.hub.SetRemotePresence(r.Node, *r.Entry, r.Online)
	}
	return r.Node, !known && !r.Full
}

// sweep drops the nodes silent for NodeTTL, until stop.
func (t *nodeTracker) sweep(stop <-chan struct{}) {
	tick := time.NewTicker(NodeTTL / 10)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			for _, node := range t.silent(now) {
				t.hub.DropNode(node)
			}
		}
	}
}

func (t *nodeTracker) silent(now time.Time) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for node, at := range t.seen {
		if now.Sub(at) > NodeTTL {
			delete(t.seen, node)
			out = append(out, node)
		}
	}
	return out
}
