// Package replica backs the writer's SQLite database up continuously with
// Litestream (github.com/benbjohnson/litestream, used as a Go library: no
// separate process, no downloaded binary) and restores it to a point in
// time.
//
// Replication is off unless COBRA_REPLICA_URL is set, so a single node
// still needs no flags, no configuration and no extra process:
//
//	COBRA_REPLICA_URL            where the backup goes: a directory path or
//	                             file:///path, or s3://bucket/path (S3 and
//	                             S3-compatible storage, credentials from the
//	                             usual AWS_* variables; ?endpoint=…&region=…
//	                             for non-AWS services)
//	COBRA_REPLICA_SYNC_INTERVAL  how often the WAL is copied to the replica,
//	                             a Go duration; 1s when unset
//
// Only <dataDir>/data.db is replicated (the members, rooms, messages…);
// auxiliary.db holds PocketBase's request logs, which a restore does not
// need.
//
// Checkpoints: Litestream holds a read transaction on data.db so that
// nothing checkpoints WAL frames it has not copied yet, and it runs the
// checkpoints itself (PASSIVE at 1000 WAL pages or every minute, TRUNCATE
// only past ~500 MB). SQLite's automatic PASSIVE checkpoint on PocketBase's
// connections stays as it is: it cannot pass Litestream's read mark, which
// is how Litestream expects to share a database with its application.
// PocketBase's nightly "PRAGMA wal_checkpoint(TRUNCATE)" of data.db would
// wait for that read transaction with the write lock held (stalling every
// send for the busy timeout) and then fail, so with replication on that
// cron job keeps only its other work (the auxiliary database's checkpoint
// and PRAGMA optimize).
//
// Litestream is a second writer on data.db: after each checkpoint it
// commits a row of its own (_litestream_seq). A deferred transaction of
// PocketBase's that read before such a commit and writes after it would
// fail with SQLITE_BUSY_SNAPSHOT, so with replication on main.go opens the
// database with stmtcache.ConnectImmediate (write transactions begin
// IMMEDIATE).
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3" // registers the s3:// scheme
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Environment variables.
const (
	EnvURL          = "COBRA_REPLICA_URL"
	EnvSyncInterval = "COBRA_REPLICA_SYNC_INTERVAL"
)

// DefaultSyncInterval is how often the WAL is checked and copied when
// COBRA_REPLICA_SYNC_INTERVAL is unset.
const DefaultSyncInterval = time.Second

// DBFile is the database that is replicated, inside the data dir.
const DBFile = "data.db"

// shutdownSyncTimeout bounds the final sync on terminate (Litestream's
// default is 30 s).
const shutdownSyncTimeout = 10 * time.Second

// NewClient is the Litestream replica client of a replica URL: a plain
// path or file:// URL is a directory on this machine, another scheme is
// one of Litestream's backends (s3:// is compiled in).
func NewClient(rawURL string) (litestream.ReplicaClient, error) {
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		return nil, errors.New("empty replica URL")
	}
	if !strings.Contains(rawURL, "://") {
		abs, err := filepath.Abs(rawURL)
		if err != nil {
			return nil, err
		}
		return file.NewReplicaClient(abs), nil
	}
	client, err := litestream.NewReplicaClientFromURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("replica URL %q: %w", rawURL, err)
	}
	return client, nil
}

// SyncInterval is COBRA_REPLICA_SYNC_INTERVAL, or DefaultSyncInterval.
func SyncInterval() (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv(EnvSyncInterval))
	if v == "" {
		return DefaultSyncInterval, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive Go duration such as 1s or 500ms", EnvSyncInterval, v)
	}
	return d, nil
}

// Enabled is whether COBRA_REPLICA_URL is set.
func Enabled() bool { return strings.TrimSpace(os.Getenv(EnvURL)) != "" }

// Register starts replication of data.db when the server starts serving
// and stops it (after a last sync) when it terminates — only when
// COBRA_REPLICA_URL is set; otherwise it binds nothing.
func Register(app core.App) {
	rawURL := strings.TrimSpace(os.Getenv(EnvURL))
	if rawURL == "" {
		return
	}

	keepNightlyOptimizeWithoutMainCheckpoint(app)

	var store *litestream.Store
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "cobraReplicaStart",
		Func: func(e *core.ServeEvent) error {
			s, err := start(e.App, rawURL)
			if err != nil {
				return fmt.Errorf("replication to %s: %w", rawURL, err)
			}
			store = s
			return e.Next()
		},
	})
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{
		Id: "cobraReplicaStop",
		// the last sync runs once the rest of the chain is done: the HTTP
		// server has stopped and PocketBase has closed its connections
		// (Litestream's rule for library use: close it after the app's
		// connections, or when the process ends)
		Priority: -999,
		Func: func(e *core.TerminateEvent) error {
			err := e.Next()
			if store != nil {
				ctx, cancel := context.WithTimeout(context.Background(), shutdownSyncTimeout+5*time.Second)
				defer cancel()
				if cerr := store.Close(ctx); cerr != nil {
					logger().Error("replica: last sync on terminate", "error", cerr)
				}
				store = nil
			}
			return err
		},
	})
}

// start opens the Litestream store of <dataDir>/data.db.
func start(app core.App, rawURL string) (*litestream.Store, error) {
	interval, err := SyncInterval()
	if err != nil {
		return nil, err
	}
	client, err := NewClient(rawURL)
	if err != nil {
		return nil, err
	}

	log := logger()
	db := litestream.NewDB(filepath.Join(app.DataDir(), DBFile))
	db.Logger = log.With(litestream.LogKeyDB, DBFile)
	db.MonitorInterval = interval
	db.ShutdownSyncTimeout = shutdownSyncTimeout
	r := litestream.NewReplicaWithClient(db, client)
	r.SyncInterval = interval
	db.Replica = r
	if fc, ok := client.(*file.ReplicaClient); ok {
		fc.Replica = r // the file backend copies the database's file mode
	}

	store := litestream.NewStore([]*litestream.DB{db}, litestream.DefaultCompactionLevels)
	store.Logger = log
	store.SetShutdownSyncTimeout(shutdownSyncTimeout)
	if err := store.Open(context.Background()); err != nil {
		_ = store.Close(context.Background())
		return nil, err
	}
	log.Info("replica: replicating", "db", db.Path(), "to", rawURL, "sync_interval", interval.String())
	return store, nil
}

// logger is Litestream's log, on stderr (PocketBase's app logger writes
// into the auxiliary database).
func logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("subsystem", "litestream")
}

// keepNightlyOptimizeWithoutMainCheckpoint replaces PocketBase's nightly
// __pbDBOptimize__ job by the same job less data.db's TRUNCATE
// checkpoint, which Litestream does instead (see the package comment).
func keepNightlyOptimizeWithoutMainCheckpoint(app core.App) {
	const id = "__pbDBOptimize__"
	app.Cron().Remove(id)
	_ = app.Cron().Add(id, "0 0 * * *", func() {
		if _, err := app.AuxNonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute(); err != nil {
			app.Logger().Warn("Failed to run periodic PRAGMA wal_checkpoint for the auxiliary DB", slog.String("error", err.Error()))
		}
		if _, err := app.NonconcurrentDB().NewQuery("PRAGMA optimize").Execute(); err != nil {
			app.Logger().Warn("Failed to run periodic PRAGMA optimize", slog.String("error", err.Error()))
		}
	})
}
