package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/rivo/uniseg"

	"github.com/cobraspace/cobraspace/internal/api"
)

// MaxReactionEmoji is how many different emoji one message may carry.
const MaxReactionEmoji = 20

// Documented field errors of a reaction.
const (
	MsgNotOneEmoji       = "Enter exactly one emoji."
	MsgTooManyReactions  = "A message may carry at most 20 different reactions."
	codeNotOneEmoji      = "validation_emoji"
	codeTooManyReactions = "validation_too_many_reactions"
)

// bindReactionHooks keeps message_reactions valid whichever API writes
// them: the emoji is exactly one emoji, and, inside the insert's
// transaction (so concurrent reactions cannot pass it together), the
// message exists, is not deleted, and carries at most MaxReactionEmoji
// different emoji.
func bindReactionHooks(app core.App) {
	app.OnRecordValidate("message_reactions").BindFunc(func(e *core.RecordEvent) error {
		if !IsEmoji(e.Record.GetString("emoji")) {
			return validation.Errors{"emoji": validation.NewError(codeNotOneEmoji, MsgNotOneEmoji)}
		}
		return e.Next()
	})
	app.OnRecordCreateExecute("message_reactions").BindFunc(func(e *core.RecordEvent) error {
		return InTransaction(e, func(e *core.RecordEvent) error {
			if err := CheckReactionAllowed(e.App, e.Record.GetString("message"), e.Record.GetString("emoji")); err != nil {
				return err
			}
			return e.Next()
		})
	})
}

// CheckReactionAllowed checks, as stored now (call it in the insert's
// transaction), that a reaction with emoji may be added to the message:
// a MessageGoneError when the message is gone or deleted, a
// TooManyReactionsError when it carries MaxReactionEmoji other emoji.
func CheckReactionAllowed(app core.App, messageId, emoji string) error {
	var deletedAt string
	err := app.DB().Select("deleted_at").From("messages").Where(dbx.HashExp{"id": messageId}).Row(&deletedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return &MessageGoneError{Id: messageId}
	}
	if err != nil {
		return err
	}
	if deletedAt != "" {
		return &MessageGoneError{Id: messageId, Deleted: true}
	}
	var distinct, same int
	err = app.DB().NewQuery("SELECT COUNT(DISTINCT emoji), COALESCE(SUM(emoji = {:emoji}), 0) FROM message_reactions WHERE message = {:message}").
		Bind(dbx.Params{"message": messageId, "emoji": emoji}).Row(&distinct, &same)
	if err != nil {
		return err
	}
	if same == 0 && distinct >= MaxReactionEmoji {
		return &TooManyReactionsError{Message: messageId}
	}
	return nil
}

// TooManyReactionsError is a reaction refused because its message carries
// MaxReactionEmoji other emoji already: 400 {"emoji": [...]} in each API's
// shape.
type TooManyReactionsError struct{ Message string }

func (e *TooManyReactionsError) Error() string {
	return fmt.Sprintf("message %s carries %d different reactions already", e.Message, MaxReactionEmoji)
}

func (e *TooManyReactionsError) As(target any) bool {
	switch t := target.(type) {
	case **api.Problem:
		*t = api.FieldError("emoji", MsgTooManyReactions)
		return true
	case **router.ApiError:
		*t = router.NewApiError(http.StatusBadRequest, "Failed to create record.", validation.Errors{
			"emoji": validation.NewError(codeTooManyReactions, MsgTooManyReactions),
		})
		return true
	}
	return false
}

// IsEmoji reports whether s is exactly one emoji: one grapheme cluster
// that is a pictograph (with an optional presentation selector, skin tone
// modifiers, tag sequence, or pictographs joined by ZWJ), a pair of
// regional indicators (a flag) or a keycap. Letters, digits alone, other
// text, "" and several emoji are not.
func IsEmoji(s string) bool {
	if s == "" {
		return false
	}
	cluster, rest, _, _ := uniseg.FirstGraphemeClusterInString(s, -1)
	if rest != "" {
		return false
	}
	r := []rune(cluster)
	switch {
	case isRegionalIndicator(r[0]):
		return len(r) == 2 && isRegionalIndicator(r[1])
	case r[0] == '#' || r[0] == '*' || (r[0] >= '0' && r[0] <= '9'):
		// keycap: the character, an optional VS16, the enclosing keycap
		return (len(r) == 2 && r[1] == 0x20E3) || (len(r) == 3 && r[1] == 0xFE0F && r[2] == 0x20E3)
	case !isPictographic(r[0]):
		return false
	}
	for i := 1; i < len(r); i++ {
		switch c := r[i]; {
		case c == 0xFE0F, isSkinTone(c): // emoji presentation, skin tones
		case c >= 0xE0020 && c <= 0xE007F: // tag sequence (subdivision flags)
		case c == 0x200D: // ZWJ: a pictograph must follow
			if i+1 >= len(r) || !isPictographic(r[i+1]) {
				return false
			}
			i++
		default:
			return false
		}
	}
	return true
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

func isSkinTone(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }

// isPictographic is an approximation of Extended_Pictographic: the emoji
// blocks and the older symbols that have emoji forms.
func isPictographic(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF && !isRegionalIndicator(r) && !isSkinTone(r):
		return true
	case r >= 0x2600 && r <= 0x27BF, // misc symbols, dingbats
		r >= 0x2300 && r <= 0x23FF, // misc technical (⌚ ⏰)
		r >= 0x2B00 && r <= 0x2BFF, // ⬆ ⭐ ⭕
		r >= 0x2190 && r <= 0x21FF, // arrows
		r >= 0x25A0 && r <= 0x25FF, // geometric shapes (▶ ◀)
		r >= 0x2934 && r <= 0x2935:
		return true
	}
	switch r {
	case 0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x24C2, 0x3030, 0x303D, 0x3297, 0x3299:
		return true
	}
	return false
}
