package chat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/cobraspace/cobraspace/internal/api"
)

// Group commit: new chat messages, whichever API sends them (REST, the
// room WebSocket, the record API of the JS SDK), are stored by one writer
// goroutine, many per transaction. SQLite serializes writers anyway, and a
// transaction's fixed cost (BEGIN, the commit's WAL append, the write
// lock's hand-over between goroutines) is then paid once per batch
// instead of once per message.
//
// Each message is still saved with app.Save — the same validation, hooks
// (seq, mutes, slow mode, mentions, notifications, search, read markers)
// and, for the record API, the same rules checked before it is queued —
// inside a savepoint of its own, so a message that fails rolls back alone
// and the rest of its batch commits. Its sender is answered only after the
// batch is committed and PocketBase has run the after-commit hooks (the
// live fan-out), in commit order, exactly as a lone Save would.
//
// Batches form by themselves: the writer takes everything that queued up
// while the previous batch was being committed (at most MaxCommitBatch),
// so a lone message waits for nobody and a burst shares transactions.

const (
	// CommitQueueSize bounds the messages waiting to be stored; past it a
	// sender is refused at once with ErrBusy (REST/record API 503, the
	// WebSocket's server_busy frame) rather than waiting without bound.
	CommitQueueSize = 4096
	// MaxCommitBatch is the most messages one transaction stores.
	MaxCommitBatch = 256
	// EnvGroupCommit set to "off" stores every message in its own
	// transaction, as stock PocketBase does (benchmarks compare the two).
	EnvGroupCommit = "COBRA_GROUP_COMMIT"
)

// writerIdleExit is how long the writer goroutine waits for work before it
// ends; the next message starts it again.
const writerIdleExit = 5 * time.Second

// ErrBusy refuses a message when CommitQueueSize messages are already
// waiting to be stored: REST and the record API answer 503 with
// Retry-After: 1, the WebSocket a "server_busy" error frame.
var ErrBusy error = &BusyError{}

// BusyError is ErrBusy's type: it turns into the 503 of the routes
// (api.Problem) and of the record API (router.ApiError).
type BusyError struct{}

func (e *BusyError) Error() string {
	return "Too many messages are waiting to be stored; retry in a moment."
}

func (e *BusyError) As(target any) bool {
	switch t := target.(type) {
	case **api.Problem:
		*t = &api.Problem{Status: http.StatusServiceUnavailable, Body: map[string]any{"detail": e.Error()},
			Header: http.Header{"Retry-After": {"1"}}}
		return true
	case **router.ApiError:
		*t = router.NewApiError(http.StatusServiceUnavailable, e.Error(), nil)
		return true
	}
	return false
}

var busyFrame = encodeErrorFrame("server_busy", ErrBusy.Error())

// batchState is a batch being committed: its transaction and the writes
// its messages' hooks deferred to its end (AtBatchEnd).
type batchState struct {
	tx       *core.TxAppInfo
	deferred []deferredWrite // appended by the writer goroutine only
}

type deferredWrite struct {
	record *core.Record
	write  func(tx core.App) error
}

// AtBatchEnd lets a messages hook write once the batch m is being saved in
// has saved all its messages — still in the batch's transaction, so it
// commits with them — and only if m itself was stored. It reports false
// (and does nothing) when app is not a batch's transaction: the caller
// then writes at once.
//
// Why: SQLite's FTS5 writes its pending terms to disk at every savepoint,
// and each message of a batch has one; deferred to the batch's end, the
// search index is written once per batch instead of once per message.
func AtBatchEnd(app core.App, m *core.Record, write func(tx core.App) error) bool {
	info := app.TxInfo()
	if info == nil {
		return false
	}
	state := CommitterOf(app).batch.Load()
	if state == nil || state.tx != info {
		return false
	}
	state.deferred = append(state.deferred, deferredWrite{record: m, write: write})
	return true
}

// pendingSave is one queued message and where its outcome goes.
type pendingSave struct {
	ctx    context.Context
	record *core.Record
	done   chan error // buffered: the writer never blocks on a sender
}

// Committer is an app's message writer (see the package comment above).
type Committer struct {
	app      core.App
	disabled atomic.Bool
	queue    chan *pendingSave

	mu      sync.Mutex
	running bool

	batch atomic.Pointer[batchState] // the batch being committed, if any

	observeMu sync.RWMutex
	observe   []func(batch int)
}

const committerStoreKey = "cobraChatCommitter"

// CommitterOf is app's message writer (one per app instance).
func CommitterOf(app core.App) *Committer {
	return app.Store().GetOrSet(committerStoreKey, func() any {
		c := &Committer{app: app, queue: make(chan *pendingSave, CommitQueueSize)}
		c.disabled.Store(os.Getenv(EnvGroupCommit) == "off")
		return c
	}).(*Committer)
}

// SetEnabled turns the group commit on or off (EnvGroupCommit's setting);
// off, each message is saved in its own transaction by its sender.
func (c *Committer) SetEnabled(on bool) { c.disabled.Store(!on) }

// QueueDepth is how many messages are waiting to be stored.
func (c *Committer) QueueDepth() int { return len(c.queue) }

// OnBatch calls fn with the size of every committed batch (metrics).
func (c *Committer) OnBatch(fn func(batch int)) {
	c.observeMu.Lock()
	defer c.observeMu.Unlock()
	c.observe = append(c.observe, fn)
}

