package hooks

import (
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// ErrGone is the cause of a failed save of a record that was deleted after
// it was loaded (errors.Is finds it in what app.Save returns).
var ErrGone = errors.New("the record no longer exists")

// bindUpdateMustFindRow makes an update of a record of collection fail
// when its row is gone. SQLite's UPDATE of a vanished row silently
// changes nothing, and PocketBase reports success; everything the update
// hooks write next (a post's search document, its room) would then hang
// off nothing. The check runs in the update's transaction, right before its
// UPDATE: no other write can come in between. Whatever API saved the
// record, the error is a 404 (PocketBase's record API answers it as such).
func bindUpdateMustFindRow(app core.App, collection string) {
	app.OnRecordUpdateExecute(collection).BindFunc(func(e *core.RecordEvent) error {
		return inTransaction(e, func(e *core.RecordEvent) error {
			found, err := rowExists(e.App, e.Record.Collection().Name, e.Record.LastSavedPK())
			if err != nil {
				return err
			}
			if !found {
				return router.NewNotFoundError("The requested resource wasn't found.",
					fmt.Errorf("%s %s: %w", e.Record.Collection().Name, e.Record.LastSavedPK(), ErrGone))
			}
			return e.Next()
		})
	})
}

// rowExists reports whether table has a row with id (read with app, so
// inside app's transaction when there is one).
func rowExists(app core.App, table string, id any) (bool, error) {
	var n int
	err := app.DB().Select("count(*)").From(table).Where(dbx.HashExp{"id": id}).Row(&n)
	return n > 0, err
}
