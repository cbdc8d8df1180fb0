// Command cobraspace is the Cobra Space server: PocketBase extended with the
// documented REST/WebSocket API, the chat design and the web client.
//
// Besides PocketBase's own commands (serve, superuser, migrate) it has
// "seed" for demo data and "bench" for benchmarks against stock PocketBase.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/cobraspace/cobraspace/internal/bench"
	"github.com/cobraspace/cobraspace/internal/cobraspace"
	"github.com/cobraspace/cobraspace/internal/seed"
)

func main() {
	// data in ./pb_data and the web client in ./pb_public, relative to where
	// the binary is run from (the repository root for `make run`)
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: "pb_data"})

	var publicDir string
	app.RootCmd.PersistentFlags().StringVar(&publicDir, "publicDir", "pb_public", "the directory of the web client served at /")

	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{})
	cobraspace.Bind(app)
	app.RootCmd.AddCommand(seed.Command(app), bench.Command(app))

	// the web client, after every other route (so it never shadows one)
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
				e.Router.GET("/{path...}", apis.Static(os.DirFS(publicDir), false))
			}
			return e.Next()
		},
		Priority: 999,
	})

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
