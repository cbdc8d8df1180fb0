package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	chatsearch "github.com/cobraspace/cobraspace/internal/chat/search"
	"github.com/cobraspace/cobraspace/internal/seed"
)

// chatSearchCases cover 1-, 2- and 3+-character queries, Korean and
// English, common and rare (the seeded messages put a rare word in one
// message in a thousand).
var chatSearchCases = []searchCase{
	{"서", "1 Korean char, common"},
	{"채팅", "2 Korean chars, common"},
	{"양자", "2 Korean chars, rare"},
	{"데이터베이스", "3+ Korean chars, common"},
	{"블록체인", "3+ Korean chars, rare"},
	{"Go", "2 English chars, mixed case"},
	{"deploy", "English word, common"},
	{"zephyr", "English word, rare"},
}

// chatWords are what the seeded messages are made of: each message is 3
// to 10 of them, so each word is in about one message in ten.
var chatWords = []string{
	"오늘", "채팅", "서버", "배포", "회의", "점심", "내일", "검색", "데이터베이스", "코드", "리뷰", "테스트",
	"버그", "수정", "완료", "확인", "부탁", "감사합니다", "좋아요", "ㅋㅋ", "네", "알겠습니다", "질문", "답변",
	"the", "server", "deploy", "deployed", "release", "review", "LGTM", "thanks", "bug", "fix", "Go",
	"golang", "SQLite", "index", "query", "latency", "p99", "메시지", "로그", "에러", "성능", "개선",
}

// chatRareWords: one of them in one message in a thousand.
var chatRareWords = []string{"양자 컴퓨팅", "블록체인", "zephyr"}

type chatSearchOptions struct {
	messages int
	requests int
	posts    int
	charts   string // directory for SVG charts, "" for none
}

func chatSearchCommand(app core.App) *cobra.Command {
	opts := chatSearchOptions{}
	cmd := &cobra.Command{
		Use:   "chatsearch",
		Short: "Times GET /api/chat/search/?q= against PocketBase's ~ filter on the same messages",
		Long: "Seeds --messages chat messages (bulk SQL, then the search index built in one pass) over\n" +
			"post rooms, rooms without a post (some readable by the timed member through a friends list,\n" +
			"some not) and DM rooms, then times, in the same run against the same in-process server and as\n" +
			"the same member, GET /api/chat/search/?q= and the stock record API's\n" +
			"GET /api/collections/messages/records?filter=message~'q' (newest first, 20 per page).",
		Example: "  cobraspace --dir /tmp/cobra-bench-chatsearch bench chatsearch --messages 1000000\n" +
			"  (seeding is idempotent: a second run on the same --dir reuses the messages)\n" +
			"  cobraspace --dir /tmp/cobra-bench-chatsearch bench chatsearch --messages 100000 --charts docs/bench\n" +
			"  (also writes chatsearch-100k-latency.svg and chatsearch-100k-p50.svg)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runChatSearchBench(cmd, app, opts)
		},
	}
	cmd.Flags().IntVar(&opts.messages, "messages", 100_000, "messages in the database")
	cmd.Flags().IntVar(&opts.requests, "requests", 20, "timed requests per query and side")
	cmd.Flags().IntVar(&opts.posts, "posts", 200, "posts (each with its room)")
	addChartsFlag(cmd, &opts.charts)
	return cmd
}

func runChatSearchBench(cmd *cobra.Command, app core.App, opts chatSearchOptions) error {
	if opts.messages < 1 || opts.requests < 1 || opts.posts < 1 {
		return fmt.Errorf("messages, requests and posts must be positive")
	}
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	summary, err := seed.Run(app, seed.Options{Users: 50, Posts: opts.posts, Password: seed.DefaultOptions.Password, Progress: progressOut})
	if err != nil {
		return err
	}
	fmt.Fprintln(progressOut, summary)
	me, rooms, err := chatSearchRooms(app)
	if err != nil {
		return err
	}
	if err := seedChatMessages(app, rooms, opts.messages); err != nil {
		return err
	}

	srv, err := startServer(app)
	if err != nil {
		return err
	}
	defer srv.Close()
	token, err := me.NewStaticAuthToken(2 * time.Hour)
	if err != nil {
		return err
	}
	client := srv.Client()

	total, _ := app.CountRecords("messages")
	readable, _ := chatsearch.ReadableRoomsCount(app, me.Id)
	fmt.Fprintf(cmd.OutOrStdout(), "messages: %d in %d rooms (%d readable by the member), %d timed requests per query and side, page size 20, %s, GOMAXPROCS=%d\n\n",
		total, len(rooms.all), readable, opts.requests, runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintln(cmd.OutOrStdout(), "| query | class | matches | ours p50 | ours p99 | stock p50 | stock p99 | stock/ours (p50) |")
	fmt.Fprintln(cmd.OutOrStdout(), "|---|---|---:|---:|---:|---:|---:|---:|")
	var times []sideTimes
	for _, c := range chatSearchCases {
		fmt.Fprintf(progressOut, "timing %q\n", c.Query)
		row, t, err := timeChatSearchCase(client, srv.URL, token, c, opts.requests)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), row)
		times = append(times, t)
	}
	return comparisonCharts(opts.charts, "chatsearch-"+sizeTag(int(total)), "Chat history search",
		fmt.Sprintf("%d messages, %d queries × %d requests per side, page size 20, %s, GOMAXPROCS=%d", total, len(chatSearchCases), opts.requests, runtime.Version(), runtime.GOMAXPROCS(0)),
		"ours: GET /api/chat/search/?q=", "stock: message~ filter", times)
}

