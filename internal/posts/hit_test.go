package posts_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestConcurrentViews: N concurrent views through a real HTTP server add
// exactly N to the stored hit, and every answer carries a distinct count.
func TestConcurrentViews(t *testing.T) {
	const n = 50
	app := testutil.NewApp(t)
	server := httptest.NewServer(testutil.Routes(t, app))
	defer server.Close()

	token := testutil.Token(t, app, testutil.BobEmail)
	before := findPost(t, app, testutil.PostId).GetInt("hit")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := make(chan struct{})
	var wg sync.WaitGroup
	hits := make(chan int, n)
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, server.URL+"/api/post/detail/"+testutil.PostId+"/", nil)
			if err != nil {
				errs <- err
				return
			}
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := server.Client().Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				errs <- &statusError{res.StatusCode, string(body)}
				return
			}
			var d struct {
				Hit int `json:"hit"`
			}
			if err := json.Unmarshal(body, &d); err != nil {
				errs <- err
				return
			}
			hits <- d.Hit
		}()
	}
	close(start)
	wg.Wait()
	close(hits)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[int]bool{}
	for h := range hits {
		if seen[h] {
			t.Errorf("two views answered hit %d", h)
		}
		seen[h] = true
		if h <= before || h > before+n {
			t.Errorf("answered hit %d outside (%d, %d]", h, before, before+n)
		}
	}
	if got := findPost(t, app, testutil.PostId).GetInt("hit"); got != before+n {
		t.Errorf("stored hit = %d after %d views, want %d", got, n, before+n)
	}
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return http.StatusText(e.status) + ": " + e.body }
