package edge

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/cobraspace/cobraspace/internal/cluster"
)

// Handler is the edge's HTTP: the room WebSocket and PocketBase's
// realtime here, the web client's files from publicDir, and everything
// else (REST, record API, files, the dashboard) proxied to the writer.
func (e *Edge) Handler(publicDir string) (http.Handler, error) {
	writer, err := url.Parse(e.writerURL)
	if err != nil || writer.Scheme == "" || writer.Host == "" {
		return nil, &url.Error{Op: "parse", URL: e.writerURL, Err: err}
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(writer)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host // the writer sees the client's Host (cookies, Origin checks)
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			e.log.Warn("edge: the writer did not answer", "path", r.URL.Path, "error", err)
			writeError(w, http.StatusBadGateway, "The server is unavailable, try again.")
		},
	}
	files := http.FileServer(http.Dir(publicDir))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		if _, err := e.nc.Request(cluster.PingSubject, nil, 2*time.Second); err != nil {
			writeError(w, http.StatusServiceUnavailable, "The writer is unreachable over NATS.")
			return
		}
		proxy.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /ws/chat/{room}/chat/", e.roomSocket)
	mux.HandleFunc("GET /api/realtime", e.realtimeConnect)
	mux.HandleFunc("POST /api/realtime", e.realtimeSubscribe)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && isPublicFile(publicDir, r.URL.Path) {
			files.ServeHTTP(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	return mux, nil
}

// isPublicFile reports whether urlPath names a file of the web client
// (a directory with an index.html counts), as the writer serves them.
func isPublicFile(publicDir, urlPath string) bool {
	clean := path.Clean("/" + urlPath)
	if strings.Contains(clean, "\x00") {
		return false
	}
	p := filepath.Join(publicDir, filepath.FromSlash(clean))
	info, err := os.Stat(p)
	if err != nil {
		return false
	}
	if info.IsDir() {
		info, err = os.Stat(filepath.Join(p, "index.html"))
		return err == nil && !info.IsDir()
	}
	return true
}
