package search

// The index writers, for the tests of package search_test (the hooks in
// Register are their only other callers).
var (
	Index  = index
	Remove = remove
)
