package migrations_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/dbutils"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// emailIndex is the users collection's unique e-mail index (as the
// collection lists it) and its SQL as SQLite stores it.
func emailIndex(t testing.TB, app core.App) (dbutils.Index, string) {
	t.Helper()
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	index, ok := dbutils.FindSingleColumnUniqueIndex(users.Indexes, "email")
	if !ok {
		t.Fatalf("users has no unique e-mail index: %v", users.Indexes)
	}
	var sql string
	if err := app.DB().NewQuery("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = {:name}").
		Bind(map[string]any{"name": index.IndexName}).Row(&sql); err != nil {
		t.Fatalf("index %s is not in the database: %v", index.IndexName, err)
	}
	return index, sql
}

func expectNocase(t testing.TB, app core.App, want bool) {
	t.Helper()
	index, sql := emailIndex(t, app)
	got := strings.EqualFold(index.Columns[0].Collate, "nocase")
	if got != want || strings.Contains(strings.ToUpper(sql), "NOCASE") != want {
		t.Errorf("e-mail index case-insensitive = %v, want %v: %s", got, want, sql)
	}
}

// saveMember stores a member with email, directly (no API).
func saveMember(app core.App, email string) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	u := core.NewRecord(users)
	u.SetEmail(email)
	u.SetPassword(testutil.Password)
	return app.Save(u)
}

func expectNotUnique(t testing.TB, err error) {
	t.Helper()
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		t.Fatalf("save of a case-variant e-mail: %v, want a validation error", err)
	}
	var ve validation.Error
	if !errors.As(verrs["email"], &ve) || ve.Code() != "validation_not_unique" {
		t.Fatalf("save of a case-variant e-mail: %v, want validation_not_unique on email", err)
	}
}

func TestEmailUniqueIgnoringCase(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)

	expectNocase(t, app, true)
	expectNotUnique(t, saveMember(app, "ALICE@example.com"))
	expectNotUnique(t, saveMember(app, "Bob@Example.COM"))

	// PocketBase keeps our index when the collection is saved again
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	users.ListRule = types.Pointer(*users.ListRule + " && id != ''")
	if err := app.Save(users); err != nil {
		t.Fatalf("save users collection: %v", err)
	}
	expectNocase(t, app, true)
	expectNotUnique(t, saveMember(app, "Carol@example.com"))
	if _, ok := dbutils.FindSingleColumnUniqueIndex(users.Indexes, "email"); !ok {
		t.Fatal("no unique e-mail index")
	}
	n := 0
	for _, idx := range users.Indexes {
		if parsed := dbutils.ParseIndex(idx); len(parsed.Columns) == 1 && strings.EqualFold(parsed.Columns[0].Name, "email") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d indexes on email, want 1: %v", n, users.Indexes)
	}
}

func TestEmailNocaseMigrationDownAndUp(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	runner := core.NewMigrationsRunner(app, core.AppMigrations)

	// the migrations after it first, then it
	n := 0
	for _, m := range core.AppMigrations.Items() {
		if filepath.Base(m.File) >= "1764000005_users_email_nocase.go" {
			n++
		}
	}
	reverted, err := runner.Down(n)
	if err != nil || len(reverted) != n || !strings.HasSuffix(filepath.Base(reverted[n-1]), "_users_email_nocase.go") {
		t.Fatalf("down 2: reverted %v, %v", reverted, err)
	}
	expectNocase(t, app, false)
	// PocketBase's stock index: exact e-mails are unique, case-variants are not
	if err := saveMember(app, testutil.AliceEmail); err == nil {
		t.Fatal("an exact duplicate e-mail was stored after down")
	}
	if err := saveMember(app, "ALICE@example.com"); err != nil {
		t.Fatalf("a case-variant after down: %v", err)
	}
	if err := saveMember(app, "Alice@Example.com"); err != nil {
		t.Fatalf("a second case-variant after down: %v", err)
	}

	// the migration refuses to guess which account owns the mailbox
	applied, err := runner.Up()
	if err == nil {
		t.Fatalf("up with case-variant e-mails applied %v, want an error", applied)
	}
	for _, want := range []string{"alice@example.com", "ALICE@example.com", "Alice@Example.com", "letter case"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	expectNocase(t, app, false) // nothing half-done
	if n := testutil.Count(t, app, "users", nil); n != 6 {
		t.Errorf("%d members after the refused migration, want 6 (nothing merged or deleted)", n)
	}

	// once the duplicates are gone, it applies
	if _, err := app.DB().NewQuery("DELETE FROM users WHERE email IN ('ALICE@example.com', 'Alice@Example.com')").Execute(); err != nil {
		t.Fatal(err)
	}
	applied, err = runner.Up()
	if err != nil || len(applied) != n || !strings.HasSuffix(applied[0], "_users_email_nocase.go") {
		t.Fatalf("up: applied %v, %v", applied, err)
	}
	expectNocase(t, app, true)
	expectNotUnique(t, saveMember(app, "ALICE@example.com"))
}
