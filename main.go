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
	"github.com/spf13/cobra"

	"github.com/cobraspace/cobraspace/internal/bench"
	"github.com/cobraspace/cobraspace/internal/cluster"
	"github.com/cobraspace/cobraspace/internal/cobraspace"
	"github.com/cobraspace/cobraspace/internal/edge"
	"github.com/cobraspace/cobraspace/internal/replica"
	"github.com/cobraspace/cobraspace/internal/seed"
	"github.com/cobraspace/cobraspace/internal/stmtcache"
)

func main() {
	// restore works on a directory that must not exist yet, and an edge
	// has no data directory: run them before PocketBase bootstraps (and
	// so creates) one
	for _, early := range []*cobra.Command{replica.RestoreCommand(), edge.Command()} {
		if len(os.Args) > 1 && os.Args[1] == early.Name() {
			early.SetArgs(os.Args[2:])
			if err := early.Execute(); err != nil {
				os.Exit(1)
			}
			return
		}
	}

	// data in ./pb_data and the web client in ./pb_public, relative to where
	// the binary is run from (the repository root for `make run`)
	// stmtcache: PocketBase's SQLite connection, keeping compiled
	// statements; 64 idle connections (PocketBase keeps 15) so that a
	// burst of concurrent requests does not close and reopen connections,
	// losing their statements each time
	// with Litestream replicating, write transactions begin IMMEDIATE
	// (see stmtcache.ConnectImmediate)
	dbConnect := stmtcache.Connect
	if replica.Enabled() {
		dbConnect = stmtcache.ConnectImmediate
	}
	app := pocketbase.NewWithConfig(pocketbase.Config{
		DefaultDataDir:   "pb_data",
		DBConnect:        dbConnect,
		DataMaxIdleConns: 64,
	})

	var publicDir string
	app.RootCmd.PersistentFlags().StringVar(&publicDir, "publicDir", "pb_public", "the directory of the web client served at /")

	// with cluster flags (or their COBRA_NATS_* variables), `serve` is the
	// writer of a cluster (docs/DEPLOY.md); without, a node alone
	var clusterOpts cluster.Options
	cluster.AddFlags(app.RootCmd.PersistentFlags(), &clusterOpts)

	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{})
	cobraspace.Bind(app)
	cluster.RegisterWriter(app, &clusterOpts)
	app.RootCmd.AddCommand(seed.Command(app), bench.Command(app), replica.RestoreCommand(), edge.Command())

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
