package chat_test

// A small real-HTTP harness for the chat tests: the full Cobra Space router
// (as tests/api.go builds it) served by httptest on a real TCP port, a tiny
// Server-Sent Events client for PocketBase's /api/realtime, a WebSocket
// client for /ws/chat/<room>/chat/, and fixture helpers.
//
// Every wait is a receive with a deadline; nothing sleeps and hopes. To show
// that something does NOT arrive, a later event that must arrive is sent and
// the test checks that the unwanted one did not come before it.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// wait bounds every receive of the tests.
const wait = 5 * time.Second

// requestDeadline bounds one HTTP request of a test to the live server.
const requestDeadline = 60 * time.Second

// Rooms without a post, made by the tests (see makePrivateRooms).
//
//   - bob's room: bob's friends list is empty, so only bob may read it;
//     alice, carol and dave are outsiders.
//   - alice's room: alice and bob (bob is on alice's list).
//   - carol's room: carol and alice (alice is on carol's list).
const (
	bobRoomId      = "roombob00000001"
	aliceRoomId    = "roomalice000001"
	carolRoomId    = "roomcarol000001"
	aliceRoomMsgId = "msgaliceroom001" // alice's message in her own room
)

// Documented error bodies of the chat routes (the common ones are in
// testutil).
const (
	forbiddenBody = `{"detail":"You do not have permission to read this room."}`
	badFrameBody  = `{"error_type":"invalid_request","message":"Invalid message format."}`
)

// roomKeys are the documented keys of a room answer; messageKeys those of
// a stored message.
var (
	roomKeys    = []string{"id", "name", "chat_url", "chat_messages", "owner", "online_users"}
	messageKeys = []string{"id", "room", "sender", "sender_email", "nickname", "profile_picture_url", "message", "parent_chat", "message_type", "created_at",
		"seq", "edited_at", "deleted", "mentions", "hidden", "reactions", // the original ten, then the chat product's
		"deleted_by"} // then moderation's
)

// ---------------------------------------------------------------------------
// fixtures

var postRoom struct {
	once sync.Once
	id   string
	err  error
}

// postRoomId is the id of the room of alice's fixture post. Every test app
// is a copy of the same fixture dir, so it is the same in all of them.
func postRoomId(t testing.TB) string {
	t.Helper()
	postRoom.once.Do(func() {
		app := testutil.NewApp(t)
		room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
		if err != nil {
			postRoom.err = err
			return
		}
		postRoom.id = room.Id
	})
	if postRoom.err != nil {
		t.Fatalf("room of the fixture post: %v", postRoom.err)
	}
	return postRoom.id
}

// token is the raw access token of a fixture account.
func token(t testing.TB, email string) string {
	t.Helper()
	return strings.TrimPrefix(testutil.AuthHeader(t, email)["Authorization"], "Bearer ")
}

func auth(t testing.TB, email string) map[string]string {
	t.Helper()
	return testutil.AuthHeader(t, email)
}

// makePrivateRooms stores the three rooms without a post (and one message
// in alice's room) and checks the friends lists they rely on.
func makePrivateRooms(t testing.TB, app core.App) {
	t.Helper()
	for _, r := range []struct{ id, owner, name string }{
		{bobRoomId, testutil.BobId, "bob's room"},
		{aliceRoomId, testutil.AliceId, "alice's room"},
		{carolRoomId, testutil.CarolId, "carol's room"},
	} {
		if err := testutil.SaveRecord(app, "rooms", map[string]any{"id": r.id, "owner": r.owner, "name": r.name}); err != nil {
			t.Fatalf("room %s: %v", r.id, err)
		}
	}
	if err := testutil.SaveRecord(app, "messages", map[string]any{
		"id": aliceRoomMsgId, "room": aliceRoomId, "sender": testutil.AliceId, "message": "alice's private note",
	}); err != nil {
		t.Fatalf("message in alice's room: %v", err)
	}
	requireFixtureFriends(t, app)
}

