package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/cobraspace/cobraspace/internal/bench/chart"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/seed"
)

type unreadOptions struct {
	rooms    int
	messages int
	requests int
	members  int
	friends  int
	charts   string // directory for SVG charts, "" for none
}

func unreadCommand(app core.App) *cobra.Command {
	opts := unreadOptions{}
	cmd := &cobra.Command{
		Use:   "unread",
		Short: "Times GET /api/chat/unread/ for one member following many busy rooms",
		Long: "Seeds one member following --rooms rooms (post rooms, rooms of members who have them on\n" +
			"their friends list, and DMs) holding --messages messages in all, with read markers at varied\n" +
			"places and some unread mentions, among --members members with --friends friends each (the\n" +
			"rooms' owners' friends lists are what the rooms rule checks), then starts this binary's\n" +
			"server as a child process on loopback and times --requests GET /api/chat/unread/ over real\n" +
			"HTTP (p50, p90, p99, the server's CPU time per request). Every answer is checked against the\n" +
			"stored counts.",
		Example: "  cobraspace --dir /tmp/cobra-bench-unread bench unread --rooms 200 --messages 100000 --members 200 --friends 50\n" +
			"  (seeding is idempotent: a second run on the same --dir reuses the data; progress on stderr, the table on stdout;\n" +
			"  --charts docs/bench also writes unread-100k-latency.svg there)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnreadBench(cmd, app, opts)
		},
	}
	cmd.Flags().IntVar(&opts.rooms, "rooms", 200, "rooms the member follows")
	cmd.Flags().IntVar(&opts.messages, "messages", 100_000, "messages in those rooms, in all")
	cmd.Flags().IntVar(&opts.requests, "requests", 500, "timed requests")
	cmd.Flags().IntVar(&opts.members, "members", 200, "members in the database (post writers among them)")
	cmd.Flags().IntVar(&opts.friends, "friends", 50, "friends list length of every member")
	addChartsFlag(cmd, &opts.charts)
	return cmd
}

// unreadOthers is how many other members write in the rooms, own the group
// rooms and share the DMs.
const unreadOthers = 20

func runUnreadBench(cmd *cobra.Command, app core.App, opts unreadOptions) error {
	if opts.rooms < 1 || opts.messages < 0 || opts.requests < 1 {
		return fmt.Errorf("rooms and requests must be positive, messages not negative")
	}
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	dms := min(opts.rooms/20, unreadOthers)
	groups := opts.rooms / 5
	posts := opts.rooms - dms - groups
	members := max(opts.members, 1+unreadOthers)
	summary, err := seed.Run(app, seed.Options{Users: members, Posts: posts, FriendsPerUser: opts.friends, Password: seed.DefaultOptions.Password, Progress: progressOut})
	if err != nil {
		return err
	}
	fmt.Fprintln(progressOut, summary)
	setup, err := prepareUnread(app, opts, posts, groups, dms)
	if err != nil {
		return err
	}

	server, err := startServerProcess(app.DataDir())
	if err != nil {
		return err
	}
	defer server.Stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func() (time.Duration, []byte, error) {
		req, err := http.NewRequest(http.MethodGet, server.URL+"/api/chat/unread/", nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", setup.token)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		elapsed := time.Since(start)
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /api/chat/unread/: %d %s", res.StatusCode, body)
		}
		return elapsed, body, err
	}

	// warm up, and check the answer against the stored counts
	var size int
	for i := 0; i < 5; i++ {
		_, body, err := get()
		if err != nil {
			return err
		}
		if err := setup.check(body); err != nil {
			return err
		}
		size = len(body)
	}
	bar := progressbar.NewOptions(opts.requests, progressbar.OptionSetWriter(progressOut),
		progressbar.OptionSetDescription("GET /api/chat/unread/"), progressbar.OptionShowCount(),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(progressOut) }))
	bar.StartWithoutRender()
	times := make([]time.Duration, 0, opts.requests)
	cpuBefore, err := server.CPUTime()
	if err != nil {
		return err
	}
	for i := 0; i < opts.requests; i++ {
		d, _, err := get()
		if err != nil {
			return err
		}
		times = append(times, d)
		_ = bar.Add(1)
	}
	cpuAfter, err := server.CPUTime()
	if err != nil {
		return err
	}
	sorted := sortedCopy(times)

	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "one member following %d rooms (%d post rooms, %d friends' rooms, %d DMs) holding %d messages; %d unread, %d mentions; %d members with up to %d friends each; %d timed requests, one at a time, %s, GOMAXPROCS=%d\n\n",
		setup.rooms, posts, groups, dms, setup.messages, setup.unread, setup.mentions, members, opts.friends, opts.requests, runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintln(out, "| route | answer | p50 | p90 | p99 | server CPU per request |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|")
	fmt.Fprintf(out, "| `GET /api/chat/unread/` | %d rooms, %.1f KiB | %s | %s | %s | %s |\n",
		setup.rooms, float64(size)/1024, ms(quantile(sorted, 0.5)), ms(quantile(sorted, 0.9)), ms(quantile(sorted, 0.99)),
		ms((cpuAfter-cpuBefore)/time.Duration(opts.requests)))
	return writeChart(opts.charts, "unread-"+sizeTag(setup.messages)+"-latency.svg", chart.CDF{
		Title: "Unread counts latency (GET /api/chat/unread/)",
		Subtitle: fmt.Sprintf("1 member following %d rooms, %d messages; %d requests one at a time to a server process; %s, GOMAXPROCS=%d",
			setup.rooms, setup.messages, opts.requests, runtime.Version(), runtime.GOMAXPROCS(0)),
		XLabel: "request latency (ms, loopback HTTP)",
		Unit:   "ms",
		Series: []chart.Series{{Name: fmt.Sprintf("GET /api/chat/unread/ (%d rooms, %.1f KiB)", setup.rooms, float64(size)/1024), Values: millis(times)}},
	})
}

