package api

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Group is the router group type our routes are registered on.
type Group = router.RouterGroup[*core.RequestEvent]

// Handle registers action for method and path both without and with a
// trailing slash, as Django's APPEND_SLASH clients expect. path is written
// without the trailing slash ("/login", "/detail/{id}"). A *Problem the
// action returns becomes its JSON answer.
func Handle(g *Group, method, path string, action func(*core.RequestEvent) error) {
	path = strings.TrimSuffix(path, "/")
	wrapped := func(e *core.RequestEvent) error { return respond(e, action(e)) }
	g.Route(method, path, wrapped)
	g.Route(method, path+"/{$}", wrapped)
}

// HandleMany registers the same action for several methods.
func HandleMany(g *Group, methods []string, path string, action func(*core.RequestEvent) error) {
	for _, m := range methods {
		Handle(g, m, path, action)
	}
}
