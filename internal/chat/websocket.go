package chat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/users"
)

// Close codes of the room WebSocket (the original protocol's).
const (
	CloseUnauthenticated websocket.StatusCode = 4001
	CloseForbidden       websocket.StatusCode = 4003
	CloseUnknownRoom     websocket.StatusCode = 4004
)

const (
	wsReadLimit    = 64 << 10 // a frame larger than this closes with 1009
	wsWriteTimeout = 10 * time.Second
	wsPingInterval = 20 * time.Second // finds dropped TCP connections
	msgBadFormat   = "Invalid message format."
)

// wsAuth finds the member of a WebSocket request: "?token=", the
// Authorization header (already loaded by PocketBase), or the login cookie.
// viaCookie tells the caller to check the Origin (cookies ride along on
// cross-site requests; tokens do not).
func wsAuth(e *core.RequestEvent) (member *core.Record, viaCookie bool) {
	if m := api.Member(e); m != nil {
		return m, false
	}
	if token := e.Request.URL.Query().Get("token"); token != "" {
		return memberFromToken(e.App, token), false
	}
	if c, err := e.Request.Cookie(users.AuthCookieName); err == nil && c.Value != "" {
		return memberFromToken(e.App, c.Value), true
	}
	return nil, false
}

func memberFromToken(app core.App, token string) *core.Record {
	record, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth)
	if err != nil || record.Collection().Name != api.MemberCollection || !users.AccessTokenValid(app, record, token) {
		return nil
	}
	return record
}

func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// roomSocket: GET /ws/chat/{room}/chat/ — the original room protocol.
// Refusals happen after the upgrade, as close codes browsers can read:
// 4001 no valid auth, 4004 unknown room, 4003 a room one may not read.
// An admitted client joins the room before its handshake completes, so it
// misses nothing sent after its "open" event.
func roomSocket(e *core.RequestEvent) error {
	member, viaCookie := wsAuth(e)
	room, code, reason := admitToRoom(e, member, viaCookie)

	var conn atomic.Pointer[websocket.Conn]
	var l *Listener
	if room != nil {
		l = NewListener(room.Id, member.Id, member.GetString("nickname"), func() {
			if c := conn.Load(); c != nil {
				c.Close(websocket.StatusTryAgainLater, "too slow: dropped")
			}
		})
		Join(e.App, l)
		defer Leave(e.App, l)
	}

	c, err := websocket.Accept(e.Response, e.Request, &websocket.AcceptOptions{
		InsecureSkipVerify: true, // token clients may be on any origin; cookie clients are checked in admitToRoom
	})
	if err != nil {
		return nil // Accept has answered the bad handshake
	}
	defer c.CloseNow()
	if room == nil {
		return c.Close(code, reason)
	}
	conn.Store(c)
	c.SetReadLimit(wsReadLimit)
	serveRoomSocket(e.App, c, room, member, l)
	return nil
}

// admitToRoom is the room the client may read, or the close code and
// reason refusing it.
func admitToRoom(e *core.RequestEvent, member *core.Record, viaCookie bool) (*core.Record, websocket.StatusCode, string) {
	if member == nil {
		return nil, CloseUnauthenticated, "authentication required"
	}
	if viaCookie && !sameOrigin(e.Request) {
		return nil, CloseForbidden, "cross-origin cookie authentication"
	}
	room, err := e.App.FindRecordById("rooms", e.Request.PathValue("room"))
	if err != nil {
		return nil, CloseUnknownRoom, "unknown room"
	}
	if !CanReadRoom(e.App, room, member) {
		return nil, CloseForbidden, "you may not read this room"
	}
	return room, 0, ""
}

func serveRoomSocket(app core.App, conn *websocket.Conn, room, member *core.Record, l *Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	direct := make(chan []byte, 4) // error frames for this client only
	go writeFrames(ctx, cancel, conn, l, direct)

	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return // closed, dropped, too large (1009) or cancelled
		}
		if frame := handleClientFrame(app, room, member, data); frame != nil {
			select {
			case direct <- frame:
			default: // the client is not reading its own errors: drop it
				conn.Close(websocket.StatusPolicyViolation, "too many errors")
				return
			}
		}
	}
}

// writeFrames is the connection's only writer: room frames, this client's
// error frames and keep-alive pings.
func writeFrames(ctx context.Context, cancel context.CancelFunc, conn *websocket.Conn, l *Listener, direct <-chan []byte) {
	defer cancel()
	ping := time.NewTicker(wsPingInterval)
	defer ping.Stop()
	write := func(frame []byte) bool {
		wctx, done := context.WithTimeout(ctx, wsWriteTimeout)
		defer done()
		return conn.Write(wctx, websocket.MessageText, frame) == nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.Done():
			return
		case frame := <-l.Frames():
			if !write(frame) {
				return
			}
		case frame := <-direct:
			if !write(frame) {
				return
			}
		case <-ping.C:
			pctx, done := context.WithTimeout(ctx, wsWriteTimeout)
			err := conn.Ping(pctx)
			done()
			if err != nil {
				conn.CloseNow()
				return
			}
		}
	}
}

type clientFrame struct {
	Type       string `json:"type"`
	Message    any    `json:"message"`
	ParentChat any    `json:"parent_chat"`
}

// handleClientFrame stores a {"type":"chat.message","message":...} frame
// (its echo reaches the sender through the room like everyone else's) and
// returns an error frame for anything else.
func handleClientFrame(app core.App, room, member *core.Record, data []byte) []byte {
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil || f.Type != TypeMessage {
		return ErrorFrame("invalid_request", msgBadFormat)
	}
	text, ok := f.Message.(string)
	if !ok {
		return ErrorFrame("invalid_request", msgBadFormat)
	}
	parent, ok := f.ParentChat.(string)
	if f.ParentChat != nil && !ok {
		return ErrorFrame("invalid_request", msgBadFormat)
	}
	_, err := SendMessage(app, member, room, text, parent)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRateLimited):
		return ErrorFrame("rate_limited", "You are sending messages too fast.")
	default:
		var p *api.Problem
		if errors.As(err, &p) {
			if b, jerr := json.Marshal(p.Body); jerr == nil {
				return mustJSON(map[string]any{"error_type": "invalid_request", "message": msgBadFormat, "errors": json.RawMessage(b)})
			}
		}
		app.Logger().Error("chat: storing a WebSocket message failed", "error", err)
		return ErrorFrame("server_error", "The message could not be stored.")
	}
}
