package chat

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// TopicPrefix names the per-room realtime topics: subscribe to
// "chat/<room id>" with the JS SDK's pb.realtime.subscribe(topic, cb).
// Events are the same JSON frames the WebSocket sends.
const TopicPrefix = "chat/"

// RoomTopic is the realtime topic of a room.
func RoomTopic(roomId string) string { return TopicPrefix + roomId }

// RoomOfTopic is the room id of a room topic ("" when it is not one).
func RoomOfTopic(topic string) string { return roomOfTopic(topic) }

// roomOfTopic is the room id of a topic ("" when it is not a room topic).
// The SDK may append "?options=..." to a topic.
func roomOfTopic(topic string) string {
	topic, _, _ = strings.Cut(topic, "?")
	id, ok := strings.CutPrefix(topic, TopicPrefix)
	if !ok {
		return ""
	}
	return id
}

// topicSubs tracks which room listeners each realtime (SSE) client holds.
type topicSubs struct {
	mu      sync.Mutex
	clients map[string]map[string]*topicListener // client id → room id → listener
}

type topicListener struct {
	*Listener
}

const topicSubsStoreKey = "cobraChatTopicSubs"

func topicSubsOf(app core.App) *topicSubs {
	return app.Store().GetOrSet(topicSubsStoreKey, func() any {
		return &topicSubs{clients: map[string]map[string]*topicListener{}}
	}).(*topicSubs)
}

// bindTopicHooks keeps the room topics' access check, connection limit
// and presence in step with realtime subscriptions.
func bindTopicHooks(app core.App) {
	app.OnRealtimeSubscribeRequest().BindFunc(handleSubscribe)
}

// handleSubscribe runs in OnRealtimeSubscribeRequest. The access check of
// every room topic happens here when the client subscribes: a topic for a
// room the client may not read rejects the request (403; unknown room
// 404) — the first time; the SDK sends it again with later requests, and
// then it is quietly left out (see topic_refusals.go). More room topics
// than one connection may follow are refused (400), as is a member over
// their connection limit (429). After PocketBase stores the
// subscriptions, the client's room listeners are brought in line with them
// (join/leave notices follow). Access that later ends is taken away by
// Revalidate.
func handleSubscribe(e *core.RealtimeSubscribeRequestEvent) error {
	member := api.Member(e.RequestEvent)
	token := auth.RequestToken(e.Request)
	refused, who := refusedTopicsOf(e.App), subscriberKey(member, e.RealIP())
	wanted := map[string]*core.Record{}
	kept := make([]string, 0, len(e.Subscriptions))
	for _, topic := range e.Subscriptions {
		if id, ok := memberOfTopic(topic); ok {
			switch {
			case member != nil && id == member.Id:
				kept = append(kept, topic)
			case refused.refuse(who, topic):
				// refused before: the SDK is only repeating it
			default:
				return e.ForbiddenError("You may only follow your own member topic.", nil)
			}
			continue
		}
		roomId := roomOfTopic(topic)
		if roomId == "" {
			kept = append(kept, topic)
			continue
		}
		room, err := e.App.FindRecordById("rooms", roomId)
		readable := err == nil && member != nil && CanReadRoom(e.App, room, member)
		switch {
		case readable:
			refused.allow(who, roomId)
			wanted[roomId] = room
			kept = append(kept, topic)
		case refused.refuse(who, roomId):
			// refused before: the SDK is only repeating it
		case err != nil:
			return e.NotFoundError("Unknown chat room "+roomId+".", nil)
		default:
			return e.ForbiddenError("You may not read chat room "+roomId+".", nil)
		}
	}
	e.Subscriptions = kept
	if max := limits.Of(e.App).TopicsPerConnection; len(wanted) > max {
		return e.BadRequestError(fmt.Sprintf("One connection may follow at most %d chat rooms.", max), nil)
	}
	if member != nil && !claimClientMember(e.App, e.Client, member, token) {
		e.Response.Header().Set("Retry-After", strconv.Itoa(retryConnectSeconds))
		return e.TooManyRequestsError(fmt.Sprintf("You already hold %d live connections; close one first.", limits.Of(e.App).ConnectionsPerMember), nil)
	}
	if err := e.Next(); err != nil {
		return err
	}
	syncTopicListeners(e.App, e.Client, member, token, wanted)
	syncMemberFeed(e.App, e.Client, member)
	return nil
}

