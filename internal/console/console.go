// Package console proxies a VM's VNC server (a QEMU unix socket) to a
// websocket, as used by noVNC in browsers and by the Nano API's monitor
// channels. Access is granted by short-lived, single-use tokens issued by a
// Broker after the caller has been authenticated and authorised elsewhere.
package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// activity is a writer that records when bytes last went through.
type activity struct {
	w    io.Writer
	last *atomic.Int64
}

func (a activity) Write(p []byte) (int, error) {
	a.last.Store(time.Now().UnixNano())
	return a.w.Write(p)
}

// DefaultTTL is used when NewBroker is given a non-positive ttl. It only
// needs to cover the gap between the API call that issues the token and the
// browser opening the websocket.
const DefaultTTL = 60 * time.Second

// DefaultIdle ends a console session in which nothing has flowed either
// way for this long (a screen that does not change sends nothing).
const DefaultIdle = 30 * time.Minute

// dialTimeout bounds how long we wait for QEMU's VNC socket; a local unix
// socket either answers at once or is not there.
const dialTimeout = 5 * time.Second

var (
	// ErrUnknownToken means the token was never issued or was already used.
	ErrUnknownToken = errors.New("console: unknown or already used token")
	// ErrExpired means the token existed but its ttl has passed.
	ErrExpired = errors.New("console: token expired")
)

// Target is what a token grants access to.
type Target struct {
	VMID   string // for logging/auditing by callers
	Socket string // path of the VM's VNC unix socket (-vnc unix:<path>)
	// Dial, if set, opens the stream to the VNC server instead of
	// Socket: the socket is on the VM's host, which may be another
	// machine, so the control plane reaches it through the host's agent.
	Dial func(ctx context.Context) (net.Conn, error)
}

type grant struct {
	target  Target
	expires time.Time
}

// Broker issues and redeems console tokens. It is safe for concurrent use.
type Broker struct {
	ttl  time.Duration
	idle time.Duration

	mu        sync.Mutex
	grants    map[string]grant
	lastSweep time.Time
}

// NewBroker returns a Broker whose tokens are valid for ttl (DefaultTTL if
// ttl <= 0).
func NewBroker(ttl time.Duration) *Broker {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Broker{ttl: ttl, idle: DefaultIdle, grants: make(map[string]grant), lastSweep: time.Now()}
}

// SetIdle sets how long a session may be quiet both ways before it is
// ended (DefaultIdle if d <= 0). Call it before serving.
func (b *Broker) SetIdle(d time.Duration) {
	if d <= 0 {
		d = DefaultIdle
	}
	b.idle = d
}

// Issue creates a single-use token for target, valid until expires.
func (b *Broker) Issue(target Target) (token string, expires time.Time) {
	var raw [32]byte
	// crypto/rand.Read never returns an error (it panics if the OS RNG fails).
	_, _ = rand.Read(raw[:])
	token = base64.RawURLEncoding.EncodeToString(raw[:])

	now := time.Now()
	expires = now.Add(b.ttl)

	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweepLocked(now)
	b.grants[token] = grant{target: target, expires: expires}
	return token, expires
}

// Redeem consumes token and returns its target. A token can be redeemed at
// most once, even if it has expired.
func (b *Broker) Redeem(token string) (Target, error) {
	now := time.Now()

	b.mu.Lock()
	defer b.mu.Unlock()
	g, ok := b.grants[token]
	if !ok {
		return Target{}, ErrUnknownToken
	}
	delete(b.grants, token)
	if !now.Before(g.expires) {
		return Target{}, ErrExpired
	}
	return g.target, nil
}

// Revoke drops every token of the VM not redeemed yet, and returns how
// many there were; consoles already open go on.
func (b *Broker) Revoke(vmID string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for tok, g := range b.grants {
		if g.target.VMID == vmID {
			delete(b.grants, tok)
			n++
		}
	}
	return n
}

// sweepLocked drops expired grants. Sweeping at most once per ttl keeps
// Issue amortised O(1) while bounding the map to roughly the tokens issued
// in the last two ttls, so unredeemed tokens cannot accumulate.
func (b *Broker) sweepLocked(now time.Time) {
	if now.Sub(b.lastSweep) < b.ttl {
		return
	}
	for tok, g := range b.grants {
		if !now.Before(g.expires) {
			delete(b.grants, tok)
		}
	}
	b.lastSweep = now
}

// Handler serves the websocket-to-VNC proxy at any path. The token is taken
// from the "token" query parameter or, failing that, the last path segment
// (e.g. /console/<token>).
func (b *Broker) Handler() http.Handler {
	return http.HandlerFunc(b.serve)
}

func (b *Broker) serve(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		token = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	}
	target, err := b.Redeem(token)
	if err != nil {
		// Refuse before upgrading so clients get a plain HTTP status.
		http.Error(w, "console: invalid or expired token", http.StatusForbidden)
		return
	}

	// Dial before accepting so a dead VM yields an HTTP error rather than a
	// websocket that closes immediately.
	ctx := r.Context()
	var vnc net.Conn
	if target.Dial != nil {
		// The request's context, not a shorter one: the stream may be
		// bound to it (an upgraded HTTP connection is) and must live as
		// long as the session. Target.Dial bounds its own dialling.
		vnc, err = target.Dial(ctx)
	} else {
		d := net.Dialer{Timeout: dialTimeout}
		vnc, err = d.DialContext(ctx, "unix", target.Socket)
	}
	if err != nil {
		http.Error(w, "console: VNC server unavailable", http.StatusBadGateway)
		return
	}
	defer vnc.Close()

	// net/http clears the listener's deadlines when the websocket
	// takes the connection over; the session is bounded by its own
	// idle time instead (pump).
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// noVNC offers "binary"; echo it back or the browser aborts.
		Subprotocols: []string{"binary"},
		// Any origin is allowed: the single-use, short-lived token in the URL
		// is the credential, not ambient cookies, so a cross-site page cannot
		// open a console without already holding a valid token.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept has already written an HTTP error.
	}
	// NetConn gives us a net.Conn carrying binary messages; it is bound to
	// the request context so the proxy stops when the request is cancelled.
	wsc := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	defer wsc.Close()

	// Close the websocket itself, not wsc: netConn.Close cancels its read
	// context first, and a concurrent read on a cancelled context drops the
	// TCP connection before the close frame is sent.
	pump(wsc, vnc, func() { _ = ws.Close(websocket.StatusNormalClosure, "") }, b.idle)
}

// pump copies bytes both ways until either side stops or nothing has
// flowed either way for idle, then closes both so the other copy
// unblocks, and waits for it to finish. closeA closes a.
func pump(a, b net.Conn, closeA func(), idle time.Duration) {
	done := make(chan struct{}, 2)
	var last atomic.Int64 // unix nanoseconds of the last bytes moved
	last.Store(time.Now().UnixNano())
	cp := func(dst, src net.Conn) {
		// errors just mean one side went away
		_, _ = io.Copy(activity{dst, &last}, src)
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	tick := time.NewTicker(max(idle/8, 10*time.Millisecond))
	defer tick.Stop()
	running := 2
wait:
	for {
		select {
		case <-done:
			running--
			break wait
		case now := <-tick.C:
			if now.Sub(time.Unix(0, last.Load())) >= idle {
				break wait
			}
		}
	}
	// Closing the websocket sends a normal-closure frame to the client.
	closeA()
	_ = b.Close()
	for ; running > 0; running-- {
		<-done
	}
}
