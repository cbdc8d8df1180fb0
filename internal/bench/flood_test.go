package bench

import (
	"bytes"
	"testing"
	"time"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// A small flood on an in-process server: every send is stored and timed,
// and every flood request is counted as stored or refused — exactly as
// many stored as the post limit's burst, whichever API they went through.
// (Bounded by counts; the duration is only a safety net.)
func TestMeasureFlood(t *testing.T) {
	app := testutil.NewApp(t)
	limits.Of(app).PostCreate = limits.Rate{Burst: 2, PerMinute: 0.001}
	srv, err := startServer(app)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	category, err := app.FindFirstRecordByData("categories", "name", "Programming")
	if err != nil {
		t.Fatal(err)
	}
	room, err := app.FindFirstRecordByData("rooms", "post", testutil.PostId)
	if err != nil {
		t.Fatal(err)
	}
	setup := &floodSetup{
		flooder:    testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"],
		senders:    []string{testutil.AuthHeader(t, testutil.BobEmail)["Authorization"]},
		room:       room.Id,
		categoryId: category.Id,
		titleMax:   api.TextMax(app, "posts", "title"),
		contentMax: api.TextMax(app, "posts", "content"),
	}
	opts := floodOptions{duration: 5 * time.Minute, rate: 50, senders: 1, floodWorkers: 2, maxFlood: 6, maxSends: 5}
	var progress bytes.Buffer
	r, err := measureFlood(&progress, srv.URL, setup, opts, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.sends != 5 || r.p50 <= 0 || r.p99 < r.p50 {
		t.Errorf("sends = %d, p50 %v, p99 %v", r.sends, r.p50, r.p99)
	}
	if r.flood != 6 || r.stored != 2 || r.refused != 4 || r.bad != 0 {
		t.Errorf("flood %d = stored %d + refused %d + other %d; want 6 = 2 + 4 + 0", r.flood, r.stored, r.refused, r.bad)
	}
	testutil.ExpectCount(t, app, "posts", nil, 1+2)
}
