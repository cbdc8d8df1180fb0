package hooks

import (
	"github.com/pocketbase/pocketbase/core"
)

// bindFileUpdatesInTransaction runs every update of a record with a file
// field in a transaction. PocketBase reads the files a save replaces (to
// delete them once it succeeded) just before its UPDATE; outside a
// transaction, two concurrent saves both read the same old file, both
// delete it, and the file the first one stored is left behind, referenced
// by nothing. Inside one, the read and the UPDATE hold the write lock
// together: each save replaces — and deletes — what the save before it
// stored, and after any set of concurrent uploads only the referenced
// file remains. (This hook runs before PocketBase's file interceptor,
// priority 99, which then works with the transaction.)
func bindFileUpdatesInTransaction(app core.App) {
	app.OnRecordUpdateExecute().BindFunc(func(e *core.RecordEvent) error {
		if !hasFileField(e.Record.Collection()) {
			return e.Next()
		}
		return InTransaction(e, func(e *core.RecordEvent) error { return e.Next() })
	})
}

func hasFileField(c *core.Collection) bool {
	for _, f := range c.Fields {
		if f.Type() == core.FieldTypeFile {
			return true
		}
	}
	return false
}
