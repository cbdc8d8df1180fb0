// Package testutil builds Cobra Space test apps: a data dir with the schema
// and a few fixture records is made once per test binary, and every test app
// is a fresh copy of it with all hooks and routes bound (as Presentator and
// PocketBase's own API tests do).
package testutil

import (
	"os"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/cobraspace/cobraspace/internal/cobraspace"
	"github.com/cobraspace/cobraspace/internal/stmtcache"
)

// Password of every fixture member.
const Password = "password123"

// Fixture member ids and e-mails.
//
//   - alice: public; her friends list holds bob.
//   - bob: public; empty friends list.
//   - carol: private (is_private); her friends list holds alice, so alice
//     may see her profile and bob may not.
//   - dave: public profile, but his e-mail is hidden (emailVisibility off).
const (
	AliceId = "usralice0000001"
	BobId   = "usrbob000000001"
	CarolId = "usrcarol0000001"
	DaveId  = "usrdave00000001"

	AliceEmail = "alice@example.com"
	BobEmail   = "bob@example.com"
	CarolEmail = "carol@example.com"
	DaveEmail  = "dave@example.com"

	SuperuserEmail = "admin@example.com"

	// A post of alice's, with its room (named after the title) and one
	// message of bob's.
	PostId    = "postalice000001"
	PostTitle = "실시간 채팅 서버 만들기"
	MessageId = "msgbob000000001"
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

// NewApp returns a test app on a fresh copy of the fixture data dir, with
// Cobra Space bound. It is cleaned up when t ends.
func NewApp(t testing.TB) *tests.TestApp {
	t.Helper()
	app := newUnboundApp(t)
	cobraspace.Bind(app)
	t.Cleanup(app.Cleanup)
	return app
}

// Factory is NewApp in the shape tests.ApiScenario.TestAppFactory wants
// (the scenario cleans the app up itself).
func Factory(t testing.TB) *tests.TestApp {
	app := newUnboundApp(t)
	cobraspace.Bind(app)
	return app
}

func newUnboundApp(t testing.TB) *tests.TestApp {
	t.Helper()
	fixtureOnce.Do(func() { fixtureDir, fixtureErr = buildFixtureDir() })
	if fixtureErr != nil {
		t.Fatalf("fixture data dir: %v", fixtureErr)
	}
	// the server's database connection (main.go): the statement cache
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{
		DataDir: fixtureDir, EncryptionEnv: "pb_test_env", DBConnect: stmtcache.Connect,
	})
	if err != nil {
		t.Fatalf("test app: %v", err)
	}
	return app
}

// buildFixtureDir migrates a new data dir and fills it with the fixtures.
func buildFixtureDir() (string, error) {
	dir, err := os.MkdirTemp("", "cobraspace_fixtures_")
	if err != nil {
		return "", err
	}
	app, err := tests.NewTestApp(dir) // runs every migration on a copy...
	if err != nil {
		return "", err
	}
	defer app.Cleanup()
	cobraspace.Bind(app)
	if err := createFixtures(app); err != nil {
		return "", err
	}
	// ...which becomes the fixture dir once the databases are flushed.
	if err := app.ClearBootstrap(); err != nil {
		return "", err
	}
	out, err := os.MkdirTemp("", "cobraspace_fixtures_")
	if err != nil {
		return "", err
	}
	if err := os.CopyFS(out, os.DirFS(app.DataDir())); err != nil {
		return "", err
	}
	return out, nil
}

func createFixtures(app core.App) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	members := []struct {
		id, email, nickname string
		private, visible    bool
	}{
		{AliceId, AliceEmail, "alice", false, true},
		{BobId, BobEmail, "bob", false, true},
		{CarolId, CarolEmail, "carol", true, true},
		{DaveId, DaveEmail, "dave", false, false},
	}
	for _, m := range members {
		u := core.NewRecord(users)
		u.Id = m.id
		u.SetEmail(m.email)
		u.SetPassword(Password)
		u.SetEmailVisibility(m.visible)
		u.SetVerified(true)
		u.Set("nickname", m.nickname)
		u.Set("bio", m.nickname+"'s bio")
		u.Set("contact_number", "010-1234-5678")
		u.Set("is_private", m.private)
		if err := app.Save(u); err != nil {
			return err
		}
	}
	for _, pair := range [][2]string{{AliceId, BobId}, {CarolId, AliceId}} {
		if err := SaveRecord(app, "friends", map[string]any{"user": pair[0], "friend": pair[1]}); err != nil {
			return err
		}
	}

	superusers, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return err
	}
	su := core.NewRecord(superusers)
	su.SetEmail(SuperuserEmail)
	su.SetPassword(Password)
	if err := app.Save(su); err != nil {
		return err
	}

	category, err := app.FindFirstRecordByData("categories", "name", "Programming")
	if err != nil {
		return err
	}
	if err := SaveRecord(app, "posts", map[string]any{
		"id": PostId, "title": PostTitle, "content": "Go로 **채팅** 서버를 만듭니다.",
		"category": category.Id, "writer": AliceId,
	}); err != nil {
		return err
	}
	room, err := app.FindFirstRecordByData("rooms", "post", PostId)
	if err != nil {
		return err
	}
	return SaveRecord(app, "messages", map[string]any{
		"id": MessageId, "room": room.Id, "sender": BobId, "message": "안녕하세요!",
	})
}

// SaveRecord creates a record of collection with data (an "id" key sets
// the record id).
func SaveRecord(app core.App, collection string, data map[string]any) error {
	r, err := newRecord(app, collection, data)
	if err != nil {
		return err
	}
	return app.Save(r)
}

// newRecord is an unsaved record of collection with data.
func newRecord(app core.App, collection string, data map[string]any) (*core.Record, error) {
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(c)
	if id, ok := data["id"].(string); ok {
		r.Id = id
	}
	for k, v := range data {
		if k != "id" {
			r.Set(k, v)
		}
	}
	return r, nil
}

// Token is a plain PocketBase auth token of the member with that e-mail
// (what the JS SDK's authWithPassword hands out).
func Token(t testing.TB, app core.App, email string) string {
	t.Helper()
	collection := "users"
	if email == SuperuserEmail {
		collection = core.CollectionNameSuperusers
	}
	record, err := app.FindAuthRecordByEmail(collection, email)
	if err != nil {
		t.Fatalf("fixture %s: %v", email, err)
	}
	token, err := record.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

var (
	tokenMu    sync.Mutex
	tokenCache = map[string]string{}
)

// AuthHeader is {"Authorization": "Bearer <token>"} for a fixture account.
// Every test app is a copy of the same fixture dir, so the token of one
// copy is valid in all of them; it is made once and cached.
func AuthHeader(t testing.TB, email string) map[string]string {
	t.Helper()
	tokenMu.Lock()
	defer tokenMu.Unlock()
	if token, ok := tokenCache[email]; ok {
		return map[string]string{"Authorization": "Bearer " + token}
	}
	app := newUnboundApp(t)
	defer app.Cleanup()
	tokenCache[email] = Token(t, app, email)
	return map[string]string{"Authorization": "Bearer " + tokenCache[email]}
}