// requireFixtureFriends makes sure of the friends lists the access tests
// rely on: bob's list is empty (nobody but bob may read bob's room), alice's
// holds bob only, carol's holds alice only.
func requireFixtureFriends(t testing.TB, app core.App) {
	t.Helper()
	want := map[string][]string{
		testutil.AliceId: {testutil.BobId},
		testutil.BobId:   {},
		testutil.CarolId: {testutil.AliceId},
		testutil.DaveId:  {},
	}
	for user, friends := range want {
		rows, err := app.FindAllRecords("friends", dbx.HashExp{"user": user})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, r := range rows {
			got = append(got, r.GetString("friend"))
		}
		sort.Strings(got)
		if !slices.Equal(got, friends) {
			t.Fatalf("fixture friends list of %s = %v, want %v", user, got, friends)
		}
	}
}

// saveMessageAt stores a message with a chosen creation time.
func saveMessageAt(t testing.TB, app core.App, id, room, sender, text string, created time.Time) {
	t.Helper()
	c, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		t.Fatal(err)
	}
	m := core.NewRecord(c)
	m.Id = id
	m.Set("room", room)
	m.Set("sender", sender)
	m.Set("message", text)
	dt, err := types.ParseDateTime(created)
	if err != nil {
		t.Fatal(err)
	}
	m.SetRaw("created", dt)
	if err := app.Save(m); err != nil {
		t.Fatalf("message %s: %v", id, err)
	}
}

// ---------------------------------------------------------------------------
// JSON

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// ---------------------------------------------------------------------------
// the live server

// liveServer is a test app behind a real HTTP server.
type liveServer struct {
	App    *tests.TestApp
	URL    string // http://127.0.0.1:<port>
	srv    *httptest.Server
	client *http.Client
}

// startServer builds the full router like tests.ApiScenario does
// (apis.NewRouter, the OnServe hooks, BuildMux) and serves it on a real
// port. Clients opened through it are closed before the server, and the
// server before the app.
func startServer(t testing.TB) *liveServer {
	t.Helper()
	app := testutil.NewApp(t)
	srv := httptest.NewServer(testutil.Routes(t, app))
	s := &liveServer{App: app, URL: srv.URL, srv: srv, client: srv.Client()}
	t.Cleanup(func() {
		srv.CloseClientConnections()
		closed := make(chan struct{})
		go func() {
			srv.Close() // waits for every running handler
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(3 * wait):
			// a handler that never returns is a server bug: report it
			// with the goroutines rather than hang the whole test binary
			buf := make([]byte, 4<<20)
			n := runtime.Stack(buf, true)
			t.Errorf("requests still running %v after the test ended; goroutines:\n%s", 3*wait, buf[:n])
		}
	})
	return s
}

// do sends a request; body is nil, a string or []byte (sent as is) or a
// value to encode as JSON.
func (s *liveServer) do(t testing.TB, method, path string, headers map[string]string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	// a bound on a hung server, not a timing check: a password change
	// (bcrypt) under -race on a loaded machine takes seconds
	ctx, cancel := context.WithTimeout(context.Background(), requestDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return res.StatusCode, out
}

// expect sends a request and checks its status; it returns the body.
func (s *liveServer) expect(t testing.TB, status int, method, path string, headers map[string]string, body any) []byte {
	t.Helper()
	got, out := s.do(t, method, path, headers, body)
	if got != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, status, out)
	}
	return out
}

// sendREST posts a message through POST /api/chat/message/ and returns
// the stored message.
func (s *liveServer) sendREST(t testing.TB, email, room, text string) map[string]any {
	t.Helper()
	body := s.expect(t, http.StatusCreated, http.MethodPost, "/api/chat/message/", auth(t, email),
		map[string]any{"room": room, "message": text})
	return testutil.DecodeObject(t, body)
}

// sendRecord creates a message through the stock record API, as the JS
// SDK and the dashboard do.
func (s *liveServer) sendRecord(t testing.TB, email string, data map[string]any) map[string]any {
	t.Helper()
	body := s.expect(t, http.StatusOK, http.MethodPost, "/api/collections/messages/records", auth(t, email), data)
	return testutil.DecodeObject(t, body)
}