// unreadSetup is the seeded member and what their answer must say.
type unreadSetup struct {
	token            string
	rooms, messages  int
	unread, mentions int64
}

// check compares an answer with the stored counts.
func (s *unreadSetup) check(body []byte) error {
	var answer struct {
		Rooms    []json.RawMessage `json:"rooms"`
		Unread   int64             `json:"unread"`
		Mentions int64             `json:"mentions"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return fmt.Errorf("unread answer: %w", err)
	}
	if len(answer.Rooms) != s.rooms || answer.Unread != s.unread || answer.Mentions != s.mentions {
		return fmt.Errorf("unread answer: %d rooms, %d unread, %d mentions; stored: %d, %d, %d",
			len(answer.Rooms), answer.Unread, answer.Mentions, s.rooms, s.unread, s.mentions)
	}
	return nil
}

// prepareUnread makes the member's rooms (post rooms from the seed, group
// rooms of other members who have the member on their friends list, DMs),
// their follows, the messages (straight into the table, numbered on from
// each room's newest seq), read markers at varied places (the member has
// read each room up to 0..39 messages before its end) and an unread
// mention in every fourth room. Idempotent.
func prepareUnread(app core.App, opts unreadOptions, posts, groups, dms int) (*unreadSetup, error) {
	users := []*core.Record{}
	if err := app.RecordQuery("users").OrderBy("created ASC", "id ASC").Limit(1 + unreadOthers).All(&users); err != nil {
		return nil, err
	}
	if len(users) < 1+unreadOthers {
		return nil, fmt.Errorf("need %d members, have %d", 1+unreadOthers, len(users))
	}
	me, others := users[0], users[1:]

	var rooms []string
	err := app.DB().Select("id").From("rooms").Where(dbx.NewExp("post != ''")).
		OrderBy("created ASC", "id ASC").Limit(int64(posts)).Column(&rooms)
	if err != nil {
		return nil, err
	}
	if len(rooms) < posts {
		return nil, fmt.Errorf("need %d post rooms, have %d", posts, len(rooms))
	}
	roomsCollection, err := app.FindCollectionByNameOrId("rooms")
	if err != nil {
		return nil, err
	}
	friendsCollection, err := app.FindCollectionByNameOrId("friends")
	if err != nil {
		return nil, err
	}
	err = app.RunInTransaction(func(tx core.App) error {
		for i := 0; i < groups; i++ {
			owner := others[i%len(others)]
			name := fmt.Sprintf("bench group %d", i+1)
			room, err := tx.FindFirstRecordByData("rooms", "name", name)
			if err != nil {
				room = core.NewRecord(roomsCollection)
				room.Set("name", name)
				room.Set("owner", owner.Id)
				if err := tx.Save(room); err != nil {
					return err
				}
			}
			if _, err := tx.FindFirstRecordByFilter("friends", "user = {:u} && friend = {:f}", dbx.Params{"u": owner.Id, "f": me.Id}); err != nil {
				row := core.NewRecord(friendsCollection)
				row.Set("user", owner.Id)
				row.Set("friend", me.Id)
				if err := tx.Save(row); err != nil {
					return err
				}
			}
			rooms = append(rooms, room.Id)
		}
		for i := 0; i < dms; i++ {
			other := others[i]
			key := chat.DMKey(me.Id, other.Id)
			room, err := tx.FindFirstRecordByData("rooms", "dm_key", key)
			if err != nil {
				room = core.NewRecord(roomsCollection)
				room.Set("name", "bench DM")
				room.Set("owner", me.Id)
				room.Set("dm_key", key)
				room.Set("members", []string{me.Id, other.Id})
				if err := tx.Save(room); err != nil {
					return err
				}
			}
			rooms = append(rooms, room.Id)
		}
		for _, id := range rooms {
			if err := chat.FollowRoom(tx, me.Id, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	if err := seedUnreadMessages(app, rooms, others, opts.messages); err != nil {
		return nil, err
	}

	// markers and mentions
	err = app.RunInTransaction(func(tx core.App) error {
		for i, id := range rooms {
			_, err := tx.DB().NewQuery(`UPDATE room_follows SET read_seq =
					MAX(0, (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = {:room}) - {:behind})
				WHERE user = {:user} AND room = {:room}`).
				Bind(dbx.Params{"room": id, "user": me.Id, "behind": i % 40}).Execute()
			if err != nil {
				return err
			}
			if i%4 == 0 {
				_, err := tx.DB().NewQuery(`INSERT OR IGNORE INTO notifications (id, user, kind, actor, room, read, created, updated)
					VALUES ({:id}, {:user}, 'mention', {:actor}, {:room}, FALSE, strftime('%Y-%m-%d %H:%M:%fZ'), strftime('%Y-%m-%d %H:%M:%fZ'))`).
					Bind(dbx.Params{"id": fmt.Sprintf("benchmention%03d", i%1000), "user": me.Id, "actor": others[0].Id, "room": id}).Execute()
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	s := &unreadSetup{rooms: len(rooms)}
	err = app.DB().NewQuery(`SELECT COUNT(*) FROM messages WHERE room IN (SELECT room FROM room_follows WHERE user = {:user} AND following = TRUE)`).
		Bind(dbx.Params{"user": me.Id}).Row(&s.messages)
	if err != nil {
		return nil, err
	}
	err = app.DB().NewQuery(`SELECT COALESCE(SUM(MAX(0, (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = f.room) - f.read_seq)), 0)
		FROM room_follows f WHERE f.user = {:user} AND f.following = TRUE`).
		Bind(dbx.Params{"user": me.Id}).Row(&s.unread)
	if err != nil {
		return nil, err
	}
	err = app.DB().NewQuery(`SELECT COUNT(*) FROM notifications WHERE user = {:user} AND read = FALSE AND kind IN ('mention', 'reply')`).
		Bind(dbx.Params{"user": me.Id}).Row(&s.mentions)
	if err != nil {
		return nil, err
	}
	token, err := me.NewStaticAuthToken(2 * time.Hour)
	if err != nil {
		return nil, err
	}
	s.token = token
	return s, nil
}

// seedUnreadMessages adds messages to rooms, round robin, until they hold
// total in all: straight into the table (the hooks' work — seq, follows —
// is done here in bulk), in transactions of a few thousand rows.
func seedUnreadMessages(app core.App, rooms []string, senders []*core.Record, total int) error {
	type roomSeq struct {
		Room string `db:"room"`
		Seq  int64  `db:"seq"`
	}
	var rows []roomSeq
	err := app.DB().Select("room", "MAX(seq) AS seq").From("messages").
		Where(dbx.In("room", anyOf(rooms)...)).GroupBy("room").All(&rows)
	if err != nil {
		return err
	}
	next := map[string]int64{}
	have := int64(0)
	for _, r := range rows {
		next[r.Room] = r.Seq
		have += r.Seq
	}
	missing := total - int(have)
	if missing <= 0 {
		return nil
	}
	bar := progressbar.NewOptions(missing, progressbar.OptionSetWriter(progressOut),
		progressbar.OptionSetDescription("messages"), progressbar.OptionShowCount(),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(progressOut) }))
	bar.StartWithoutRender()
	base := time.Now().Add(-time.Duration(missing) * time.Millisecond).UTC()
	const batch = 5000
	for start := 0; start < missing; start += batch {
		end := min(start+batch, missing)
		err := app.RunInTransaction(func(tx core.App) error {
			for i := start; i < end; i++ {
				room := rooms[(i*7919)%len(rooms)] // a prime stride: the rooms' messages interleave
				next[room]++
				at := base.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02 15:04:05.000Z")
				_, err := tx.DB().NewQuery(`INSERT INTO messages (id, room, sender, message, message_type, seq, created, updated)
					VALUES ({:id}, {:room}, {:sender}, {:message}, 'text', {:seq}, {:at}, {:at})`).
					Bind(dbx.Params{
						"id": core.GenerateDefaultRandomId(), "room": room, "sender": senders[i%len(senders)].Id,
						"message": fmt.Sprintf("bench message %d in this room", next[room]), "seq": next[room], "at": at,
					}).Execute()
				if err != nil {
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

func anyOf(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
