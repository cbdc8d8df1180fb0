package moderation_test

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/moderation"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// pastUntil moves a row's until into the past behind the hooks' back, as
// a restart that missed its timer would leave it.
func pastUntil(t testing.TB, app core.App, table, id string) {
	t.Helper()
	past := types.NowDateTime().Add(-time.Minute).String()
	if _, err := app.DB().Update(table, dbx.Params{"until": past}, dbx.HashExp{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
}

func canRead(t testing.TB, app core.App, email string) bool {
	t.Helper()
	member, err := app.FindAuthRecordByEmail("users", email)
	if err != nil {
		t.Fatal(err)
	}
	return chat.CanReadRoom(app, testutil.MustFind(t, app, "rooms", roomId(t)), member)
}

func TestSweepEndsMutesAndBans(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	room := roomId(t)
	later := types.NowDateTime().Add(time.Hour).String()
	testutil.MustSave(t, app, "room_mutes", map[string]any{"id": "mutebob00000001", "room": room, "user": B, "by": A, "until": later})
	testutil.MustSave(t, app, "room_bans", map[string]any{"id": "banbob000000001", "room": room, "user": B, "by": A, "until": later})
	testutil.MustSave(t, app, "room_bans", map[string]any{"id": "bandave00000001", "room": room, "user": D, "by": A}) // for good
	if canRead(t, app, testutil.BobEmail) {
		t.Fatal("banned bob reads the room")
	}
	pastUntil(t, app, "room_mutes", "mutebob00000001")
	pastUntil(t, app, "room_bans", "banbob000000001")
	moderation.Sweep(app)
	stored("room_mutes", B, 0)(t, app, nil)
	stored("room_bans", B, 0)(t, app, nil)
	stored("room_bans", D, 1)(t, app, nil)
	if !canRead(t, app, testutil.BobEmail) {
		t.Error("bob still cannot read the room after his ban ended")
	}
	logged("mute "+A+" "+B+`  {"minutes":60}`, "ban "+A+" "+B+`  {"minutes":60}`, "ban "+A+" "+D+`  {"minutes":null}`,
		"unmute - "+B+`  {"expired":true}`, "unban - "+B+`  {"expired":true}`)(t, app, nil)
}

func TestServeStartSweeps(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	testutil.MustSave(t, app, "room_bans", map[string]any{"id": "banbob000000001", "room": roomId(t), "user": B, "until": types.NowDateTime().Add(time.Hour).String()})
	pastUntil(t, app, "room_bans", "banbob000000001")
	testutil.Routes(t, app) // the OnServe hooks
	stored("room_bans", B, 0)(t, app, nil)
}

// a timer ends a short ban without waiting for the sweep
func TestBanTimerEndsIt(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	testutil.MustSave(t, app, "room_bans", map[string]any{"room": roomId(t), "user": B, "until": types.NowDateTime().Add(300 * time.Millisecond).String()})
	if canRead(t, app, testutil.BobEmail) {
		t.Fatal("banned bob reads the room")
	}
	deadline := time.Now().Add(5 * time.Second)
	for testutil.Count(t, app, "room_bans", nil) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the ban did not end within 5 s of its until")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !canRead(t, app, testutil.BobEmail) {
		t.Error("bob cannot read the room after his ban ended")
	}
}

// a member or room deleted takes their mutes, bans and appointments with
// them (a cascade: nothing to log)
func TestCascadesAreNotLogged(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	room := roomId(t)
	for _, c := range []string{"room_mutes", "room_bans", "room_moderators"} {
		testutil.MustSave(t, app, c, map[string]any{"room": room, "user": B, "by": A})
		testutil.MustSave(t, app, c, map[string]any{"room": room, "user": C, "by": A})
	}
	if err := app.Delete(testutil.MustFind(t, app, "users", B)); err != nil {
		t.Fatalf("deleting a muted, banned moderator: %v", err)
	}
	testutil.ExpectCount(t, app, "moderation_log", dbx.NewExp("action IN ('unmute','unban','dismiss_moderator')"), 0)
	if err := app.Delete(testutil.MustFind(t, app, "posts", testutil.PostId)); err != nil {
		t.Fatalf("deleting the post (and its room): %v", err)
	}
	for _, c := range []string{"room_mutes", "room_bans", "room_moderators"} {
		testutil.ExpectCount(t, app, c, nil, 0)
	}
	testutil.ExpectCount(t, app, "moderation_log", dbx.NewExp("action IN ('unmute','unban','dismiss_moderator')"), 0)
}
