package migrations_test

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/testutil"
	"github.com/cobraspace/cobraspace/migrations"
)

// The collections created by Cobra Space's migrations.
var ourCollections = []string{
	"friends", "login_sessions", "revoked_tokens",
	"categories", "tags", "posts", "rooms", "messages",
	"message_versions", "message_reactions", "room_follows", "notifications",
	"room_moderators", "room_mutes", "room_bans", "blocks", "reports", "moderation_log",
}

// The fields the profile migration adds to users.
var profileFields = []string{"nickname", "profile_picture", "bio", "contact_number", "status", "is_private"}

// ourMigrations are the files of Cobra Space's migrations, in the order they
// are applied (PocketBase's own are system migrations, not app migrations).
func ourMigrations(t testing.TB) []string {
	t.Helper()
	name := regexp.MustCompile(`^\d+_\w+\.go$`)
	var files []string
	for _, m := range core.AppMigrations.Items() {
		file := filepath.Base(m.File)
		if !name.MatchString(file) {
			t.Fatalf("unexpected app migration file name %q", m.File)
		}
		files = append(files, m.File)
	}
	for i, prefix := range []string{"1764000000_", "1764000001_", "1764000002_", "1764000003_"} {
		if len(files) <= i || !strings.HasPrefix(filepath.Base(files[i]), prefix) {
			t.Fatalf("app migrations %v: #%d should be %s*.go", files, i, prefix)
		}
	}
	return files
}

// ownTables are the tables that are not PocketBase's own.
func ownTables(t testing.TB, app core.App) []string {
	t.Helper()
	var tables []string
	err := app.DB().NewQuery("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')").Column(&tables)
	if err != nil {
		t.Fatal(err)
	}
	var own []string
	for _, table := range tables {
		if strings.HasPrefix(table, "_") || strings.HasPrefix(table, "sqlite_") || table == "users" {
			continue
		}
		own = append(own, table)
	}
	return own
}

func expectRolledBack(t testing.TB, app core.App) {
	t.Helper()
	for _, name := range ourCollections {
		if c, err := app.FindCollectionByNameOrId(name); err == nil {
			t.Errorf("collection %s (%s) still exists", name, c.Id)
		}
		if app.HasTable(name) {
			t.Errorf("table %s still exists", name)
		}
	}
	if left := ownTables(t, app); len(left) > 0 {
		t.Errorf("tables left behind: %v", left)
	}

	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range profileFields {
		if users.Fields.GetByName(name) != nil {
			t.Errorf("users still has the %q field", name)
		}
	}
	for _, name := range []string{"name", "avatar"} {
		if users.Fields.GetByName(name) == nil {
			t.Errorf("users lacks PocketBase's default %q field", name)
		}
	}
	columns, err := app.TableColumns("users")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(columns, "nickname") {
		t.Errorf("users table still has a nickname column: %v", columns)
	}
	if users.ListRule == nil || *users.ListRule != "id = @request.auth.id" {
		t.Errorf("users list rule after rollback = %v", users.ListRule)
	}
}