// onlineUsers is online_users of GET /api/chat/room/<id>/ as bob... or
// whoever asks, by nickname.
func (s *liveServer) onlineUsers(t testing.TB, email, room string) []string {
	t.Helper()
	body := s.expect(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", auth(t, email), nil)
	var data struct {
		Online []struct {
			Nickname string `json:"nickname"`
		} `json:"online_users"`
	}
	if err := json.Unmarshal(body, &data); err != nil {
		t.Fatalf("room answer: %v\n%s", err, body)
	}
	names := []string{}
	for _, u := range data.Online {
		names = append(names, u.Nickname)
	}
	sort.Strings(names)
	return names
}

// eventually polls cond until it holds, failing after the deadline.
func eventually(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after %v (%s)", what, wait, state)
		}
		<-tick.C
	}
}

// waitOnline polls online_users of a room until it is exactly want.
func (s *liveServer) waitOnline(t testing.TB, email, room string, want ...string) {
	t.Helper()
	sort.Strings(want)
	eventually(t, "online_users of "+room+" = "+fmt.Sprint(want), func() (bool, string) {
		got := s.onlineUsers(t, email, room)
		return slices.Equal(got, want), fmt.Sprintf("online_users %v", got)
	})
}

// waitListeners polls the hub until the room has n live listeners.
func (s *liveServer) waitListeners(t testing.TB, room string, n int) {
	t.Helper()
	hub := chat.HubOf(s.App)
	eventually(t, fmt.Sprintf("%d listeners in %s", n, room), func() (bool, string) {
		got := hub.Listeners(room)
		return got == n, fmt.Sprintf("%d listeners", got)
	})
}

// ---------------------------------------------------------------------------
// frames: what a live client receives, on any transport

// frame is one received event as a JSON object. SSE events carry their
// event name under "_event"; a stock record event is {"action","record"}.
type frame map[string]any

// text is the chat message a frame carries ("" if it is no message): a
// chat.message frame of the room protocol, or a stock "create" event of a
// messages record.
func (f frame) text() string {
	if f["type"] == chat.TypeMessage {
		s, _ := f["message"].(string)
		return s
	}
	if rec, ok := f["record"].(map[string]any); ok && f["action"] == "create" {
		s, _ := rec["message"].(string)
		return s
	}
	return ""
}

func (f frame) is(kind, username string) bool {
	return f["type"] == kind && f["username"] == username
}

// receiver is a live client: WebSocket or SSE.
type receiver interface {
	// next is the next frame, or ok=false when none came before the
	// deadline or the connection ended.
	next(d time.Duration) (f frame, ok bool)
	String() string
}

// until receives frames until one satisfies match and returns every frame
// received up to and including it.
func until(t testing.TB, r receiver, what string, match func(frame) bool) []frame {
	t.Helper()
	var got []frame
	deadline := time.Now().Add(wait)
	for {
		f, ok := r.next(time.Until(deadline))
		if !ok {
			t.Fatalf("%s: %s never came; received before: %v", r, what, got)
		}
		got = append(got, f)
		if match(f) {
			return got
		}
	}
}

// untilText waits for the chat message with that text.
func untilText(t testing.TB, r receiver, text string) []frame {
	t.Helper()
	return until(t, r, "message "+strconvQuote(text), func(f frame) bool { return f.text() == text })
}

// untilEach waits until every text has come copies times.
func untilEach(t testing.TB, r receiver, copies int, texts ...string) []frame {
	t.Helper()
	seen := map[string]int{}
	return until(t, r, fmt.Sprintf("%d copies each of %q", copies, texts), func(f frame) bool {
		seen[f.text()]++
		for _, text := range texts {
			if seen[text] < copies {
				return false
			}
		}
		return true
	})
}

func countText(frames []frame, text string) int {
	n := 0
	for _, f := range frames {
		if f.text() == text {
			n++
		}
	}
	return n
}

func countPresence(frames []frame, kind, username string) int {
	n := 0
	for _, f := range frames {
		if f.is(kind, username) {
			n++
		}
	}
	return n
}

func strconvQuote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// ---------------------------------------------------------------------------
// SSE client of /api/realtime

type sseEvent struct {
	Name string
	Data []byte
}

type sseClient struct {
	s      *liveServer
	ID     string
	events chan sseEvent // closed when the stream ends
	cancel context.CancelFunc
	ended  chan struct{}
	label  string
}

