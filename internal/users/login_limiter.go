package users

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/limits"
)

// loginLimiter counts failed password checks in a fixed window, per client
// IP and per (IP, e-mail), and refuses further attempts once a limit is
// reached. Only failures count, so members behind one NAT are not locked
// out by each other's successful logins.
//
// An attempt is reserved before its password is checked and counts as a
// failure from then on: concurrent guesses cannot all pass the check
// before the first failure is recorded. A reservation whose password was
// right is taken back (succeed), as is one whose password was never
// checked (release).
type loginLimiter struct {
	mu       sync.Mutex
	window   time.Duration
	perEmail int
	perIP    int
	counts   map[string]*failureWindow
}

type failureWindow struct {
	start    time.Time
	failures int
}

func newLoginLimiter(window time.Duration, perEmail, perIP int) *loginLimiter {
	return &loginLimiter{window: window, perEmail: perEmail, perIP: perIP, counts: map[string]*failureWindow{}}
}

// attempt is one reserved password check.
type attempt struct {
	l         *loginLimiter
	ip, email string
	windows   [2]*failureWindow // the windows it was counted in: per IP, per (IP, e-mail)
	takenBack bool
}

func ipKey(ip string) string           { return "ip:" + ip }
func emailKey(ip, email string) string { return "ip:" + ip + "|" + email }

// reserve counts one attempt of ip to check a password of email. When a
// limit is reached it counts nothing and answers how long to wait.
func (l *loginLimiter) reserve(ip, email string) (*attempt, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	keys := [2]string{ipKey(ip), emailKey(ip, email)}
	caps := [2]int{l.perIP, l.perEmail}
	var wait time.Duration
	for i, key := range keys {
		if w := l.blocked(now, key, caps[i]); w > wait {
			wait = w
		}
	}
	if wait > 0 {
		return nil, wait
	}
	a := &attempt{l: l, ip: ip, email: email}
	for i, key := range keys {
		w, ok := l.counts[key]
		if !ok || now.Sub(w.start) >= l.window {
			w = &failureWindow{start: now}
			l.counts[key] = w
		}
		w.failures++
		a.windows[i] = w
	}
	if len(l.counts) > 100_000 {
		l.sweep(now)
	}
	return a, 0
}

// reserveLogin is m.limiter.reserve for a request of app: a refusal is
// counted for the metrics (limits.RefusedLogin).
func (m *module) reserveLogin(app core.App, ip, email string) (*attempt, time.Duration) {
	a, wait := m.limiter.reserve(ip, email)
	if a == nil {
		limits.Of(app).Refuse(limits.RefusedLogin)
	}
	return a, wait
}

func (l *loginLimiter) blocked(now time.Time, key string, limit int) time.Duration {
	w, ok := l.counts[key]
	if !ok || now.Sub(w.start) >= l.window || w.failures < limit {
		return 0
	}
	return l.window - now.Sub(w.start)
}

// release takes the attempt back: its password was never checked (or was
// right). Nothing happens twice, and a window that has ended is left alone.
func (a *attempt) release() {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	a.releaseLocked()
}

func (a *attempt) releaseLocked() {
	if a.takenBack {
		return
	}
	a.takenBack = true
	for i, key := range [2]string{ipKey(a.ip), emailKey(a.ip, a.email)} {
		if w := a.l.counts[key]; w != nil && w == a.windows[i] && w.failures > 0 {
			w.failures--
		}
	}
}

// succeed: the password was right. The attempt is taken back and the
// failures of its IP for its e-mail are forgotten.
func (a *attempt) succeed() {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	a.releaseLocked()
	delete(l.counts, emailKey(a.ip, a.email))
}

// fail: the password was wrong; the reservation stays counted.
func (a *attempt) fail() {}

func (l *loginLimiter) sweep(now time.Time) {
	for key, w := range l.counts {
		if now.Sub(w.start) >= l.window {
			delete(l.counts, key)
		}
	}
}
