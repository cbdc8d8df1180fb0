package hooks_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Whoever saves a message (here the app itself, as the dashboard or a
// migration would), an edit keeps the old text, a soft delete empties the
// row and takes its reactions and notifications along, and a deleted
// message does not come back.
func TestMessageEditInvariants(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	m := testutil.MustFind(t, app, "messages", testutil.MessageId)
	testutil.MustSave(t, app, "message_reactions", map[string]any{"message": m.Id, "user": testutil.AliceId, "emoji": "🎉"})
	testutil.MustSave(t, app, "notifications", map[string]any{"user": testutil.AliceId, "kind": "reply", "actor": testutil.BobId, "message": m.Id})
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"message": m.Id}, 1)

	// an update that does not touch the text is no edit
	m.Set("parent_chat", "")
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
	testutil.ExpectCount(t, app, "message_versions", nil, 0)

	m = testutil.MustFind(t, app, "messages", testutil.MessageId)
	m.Set("message", "edited")
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
	m = testutil.MustFind(t, app, "messages", testutil.MessageId)
	if m.GetDateTime("edited_at").IsZero() {
		t.Errorf("edited_at not set")
	}
	testutil.ExpectCount(t, app, "message_versions", dbx.HashExp{"change": "edit", "text": "안녕하세요!", "editor": testutil.BobId}, 1)

	m.Set("deleted_at", "2030-01-01 00:00:00.000Z")
	m.Set("mentions", []string{testutil.AliceId})
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
	m = testutil.MustFind(t, app, "messages", testutil.MessageId)
	if m.GetString("message") != "" || len(m.GetStringSlice("mentions")) != 0 || m.GetDateTime("deleted_at").IsZero() {
		t.Errorf("deleted message: message=%q mentions=%v deleted_at=%v", m.GetString("message"), m.GetStringSlice("mentions"), m.GetDateTime("deleted_at"))
	}
	testutil.ExpectCount(t, app, "message_versions", dbx.HashExp{"change": "delete", "text": "edited"}, 1)
	testutil.ExpectCount(t, app, "message_reactions", nil, 0)
	testutil.ExpectCount(t, app, "notifications", dbx.HashExp{"message": m.Id}, 0)

	for _, change := range []map[string]any{
		{"message": "back"},
		{"deleted_at": "", "message": "undeleted"},
		{"edited_at": "2031-01-01 00:00:00.000Z"},
		{"mentions": []string{testutil.AliceId}},
	} {
		m = testutil.MustFind(t, app, "messages", testutil.MessageId)
		for field, value := range change {
			m.Set(field, value)
		}
		err := app.Save(m)
		var gone *hooks.MessageGoneError
		var p *api.Problem
		if !errors.As(err, &gone) || !errors.Is(err, hooks.ErrGone) || !errors.As(err, &p) || p.Status != 404 {
			t.Errorf("update %v of a deleted message: %v, want a MessageGoneError (404)", change, err)
		}
	}
	m = testutil.MustFind(t, app, "messages", testutil.MessageId)
	if m.GetString("message") != "" || m.GetDateTime("deleted_at").IsZero() {
		t.Errorf("a deleted message changed: %v", m)
	}
	testutil.ExpectCount(t, app, "message_versions", nil, 2)

	// no reaction on a deleted message, whoever writes it
	r := testutil.NewRecord(t, app, "message_reactions", map[string]any{"message": m.Id, "user": testutil.AliceId, "emoji": "👍"})
	if err := app.Save(r); !errors.Is(err, hooks.ErrGone) {
		t.Errorf("reaction to a deleted message: %v, want ErrGone", err)
	}
	testutil.ExpectCount(t, app, "message_reactions", nil, 0)
}

func TestReactionLimits(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	emoji := []string{"😀", "😂", "😍", "😎", "😭", "😡", "👍", "👎", "👏", "🙏", "🔥", "💯", "🎉", "❤️", "🤔", "😴", "🥳", "🤯", "👀", "🚀", "🐍"}
	for i, e := range emoji[:hooks.MaxReactionEmoji] {
		user := []string{testutil.AliceId, testutil.BobId}[i%2]
		testutil.MustSave(t, app, "message_reactions", map[string]any{"message": testutil.MessageId, "user": user, "emoji": e})
	}
	// a 21st different emoji is refused; one already there is not
	r := testutil.NewRecord(t, app, "message_reactions", map[string]any{"message": testutil.MessageId, "user": testutil.CarolId, "emoji": emoji[20]})
	var tooMany *hooks.TooManyReactionsError
	if err := app.Save(r); !errors.As(err, &tooMany) {
		t.Errorf("21st emoji: %v, want TooManyReactionsError", err)
	}
	testutil.MustSave(t, app, "message_reactions", map[string]any{"message": testutil.MessageId, "user": testutil.CarolId, "emoji": emoji[0]})
	testutil.ExpectCount(t, app, "message_reactions", nil, hooks.MaxReactionEmoji+1)

	bad := testutil.NewRecord(t, app, "message_reactions", map[string]any{"message": testutil.MessageId, "user": testutil.DaveId, "emoji": "ok"})
	if err := app.Save(bad); err == nil || !errorsMention(err, "emoji") {
		t.Errorf("text as emoji: %v, want a validation error on emoji", err)
	}
}

func errorsMention(err error, field string) bool {
	return err != nil && strings.Contains(fmt.Sprint(err), field)
}

func TestIsEmoji(t *testing.T) {
	t.Parallel()
	yes := []string{
		"👍", "👍🏽", "❤️", "❤", "🇰🇷", "🇺🇸", "1️⃣", "#️⃣", "*⃣", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏻‍💻", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "☀️", "⭐", "©️", "🫠", "😀",
	}
	no := []string{
		"", " ", "a", "A", "가", "1", "#", "ok", "👍👍", "👍 ", " 👍", "🇰", "🇰🇷🇺🇸", "1️⃣2️⃣", "😀a", "a😀",
		"\u200d", "👍\u200d", "🏽", "️", "☺︎x", "<b>", "é", "\u0301",
	}
	for _, s := range yes {
		if !hooks.IsEmoji(s) {
			t.Errorf("IsEmoji(%q) = false, want true", s)
		}
	}
	for _, s := range no {
		if hooks.IsEmoji(s) {
			t.Errorf("IsEmoji(%q) = true, want false", s)
		}
	}
}