func (c *sseClient) String() string { return c.label }

// connectSSE opens GET /api/realtime and waits for PB_CONNECT.
func (s *liveServer) connectSSE(t testing.TB, label string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/realtime", nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	// no keep-alive sharing: cancelling this request drops its own TCP
	// connection and nothing else
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET /api/realtime: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("GET /api/realtime: status %d", res.StatusCode)
	}
	c := &sseClient{s: s, events: make(chan sseEvent, 4096), cancel: cancel, ended: make(chan struct{}), label: "SSE " + label}
	go c.read(res.Body)
	t.Cleanup(c.drop)

	var ev sseEvent
	select {
	case ev = <-c.events:
	case <-time.After(wait):
		t.Fatalf("%s: no PB_CONNECT", c)
	}
	if ev.Name != "PB_CONNECT" {
		t.Fatalf("%s: first event %q, want PB_CONNECT", c, ev.Name)
	}
	var connect struct {
		ClientId string `json:"clientId"`
	}
	if err := json.Unmarshal(ev.Data, &connect); err != nil || connect.ClientId == "" {
		t.Fatalf("%s: PB_CONNECT data %s", c, ev.Data)
	}
	c.ID = connect.ClientId
	return c
}

// read parses the event stream ("event:" and "data:" lines, a blank line
// ends an event) until it ends.
func (c *sseClient) read(body io.ReadCloser) {
	defer close(c.ended)
	defer close(c.events)
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if ev.Name != "" || len(data) > 0 {
				ev.Data = []byte(strings.Join(data, "\n"))
				c.events <- ev
			}
			ev, data = sseEvent{}, nil
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Name = value
		case "data":
			data = append(data, value)
		}
	}
}

// drop cancels the request: the TCP connection is closed under the
// server's feet, as when a browser tab dies.
func (c *sseClient) drop() {
	c.cancel()
	<-c.ended
}

// subscribe sets the client's subscriptions (POST /api/realtime).
func (c *sseClient) subscribe(t testing.TB, headers map[string]string, subs ...string) (int, []byte) {
	t.Helper()
	if subs == nil {
		subs = []string{}
	}
	return c.s.do(t, http.MethodPost, "/api/realtime", headers, map[string]any{"clientId": c.ID, "subscriptions": subs})
}

func (c *sseClient) mustSubscribe(t testing.TB, headers map[string]string, subs ...string) {
	t.Helper()
	if status, body := c.subscribe(t, headers, subs...); status != http.StatusNoContent {
		t.Fatalf("%s: subscribing to %v: status %d, want 204: %s", c, subs, status, body)
	}
}

func (c *sseClient) nextEvent(d time.Duration) (sseEvent, bool) {
	if d <= 0 {
		d = time.Millisecond
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev, ok := <-c.events:
		return ev, ok
	case <-timer.C:
		return sseEvent{}, false
	}
}

func (c *sseClient) next(d time.Duration) (frame, bool) {
	ev, ok := c.nextEvent(d)
	if !ok {
		return nil, false
	}
	f := frame{}
	if err := json.Unmarshal(ev.Data, &f); err != nil {
		f = frame{"_raw": string(ev.Data)}
	}
	f["_event"] = ev.Name
	return f, true
}

// roomTopic is the per-room realtime topic.
func roomTopic(room string) string { return "chat/" + room }

// stockSub is the subscription the JS SDK makes for
// pb.collection('messages').subscribe('*', cb, {filter: 'room="<id>"'}):
// the topic plus "?options=" and encodeURIComponent of
// {"query":{"filter":...}}.
func stockSub(room string) string {
	options, _ := json.Marshal(map[string]any{"query": map[string]string{"filter": `room="` + room + `"`}})
	return "messages/*?options=" + strings.ReplaceAll(url.QueryEscape(string(options)), "+", "%20")
}

// ---------------------------------------------------------------------------
// WebSocket client of /ws/chat/<room>/chat/

type wsClient struct {
	Conn   *websocket.Conn
	raw    net.Conn // the TCP connection, to drop it abruptly
	frames chan []byte
	ended  chan struct{}
	err    error // why reading ended; set before ended is closed
	label  string
}

