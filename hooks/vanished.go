package hooks

import (
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/cobraspace/cobraspace/internal/api"
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
		return InTransaction(e, func(e *core.RecordEvent) error {
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

// bindInsertNeedsRows makes a create of a record of collection fail when a
// record its relation fields name ({field, related table}, checked in this
// order) is gone.
// PocketBase checks relations while validating, before the insert and
// outside its transaction: a delete can commit in between (a post deleted
// with its room while a message to the room is being sent). The check runs
// again in the insert's transaction, right before the INSERT.
func bindInsertNeedsRows(app core.App, collection string, relations [][2]string) {
	app.OnRecordCreateExecute(collection).BindFunc(func(e *core.RecordEvent) error {
		return InTransaction(e, func(e *core.RecordEvent) error {
			for _, rel := range relations {
				field, table := rel[0], rel[1]
				id := e.Record.GetString(field)
				if id == "" {
					continue
				}
				found, err := rowExists(e.App, table, id)
				if err != nil {
					return err
				}
				if !found {
					return &GoneRelationError{Field: field, Id: id}
				}
			}
			return e.Next()
		})
	})
}

// GoneRelationError is a create refused because the record a relation
// field names is gone. It is ErrGone, and it answers in each API's shape:
// as an *api.Problem, DRF's 400 {"<field>": ["Invalid pk ..."]} (documented
// routes, WebSocket error frames); as a *router.ApiError, PocketBase's 400
// with the field's validation_missing_rel_records error (record API).
type GoneRelationError struct {
	Field string // the relation field
	Id    string // the id it names
}

func (e *GoneRelationError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Field, e.Id, ErrGone)
}

func (e *GoneRelationError) Is(target error) bool { return target == ErrGone }

func (e *GoneRelationError) As(target any) bool {
	switch t := target.(type) {
	case **api.Problem:
		*t = api.FieldError(e.Field, api.InvalidPk(e.Id)).WithCause(ErrGone)
		return true
	case **router.ApiError:
		*t = router.NewBadRequestError("Failed to create record.", validation.Errors{
			e.Field: validation.NewError("validation_missing_rel_records", api.InvalidPk(e.Id)),
		})
		return true
	}
	return false
}
