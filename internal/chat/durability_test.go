package chat_test

// Durability against the real binary: messages sent over the WebSocket,
// the REST route and the record API are committed before they are
// acknowledged, so a server killed with SIGKILL and restarted on the same
// data dir still has every one of them.

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

	"github.com/coder/websocket"
)

// moduleRoot is the directory of go.mod.
func moduleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(goCommand(t), "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatalf("not inside a module (GOMOD=%q)", gomod)
	}
	return filepath.Dir(gomod)
}

func goCommand(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	t.Fatalf("no go command in PATH")
	return ""
}

// buildBinary builds the Cobra Space server as it ships.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cobraspace")
	cmd := exec.Command(goCommand(t), "build", "-o", bin, ".")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
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

type binServer struct {
	cmd    *exec.Cmd
	URL    string
	output *syncBuffer
	exited chan struct{}
}

// startBinary runs `serve` on dir and waits until /api/health answers.
func startBinary(t testing.TB, bin, dir string) *binServer {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s := &binServer{URL: "http://" + addr, output: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--dir", dir, "--http", addr)
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = s.cmd.Wait() // a killed server exits with an error; the test checks its answers
		close(s.exited)
	}()
	t.Cleanup(func() {
		if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("kill %s: %v", bin, err)
		}
		<-s.exited
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.exited:
			t.Fatalf("the server exited while starting:\n%s", s.output)
		default:
		}
		res, err := http.Get(s.URL + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer /api/health within 60 s:\n%s", s.output)
		}
		time.Sleep(50 * time.Millisecond) // polling a process that is starting up
	}
}

// kill sends SIGKILL: no shutdown hooks, no flushing, no goodbye.
func (s *binServer) kill(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(wait):
		t.Fatalf("the server did not die")
	}
}

func (s *binServer) call(t testing.TB, status int, method, path, token string, body any) []byte {
	t.Helper()
	got, out, err := s.do(method, path, token, body)
	if err != nil {
		t.Fatal(err)
	}
	if got != status {
		t.Fatalf("%s %s: status %d, want %d: %s\nserver output:\n%s", method, path, got, status, out, s.output)
	}
	return out
}

// do sends a request and returns the answer's status and body (usable
// from any goroutine: it reports instead of failing the test).
func (s *binServer) do(method, path, token string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

func (s *binServer) login(t testing.TB, email, password string) string {
	t.Helper()
	var login struct {
		Access string `json:"access"`
	}
	body := s.call(t, http.StatusOK, http.MethodPost, "/user/login/", "", map[string]string{"email": email, "password": password})
	if err := json.Unmarshal(body, &login); err != nil || login.Access == "" {
		t.Fatalf("login answer %s", body)
	}
	return login.Access
}

// burstSize is how many messages the durability test sends at once: within
// a member's send burst (10), less the three sent before.
const burstSize = 7

func TestMessagesSurviveSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	// a superuser first, so that serve does not try to open the installer
	if out, err := exec.Command(bin, "superuser", "upsert", "durable-admin@example.com", "durable-admin-pass-123", "--dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}

	srv := startBinary(t, bin, dir)
	const email, password = "durable@example.com", "durable-pass-123"
	srv.call(t, http.StatusCreated, http.MethodPost, "/user/registration/", "", map[string]string{"email": email, "password": password, "nickname": "durable"})
	access := srv.login(t, email, password)

	var post struct {
		Id string `json:"id"`
	}
	body := srv.call(t, http.StatusCreated, http.MethodPost, "/api/post/write/", access, map[string]any{
		"title": "Durable chat", "content": "Does it survive **SIGKILL**?", "category": "Programming", "tags": []string{"sqlite"},
	})
	if err := json.Unmarshal(body, &post); err != nil || post.Id == "" {
		t.Fatalf("post answer %s", body)
	}
	var detail struct {
		Room struct {
			Id string `json:"id"`
		} `json:"room_data"`
	}
	body = srv.call(t, http.StatusOK, http.MethodGet, "/api/post/detail/"+post.Id+"/", access, nil)
	if err := json.Unmarshal(body, &detail); err != nil || detail.Room.Id == "" {
		t.Fatalf("post detail %s", body)
	}
	room := detail.Room.Id

	const viaWS, viaREST, viaSDK = "durable over the WebSocket", "durable over REST", "durable over the record API"

	// the WebSocket: wait for the echo, which follows the commit
	ws := dialURL(t, "durable", "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/chat/"+room+"/chat/?token="+access, nil)
	until(t, ws, "the join", joinOf("durable"))
	ws.sendMessage(t, viaWS)

	srv.call(t, http.StatusCreated, http.MethodPost, "/api/chat/message/", access, map[string]string{"room": room, "message": viaREST})
	srv.call(t, http.StatusOK, http.MethodPost, "/api/collections/messages/records", access, map[string]string{"room": room, "message": viaSDK})
	untilEach(t, ws, 1, viaREST, viaSDK)

	// a burst sent at once, as the group commit stores them together: each
	// acknowledged (201) only once its batch is committed
	burst := make([]string, burstSize)
	answers := make([]string, burstSize)
	var wg sync.WaitGroup
	for i := range burst {
		burst[i] = fmt.Sprintf("durable burst %d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, out, err := srv.do(http.MethodPost, "/api/chat/message/", access, map[string]string{"room": room, "message": burst[i]})
			if err != nil || status != http.StatusCreated {
				answers[i] = fmt.Sprintf("%d %s %v", status, out, err)
			}
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a != "" {
			t.Fatalf("%q was not acknowledged: %s", burst[i], a)
		}
	}

	srv.kill(t)
	if code, _ := ws.closedWith(t); code == websocket.StatusNormalClosure {
		t.Errorf("a killed server cannot close normally")
	}

	again := startBinary(t, bin, dir)
	access = again.login(t, email, password)
	body = again.call(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", access, nil)
	var data struct {
		Messages []struct {
			Id      string `json:"id"`
			Message string `json:"message"`
			Sender  string `json:"sender_email"`
			Room    string `json:"room"`
		} `json:"chat_messages"`
	}
	if err := json.Unmarshal(body, &data); err != nil {
		t.Fatalf("room answer %s", body)
	}
	got := map[string]int{}
	for _, m := range data.Messages {
		got[m.Message]++
		if m.Sender != email || m.Room != room {
			t.Errorf("message %q: sender %q room %q", m.Message, m.Sender, m.Room)
		}
	}
	for _, text := range append([]string{viaWS, viaREST, viaSDK}, burst...) {
		if got[text] != 1 {
			t.Errorf("after SIGKILL and restart %q is there %d times, want once (history %s)", text, got[text], body)
		}
	}
	if want := 3 + burstSize; len(data.Messages) != want {
		t.Errorf("history has %d messages, want %d: %s", len(data.Messages), want, body)
	}

	// and the restarted server is live again
	ws2 := dialURL(t, "durable again", "ws"+strings.TrimPrefix(again.URL, "http")+"/ws/chat/"+room+"/chat/?token="+access, nil)
	until(t, ws2, "the join", joinOf("durable"))
	ws2.sendMessage(t, "alive after the restart")
}