// Save stores the new message m through the writer and returns once it is
// committed (nil) or refused (its own error, ErrBusy, or the batch's
// transaction error). ctx is not allowed to cancel a queued message: once
// accepted, it is stored or refused whatever the caller does meanwhile.
//
// app is the caller's app: inside a transaction (a hook, a batch request)
// the message is saved in that transaction instead, as the writer could
// not start another one until it ends.
func (c *Committer) Save(ctx context.Context, app core.App, m *core.Record) error {
	if c.disabled.Load() || app.IsTransactional() {
		return app.SaveWithContext(ctx, m)
	}
	p := &pendingSave{ctx: context.WithoutCancel(ctx), record: m, done: make(chan error, 1)}
	if err := c.enqueue(p); err != nil {
		return err
	}
	return <-p.done
}

// enqueue hands p to the writer, starting it when it is not running.
func (c *Committer) enqueue(p *pendingSave) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case c.queue <- p:
	default:
		return ErrBusy
	}
	if !c.running {
		c.running = true
		// labelled, so that a CPU profile of the server tells the
		// writer's time (the throughput ceiling) from the senders'
		go pprof.Do(context.Background(), pprof.Labels("cobra", "message-writer"), func(context.Context) { c.run() })
	}
	return nil
}

// run is the writer: it commits batches until it has been idle for
// writerIdleExit.
func (c *Committer) run() {
	idle := time.NewTimer(writerIdleExit)
	defer idle.Stop()
	batch := make([]*pendingSave, 0, MaxCommitBatch)
	for {
		select {
		case p := <-c.queue:
			batch = append(batch[:0], p)
			batch = c.fill(batch)
			c.commit(batch)
			clear(batch) // let the records go
			idle.Reset(writerIdleExit)
		case <-idle.C:
			c.mu.Lock()
			if len(c.queue) == 0 {
				c.running = false
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
			idle.Reset(writerIdleExit)
		}
	}
}

// fill adds what is already queued to batch, up to MaxCommitBatch.
func (c *Committer) fill(batch []*pendingSave) []*pendingSave {
	for len(batch) < MaxCommitBatch {
		select {
		case p := <-c.queue:
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

// commit stores batch in one transaction, each message in a savepoint of
// its own, then answers every sender: its own error, or the transaction's.
// PocketBase runs the after-commit hooks (the fan-out) in save order before
// RunInTransaction returns.
func (c *Committer) commit(batch []*pendingSave) {
	results := make([]error, len(batch))
	txErr := c.app.RunInTransaction(func(tx core.App) error {
		state := &batchState{tx: tx.TxInfo()}
		c.batch.Store(state)
		defer c.batch.Store(nil)
		stored := make(map[*core.Record]bool, len(batch))
		for i, p := range batch {
			err, fatal := saveInSavepoint(tx, p)
			if fatal != nil {
				return fatal // the transaction can't go on: everyone gets it
			}
			results[i] = err
			stored[p.record] = err == nil
		}
		for _, d := range state.deferred {
			if stored[d.record] {
				if err := d.write(tx); err != nil {
					return err // as if the commit failed: everyone gets it
				}
			}
		}
		return nil
	})
	for i, p := range batch {
		if results[i] == nil {
			results[i] = txErr
		}
		p.done <- results[i]
	}
	c.observeMu.RLock()
	defer c.observeMu.RUnlock()
	for _, fn := range c.observe {
		fn(len(batch))
	}
}

// saveInSavepoint saves p's message in tx so that its failure undoes its
// own writes only: err is the message's refusal; fatal means the
// savepoint itself failed and the transaction must be rolled back.
func saveInSavepoint(tx core.App, p *pendingSave) (err, fatal error) {
	if _, fatal = tx.DB().NewQuery("SAVEPOINT cobra_message").Execute(); fatal != nil {
		return nil, fmt.Errorf("savepoint: %w", fatal)
	}
	err = tx.SaveWithContext(p.ctx, p.record)
	if err != nil {
		if _, fatal = tx.DB().NewQuery("ROLLBACK TO cobra_message").Execute(); fatal != nil {
			return err, fmt.Errorf("rollback to savepoint: %w", fatal)
		}
	}
	if _, fatal = tx.DB().NewQuery("RELEASE cobra_message").Execute(); fatal != nil {
		return err, fmt.Errorf("release savepoint: %w", fatal)
	}
	return err, nil
}

// committingApp is the app a record API create of a message runs with: its
// Save of that one record goes through the writer, everything else is
// the app's own. PocketBase's record create handler checked the create rule
// before, and app.Save runs the record's validation in the writer, so
// nothing of the stock path is skipped.
type committingApp struct {
	core.App
	record *core.Record
}

func (a committingApp) Save(m core.Model) error {
	return a.SaveWithContext(context.Background(), m)
}

func (a committingApp) SaveWithContext(ctx context.Context, m core.Model) error {
	if r, ok := m.(*core.Record); ok && r == a.record {
		return CommitterOf(a.App).Save(ctx, a.App, r)
	}
	return a.App.SaveWithContext(ctx, m)
}

// bindGroupCommit sends the record API's message creates (JS SDK,
// dashboard) through the writer.
func bindGroupCommit(app core.App) {
	app.OnRecordCreateRequest("messages").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.App.IsTransactional() { // a batch request: its own transaction
			return e.Next()
		}
		original := e.App
		e.App = committingApp{App: original, record: e.Record}
		defer func() { e.App = original }()
		err := e.Next()
		var apiErr *router.ApiError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusServiceUnavailable {
			e.Response.Header().Set("Retry-After", "1") // ErrBusy (BusyError.As)
		}
		return err
	})
}
