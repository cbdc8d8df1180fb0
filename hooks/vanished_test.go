package hooks_test

import (
	"errors"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// A post loaded, then deleted, then saved: app.Save fails (ErrGone) and
// nothing is written for it — no row, no room, no search document.
func TestSaveOfDeletedPostFails(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	post := testutil.MustFind(t, app, "posts", testutil.PostId)
	if err := app.Delete(testutil.MustFind(t, app, "posts", testutil.PostId)); err != nil {
		t.Fatal(err)
	}
	post.Set("content", "유령 내용")
	err := app.Save(post)
	if !errors.Is(err, hooks.ErrGone) {
		t.Fatalf("save of a deleted post: err = %v, want ErrGone", err)
	}
	testutil.ExpectCount(t, app, "posts", nil, 0)
	testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"post": testutil.PostId}, 0)
	testutil.ExpectCount(t, app, "post_search_docs", nil, 0)
	testutil.ExpectCount(t, app, "post_search_tags", nil, 0)

	// inside a caller's transaction too
	err = app.RunInTransaction(func(tx core.App) error { return tx.Save(post) })
	if !errors.Is(err, hooks.ErrGone) {
		t.Fatalf("save of a deleted post in a transaction: err = %v, want ErrGone", err)
	}
	testutil.ExpectCount(t, app, "post_search_docs", nil, 0)
}
