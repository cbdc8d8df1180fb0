package notifications

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/chat"
)

const (
	// MaxMentions is how many members one message may mention
	// (messages.mentions holds at most 20).
	MaxMentions = 20
	// maxMentionTokens bounds the "@nickname" tokens of a text that are
	// looked up; maxMentionIds the explicit ids a client sends that are
	// considered. Beyond them the rest are ignored.
	maxMentionTokens = 40
	maxMentionIds    = 40
	// maxRoomChecks bounds the candidates whose access to the room is
	// checked (one query each, inside the write's transaction).
	maxRoomChecks = 60
	// maxNicknameRunes: users.nickname holds at most 20 characters;
	// longer tokens cannot name anyone.
	maxNicknameRunes = 20
)

// mentionRequestKey is where the pre-validation hook keeps the ids a
// client put in "mentions" until the write's transaction resolves them.
// PocketBase never exports "@pbInternal" custom data.
const mentionRequestKey = "@pbInternalCobraMentionRequest"

// mentionRequest is what a create or update asked to mention explicitly.
type mentionRequest struct {
	ids []string
	// fromClient: the ids are the writer's ("mentions" was set on this
	// write); otherwise they are the kept explicit mentions of an edit.
	fromClient bool
}

// bindMentionHooks resolves messages.mentions on every create and update,
// whichever API writes the message: the client's ids are taken aside
// before validation (so 25 ids, unknown ids or outsiders' ids never fail
// the write: they are filtered), then resolved inside the write's
// transaction together with the text's "@nickname" tokens.
func bindMentionHooks(app core.App) {
	app.OnRecordCreate("messages").BindFunc(func(e *core.RecordEvent) error {
		e.Record.Set(mentionRequestKey, &mentionRequest{ids: e.Record.GetStringSlice("mentions"), fromClient: true})
		e.Record.Set("mentions", []string{})
		return e.Next()
	})
	app.OnRecordUpdate("messages").BindFunc(func(e *core.RecordEvent) error {
		if isDeleted(e.Record) {
			return e.Next() // a (soft) delete: nothing to resolve, nobody to notify
		}
		original := e.Record.Original()
		oldIds := original.GetStringSlice("mentions")
		newIds := e.Record.GetStringSlice("mentions")
		textChanged := e.Record.GetString("message") != original.GetString("message")
		mentionsChanged := !slices.Equal(oldIds, newIds)
		if !textChanged && !mentionsChanged {
			return e.Next()
		}
		req := &mentionRequest{ids: newIds, fromClient: mentionsChanged}
		e.Record.Set(mentionRequestKey, req)
		e.Record.Set("mentions", oldIds) // stored ids: valid as they are
		return e.Next()
	})
	app.OnRecordCreateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			req := takeMentionRequest(e.Record)
			if req == nil {
				req = &mentionRequest{}
			}
			room, sender := roomOf(e.App, e.Record), e.Record.GetString("sender")
			var mentioned []*core.Record
			if room != nil {
				var err error
				mentioned, err = resolveMentions(e.App, room, sender, e.Record.GetString("message"), req.ids)
				if err != nil {
					return err
				}
			}
			e.Record.Set("mentions", idsOf(mentioned))
			if err := e.Next(); err != nil {
				return err
			}
			if room == nil {
				return nil
			}
			return notifyNewMessage(e.App, e.Record, room, sender, mentioned)
		})
	})
	app.OnRecordUpdateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		req := takeMentionRequest(e.Record)
		if req == nil || isDeleted(e.Record) {
			return e.Next()
		}
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			room, sender := roomOf(e.App, e.Record), e.Record.GetString("sender")
			if room == nil {
				return e.Next()
			}
			original := e.Record.Original()
			old := original.GetStringSlice("mentions")
			explicit := req.ids
			var err error
			if !req.fromClient {
				// the edit names no ids: keep the mentions made by id
				// (those the old text does not name by nickname)
				explicit, err = mentionsNotInText(e.App, old, original.GetString("message"))
				if err != nil {
					return err
				}
			}
			mentioned, err := resolveMentions(e.App, room, sender, e.Record.GetString("message"), explicit)
			if err != nil {
				return err
			}
			e.Record.Set("mentions", idsOf(mentioned))
			if err := e.Next(); err != nil {
				return err
			}
			var added []*core.Record
			for _, u := range mentioned {
				if !slices.Contains(old, u.Id) {
					added = append(added, u)
				}
			}
			return notifyMentions(e.App, e.Record, room, sender, added)
		})
	})
}