func expectMigrated(t testing.TB, app core.App) {
	t.Helper()
	for _, name := range ourCollections {
		if _, err := app.FindCollectionByNameOrId(name); err != nil {
			t.Errorf("collection %s: %v", name, err)
		}
		if !app.HasTable(name) {
			t.Errorf("table %s is missing", name)
		}
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range profileFields {
		if users.Fields.GetByName(name) == nil {
			t.Errorf("users lacks the %q field", name)
		}
	}
	if f, ok := users.Fields.GetByName("nickname").(*core.TextField); !ok || f.Max != migrations.NicknameMax {
		t.Errorf("users.nickname = %#v", users.Fields.GetByName("nickname"))
	}
	for _, name := range []string{"name", "avatar"} {
		if users.Fields.GetByName(name) != nil {
			t.Errorf("users still has PocketBase's default %q field", name)
		}
	}
	rules := map[string]map[string]*string{
		"users": {"list": users.ListRule, "view": users.ViewRule, "update": users.UpdateRule, "delete": users.DeleteRule},
	}
	want := map[string]map[string]string{
		"users":   {"list": migrations.RuleUserVisible, "view": migrations.RuleUserVisible, "update": migrations.RuleUserSelf, "delete": migrations.RuleUserSelf},
		"friends": {"list": migrations.RuleFriendsOwn, "view": migrations.RuleFriendsOwn, "create": migrations.RuleFriendsCreate, "delete": migrations.RuleFriendsOwn},
		"posts":   {"list": "", "view": "", "create": migrations.RulePostCreate, "update": migrations.RulePostUpdate, "delete": migrations.RulePostDelete},
		"rooms":   {"list": migrations.RuleRoomReadable, "view": migrations.RuleRoomReadable, "create": migrations.RuleRoomCreate, "update": migrations.RuleRoomUpdate, "delete": migrations.RuleRoomDelete},
		"messages": {"list": migrations.RuleMessageReadable, "view": migrations.RuleMessageReadable, "create": migrations.RuleMessageCreate,
			"update": migrations.RuleMessageUpdate, "delete": migrations.RuleMessageDelete},
		"message_versions": {"list": migrations.RuleVersionReadable, "view": migrations.RuleVersionReadable},
		"room_moderators": {"list": migrations.RuleModeratorsReadable, "view": migrations.RuleModeratorsReadable,
			"create": migrations.RuleModeratorCreate, "delete": migrations.RuleModeratorDelete},
		"room_mutes": {"list": migrations.RuleSanctionReadable, "view": migrations.RuleSanctionReadable,
			"create": migrations.RuleSanctionCreate, "update": migrations.RuleSanctionUpdate, "delete": migrations.RuleSanctionDelete},
		"room_bans": {"list": migrations.RuleSanctionReadable, "view": migrations.RuleSanctionReadable,
			"create": migrations.RuleSanctionCreate, "update": migrations.RuleSanctionUpdate, "delete": migrations.RuleSanctionDelete},
		"blocks": {"list": migrations.RuleOwnRows, "view": migrations.RuleOwnRows, "create": migrations.RuleBlockCreate, "delete": migrations.RuleOwnRows},
		"reports": {"list": migrations.RuleReportReadable, "view": migrations.RuleReportReadable,
			"create": migrations.RuleReportCreate, "update": migrations.RuleReportUpdate},
		"moderation_log": {"list": migrations.RuleLogReadable, "view": migrations.RuleLogReadable},
		"message_reactions": {"list": migrations.RuleReactionReadable, "view": migrations.RuleReactionReadable,
			"create": migrations.RuleReactionCreate, "delete": migrations.RuleReactionDelete},
		"room_follows":  {"list": migrations.RuleOwnRows, "view": migrations.RuleOwnRows},
		"notifications": {"list": migrations.RuleOwnRows, "view": migrations.RuleOwnRows, "update": migrations.RuleNotificationEdit, "delete": migrations.RuleOwnRows},
	}
	for _, name := range []string{"friends", "posts", "rooms", "messages", "message_versions", "message_reactions", "room_follows", "notifications",
		"room_moderators", "room_mutes", "room_bans", "blocks", "reports", "moderation_log"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		rules[name] = map[string]*string{"list": c.ListRule, "view": c.ViewRule, "create": c.CreateRule, "update": c.UpdateRule, "delete": c.DeleteRule}
	}
	for collection, byAction := range want {
		for action, rule := range byAction {
			got, ok := rules[collection][action]
			if !ok || got == nil || *got != rule {
				t.Errorf("%s %s rule = %v, want %q", collection, action, got, rule)
			}
		}
	}

	categories, err := app.FindAllRecords("categories")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range categories {
		names = append(names, c.GetString("name"))
	}
	slices.Sort(names)
	wantNames := slices.Clone(migrations.SeedCategories)
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("categories = %v, want %v", names, wantNames)
	}
}

func downAndUp(t *testing.T, app core.App) {
	t.Helper()
	files := ourMigrations(t)
	runner := core.NewMigrationsRunner(app, core.AppMigrations)

	reverted, err := runner.Down(len(files))
	if err != nil {
		t.Fatalf("down: %v", err)
	}
	wantReverted := slices.Clone(files)
	slices.Reverse(wantReverted)
	if !slices.Equal(reverted, wantReverted) {
		t.Fatalf("reverted %v, want %v", reverted, wantReverted)
	}
	expectRolledBack(t, app)

	// nothing of ours is left to revert
	if again, err := runner.Down(len(files)); err != nil || len(again) != 0 {
		t.Errorf("second down reverted %v (err %v)", again, err)
	}

	applied, err := runner.Up()
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if !slices.Equal(applied, files) {
		t.Fatalf("applied %v, want %v", applied, files)
	}
	expectMigrated(t, app)

	if again, err := runner.Up(); err != nil || len(again) != 0 {
		t.Errorf("second up applied %v (err %v)", again, err)
	}
}

func TestMigrationsRollBackAndReapply(t *testing.T) {
	t.Parallel()

	app, err := tests.NewTestApp(t.TempDir()) // an empty data dir: every migration runs
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()

	expectMigrated(t, app)
	if got := app.Settings().Meta.AppName; got != "Cobra Space" {
		t.Errorf("app name = %q", got)
	}
	downAndUp(t, app)

	// and once more, to be sure that a re-applied schema rolls back too
	downAndUp(t, app)
}

func TestMigrationsRollBackWithData(t *testing.T) {
	t.Parallel()

	app := testutil.NewApp(t) // members, friends, a post with its room and a message
	downAndUp(t, app)

	// the members survive (users is PocketBase's), the content does not
	for _, id := range []string{testutil.AliceId, testutil.BobId, testutil.CarolId, testutil.DaveId} {
		if _, err := app.FindRecordById("users", id); err != nil {
			t.Errorf("member %s lost: %v", id, err)
		}
	}
	for _, name := range []string{"friends", "posts", "rooms", "messages", "message_versions", "message_reactions", "room_follows", "notifications"} {
		if n := testutil.Count(t, app, name, nil); n != 0 {
			t.Errorf("%s has %d records after down and up", name, n)
		}
	}
}