// retryConnectSeconds is the Retry-After of a refused connection: a slot
// frees when one of the member's connections ends, which we cannot predict.
const retryConnectSeconds = 5

// syncTopicListeners adds listeners for newly wanted rooms and removes
// those of rooms no longer subscribed.
func syncTopicListeners(app core.App, client subscriptions.Client, auth *core.Record, token string, wanted map[string]*core.Record) {
	subs := topicSubsOf(app)
	subs.mu.Lock()
	current := subs.clients[client.Id()]
	if current == nil {
		current = map[string]*topicListener{}
	}
	var added, removed []*topicListener
	for roomId, l := range current {
		if _, keep := wanted[roomId]; !keep {
			delete(current, roomId)
			removed = append(removed, l)
		}
	}
	for roomId := range wanted {
		if _, has := current[roomId]; has {
			continue
		}
		l := newTopicListener(app, client, roomId, auth, token)
		current[roomId] = l
		added = append(added, l)
	}
	if len(current) == 0 {
		delete(subs.clients, client.Id())
	} else {
		subs.clients[client.Id()] = current
	}
	subs.mu.Unlock()

	for _, l := range removed {
		l.stop()
		Leave(app, l.Listener)
	}
	for _, l := range added {
		l.start()
		Join(app, l.Listener)
	}
	if len(added) > 0 && client.IsDiscarded() {
		// the connection ended while we subscribed: its clean-up may have
		// run before our listeners existed, so clean up again
		dropClient(app, client.Id())
	}
}

func newTopicListener(app core.App, client subscriptions.Client, roomId string, auth *core.Record, token string) *topicListener {
	clientId := client.Id()
	dropped := func() {
		// a client that cannot keep up is disconnected, never waited for:
		// its connection ends even when a write to it is stuck, and
		// serveRealtimeConnection (sse_client.go) then removes its listeners (leave notices)
		if lc, ok := client.(*liveClient); ok {
			lc.kick()
		}
		app.SubscriptionsBroker().Unregister(clientId)
	}
	// client.Send blocks until PocketBase's connection loop writes the
	// event; the hub never waits on it, since the listener's own bounded
	// queue sits in between (and a goroutine runs only while it is not empty)
	topic := RoomTopic(roomId)
	deliver := func(frame []byte) bool {
		if client.IsDiscarded() {
			return false
		}
		client.Send(subscriptions.Message{Name: topic, Data: frame})
		return true
	}
	l := &topicListener{Listener: newPushListener(roomId, auth.Id, auth.GetString("nickname"), deliver, dropped)}
	l.transport = TransportTopic
	l.token = token
	l.revoke = func(code int, reason string) { revokeTopicListener(app, client, l, code, reason) }
	return l
}

// revokeTopicListener takes a room topic away from a client whose access
// ended: its listener leaves the room (leave notice), PocketBase forgets
// the topic, and the client gets a last access_revoked frame on it.
func revokeTopicListener(app core.App, client subscriptions.Client, l *topicListener, code int, reason string) {
	subs := topicSubsOf(app)
	subs.mu.Lock()
	current := subs.clients[client.Id()]
	if current[l.RoomId] != l {
		subs.mu.Unlock()
		return // already gone
	}
	delete(current, l.RoomId)
	if len(current) == 0 {
		delete(subs.clients, client.Id())
	}
	subs.mu.Unlock()

	l.stop()
	Leave(app, l.Listener)
	refusedTopicsOf(app).refuse(l.UserId, l.RoomId) // the SDK will send it again
	frame := encodeRevokedFrame(l.RoomId, code, reason)
	names := []string{}
	for sub := range client.Subscriptions(RoomTopic(l.RoomId)) {
		names = append(names, sub)
	}
	client.Unsubscribe(names...)
	if len(names) == 0 {
		names = append(names, RoomTopic(l.RoomId))
	}
	go func() {
		for _, name := range names {
			client.Send(subscriptions.Message{Name: name, Data: frame})
		}
	}()
}

// dropClient removes every room listener of a realtime client whose
// connection ended (called by serveRealtimeConnection).
func dropClient(app core.App, clientId string) {
	subs := topicSubsOf(app)
	subs.mu.Lock()
	listeners := subs.clients[clientId]
	delete(subs.clients, clientId)
	subs.mu.Unlock()
	for _, l := range listeners {
		l.stop()
		Leave(app, l.Listener)
	}
}