func takeMentionRequest(m *core.Record) *mentionRequest {
	req, _ := m.Get(mentionRequestKey).(*mentionRequest)
	m.Set(mentionRequestKey, nil)
	return req
}

func isDeleted(m *core.Record) bool { return !m.GetDateTime("deleted_at").IsZero() }

// roomOf loads a message's room; nil when it is gone (the insert then
// fails on its own).
func roomOf(app core.App, m *core.Record) *core.Record {
	room, _ := app.FindRecordById("rooms", m.GetString("room"))
	return room
}

func idsOf(records []*core.Record) []string {
	ids := make([]string, len(records))
	for i, r := range records {
		ids[i] = r.Id
	}
	return ids
}

// MentionTokens are the distinct "@nickname" tokens of text, in order, at
// most maxMentionTokens: an "@" at the start or after a character that is
// not a letter or digit (so e-mail addresses mention nobody), then the
// characters up to the next space. A token ending in punctuation ("@bob,")
// also stands for itself without it ("bob,", then "bob"); both are looked up.
func MentionTokens(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(tok string) {
		key := strings.ToLower(tok)
		if tok == "" || seen[key] || len([]rune(tok)) > maxNicknameRunes {
			return
		}
		seen[key] = true
		out = append(out, tok)
	}
	runes := []rune(text)
	for i := 0; i < len(runes) && len(out) < maxMentionTokens; i++ {
		if runes[i] != '@' || (i > 0 && (unicode.IsLetter(runes[i-1]) || unicode.IsDigit(runes[i-1]))) {
			continue
		}
		j := i + 1
		for j < len(runes) && !unicode.IsSpace(runes[j]) && runes[j] != '@' {
			j++
		}
		tok := string(runes[i+1 : j])
		add(tok)
		if trimmed := strings.TrimRightFunc(tok, unicode.IsPunct); trimmed != tok {
			add(trimmed)
		}
		i = j - 1
	}
	if len(out) > maxMentionTokens {
		out = out[:maxMentionTokens]
	}
	return out
}

