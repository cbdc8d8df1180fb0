// Package limits holds the per-member limits that keep one member from
// exhausting the server: how many live connections they may hold, how many
// room topics one connection may follow, and how fast they may create posts,
// rooms and login sessions. Every limit has a documented default and can be
// changed with an environment variable (docs/API.md, "Limits").
package limits

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/time/rate"
)

// Rate is a token bucket: Burst actions at once, then PerMinute on average.
type Rate struct {
	Burst     int
	PerMinute float64
}

// Limits are one app's limits. Tests may change the fields of Of(app)
// before the first request that uses them.
type Limits struct {
	// ConnectionsPerMember bounds a member's live connections at once:
	// signed-in realtime (SSE) clients plus room WebSockets.
	ConnectionsPerMember int
	// TopicsPerConnection bounds the chat/<room> topics of one realtime client.
	TopicsPerConnection int
	// PresenceRoomListeners is the most live listeners a room may have for
	// join/leave notices to be sent to it: in a bigger room every member's
	// arrival would be a frame to each of thousands of listeners (a room
	// filling up to n listeners costs n²/2 frames), so none are sent there
	// (online_users stays exact).
	PresenceRoomListeners int

	PostCreate  Rate // new posts per member, over every API
	RoomCreate  Rate // new rooms without a post per member, over every API
	LoginCreate Rate // successful logins (new sessions) per member

	mu      sync.Mutex
	buckets map[string]*keyedBuckets

	refused [numRefusals]atomic.Uint64 // refusals so far, by kind (Refuse)
}

// Refusal is a kind of request refused for being over a limit, counted for
// the operators' metrics (cobra_rate_limited_total{kind}, internal/metrics).
type Refusal int

// The kinds of refusals. Each place that refuses a request over a limit
// calls Refuse with its kind.
const (
	RefusedMessage    Refusal = iota // the send rate (messages and edits, every transport)
	RefusedRoom                      // rooms without a post (RoomCreate)
	RefusedPost                      // posts (PostCreate)
	RefusedLogin                     // failed-login throttle and LoginCreate
	RefusedConnection                // ConnectionsPerMember
	numRefusals
)

var refusalNames = [numRefusals]string{"message", "room", "post", "login", "connection"}

// String is the kind's label value ("message", "room", ...).
func (k Refusal) String() string { return refusalNames[k] }

// Refusals are every kind of refusal, in order.
func Refusals() []Refusal {
	out := make([]Refusal, numRefusals)
	for i := range out {
		out[i] = Refusal(i)
	}
	return out
}

// Refuse counts one refusal of kind k (an atomic add: cheap anywhere).
func (l *Limits) Refuse(k Refusal) { l.refused[k].Add(1) }

// Refused is how many refusals of kind k there have been.
func (l *Limits) Refused(k Refusal) uint64 { return l.refused[k].Load() }

// Defaults are generous for people and tight for scripts.
func Defaults() *Limits {
	return &Limits{
		ConnectionsPerMember:  20,
		TopicsPerConnection:   50,
		PresenceRoomListeners: 1000,
		PostCreate:            Rate{Burst: 5, PerMinute: 10},
		RoomCreate:            Rate{Burst: 5, PerMinute: 10},
		LoginCreate:           Rate{Burst: 10, PerMinute: 1},
	}
}

// The environment variables that override the defaults.
const (
	EnvConnectionsPerMember  = "COBRA_MAX_CONNECTIONS_PER_MEMBER"
	EnvTopicsPerConnection   = "COBRA_MAX_TOPICS_PER_CONNECTION"
	EnvPresenceRoomListeners = "COBRA_PRESENCE_MAX_ROOM_LISTENERS"
	EnvPostsPerMinute        = "COBRA_POSTS_PER_MINUTE"
	EnvRoomsPerMinute        = "COBRA_ROOMS_PER_MINUTE"
	EnvLoginsPerMinute       = "COBRA_LOGINS_PER_MINUTE"
)

// FromEnv is Defaults with the environment's overrides; a value that is
// not a positive number is ignored.
func FromEnv() *Limits {
	l := Defaults()
	envInt(EnvConnectionsPerMember, &l.ConnectionsPerMember)
	envInt(EnvTopicsPerConnection, &l.TopicsPerConnection)
	envInt(EnvPresenceRoomListeners, &l.PresenceRoomListeners)
	envRate(EnvPostsPerMinute, &l.PostCreate)
	envRate(EnvRoomsPerMinute, &l.RoomCreate)
	envRate(EnvLoginsPerMinute, &l.LoginCreate)
	return l
}

func envInt(name string, dst *int) {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		*dst = n
	}
}

func envRate(name string, dst *Rate) {
	if f, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && f > 0 && !math.IsInf(f, 0) {
		dst.PerMinute = f
	}
}

const storeKey = "cobraLimits"

// Of is app's limits (FromEnv, made once per app).
func Of(app core.App) *Limits {
	return app.Store().GetOrSet(storeKey, func() any { return FromEnv() }).(*Limits)
}

// Allow takes one token of kind for key (a member id) under r; when none
// is left it reports how long until one is.
func (l *Limits) Allow(kind string, r Rate, key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	if l.buckets == nil {
		l.buckets = map[string]*keyedBuckets{}
	}
	kb := l.buckets[kind]
	if kb == nil {
		kb = &keyedBuckets{rate: r, byKey: map[string]*bucket{}}
		l.buckets[kind] = kb
	}
	l.mu.Unlock()
	return kb.allow(key)
}

type keyedBuckets struct {
	mu    sync.Mutex
	rate  Rate
	byKey map[string]*bucket
}

type bucket struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

func (kb *keyedBuckets) allow(key string) (bool, time.Duration) {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	now := time.Now()
	b := kb.byKey[key]
	if b == nil {
		if len(kb.byKey) > 100_000 {
			kb.sweep(now)
		}
		b = &bucket{limiter: rate.NewLimiter(rate.Limit(kb.rate.PerMinute/60), kb.rate.Burst)}
		kb.byKey[key] = b
	}
	b.lastSeen = now
	res := b.limiter.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Minute
	}
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now) // refused: give the token back
		return false, wait
	}
	return true, 0
}

// sweep forgets keys idle long enough for their bucket to be full again.
func (kb *keyedBuckets) sweep(now time.Time) {
	full := time.Duration(float64(kb.rate.Burst) / kb.rate.PerMinute * float64(time.Minute))
	for key, b := range kb.byKey {
		if now.Sub(b.lastSeen) > full {
			delete(kb.byKey, key)
		}
	}
}

// RetryAfterSeconds is wait rounded up to whole seconds (at least 1), as
// the Retry-After header wants it.
func RetryAfterSeconds(wait time.Duration) int {
	s := int(math.Ceil(wait.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// TooFast answers a request of PocketBase's own API (the record API, as the
// JS SDK calls it) that is over a limit: 429 in PocketBase's error shape,
// "You are <doing> too fast", with Retry-After.
func TooFast(e *core.RequestEvent, doing string, wait time.Duration) error {
	seconds := RetryAfterSeconds(wait)
	e.Response.Header().Set("Retry-After", strconv.Itoa(seconds))
	return e.TooManyRequestsError(fmt.Sprintf("You are %s too fast. Expected available in %d seconds.", doing, seconds), nil)
}
