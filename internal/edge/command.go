package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cobraspace/cobraspace/internal/cluster"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// CommandName is the edge command's name (main runs it before PocketBase
// bootstraps: an edge has no data directory).
const CommandName = "edge"

// EnvWriter is the environment variable behind --writer.
const EnvWriter = "COBRA_WRITER_URL"

// Config is what an edge runs with.
type Config struct {
	Writer    string // the writer's base URL
	HTTP      string // host:port to serve on
	PublicDir string // the web client
	Cluster   cluster.Options
}

// Command is `cobraspace edge --writer <url> ...`.
func Command() *cobra.Command {
	var c Config
	cmd := &cobra.Command{
		Use:   CommandName,
		Short: "Serve room WebSockets and room topics on this node, everything else by the writer (docs/DEPLOY.md)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return Run(ctx, c, cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&c.Writer, "writer", os.Getenv(EnvWriter), "the writer's URL, e.g. http://10.0.0.1:8090 (env "+EnvWriter+")")
	fs.StringVar(&c.HTTP, "http", "127.0.0.1:8091", "host:port to serve on")
	fs.StringVar(&c.PublicDir, "publicDir", "pb_public", "the directory of the web client served at /")
	cluster.AddFlags(fs, &c.Cluster)
	return cmd
}

// Run serves an edge until ctx ends.
func Run(ctx context.Context, c Config, out interface{ Write([]byte) (int, error) }) error {
	if c.Writer == "" {
		return errors.New("edge: --writer is required (the writer's URL)")
	}
	if !c.Cluster.Enabled() {
		return errors.New("edge: an edge needs NATS: --nats-routes (the embedded server's routes) or --nats-url")
	}
	node := c.Cluster.NodeName()
	if !cluster.ValidNodeName(node) {
		return fmt.Errorf("edge: node name %q: letters, digits, - and _ only", node)
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	conn, err := cluster.Connect(&c.Cluster, node)
	if err != nil {
		return err
	}
	defer conn.Close()
	e := New(conn.NC, node, c.Writer, limits.FromEnv(), log)
	stopReports := make(chan struct{})
	defer close(stopReports)
	if err := e.Start(stopReports); err != nil {
		return err
	}
	handler, err := e.Handler(c.PublicDir)
	if err != nil {
		return fmt.Errorf("edge: --writer %q: %w", c.Writer, err)
	}
	ln, err := net.Listen("tcp", c.HTTP)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(out, "Edge %s started at http://%s (writer %s)\n", node, ln.Addr(), c.Writer)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// the clients reconnect to another node and catch up
	n := e.DropAll()
	fmt.Fprintf(out, "Edge %s stopping: %d live connections closed\n", node, n)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return nil
}
