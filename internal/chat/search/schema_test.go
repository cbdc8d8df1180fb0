package search_test

import (
	"slices"
	"testing"

	"github.com/cobraspace/cobraspace/internal/chat/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The search package keeps its own copy of the table names it queries; the
// migration that creates them holds the DDL literally. After migrating,
// every table and column the queries use exists.
func TestMigratedSchemaHasQueriedColumns(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	if len(search.QueriedColumns) != 3 {
		t.Fatalf("QueriedColumns names %d tables, want the index's 3", len(search.QueriedColumns))
	}
	for table, want := range search.QueriedColumns {
		var columns []string
		if err := app.DB().NewQuery("SELECT name FROM pragma_table_info({:table})").
			Bind(map[string]any{"table": table}).Column(&columns); err != nil {
			t.Fatal(err)
		}
		if len(columns) == 0 {
			t.Errorf("table %s does not exist after migrating", table)
			continue
		}
		for _, c := range want {
			if !slices.Contains(columns, c) {
				t.Errorf("table %s has columns %v, lacks %q", table, columns, c)
			}
		}
	}
}
