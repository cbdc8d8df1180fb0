package chat

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// bindSSEClients wraps every realtime (SSE) connection of PocketBase in a
// liveClient and cleans up after it.
func bindSSEClients(app core.App) {
	app.OnRealtimeConnectRequest().BindFunc(serveRealtimeConnection)
}

// serveRealtimeConnection runs in OnRealtimeConnectRequest around
// PocketBase's SSE connection loop: it swaps in a liveClient (see there),
// and removes the client's room listeners once the connection has ended.
func serveRealtimeConnection(e *core.RealtimeConnectRequestEvent) error {
	ctx, cancel := context.WithCancel(e.Request.Context())
	defer cancel()
	e.Request = e.Request.WithContext(ctx) // the loop ends when ctx does
	rc := http.NewResponseController(e.Response)
	lc := &liveClient{
		Client: e.Client,
		ch:     make(chan subscriptions.Message),
		gone:   make(chan struct{}),
		end:    cancel,
		unblock: func() {
			_ = rc.SetWriteDeadline(time.Now()) // fails a write stuck on a client that stopped reading
		},
	}
	e.Client = lc
	err := e.Next() // returns when the connection ends
	dropClient(e.App, lc.Id())
	memberFeedsOf(e.App).forget(lc.Id())
	forgetClientMember(e.App, lc)
	return err
}

// liveClient is the realtime client of one SSE connection. PocketBase's
// DefaultClient closes its channel on Discard while other goroutines may
// still be blocked sending to it (room pumps always are, and so are the
// stock broadcasts' fire-and-forget sends): a data race, papered over by a
// recovered panic. Here the channel is never closed: Send gives up once the
// client is discarded, and Discard ends the connection loop through its
// request context instead.
type liveClient struct {
	subscriptions.Client // id, store and subscriptions

	ch      chan subscriptions.Message
	gone    chan struct{}
	once    sync.Once
	end     context.CancelFunc
	unblock func()
}

func (c *liveClient) Channel() chan subscriptions.Message { return c.ch }

func (c *liveClient) Send(m subscriptions.Message) {
	select {
	case <-c.gone:
	case c.ch <- m:
	}
}

func (c *liveClient) Discard() {
	c.once.Do(func() {
		close(c.gone)
		c.end()
	})
}

func (c *liveClient) IsDiscarded() bool {
	select {
	case <-c.gone:
		return true
	default:
		return false
	}
}

// kick ends a connection that is still running (a client dropped for
// falling behind), even if the loop is stuck writing to it.
func (c *liveClient) kick() {
	c.Discard()
	c.unblock()
}
