package fts

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Tables names one index's tables, as the post search and the chat search
// both lay them out: Docs maps a record (its Key column) to a document id;
// Text (FTS5 trigram) and Grams (FTS5 over GramsOf's tokens) hold the
// document's folded text under that id as rowid.
type Tables struct {
	Docs, Key, Text, Grams string
}

// DocId is the document id of the record key (sql.ErrNoRows when it has
// none).
func (t Tables) DocId(app core.App, key string) (int64, error) {
	var id int64
	err := app.DB().Select("id").From(t.Docs).Where(dbx.HashExp{t.Key: key}).Row(&id)
	return id, err
}

// WriteText stores the folded document doc and its gram tokens (Grams
// over the document's fields) under id.
func (t Tables) WriteText(app core.App, id int64, doc, grams string) error {
	if _, err := app.DB().Insert(t.Text, dbx.Params{"rowid": id, "doc": doc}).Execute(); err != nil {
		return err
	}
	_, err := app.DB().Insert(t.Grams, dbx.Params{"rowid": id, "grams": grams}).Execute()
	return err
}

// ClearText deletes the text of document id from both text tables.
func (t Tables) ClearText(app core.App, id int64) error {
	for _, table := range []string{t.Text, t.Grams} {
		if _, err := app.DB().Delete(table, dbx.HashExp{"rowid": id}).Execute(); err != nil {
			return err
		}
	}
	return nil
}
