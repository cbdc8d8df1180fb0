package search_test

import (
	"errors"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/posts/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Index never writes a document for a post whose row is gone, whether the
// post never had one or had one already.
func TestIndexRefusesPostWithoutRow(t *testing.T) {
	app := testutil.NewApp(t)
	post := testutil.MustFind(t, app, "posts", testutil.PostId)
	docsBefore := testutil.Count(t, app, "post_search_docs", nil)

	// a document exists (the fixture post's): its rewrite is refused
	if _, err := app.DB().Delete("posts", dbx.HashExp{"id": post.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	post.Set("content", "유령 내용")
	if err := search.Index(app, post); !errors.Is(err, search.ErrPostGone) {
		t.Errorf("rewrite of a gone post's document: err = %v, want ErrPostGone", err)
	}
	expectNoText(t, app, "유령 내용")

	// no document: none is created
	if err := search.Remove(app, post.Id); err != nil {
		t.Fatal(err)
	}
	if err := search.Index(app, post); !errors.Is(err, search.ErrPostGone) {
		t.Errorf("new document of a gone post: err = %v, want ErrPostGone", err)
	}
	testutil.ExpectCount(t, app, "post_search_docs", nil, docsBefore-1)
	testutil.ExpectCount(t, app, "post_search_tags", nil, 0)
	expectNoText(t, app, "유령 내용")
}

// expectNoText checks that no indexed text contains phrase (read from the
// FTS table itself: PostIds skips documents without a post anyway).
func expectNoText(t testing.TB, app core.App, phrase string) {
	t.Helper()
	var n int
	err := app.DB().NewQuery("SELECT count(*) FROM post_search_text WHERE post_search_text MATCH {:q}").
		Bind(dbx.Params{"q": `"` + phrase + `"`}).Row(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d indexed texts contain %q", n, phrase)
	}
}
