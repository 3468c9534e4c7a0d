package service

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Every login of every API (passwords, LDAP, DBC wallet signatures)
// passes one throttle, keyed by the name tried and by the caller's source
// address, so a guesser gains nothing by switching dialects or names.
// An attempt counts as a failure from the moment it is admitted until it
// is known to have succeeded: a flood of parallel guesses cannot slip
// through before the first ones are evaluated. After FreeFailures
// failures in a row a key must wait Delay before its next attempt, twice
// as long after each further failure (up to MaxDelay), and after
// LockoutFailures it is locked out for Lockout. A refused attempt is not
// evaluated at all, not even a correct password, and is answered
// too_many_requests with the time left. A success forgets the name's
// failures; an address's are forgotten only when its window ends, so a
// guesser holding one valid account cannot reset its address by logging
// in.

// LoginLimits bounds the failed logins of one key (a name or an address).
type LoginLimits struct {
	// FreeFailures is how many failures in a row carry no delay.
	FreeFailures int
	// Delay is the wait after failure FreeFailures; it doubles with each
	// further failure, up to MaxDelay.
	Delay, MaxDelay time.Duration
	// LockoutFailures failures lock the key out for Lockout.
	LockoutFailures int
	Lockout         time.Duration
	// Window is how long a key's failures count: they are forgotten
	// once Window has passed since the first of them and no lockout
	// holds.
	Window time.Duration
}

// LoginThrottleConfig configures the login throttle.
type LoginThrottleConfig struct {
	PerName, PerAddress LoginLimits
	// MaxEntries caps the keys remembered; beyond it the least recently
	// used ones are forgotten, so a flood of random names or addresses
	// cannot grow the table without bound.
	MaxEntries int
}

func (c *LoginThrottleConfig) setDefaults() {
	defaults := func(l *LoginLimits, free, lockout int) {
		if l.FreeFailures == 0 {
			l.FreeFailures = free
		}
		if l.Delay == 0 {
			l.Delay = time.Second
		}
		if l.MaxDelay == 0 {
			l.MaxDelay = time.Minute
		}
		if l.LockoutFailures == 0 {
			l.LockoutFailures = lockout
		}
		if l.Lockout == 0 {
			l.Lockout = 15 * time.Minute
		}
		if l.Window == 0 {
			l.Window = time.Hour
		}
	}
	defaults(&c.PerName, 5, 10)
	// An address may be a NAT gateway in front of many users.
	defaults(&c.PerAddress, 20, 100)
	if c.MaxEntries == 0 {
		c.MaxEntries = 10000
	}
}

type throttleEntry struct {
	key          string
	limits       *LoginLimits
	failures     int
	windowStart  time.Time
	blockedUntil time.Time
	elem         *list.Element
}

// loginThrottle is the table of keys with recent failures.
type loginThrottle struct {
	cfg LoginThrottleConfig
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*throttleEntry
	lru     *list.List // front: most recently used
}

func newLoginThrottle(cfg LoginThrottleConfig, clock func() time.Time) *loginThrottle {
	cfg.setDefaults()
	return &loginThrottle{cfg: cfg, now: clock, entries: map[string]*throttleEntry{}, lru: list.New()}
}

// nameKey bounds the memory a key takes: long names are hashed.
func nameKey(name string) string {
	if len(name) > 64 {
		sum := sha256.Sum256([]byte(name))
		return "name-sha256:" + hex.EncodeToString(sum[:])
	}
	return "name:" + name
}

