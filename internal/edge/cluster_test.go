package edge_test

// The cluster against the real binary: one writer and two edges as
// separate processes on loopback, their embedded NATS servers routed
// together. Members on different nodes — a room WebSocket on each edge, a
// room topic on an edge, the stock SDK subscription on the writer — chat
// in one room; then an edge is killed, a member reconnects elsewhere and
// catches up, and the writer is killed and restarted.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cobraspace/cobraspace/internal/sse"
	"github.com/cobraspace/cobraspace/internal/testutil/binserver"
)

const wait = 30 * time.Second

func TestMain(m *testing.M) { binserver.Main(m) }

// cluster is a writer and its edges, with the addresses to restart them.
type cluster struct {
	t          *testing.T
	bin, dir   string
	writer     *binserver.Server
	writerArgs []string
	natsAddr   string // the writer's NATS route address
}

func startCluster(t *testing.T) *cluster {
	bin := binserver.Build(t)
	dir := t.TempDir()
	binserver.AddSuperuser(t, bin, dir)
	c := &cluster{t: t, bin: bin, dir: dir, natsAddr: binserver.FreeAddr(t)}
	httpAddr := binserver.FreeAddr(t)
	c.writerArgs = []string{"serve", "--dir", dir, "--http", httpAddr, "--nats-cluster", c.natsAddr, "--node-name", "writer"}
	c.writer = binserver.StartProcess(t, bin, c.writerArgs, "http://"+httpAddr)
	return c
}

// startEdge starts an edge routed to the writer's NATS; it is ready once
// its /api/health reaches the writer over NATS.
func (c *cluster) startEdge(name string) *binserver.Server {
	httpAddr := binserver.FreeAddr(c.t)
	root, err := filepath.Abs("../..")
	if err != nil {
		c.t.Fatal(err)
	}
	args := []string{"edge", "--writer", c.writer.URL, "--http", httpAddr,
		"--nats-cluster", binserver.FreeAddr(c.t), "--nats-routes", "nats://" + c.natsAddr,
		"--node-name", name, "--publicDir", filepath.Join(root, "pb_public")}
	return binserver.StartProcess(c.t, c.bin, args, "http://"+httpAddr)
}

type member struct {
	id, nickname, token string
}

func (c *cluster) register(nickname string) member {
	email, password := nickname+"@cluster.example", "cluster-pass-123"
	c.writer.Call(c.t, http.StatusCreated, http.MethodPost, "/user/registration/", "", map[string]string{"email": email, "password": password, "nickname": nickname})
	token := c.writer.Login(c.t, email, password)
	var me struct {
		Id string `json:"id"`
	}
	if err := json.Unmarshal(c.writer.Call(c.t, http.StatusOK, http.MethodGet, "/user/profile/", token, nil), &me); err != nil || me.Id == "" {
		c.t.Fatalf("profile of %s: %v", nickname, err)
	}
	return member{id: me.Id, nickname: nickname, token: token}
}

// event is what a live client got: a room frame, or a stock record event
// of a message (type "create").
type event struct {
	Type      string `json:"type"`
	Id        string `json:"id"`
	Message   string `json:"message"`
	UserId    string `json:"user_id"`
	Username  string `json:"username"`
	Action    string `json:"action"`
	ErrorType string `json:"error_type"`
	Record    struct {
		Id      string `json:"id"`
		Message string `json:"message"`
	} `json:"record"`
}

// live is a client's events, in arrival order.
type live struct {
	name    string
	mu      sync.Mutex
	log     []event
	arrived chan struct{}             // signalled at each event
	cursor  int                       // how far until has read the log
	closed  chan websocket.StatusCode // a WebSocket's close code, once
	send    func(string) error
	stop    func()
}

func newLive(name string) *live {
	return &live{name: name, arrived: make(chan struct{}, 1), closed: make(chan websocket.StatusCode, 1)}
}

func (l *live) got(data []byte) {
	var ev event
	if err := json.Unmarshal(data, &ev); err != nil {
		return
	}
	if ev.Action != "" { // the stock subscription's record event
		ev.Type, ev.Id, ev.Message = "stock."+ev.Action, ev.Record.Id, ev.Record.Message
	}
	l.mu.Lock()
	l.log = append(l.log, ev)
	l.mu.Unlock()
	select {
	case l.arrived <- struct{}{}:
	default:
	}
}

// events is everything l got so far.
func (l *live) events() []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.log)
}

