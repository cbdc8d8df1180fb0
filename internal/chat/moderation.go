package chat

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/cobraspace/cobraspace/internal/api"
)

// What chat knows of moderation (the actions themselves are
// internal/moderation's): who moderates a room, and the refusals of a
// muted member and of slow mode, in each API's shape.

// Moderates reports whether auth moderates room: a superuser anywhere;
// a member as the room's owner or an appointed moderator (room_moderators),
// never in a DM. It mirrors the "moderated" clause of the stored rules.
func Moderates(app core.App, room, auth *core.Record) bool {
	switch {
	case auth == nil:
		return false
	case auth.IsSuperuser():
		return true
	case auth.Collection().Name != api.MemberCollection, room.GetString("dm_key") != "":
		return false
	case room.GetString("owner") == auth.Id:
		return true
	}
	var n int
	err := app.DB().NewQuery("SELECT COUNT(*) FROM room_moderators WHERE room = {:room} AND user = {:user}").
		Bind(dbx.Params{"room": room.Id, "user": auth.Id}).Row(&n)
	return err == nil && n > 0
}

// MutedError refuses a write of a member muted in the room until Until
// (zero: for good). REST: 403 {"detail", "muted_until"}; the record API:
// 403; the WebSocket: a "muted" error frame.
type MutedError struct{ Until time.Time }

func (e *MutedError) Error() string { return e.message() }

func (e *MutedError) message() string {
	if e.Until.IsZero() {
		return "You are muted in this room for good."
	}
	minutes := max(1, int(math.Ceil(time.Until(e.Until).Minutes())))
	return fmt.Sprintf("You are muted in this room for %d more minutes.", minutes)
}

func (e *MutedError) until() any {
	if e.Until.IsZero() {
		return nil
	}
	return e.Until.UTC().Format("2006-01-02T15:04:05.000Z")
}

func (e *MutedError) As(target any) bool {
	switch t := target.(type) {
	case **api.Problem:
		*t = &api.Problem{Status: http.StatusForbidden, Body: map[string]any{"detail": e.message(), "muted_until": e.until()}}
		return true
	case **router.ApiError:
		*t = router.NewForbiddenError(e.message(), map[string]any{"muted_until": e.until()})
		return true
	}
	return false
}

func (e *MutedError) frame() []byte {
	return mustJSON(struct {
		ErrorType string `json:"error_type"`
		Message   string `json:"message"`
		Until     any    `json:"until"`
	}{"muted", e.message(), e.until()})
}

// SlowModeError refuses a message sent sooner than the room's slow mode
// allows. REST and the record API: 429 with Retry-After; the WebSocket: a
// "slow_mode" error frame.
type SlowModeError struct{ Wait time.Duration }

func (e *SlowModeError) seconds() int { return max(1, int(math.Ceil(e.Wait.Seconds()))) }

func (e *SlowModeError) Error() string {
	return fmt.Sprintf("Slow mode is on: wait %d seconds.", e.seconds())
}

func (e *SlowModeError) As(target any) bool {
	switch t := target.(type) {
	case **api.Problem:
		*t = &api.Problem{Status: http.StatusTooManyRequests, Body: map[string]any{"detail": e.Error()},
			Header: http.Header{"Retry-After": {strconv.Itoa(e.seconds())}}}
		return true
	case **router.ApiError:
		*t = router.NewTooManyRequestsError(e.Error(), nil)
		return true
	}
	return false
}

func (e *SlowModeError) frame() []byte {
	return mustJSON(struct {
		ErrorType  string `json:"error_type"`
		Message    string `json:"message"`
		RetryAfter int    `json:"retry_after"`
	}{"slow_mode", e.Error(), e.seconds()})
}
