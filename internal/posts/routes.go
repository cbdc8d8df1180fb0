// Package posts serves the documented /api/post/* routes: the post list
// and search, detail (with view counting and the post's room), write, edit,
// delete and categories. Search itself lives in posts/search, which keeps
// its index up to date with its own hooks (bound by Register).
package posts

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/posts/search"
)

// Register binds the /api/post routes, the post creation limit of the
// record API and the search index's hooks to app.
func Register(app core.App) {
	search.Register(app)
	limitRecordCreates(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/post")
		api.Handle(g, http.MethodGet, "", listPosts)
		api.Handle(g, http.MethodGet, "/posts", listPosts)
		api.Handle(g, http.MethodGet, "/detail/{id}", postDetail)
		api.Handle(g, http.MethodPost, "/write", api.RequireMember(writePost))
		api.HandleMany(g, []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch}, "/detail/{id}/edit", editPost)
		api.HandleMany(g, []string{http.MethodPost, http.MethodDelete}, "/detail/{id}/delete", deletePost)
		api.Handle(g, http.MethodGet, "/categories", listCategories)
		api.Handle(g, http.MethodPost, "/categories", createCategory)
		return se.Next()
	})
}
