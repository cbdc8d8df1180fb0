package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	Name string
	Data []byte
}

// sseConn is a PocketBase realtime connection: GET /api/realtime, its
// PB_CONNECT client id, and the events that follow.
type sseConn struct {
	ClientId string
	cancel   context.CancelFunc
}

// dialSSE connects and calls onEvent for every later event (from the
// connection's own goroutine) until ctx ends or the stream closes.
func dialSSE(ctx context.Context, client *http.Client, baseURL string, onEvent func(sseEvent)) (*sseConn, error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/realtime", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("realtime connect: %d", res.StatusCode)
	}
	reader := bufio.NewReaderSize(res.Body, 4096)
	first, err := readSSE(reader)
	if err != nil || first.Name != "PB_CONNECT" {
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("realtime connect: no PB_CONNECT (%v)", err)
	}
	var hello struct {
		ClientId string `json:"clientId"`
	}
	if err := json.Unmarshal(first.Data, &hello); err != nil {
		res.Body.Close()
		cancel()
		return nil, err
	}
	go func() {
		defer res.Body.Close()
		for {
			ev, err := readSSE(reader)
			if err != nil {
				return
			}
			onEvent(ev)
		}
	}()
	return &sseConn{ClientId: hello.ClientId, cancel: cancel}, nil
}

// subscribe sets the connection's topics with the given auth token.
func (c *sseConn) subscribe(client *http.Client, baseURL, token string, topics ...string) error {
	body, _ := json.Marshal(map[string]any{"clientId": c.ClientId, "subscriptions": topics})
	req, err := http.NewRequest(http.MethodPost, baseURL+"/api/realtime", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("subscribe %v: %d", topics, res.StatusCode)
	}
	return nil
}

func (c *sseConn) Close() { c.cancel() }

func readSSE(r *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if ev.Name != "" || ev.Data != nil {
				return ev, nil
			}
		case strings.HasPrefix(line, "event:"):
			ev.Name = strings.TrimSpace(line[len("event:"):])
		case strings.HasPrefix(line, "data:"):
			ev.Data = append(ev.Data, strings.TrimSpace(line[len("data:"):])...)
		case strings.HasPrefix(line, "id:"), strings.HasPrefix(line, ":"):
		default:
			return ev, errors.New("bad SSE line")
		}
	}
}
