package chat

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"github.com/cobraspace/cobraspace/internal/limits"
)

// A member may hold limits.ConnectionsPerMember live connections at once:
// room WebSockets plus realtime (SSE) clients signed in as them. A slot is
// taken when a WebSocket is admitted or a realtime client first subscribes
// with the member's auth, and given back when the connection ends (or the
// client loses its auth).
type ConnSlots struct {
	mu     sync.Mutex
	byUser map[string]int
	limits *limits.Limits // where a refusal is counted (limits.RefusedConnection)
}

const connSlotsStoreKey = "cobraChatConnSlots"

func slotsOf(app core.App) *ConnSlots {
	l := limits.Of(app) // not inside GetOrSet: the store's lock is not reentrant
	return app.Store().GetOrSet(connSlotsStoreKey, func() any { return NewConnSlots(l) }).(*ConnSlots)
}

// NewConnSlots is an empty count, refusals counted in l (an edge node's
// own; an app's is kept in its store).
func NewConnSlots(l *limits.Limits) *ConnSlots {
	return &ConnSlots{byUser: map[string]int{}, limits: l}
}

// Take reserves one of userId's slots; false (a counted refusal) when all
// are in use.
func (s *ConnSlots) Take(userId string, max int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byUser[userId] >= max {
		s.limits.Refuse(limits.RefusedConnection)
		return false
	}
	s.byUser[userId]++
	return true
}

// Give hands back one of userId's slots.
func (s *ConnSlots) Give(userId string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byUser[userId] <= 1 {
		delete(s.byUser, userId)
		return
	}
	s.byUser[userId]--
}

// ConnectionsOf is how many connections the member holds now.
func ConnectionsOf(app core.App, userId string) int {
	s := slotsOf(app)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byUser[userId]
}

// Keys of what a realtime client's store holds for us.
const (
	clientUserKey  = "cobraMember"      // the member id the client holds a slot for
	clientTokenKey = "cobraMemberToken" // the token it subscribed with
	clientSlotKey  = "cobraSlot"        // *clientSlot
)

// clientSlot is a realtime client's connection slot, given back once.
type clientSlot struct {
	userId string
	once   sync.Once
}

// claimMu makes claiming and forgetting a client's slot atomic (two
// subscribe requests of one client must not take two slots).
var claimMu sync.Mutex

// claimClientMember records that the client is signed in as member with
// token, taking a connection slot the first time; false when the member
// has no slot left.
func claimClientMember(app core.App, c subscriptions.Client, member *core.Record, token string) bool {
	claimMu.Lock()
	defer claimMu.Unlock()
	if slot, _ := c.Get(clientSlotKey).(*clientSlot); slot == nil || slot.userId != member.Id {
		if !slotsOf(app).Take(member.Id, limits.Of(app).ConnectionsPerMember) {
			return false
		}
		if slot != nil {
			slot.release(app)
		}
		c.Set(clientSlotKey, &clientSlot{userId: member.Id})
	}
	c.Set(clientUserKey, member.Id)
	c.Set(clientTokenKey, token)
	if c.IsDiscarded() {
		// the connection ended meanwhile; its clean-up may have run already
		forgetClientMemberLocked(app, c)
	}
	return true
}

// forgetClientMember gives the client's slot back and forgets its member.
func forgetClientMember(app core.App, c subscriptions.Client) {
	claimMu.Lock()
	defer claimMu.Unlock()
	forgetClientMemberLocked(app, c)
}

func forgetClientMemberLocked(app core.App, c subscriptions.Client) {
	if slot, _ := c.Get(clientSlotKey).(*clientSlot); slot != nil {
		slot.release(app)
	}
	c.Unset(clientSlotKey)
	c.Unset(clientUserKey)
	c.Unset(clientTokenKey)
}

func (s *clientSlot) release(app core.App) {
	s.once.Do(func() { slotsOf(app).Give(s.userId) })
}
