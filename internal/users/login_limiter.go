package users

import (
	"sync"
	"time"
)

// loginLimiter counts failed logins in a fixed window, per client IP and
// per (IP, e-mail), and refuses further attempts once a limit is reached.
// Only failures count, so members behind one NAT are not locked out by
// each other's successful logins.
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

// retryAfter is zero when ip may try to log in as email, else how long to wait.
func (l *loginLimiter) retryAfter(ip, email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	wait := l.blocked(now, "ip:"+ip, l.perIP)
	if w := l.blocked(now, "ip:"+ip+"|"+email, l.perEmail); w > wait {
		wait = w
	}
	return wait
}

func (l *loginLimiter) blocked(now time.Time, key string, limit int) time.Duration {
	w, ok := l.counts[key]
	if !ok || now.Sub(w.start) >= l.window || w.failures < limit {
		return 0
	}
	return l.window - now.Sub(w.start)
}

// fail records a failed attempt.
func (l *loginLimiter) fail(ip, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for _, key := range []string{"ip:" + ip, "ip:" + ip + "|" + email} {
		w, ok := l.counts[key]
		if !ok || now.Sub(w.start) >= l.window {
			w = &failureWindow{start: now}
			l.counts[key] = w
		}
		w.failures++
	}
	if len(l.counts) > 100_000 {
		l.sweep(now)
	}
}

// succeed forgets the failures of ip for email.
func (l *loginLimiter) succeed(ip, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.counts, "ip:"+ip+"|"+email)
}

func (l *loginLimiter) sweep(now time.Time) {
	for key, w := range l.counts {
		if now.Sub(w.start) >= l.window {
			delete(l.counts, key)
		}
	}
}
