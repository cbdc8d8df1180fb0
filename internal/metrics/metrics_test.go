package metrics_test

// Who may read /metrics on the main listener, and the life of the private
// listener of COBRA_METRICS_ADDR. The metric values after live traffic are
// tested in internal/chat (metrics_test.go), where the live clients are.

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/metrics"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// get sends GET url with headers and returns the status, Content-Type and
// body.
func get(t *testing.T, url string, headers map[string]string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(body)
}

// TestMetricsRouteIsSuperuserOnly: GET /metrics answers 401 without or
// with a bad token, 403 to a member, and the text exposition to a
// superuser; without COBRA_METRICS_ADDR there is no private listener.
func TestMetricsRouteIsSuperuserOnly(t *testing.T) {
	t.Setenv(metrics.EnvAddr, "")
	app := testutil.NewApp(t)
	srv := httptest.NewServer(testutil.Routes(t, app))
	defer srv.Close()

	for _, c := range []struct {
		name    string
		headers map[string]string
		status  int
		body    string
	}{
		{"no auth", nil, http.StatusUnauthorized, testutil.NoAuthBody},
		{"malformed token", testutil.GarbageAuth, http.StatusUnauthorized, testutil.BadTokenBody},
		{"member", testutil.AuthHeader(t, testutil.AliceEmail), http.StatusForbidden, testutil.ForbiddenBody},
	} {
		status, _, body := get(t, srv.URL+metrics.Path, c.headers)
		if status != c.status || !reflect.DeepEqual(testutil.Decode(t, []byte(body)), testutil.Decode(t, []byte(c.body))) {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, body, c.status, c.body)
		}
	}
	for _, path := range []string{metrics.Path, metrics.Path + "/"} {
		status, contentType, body := get(t, srv.URL+path, testutil.AuthHeader(t, testutil.SuperuserEmail))
		if status != http.StatusOK || !strings.HasPrefix(contentType, "text/plain") {
			t.Fatalf("superuser GET %s: %d %q: %s", path, status, contentType, body)
		}
		for _, name := range []string{"cobra_live_connections", "cobra_messages_committed_total", "cobra_rate_limited_total", "go_goroutines", "process_cpu_seconds_total"} {
			if !strings.Contains(body, "\n# TYPE "+name+" ") {
				t.Errorf("superuser GET %s: no %s", path, name)
			}
		}
	}
	if addr := metrics.Addr(app); addr != "" {
		t.Errorf("a private listener runs on %s without %s", addr, metrics.EnvAddr)
	}
}

// TestPrivateListener: with COBRA_METRICS_ADDR set, serving starts a
// listener there that serves /metrics (and nothing else) without auth,
// while the main listener still wants a superuser; terminating the app
// stops it.
func TestPrivateListener(t *testing.T) {
	t.Setenv(metrics.EnvAddr, "127.0.0.1:0")
	app := testutil.NewApp(t)
	main := testutil.Routes(t, app) // the serve hooks start the listener

	addr := metrics.Addr(app)
	if addr == "" {
		t.Fatalf("no private listener with %s set", metrics.EnvAddr)
	}
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Fatalf("the private listener is on %s, want the configured 127.0.0.1", addr)
	}
	status, contentType, body := get(t, "http://"+addr+metrics.Path, nil)
	if status != http.StatusOK || !strings.HasPrefix(contentType, "text/plain") || !strings.Contains(body, "\n# TYPE cobra_live_connections gauge\n") {
		t.Fatalf("private GET %s: %d %q: %s", metrics.Path, status, contentType, body)
	}
	if status, _, _ := get(t, "http://"+addr+"/api/health", nil); status != http.StatusNotFound {
		t.Errorf("the private listener answers /api/health with %d, want 404 (it serves %s only)", status, metrics.Path)
	}
	rec := httptest.NewRecorder()
	main.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, metrics.Path, nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("the main listener answers an anonymous %s with %d, want 401", metrics.Path, rec.Code)
	}

	err := app.OnTerminate().Trigger(&core.TerminateEvent{App: app}, func(e *core.TerminateEvent) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := metrics.Addr(app); got != "" {
		t.Errorf("the private listener still runs on %s after terminate", got)
	}
	if conn, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after terminate", addr)
	}
}

// TestPrivateListenerBadAddress: an address that cannot be bound fails
// serving, naming the variable.
func TestPrivateListenerBadAddress(t *testing.T) {
	t.Setenv(metrics.EnvAddr, "127.0.0.1:not-a-port")
	app := testutil.NewApp(t)
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error { return nil })
	if err == nil || !strings.Contains(err.Error(), metrics.EnvAddr) {
		t.Fatalf("serve with a bad %s: error %v, want one naming it", metrics.EnvAddr, err)
	}
	if addr := metrics.Addr(app); addr != "" {
		t.Errorf("a private listener runs on %s", addr)
	}
}
