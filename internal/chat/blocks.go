package chat

import (
	"maps"
	"slices"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Blocks (docs/API.md, "Moderation and member safety"): a member who
// blocked another gets none of the blocked member's live frames — their
// messages, edits, deletes, reactions, typing. Frames are encoded once per
// room; the hub leaves a listener out when its member blocked the frame's
// member (Hub.PublishFrom), by a lookup in the listener's own set of
// blocked ids: no query per frame or listener. The set is loaded when the
// listener joins and replaced, for every listener of the blocker, when a
// blocks row is written (whichever API wrote it). The blocked member is
// never told.

// blockSet is an immutable set of blocked member ids.
type blockSet map[string]struct{}

// blocks reports whether the listener's member blocked any of ids.
func (l *Listener) blocks(ids ...string) bool {
	set := l.blocked.Load()
	if set == nil || len(*set) == 0 {
		return false
	}
	for _, id := range ids {
		if _, ok := (*set)[id]; ok {
			return true
		}
	}
	return false
}

// blockSync orders the loading of a joining listener's set against the
// refreshes of the blocks hooks, so that neither misses a block: a block
// committed before a join's load is in what it loads; one committed after
// it refreshes the listener, which the hub knows by then.
type blockSync struct{ mu sync.Mutex }

const blockSyncStoreKey = "cobraChatBlockSync"

func blockSyncOf(app core.App) *blockSync {
	return app.Store().GetOrSet(blockSyncStoreKey, func() any { return &blockSync{} }).(*blockSync)
}

// joinWithBlocks loads l's blocked set and adds l to the hub (Hub.Add's
// answer).
func joinWithBlocks(app core.App, hub *Hub, l *Listener) (first bool) {
	s := blockSyncOf(app)
	s.mu.Lock()
	defer s.mu.Unlock()
	l.blocked.Store(loadBlockSet(app, l.UserId))
	return hub.Add(l)
}

// refreshBlocks reloads the blocked set of every listener of a member.
func refreshBlocks(app core.App, userId string) {
	s := blockSyncOf(app)
	s.mu.Lock()
	defer s.mu.Unlock()
	hub := HubOf(app)
	listeners := hub.ListenersOf(userId)
	if len(listeners) == 0 && !hub.relaying() {
		return
	}
	set := loadBlockSet(app, userId)
	for _, l := range listeners {
		l.blocked.Store(set)
	}
	if hub.relaying() {
		var ids []string
		if set != nil {
			ids = slices.Collect(maps.Keys(*set))
		}
		hub.relayEvent(Event{Kind: EventBlocks, User: userId, Blocked: ids})
	}
}

func loadBlockSet(app core.App, userId string) *blockSet {
	ids, err := BlockedIds(app, userId)
	if err != nil {
		app.Logger().Error("chat: loading blocks", "user", userId, "error", err)
	}
	return blockSetOf(ids) // nil for most members, who block nobody: no map per listener
}

// BlockedIds are the ids of the members userId blocked.
func BlockedIds(app core.App, userId string) ([]string, error) {
	ids := []string{}
	if userId == "" {
		return ids, nil
	}
	err := app.DB().Select("blocked").From("blocks").Where(dbx.HashExp{"user": userId}).Column(&ids)
	return ids, err
}

// HasBlocks reports whether userId blocked anyone (one index seek): the
// queries that leave blocked members out add their condition only then.
func HasBlocks(app core.App, userId string) bool {
	var n int
	err := app.DB().NewQuery("SELECT COUNT(*) FROM (SELECT 1 FROM blocks WHERE user = {:u} LIMIT 1)").
		Bind(dbx.Params{"u": userId}).Row(&n)
	return err == nil && n > 0
}

// Blocked reports whether userId blocked otherId.
func Blocked(app core.App, userId, otherId string) bool {
	var n int
	err := app.DB().NewQuery("SELECT COUNT(*) FROM blocks WHERE user = {:u} AND blocked = {:o}").
		Bind(dbx.Params{"u": userId, "o": otherId}).Row(&n)
	return err == nil && n > 0
}

// notBlockedSQL follows a column holding a member id: true unless
// {:viewer} blocked them.
const notBlockedSQL = "NOT IN (SELECT b.blocked FROM blocks b WHERE b.user = {:viewer})"

// bindBlockHooks refreshes the live filters of a blocker whenever a
// blocks row is committed (created, changed, deleted).
func bindBlockHooks(app core.App) {
	app.OnRecordAfterCreateSuccess("blocks").BindFunc(func(e *core.RecordEvent) error {
		refreshBlocks(e.App, e.Record.GetString("user"))
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("blocks").BindFunc(func(e *core.RecordEvent) error {
		refreshBlocks(e.App, e.Record.GetString("user"))
		if old := e.Record.Original().GetString("user"); old != e.Record.GetString("user") {
			refreshBlocks(e.App, old)
		}
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("blocks").BindFunc(func(e *core.RecordEvent) error {
		refreshBlocks(e.App, e.Record.GetString("user"))
		return e.Next()
	})
}

// viewerId is viewer's id ("" for nobody).
func viewerId(viewer *core.Record) string {
	if viewer == nil {
		return ""
	}
	return viewer.Id
}
