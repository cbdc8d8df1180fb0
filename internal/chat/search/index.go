package search

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/fts"
)

// ErrMessageGone is index's error for a message whose row does not exist.
var ErrMessageGone = errors.New("chat search: the message does not exist")

// syncDoc brings the document of a saved message up to date: removed when the
// message is (soft) deleted, else written or rewritten from its text. Call
// it with the transaction app that saved the message.
func syncDoc(app core.App, message *core.Record) error {
	if !message.GetDateTime("deleted_at").IsZero() {
		return remove(app, message.Id)
	}
	return index(app, message)
}

// index writes (or rewrites) the search document of message; a rewritten
// document keeps its id, so an edit keeps the message's place.
func index(app core.App, message *core.Record) error {
	params := dbx.Params{"message": message.Id, "room": message.GetString("room")}
	id, err := tables.DocId(app, message.Id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// each new document gets an id below every other (newest first is
		// ascending id order); only while its message exists
		err := app.DB().NewQuery("INSERT INTO " + docsTable + " (id, message, room) " +
			"SELECT (SELECT COALESCE(MIN(id), 0) - 1 FROM " + docsTable + "), {:message}, {:room} " +
			"WHERE EXISTS (SELECT 1 FROM messages WHERE id = {:message}) RETURNING id").
			Bind(params).Row(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %s: %w", message.Id, ErrMessageGone)
		}
		if err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		params["id"] = id
		if _, err := app.DB().NewQuery("UPDATE " + docsTable + " SET room = {:room} WHERE id = {:id}").
			Bind(params).Execute(); err != nil {
			return err
		}
		if err := tables.ClearText(app, id); err != nil {
			return err
		}
	}
	doc := fts.Fold(message.GetString("message"))
	write := func(tx core.App) error { return tables.WriteText(tx, id, doc, fts.Grams(doc)) }
	if chat.AtBatchEnd(app, message, write) {
		return nil // a new message of a group-commit batch: with the batch's others
	}
	return write(app)
}

// remove deletes the search document of a message, if it has one.
func remove(app core.App, messageId string) error {
	id, err := tables.DocId(app, messageId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tables.ClearText(app, id); err != nil {
		return err
	}
	_, err = app.DB().Delete(docsTable, dbx.HashExp{"id": id}).Execute()
	return err
}

// reindexBatch is how many messages ReindexAll reads at a time.
const reindexBatch = 2000

// ReindexAll rebuilds the whole index in one transaction, oldest message
// first (ids -1, -2, ... in creation order), as the migration that created
// it did: for messages written around the hooks (bulk SQL imports, the
// benchmark's seed). progress, when set, is told every batch.
func ReindexAll(app core.App, progress func(done, total int)) error {
	return app.RunInTransaction(func(tx core.App) error {
		for _, table := range []string{textTable, gramsTable, docsTable} {
			if _, err := tx.DB().NewQuery("DELETE FROM " + table).Execute(); err != nil {
				return err
			}
		}
		var rowids []int64
		if err := tx.DB().NewQuery("SELECT rowid FROM messages WHERE deleted_at = '' ORDER BY created ASC, rowid ASC").
			Column(&rowids); err != nil {
			return err
		}
		insertDoc := tx.DB().NewQuery("INSERT INTO " + docsTable + " (id, message, room) VALUES ({:id}, {:message}, {:room})").Prepare()
		defer func() { _ = insertDoc.Close() }() // a statement of a finished transaction: nothing to report
		insertText := tx.DB().NewQuery("INSERT INTO " + textTable + " (rowid, doc) VALUES ({:id}, {:doc})").Prepare()
		defer func() { _ = insertText.Close() }() // a statement of a finished transaction: nothing to report
		insertGrams := tx.DB().NewQuery("INSERT INTO " + gramsTable + " (rowid, grams) VALUES ({:id}, {:grams})").Prepare()
		defer func() { _ = insertGrams.Close() }() // a statement of a finished transaction: nothing to report

		next := int64(-1)
		for start := 0; start < len(rowids); start += reindexBatch {
			batch := rowids[start:min(start+reindexBatch, len(rowids))]
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
			if err := tx.DB().Select("rowid", "id", "room", "message").From("messages").
				Where(dbx.In("rowid", in...)).All(&rows); err != nil {
				return err
			}
			byRowid := make(map[int64]int, len(rows))
			for i, r := range rows {
				byRowid[r.Rowid] = i
			}
			for _, rowid := range batch {
				r := rows[byRowid[rowid]]
				doc := fts.Fold(r.Message)
				id := next
				next--
				if _, err := insertDoc.Bind(dbx.Params{"id": id, "message": r.Id, "room": r.Room}).Execute(); err != nil {
					return err
				}
				if _, err := insertText.Bind(dbx.Params{"id": id, "doc": doc}).Execute(); err != nil {
					return err
				}
				if _, err := insertGrams.Bind(dbx.Params{"id": id, "grams": fts.Grams(doc)}).Execute(); err != nil {
					return err
				}
			}
			if progress != nil {
				progress(start+len(batch), len(rowids))
			}
		}
		return nil
	})
}
