// Package cluster connects Cobra Space nodes through NATS: one writer (the
// `serve` node, which alone writes the database) and edge nodes (internal/
// edge) that hold clients' live connections. See docs/DEPLOY.md.
//
//   - nats.go: the NATS server embedded in a node (clustered through
//     routes) or an external NATS by URL, from flags and the environment;
//   - subjects.go: the subjects and what travels on them;
//   - writer.go: the writer's side — it relays its hub's events on
//     per-room subjects, numbered, answers the edges' requests
//     (admission, access checks, client frames), and keeps who is online
//     on every node from the edges' presence reports and heartbeats
//     (nodeTracker: a node silent for NodeTTL is dropped).
package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"
	"github.com/spf13/pflag"
)

// Options say how a node reaches the others. With none of Cluster, Routes,
// URL or Config set, a node is alone (no NATS at all: the default).
type Options struct {
	// Node names this node (default: the host name and a random suffix).
	Node string
	// Cluster is the host:port the embedded NATS server listens on for
	// routes from the other nodes.
	Cluster string
	// Routes are the other nodes' route URLs (nats://host:port,...).
	Routes string
	// URL is an external NATS (nats://host:port,...): no embedded server.
	URL string
	// Config is a nats-server configuration file for the embedded server
	// (TLS, authorization, ...); Cluster and Routes given too override its.
	Config string
}

// The environment variables behind the flags.
const (
	EnvNode    = "COBRA_NODE_NAME"
	EnvCluster = "COBRA_NATS_CLUSTER"
	EnvRoutes  = "COBRA_NATS_ROUTES"
	EnvURL     = "COBRA_NATS_URL"
	EnvConfig  = "COBRA_NATS_CONFIG"
)

// AddFlags adds the cluster flags to fs, their defaults from the
// environment.
func AddFlags(fs *pflag.FlagSet, o *Options) {
	fs.StringVar(&o.Node, "node-name", os.Getenv(EnvNode), "this node's name in the cluster (env "+EnvNode+"; default: host name and a random suffix)")
	fs.StringVar(&o.Cluster, "nats-cluster", os.Getenv(EnvCluster), "host:port the embedded NATS server takes routes from the other nodes on (env "+EnvCluster+")")
	fs.StringVar(&o.Routes, "nats-routes", os.Getenv(EnvRoutes), "the other nodes' NATS routes, nats://host:port,... (env "+EnvRoutes+")")
	fs.StringVar(&o.URL, "nats-url", os.Getenv(EnvURL), "an external NATS cluster, nats://host:port,... instead of the embedded server (env "+EnvURL+")")
	fs.StringVar(&o.Config, "nats-config", os.Getenv(EnvConfig), "a nats-server configuration file for the embedded server: TLS, authorization (env "+EnvConfig+")")
}

// Enabled reports whether the node is part of a cluster.
func (o *Options) Enabled() bool {
	return o.Cluster != "" || o.Routes != "" || o.URL != "" || o.Config != ""
}

// NodeName is o.Node, or a generated one.
func (o *Options) NodeName() string {
	if o.Node != "" {
		return o.Node
	}
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if nameRune(r) {
			return r
		}
		return '-'
	}, host)
	return host + "-" + nuidSuffix()
}

// Conn is a node's NATS connection and, unless external, the server
// embedded in the node.
type Conn struct {
	NC     *nats.Conn
	server *server.Server
}

// Connect starts the embedded NATS server (or reaches the external one)
// and connects to it; reconnections are retried for ever.
func Connect(o *Options, node string) (*Conn, error) {
	connOpts := []nats.Option{
		nats.Name(node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectBufSize(64 << 20),
	}
	if o.URL != "" {
		nc, err := nats.Connect(o.URL, connOpts...)
		if err != nil {
			return nil, fmt.Errorf("connecting to NATS %s: %w", o.URL, err)
		}
		return &Conn{NC: nc}, nil
	}
	ns, token, err := startServer(o, node)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect("", append(connOpts, nats.InProcessServer(ns), nats.Token(token))...)
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("connecting to the embedded NATS: %w", err)
	}
	return &Conn{NC: nc, server: ns}, nil
}

// startServer starts the embedded NATS server: routes on o.Cluster to
// and from o.Routes.
func startServer(o *Options, node string) (ns *server.Server, token string, err error) {
	opts := &server.Options{}
	if o.Config != "" {
		if opts, err = server.ProcessConfigFile(o.Config); err != nil {
			return nil, "", fmt.Errorf("NATS configuration %s: %w", o.Config, err)
		}
	}
	opts.ServerName = node
	// the node connects in process; the client port (which NATS needs
	// open for its routes to start) is on loopback, any free port, and
	// refuses connections without this process's random token
	opts.Host, opts.Port = "127.0.0.1", -1
	opts.Authorization = nuid.Next()
	opts.NoSigs = true
	opts.NoLog = true
	if opts.Cluster.Name == "" {
		opts.Cluster.Name = "cobraspace"
	}
	if o.Cluster != "" {
		host, port, err := splitHostPort(o.Cluster)
		if err != nil {
			return nil, "", fmt.Errorf("--nats-cluster %q: %w", o.Cluster, err)
		}
		opts.Cluster.Host, opts.Cluster.Port = host, port
	}
	if o.Routes != "" {
		opts.Routes = server.RoutesFromStr(o.Routes)
		if len(opts.Routes) == 0 {
			return nil, "", fmt.Errorf("--nats-routes %q: no route URL in it", o.Routes)
		}
	}
	if opts.Cluster.Port == 0 && len(opts.Routes) > 0 {
		opts.Cluster.Port = -1 // routes out only: any port for routes in
	}
	ns, err = server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("starting the embedded NATS: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, "", errors.New("the embedded NATS did not start in 10s (is the --nats-cluster port free?)")
	}
	return ns, opts.Authorization, nil
}

func splitHostPort(hostPort string) (string, int, error) {
	host, p, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return host, port, nil
}

// Close drains the connection (what it published goes out first) and
// stops the embedded server.
func (c *Conn) Close() {
	if c == nil {
		return
	}
	_ = c.NC.Drain()
	deadline := time.Now().Add(5 * time.Second)
	for !c.NC.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if c.server != nil {
		c.server.Shutdown()
		c.server.WaitForShutdown()
	}
}

// Routes is how many routes the embedded server has (0 when external).
func (c *Conn) Routes() int {
	if c.server == nil {
		return 0
	}
	return c.server.NumRoutes()
}

func nuidSuffix() string {
	n := nuid.Next()
	return strings.ToLower(n[len(n)-6:])
}
