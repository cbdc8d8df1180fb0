package chat

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// The JS SDK keeps a topic in its list even when the server refused it,
// and sends the whole list again with every later subscription change —
// also on a new connection, since a refused first subscription makes it
// reconnect: a member refused one room would then be refused every other
// room too. So the server remembers, per member (per IP for guests), the
// rooms it refused them or took away: such a topic is refused with
// 403/404 the first time only; sent again within refusalMemory it is
// checked again and, if still unreadable, quietly left out while the rest
// of the request goes through. A room readable again (a new friend, a new
// login) is subscribed normally.
const refusalMemory = 10 * time.Minute

type refusedTopics struct {
	mu      sync.Mutex
	refused map[string]time.Time // who + "|" + room → until when it is remembered
}

const refusedTopicsKey = "cobraChatRefusedTopics"

func refusedTopicsOf(app core.App) *refusedTopics {
	return app.Store().GetOrSet(refusedTopicsKey, func() any {
		return &refusedTopics{refused: map[string]time.Time{}}
	}).(*refusedTopics)
}

// refuse records that who was refused roomId; it reports whether they
// already were (recently).
func (r *refusedTopics) refuse(who, roomId string) (again bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	key := who + "|" + roomId
	again = r.refused[key].After(now)
	if len(r.refused) > 100_000 {
		for k, until := range r.refused {
			if !until.After(now) {
				delete(r.refused, k)
			}
		}
	}
	r.refused[key] = now.Add(refusalMemory)
	return again
}

func (r *refusedTopics) allow(who, roomId string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.refused, who+"|"+roomId)
}

// subscriberKey names who subscribes: the member, or a guest by IP.
func subscriberKey(member *core.Record, ip string) string {
	if member != nil {
		return member.Id
	}
	return "guest:" + ip
}

// TopicRefusals is the same memory for an edge node (internal/edge),
// which holds room topics without an app.
type TopicRefusals struct{ r refusedTopics }

// NewTopicRefusals is an empty memory.
func NewTopicRefusals() *TopicRefusals {
	return &TopicRefusals{r: refusedTopics{refused: map[string]time.Time{}}}
}

// Refuse records that who was refused roomId; it reports whether they
// already were (recently): the topic is then quietly left out.
func (t *TopicRefusals) Refuse(who, roomId string) (again bool) { return t.r.refuse(who, roomId) }

// Allow forgets a refusal (the room is readable again).
func (t *TopicRefusals) Allow(who, roomId string) { t.r.allow(who, roomId) }
