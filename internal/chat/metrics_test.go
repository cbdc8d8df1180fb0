package chat_test

// The operators' metrics (internal/metrics) scraped over real HTTP after
// real live traffic: this package's harness has the WebSocket and realtime
// clients the live counts need. The route's auth and the private listener's
// life are tested in internal/metrics.

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/limits"
	"github.com/cobraspace/cobraspace/internal/metrics"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestMetricsAfterLiveTraffic: a superuser's scrape of /metrics reports
// the live WebSocket, room topic and realtime client, the listeners of the
// busiest room, the messages committed through three APIs, their fan-outs,
// a slow WebSocket listener dropped and one refusal of each rate-limit
// kind; the private listener (COBRA_METRICS_ADDR) serves the same without
// auth.
func TestMetricsAfterLiveTraffic(t *testing.T) {
	t.Setenv(metrics.EnvAddr, "127.0.0.1:0")
	s := startServer(t)
	l := limits.Of(s.App)
	l.ConnectionsPerMember = 1
	l.RoomCreate = limits.Rate{Burst: 1, PerMinute: 0.01}
	l.PostCreate = limits.Rate{Burst: 1, PerMinute: 0.01}
	l.LoginCreate = limits.Rate{Burst: 1, PerMinute: 0.01}
	superuser := auth(t, testutil.SuperuserEmail)
	room := postRoomId(t)

	before := scrapeMetrics(t, s.URL+metrics.Path, superuser)
	committed0 := metricValue(t, before, "cobra_messages_committed_total", nil)
	fanouts0 := histogramCount(t, before, "cobra_fanout_publish_seconds")
	batched0 := histogramSum(t, before, "cobra_commit_batch_size")
	for _, kind := range []string{"message", "room", "post", "login", "connection"} {
		if got := metricValue(t, before, "cobra_rate_limited_total", map[string]string{"kind": kind}); got != 0 {
			t.Fatalf("cobra_rate_limited_total{kind=%q} = %v before any refusal", kind, got)
		}
	}

	// live: alice's room WebSocket, bob's realtime client on the room topic
	ws := s.dialWS(t, "alice", room, token(t, testutil.AliceEmail))
	until(t, ws, "alice's join", joinOf("alice"))
	sse := s.connectSSE(t, "bob")
	sse.mustSubscribe(t, auth(t, testutil.BobEmail), roomTopic(room))
	s.waitListeners(t, room, 2)

	// four messages, three APIs
	s.sendREST(t, testutil.AliceEmail, room, "metrics one")
	s.sendREST(t, testutil.AliceEmail, room, "metrics two")
	ws.sendMessage(t, "metrics three")
	s.sendRecord(t, testutil.BobEmail, map[string]any{"room": room, "message": "metrics four"})
	untilText(t, ws, "metrics four")

	// a slow WebSocket listener, alone in a room, never reads: dropped once
	hub := chat.HubOf(s.App)
	slow := chat.NewListenerOn(chat.TransportWebSocket, "roommetrics0001", "usrmetricsslow1", "slow")
	hub.Add(slow)
	for i := 0; i <= chat.ListenerBuffer+1; i++ {
		hub.Publish("roommetrics0001", []byte(`{}`))
	}
	select {
	case <-slow.Done():
	case <-time.After(wait):
		t.Fatal("the slow listener was not dropped")
	}
	hub.Remove(slow)

	// one refusal of each kind
	for chat.AllowSend(s.App, "usrmetricssend1") { // the send budget of any API
	}
	dave := auth(t, testutil.DaveEmail)
	s.expect(t, http.StatusCreated, http.MethodPost, "/api/chat/room/", dave, map[string]any{"name": "metrics room"})
	s.expect(t, http.StatusTooManyRequests, http.MethodPost, "/api/chat/room/", dave, map[string]any{"name": "metrics room 2"})
	if status, body := s.do(t, http.MethodPost, "/api/post/write/", dave, map[string]any{}); status == http.StatusTooManyRequests {
		t.Fatalf("the first post was refused: %s", body)
	}
	s.expect(t, http.StatusTooManyRequests, http.MethodPost, "/api/post/write/", dave, map[string]any{})
	login := map[string]any{"email": testutil.CarolEmail, "password": testutil.Password}
	s.expect(t, http.StatusOK, http.MethodPost, "/user/login/", nil, login)
	s.expect(t, http.StatusTooManyRequests, http.MethodPost, "/user/login/", nil, login)
	refused := s.dialWS(t, "alice, one too many", room, token(t, testutil.AliceEmail))
	if code, _ := refused.closedWith(t); code != chat.CloseTooManyConns {
		t.Fatalf("alice's second WebSocket closed with %d, want %d", code, chat.CloseTooManyConns)
	}

	after := scrapeMetrics(t, s.URL+metrics.Path, superuser)
	want := []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"cobra_live_connections", map[string]string{"transport": "websocket"}, 1},
		{"cobra_live_connections", map[string]string{"transport": "topic"}, 1},
		{"cobra_live_connections", map[string]string{"transport": "sse"}, 1},
		{"cobra_room_listeners", map[string]string{"room": room}, 2},
		{"cobra_messages_committed_total", nil, committed0 + 4},
		{"cobra_slow_consumers_dropped_total", map[string]string{"transport": "websocket"}, 1},
		{"cobra_slow_consumers_dropped_total", map[string]string{"transport": "topic"}, 0},
		{"cobra_rate_limited_total", map[string]string{"kind": "message"}, 1},
		{"cobra_rate_limited_total", map[string]string{"kind": "room"}, 1},
		{"cobra_rate_limited_total", map[string]string{"kind": "post"}, 1},
		{"cobra_rate_limited_total", map[string]string{"kind": "login"}, 1},
		{"cobra_rate_limited_total", map[string]string{"kind": "connection"}, 1},
	}
	for _, w := range want {
		if got := metricValue(t, after, w.name, w.labels); got != w.value {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.value)
		}
	}
	if rooms := len(after["cobra_room_listeners"].GetMetric()); rooms != 1 {
		t.Errorf("cobra_room_listeners has %d rooms, want 1 (the slow listener's room is empty again)", rooms)
	}
	// every message's fan-out, and the join notices' and the slow room's
	if fanouts := histogramCount(t, after, "cobra_fanout_publish_seconds"); fanouts < fanouts0+4+chat.ListenerBuffer {
		t.Errorf("cobra_fanout_publish_seconds count = %d, want at least %d", fanouts, fanouts0+4+chat.ListenerBuffer)
	}
	// every frame delivered to alice's WebSocket and bob's room topic was
	// timed: at least the four messages each
	for _, transport := range []string{"websocket", "topic"} {
		if n := histogramCountOf(t, after, "cobra_delivery_seconds", map[string]string{"transport": transport}); n < 4 {
			t.Errorf("cobra_delivery_seconds{transport=%q} count = %d, want at least 4", transport, n)
		}
	}
	// the four messages went through the group commit: its batches hold
	// them all, and nothing waits in its queue
	if batched := histogramSum(t, after, "cobra_commit_batch_size"); batched != batched0+4 {
		t.Errorf("cobra_commit_batch_size sum = %v, want %v (four messages more)", batched, batched0+4)
	}
	if depth := metricValue(t, after, "cobra_commit_queue_depth", nil); depth != 0 {
		t.Errorf("cobra_commit_queue_depth = %v, want 0", depth)
	}
	for _, family := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if after[family] == nil {
			t.Errorf("no %s: the Go runtime and process collectors are registered", family)
		}
	}

	// the private listener: the same metrics, no auth
	addr := metrics.Addr(s.App)
	if addr == "" {
		t.Fatalf("%s is set but no private listener runs", metrics.EnvAddr)
	}
	private := scrapeMetrics(t, "http://"+addr+metrics.Path, nil)
	if got := metricValue(t, private, "cobra_messages_committed_total", nil); got != committed0+4 {
		t.Errorf("the private listener's cobra_messages_committed_total = %v, want %v", got, committed0+4)
	}
}

