package testutil

// Small helpers that several test packages share: documented error bodies,
// JSON body decoding and checks for tests.ApiScenario.AfterTestFunc,
// stored-record lookups and counts, and running scenarios.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// Documented error bodies of the Cobra Space routes.
const (
	NoAuthBody    = `{"detail":"Authentication credentials were not provided."}`
	BadTokenBody  = `{"detail":"Given token not valid for any token type","code":"token_not_valid"}`
	ForbiddenBody = `{"detail":"You do not have permission to perform this action."}`
	NotFoundBody  = `{"detail":"Not found."}`
	TooLargeBody  = `{"detail":"Request body is too large."}`
	ListBodyError = `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`
)

// GarbageAuth is an Authorization header no server ever signed.
var GarbageAuth = map[string]string{"Authorization": "Bearer not.a-real.token"}

// ---------------------------------------------------------------------------
// scenarios and their answers

// Run runs scenarios, on a Factory app unless a scenario names its own.
func Run(t *testing.T, scenarios []tests.ApiScenario) {
	t.Helper()
	for _, s := range scenarios {
		if s.TestAppFactory == nil {
			s.TestAppFactory = Factory
		}
		s.Test(t)
	}
}

// Check inspects the response body (and the app's stored state) after a
// scenario; see After.
type Check func(t testing.TB, app *tests.TestApp, body []byte)

// After is an AfterTestFunc that reads the response body once and runs
// checks on it; a non-empty body must be served as JSON.
func After(checks ...Check) func(t testing.TB, app *tests.TestApp, res *http.Response) {
	return func(t testing.TB, app *tests.TestApp, res *http.Response) {
		t.Helper()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(res.Body); err != nil {
			t.Fatalf("read body: %v", err)
		}
		if ct := res.Header.Get("Content-Type"); buf.Len() > 0 && !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want JSON", ct)
		}
		for _, c := range checks {
			c(t, app, buf.Bytes())
		}
	}
}

// State is a Check of stored data that does not need the body.
func State(fn func(t testing.TB, app *tests.TestApp)) Check {
	return func(t testing.TB, app *tests.TestApp, _ []byte) {
		t.Helper()
		fn(t, app)
	}
}

// BodyIs checks that the body equals want, compared as JSON.
func BodyIs(want string) Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		if got, exp := Decode(t, body), Decode(t, []byte(want)); !reflect.DeepEqual(got, exp) {
			t.Errorf("body = %s\nwant   %s", body, want)
		}
	}
}

// ---------------------------------------------------------------------------
// JSON

// Decode parses a JSON body; it fails the test when body is not JSON.
func Decode(t testing.TB, body []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	return v
}

// DecodeObject parses a JSON object body.
func DecodeObject(t testing.TB, body []byte) map[string]any {
	t.Helper()
	obj, ok := Decode(t, body).(map[string]any)
	if !ok {
		t.Fatalf("body is not a JSON object: %s", body)
	}
	return obj
}

// DecodeList parses a body that is a JSON array of objects.
func DecodeList(t testing.TB, body []byte) []map[string]any {
	t.Helper()
	list, ok := Decode(t, body).([]any)
	if !ok {
		t.Fatalf("body is not a JSON array: %s", body)
	}
	out := make([]map[string]any, len(list))
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("item %d is not an object: %s", i, body)
		}
		out[i] = obj
	}
	return out
}

// JSONOf encodes v; it panics when v cannot be encoded.
func JSONOf(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// Bodyf is a request body made with fmt.Sprintf.
func Bodyf(format string, args ...any) *strings.Reader {
	return strings.NewReader(fmt.Sprintf(format, args...))
}

// ---------------------------------------------------------------------------
// routes

// Routes is the app's full router as an http.Handler, built the way
// tests.ApiScenario builds it (apis.NewRouter, the OnServe hooks, BuildMux),
// for sending several requests through one app.
func Routes(t testing.TB, app core.App) http.Handler {
	t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var mux http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		t.Fatalf("serve hooks: %v", err)
	}
	return mux
}

// ---------------------------------------------------------------------------
// stored records

// Count is the number of rows of table matching where (nil: all rows).
func Count(t testing.TB, app core.App, table string, where dbx.Expression) int {
	t.Helper()
	var n int
	q := app.DB().Select("count(*)").From(table)
	if where != nil {
		q.Where(where)
	}
	if err := q.Row(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// ExpectCount checks the number of rows of table matching where.
func ExpectCount(t testing.TB, app core.App, table string, where dbx.Expression, want int) {
	t.Helper()
	if got := Count(t, app, table, where); got != want {
		t.Errorf("%s where %v: %d records stored, want %d", table, where, got, want)
	}
}

// MustFind loads a record by id; it fails the test when it is missing.
func MustFind(t testing.TB, app core.App, collection, id string) *core.Record {
	t.Helper()
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		t.Fatalf("%s/%s: %v", collection, id, err)
	}
	return r
}

// ExpectField checks a field of r, compared as text (fmt.Sprint).
func ExpectField(t testing.TB, r *core.Record, field string, want any) {
	t.Helper()
	if got := r.Get(field); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s/%s %s = %q, want %q", r.Collection().Name, r.Id, field, fmt.Sprint(got), fmt.Sprint(want))
	}
}

// NewRecord is an unsaved record of collection with data (see SaveRecord).
func NewRecord(t testing.TB, app core.App, collection string, data map[string]any) *core.Record {
	t.Helper()
	r, err := newRecord(app, collection, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// MustSave creates a record of collection with data (see SaveRecord); it
// fails the test when the record cannot be saved.
func MustSave(t testing.TB, app core.App, collection string, data map[string]any) *core.Record {
	t.Helper()
	r := NewRecord(t, app, collection, data)
	if err := app.Save(r); err != nil {
		t.Fatalf("save %s %v: %v", collection, data, err)
	}
	return r
}

// ExpectColumns fails unless every table of want exists in app's database
// with (at least) the columns it lists: code that keeps its own copy of
// table names a frozen migration created checks them this way.
func ExpectColumns(t testing.TB, app core.App, want map[string][]string) {
	t.Helper()
	for table, columns := range want {
		var have []string
		if err := app.DB().NewQuery("SELECT name FROM pragma_table_info({:table})").
			Bind(dbx.Params{"table": table}).Column(&have); err != nil {
			t.Fatal(err)
		}
		if len(have) == 0 {
			t.Errorf("table %s does not exist after migrating", table)
			continue
		}
		for _, c := range columns {
			if !slices.Contains(have, c) {
				t.Errorf("table %s has columns %v, lacks %q", table, have, c)
			}
		}
	}
}
