package chat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/cobraspace/cobraspace/internal/chat"
	"github.com/cobraspace/cobraspace/internal/fts"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// Group commit tests: the writer is held inside a first message's save (a
// test hook waits on a channel), the messages under test queue up behind
// it, and once it is let go they are committed together — one batch, so
// what a batch guarantees is tested without any timing.

// writerGate holds the writer inside the save of a message whose text is
// gateText until release is called.
type writerGate struct {
	entered chan struct{}
	release func()
}

const gateText = "hold the writer"

// holdWriter binds the gate to app; during on runs inside the held save
// (in the writer's transaction) just before it is let go.
func holdWriter(t testing.TB, app core.App, during func(tx core.App) error) *writerGate {
	t.Helper()
	g := &writerGate{entered: make(chan struct{})}
	let := make(chan struct{})
	var once sync.Once
	g.release = func() { once.Do(func() { close(let) }) }
	t.Cleanup(g.release)
	app.OnRecordCreateExecute("messages").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: -1000,
		Func: func(e *core.RecordEvent) error {
			if e.Record.GetString("message") == gateText {
				close(g.entered)
				<-let
				if during != nil {
					if err := during(e.App); err != nil {
						return err
					}
				}
			}
			return e.Next()
		},
	})
	return g
}

// saveAsync saves m through the group commit on a goroutine of its own;
// the result arrives on the returned channel.
func saveAsync(app core.App, m *core.Record) <-chan error {
	done := make(chan error, 1)
	go func() { done <- chat.CommitterOf(app).Save(context.Background(), app, m) }()
	return done
}

// waitQueued waits (with a deadline) until n messages wait in the queue.
func waitQueued(t testing.TB, app core.App, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for chat.CommitterOf(app).QueueDepth() < n {
		if time.Now().After(deadline) {
			t.Fatalf("queue depth %d, want %d", chat.CommitterOf(app).QueueDepth(), n)
		}
		time.Sleep(time.Millisecond) // polling a counter, with a deadline
	}
}

// wait receives a save's result with a deadline.
func waitSaved(t testing.TB, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("a queued save was never answered")
		return nil
	}
}

func newMessage(t testing.TB, app core.App, room, sender, text string) *core.Record {
	return testutil.NewRecord(t, app, "messages", map[string]any{"room": room, "sender": sender, "message": text})
}

// batchSizes records the size of every committed batch.
func batchSizes(app core.App) func() []int {
	var mu sync.Mutex
	var sizes []int
	chat.CommitterOf(app).OnBatch(func(n int) {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, n)
	})
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(sizes)
	}
}