// scrapeMetrics GETs url (with headers) and parses the text exposition.
func scrapeMetrics(t testing.TB, url string, headers map[string]string) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: status %d: %s", url, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET %s: Content-Type %q, want the text exposition", url, ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("GET %s: parsing the exposition: %v", url, err)
	}
	return families
}

// metricValue is the value of the gauge or counter name with exactly these
// labels.
func metricValue(t testing.TB, families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Fatalf("no metric %s; families: %v", name, slices.Sorted(maps.Keys(families)))
	}
	var seen []string
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, p := range m.GetLabel() {
			got[p.GetName()] = p.GetValue()
		}
		seen = append(seen, fmt.Sprint(got))
		if !maps.Equal(got, labels) {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		}
		t.Fatalf("%s%v is neither a counter nor a gauge", name, labels)
	}
	t.Fatalf("no %s%v; series: %v", name, labels, seen)
	return 0
}

// histogramCount is the observation count of the histogram name, checked
// against its +Inf bucket.
// histogramCountOf is the observation count of the series of a histogram
// vector with labels.
func histogramCountOf(t testing.TB, families map[string]*dto.MetricFamily, name string, labels map[string]string) uint64 {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Fatalf("no histogram %s", name)
	}
	for _, m := range f.GetMetric() {
		match := len(m.GetLabel()) == len(labels)
		for _, l := range m.GetLabel() {
			match = match && labels[l.GetName()] == l.GetValue()
		}
		if match && m.GetHistogram() != nil {
			return m.GetHistogram().GetSampleCount()
		}
	}
	return 0
}

// histogramSum is the sum of the observations of a histogram (with
// histogramCount's checks).
func histogramSum(t testing.TB, families map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	histogramCount(t, families, name)
	return families[name].GetMetric()[0].GetHistogram().GetSampleSum()
}

func histogramCount(t testing.TB, families map[string]*dto.MetricFamily, name string) uint64 {
	t.Helper()
	f := families[name]
	if f == nil || len(f.GetMetric()) != 1 || f.GetMetric()[0].GetHistogram() == nil {
		t.Fatalf("no histogram %s", name)
	}
	h := f.GetMetric()[0].GetHistogram()
	buckets := h.GetBucket()
	if n := len(buckets); n > 0 && buckets[n-1].GetCumulativeCount() > h.GetSampleCount() {
		t.Fatalf("%s: bucket %v holds %d of %d observations", name, buckets[n-1].GetUpperBound(), buckets[n-1].GetCumulativeCount(), h.GetSampleCount())
	}
	return h.GetSampleCount()
}
