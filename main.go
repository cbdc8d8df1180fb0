// Command cobraspace is the Cobra Space server: PocketBase extended with the
// documented REST/WebSocket API, the chat design and the web client.
//
// Besides PocketBase's own commands (serve, superuser, migrate) it has
// "seed" for demo data and "bench" for benchmarks against stock PocketBase.
package main

import (
	"log"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"github.com/cobraspace/cobraspace/internal/bench"
	"github.com/cobraspace/cobraspace/internal/cobraspace"
	"github.com/cobraspace/cobraspace/internal/seed"
)

func main() {
	app := pocketbase.New()
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{})
	cobraspace.Bind(app)
	app.RootCmd.AddCommand(seed.Command(app), bench.Command(app))
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
