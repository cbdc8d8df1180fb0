package hooks_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// deletePostBeforeInsert makes the next message insert wait, after its
// validation found the room, until another request (on its own goroutine,
// through the scenario's router) has deleted the fixture post — and with
// it its room — and committed.
func deletePostBeforeInsert(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	mux, err := e.Router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	chat.CommitterOf(app).SetEnabled(false) // see TestMessageToRoomDeletedMeanwhile
	app.OnRecordCreateExecute("messages").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: -1000, // before every other execute hook: right after validation
		Func: func(re *core.RecordEvent) error {
			deleted := make(chan int)
			go func() {
				req := httptest.NewRequest(http.MethodDelete, "/api/post/detail/"+testutil.PostId+"/delete/", nil)
				req.Header.Set("Authorization", alice["Authorization"])
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				deleted <- rec.Code
			}()
			if code := <-deleted; code != http.StatusNoContent {
				t.Errorf("concurrent post delete: %d", code)
			}
			return re.Next()
		},
	})
}

// noMessageStored checks that the room and every message are gone.
func noMessageStored(t testing.TB, app *tests.TestApp, _ *http.Response) {
	t.Helper()
	testutil.ExpectCount(t, app, "posts", nil, 0)
	testutil.ExpectCount(t, app, "rooms", nil, 0)
	testutil.ExpectCount(t, app, "messages", nil, 0)
}

// A message sent while its post (and so its room) is being deleted is
// refused and not stored, whichever API sent it.
//
// Each message is validated and inserted by its sender here, in a
// transaction of its own (the group commit off, as stock PocketBase
// saves): with the group commit both happen in the writer's transaction,
// where internal/chat's TestGroupCommitFailureFailsAlone deletes the room.
func TestMessageToRoomDeletedMeanwhile(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	room := postRoom(t, app, testutil.PostId).Id
	bob := testutil.AuthHeader(t, testutil.BobEmail)
	invalidPk := `{"room":["Invalid pk \"` + room + `\" - object does not exist."]}`
	testutil.Run(t, []tests.ApiScenario{
		{
			Name: "REST send", Method: http.MethodPost, URL: "/api/chat/message/", Headers: bob,
			Body:           testutil.Bodyf(`{"room":%q,"message":"too late"}`, room),
			BeforeTestFunc: deletePostBeforeInsert,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"Invalid pk"},
			ExpectedEvents: map[string]int{"OnRecordCreateExecute": 1, "OnRecordAfterCreateSuccess": 0, "OnRecordAfterCreateError": 1},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				testutil.After(testutil.BodyIs(invalidPk))(t, app, res)
				noMessageStored(t, app, res)
			},
		},
		{
			Name: "SDK create", Method: http.MethodPost, URL: "/api/collections/messages/records", Headers: bob,
			Body:            testutil.Bodyf(`{"room":%q,"message":"too late"}`, room),
			BeforeTestFunc:  deletePostBeforeInsert,
			ExpectedStatus:  http.StatusBadRequest,
			ExpectedContent: []string{`"room":{"code":"validation_missing_rel_records"`, `Invalid pk \"` + room},
			ExpectedEvents:  map[string]int{"OnRecordCreateExecute": 1, "OnRecordAfterCreateSuccess": 0, "OnRecordAfterCreateError": 1},
			AfterTestFunc:   noMessageStored,
		},
	})
}

// app.Save of a message into a room deleted after validation fails with
// ErrGone.
func TestMessageSaveIntoDeletedRoom(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	withBobRoom(t, app)
	app.OnRecordCreateExecute("messages").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: -1000,
		Func: func(re *core.RecordEvent) error {
			if _, err := app.NonconcurrentDB().Delete("rooms", dbx.HashExp{"id": bobRoomId}).Execute(); err != nil {
				t.Fatal(err)
			}
			return re.Next()
		},
	})
	msg := testutil.NewRecord(t, app, "messages", map[string]any{"room": bobRoomId, "sender": testutil.BobId, "message": "too late"})
	if err := app.Save(msg); !errors.Is(err, hooks.ErrGone) {
		t.Fatalf("save into a deleted room: err = %v, want ErrGone", err)
	}
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": "too late"}, 0)
}