func (c *wsClient) String() string { return c.label }

// dialWS opens a room WebSocket with ?token= (none when token is "") and
// reads it in the background.
func (s *liveServer) dialWS(t testing.TB, label, room, tok string) *wsClient {
	t.Helper()
	u := "ws" + strings.TrimPrefix(s.URL, "http") + "/ws/chat/" + room + "/chat/"
	if tok != "" {
		u += "?token=" + url.QueryEscape(tok)
	}
	return dialURL(t, label, u, nil)
}

func dialURL(t testing.TB, label, u string, header http.Header) *wsClient {
	t.Helper()
	raw := make(chan net.Conn, 1)
	transport := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				select {
				case raw <- conn:
				default:
				}
			}
			return conn, err
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	watchdog := time.AfterFunc(wait, cancel)
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: transport},
		HTTPHeader: header,
	})
	watchdog.Stop()
	if err != nil {
		cancel()
		t.Fatalf("dial %s: %v", u, err)
	}
	conn.SetReadLimit(32 << 20)
	c := &wsClient{Conn: conn, raw: <-raw, frames: make(chan []byte, 8192), ended: make(chan struct{}), label: "WS " + label}
	go func() {
		defer close(c.ended)
		defer close(c.frames)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				c.err = err
				return
			}
			c.frames <- data
		}
	}()
	t.Cleanup(func() {
		conn.CloseNow()
		<-c.ended
		cancel()
	})
	return c
}

func (c *wsClient) next(d time.Duration) (frame, bool) {
	if d <= 0 {
		d = time.Millisecond
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case data, ok := <-c.frames:
		if !ok {
			return nil, false
		}
		f := frame{}
		if err := json.Unmarshal(data, &f); err != nil {
			f = frame{"_raw": string(data)}
		}
		return f, true
	case <-timer.C:
		return nil, false
	}
}

// nextRaw is the next frame as sent.
func (c *wsClient) nextRaw(t testing.TB) []byte {
	t.Helper()
	select {
	case data, ok := <-c.frames:
		if !ok {
			t.Fatalf("%s ended (%v) while a frame was due", c, c.err)
		}
		return data
	case <-time.After(wait):
		t.Fatalf("%s: no frame within %v", c, wait)
	}
	return nil
}

// send writes one text frame.
func (c *wsClient) send(t testing.TB, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Conn.Write(ctx, websocket.MessageText, []byte(data)); err != nil {
		t.Fatalf("%s: write: %v", c, err)
	}
}

// sendMessage writes a chat.message frame and waits for its echo; it
// returns the frames received up to the echo.
func (c *wsClient) sendMessage(t testing.TB, text string) []frame {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"type": chat.TypeMessage, "message": text})
	c.send(t, string(raw))
	return untilText(t, c, text)
}

// closedWith waits until the server closes the connection and returns the
// close code (-1 when it ended without a close frame) and the frames that
// came before the close.
func (c *wsClient) closedWith(t testing.TB) (websocket.StatusCode, []frame) {
	t.Helper()
	return c.closedWithin(t, 3*wait)
}

// closedWithin is closedWith with a deadline of its own.
func (c *wsClient) closedWithin(t testing.TB, d time.Duration) (websocket.StatusCode, []frame) {
	t.Helper()
	var before []frame
	deadline := time.After(d)
	for {
		select {
		case data, ok := <-c.frames:
			if !ok {
				return websocket.CloseStatus(c.err), before
			}
			f := frame{}
			if err := json.Unmarshal(data, &f); err != nil {
				f = frame{"_raw": string(data)}
			}
			before = append(before, f)
		case <-deadline:
			t.Fatalf("%s: the server did not close the connection within %v", c, d)
		}
	}
}

// dropTCP closes the TCP connection without a close handshake.
func (c *wsClient) dropTCP() { c.raw.Close() }

// closeNormally performs the close handshake.
func (c *wsClient) closeNormally(t testing.TB) {
	t.Helper()
	err := c.Conn.Close(websocket.StatusNormalClosure, "bye")
	if err != nil && !errors.Is(err, net.ErrClosed) {
		t.Logf("%s: close: %v", c, err)
	}
	<-c.ended
}