// until waits, within d, for an event after the last one until matched
// that matches, and returns the events up to it.
func (l *live) until(t *testing.T, d time.Duration, what string, match func(event) bool) []event {
	t.Helper()
	deadline := time.After(d)
	for {
		evs := l.events()
		for i := l.cursor; i < len(evs); i++ {
			if match(evs[i]) {
				seen := evs[l.cursor : i+1]
				l.cursor = i + 1
				return seen
			}
		}
		select {
		case <-l.arrived:
		case <-deadline:
			t.Fatalf("%s: %s did not come within %v; got %+v", l.name, what, d, evs[l.cursor:])
		}
	}
}

// messages waits until l got n message events in all, and returns their
// ids in arrival order.
func (l *live) messages(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(wait)
	for {
		ids := messagesOf(l.events())
		if len(ids) >= n {
			return ids
		}
		select {
		case <-l.arrived:
		case <-deadline:
			t.Fatalf("%s: %d messages did not come within %v; got %v", l.name, n, wait, ids)
		}
	}
}

func joined(nickname string) func(event) bool {
	return func(ev event) bool { return ev.Type == "chat.user.join" && ev.Username == nickname }
}

func left(nickname string) func(event) bool {
	return func(ev event) bool { return ev.Type == "chat.user.leave" && ev.Username == nickname }
}

// dialSocket opens the room WebSocket on a node.
func dialSocket(t *testing.T, name string, node *binserver.Server, room string, m member) *live {
	t.Helper()
	l := newLive(name)
	u := "ws" + strings.TrimPrefix(node.URL, "http") + "/ws/chat/" + room + "/chat/?token=" + url.QueryEscape(m.token)
	ctx, cancel := context.WithCancel(context.Background())
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		cancel()
		t.Fatalf("%s: dial %s: %v", name, u, err)
	}
	go func() {
		defer cancel()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				l.closed <- websocket.CloseStatus(err)
				return
			}
			l.got(data)
		}
	}()
	l.send = func(text string) error {
		raw, _ := json.Marshal(map[string]string{"type": "chat.message", "message": text})
		return conn.Write(ctx, websocket.MessageText, raw)
	}
	l.stop = func() { conn.CloseNow(); cancel() }
	t.Cleanup(l.stop)
	return l
}

// subscribe opens a realtime connection on a node with topics.
func subscribe(t *testing.T, name string, node *binserver.Server, m member, topics ...string) *live {
	t.Helper()
	l := newLive(name)
	conn, err := sse.Dial(context.Background(), http.DefaultClient, node.URL, nil, func(ev sse.Event) { l.got(ev.Data) })
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(conn.Close)
	if status, body, err := conn.Subscribe(http.DefaultClient, node.URL, m.token, topics...); err != nil || status != http.StatusNoContent {
		t.Fatalf("%s: subscribe %v: %d %s %v", name, topics, status, body, err)
	}
	l.stop = conn.Close
	return l
}

// sent is the message ids of the conversation, in commit order.
type sent struct {
	mu  sync.Mutex
	ids []string
}

func (s *sent) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, id)
}

func (s *sent) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids)
}

