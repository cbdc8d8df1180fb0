package seed

import (
	"os"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// Command is the "seed" subcommand of the server binary.
func Command(app core.App) *cobra.Command {
	opts := DefaultOptions
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fills the database with demo members, friendships and posts (idempotent)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			opts.Progress = os.Stderr
			summary, err := Run(app, opts)
			if err != nil {
				return err
			}
			cmd.Println(summary)
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Users, "users", opts.Users, "number of demo members (member1@cobra.example, ...)")
	cmd.Flags().IntVar(&opts.Posts, "posts", opts.Posts, "total number of posts to reach")
	cmd.Flags().IntVar(&opts.FriendsPerUser, "friends", opts.FriendsPerUser, "friends added to each member's list")
	cmd.Flags().StringVar(&opts.Password, "password", opts.Password, "password of every demo member")
	return cmd
}
