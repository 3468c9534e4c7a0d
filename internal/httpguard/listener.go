package httpguard

import (
	"log/slog"
	"net"
	"sync"
	"time"
)

// LimitPerSource returns ln with at most max concurrent connections per
// source address (an IPv6 /64 counts as one source): a connection over
// the cap is closed as soon as it is accepted, before anything is read
// from it. max < 0 returns ln as it is. log (may be nil) hears of
// refused connections, at most once a second per listener.
func LimitPerSource(ln net.Listener, max int, log *slog.Logger) net.Listener {
	if max < 0 {
		return ln
	}
	if max == 0 {
		max = DefaultPerSource
	}
	return &sourceLimiter{Listener: ln, max: max, log: log, open: map[string]int{}}
}

type sourceLimiter struct {
	net.Listener
	max int
	log *slog.Logger

	mu         sync.Mutex
	open       map[string]int
	lastLogged time.Time
	refused    int
}

// Accept returns the next connection within the cap; connections over
// it are closed here and never reach the server.
func (l *sourceLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src := sourceOf(c.RemoteAddr())
		l.mu.Lock()
		if l.open[src] >= l.max {
			l.refused++
			logNow := l.log != nil && time.Since(l.lastLogged) >= time.Second
			refused := l.refused
			if logNow {
				l.lastLogged, l.refused = time.Now(), 0
			}
			l.mu.Unlock()
			c.Close()
			if logNow {
				l.log.Warn("connections over the per-source cap closed", "listener", l.Addr().String(),
					"source", src, "cap", l.max, "closed", refused)
			}
			continue
		}
		l.open[src]++
		l.mu.Unlock()
		return &countedConn{Conn: c, l: l, src: src}, nil
	}
}

func (l *sourceLimiter) release(src string) {
	l.mu.Lock()
	if l.open[src]--; l.open[src] <= 0 {
		delete(l.open, src)
	}
	l.mu.Unlock()
}

// countedConn gives its place back once, when closed.
type countedConn struct {
	net.Conn
	l    *sourceLimiter
	src  string
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.src) })
	return err
}

// sourceOf is the address a connection counts against.
func sourceOf(a net.Addr) string {
	host := a.String()
	if tcp, ok := a.(*net.TCPAddr); ok {
		if v4 := tcp.IP.To4(); v4 != nil {
			return v4.String()
		}
		return tcp.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}
