package edge

import (
	"context"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/cluster"
)

const (
	wsReadLimit    = 64 << 10 // as the writer's: larger closes with 1009
	wsWriteTimeout = 10 * time.Second
	wsPingInterval = 20 * time.Second
)

// refusedUnavailable closes a connection the writer could not admit
// (unreachable): the client may try again.
var refusedUnavailable = chat.Admission{Code: int(websocket.StatusTryAgainLater), Reason: "server unavailable, try again"}

// unavailableFrame answers a client frame the writer could not take: it
// was not stored (never a silent drop).
var unavailableFrame = chat.EncodeErrorFrame("server_unavailable", "The server cannot take this now; nothing was stored. Try again.")

// socketToken is the member's token of a WebSocket request, as the
// writer reads it: ?token=, the Authorization header, or the login cookie
// (viaCookie: then the Origin must be this host).
func socketToken(r *http.Request) (token string, viaCookie bool) {
	if t := auth.RequestToken(r); t != "" {
		return t, false
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t, false
	}
	if c, err := r.Cookie(auth.AuthCookieName); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// roomSocket: GET /ws/chat/{room}/chat/, as on the writer (docs/API.md):
// refusals come after the upgrade as the same close codes; an admitted
// client is in the room before its handshake completes.
func (e *Edge) roomSocket(w http.ResponseWriter, r *http.Request) {
	roomId := r.PathValue("room")
	token, viaCookie := socketToken(r)
	a, followed := e.admitSocket(r, roomId, token, viaCookie)

	var s *edgeSocket
	if a.Code == 0 {
		s = e.newSocket(roomId, token, a)
		e.join(s.l)
	}
	release := func() {
		if s != nil {
			s.leave()
			e.slots.Give(a.UserId)
		}
		if followed {
			e.unfollow(roomId)
		}
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		release()
		return
	}
	if a.Code != 0 {
		defer c.CloseNow()
		_ = c.Close(websocket.StatusCode(a.Code), a.Reason)
		release()
		return
	}
	c.SetReadLimit(wsReadLimit)
	go func() {
		defer release()
		defer c.CloseNow()
		s.serve(c)
	}()
}

// admitSocket is the writer's admission of a room WebSocket (and whether
// the room's subject is now followed for it), or the refusal.
func (e *Edge) admitSocket(r *http.Request, roomId, token string, viaCookie bool) (chat.Admission, bool) {
	switch {
	case token == "":
		return chat.Admission{Code: int(chat.CloseUnauthenticated), Reason: "authentication required"}, false
	case viaCookie && !chat.SameOrigin(r):
		return chat.Admission{Code: int(chat.CloseForbidden), Reason: "cross-origin cookie authentication"}, false
	case !cluster.ValidRoomId(roomId):
		return chat.Admission{Code: int(chat.CloseUnknownRoom), Reason: "unknown room"}, false
	}
	if err := e.follow(roomId); err != nil {
		return refusedUnavailable, false
	}
	a, err := e.admit(token, roomId)
	switch {
	case err != nil:
		a = refusedUnavailable
	case a.Code == 0 && !e.slots.Take(a.UserId, e.limits.ConnectionsPerMember):
		a = chat.Admission{Code: int(chat.CloseTooManyConns), Reason: "too many connections"}
	}
	if a.Code != 0 {
		e.unfollow(roomId)
		return a, false
	}
	return a, true
}

// edgeSocket is one admitted room WebSocket on the edge.
type edgeSocket struct {
	edge   *Edge
	roomId string
	token  string
	l      *chat.Listener

	conn      *websocket.Conn
	ready     chan struct{} // closed once conn is set
	ctx       context.Context
	cancel    context.CancelFunc
	endOnce   sync.Once
	ended     chan struct{}
	endCode   websocket.StatusCode
	endReason string
	leaveOnce sync.Once
}

func (e *Edge) newSocket(roomId, token string, a chat.Admission) *edgeSocket {
	ctx, cancel := context.WithCancel(context.Background())
	s := &edgeSocket{edge: e, roomId: roomId, token: token, ready: make(chan struct{}), ctx: ctx, cancel: cancel, ended: make(chan struct{})}
	s.l = chat.NewEdgeListener(roomId, a, chat.TransportWebSocket, token, s.write,
		func() { s.end(websocket.StatusTryAgainLater, "dropped: reconnect and catch up") }, // too slow, events missed, the edge stopping
		func(code int, reason string) {
			s.leave() // at once: nothing more reaches it
			s.end(websocket.StatusCode(code), reason)
		})
	return s
}

func (s *edgeSocket) leave() {
	s.leaveOnce.Do(func() { s.edge.leave(s.l) })
}

// end closes the connection with code (once).
func (s *edgeSocket) end(code websocket.StatusCode, reason string) {
	s.endOnce.Do(func() {
		s.endCode, s.endReason = code, reason
		close(s.ended)
		go func() {
			select {
			case <-s.ready:
				_ = s.conn.Close(code, reason)
			case <-s.ctx.Done():
			}
			s.cancel()
		}()
	})
}

// write writes one frame; false when the connection is ending or the
// write failed.
func (s *edgeSocket) write(frame []byte) bool {
	select {
	case <-s.ended:
		return false
	case <-s.ready:
	}
	wctx, done := context.WithTimeout(s.ctx, wsWriteTimeout)
	defer done()
	if s.conn.Write(wctx, websocket.MessageText, frame) != nil {
		s.cancel()
		return false
	}
	return true
}

// serve reads the client's frames, each handled by the writer, until the
// connection ends.
func (s *edgeSocket) serve(c *websocket.Conn) {
	s.conn = c
	close(s.ready)
	defer s.cancel()
	s.l.Start()
	defer s.l.Stop()
	ping := time.AfterFunc(wsPingInterval, func() { s.keepAlive() })
	defer ping.Stop()
	for {
		kind, data, err := c.Read(s.ctx)
		if err != nil {
			return
		}
		switch {
		case kind != websocket.MessageText:
			s.end(websocket.StatusUnsupportedData, "binary frames are not accepted")
			<-s.ctx.Done()
			return
		case !utf8.Valid(data):
			s.end(websocket.StatusInvalidFramePayloadData, "text frames must be UTF-8")
			<-s.ctx.Done()
			return
		}
		if !s.handle(data) {
			<-s.ctx.Done()
			return
		}
	}
}

// handle sends a client frame to the writer; false when the answer ended
// the connection (access ended).
func (s *edgeSocket) handle(data []byte) bool {
	var reply cluster.FrameReply
	err := s.edge.request(cluster.FrameSubject, cluster.FrameRequest{Token: s.token, Room: s.roomId, Data: string(data)}, &reply)
	switch {
	case err != nil:
		s.write(unavailableFrame)
	case reply.Code != 0:
		s.l.Revoke(reply.Code, reply.Reason)
		return false
	case len(reply.Frame) > 0:
		s.write(reply.Frame)
	}
	return true
}

// keepAlive pings the client every wsPingInterval; one that does not
// answer in time is dropped.
func (s *edgeSocket) keepAlive() {
	pctx, done := context.WithTimeout(s.ctx, wsWriteTimeout)
	err := s.conn.Ping(pctx)
	done()
	if err != nil {
		s.cancel()
		return
	}
	select {
	case <-s.ctx.Done():
	default:
		time.AfterFunc(wsPingInterval, s.keepAlive)
	}
}
