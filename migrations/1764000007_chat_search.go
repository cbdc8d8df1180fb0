package migrations

import (
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The chat history search index (internal/chat/search keeps it up to date
// and queries it), built for the messages that already exist.
//
// A frozen snapshot, like 1764000004_post_search: the DDL and the document
// format (the lower-cased message text; trigram text; "u"/"b" + hex tokens
// of every 1- and 2-character substring; ids falling from -1 in creation
// order; deleted messages have no document) are written out here as they
// were when this migration was made, and never follow later changes of the
// search package. A change of the index is a new migration. The migration
// tests check that this backfill writes what the search package's hooks
// write.
func init() {
	m.Register(func(app core.App) error {
		for _, ddl := range []string{
			`CREATE TABLE chat_search_docs (
		id      INTEGER PRIMARY KEY, -- negative, falling: newest first is ascending
		message TEXT NOT NULL UNIQUE,
		room    TEXT NOT NULL
	)`,
			`CREATE INDEX idx_chat_search_docs_room ON chat_search_docs (room, id)`,
			`CREATE VIRTUAL TABLE chat_search_text USING fts5(doc, content='', contentless_delete=1, tokenize='trigram case_sensitive 1', detail='full')`,
			`CREATE VIRTUAL TABLE chat_search_grams USING fts5(grams, content='', contentless_delete=1, tokenize='ascii', detail='none')`,
		} {
			if _, err := app.DB().NewQuery(ddl).Execute(); err != nil {
				return err
			}
		}
		return backfillChatSearch1764000007(app)
	}, func(app core.App) error {
		for _, ddl := range []string{
			`DROP TABLE IF EXISTS chat_search_grams`,
			`DROP TABLE IF EXISTS chat_search_text`,
			`DROP TABLE IF EXISTS chat_search_docs`,
		} {
			if _, err := app.DB().NewQuery(ddl).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}

// backfillChatSearch1764000007 writes the search document of every message
// that is not deleted, oldest first: the first gets id -1, the next -2...
func backfillChatSearch1764000007(app core.App) error {
	var rowids []int64
	if err := app.DB().NewQuery("SELECT rowid FROM messages WHERE deleted_at = '' ORDER BY created ASC, rowid ASC").
		Column(&rowids); err != nil {
		return err
	}
	next := int64(-1)
	for start := 0; start < len(rowids); start += 1000 {
		batch := rowids[start:min(start+1000, len(rowids))]
		in := make([]any, len(batch))
		for i, r := range batch {
			in[i] = r
		}
		var rows []struct {
			Rowid   int64  `db:"rowid"`
			Id      string `db:"id"`
			Room    string `db:"room"`
			Message string `db:"message"`
		}
		if err := app.DB().Select("rowid", "id", "room", "message").From("messages").
			Where(dbx.In("rowid", in...)).All(&rows); err != nil {
			return err
		}
		byRowid := make(map[int64]int, len(rows))
		for i, r := range rows {
			byRowid[r.Rowid] = i
		}
		for _, rowid := range batch {
			r := rows[byRowid[rowid]]
			doc := strings.ToLower(r.Message)

			// its 1- and 2-character grams, first occurrence order
			var grams strings.Builder
			seen := map[string]bool{}
			addGram := func(s string) {
				if seen[s] {
					return
				}
				seen[s] = true
				prefix := "u"
				if utf8.RuneCountInString(s) == 2 {
					prefix = "b"
				}
				grams.WriteString(prefix + hex.EncodeToString([]byte(s)))
				grams.WriteByte(' ')
			}
			prev := ""
			for _, c := range doc {
				cur := string(c)
				addGram(cur)
				if prev != "" {
					addGram(prev + cur)
				}
				prev = cur
			}

			id := next
			next--
			if _, err := app.DB().Insert("chat_search_docs", dbx.Params{"id": id, "message": r.Id, "room": r.Room}).Execute(); err != nil {
				return err
			}
			if _, err := app.DB().Insert("chat_search_text", dbx.Params{"rowid": id, "doc": doc}).Execute(); err != nil {
				return err
			}
			if _, err := app.DB().Insert("chat_search_grams", dbx.Params{"rowid": id, "grams": grams.String()}).Execute(); err != nil {
				return err
			}
		}
	}
	return nil
}
