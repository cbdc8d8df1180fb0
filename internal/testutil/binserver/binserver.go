// Package binserver runs Cobra Space as it ships, for the tests that need
// a real process: the binary built from this module, `serve` on a
// loopback port, requests to it, and SIGKILL (the durability and
// Litestream tests).
package binserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Wait bounds one request and the death of a killed server: a bound for a
// hung server, not a timing check.
const Wait = 60 * time.Second

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Build builds the server from this module, once per test binary; a
// package that uses it removes the build with RemoveBuild from TestMain.
func Build(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		if buildDir, buildErr = os.MkdirTemp("", "cobraspace-test-bin"); buildErr != nil {
			return
		}
		cmd := exec.Command(goCommand(), "build", "-o", filepath.Join(buildDir, "cobraspace"), ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "cobraspace")
}

// RemoveBuild deletes what Build built (call it from TestMain after m.Run).
func RemoveBuild() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// moduleRoot is the directory of go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command(goCommand(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside a module (GOMOD=%q)", gomod)
	}
	return filepath.Dir(gomod), nil
}

// goCommand is the go command running the tests (PATH, else GOROOT's).
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// Server is a running `serve` process.
type Server struct {
	URL    string // http://127.0.0.1:<port>
	cmd    *exec.Cmd
	output *syncBuffer
	exited chan struct{}
}

// Start runs `bin serve --dir dir` on a free loopback port, with env added
// to its environment, and waits until /api/health answers. The process is
// killed when the test ends.
func Start(t testing.TB, bin, dir string, env ...string) *Server {
	t.Helper()
	addr := FreeAddr(t)
	return StartProcess(t, bin, []string{"serve", "--dir", dir, "--http", addr}, "http://"+addr, env...)
}

// StartProcess runs bin with args (a command serving HTTP at url), with
// env added to its environment, and waits until url's /api/health
// answers. The process is killed when the test ends.
func StartProcess(t testing.TB, bin string, args []string, url string, env ...string) *Server {
	t.Helper()
	s := &Server{URL: url, output: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = s.cmd.Wait() // a killed server exits with an error; the tests check its answers
		close(s.exited)
	}()
	t.Cleanup(func() {
		if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("kill %s: %v", bin, err)
		}
		<-s.exited
	})

	deadline := time.Now().Add(Wait)
	for {
		select {
		case <-s.exited:
			t.Fatalf("%s exited while starting:\n%s", strings.Join(args, " "), s.output)
		default:
		}
		if res, err := http.Get(s.URL + "/api/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /api/health within %v:\n%s", strings.Join(args, " "), Wait, s.output)
		}
		time.Sleep(50 * time.Millisecond) // polling a process that is starting up
	}
}

// Pid is the process's id (for its CPU time in /proc).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Output is what the server printed so far.
func (s *Server) Output() string { return s.output.String() }

// Kill sends SIGKILL — no shutdown hooks, no flushing, no goodbye — and
// waits for the process to end.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(Wait):
		t.Fatalf("the server did not die")
	}
}

// Answer is a response, read to its end.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a JSON request (body nil: none) with token as a Bearer token
// ("" for none) and returns the answer. Usable from any goroutine: it
// reports errors instead of failing the test.
func (s *Server) Do(method, path, token string, body any) (Answer, error) {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, r)
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return Answer{Status: res.StatusCode, Header: res.Header, Body: out}, err
}

// Call is Do that fails the test unless the answer has status; it returns
// the body.
func (s *Server) Call(t testing.TB, status int, method, path, token string, body any) []byte {
	t.Helper()
	a, err := s.Do(method, path, token, body)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != status {
		t.Fatalf("%s %s: status %d, want %d: %s\nserver output:\n%s", method, path, a.Status, status, a.Body, s.output)
	}
	return a.Body
}

// Login signs in through /user/login/ and returns the access token.
func (s *Server) Login(t testing.TB, email, password string) string {
	t.Helper()
	var login struct {
		Access string `json:"access"`
	}
	body := s.Call(t, http.StatusOK, http.MethodPost, "/user/login/", "", map[string]string{"email": email, "password": password})
	if err := json.Unmarshal(body, &login); err != nil || login.Access == "" {
		t.Fatalf("login answer %s", body)
	}
	return login.Access
}

// FreeAddr is a loopback host:port free now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Main runs a package's tests (from its TestMain) and removes the build
// they shared.
func Main(m *testing.M) {
	code := m.Run()
	RemoveBuild()
	os.Exit(code)
}

// PostWithRoom writes a post as the member of token and returns its id
// and its chat room's.
func (s *Server) PostWithRoom(t testing.TB, token, title string) (postId, roomId string) {
	t.Helper()
	var post struct {
		Id string `json:"id"`
	}
	body := s.Call(t, http.StatusCreated, http.MethodPost, "/api/post/write/", token, map[string]any{
		"title": title, "content": "A post with **a chat room**.", "category": "Programming", "tags": []string{"chat"},
	})
	if err := json.Unmarshal(body, &post); err != nil || post.Id == "" {
		t.Fatalf("post answer %s", body)
	}
	var detail struct {
		Room struct {
			Id string `json:"id"`
		} `json:"room_data"`
	}
	body = s.Call(t, http.StatusOK, http.MethodGet, "/api/post/detail/"+post.Id+"/", token, nil)
	if err := json.Unmarshal(body, &detail); err != nil || detail.Room.Id == "" {
		t.Fatalf("post detail %s", body)
	}
	return post.Id, detail.Room.Id
}

// AddSuperuser gives the data dir a superuser (so that serve does not
// open the installer).
func AddSuperuser(t testing.TB, bin, dir string) {
	t.Helper()
	if out, err := exec.Command(bin, "superuser", "upsert", "binserver-admin@example.com", "binserver-admin-pass-123", "--dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
}
