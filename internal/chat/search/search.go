// Package search is the chat history search: case-insensitive substring
// search over the text of messages, in any language, for queries of every
// length, over the rooms a member may read — answered from indexes and
// kept in step with every send, edit and delete in the same transaction.
//
// It is the post search's engine (internal/posts/search, sharing
// internal/fts): each message that is not deleted has one "search
// document", its lower-cased text, indexed twice in contentless FTS5
// tables keyed by a stable integer id (chat_search_docs.id):
//
//   - chat_search_text (trigram tokenizer): a query of 3+ characters is a
//     phrase of its trigrams, which matches exactly the documents that
//     contain it as a substring;
//   - chat_search_grams: every distinct 1- and 2-character substring of the
//     document as a token, so a 1- or 2-character query (채팅, 서버) is a
//     single token lookup, also exact.
//
// Document ids fall with creation (each new one is below all others), so
// newest first is ascending id order, which FTS5 streams forward without
// sorting: a page of a common term stops after its hits. Which rooms a
// member may read is decided in the same SQL statement, row by row, by the
// rooms view rule written out in SQL (readableRoomSQL). "count" is counted
// up to a cap (MaxCount), so a common term costs about a page too. A search
// in one small room for a common term reads the room's own texts instead
// (see SmallRoom), with the same answer.
//
// The index is written by this package's record hooks (Register), in the
// transaction of the message's create, update or delete, whichever API
// made it: a soft delete (deleted_at set) removes the document, an edit
// rewrites it, and a hard delete (or the cascade of a room's) removes it.
package search

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/fts"
)

// The index's tables, created by migration 1764000007_chat_search (its DDL
// is frozen there; TestMigratedSchemaHasQueriedColumns checks these names
// and the columns the queries use against the migrated database).
const (
	docsTable  = "chat_search_docs"
	textTable  = "chat_search_text"
	gramsTable = "chat_search_grams"
)

// tables are the index's tables for the helpers they share with post search.
var tables = fts.Tables{Docs: docsTable, Key: "message", Text: textTable, Grams: gramsTable}

// Register binds the search route and the index hooks to app.
func Register(app core.App) {
	app.OnRecordCreateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return syncDoc(e.App, e.Record)
		})
	})
	app.OnRecordUpdateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return syncDoc(e.App, e.Record)
		})
	})
	app.OnRecordDeleteExecute("messages").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return remove(e.App, e.Record.Id)
		})
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		api.Handle(se.Router.Group("/api/chat"), http.MethodGet, "/search", api.RequireMember(searchRoute))
		return se.Next()
	})
}
