package stmtcache_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/stmtcache"
)

func open(t *testing.T) *dbx.DB {
	t.Helper()
	db, err := stmtcache.Connect(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	db.DB().SetMaxOpenConns(1) // every statement on the one connection: its cache
	exec(t, db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
	return db
}

func exec(t *testing.T, db *dbx.DB, sql string, params ...dbx.Params) {
	t.Helper()
	q := db.NewQuery(sql)
	if len(params) > 0 {
		q.Bind(params[0])
	}
	if _, err := q.Execute(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func names(t *testing.T, db *dbx.DB) []string {
	t.Helper()
	var out []string
	if err := db.NewQuery("SELECT name FROM items ORDER BY id").Column(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A cached statement gives the same answers as a fresh one, run after run,
// with new arguments each time.
func TestReuse(t *testing.T) {
	db := open(t)
	for i := range 5 {
		exec(t, db, "INSERT INTO items (name) VALUES ({:name})", dbx.Params{"name": fmt.Sprint("item ", i)})
		if got := names(t, db); len(got) != i+1 || got[i] != fmt.Sprint("item ", i) {
			t.Fatalf("after %d inserts: %v", i+1, got)
		}
	}
}

// The same query run again while its rows are still open (a nested loop)
// runs on a statement of its own, not on the open one.
func TestNestedSameQuery(t *testing.T) {
	db := open(t)
	for _, n := range []string{"a", "b", "c"} {
		exec(t, db, "INSERT INTO items (name) VALUES ({:name})", dbx.Params{"name": n})
	}
	tx, err := db.Begin() // one connection holds both queries' rows
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	outer, err := tx.NewQuery("SELECT name FROM items ORDER BY id").Rows()
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for outer.Next() {
		var a string
		if err := outer.Scan(&a); err != nil {
			t.Fatal(err)
		}
		var inner []string
		if err := tx.NewQuery("SELECT name FROM items ORDER BY id").Column(&inner); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, fmt.Sprint(a, len(inner)))
	}
	outer.Close()
	if fmt.Sprint(pairs) != "[a3 b3 c3]" {
		t.Errorf("nested reads %v, want [a3 b3 c3]", pairs)
	}
}

// A failing statement (a constraint) reports its error and leaves nothing
// behind: the next run of the same text works.
func TestErrorThenReuse(t *testing.T) {
	db := open(t)
	insert := "INSERT INTO items (name) VALUES ({:name})"
	exec(t, db, insert, dbx.Params{"name": "twice"})
	if _, err := db.NewQuery(insert).Bind(dbx.Params{"name": "twice"}).Execute(); err == nil {
		t.Fatal("a duplicate name was stored")
	}
	exec(t, db, insert, dbx.Params{"name": "after"})
	if got := fmt.Sprint(names(t, db)); got != "[twice after]" {
		t.Errorf("names %s", got)
	}
}

// More distinct statements than the cache holds: the oldest are closed,
// every query still answers.
func TestEviction(t *testing.T) {
	db := open(t)
	exec(t, db, "INSERT INTO items (name) VALUES ('x')")
	for i := range stmtcache.Size * 3 {
		var n int
		if err := db.NewQuery(fmt.Sprintf("SELECT COUNT(*) + %d FROM items", i)).Row(&n); err != nil {
			t.Fatal(err)
		}
		if n != i+1 {
			t.Fatalf("query %d answered %d", i, n)
		}
	}
}

// A cached statement follows a schema change (SQLite recompiles it).
func TestSchemaChange(t *testing.T) {
	db := open(t)
	exec(t, db, "INSERT INTO items (name) VALUES ('x')")
	var cols []string
	read := func() {
		t.Helper()
		rows, err := db.NewQuery("SELECT * FROM items").Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err = rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
	}
	read()
	exec(t, db, "ALTER TABLE items ADD COLUMN note TEXT DEFAULT 'n'")
	read()
	if fmt.Sprint(cols) != "[id name note]" {
		t.Errorf("columns after ALTER TABLE: %v", cols)
	}
}

// Column types reach database/sql through the cached rows.
func TestColumnTypes(t *testing.T) {
	db := open(t)
	exec(t, db, "INSERT INTO items (name) VALUES ('x')")
	rows, err := db.NewQuery("SELECT id, name FROM items").Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 2 || types[0].DatabaseTypeName() != "INTEGER" || types[1].DatabaseTypeName() != "TEXT" {
		t.Errorf("column types %v", types)
	}
}
