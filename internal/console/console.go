// Package console proxies a VM's console (its VNC server or its serial
// port, QEMU unix sockets reached through the VM's host) to a websocket,
// as used by noVNC and xterm.js in browsers, by `kumo vm console` and by
// the dialects' console calls. Access is granted either by short-lived,
// single-use tokens issued by a Broker after the caller has been
// authenticated and authorised elsewhere, or by the caller's own session
// (Serve, for clients that can send an Authorization header).
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

	"github.com/kumo-cloud/kumo/internal/model"
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
	VMID string // for logging/auditing by callers
	// VMName is the VM's name when the token was issued, so a URL may
	// name the VM either way.
	VMName string
	// Kind is which console Dial reaches (VNC if empty).
	Kind   model.ConsoleKind
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
	// websocket that closes immediately. The request's context, not a
	// shorter one: the stream may be bound to it (an upgraded HTTP
	// connection is) and must live as long as the session; Target.Dial
	// bounds its own dialling.
	var stream net.Conn
	if target.Dial != nil {
		stream, err = target.Dial(r.Context())
	} else {
		d := net.Dialer{Timeout: dialTimeout}
		stream, err = d.DialContext(r.Context(), "unix", target.Socket)
	}
	if err != nil {
		http.Error(w, "console: the VM's console does not answer", http.StatusBadGateway)
		return
	}
	Serve(w, r, stream, b.idle)
}

// Serve upgrades r to a websocket and joins it to stream (a console the
// caller has dialled, so that a console that is not there gives an error
// in the caller's form before any websocket exists), until either side
// ends or nothing flows either way for idle (DefaultIdle if <= 0). The
// caller has authorised r already. Serve closes stream.
//
// Messages from the client may be binary (noVNC) or text (xterm.js
// sends keystrokes as text); their bytes go to the stream as they are.
// The stream's bytes go to the client as binary messages.
func Serve(w http.ResponseWriter, r *http.Request, stream net.Conn, idle time.Duration) {
	defer stream.Close()
	if idle <= 0 {
		idle = DefaultIdle
	}
	ctx := r.Context()

	// net/http clears the listener's deadlines when the websocket
	// takes the connection over; the session is bounded by its own
	// idle time instead (pump).
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// noVNC offers "binary"; echo it back or the browser aborts.
		Subprotocols: []string{"binary"},
		// Any origin is allowed: the credential is a single-use,
		// short-lived token in the URL or an Authorization header, never
		// an ambient cookie, so a cross-site page cannot open a console
		// without already holding one.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept has already written an HTTP error.
	}
	// Nothing bounds a console's messages but the stream's own reads:
	// a VNC client's pasted clipboard or a framebuffer update may exceed
	// the library's 32 KiB default.
	ws.SetReadLimit(-1)
	wsc := &messageConn{ctx: ctx, ws: ws}

	// Close the websocket itself: it sends a normal-closure frame to
	// the client.
	pump(wsc, stream, func() { _ = ws.Close(websocket.StatusNormalClosure, "") }, idle)
}

// messageConn reads a websocket's messages of either type as one byte
// stream and writes bytes as binary messages.
type messageConn struct {
	ctx context.Context
	ws  *websocket.Conn
	r   io.Reader // the message being read, nil between messages
}

func (c *messageConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			_, r, err := c.ws.Reader(c.ctx)
			if err != nil {
				return 0, err
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if errors.Is(err, io.EOF) {
			c.r = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (c *messageConn) Write(p []byte) (int, error) {
	if err := c.ws.Write(c.ctx, websocket.MessageBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *messageConn) Close() error { return c.ws.CloseNow() }

// pump copies bytes both ways until either side stops or nothing has
// flowed either way for idle, then closes both so the other copy
// unblocks, and waits for it to finish. closeA closes a.
func pump(a, b io.ReadWriteCloser, closeA func(), idle time.Duration) {
	done := make(chan struct{}, 2)
	var last atomic.Int64 // unix nanoseconds of the last bytes moved
	last.Store(time.Now().UnixNano())
	cp := func(dst, src io.ReadWriteCloser) {
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
