package chat

import (
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// MemberTopicPrefix names the per-member realtime topics: a signed-in
// member subscribes to "member/<their own id>" with the JS SDK's
// pb.realtime.subscribe(topic, cb) and gets what concerns them alone, on
// every device at once: new notifications, their read markers, activity in
// the rooms they follow (docs/API.md, "The member topic"). Anyone else's
// member topic is refused (403).
const MemberTopicPrefix = "member/"

// MemberTopic is the realtime topic of a member.
func MemberTopic(userId string) string { return MemberTopicPrefix + userId }

// memberOfTopic is the member id of a member topic ("" when it is not
// one). The SDK may append "?options=..." to a topic.
func memberOfTopic(topic string) (id string, ok bool) {
	topic, _, _ = strings.Cut(topic, "?")
	return strings.CutPrefix(topic, MemberTopicPrefix)
}

// memberFeedBuffer bounds the frames waiting for one client of a member
// topic; beyond it frames are dropped (the client refetches what it
// needs, e.g. GET /api/chat/unread/), never waited for.
const memberFeedBuffer = 64

// memberFeeds tracks, per member, the realtime clients subscribed to
// their member topic, each with a bounded queue and one pump, so frames
// reach each client in the order they were sent and a slow client holds
// nobody up.
type memberFeeds struct {
	mu      sync.Mutex
	members map[string]map[string]*memberFeed // user id → client id → feed
}

type memberFeed struct {
	client subscriptions.Client
	userId string
	out    chan []byte
	stop   chan struct{}
}

const memberFeedsStoreKey = "cobraChatMemberFeeds"

func memberFeedsOf(app core.App) *memberFeeds {
	return app.Store().GetOrSet(memberFeedsStoreKey, func() any {
		return &memberFeeds{members: map[string]map[string]*memberFeed{}}
	}).(*memberFeeds)
}

// SendToMember sends frame on the member topic of userId to each of their
// subscribed realtime clients, without blocking.
func SendToMember(app core.App, userId string, frame []byte) {
	feeds := memberFeedsOf(app)
	feeds.mu.Lock()
	defer feeds.mu.Unlock()
	for _, f := range feeds.members[userId] {
		select {
		case f.out <- frame:
		default: // the client is not keeping up: it refetches
		}
	}
}

// follow starts (once) the feed of a client that now holds its member's
// topic.
func (feeds *memberFeeds) follow(client subscriptions.Client, userId string) {
	feeds.mu.Lock()
	defer feeds.mu.Unlock()
	clients := feeds.members[userId]
	if clients == nil {
		clients = map[string]*memberFeed{}
		feeds.members[userId] = clients
	}
	if _, ok := clients[client.Id()]; ok {
		return
	}
	f := &memberFeed{client: client, userId: userId, out: make(chan []byte, memberFeedBuffer), stop: make(chan struct{})}
	clients[client.Id()] = f
	go f.pump()
}

// forget stops the feeds of a client (its connection ended, or it no
// longer holds the topic).
func (feeds *memberFeeds) forget(clientId string) {
	feeds.mu.Lock()
	defer feeds.mu.Unlock()
	for userId, clients := range feeds.members {
		if f, ok := clients[clientId]; ok {
			close(f.stop)
			delete(clients, clientId)
			if len(clients) == 0 {
				delete(feeds.members, userId)
			}
		}
	}
}

// pump delivers queued frames while the client is still this member's
// (signed in as them: a login that ends stops the feed) and still holds
// the topic.
func (f *memberFeed) pump() {
	topic := MemberTopic(f.userId)
	for {
		select {
		case <-f.stop:
			return
		case frame := <-f.out:
			if f.client.IsDiscarded() {
				return
			}
			auth, _ := f.client.Get(apis.RealtimeClientAuthKey).(*core.Record)
			if auth == nil || auth.Id != f.userId {
				continue
			}
			// the SDK names a topic with options "member/<id>?options=..."
			for name := range f.client.Subscriptions(topic) {
				if id, _ := memberOfTopic(name); id == f.userId {
					f.client.Send(subscriptions.Message{Name: name, Data: frame})
				}
			}
		}
	}
}

// syncMemberFeed runs after PocketBase stored a client's subscriptions:
// a client holding its member topic gets a feed, one that dropped it
// loses it.
func syncMemberFeed(app core.App, client subscriptions.Client, member *core.Record) {
	feeds := memberFeedsOf(app)
	if member != nil && len(client.Subscriptions(MemberTopic(member.Id))) > 0 {
		feeds.follow(client, member.Id)
		if client.IsDiscarded() {
			feeds.forget(client.Id()) // ended meanwhile: clean up again
		}
		return
	}
	feeds.forget(client.Id())
}

// has reports whether userId has a member topic feed open now.
func (feeds *memberFeeds) has(userId string) bool {
	feeds.mu.Lock()
	defer feeds.mu.Unlock()
	return len(feeds.members[userId]) > 0
}

// onlineIds is who has a member topic feed open now, when they are at
// most limit (few); otherwise (nil, false), and callers look members up
// one by one with has.
func (feeds *memberFeeds) onlineIds(limit int) (ids []string, few bool) {
	feeds.mu.Lock()
	defer feeds.mu.Unlock()
	if len(feeds.members) > limit {
		return nil, false
	}
	ids = make([]string, 0, len(feeds.members))
	for id := range feeds.members {
		ids = append(ids, id)
	}
	return ids, true
}
