package chat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// Close codes of the room WebSocket: the original protocol's 4001/4003/
// 4004, 4029 for a member over their connection limit, and RFC 6455's
// 1003/1007 for binary frames and text that is not UTF-8.
const (
	CloseUnauthenticated websocket.StatusCode = 4001
	CloseForbidden       websocket.StatusCode = 4003
	CloseUnknownRoom     websocket.StatusCode = 4004
	CloseTooManyConns    websocket.StatusCode = 4029
	CloseKicked          websocket.StatusCode = 4008 // a moderator kicked the member (they may come back)
	CloseBanned          websocket.StatusCode = 4009 // banned from the room, until the ban ends
)

const (
	wsReadLimit    = 64 << 10 // a frame larger than this closes with 1009
	wsWriteTimeout = 10 * time.Second
	wsPingInterval = 20 * time.Second // finds dropped TCP connections
	msgBadFormat   = "Invalid message format."
)

// wsAuth finds the member of a WebSocket request and the token they came
// with: "?token=", the Authorization header (already loaded by
// PocketBase), or the login cookie. viaCookie tells the caller to check the
// Origin (cookies ride along on cross-site requests; tokens do not).
func wsAuth(e *core.RequestEvent) (member *core.Record, token string, viaCookie bool) {
	if m := api.Member(e); m != nil {
		return m, auth.RequestToken(e.Request), false
	}
	if token := e.Request.URL.Query().Get("token"); token != "" {
		return auth.MemberFromToken(e.App, token), token, false
	}
	if c, err := e.Request.Cookie(auth.AuthCookieName); err == nil && c.Value != "" {
		return auth.MemberFromToken(e.App, c.Value), c.Value, true
	}
	return nil, "", false
}

// SameOrigin reports whether a browser request comes from this host (a
// cookie-authenticated WebSocket must).
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// roomSocket: GET /ws/chat/{room}/chat/ — the original room protocol.
// Refusals happen after the upgrade, as close codes browsers can read:
// 4001 no valid auth, 4004 unknown room, 4003 a room one may not read,
// 4029 over the member's connection limit. An admitted client joins the
// room before its handshake completes, so it misses nothing sent after its
// "open" event. Its access is checked again before every frame it sends is
// stored, and whenever something it relies on ends (Revalidate).
func roomSocket(e *core.RequestEvent) error {
	app := e.App
	member, token, viaCookie := wsAuth(e)
	room, refused := admitToRoom(e, member, viaCookie)
	if !refused.refused() && !slotsOf(app).Take(member.Id, limits.Of(app).ConnectionsPerMember) {
		refused = refusal{CloseTooManyConns, "too many connections"}
	}

	var s *socket
	if !refused.refused() {
		s = newSocket(app, room, member, token)
		Join(app, s.l)
	}
	// what an admitted connection holds until it ends (its slot, its
	// place in the room), released by the goroutine serving it, or here
	// when it never starts
	release := func() {
		if s != nil {
			Leave(app, s.l)
			slotsOf(app).Give(member.Id)
		}
	}

	c, err := websocket.Accept(leanResponse{e.Response}, e.Request, &websocket.AcceptOptions{
		InsecureSkipVerify: true, // token clients may be on any origin; cookie clients are checked in admitToRoom
	})
	if err != nil {
		release()
		return nil // Accept has answered the bad handshake
	}
	if refused.refused() {
		defer c.CloseNow()
		return c.Close(refused.code, refused.reason)
	}
	c.SetReadLimit(wsReadLimit)
	// The handler returns now, and with it net/http's goroutine for the
	// connection, its (deep) stack and its buffers: an idle WebSocket
	// holds one goroutine that reads, and nothing else (see serve).
	go func() {
		defer release()
		defer c.CloseNow()
		defer func() {
			if r := recover(); r != nil {
				app.Logger().Error("chat: a room WebSocket panicked", "room", s.roomId, "panic", fmt.Sprint(r))
			}
		}()
		s.serve(c)
	}()
	return nil
}

// leanResponse is the handshake's ResponseWriter for websocket.Accept: its
// Hijack hands the connection over with read and write buffers of
// wsReadBuffer and wsWriteBuffer bytes instead of net/http's 4 KiB each,
// which the WebSocket would keep for its whole life. (A client that sent
// bytes past its handshake before the answer keeps net/http's buffers,
// bytes and all.)
type leanResponse struct{ http.ResponseWriter }

const (
	wsReadBuffer  = 512  // client frames are small; bigger ones are read straight through
	wsWriteBuffer = 1024 // a typical room frame and its header in one write
)

func (w leanResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		return conn, brw, err
	}
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, wsReadBuffer), bufio.NewWriterSize(conn, wsWriteBuffer)), nil
}

