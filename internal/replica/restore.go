package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/spf13/cobra"
)

// RestoreCommandName is the subcommand's name; main.go runs it before
// PocketBase bootstraps a data dir (a restore must not create one).
const RestoreCommandName = "restore"

// RestoreOptions is what the restore command does.
type RestoreOptions struct {
	Replica   string    // the replica URL or path, as COBRA_REPLICA_URL
	To        string    // the data dir to create; must be missing or empty
	Timestamp time.Time // zero: the newest state; else the state at that time
}

// Restore writes <To>/data.db from the replica, as it was at Timestamp
// (or as new as the replica has it). Progress goes to progress.
func Restore(ctx context.Context, opt RestoreOptions, progress io.Writer) error {
	if opt.To == "" {
		return errors.New("--to is required")
	}
	if err := emptyOrMissing(opt.To); err != nil {
		return err
	}
	client, err := NewClient(opt.Replica)
	if err != nil {
		return err
	}
	if err := client.Init(ctx); err != nil {
		return fmt.Errorf("open the replica: %w", err)
	}

	log := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelInfo}))
	out := filepath.Join(opt.To, DBFile)
	fmt.Fprintf(progress, "restore: replica %s\n", opt.Replica)
	if opt.Timestamp.IsZero() {
		fmt.Fprintf(progress, "restore: target the newest replicated state\n")
	} else {
		fmt.Fprintf(progress, "restore: target the state at %s\n", opt.Timestamp.UTC().Format(time.RFC3339Nano))
	}

	plan, err := litestream.CalcRestorePlan(ctx, client, 0, opt.Timestamp, log)
	if err != nil {
		if errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) {
			return fmt.Errorf("the replica has no backup at or before that time: %w", err)
		}
		return fmt.Errorf("plan the restore: %w", err)
	}
	var size int64
	for _, info := range plan {
		size += info.Size
	}
	last := plan[len(plan)-1]
	fmt.Fprintf(progress, "restore: %d LTX files (%d bytes), up to transaction %s of %s\n",
		len(plan), size, last.MaxTXID, last.CreatedAt.UTC().Format(time.RFC3339Nano))

	if err := os.MkdirAll(opt.To, 0o755); err != nil {
		return err
	}
	started := time.Now()
	r := litestream.NewReplicaWithClient(nil, client)
	ro := litestream.NewRestoreOptions()
	ro.OutputPath = out
	ro.Timestamp = opt.Timestamp
	ro.IntegrityCheck = litestream.IntegrityCheckQuick
	// Litestream's own messages (the replica has no DB, so they go to
	// slog's default logger)
	prev := slog.Default()
	slog.SetDefault(log)
	defer slog.SetDefault(prev)
	if err := r.Restore(ctx, ro); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "restore: wrote %s (%d bytes) in %s; serve it with: cobraspace serve --dir %s\n",
		out, fi.Size(), time.Since(started).Round(time.Millisecond), opt.To)
	return nil
}

// emptyOrMissing refuses a target directory that holds anything.
func emptyOrMissing(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--to %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("--to %s is not empty (%d entries, e.g. %s): restore only into a missing or empty directory", dir, len(entries), entries[0].Name())
	}
	return nil
}

// RestoreCommand is `cobraspace restore --replica URL --to DIR [--timestamp RFC3339]`.
func RestoreCommand() *cobra.Command {
	var opt RestoreOptions
	var timestamp string
	cmd := &cobra.Command{
		Use:   RestoreCommandName,
		Short: "Restores data.db from a Litestream replica into an empty data dir (point in time with --timestamp)",
		Long: "Restores the database that `serve` replicated with COBRA_REPLICA_URL into a new data dir.\n" +
			"--replica takes the same URL or path as COBRA_REPLICA_URL (a directory, file:///path or s3://bucket/path).\n" +
			"--to must be missing or empty; afterwards run `cobraspace serve --dir <to>`.\n" +
			"--timestamp (RFC 3339, e.g. 2026-05-01T12:00:00Z) restores the state as it was at that time.",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opt.Replica == "" {
				opt.Replica = os.Getenv(EnvURL)
			}
			if opt.Replica == "" {
				return fmt.Errorf("--replica is required (or set %s)", EnvURL)
			}
			if timestamp != "" {
				t, err := time.Parse(time.RFC3339Nano, timestamp)
				if err != nil {
					return fmt.Errorf("--timestamp %q: want RFC 3339, e.g. 2026-05-01T12:00:00Z: %w", timestamp, err)
				}
				opt.Timestamp = t
			}
			return Restore(cmd.Context(), opt, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&opt.Replica, "replica", "", "the replica: a directory, file:///path or s3://bucket/path (default $"+EnvURL+")")
	cmd.Flags().StringVar(&opt.To, "to", "", "the data dir to restore into (missing or empty)")
	cmd.Flags().StringVar(&timestamp, "timestamp", "", "restore the state at this time (RFC 3339); default the newest")
	return cmd
}
