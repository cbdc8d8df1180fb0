package chat

import (
	"net/http"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// Typing notices (docs/API.md, "Typing"): the chat.typing WebSocket frame
// and POST /api/chat/room/<id>/typing/ tell the room's other listeners
// that a member is typing. Nothing is stored; the typist's own
// connections never get it; at most one per member and room goes out
// every TypingInterval (extra ones are accepted and dropped).

// TypingInterval is the least time between two typing notices of a member
// in a room.
const TypingInterval = 3 * time.Second

// typingFrame is the live typing notice.
type typingFrame struct {
	Type     string `json:"type"` // TypeTyping
	Username string `json:"username"`
	UserId   string `json:"user_id"`
	Room     string `json:"room"`
}

func bindTypingRoutes(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/chat")
		api.Handle(g, http.MethodPost, "/room/{id}/typing", api.RequireMember(postTyping))
		return se.Next()
	})
}

// postTyping: POST /api/chat/room/{id}/typing/ — 204.
func postTyping(e *core.RequestEvent, me *core.Record) error {
	room, err := readableRoom(e, me, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	Typing(e.App, room, me)
	return e.NoContent(http.StatusNoContent)
}

// handleTypingFrame: {"type": "chat.typing"} (the caller checked the
// room access).
func handleTypingFrame(app core.App, room, member *core.Record, data []byte) []byte {
	Typing(app, room, member)
	return nil
}

// Typing tells the other listeners of a room the member may read that
// they are typing, unless they did so less than TypingInterval ago.
func Typing(app core.App, room, member *core.Record) {
	if !typingThrottleOf(app).allow(member.Id+"/"+room.Id, time.Now()) {
		return
	}
	frame := mustJSON(typingFrame{Type: TypeTyping, Username: member.GetString("nickname"), UserId: member.Id, Room: room.Id})
	HubOf(app).PublishExcept(room.Id, member.Id, frame)
}

type typingThrottle struct {
	mu       sync.Mutex
	last     map[string]time.Time // member/room → last notice sent
	interval time.Duration        // TypingInterval; tests may lengthen it
}

const typingStoreKey = "cobraChatTyping"

func typingThrottleOf(app core.App) *typingThrottle {
	return app.Store().GetOrSet(typingStoreKey, func() any {
		return &typingThrottle{last: map[string]time.Time{}, interval: TypingInterval}
	}).(*typingThrottle)
}

func (t *typingThrottle) allow(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[key]; ok && now.Sub(last) < t.interval {
		return false
	}
	if len(t.last) > 100_000 {
		for k, at := range t.last {
			if now.Sub(at) >= t.interval {
				delete(t.last, k)
			}
		}
	}
	t.last[key] = now
	return true
}
