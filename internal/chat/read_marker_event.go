package chat

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// ReadMarkerEvent is a member's read marker moved by a read (the read
// route or the chat.read frame): they have seen the room up to ReadSeq.
type ReadMarkerEvent struct {
	hook.Event
	App     core.App
	UserId  string
	RoomId  string
	ReadSeq int64
}

const readMarkerHookKey = "cobraChatReadMarkerHook"

// OnReadMarker is the hook triggered after a read moved a member's
// marker, so that what depends on having read a message (the
// notifications of messages now read) follows without chat knowing it.
func OnReadMarker(app core.App) *hook.Hook[*ReadMarkerEvent] {
	return app.Store().GetOrSet(readMarkerHookKey, func() any {
		return &hook.Hook[*ReadMarkerEvent]{}
	}).(*hook.Hook[*ReadMarkerEvent])
}

func triggerReadMarker(app core.App, userId string, st followState) {
	e := &ReadMarkerEvent{App: app, UserId: userId, RoomId: st.Room, ReadSeq: st.ReadSeq}
	if err := OnReadMarker(app).Trigger(e); err != nil {
		app.Logger().Error("chat: after a read marker moved", "error", err)
	}
}
