package chat

import (
	"github.com/pocketbase/pocketbase/core"
)

// ModerationEntry is a moderation_log row: who (Actor; "" for a superuser
// or the system) did what (Action) in which room, to whom (Target) and
// which message, why, with the action's Detail (e.g. {"minutes": 60}).
type ModerationEntry struct {
	Room, Actor, Action, Target, Message, Reason string
	Detail                                       map[string]any
}

// WriteModerationLog stores entry (in app's transaction, if any). Every
// moderation action writes one, whichever package carries it out.
func WriteModerationLog(app core.App, entry ModerationEntry) error {
	c, err := app.FindCachedCollectionByNameOrId("moderation_log")
	if err != nil {
		return err
	}
	r := core.NewRecord(c)
	r.Set("room", entry.Room)
	r.Set("actor", entry.Actor)
	r.Set("action", entry.Action)
	r.Set("target", entry.Target)
	r.Set("message", entry.Message)
	r.Set("reason", entry.Reason)
	if entry.Detail == nil {
		entry.Detail = map[string]any{}
	}
	r.Set("detail", entry.Detail)
	return app.Save(r)
}