// benchRooms are the rooms the messages go to.
type benchRooms struct {
	all []string
}

// chatSearchRooms makes (once) the rooms without a post: 10 of members
// whose friends list holds the timed member (readable), 10 of members whose
// list does not (not readable), 5 DMs of the timed member and 5 DMs of
// others; with the post rooms, they are where the messages go. The timed
// member is the first seeded one.
func chatSearchRooms(app core.App) (*core.Record, benchRooms, error) {
	var users []*core.Record
	if err := app.RecordQuery("users").OrderBy("created ASC", "id ASC").Limit(30).All(&users); err != nil {
		return nil, benchRooms{}, err
	}
	if len(users) < 30 {
		return nil, benchRooms{}, fmt.Errorf("need 30 members, have %d", len(users))
	}
	me := users[0]
	err := app.RunInTransaction(func(tx core.App) error {
		exists, err := tx.FindFirstRecordByData("rooms", "name", "bench room 0")
		if err == nil && exists != nil {
			return nil
		}
		save := func(collection string, data map[string]any) error {
			c, err := tx.FindCachedCollectionByNameOrId(collection)
			if err != nil {
				return err
			}
			r := core.NewRecord(c)
			r.Load(data)
			return tx.Save(r)
		}
		for i := 0; i < 20; i++ {
			owner := users[1+i]
			if i < 10 {
				if err := save("friends", map[string]any{"user": owner.Id, "friend": me.Id}); err != nil {
					return err
				}
			}
			if err := save("rooms", map[string]any{"name": fmt.Sprintf("bench room %d", i), "owner": owner.Id}); err != nil {
				return err
			}
		}
		for i := 0; i < 10; i++ {
			a, b := me, users[21+i%5]
			if i >= 5 {
				a, b = users[21+i%5], users[26+i%4]
			}
			lo, hi := min(a.Id, b.Id), max(a.Id, b.Id)
			if err := save("rooms", map[string]any{"name": "dm", "owner": a.Id, "dm_key": lo + ":" + hi, "members": []string{a.Id, b.Id}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, benchRooms{}, err
	}
	rooms := benchRooms{}
	err = app.DB().Select("id").From("rooms").OrderBy("created ASC", "id ASC").Column(&rooms.all)
	return me, rooms, err
}

// seedChatMessages adds messages (bulk SQL, around the hooks) until there
// are n, then rebuilds the search index in one pass.
func seedChatMessages(app core.App, rooms benchRooms, n int) error {
	existing, err := app.CountRecords("messages")
	if err != nil {
		return err
	}
	missing := n - int(existing)
	if missing <= 0 {
		var docs int
		if err := app.DB().NewQuery("SELECT count(*) FROM chat_search_docs").Row(&docs); err != nil {
			return err
		}
		if docs > 0 {
			return nil // seeded and indexed by an earlier run
		}
	}
	var users []string
	if err := app.DB().Select("id").From("users").Column(&users); err != nil {
		return err
	}
	seq := map[string]int{}
	var rows []struct {
		Room string `db:"room"`
		Seq  int    `db:"seq"`
	}
	if err := app.DB().NewQuery("SELECT room, MAX(seq) AS seq FROM messages GROUP BY room").All(&rows); err != nil {
		return err
	}
	for _, r := range rows {
		seq[r.Room] = r.Seq
	}
	rng := rand.New(rand.NewPCG(uint64(existing), 7))
	start := time.Now().Add(-time.Duration(n) * time.Second).UTC()
	bar := newProgress(max(missing, 0), "messages")
	const batch = 20_000
	for done := 0; done < missing; done += batch {
		err := app.RunInTransaction(func(tx core.App) error {
			insert := tx.DB().NewQuery(`INSERT INTO messages
				(id, room, sender, message, message_type, parent_chat, created, updated, edited_at, deleted_at, seq, mentions)
				VALUES ({:id}, {:room}, {:sender}, {:message}, 'text', '', {:created}, {:created}, '', '', {:seq}, '[]')`).Prepare()
			defer func() { _ = insert.Close() }() // a statement of a finished transaction: nothing to report
			for i := done; i < min(done+batch, missing); i++ {
				room := rooms.all[rng.IntN(len(rooms.all))]
				seq[room]++
				words := make([]string, 3+rng.IntN(8))
				for w := range words {
					words[w] = chatWords[rng.IntN(len(chatWords))]
				}
				if (int(existing)+i)%1000 == 999 {
					words[rng.IntN(len(words))] = chatRareWords[rng.IntN(len(chatRareWords))]
				}
				created := start.Add(time.Duration(int(existing)+i) * time.Second).Format("2006-01-02 15:04:05.000Z")
				if _, err := insert.Bind(dbx.Params{
					"id": core.GenerateDefaultRandomId(), "room": room, "sender": users[rng.IntN(len(users))],
					"message": strings.Join(words, " "), "created": created, "seq": seq[room],
				}).Execute(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		_ = bar.Add(min(batch, missing-done))
	}
	_ = bar.Finish()

	total, err := app.CountRecords("messages", dbx.HashExp{"deleted_at": ""})
	if err != nil {
		return err
	}
	index := newProgress(int(total), "search index")
	err = chatsearch.ReindexAll(app, func(done, total int) { _ = index.Set(done) })
	_ = index.Finish()
	return err
}

// newProgress is a progress bar on progressOut.
func newProgress(total int, what string) *progressbar.ProgressBar {
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(progressOut),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(what), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(progressOut) }))
	bar.StartWithoutRender()
	return bar
}

func timeChatSearchCase(client *http.Client, base, token string, c searchCase, n int) (string, sideTimes, error) {
	ours := base + "/api/chat/search/?page_size=20&q=" + url.QueryEscape(c.Query)
	stock := base + "/api/collections/messages/records?perPage=20&sort=-created&filter=" +
		url.QueryEscape(fmt.Sprintf("message~'%s'", c.Query))
	get := func(u string) (time.Duration, []byte, error) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", token)
		return timeRequest(client, req)
	}

	// warm up both, and read the match counts
	var oursPage struct {
		Count       int  `json:"count"`
		CountCapped bool `json:"count_capped"`
	}
	var stockPage struct {
		TotalItems int `json:"totalItems"`
	}
	for i := 0; i < 2; i++ {
		_, body, err := get(ours)
		if err != nil {
			return "", sideTimes{}, err
		}
		_ = json.Unmarshal(body, &oursPage)
		if _, body, err = get(stock); err != nil {
			return "", sideTimes{}, err
		}
		_ = json.Unmarshal(body, &stockPage)
	}

	var oursTimes, stockTimes []time.Duration
	for i := 0; i < n; i++ { // interleaved, so both see the same machine state
		d, _, err := get(ours)
		if err != nil {
			return "", sideTimes{}, err
		}
		oursTimes = append(oursTimes, d)
		if d, _, err = get(stock); err != nil {
			return "", sideTimes{}, err
		}
		stockTimes = append(stockTimes, d)
	}
	o, s := sortedCopy(oursTimes), sortedCopy(stockTimes)
	ratio := float64(quantile(s, 0.5)) / float64(quantile(o, 0.5))
	matches := fmt.Sprint(stockPage.TotalItems)
	if oursPage.CountCapped {
		matches += " (ours: 1000+)"
	} else if oursPage.Count != stockPage.TotalItems {
		matches += fmt.Sprintf(" (ours: %d)", oursPage.Count)
	}
	return fmt.Sprintf("| `%s` | %s | %s | %s | %s | %s | %s | **%.1fx** |",
		c.Query, c.Class, matches, ms(quantile(o, 0.5)), ms(quantile(o, 0.99)),
		ms(quantile(s, 0.5)), ms(quantile(s, 0.99)), ratio), sideTimes{c.Query, oursTimes, stockTimes}, nil
}