// postMessage sends through POST /api/chat/message/ on a node; the answer
// (201) is the acknowledgement.
func postMessage(t *testing.T, node *binserver.Server, m member, room, text string) string {
	t.Helper()
	body := node.Call(t, http.StatusCreated, http.MethodPost, "/api/chat/message/", m.token, map[string]string{"room": room, "message": text})
	var msg struct {
		Id string `json:"id"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Id == "" {
		t.Fatalf("send answer %s", body)
	}
	return msg.Id
}

// socketMessage sends over a room WebSocket; its echo (after the commit)
// is the acknowledgement.
func socketMessage(t *testing.T, l *live, text string) string {
	t.Helper()
	if err := l.send(text); err != nil {
		t.Fatalf("%s: send: %v", l.name, err)
	}
	got := l.until(t, wait, "the echo of "+text, func(ev event) bool { return ev.Type == "chat.message" && ev.Message == text })
	return got[len(got)-1].Id
}

// messagesOf are the ids of the message events among evs, in order.
func messagesOf(evs []event) []string {
	var ids []string
	for _, ev := range evs {
		if ev.Type == "chat.message" || ev.Type == "stock.create" {
			ids = append(ids, ev.Id)
		}
	}
	return ids
}

type roomAnswer struct {
	Messages []struct {
		Id string `json:"id"`
	} `json:"chat_messages"`
	Online []struct {
		Id string `json:"id"`
	} `json:"online_users"`
}

func getRoom(t *testing.T, node *binserver.Server, m member, room, query string) roomAnswer {
	t.Helper()
	var r roomAnswer
	if err := json.Unmarshal(node.Call(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/"+query, m.token, nil), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r roomAnswer) ids() []string {
	var out []string
	for _, m := range r.Messages {
		out = append(out, m.Id)
	}
	return out
}

func (r roomAnswer) online() []string {
	var out []string
	for _, u := range r.Online {
		out = append(out, u.Id)
	}
	slices.Sort(out)
	return out
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestClusterOneConversation(t *testing.T) {
	c := startCluster(t)
	edge1, edge2 := c.startEdge("edge1"), c.startEdge("edge2")

	carol, alice, bob, dave := c.register("carol"), c.register("alice"), c.register("bob"), c.register("dave")
	_, room := c.writer.PostWithRoom(t, carol.token, "One conversation over three nodes")

	// carol: the stock SDK subscription on the writer; bob: the room topic
	// on edge2; alice: the room WebSocket on edge1; dave: on edge2
	stock := subscribe(t, "carol (stock, writer)", c.writer, carol, "messages")
	topic := subscribe(t, "bob (topic, edge2)", edge2, bob, "chat/"+room)
	ws1 := dialSocket(t, "alice (ws, edge1)", edge1, room, alice)
	ws2 := dialSocket(t, "dave (ws, edge2)", edge2, room, dave)

	// presence across nodes: each edge's members are announced on the other
	topic.until(t, wait, "alice's join (edge1)", joined("alice"))
	ws1.until(t, wait, "dave's join (edge2)", joined("dave"))
	want := sorted(alice.id, bob.id, dave.id)
	if got := getRoom(t, edge1, alice, room, "").online(); !slices.Equal(got, want) {
		t.Fatalf("online_users through edge1 = %v, want alice, bob and dave %v", got, want)
	}

	// every member sends, through every node and transport, one after the
	// other (each acknowledged before the next: that is the commit order)
	var conversation sent
	conversation.add(socketMessage(t, ws1, "alice over edge1's WebSocket"))
	conversation.add(postMessage(t, edge2, bob, room, "bob over REST, through edge2"))
	conversation.add(postMessage(t, c.writer, carol, room, "carol over REST on the writer"))
	conversation.add(socketMessage(t, ws2, "dave over edge2's WebSocket"))
	conversation.add(postMessage(t, edge1, alice, room, "alice over REST, through edge1"))
	conversation.add(socketMessage(t, ws1, "alice again"))
	ids := conversation.all()
	if history := getRoom(t, c.writer, carol, room, "").ids(); !slices.Equal(history, ids) {
		t.Fatalf("history %v, want the acknowledged messages in order %v", history, ids)
	}
	// each sees every message once, in order
	for _, l := range []*live{stock, topic, ws1, ws2} {
		if got := l.messages(t, len(ids)); !slices.Equal(got, ids) {
			t.Errorf("%s got %v, want %v", l.name, got, ids)
		}
	}
	t.Run("ban closes a socket on another node", func(t *testing.T) {
		start := time.Now()
		c.writer.Call(t, http.StatusOK, http.MethodPost, "/api/chat/room/"+room+"/ban/", carol.token, map[string]any{"user": dave.id, "reason": "cluster test"})
		select {
		case code := <-ws2.closed:
			if code != 4009 {
				t.Fatalf("dave's socket closed with %d, want 4009", code)
			}
		case <-time.After(wait):
			t.Fatal("dave's socket on edge2 stayed open after the ban")
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("the ban took %v to close dave's socket on edge2, want within 1s", took)
		} else {
			t.Logf("ban on the writer → dave's socket on edge2 closed 4009 in %v", took)
		}
	})

	// an edge dies: its members leave the room on the other nodes
	lastSeen := ids[len(ids)-1]
	killed := time.Now()
	edge1.Kill(t)
	topic.until(t, wait, "alice's leave once edge1 died", left("alice"))
	if took := time.Since(killed); took > 5*time.Second {
		t.Errorf("alice left presence %v after edge1 died, want within 5s", took)
	} else {
		t.Logf("edge1 SIGKILLed → alice's leave on edge2 after %v", took)
	}
	if slices.Contains(getRoom(t, c.writer, carol, room, "").online(), alice.id) {
		t.Errorf("alice is still in online_users after edge1 died")
	}

	// messages alice misses, then she reconnects to edge2 and catches up
	// by cursor: exactly what she missed, in order
	conversation.add(postMessage(t, edge2, bob, room, "bob while alice is away"))
	conversation.add(postMessage(t, c.writer, carol, room, "carol while alice is away"))
	missed := conversation.all()[len(ids):]
	ws3 := dialSocket(t, "alice (ws, edge2, reconnected)", edge2, room, alice)
	topic.until(t, wait, "alice's join on edge2", joined("alice"))
	if caught := getRoom(t, edge2, alice, room, "?after="+lastSeen).ids(); !slices.Equal(caught, missed) {
		t.Fatalf("catch-up after %s = %v, want what alice missed %v", lastSeen, caught, missed)
	}
	if rest := getRoom(t, edge2, alice, room, "?after="+missed[len(missed)-1]).ids(); len(rest) != 0 {
		t.Fatalf("the page after the newest message = %v, want none", rest)
	}
	liveAgain := postMessage(t, c.writer, carol, room, "carol to everyone again")
	conversation.add(liveAgain)
	if got := ws3.messages(t, 1); !slices.Equal(got, []string{liveAgain}) {
		t.Fatalf("alice on edge2 got %v, want %s once", got, liveAgain)
	}

	// the writer is unreachable: sends get a clear error, never a silent drop
	c.writer.Kill(t)
	if err := ws3.send("sent while the writer is down"); err != nil {
		t.Fatal(err)
	}
	ws3.until(t, wait, "the server_unavailable error frame", func(ev event) bool { return ev.ErrorType == "server_unavailable" })
	if a, err := edge2.Do(http.MethodPost, "/api/chat/message/", bob.token, map[string]string{"room": room, "message": "REST while the writer is down"}); err != nil || a.Status != http.StatusBadGateway {
		t.Fatalf("REST through edge2 while the writer is down: %d %s %v, want 502", a.Status, a.Body, err)
	}

	// the writer comes back on the same data: no acknowledged message is
	// lost, and the cluster carries the conversation again
	c.writer = binserver.StartProcess(t, c.bin, c.writerArgs, c.writer.URL)
	waitHealthy(t, edge2)
	acknowledged := conversation.all()
	if history := getRoom(t, c.writer, carol, room, "").ids(); !slices.Equal(history, acknowledged) {
		t.Fatalf("history after the writer's restart %v, want every acknowledged message %v", history, acknowledged)
	}
	after := postMessage(t, c.writer, carol, room, "after the writer's restart")
	if got := ws3.messages(t, 2); !slices.Equal(got, []string{liveAgain, after}) {
		t.Fatalf("alice on edge2 got %v, want %s then %s", got, liveAgain, after)
	}
	// and rebuilds who is online from the edges' reports
	wantOnline := sorted(alice.id, bob.id)
	deadline := time.Now().Add(wait)
	for got := getRoom(t, c.writer, carol, room, "").online(); !slices.Equal(got, wantOnline); got = getRoom(t, c.writer, carol, room, "").online() {
		if time.Now().After(deadline) {
			t.Fatalf("online_users after the writer's restart = %v, want alice and bob %v", got, wantOnline)
		}
		time.Sleep(50 * time.Millisecond) // polling the writer's view while edge2's report arrives
	}
}

// waitHealthy waits until a node's /api/health answers 200 (an edge's
// does once it reaches the writer over NATS).
func waitHealthy(t *testing.T, node *binserver.Server) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		a, err := node.Do(http.MethodGet, "/api/health", "", nil)
		if err == nil && a.Status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/api/health did not answer 200 within %v: %d %s %v", node.URL, wait, a.Status, a.Body, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a node that is reconnecting
	}
}

// closeCodeOf dials the room WebSocket at rawURL and returns the code the
// server closed it with (admission refusals come after the upgrade).
func closeCodeOf(t *testing.T, rawURL string) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, rawURL, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", rawURL, err)
	}
	defer conn.CloseNow()
	_, _, err = conn.Read(ctx)
	return websocket.CloseStatus(err)
}

func wsURL(node *binserver.Server, room, token string) string {
	u := "ws" + strings.TrimPrefix(node.URL, "http") + "/ws/chat/" + room + "/chat/"
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	return u
}

// subscribeStatus is the status of a realtime subscription to topics.
func subscribeStatus(t *testing.T, node *binserver.Server, token string, topics ...string) (int, string) {
	t.Helper()
	conn, err := sse.Dial(context.Background(), http.DefaultClient, node.URL, nil, func(sse.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	status, body, err := conn.Subscribe(http.DefaultClient, node.URL, token, topics...)
	if err != nil {
		t.Fatal(err)
	}
	return status, string(body)
}

// An edge answers as the writer does: the same close codes, the same
// subscription answers, the stock subscriptions relayed, a login that ends
// closing the member's sockets on the edge.
func TestEdgeAnswersAsTheWriter(t *testing.T) {
	c := startCluster(t)
	edge := c.startEdge("edge1")
	carol, bob, alice := c.register("carol"), c.register("bob"), c.register("alice")
	_, room := c.writer.PostWithRoom(t, carol.token, "Edges answer as the writer")
	// a DM between carol and bob, which alice may not read (through the
	// edge's proxy)
	edge.Call(t, http.StatusOK, http.MethodPost, "/user/add-friend/", carol.token, map[string]string{"email": "bob@cluster.example"})
	var dm struct {
		Id string `json:"id"`
	}
	if err := json.Unmarshal(edge.Call(t, http.StatusCreated, http.MethodPost, "/api/chat/dm/", carol.token, map[string]string{"user": bob.id}), &dm); err != nil || dm.Id == "" {
		t.Fatalf("dm: %v", err)
	}

	t.Run("the same close codes", func(t *testing.T) {
		for _, tc := range []struct {
			name, room, token string
			want              websocket.StatusCode
		}{
			{"no token", room, "", 4001},
			{"a bad token", room, "not-a-token", 4001},
			{"an unknown room", "nosuchroom12345", alice.token, 4004},
			{"a room id no room can have", "no.such room", alice.token, 4004},
			{"a DM of others", dm.Id, alice.token, 4003},
		} {
			onWriter, onEdge := closeCodeOf(t, wsURL(c.writer, tc.room, tc.token)), closeCodeOf(t, wsURL(edge, tc.room, tc.token))
			if onWriter != tc.want || onEdge != tc.want {
				t.Errorf("%s: writer closed %d, edge %d, want %d", tc.name, onWriter, onEdge, tc.want)
			}
		}
	})

	t.Run("the same subscription answers", func(t *testing.T) {
		// the writer remembers a member's refused topics (the SDK sends
		// them again): erin asks the edge what alice asks the writer
		erin := c.register("erin")
		for _, tc := range []struct {
			name   string
			guest  bool
			topics func(m member) []string
			want   int
		}{
			{"a DM of others", false, func(member) []string { return []string{"chat/" + dm.Id} }, http.StatusForbidden},
			{"an unknown room", false, func(member) []string { return []string{"chat/nosuchroom12345"} }, http.StatusNotFound},
			{"a room topic without login", true, func(member) []string { return []string{"chat/" + room} }, http.StatusForbidden},
			{"another member's topic", false, func(member) []string { return []string{"member/" + bob.id} }, http.StatusForbidden},
			{"a readable room", false, func(member) []string { return []string{"chat/" + room} }, http.StatusNoContent},
			{"one's own topic and a collection", false, func(m member) []string { return []string{"member/" + m.id, "posts"} }, http.StatusNoContent},
		} {
			writerToken, edgeToken := alice.token, erin.token
			if tc.guest {
				writerToken, edgeToken = "", ""
			}
			onWriter, writerBody := subscribeStatus(t, c.writer, writerToken, tc.topics(alice)...)
			onEdge, edgeBody := subscribeStatus(t, edge, edgeToken, tc.topics(erin)...)
			if onWriter != tc.want || onEdge != tc.want {
				t.Errorf("%s: writer %d %s, edge %d %s, want %d", tc.name, onWriter, writerBody, onEdge, edgeBody, tc.want)
			}
		}
	})

	t.Run("stock subscriptions through the edge", func(t *testing.T) {
		stock := subscribe(t, "bob (stock, edge)", edge, bob, "messages")
		id := postMessage(t, c.writer, carol, room, "for the stock subscribers")
		if got := stock.messages(t, 1); !slices.Equal(got, []string{id}) {
			t.Fatalf("bob's stock subscription through the edge got %v, want %s", got, id)
		}
	})

	t.Run("a login that ends closes its sockets on the edge", func(t *testing.T) {
		ws := dialSocket(t, "alice (ws, edge)", edge, room, alice)
		ws.until(t, wait, "alice's own join", joined("alice"))
		edge.Call(t, http.StatusOK, http.MethodPost, "/user/logout/", alice.token, nil)
		select {
		case code := <-ws.closed:
			if code != 4001 {
				t.Fatalf("alice's socket closed with %d after logout, want 4001", code)
			}
		case <-time.After(wait):
			t.Fatal("alice's socket on the edge stayed open after her logout")
		}
	})
}