// addressKey is an IPv4 address, or an IPv6 address's /64: one machine
// usually holds a whole /64.
func addressKey(addr string) string {
	ip := net.ParseIP(addr)
	if ip == nil {
		return ""
	}
	if v4 := ip.To4(); v4 != nil {
		return "addr:" + v4.String()
	}
	return "addr:" + ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// loginAttempt is an admitted attempt; done records how it ended.
type loginAttempt struct {
	t    *loginThrottle
	keys []string
	// set is the block this attempt put on each key, prev the one it
	// replaced: taking the attempt back restores prev unless another
	// attempt moved the block since.
	set, prev []time.Time
}

// admit lets an attempt for name from addr be evaluated, or refuses it
// with the wait left.
func (t *loginThrottle) admit(name, addr string) (*loginAttempt, error) {
	now := t.now()
	keys := []string{nameKey(name)}
	limits := []*LoginLimits{&t.cfg.PerName}
	if k := addressKey(addr); k != "" {
		keys = append(keys, k)
		limits = append(limits, &t.cfg.PerAddress)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	var which string
	for _, k := range keys {
		e := t.entries[k]
		if e == nil {
			continue
		}
		t.expireLocked(e, now)
		if left := e.blockedUntil.Sub(now); left > wait {
			wait, which = left, k
		}
	}
	if wait > 0 {
		return nil, tooManyLogins(which, wait)
	}
	a := &loginAttempt{t: t, keys: keys, set: make([]time.Time, len(keys)), prev: make([]time.Time, len(keys))}
	for i, k := range keys {
		e := t.entryLocked(k, limits[i], now)
		a.prev[i] = e.blockedUntil
		e.failures++
		l := e.limits
		switch {
		case e.failures >= l.LockoutFailures:
			e.blockedUntil = now.Add(l.Lockout)
		case e.failures >= l.FreeFailures:
			d := l.Delay << min(e.failures-l.FreeFailures, 30)
			if d > l.MaxDelay || d <= 0 {
				d = l.MaxDelay
			}
			e.blockedUntil = now.Add(d)
		}
		a.set[i] = e.blockedUntil
	}
	return a, nil
}

// done records the outcome of an admitted attempt: a failed login
// (unauthenticated) stays counted; a success forgets the name's
// failures; anything else (a directory that is down, bad input) was no
// guess and is taken back.
func (a *loginAttempt) done(err error) {
	failed := model.IsCode(err, model.CodeUnauthenticated)
	if failed {
		return
	}
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, k := range a.keys {
		e := t.entries[k]
		if e == nil {
			continue
		}
		if err == nil && i == 0 {
			t.removeLocked(e)
			continue
		}
		if e.failures > 0 {
			e.failures--
		}
		if e.blockedUntil.Equal(a.set[i]) {
			e.blockedUntil = a.prev[i]
		}
		if e.failures == 0 {
			t.removeLocked(e)
		}
	}
}

func tooManyLogins(key string, wait time.Duration) error {
	secs := int64((wait + time.Second - 1) / time.Second)
	what := "user " + strings.TrimPrefix(key, "name:")
	if a, ok := strings.CutPrefix(key, "addr:"); ok {
		what = "address " + a
	} else if strings.HasPrefix(key, "name-sha256:") {
		what = "this user name"
	}
	return &model.Error{Code: model.CodeTooManyRequests, RetryAfter: time.Duration(secs) * time.Second,
		Message: fmt.Sprintf("too many failed logins for %s: try again in %ds", what, secs)}
}

// expireLocked forgets a key's failures once its window is over.
func (t *loginThrottle) expireLocked(e *throttleEntry, now time.Time) {
	if !now.Before(e.blockedUntil) && now.Sub(e.windowStart) >= e.limits.Window {
		e.failures, e.windowStart, e.blockedUntil = 0, now, time.Time{}
	}
}

func (t *loginThrottle) entryLocked(key string, limits *LoginLimits, now time.Time) *throttleEntry {
	if e := t.entries[key]; e != nil {
		t.lru.MoveToFront(e.elem)
		return e
	}
	// Forget the least recently used keys whose failures are over, and
	// when the table is full the least recently used one anyway.
	for i := 0; i < 2 && t.lru.Len() > 0; i++ {
		old := t.lru.Back().Value.(*throttleEntry)
		t.expireLocked(old, now)
		if !old.dead(now) && t.lru.Len() < t.cfg.MaxEntries {
			break
		}
		t.removeLocked(old)
	}
	e := &throttleEntry{key: key, limits: limits, windowStart: now}
	e.elem = t.lru.PushFront(e)
	t.entries[key] = e
	return e
}

// dead reports whether an entry holds nothing worth keeping.
func (e *throttleEntry) dead(now time.Time) bool {
	return e.failures == 0 && !now.Before(e.blockedUntil)
}

func (t *loginThrottle) removeLocked(e *throttleEntry) {
	t.lru.Remove(e.elem)
	delete(t.entries, e.key)
}

func (t *loginThrottle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// sourceKey carries the network address a request came from.
type sourceKey struct{}

// WithSource records the address a request came from (an HTTP request's
// RemoteAddr: "host:port" or a bare host). The dialects set it from the
// connection itself, never from headers such as X-Forwarded-For, which
// the caller writes.
func WithSource(ctx context.Context, remoteAddr string) context.Context {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	return context.WithValue(ctx, sourceKey{}, host)
}

// SourceFrom returns the address WithSource recorded, "" if none.
func SourceFrom(ctx context.Context) string {
	s, _ := ctx.Value(sourceKey{}).(string)
	return s
}

// guardLogin runs one login attempt of kind (what was tried: "password",
// "LDAP", "wallet signature") for name through the throttle, and writes
// every failure, refused attempts included, to the operation log with
// the name and the source address (never the secret).
func (s *Service) guardLogin(ctx context.Context, kind, name string, attempt func() error) error {
	source := SourceFrom(ctx)
	a, err := s.logins.admit(name, source)
	if err == nil {
		err = attempt()
		a.done(err)
	}
	if model.IsCode(err, model.CodeUnauthenticated) || model.IsCode(err, model.CodeTooManyRequests) {
		s.auditFailedLogin(ctx, kind, name, source, err)
	}
	return err
}

func (s *Service) auditFailedLogin(ctx context.Context, kind, name, source string, cause error) {
	if len(name) > 256 {
		name = name[:256] + "..."
	}
	from := source
	if from == "" {
		from = "an unknown address"
	}
	outcome := "failed"
	if model.IsCode(cause, model.CodeTooManyRequests) {
		outcome = "refused"
	}
	content := fmt.Sprintf("%s login as %q from %s %s: %s", kind, name, from, outcome, model.PublicMessage(cause))
	// A principal (a ZStack session checking its account) is not who
	// tried: the entry has no user.
	ctx = context.WithValue(context.WithoutCancel(ctx), principalKey{}, Principal{})
	if err := s.RecordOperation(ctx, source, content); err != nil {
		s.log.Warn("record a failed login", "name", name, "source", source, "err", err)
	}
}
