// Package bench holds the "bench" command: measurements of Cobra Space
// against stock PocketBase on the same data, in the same run, over real
// HTTP on loopback.
package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// progressOut receives the commands' progress: seeding, phase headings,
// progress bars. It is os.Stderr, written to directly: PocketBase's root
// command discards cmd.PrintErr output. (Tests swap it.)
var progressOut io.Writer = os.Stderr

// Command is the "bench" command with its subcommands.
func Command(app core.App) *cobra.Command {
	collectOnSignal() // in a server the bench started (see gcSignalEnv)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks against stock PocketBase (use a scratch --dir: it seeds data)",
	}
	cmd.AddCommand(searchCommand(app), chatCommand(app), floodCommand(app), unreadCommand(app), chatSearchCommand(app), sendCommand(app), clusterCommand(app), floorCommand())
	return cmd
}

// startServer serves app's full router (PocketBase's and ours) on a
// loopback port, as `serve` would.
func startServer(app core.App) (*httptest.Server, error) {
	router, err := apis.NewRouter(app)
	if err != nil {
		return nil, err
	}
	se := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error { return nil })
	if err != nil {
		return nil, err
	}
	mux, err := router.BuildMux()
	if err != nil {
		return nil, err
	}
	return httptest.NewServer(mux), nil
}

// timeGET times one GET and drains its body; non-200 answers are errors.
func timeGET(client *http.Client, url string) (time.Duration, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	return timeRequest(client, req)
}

// timeRequest times one request and drains its body; non-200 answers are
// errors.
func timeRequest(client *http.Client, req *http.Request) (time.Duration, []byte, error) {
	url := req.URL.String()
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return 0, nil, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("GET %s: %d %s", url, res.StatusCode, body)
	}
	return elapsed, body, nil
}

// quantile of sorted durations (q in [0,1]).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1)+0.5)]
}

func sortedCopy(d []time.Duration) []time.Duration {
	out := slices.Clone(d)
	slices.Sort(out)
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
