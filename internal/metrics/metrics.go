// Package metrics lets operators see the server: Prometheus metrics at
// GET /metrics on the main listener for superusers, and — when
// COBRA_METRICS_ADDR is set — the same without auth on that separate
// address, which must be bound to a private interface (loopback, a VPN or
// the scraper's network), never a public one.
//
// Each app has its own prometheus.Registry (the process-wide default
// registry is left alone) holding the Go runtime and process collectors and
// the cobra_* metrics of docs/API.md ("Metrics"). Live counts are read from
// the chat hub, PocketBase's realtime broker and internal/limits when a
// scrape asks for them; the only work added to a hot path is an atomic add
// per committed message and a histogram observation per fan-out.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// EnvAddr is the environment variable naming the private listen address
// ("127.0.0.1:9091") where /metrics is also served, without auth.
const EnvAddr = "COBRA_METRICS_ADDR"

// Path is where the metrics are served, on both listeners.
const Path = "/metrics"

// TopRooms is how many rooms cobra_room_listeners reports (the biggest).
const TopRooms = 10

// Register binds the metrics to app: the registry, the hooks that feed it,
// the superuser-only route, and the private listener (started on serve when
// EnvAddr is set, stopped on terminate).
func Register(app core.App) {
	registry := prometheus.NewRegistry()
	messages := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "cobra_messages_committed_total",
		Help: "Chat messages committed to the database, whichever API wrote them.",
	})
	fanout := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "cobra_fanout_publish_seconds",
		Help: "Time for one room fan-out (every room event but typing notices) to hand its frame to every listener of the room, the hub's lock wait included.",
		// 1µs … 262ms: a fan-out is a map walk and non-blocking channel sends
		Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10),
	})
	batches := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "cobra_commit_batch_size",
		Help: "Chat messages stored by one group-commit transaction (internal/chat group_commit.go).",
		// 1 … 256 (MaxCommitBatch)
		Buckets: prometheus.ExponentialBuckets(1, 2, 9),
	})
	delivery := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "cobra_delivery_seconds",
		Help: "Time a room frame waited for one listener, from the hub's hand-over (right after the commit, for a message) until the transport took it: written to the WebSocket, handed to the SSE connection.",
		// 10µs … 2.6s
		Buckets: prometheus.ExponentialBuckets(1e-5, 4, 10),
	}, []string{"transport"})
	deliveryOf := map[chat.Transport]prometheus.Observer{}
	for _, t := range liveTransports {
		deliveryOf[t] = delivery.WithLabelValues(t.String())
	}
	committer := chat.CommitterOf(app)
	queueDepth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cobra_commit_queue_depth",
		Help: "Chat messages waiting to be stored by the group commit (it refuses new ones at 4096).",
	}, func() float64 { return float64(committer.QueueDepth()) })
	registry.MustRegister(
		delivery,
		batches,
		queueDepth,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		messages,
		fanout,
		liveCollector{app: app},
	)

	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		messages.Inc()
		return e.Next()
	})
	chat.HubOf(app).OnPublish(func(d time.Duration) { fanout.Observe(d.Seconds()) })
	committer.OnBatch(func(n int) { batches.Observe(float64(n)) })
	chat.HubOf(app).OnDeliver(func(t chat.Transport, d time.Duration) {
		if o := deliveryOf[t]; o != nil {
			o.Observe(d.Seconds())
		}
	})

	handler := promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		api.Handle(se.Router.RouterGroup, http.MethodGet, Path, func(e *core.RequestEvent) error {
			switch {
			case e.Auth == nil:
				return api.Unauthorized(e)
			case !e.Auth.IsSuperuser():
				return api.Forbidden()
			}
			handler.ServeHTTP(e.Response, e.Request)
			return nil
		})
		if addr := os.Getenv(EnvAddr); addr != "" {
			if err := privateOf(se.App).start(se.App, addr, handler); err != nil {
				return err
			}
		}
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		privateOf(e.App).stop()
		return e.Next()
	})
}

// Addr is the address the private listener is bound to ("" when it is not
// running): with a ":0" port in EnvAddr, the port it was given.
func Addr(app core.App) string {
	p := privateOf(app)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return ""
	}
	return p.ln.Addr().String()
}

// private is an app's unauthenticated metrics listener (at most one).
type private struct {
	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
}

const privateStoreKey = "cobraMetricsPrivate"

func privateOf(app core.App) *private {
	return app.Store().GetOrSet(privateStoreKey, func() any { return &private{} }).(*private)
}

// start listens on addr and serves handler at Path there; a second start
// (serve hooks run again) keeps the running one. An address that cannot be
// bound fails the serve: the operator asked for it.
func (p *private) start(app core.App, addr string, handler http.Handler) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: cannot listen on %s=%s: %w", EnvAddr, addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	p.srv, p.ln = srv, ln
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			app.Logger().Error("metrics: the private listener failed", "addr", addr, "error", err)
		}
	}()
	app.Logger().Info("metrics: serving "+Path+" without auth", "addr", ln.Addr().String())
	return nil
}

// stop closes the listener, letting a scrape in progress finish briefly.
func (p *private) stop() {
	p.mu.Lock()
	srv := p.srv
	p.srv, p.ln = nil, nil
	p.mu.Unlock()
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		_ = srv.Close()
	}
}

// The metrics read at scrape time.
var (
	liveDesc = prometheus.NewDesc("cobra_live_connections",
		`Live connections by transport: "websocket" room WebSockets, "topic" room topic subscriptions of realtime clients, "sse" realtime (SSE) clients of PocketBase's broker.`,
		[]string{"transport"}, nil)
	roomDesc = prometheus.NewDesc("cobra_room_listeners",
		fmt.Sprintf("Listeners (WebSockets and room topics) of the %d rooms with the most, at scrape time.", TopRooms),
		[]string{"room"}, nil)
	droppedDesc = prometheus.NewDesc("cobra_slow_consumers_dropped_total",
		"Listeners dropped for falling behind (their buffer of room frames was full), by transport.",
		[]string{"transport"}, nil)
	limitedDesc = prometheus.NewDesc("cobra_rate_limited_total",
		"Requests refused for being over a per-member limit, by kind.",
		[]string{"kind"}, nil)
)

// liveTransports are the hub transports reported (a listener of neither is
// a test's).
var liveTransports = []chat.Transport{chat.TransportWebSocket, chat.TransportTopic}

// liveCollector reads what already exists when scraped: the chat hub's
// listeners and drops, the realtime broker's clients and the refusals
// counted by internal/limits.
type liveCollector struct {
	app core.App
}

func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- liveDesc
	ch <- roomDesc
	ch <- droppedDesc
	ch <- limitedDesc
}

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	hub := chat.HubOf(c.app)
	for _, t := range liveTransports {
		ch <- prometheus.MustNewConstMetric(liveDesc, prometheus.GaugeValue, float64(hub.LiveListeners(t)), t.String())
		ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(hub.Dropped(t)), t.String())
	}
	ch <- prometheus.MustNewConstMetric(liveDesc, prometheus.GaugeValue, float64(c.app.SubscriptionsBroker().TotalClients()), "sse")
	for _, r := range hub.TopRooms(TopRooms) {
		ch <- prometheus.MustNewConstMetric(roomDesc, prometheus.GaugeValue, float64(r.Listeners), r.RoomId)
	}
	l := limits.Of(c.app)
	for _, k := range limits.Refusals() {
		ch <- prometheus.MustNewConstMetric(limitedDesc, prometheus.CounterValue, float64(l.Refused(k)), k.String())
	}
}
