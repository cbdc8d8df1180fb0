// Package sse is a client of PocketBase's realtime protocol: GET
// /api/realtime (a server-sent event stream that begins with PB_CONNECT
// and the client id), POST /api/realtime (the client's topics). The
// benchmarks, the tests and the edge's relay of the writer's topics use it.
package sse

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Event is one server-sent event: its name (the topic) and data.
type Event struct {
	Name string
	Data []byte
}

// Conn is a realtime connection.
type Conn struct {
	ClientId string
	cancel   context.CancelFunc
	done     chan struct{}
}

// Dial connects (with header added to the request, may be nil) and calls
// onEvent for every event after PB_CONNECT, from the connection's own
// goroutine, until ctx ends or the stream closes (then Done is closed).
func Dial(ctx context.Context, client *http.Client, baseURL string, header http.Header, onEvent func(Event)) (*Conn, error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/realtime", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
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
	first, err := Read(reader)
	var hello struct {
		ClientId string `json:"clientId"`
	}
	if err != nil || first.Name != "PB_CONNECT" || json.Unmarshal(first.Data, &hello) != nil || hello.ClientId == "" {
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("realtime connect: no PB_CONNECT (%v)", err)
	}
	c := &Conn{ClientId: hello.ClientId, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer res.Body.Close()
		for {
			ev, err := Read(reader)
			if err != nil {
				return
			}
			onEvent(ev)
		}
	}()
	return c, nil
}

// Subscribe sets the connection's topics with token ("" for none) and
// returns the answer's status and body.
func (c *Conn) Subscribe(client *http.Client, baseURL, token string, topics ...string) (int, []byte, error) {
	if topics == nil {
		topics = []string{}
	}
	body, _ := json.Marshal(map[string]any{"clientId": c.ClientId, "subscriptions": topics})
	req, err := http.NewRequest(http.MethodPost, baseURL+"/api/realtime", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, answer, err
}

// Close ends the connection.
func (c *Conn) Close() { c.cancel() }

// Done is closed once the stream ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Read reads one event (comments and ids are skipped).
func Read(r *bufio.Reader) (Event, error) {
	var ev Event
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return ev, err
		}
		line = bytes.TrimRight(line, "\r\n")
		field, value, _ := bytes.Cut(line, []byte(":"))
		switch {
		case len(line) == 0:
			if ev.Name != "" || ev.Data != nil {
				return ev, nil
			}
		case string(field) == "event":
			ev.Name = string(bytes.TrimSpace(value))
		case string(field) == "data":
			if ev.Data != nil {
				ev.Data = append(ev.Data, '\n')
			}
			ev.Data = append(ev.Data, value...)
		case string(field) == "id", len(field) == 0:
		default:
			return ev, errors.New("bad SSE line")
		}
	}
}
