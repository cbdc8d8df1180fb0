package hooks

import (
	"github.com/pocketbase/pocketbase/core"
)

// ownerFields names, per collection, the relation that must be the member
// making the request. The API rules refuse a body naming someone else; this
// hook fills it in when the body leaves it out. Superusers (dashboard) may
// set it freely.
var ownerFields = map[string]string{
	"posts":    "writer",
	"rooms":    "owner",
	"messages": "sender",
	"friends":  "user",

	"message_reactions": "user",
	"blocks":            "user",
	"reports":           "reporter",
	"room_moderators":   "by",
	"room_mutes":        "by",
	"room_bans":         "by",
}

func bindOwnershipHooks(app core.App) {
	for collection, field := range ownerFields {
		app.OnRecordCreateRequest(collection).BindFunc(func(e *core.RecordRequestEvent) error {
			if e.Auth != nil && !e.HasSuperuserAuth() && e.Auth.Collection().Name == "users" {
				e.Record.Set(field, e.Auth.Id)
			}
			return e.Next()
		})
	}
}