func (w leanResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// admitToRoom is the room the client may read, or why not.
func admitToRoom(e *core.RequestEvent, member *core.Record, viaCookie bool) (*core.Record, refusal) {
	if member == nil {
		return nil, refusedAuth
	}
	if viaCookie && !SameOrigin(e.Request) {
		return nil, refusal{CloseForbidden, "cross-origin cookie authentication"}
	}
	room, err := e.App.FindRecordById("rooms", e.Request.PathValue("room"))
	if err != nil {
		return nil, refusedRoomGone
	}
	if !CanReadRoom(e.App, room, member) {
		return nil, unreadable(e.App, room, member)
	}
	return room, refusal{}
}

// socket is one admitted room WebSocket. While idle it holds one
// goroutine, reading (serve); room frames, its own error frames and the
// keep-alive pings are written by goroutines started when something is
// due, which end once it is written (the conn serializes their writes).
type socket struct {
	app    core.App
	roomId string
	l      *Listener

	conn    atomic.Pointer[websocket.Conn]
	ctx     context.Context    // the connection's life
	cancel  context.CancelFunc // drops it now (a failed write, a slow client)
	ended   chan struct{}      // closed once the server decided to close it
	endOnce sync.Once
	endWith refusal

	direct  *outQueue // error frames for this client only
	limited *outQueue // a rate_limited frame is due (coalesced: one at a time)
	ping    *time.Timer
}

// directBuffer bounds the error frames waiting for a client; beyond it
// they are dropped (the client is not reading them), never a disconnect.
const directBuffer = 64

func newSocket(app core.App, room, member *core.Record, token string) *socket {
	ctx, cancel := context.WithCancel(context.Background())
	s := &socket{
		app: app, roomId: room.Id,
		ctx: ctx, cancel: cancel,
		ended: make(chan struct{}),
	}
	s.direct = newOutQueue(directBuffer, s.write)
	s.limited = newOutQueue(1, s.write)
	s.l = newPushListener(room.Id, member.Id, member.GetString("nickname"), s.write, func() {
		s.end(refusal{websocket.StatusTryAgainLater, "too slow: dropped"})
		s.cancel()
	})
	s.l.transport = TransportWebSocket
	s.l.token = token
	s.l.revoke = func(code int, reason string) {
		Leave(app, s.l) // at once: nothing more reaches it
		s.end(refusal{websocket.StatusCode(code), reason})
	}
	return s
}

// end closes the connection with r's code (once), without waiting for
// the client's half of the closing handshake.
func (s *socket) end(r refusal) {
	s.endOnce.Do(func() {
		s.endWith = r
		close(s.ended)
	})
	if c := s.conn.Load(); c != nil {
		go c.Close(s.endWith.code, s.endWith.reason)
	}
}

// write writes one frame (any writer's); false when the connection is
// ending or the write failed (the connection is then dropped). Nothing is
// written once the server decided to close it.
func (s *socket) write(frame []byte) bool {
	select {
	case <-s.ended:
		return false
	default:
	}
	wctx, done := context.WithTimeout(s.ctx, wsWriteTimeout)
	defer done()
	if s.conn.Load().Write(wctx, websocket.MessageText, frame) != nil {
		s.cancel()
		return false
	}
	return true
}

// keepAlive pings the client every wsPingInterval (a timer, no goroutine
// between pings); one that does not answer in time is dropped.
func (s *socket) keepAlive() {
	select {
	case <-s.ended:
		return
	case <-s.ctx.Done():
		return
	default:
	}
	c := s.conn.Load()
	pctx, done := context.WithTimeout(s.ctx, wsWriteTimeout)
	err := c.Ping(pctx)
	done()
	if err != nil {
		select {
		case <-s.ended: // the server is closing it: leave the close frame be
		default:
			c.CloseNow()
			s.cancel()
		}
		return
	}
	s.ping.Reset(wsPingInterval)
}

// serve reads the client's frames until the connection ends; the frames
// queued for it meanwhile start going out now.
func (s *socket) serve(conn *websocket.Conn) {
	s.conn.Store(conn)
	defer s.cancel()
	select {
	case <-s.ended: // ended before the handshake completed
		conn.Close(s.endWith.code, s.endWith.reason)
		return
	default:
	}
	s.l.start()
	s.direct.start()
	s.limited.start()
	s.ping = time.AfterFunc(wsPingInterval, s.keepAlive)
	defer s.ping.Stop()
	defer s.l.stop()

	defer func() {
		select {
		case <-s.ended: // let the close frame go out before the connection is let go
			conn.Close(s.endWith.code, s.endWith.reason)
		default:
		}
	}()
	for {
		kind, data, err := conn.Read(s.ctx)
		if err != nil {
			return // closed, dropped, too large (1009) or cancelled
		}
		switch {
		case kind != websocket.MessageText:
			s.end(refusal{websocket.StatusUnsupportedData, "binary frames are not accepted"})
			return
		case !utf8.Valid(data):
			s.end(refusal{websocket.StatusInvalidFramePayloadData, "text frames must be UTF-8"})
			return
		}
		// access may have ended since the last frame: check before storing
		member, room, refused := roomAccess(s.app, s.l.token, s.roomId)
		if refused.refused() {
			s.l.revoke(int(refused.code), refused.reason)
			return
		}
		s.reply(handleClientFrame(s.app, room, member, data))
	}
}

// reply queues an error frame for this client; rate-limit errors are
// coalesced into one pending frame, others dropped when the client lets
// them pile up.
func (s *socket) reply(frame []byte) {
	switch {
	case frame == nil:
	case bytes.Equal(frame, rateLimitedFrame):
		s.limited.push(rateLimitedFrame) // refused: one is already due
	default:
		s.direct.push(frame) // refused: directBuffer are waiting
	}
}

type clientFrame struct {
	Type       string `json:"type"`
	Message    any    `json:"message"`
	ParentChat any    `json:"parent_chat"`
}

// frameHandler handles one client frame type: it returns the error frame
// for this client, or nil. The caller has checked the room access.
type frameHandler func(app core.App, room, member *core.Record, data []byte) []byte

// clientFrameHandlers are the frames a WebSocket client may send, by type.
var clientFrameHandlers = map[string]frameHandler{
	TypeMessage:  handleMessageFrame,
	TypeEdit:     handleEditFrame,
	TypeDelete:   handleDeleteFrame,
	TypeReaction: handleReactionFrame,
	TypeTyping:   handleTypingFrame,
	TypeRead:     handleReadFrame,
}

// handleClientFrame dispatches a client frame by its "type"; anything else
// gets the documented invalid_request error frame.
func handleClientFrame(app core.App, room, member *core.Record, data []byte) []byte {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	handle, ok := clientFrameHandlers[head.Type]
	if !ok {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	return handle(app, room, member, data)
}

// handleMessageFrame stores a {"type":"chat.message","message":...,
// "parent_chat"?, "mentions"?: ["<user id>", ...]} frame (its echo reaches the sender through the room like everyone else's).
func handleMessageFrame(app core.App, room, member *core.Record, data []byte) []byte {
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	text, ok := f.Message.(string)
	if !ok {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	parent, ok := f.ParentChat.(string)
	if f.ParentChat != nil && !ok {
		return encodeErrorFrame("invalid_request", msgBadFormat)
	}
	var extra struct {
		Mentions any `json:"mentions"` // optional: ["<user id>", ...]
	}
	_ = json.Unmarshal(data, &extra) // it decoded as an object above
	var mentions []string
	if extra.Mentions != nil {
		if mentions, ok = mentionIds(extra.Mentions); !ok {
			return mustJSON(errorFrame{ErrorType: "invalid_request", Message: msgBadFormat,
				Errors: json.RawMessage(`{"mentions":["Expected a list of user ids (at most 100)."]}`)})
		}
	}
	_, err := SendMessage(app, member, room, text, parent, mentions)
	return errorFrameOf(app, err)
}

// errorFrameOf is the error frame of a refused client frame (nil when err
// is nil): rate_limited, invalid_request with the REST answer's field
// errors, not_found / forbidden for a Problem with that status, or
// server_error (logged).
func errorFrameOf(app core.App, err error) []byte {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRateLimited):
		return rateLimitedFrame
	case errors.Is(err, ErrBusy):
		return busyFrame
	}
	var muted *MutedError
	if errors.As(err, &muted) {
		return muted.frame()
	}
	var slow *SlowModeError
	if errors.As(err, &slow) {
		return slow.frame()
	}
	var p *api.Problem
	if errors.As(err, &p) {
		switch p.Status {
		case http.StatusNotFound:
			return encodeErrorFrame("not_found", "Not found.")
		case http.StatusForbidden:
			return encodeErrorFrame("forbidden", "You do not have permission to do this.")
		case http.StatusTooManyRequests:
			return rateLimitedFrame
		}
		if b, jerr := json.Marshal(p.Body); jerr == nil {
			return mustJSON(errorFrame{ErrorType: "invalid_request", Message: msgBadFormat, Errors: b})
		}
	}
	app.Logger().Error("chat: a WebSocket frame failed", "error", err)
	return encodeErrorFrame("server_error", "The request could not be completed.")
}
