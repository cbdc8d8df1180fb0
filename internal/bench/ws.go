package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
)

// roomSocket is a client of the room WebSocket.
type roomSocket struct {
	conn   *websocket.Conn
	cancel context.CancelFunc
}

// wsDialClient makes each room WebSocket its own TCP connection (a
// hijacked connection never returns to a pool anyway).
var wsDialClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}

// dialRoomSocket opens /ws/chat/<room>/chat/ with the member's access token
// as "?token=" (docs/API.md) and calls onFrame with every text frame from
// the connection's own goroutine until it closes. The server admits the
// client to the room before the handshake completes, so it gets every frame
// sent after this returns.
func dialRoomSocket(ctx context.Context, baseURL, token, roomId string, onFrame func([]byte)) (*roomSocket, error) {
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/ws/chat/" + url.PathEscape(roomId) + "/chat/?token=" + url.QueryEscape(token)
	ctx, cancel := context.WithCancel(ctx)
	conn, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: wsDialClient})
	if err != nil {
		cancel()
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		return nil, fmt.Errorf("room WebSocket: %w (status %d)", err, status)
	}
	conn.SetReadLimit(1 << 20)
	go func() {
		defer conn.CloseNow()
		for {
			kind, data, err := conn.Read(ctx)
			if err != nil {
				return // closed by either side
			}
			if kind == websocket.MessageText {
				onFrame(data)
			}
		}
	}()
	return &roomSocket{conn: conn, cancel: cancel}, nil
}

func (s *roomSocket) Close() {
	s.cancel()
	s.conn.CloseNow()
}
