package search

// The index writers, for the tests of package search_test (the hooks in
// Register are their only other callers), and the tables and columns the
// queries use, for the test that the migrated schema has them.
var (
	Index      = index
	Remove     = remove
	ReindexAll = reindexAll

	QueriedColumns = map[string][]string{
		docsTable:  {"id", "post", "category"},
		tagsTable:  {"tag", "doc"},
		textTable:  {"doc"},
		gramsTable: {"grams"},
	}
)
