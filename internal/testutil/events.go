package testutil

// WriteEvents is the ExpectedEvents of a request that creates, updates and
// deletes that many records and fires nothing else ("*": 0): the model and
// record hooks PocketBase runs for each write, as its own tests list them.
func WriteEvents(creates, updates, deletes int) map[string]int {
	events := map[string]int{"*": 0}
	add := func(n int, names ...string) {
		if n == 0 {
			return
		}
		for _, name := range names {
			events[name] += n
		}
	}
	add(creates, "OnModelCreate", "OnModelCreateExecute", "OnModelAfterCreateSuccess",
		"OnRecordCreate", "OnRecordCreateExecute", "OnRecordAfterCreateSuccess")
	add(updates, "OnModelUpdate", "OnModelUpdateExecute", "OnModelAfterUpdateSuccess",
		"OnRecordUpdate", "OnRecordUpdateExecute", "OnRecordAfterUpdateSuccess")
	add(creates+updates, "OnModelValidate", "OnRecordValidate")
	add(deletes, "OnModelDelete", "OnModelDeleteExecute", "OnModelAfterDeleteSuccess",
		"OnRecordDelete", "OnRecordDeleteExecute", "OnRecordAfterDeleteSuccess")
	return events
}
