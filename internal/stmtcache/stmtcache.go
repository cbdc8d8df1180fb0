// Package stmtcache keeps SQLite's compiled statements per connection.
//
// PocketBase runs every query through database/sql on modernc.org/sqlite,
// which compiles the SQL text (sqlite3_prepare_v2) on every call and throws
// the result away: a quarter of the server's CPU time when it stores chat
// messages (a send runs some twenty small statements, always the same
// texts). The driver can run a compiled statement again once it is reset;
// this package wraps its connections so that each keeps its most recently
// used statements, keyed by their SQL text, and reuses them.
//
// Correctness does not depend on the cache: a statement that is in use
// (its rows still open) is never handed out twice — the query is then
// compiled afresh, as without the cache — and SQLite recompiles a cached
// statement by itself when the schema changed (a migration).
package stmtcache

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"modernc.org/sqlite"
)

// Size is how many statements each connection keeps.
const Size = 128

// pragmas are PocketBase's own connection settings (core.DefaultDBConnect).
const pragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)&_defensive=1"

// Connect is a core.DBConnectFunc: PocketBase's DefaultDBConnect (same
// driver, same pragmas) with the statement cache.
func Connect(dbPath string) (*dbx.DB, error) {
	db := sql.OpenDB(connector{dsn: dbPath + pragmas})
	return dbx.NewFromDB(db, "sqlite"), nil
}

var _ core.DBConnectFunc = Connect

// ConnectImmediate is Connect whose write transactions begin IMMEDIATE
// (modernc.org/sqlite's _txlock): they take SQLite's write lock when they
// begin, waiting out the busy timeout for it, instead of at their first
// write. With another writer on the database — Litestream's connection,
// which commits a row of its own after each checkpoint — a deferred
// transaction that read before that commit and writes after it fails with
// SQLITE_BUSY_SNAPSHOT ("database is locked (517)"), which no busy
// timeout retries. PocketBase writes through one connection, so beginning
// its transactions IMMEDIATE costs it no concurrency.
func ConnectImmediate(dbPath string) (*dbx.DB, error) {
	db := sql.OpenDB(connector{dsn: dbPath + pragmas + "&_txlock=immediate"})
	return dbx.NewFromDB(db, "sqlite"), nil
}

var _ core.DBConnectFunc = ConnectImmediate

type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) {
	raw, err := (&sqlite.Driver{}).Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newConn(raw)
}

func (c connector) Driver() driver.Driver { return &sqlite.Driver{} }

// inner is what database/sql uses of a modernc.org/sqlite connection.
type inner interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// conn is a connection with its statement cache. database/sql uses a
// connection from one goroutine at a time, so the cache needs no lock.
type conn struct {
	inner
	lru   *list.List // of *entry, most recently used first
	bySQL map[string]*list.Element
}

type entry struct {
	sql  string
	stmt driver.Stmt
	busy bool // its rows are open
}

func newConn(raw driver.Conn) (*conn, error) {
	c, ok := raw.(inner)
	if !ok {
		_ = raw.Close()
		return nil, errors.New("stmtcache: the sqlite driver's connection lacks a database/sql interface")
	}
	return &conn{inner: c, lru: list.New(), bySQL: map[string]*list.Element{}}, nil
}

// take is the cached statement of query, compiled now if it is not cached;
// nil when the cached one is busy (the caller runs the query uncached).
func (c *conn) take(ctx context.Context, query string) (*entry, error) {
	if el, ok := c.bySQL[query]; ok {
		e := el.Value.(*entry)
		if e.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		e.busy = true
		return e, nil
	}
	stmt, err := c.PrepareContext(ctx, query) // the driver's own
	if err != nil {
		return nil, err
	}
	e := &entry{sql: query, stmt: stmt, busy: true}
	c.bySQL[query] = c.lru.PushFront(e)
	c.evict()
	return e, nil
}

// evict closes the least recently used statements beyond Size (never a
// busy one: its rows close it when they are done).
func (c *conn) evict() {
	for el := c.lru.Back(); el != nil && c.lru.Len() > Size; {
		prev := el.Prev()
		e := el.Value.(*entry)
		if !e.busy {
			c.lru.Remove(el)
			delete(c.bySQL, e.sql)
			_ = e.stmt.Close()
		}
		el = prev
	}
}

// drop removes e after an error, so a statement in an unknown state is
// never reused.
func (c *conn) drop(e *entry) {
	if el, ok := c.bySQL[e.sql]; ok && el.Value.(*entry) == e {
		c.lru.Remove(el)
		delete(c.bySQL, e.sql)
	}
	_ = e.stmt.Close()
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	e, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.inner.QueryContext(ctx, query, args)
	}
	rows, err := e.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.drop(e)
		return nil, err
	}
	return &cachedRows{Rows: rows, conn: c, entry: e}, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.inner.ExecContext(ctx, query, args)
	}
	res, err := e.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		c.drop(e)
		return nil, err
	}
	e.busy = false
	return res, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *conn) Close() error {
	for el := c.lru.Front(); el != nil; el = el.Next() {
		_ = el.Value.(*entry).stmt.Close()
	}
	c.lru.Init()
	clear(c.bySQL)
	return c.inner.Close()
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	conn   *conn
	entry  *entry
	closed bool
}

func (r *cachedRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close() // resets the statement
	if err != nil {
		r.conn.drop(r.entry)
		return err
	}
	r.entry.busy = false
	r.conn.evict()
	return nil
}

// The column type details modernc.org/sqlite's rows give (rows.ColumnTypes).

type columnTyped interface {
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

func (r *cachedRows) typed() columnTyped {
	t, _ := r.Rows.(columnTyped)
	return t
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t := r.typed(); t != nil {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t := r.typed(); t != nil {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t := r.typed(); t != nil {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t := r.typed(); t != nil {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t := r.typed(); t != nil {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
