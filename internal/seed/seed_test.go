package seed

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Run on a small data set makes exactly what was asked (posts up to the
// total, each with its room), and a second run makes nothing new.
func TestRunCountsAndIdempotency(t *testing.T) {
	app := testutil.NewApp(t)
	postsBefore := testutil.Count(t, app, "posts", nil)
	opts := Options{Users: 7, Posts: postsBefore + 9, FriendsPerUser: 2, Password: "seed-test-pass"}
	var progress bytes.Buffer
	opts.Progress = &progress

	summary, err := Run(app, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := `members: 7 (password "seed-test-pass"), new friendships: 14, new posts: 9`
	if summary != want {
		t.Errorf("summary = %q, want %q", summary, want)
	}
	demo := dbx.NewExp("email LIKE 'member%@cobra.example'")
	check := func() {
		t.Helper()
		testutil.ExpectCount(t, app, "users", demo, 7)
		testutil.ExpectCount(t, app, "posts", nil, opts.Posts)
		testutil.ExpectCount(t, app, "rooms", dbx.NewExp("post != ''"), opts.Posts)
		var friendships int
		err := app.DB().Select("COUNT(*)").From("friends").
			InnerJoin("users", dbx.NewExp("users.id = friends.user")).
			Where(dbx.NewExp("users.email LIKE 'member%@cobra.example'")).Row(&friendships)
		if err != nil || friendships != 14 {
			t.Errorf("demo friendships = %d (%v), want 14", friendships, err)
		}
	}
	check()
	member, err := app.FindAuthRecordByEmail("users", Email(0))
	if err != nil {
		t.Fatal(err)
	}
	if !member.ValidatePassword("seed-test-pass") {
		t.Error("a demo member's password does not validate")
	}
	for _, phase := range []string{"members", "friend lists", "posts"} {
		if !strings.Contains(progress.String(), phase+" 100%") {
			t.Errorf("no finished %q progress bar in %q", phase, progress.String())
		}
	}

	summary, err = Run(app, opts)
	if err != nil {
		t.Fatal(err)
	}
	want = `members: 7 (password "seed-test-pass"), new friendships: 0, new posts: 0`
	if summary != want {
		t.Errorf("second run: summary = %q, want %q", summary, want)
	}
	check()
}

var rateText = regexp.MustCompile(`\((\d+)/(\d+), (\d+) posts/s\)`)

// The rate a finished bar shows is its count over the time since the bar
// was made — not over the moment between the first Add and Finish, which
// showed a phase done in one batch at millions per second.
func TestBarRateCountsFromTheStart(t *testing.T) {
	var out bytes.Buffer
	bar := newBar(Options{Progress: &out}, 12, "posts")
	start := time.Now()
	time.Sleep(50 * time.Millisecond) // the work of one batch
	// at least this much had passed for the bar when it counted the batch
	// (it started before start): its rate cannot exceed 12/elapsed, however
	// slow the machine is after this point
	elapsed := time.Since(start)
	_ = bar.Add(12)
	if err := bar.Finish(); err != nil {
		t.Fatal(err)
	}
	m := rateText.FindAllStringSubmatch(out.String(), -1)
	if len(m) == 0 {
		t.Fatalf("no rate in %q", out.String())
	}
	last := m[len(m)-1]
	rate, _ := strconv.Atoi(last[3])
	if last[1] != "12" || last[2] != "12" {
		t.Errorf("count %s/%s, want 12/12", last[1], last[2])
	}
	if limit := 12 / elapsed.Seconds() * 1.1; rate <= 0 || float64(rate) > limit {
		t.Errorf("rate %d posts/s for 12 posts in ≥ %v", rate, elapsed)
	}
}
