package chat

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// ErrRateLimited is returned (as a *RateLimitedError) when a member sends
// faster than allowed.
var ErrRateLimited = errors.New("rate limited")

// RateLimitedError is a refused send and when the next one may go.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string        { return ErrRateLimited.Error() }
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// RetrySeconds is RetryAfter rounded up to whole seconds, at least 1.
func (e *RateLimitedError) RetrySeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// SendMessage stores a member's message in a room they may read, through
// the group commit (group_commit.go; ErrBusy when its queue is full); live
// delivery follows from the messages hook once it is committed. The caller
// has checked the room access. Errors are api.Problems or ErrRateLimited.
// A blank or too long message (messages.message's limit as stored) is
// refused before it takes from the sender's rate budget. mentions are the
// ids the client asks to mention besides the text's "@nickname"s; the
// messages hooks (internal/notifications) keep those who may read the room.
func SendMessage(app core.App, sender, room *core.Record, text, parentChat string, mentions []string) (*core.Record, error) {
	if err := checkMessageText(app, text); err != nil {
		return nil, err
	}
	if ok, wait := sendAllowance(app, sender.Id); !ok {
		return nil, &RateLimitedError{RetryAfter: wait}
	}
	collection, err := app.FindCachedCollectionByNameOrId("messages")
	if err != nil {
		return nil, err
	}
	m := core.NewRecord(collection)
	m.Set("room", room.Id)
	m.Set("sender", sender.Id)
	m.Set("message", text)
	m.Set("parent_chat", parentChat)
	m.Set("message_type", "text")
	m.Set("mentions", mentions)
	if err := CommitterOf(app).Save(context.Background(), app, m); err != nil {
		return nil, api.FromValidation(err) // ErrBusy passes as it is
	}
	return m, nil
}

// maxMentionIds bounds the "mentions" a client may send (a message keeps
// at most 20 of them).
const maxMentionIds = 100

// readMentions reads the optional "mentions": a list of user id strings
// (a form body's single value counts as a list of one).
func readMentions(body *api.Body, fe api.FieldErrors) []string {
	raw, present := body.Data["mentions"]
	if !present || raw == nil {
		return nil
	}
	if s, ok := raw.(string); ok && body.Files != nil { // multipart or url-encoded
		return []string{s}
	}
	ids, ok := mentionIds(raw)
	if !ok {
		fe.Add("mentions", "Expected a list of user ids (at most 100).")
	}
	return ids
}

// mentionIds is raw as a list of at most maxMentionIds strings.
func mentionIds(raw any) ([]string, bool) {
	list, ok := raw.([]any)
	if !ok || len(list) > maxMentionIds {
		return nil, false
	}
	ids := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		ids = append(ids, s)
	}
	return ids, true
}

// checkMessageText refuses a blank or too long message text (the stored
// messages.message limit), as a sent and an edited message both are.
func checkMessageText(app core.App, text string) error {
	fe := api.FieldErrors{}
	switch max := api.TextMax(app, "messages", "message"); {
	case strings.TrimSpace(text) == "":
		fe.Add("message", "This field may not be blank.")
	case max > 0 && len([]rune(text)) > max:
		fe.Add("message", api.MaxLength(max))
	}
	return fe.Err()
}
