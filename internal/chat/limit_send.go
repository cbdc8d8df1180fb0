package chat

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/time/rate"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/limits"
)

// Send rate per member, over every transport together (REST, WebSocket
// and the record API of the JS SDK): a burst of 10 messages, then 5 per
// second.
const (
	sendBurst = 10
	sendRate  = 5
)

type sendLimiter struct {
	mu    sync.Mutex
	users map[string]*userLimit
}

type userLimit struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

const limiterStoreKey = "cobraChatSendLimiter"

// bindSendLimit applies the send rate to messages created through the
// record API (JS SDK, dashboard as a member, batch): 429 with Retry-After.
// The documented routes and the WebSocket take it in SendMessage.
func bindSendLimit(app core.App) {
	app.OnRecordCreateRequest("messages").BindFunc(func(e *core.RecordRequestEvent) error {
		if me := api.Member(e.RequestEvent); me != nil {
			if ok, wait := sendAllowance(e.App, me.Id); !ok {
				return limits.TooFast(e.RequestEvent, "sending messages", wait)
			}
		}
		return e.Next()
	})
}

// sendAllowance takes one send from the member's budget; when none is
// left, it tells how long until one is (for Retry-After) and counts the
// refusal (limits.RefusedMessage).
func sendAllowance(app core.App, userId string) (ok bool, retryAfter time.Duration) {
	l := app.Store().GetOrSet(limiterStoreKey, func() any {
		return &sendLimiter{users: map[string]*userLimit{}}
	}).(*sendLimiter)
	ok, retryAfter = l.allow(userId)
	if !ok {
		limits.Of(app).Refuse(limits.RefusedMessage)
	}
	return ok, retryAfter
}

func (l *sendLimiter) allow(userId string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	u := l.users[userId]
	if u == nil {
		if len(l.users) > 100_000 {
			l.sweep(now)
		}
		u = &userLimit{limiter: rate.NewLimiter(sendRate, sendBurst)}
		l.users[userId] = u
	}
	u.lastSeen = now
	r := u.limiter.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now) // refused: the token is not spent
		return false, wait
	}
	return true, 0
}

// sweep forgets members idle long enough for their bucket to be full again.
func (l *sendLimiter) sweep(now time.Time) {
	for id, u := range l.users {
		if now.Sub(u.lastSeen) > time.Minute {
			delete(l.users, id)
		}
	}
}