// Messages queued while the writer is busy are committed in one
// transaction, numbered in queue order, and fanned out after the commit in
// that same order, each sender answered only once its message is stored.
func TestGroupCommitOrdersABatch(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	room := postRoomId(t)
	sizes := batchSizes(app)
	var mu sync.Mutex
	var published []string // texts, in after-commit hook order
	var storedWhenPublished []int
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		mu.Lock()
		defer mu.Unlock()
		published = append(published, e.Record.GetString("message"))
		storedWhenPublished = append(storedWhenPublished, testutil.Count(t, e.App, "messages", dbx.HashExp{"id": e.Record.Id}))
		return e.Next()
	})
	gate := holdWriter(t, app, nil)
	first := saveAsync(app, newMessage(t, app, room, testutil.BobId, gateText))
	<-gate.entered

	const n = 12
	var queued []<-chan error
	var want []string
	for i := range n {
		text := fmt.Sprintf("batched %02d", i)
		sender := []string{testutil.AliceId, testutil.BobId, testutil.CarolId}[i%3]
		queued = append(queued, saveAsync(app, newMessage(t, app, room, sender, text)))
		waitQueued(t, app, i+1) // queue order is this loop's order
		want = append(want, text)
	}
	select {
	case err := <-queued[0]:
		t.Fatalf("a queued message was answered before the writer took it: %v", err)
	default:
	}
	gate.release()
	if err := waitSaved(t, first); err != nil {
		t.Fatalf("first: %v", err)
	}
	for i, done := range queued {
		if err := waitSaved(t, done); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}

	if got := sizes(); !slices.Equal(got, []int{1, n}) {
		t.Errorf("batch sizes %v, want [1 %d]", got, n)
	}
	var texts []string
	err := app.DB().Select("message").From("messages").
		Where(dbx.And(dbx.HashExp{"room": room}, dbx.Like("message", "batched"))).
		OrderBy("seq ASC").Column(&texts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(texts, want) {
		t.Errorf("stored in seq order %v, want queue order %v", texts, want)
	}
	// the batch's search documents, written together at its end: each
	// message's document is found by a word of its text
	var docIds, matched []int64
	err = app.DB().NewQuery(`SELECT d.id FROM chat_search_docs d JOIN messages m ON m.id = d.message
		WHERE m.message LIKE 'batched %'`).Column(&docIds)
	if err != nil {
		t.Fatal(err)
	}
	err = app.DB().NewQuery(`SELECT rowid FROM chat_search_text WHERE chat_search_text MATCH {:q}`).
		Bind(dbx.Params{"q": `"` + fts.Fold("batched") + `"`}).Column(&matched)
	if err != nil {
		t.Fatal(err)
	}
	if len(docIds) != n {
		t.Errorf("%d search documents, want %d", len(docIds), n)
	}
	for _, id := range docIds {
		if !slices.Contains(matched, id) {
			t.Errorf("search document %d is not found by its text (matched %v)", id, matched)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if got := published[1:]; !slices.Equal(got, want) {
		t.Errorf("fanned out %v, want commit order %v", got, want)
	}
	for i, stored := range storedWhenPublished {
		if stored != 1 {
			t.Errorf("message %d was fanned out before it was stored", i)
		}
	}
}

// A message refused in a batch (validation: its room was deleted while it
// waited; a hook after its insert: rolled back to its savepoint) fails with
// its own error; the others of the batch commit with consecutive numbers,
// and only they are fanned out.
func TestGroupCommitFailureFailsAlone(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	makePrivateRooms(t, app)
	room := postRoomId(t)
	sizes := batchSizes(app)
	var mu sync.Mutex
	var published []string
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		mu.Lock()
		defer mu.Unlock()
		published = append(published, e.Record.GetString("message"))
		return e.Next()
	})
	errAfterInsert := errors.New("refused after its insert")
	app.OnRecordCreateExecute("messages").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: -999, // an outer execute hook: the inner ones (the search index among them) and the insert ran
		Func: func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			if e.Record.GetString("message") == "fails after its insert" {
				return errAfterInsert
			}
			return nil
		},
	})
	// the held message deletes bob's room in the writer's transaction: the
	// room is gone by the time the next batch validates
	gate := holdWriter(t, app, func(tx core.App) error {
		r, err := tx.FindRecordById("rooms", bobRoomId)
		if err != nil {
			return err
		}
		return tx.Delete(r)
	})
	first := saveAsync(app, newMessage(t, app, room, testutil.AliceId, gateText))
	<-gate.entered

	batch := []struct {
		room, text string
		want       func(error) bool
	}{
		{room, "kept 1", isNil},
		{bobRoomId, "into a deleted room", func(err error) bool { return err != nil && !errors.Is(err, errAfterInsert) }},
		{room, "fails after its insert", func(err error) bool { return errors.Is(err, errAfterInsert) }},
		{room, "kept 2", isNil},
	}
	var queued []<-chan error
	for i, m := range batch {
		queued = append(queued, saveAsync(app, newMessage(t, app, m.room, testutil.BobId, m.text)))
		waitQueued(t, app, i+1)
	}
	gate.release()
	if err := waitSaved(t, first); err != nil {
		t.Fatalf("held message: %v", err)
	}
	for i, done := range queued {
		if err := waitSaved(t, done); !batch[i].want(err) {
			t.Errorf("%q: err = %v", batch[i].text, err)
		}
	}

	if got := sizes(); !slices.Equal(got, []int{1, len(batch)}) {
		t.Errorf("batch sizes %v, want [1 %d]", got, len(batch))
	}
	testutil.ExpectCount(t, app, "rooms", dbx.HashExp{"id": bobRoomId}, 0)
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": "into a deleted room"}, 0)
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": "fails after its insert"}, 0)
	var seqs []int
	err := app.DB().Select("seq").From("messages").
		Where(dbx.In("message", "kept 1", "kept 2")).OrderBy("seq ASC").Column(&seqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || seqs[1] != seqs[0]+1 {
		t.Errorf("kept messages' seq %v: want two consecutive numbers (the failed one left no gap)", seqs)
	}
	// the search index holds the stored messages' documents and nothing of
	// the refused ones (their deferred writes were dropped)
	for _, q := range []string{
		`SELECT COUNT(*) FROM chat_search_text WHERE rowid NOT IN (SELECT id FROM chat_search_docs)`,
		`SELECT COUNT(*) FROM chat_search_grams WHERE rowid NOT IN (SELECT id FROM chat_search_docs)`,
		`SELECT COUNT(*) FROM chat_search_docs WHERE id NOT IN (SELECT rowid FROM chat_search_text)`,
		`SELECT COUNT(*) FROM chat_search_docs WHERE message NOT IN (SELECT id FROM messages)`,
	} {
		var n int
		if err := app.DB().NewQuery(q).Row(&n); err != nil || n != 0 {
			t.Errorf("%s: %d, %v", q, n, err)
		}
	}
	testutil.ExpectCount(t, app, "chat_search_docs", dbx.NewExp("message IN (SELECT id FROM messages WHERE message IN ('kept 1', 'kept 2'))"), 2)
	for word, want := range map[string]int{"kept": 2, "fails": 0, "deleted": 0} {
		var n int
		err := app.DB().NewQuery(`SELECT COUNT(*) FROM chat_search_text WHERE chat_search_text MATCH {:q}`).
			Bind(dbx.Params{"q": `"` + fts.Fold(word) + `"`}).Row(&n)
		if err != nil || n != want {
			t.Errorf("search for %q finds %d documents (%v), want %d", word, n, err, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{gateText, "kept 1", "kept 2"}; !slices.Equal(published, want) {
		t.Errorf("fanned out %v, want %v", published, want)
	}
}

func isNil(err error) bool { return err == nil }

// A full queue refuses the next message at once — 503 with Retry-After
// from the documented route and from the record API, the server_busy frame
// on the WebSocket (which stays open), nothing stored — and every queued
// message is still stored once the writer goes on.
func TestGroupCommitFullQueueRefuses(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	app := s.App
	room := postRoomId(t)
	ws := s.dialWS(t, "carol", room, token(t, testutil.CarolEmail))
	s.waitListeners(t, room, 1)
	gate := holdWriter(t, app, nil)
	first := saveAsync(app, newMessage(t, app, room, testutil.AliceId, gateText))
	<-gate.entered
	var queued []<-chan error
	for i := range chat.CommitQueueSize {
		queued = append(queued, saveAsync(app, newMessage(t, app, room, testutil.AliceId, fmt.Sprintf("queued %d", i))))
	}
	waitQueued(t, app, chat.CommitQueueSize)

	if err := chat.CommitterOf(app).Save(context.Background(), app, newMessage(t, app, room, testutil.AliceId, "one too many")); !errors.Is(err, chat.ErrBusy) {
		t.Fatalf("save into a full queue: err = %v, want ErrBusy", err)
	}
	busy := `{"detail":"Too many messages are waiting to be stored; retry in a moment."}`
	bob := token(t, testutil.BobEmail)
	for _, path := range []string{"/api/chat/message/", "/api/collections/messages/records"} {
		body, _ := json.Marshal(map[string]any{"room": room, "message": "refused: busy"})
		req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", bob)
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" {
			t.Errorf("POST %s into a full queue: %d Retry-After %q, want 503 with Retry-After 1; body %s", path, res.StatusCode, res.Header.Get("Retry-After"), answer)
		}
		if path == "/api/chat/message/" && string(answer) != busy {
			t.Errorf("POST %s: body %s, want %s", path, answer, busy)
		}
	}

	raw, _ := json.Marshal(map[string]string{"type": chat.TypeMessage, "message": "refused: busy"})
	ws.send(t, string(raw))
	until(t, ws, "the server_busy frame", func(f frame) bool {
		return f["error_type"] == "server_busy" && f["message"] == chat.ErrBusy.Error()
	})

	gate.release()
	if err := waitSaved(t, first); err != nil {
		t.Fatal(err)
	}
	for i, done := range queued {
		if err := waitSaved(t, done); err != nil {
			t.Fatalf("queued %d: %v", i, err)
		}
	}
	ws.sendMessage(t, "the socket stayed open") // stored and echoed
	testutil.ExpectCount(t, app, "messages", dbx.Like("message", "queued "), chat.CommitQueueSize)
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": "refused: busy"}, 0)
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": "one too many"}, 0)
}

// A save made inside a transaction (a hook, a batch request) is stored in
// that transaction, never queued behind it (the writer could not start
// its own until it ends).
func TestGroupCommitInsideATransaction(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	room := postRoomId(t)
	sizes := batchSizes(app)
	err := app.RunInTransaction(func(tx core.App) error {
		return chat.CommitterOf(app).Save(context.Background(), tx, newMessage(t, tx, room, testutil.BobId, "inside a transaction"))
	})
	if err != nil {
		t.Fatal(err)
	}
	testutil.ExpectCount(t, app, "messages", dbx.HashExp{"message": "inside a transaction"}, 1)
	if got := sizes(); len(got) != 0 {
		t.Errorf("batches %v: the save went through the writer", got)
	}
}
