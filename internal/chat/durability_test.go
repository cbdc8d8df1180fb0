package chat_test

// Durability against the real binary: messages sent over the WebSocket,
// the REST route and the record API are committed before they are
// acknowledged, so a server killed with SIGKILL and restarted on the same
// data dir still has every one of them.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/cobraspace/cobraspace/internal/testutil/binserver"
)

func TestMain(m *testing.M) { binserver.Main(m) }

// burstSize is how many messages the durability test sends at once: within
// a member's send burst (10), less the three sent before.
const burstSize = 7

func TestMessagesSurviveSIGKILL(t *testing.T) {
	bin := binserver.Build(t)
	dir := t.TempDir()
	// a superuser first, so that serve does not try to open the installer
	binserver.AddSuperuser(t, bin, dir)

	srv := binserver.Start(t, bin, dir)
	const email, password = "durable@example.com", "durable-pass-123"
	srv.Call(t, http.StatusCreated, http.MethodPost, "/user/registration/", "", map[string]string{"email": email, "password": password, "nickname": "durable"})
	access := srv.Login(t, email, password)

	_, room := srv.PostWithRoom(t, access, "Durable chat: does it survive SIGKILL?")

	const viaWS, viaREST, viaSDK = "durable over the WebSocket", "durable over REST", "durable over the record API"

	// the WebSocket: wait for the echo, which follows the commit
	ws := dialURL(t, "durable", "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/chat/"+room+"/chat/?token="+access, nil)
	until(t, ws, "the join", joinOf("durable"))
	ws.sendMessage(t, viaWS)

	srv.Call(t, http.StatusCreated, http.MethodPost, "/api/chat/message/", access, map[string]string{"room": room, "message": viaREST})
	srv.Call(t, http.StatusOK, http.MethodPost, "/api/collections/messages/records", access, map[string]string{"room": room, "message": viaSDK})
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
			a, err := srv.Do(http.MethodPost, "/api/chat/message/", access, map[string]string{"room": room, "message": burst[i]})
			if err != nil || a.Status != http.StatusCreated {
				answers[i] = fmt.Sprintf("%d %s %v", a.Status, a.Body, err)
			}
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a != "" {
			t.Fatalf("%q was not acknowledged: %s", burst[i], a)
		}
	}

	srv.Kill(t)
	if code, _ := ws.closedWith(t); code == websocket.StatusNormalClosure {
		t.Errorf("a killed server cannot close normally")
	}

	again := binserver.Start(t, bin, dir)
	access = again.Login(t, email, password)
	body := again.Call(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", access, nil)
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
