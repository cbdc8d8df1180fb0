package chat

import (
	"maps"
	"slices"

	"github.com/coder/websocket"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"github.com/cobraspace/cobraspace/internal/auth"
)

// Access that ends, ends everywhere at once. Whatever a live connection
// was admitted on — a friends row, a login session, a token, the member's
// password (token key), the member or the room itself — when it goes, the
// hooks below check again every connection that relied on it, right after
// the change is committed:
//
//   - a room WebSocket that lost access is closed (4001 login ended,
//     4003 no longer allowed, 4004 room gone);
//   - a room topic listener is removed with a leave notice, after an
//     access_revoked frame on its topic, and the topic is unsubscribed;
//   - a realtime client whose login ended loses its auth, as PocketBase
//     does on a password change, so the stock subscriptions (whose rules
//     need a signed-in member) stop delivering.
func bindRevocationHooks(app core.App) {
	app.OnRecordAfterDeleteSuccess("friends").BindFunc(func(e *core.RecordEvent) error {
		RevalidateUsers(e.App, e.Record.GetString("friend"))
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("friends").BindFunc(func(e *core.RecordEvent) error {
		RevalidateUsers(e.App, e.Record.Original().GetString("friend"))
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("login_sessions").BindFunc(func(e *core.RecordEvent) error {
		RevalidateUsers(e.App, e.Record.GetString("user"))
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess("revoked_tokens").BindFunc(func(e *core.RecordEvent) error {
		revalidateTokenHash(e.App, e.Record.GetString("token_hash"))
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("users").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.TokenKey() != e.Record.Original().TokenKey() {
			RevalidateUsers(e.App, e.Record.Id)
		}
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("users").BindFunc(func(e *core.RecordEvent) error {
		RevalidateUsers(e.App, e.Record.Id)
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("rooms").BindFunc(func(e *core.RecordEvent) error {
		revalidateRoom(e.App, e.Record.Id)
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("rooms").BindFunc(func(e *core.RecordEvent) error {
		revalidateRoom(e.App, e.Record.Id)
		return e.Next()
	})
}

// RevalidateUsers checks again every live connection of these members, on
// every transport, and ends what lost access. Moderation (bans, kicks)
// calls it too.
func RevalidateUsers(app core.App, userIds ...string) {
	hub := HubOf(app)
	var listeners []*Listener
	ids := map[string]bool{}
	for _, id := range userIds {
		if id != "" && !ids[id] {
			ids[id] = true
			listeners = append(listeners, hub.ListenersOf(id)...)
		}
	}
	revalidate(app, listeners)
	if len(ids) > 0 && hub.relaying() {
		hub.relayEvent(Event{Kind: EventRevalidate, Users: slices.Collect(maps.Keys(ids))})
	}
	revalidateClients(app, func(c subscriptions.Client) bool {
		// our own record of the member: PocketBase may have unset the auth
		// already (it does on a password change)
		userId, _ := c.Get(clientUserKey).(string)
		return userId != "" && ids[userId]
	})
}

// revalidateTokenHash does the same for the connections of one token,
// named by its hash (revoked_tokens keeps no user).
func revalidateTokenHash(app core.App, hash string) {
	hub := HubOf(app)
	var listeners []*Listener
	for _, l := range hub.AllListeners() {
		if l.token != "" && auth.TokenHash(l.token) == hash {
			listeners = append(listeners, l)
		}
	}
	revalidate(app, listeners)
	hub.relayEvent(Event{Kind: EventRevalidate, TokenHash: hash})
	revalidateClients(app, func(c subscriptions.Client) bool {
		token, _ := c.Get(clientTokenKey).(string)
		return token != "" && auth.TokenHash(token) == hash
	})
}

// revalidateRoom checks again every connection to a room that changed or
// went.
func revalidateRoom(app core.App, roomId string) {
	hub := HubOf(app)
	revalidate(app, hub.RoomListeners(roomId))
	hub.relayEvent(Event{Kind: EventRevalidate, Room: roomId})
}

// revalidate ends the listeners whose access no longer holds.
func revalidate(app core.App, listeners []*Listener) {
	revalidateWith(listeners, func(l *Listener) refusal {
		_, _, r := roomAccess(app, l.token, l.RoomId)
		return r
	})
}

// revalidateWith ends the listeners that check refuses, checking each
// token and room once.
func revalidateWith(listeners []*Listener, check func(*Listener) refusal) {
	checked := map[[2]string]refusal{}
	for _, l := range listeners {
		if l.revoke == nil {
			continue // not a transport's listener (the hub's own tests)
		}
		key := [2]string{l.token, l.RoomId}
		r, ok := checked[key]
		if !ok {
			r = check(l)
			checked[key] = r
		}
		if r.refused() {
			l.revoke(int(r.code), r.reason)
		}
	}
}

// statusCode is a close code as the WebSocket package types it.
func statusCode(code int) websocket.StatusCode { return websocket.StatusCode(code) }

// revalidateClients takes the auth away from the realtime clients matched
// whose token no longer holds.
func revalidateClients(app core.App, match func(subscriptions.Client) bool) {
	for _, chunk := range app.SubscriptionsBroker().ChunkedClients(300) {
		for _, c := range chunk {
			if !match(c) {
				continue
			}
			token, _ := c.Get(clientTokenKey).(string)
			if auth.MemberFromToken(app, token) == nil {
				c.Unset(apis.RealtimeClientAuthKey)
				forgetClientMember(app, c)
			}
		}
	}
}
