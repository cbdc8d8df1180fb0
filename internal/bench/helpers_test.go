package bench

import (
	"bytes"
	"io"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/cobraspace"
)

// benchApp is a bootstrapped Cobra Space app on a scratch data dir, as
// `cobraspace bench` runs on, with the commands' progress captured in the
// returned buffer (progressOut is restored when the test ends).
func benchApp(t *testing.T) (core.App, *bytes.Buffer) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := app.ClearBootstrap(); err != nil {
			t.Error(err)
		}
	})
	cobraspace.Bind(app)

	progress := &bytes.Buffer{}
	saved := progressOut
	progressOut = progress
	t.Cleanup(func() { progressOut = saved })
	return app, progress
}

// runBench runs `bench <args...>` on app and returns what it printed on
// stdout; stderr is discarded, as PocketBase's root command does.
func runBench(t *testing.T, app core.App, progress *bytes.Buffer, args ...string) string {
	t.Helper()
	cmd := Command(app)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("bench %v: %v\nprogress:\n%s", args, err, progress.String())
	}
	return out.String()
}
