// Package posts serves the documented /api/post/* routes: the post list
// and search, detail (with view counting and the post's room), write, edit,
// delete and categories. Search itself lives in posts/search.
package posts

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// Register binds the /api/post routes, and the post creation limit of the
// record API, to app.
func Register(app core.App) {
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
