// Package seed fills a Cobra Space database with demo data: members with
// nicknames, friendships, posts with tags (and so their rooms) and a few
// chat messages. It is idempotent: members are found by e-mail, and posts
// are only added up to the requested count.
package seed

import (
	"fmt"
	"io"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/crypto/bcrypt"
)

// Options says how much to create.
type Options struct {
	Users          int
	Posts          int
	FriendsPerUser int
	Password       string
	Progress       io.Writer // nil: no progress bar
}

// DefaultOptions is the small demo data set.
var DefaultOptions = Options{Users: 5, Posts: 12, FriendsPerUser: 2, Password: "cobra-demo-1234"}

// batchSize rows are written per transaction: one fsync per batch.
const batchSize = 500

// Run seeds app and reports what it made.
func Run(app core.App, opts Options) (string, error) {
	users, err := seedUsers(app, opts)
	if err != nil {
		return "", fmt.Errorf("users: %w", err)
	}
	friendships, err := seedFriends(app, users, opts)
	if err != nil {
		return "", fmt.Errorf("friends: %w", err)
	}
	posts, err := seedPosts(app, users, opts)
	if err != nil {
		return "", fmt.Errorf("posts: %w", err)
	}
	return fmt.Sprintf("members: %d (password %q), new friendships: %d, new posts: %d",
		len(users), opts.Password, friendships, posts), nil
}

// newBar is a progress bar for one phase, showing count and rate.
//
// The bar is started (its clock set) as it is made: progressbar otherwise
// starts its clock at the first Add, which comes after the first batch of
// work, so a phase done in one batch showed its count divided by the few
// microseconds between that Add and Finish ("12/12, 7398274 posts/s").
func newBar(opts Options, total int, what string) *progressbar.ProgressBar {
	if opts.Progress == nil || total == 0 {
		return progressbar.DefaultSilent(int64(total))
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(opts.Progress),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(what),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(opts.Progress) }),
	)
	bar.StartWithoutRender() // the rate's clock starts now, with the work
	return bar
}

// inBatches calls fn for i in [0,n) with batchSize calls per transaction.
func inBatches(app core.App, n int, bar *progressbar.ProgressBar, fn func(tx core.App, i int) error) error {
	for start := 0; start < n; start += batchSize {
		end := min(start+batchSize, n)
		err := app.RunInTransaction(func(tx core.App) error {
			for i := start; i < end; i++ {
				if err := fn(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		_ = bar.Add(end - start)
	}
	return bar.Finish()
}

// Email of the i-th demo member.
func Email(i int) string { return fmt.Sprintf("member%d@cobra.example", i+1) }

var nicknames = []string{"코브라", "gopher", "파이썬", "rustacean", "자바칩", "node킹", "sqlite", "리액트", "vimmer", "도커"}

func seedUsers(app core.App, opts Options) ([]string, error) {
	collection, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	// bcrypt once: every demo member shares the password
	hash, err := bcrypt.GenerateFromPassword([]byte(opts.Password), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	ids := make([]string, opts.Users)
	bar := newBar(opts, opts.Users, "members")
	err = inBatches(app, opts.Users, bar, func(tx core.App, i int) error {
		if existing, _ := tx.FindAuthRecordByEmail(collection, Email(i)); existing != nil {
			ids[i] = existing.Id
			return nil
		}
		user := core.NewRecord(collection)
		user.SetRaw(core.FieldNamePassword, string(hash)) // a bcrypt hash is stored as is
		user.SetEmail(Email(i))
		user.SetEmailVisibility(true)
		user.SetVerified(true)
		user.Set("nickname", fmt.Sprintf("%s%d", nicknames[i%len(nicknames)], i+1))
		user.Set("bio", "Cobra Space demo member")
		user.Set("is_private", i%7 == 6)
		if err := tx.SaveNoValidate(user); err != nil {
			return err
		}
		ids[i] = user.Id
		return nil
	})
	return ids, err
}

func seedFriends(app core.App, users []string, opts Options) (int, error) {
	if len(users) < 2 || opts.FriendsPerUser <= 0 {
		return 0, nil
	}
	collection, err := app.FindCollectionByNameOrId("friends")
	if err != nil {
		return 0, err
	}
	per := min(opts.FriendsPerUser, len(users)-1)
	created := 0
	bar := newBar(opts, len(users), "friend lists")
	err = inBatches(app, len(users), bar, func(tx core.App, i int) error {
		for k := 1; k <= per; k++ {
			friend := users[(i+k)%len(users)]
			var exists int
			_ = tx.DB().Select("(1)").From("friends").
				Where(dbx.HashExp{"user": users[i], "friend": friend}).Limit(1).Row(&exists)
			if exists == 1 {
				continue
			}
			row := core.NewRecord(collection)
			row.Set("user", users[i])
			row.Set("friend", friend)
			if err := tx.Save(row); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}
