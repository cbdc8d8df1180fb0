package moderation

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// A mute or ban row exists only while it is in force (the rules test its
// existence): it is deleted when its until passes — by a timer set when
// it is stored (and at serve start for the rows already stored), and by a
// sweep every minute and at serve start, for whatever a timer missed (a
// restart, a row written while the server was down).

type timers struct {
	mu      sync.Mutex
	byRow   map[string]*time.Timer // row id → its ending
	stopped bool
}

const timersStoreKey = "cobraModerationTimers"

func timersOf(app core.App) *timers {
	return app.Store().GetOrSet(timersStoreKey, func() any {
		return &timers{byRow: map[string]*time.Timer{}}
	}).(*timers)
}

// schedule (re)sets the timer that ends row at its until (none for good).
func (t *timers) schedule(app core.App, row *core.Record) {
	collection, id := row.Collection().Name, row.Id
	until := row.GetDateTime("until")
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.byRow[id]; old != nil {
		old.Stop()
		delete(t.byRow, id)
	}
	if t.stopped || until.IsZero() {
		return
	}
	t.byRow[id] = time.AfterFunc(max(0, time.Until(until.Time())), func() {
		t.mu.Lock()
		delete(t.byRow, id)
		stopped := t.stopped
		t.mu.Unlock()
		if !stopped {
			expire(app, collection, id)
		}
	})
}

func (t *timers) cancel(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.byRow[id]; old != nil {
		old.Stop()
		delete(t.byRow, id)
	}
}

func (t *timers) stopAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	for id, timer := range t.byRow {
		timer.Stop()
		delete(t.byRow, id)
	}
}

// expire deletes a mute or ban row whose until has passed (as stored now:
// it may have been extended or lifted meanwhile).
func expire(app core.App, collection, id string) {
	row, err := app.FindRecordById(collection, id)
	if err != nil {
		return // lifted meanwhile
	}
	until := row.GetDateTime("until")
	if until.IsZero() || until.Time().After(time.Now()) {
		timersOf(app).schedule(app, row) // extended meanwhile
		return
	}
	row.Set(expiredKey, true)
	row.Set(actorKey, "")
	if err := app.Delete(row); err != nil {
		app.Logger().Error("moderation: ending a mute or ban failed", "collection", collection, "id", id, "error", err)
	}
}

// Sweep deletes every mute and ban whose until has passed. It runs every
// minute and at serve start.
func Sweep(app core.App) {
	now := types.NowDateTime().String()
	for _, c := range []string{collectionMutes, collectionBans} {
		rows, err := app.FindRecordsByFilter(c, "until != '' && until <= {:now}", "", 0, 0, map[string]any{"now": now})
		if err != nil {
			app.Logger().Error("moderation: the sweep failed", "collection", c, "error", err)
			continue
		}
		for _, row := range rows {
			expire(app, c, row.Id)
		}
	}
}

// scheduleAll sets the timers of the rows stored (at serve start).
func scheduleAll(app core.App) {
	for _, c := range []string{collectionMutes, collectionBans} {
		rows, err := app.FindRecordsByFilter(c, "until != ''", "", 0, 0)
		if err != nil {
			app.Logger().Error("moderation: scheduling the endings failed", "collection", c, "error", err)
			continue
		}
		for _, row := range rows {
			timersOf(app).schedule(app, row)
		}
	}
}

const sweepJobId = "cobraModerationSweep"

func bindExpiry(app core.App) {
	app.Cron().MustAdd(sweepJobId, "* * * * *", func() { Sweep(app) })
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		Sweep(se.App)
		scheduleAll(se.App)
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		timersOf(e.App).stopAll()
		return e.Next()
	})
}