// usersByNicknames finds the members whose nickname equals one of tokens,
// ignoring case: an indexed lookup (idx_users_nickname_nocase, ASCII
// case-insensitive) of each token as typed, lower-, upper-cased and
// capitalized, then strings.EqualFold keeps the exact matches. (SQLite
// folds ASCII only: a nickname with other cased letters, e.g. "ÄrGer", is
// found when typed in one of those four forms of it.) Results follow the
// tokens' order.
func usersByNicknames(app core.App, tokens []string) ([]*core.Record, error) {
	if len(tokens) == 0 {
		return nil, nil
	}
	variants := []any{}
	seen := map[string]bool{}
	for _, t := range tokens {
		for _, v := range []string{t, strings.ToLower(t), strings.ToUpper(t), capitalized(t)} {
			if !seen[v] {
				seen[v] = true
				variants = append(variants, v)
			}
		}
	}
	found := []*core.Record{}
	if err := nicknameQuery(app, variants).All(&found); err != nil {
		return nil, err
	}
	var out []*core.Record
	for _, t := range tokens {
		for _, u := range found {
			if strings.EqualFold(u.GetString("nickname"), t) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// nicknameQuery selects the members whose nickname equals one of names,
// ignoring ASCII case, through idx_users_nickname_nocase.
func nicknameQuery(app core.App, names []any) *dbx.SelectQuery {
	return app.RecordQuery("users").
		AndWhere(dbx.NewExp("[[users.nickname]] COLLATE NOCASE IN ("+placeholders(len(names))+")", paramsOf(names))).
		Limit(int64(4 * maxMentionTokens))
}

// capitalized is s with its first letter upper-cased and the rest lower.
func capitalized(s string) string {
	r := []rune(strings.ToLower(s))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

func placeholders(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "{:p" + strconv.Itoa(i) + "}"
	}
	return strings.Join(parts, ", ")
}

func paramsOf(values []any) dbx.Params {
	p := dbx.Params{}
	for i, v := range values {
		p["p"+strconv.Itoa(i)] = v
	}
	return p
}

// resolveMentions is who a message mentions: the members its text names
// by nickname, then the explicit ids, each once; only existing members
// other than the sender who may read the room and did not block the
// sender, at most MaxMentions.
func resolveMentions(app core.App, room *core.Record, senderId, text string, explicit []string) ([]*core.Record, error) {
	byName, err := usersByNicknames(app, MentionTokens(text))
	if err != nil {
		return nil, err
	}
	ids := []string{}
	seenId := map[string]bool{}
	for _, id := range explicit {
		if id != "" && !seenId[id] && len(ids) < maxMentionIds {
			seenId[id] = true
			ids = append(ids, id)
		}
	}
	byId := map[string]*core.Record{}
	if len(ids) > 0 {
		found, err := app.FindRecordsByIds("users", ids)
		if err != nil {
			return nil, err
		}
		for _, u := range found {
			byId[u.Id] = u
		}
	}
	candidates := byName
	for _, id := range ids {
		if u := byId[id]; u != nil {
			candidates = append(candidates, u)
		}
	}
	blockers, err := blockersOf(app, senderId, candidates)
	if err != nil {
		return nil, err
	}
	var out []*core.Record
	taken := map[string]bool{}
	checked := 0
	for _, u := range candidates {
		if len(out) == MaxMentions || checked == maxRoomChecks {
			break
		}
		if taken[u.Id] || u.Id == senderId || blockers[u.Id] {
			continue // a member who blocked the sender is never mentioned by them
		}
		taken[u.Id] = true
		checked++
		if chat.CanReadRoom(app, room, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// mentionsNotInText are the ids of mentioned whose nickname text does not
// name: mentions made by id.
func mentionsNotInText(app core.App, mentioned []string, text string) ([]string, error) {
	if len(mentioned) == 0 {
		return nil, nil
	}
	users, err := app.FindRecordsByIds("users", mentioned)
	if err != nil {
		return nil, err
	}
	nickname := map[string]string{}
	for _, u := range users {
		nickname[u.Id] = u.GetString("nickname")
	}
	tokens := MentionTokens(text)
	var out []string
	for _, id := range mentioned {
		name, ok := nickname[id]
		if !ok {
			continue // gone
		}
		named := false
		for _, t := range tokens {
			if strings.EqualFold(name, t) {
				named = true
				break
			}
		}
		if !named {
			out = append(out, id)
		}
	}
	return out, nil
}

// blockersOf is which of candidates blocked the member senderId (one
// query).
func blockersOf(app core.App, senderId string, candidates []*core.Record) (map[string]bool, error) {
	out := map[string]bool{}
	if len(candidates) == 0 || senderId == "" {
		return out, nil
	}
	ids := make([]any, len(candidates))
	for i, u := range candidates {
		ids[i] = u.Id
	}
	var users []string
	err := app.DB().Select("user").From("blocks").
		Where(dbx.HashExp{"blocked": senderId}).AndWhere(dbx.In("user", ids...)).Column(&users)
	for _, id := range users {
		out[id] = true
	}
	return out, err
}
