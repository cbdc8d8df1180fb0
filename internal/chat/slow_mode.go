package chat

import (
	"errors"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/hooks"
)

// Slow mode (docs/API.md, "Moderation and member safety"): in a room whose
// slow_mode_seconds is set, a member sends at most one message every that
// many seconds; the room's moderators and superusers are exempt. It is a
// check of the messages insert, in its transaction, so every API obeys it:
// REST and the record API answer 429 with Retry-After, the WebSocket a
// "slow_mode" error frame (SlowModeError).

// slowModeExemptKey is the custom (never stored) key of a message record a
// superuser creates through the record API: slow mode does not apply.
const slowModeExemptKey = "@cobraSlowModeExempt"

// slowModeRefusedKey is the custom (never stored) key of a message record
// slow mode refused: the *SlowModeError, for the record API's Retry-After.
const slowModeRefusedKey = "@cobraSlowModeRefused"

func bindSlowMode(app core.App) {
	app.OnRecordCreateRequest("messages").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			e.Record.Set(slowModeExemptKey, true)
		}
		err := e.Next()
		// the record API answers the refusal as a *router.ApiError of
		// its own (SlowModeError.As): its wait is on the record
		if slow, ok := e.Record.Get(slowModeRefusedKey).(*SlowModeError); ok && err != nil {
			e.Response.Header().Set("Retry-After", strconv.Itoa(slow.seconds()))
		}
		return err
	})
	app.OnRecordCreateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := checkSlowMode(e.App, e.Record); err != nil {
				var slow *SlowModeError
				if errors.As(err, &slow) {
					e.Record.Set(slowModeRefusedKey, slow)
				}
				return err
			}
			return e.Next()
		})
	})
}

// checkSlowMode refuses the new message m with a *SlowModeError when its
// sender sent one in the room less than the room's slow_mode_seconds ago
// (their newest message there: a seek in the (room, sender, created)
// index).
func checkSlowMode(app core.App, m *core.Record) error {
	if exempt, _ := m.Get(slowModeExemptKey).(bool); exempt {
		return nil
	}
	senderId := m.GetString("sender")
	if senderId == "" {
		return nil
	}
	room, err := app.FindRecordById("rooms", m.GetString("room"))
	if err != nil {
		return nil // the room check of the insert answers
	}
	seconds := room.GetInt("slow_mode_seconds")
	if seconds <= 0 {
		return nil
	}
	var rows []struct {
		Created types.DateTime `db:"created"`
	}
	err = app.DB().Select("created").From("messages").
		Where(dbx.HashExp{"room": room.Id, "sender": senderId}).
		OrderBy("created DESC").Limit(1).All(&rows)
	if err != nil || len(rows) == 0 {
		return err
	}
	wait := time.Until(rows[0].Created.Time().Add(time.Duration(seconds) * time.Second))
	if wait <= 0 {
		return nil
	}
	sender, err := app.FindRecordById("users", senderId)
	if err == nil && Moderates(app, room, sender) {
		return nil
	}
	return &SlowModeError{Wait: wait}
}
