package search_test

import (
	"testing"

	"github.com/cobraspace/cobraspace/internal/posts/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The search package keeps its own copy of the table names it queries; the
// migration that creates them holds the DDL literally. After migrating,
// every table and column the queries use exists.
func TestMigratedSchemaHasQueriedColumns(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	if len(search.QueriedColumns) != 4 {
		t.Fatalf("QueriedColumns names %d tables, want the index's 4", len(search.QueriedColumns))
	}
	testutil.ExpectColumns(t, app, search.QueriedColumns)
}
