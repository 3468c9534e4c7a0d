// Package httpguard bounds what a connection may hold on Kumo's HTTP
// listeners: read, write and idle timeouts on every request, a cap on
// concurrent connections per source address, and the means for
// streaming handlers (uploads, downloads, long waits, consoles) to
// extend their own deadlines while data flows. (A handler that takes the
// connection over, a websocket or an Upgrade, needs nothing: net/http
// clears the deadlines of a hijacked connection.)
package httpguard

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Limits bounds one listener's connections.
type Limits struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, headers and body. A
	// streaming body (Stream) has Read between two chunks instead.
	Read time.Duration
	// Write bounds the time from the end of a request's headers to the
	// end of its reply. Handlers that wait or stream extend it.
	Write time.Duration
	// Idle bounds the wait for the next request on a kept-alive
	// connection.
	Idle time.Duration
	// PerSource caps the concurrent connections of one source address
	// (an IPv6 /64 counts as one); a connection over it is closed at
	// once. Negative means no cap.
	PerSource int
}

// Default limits.
const (
	DefaultReadHeader = 10 * time.Second
	DefaultRead       = time.Minute
	DefaultWrite      = 2 * time.Minute
	DefaultIdle       = 2 * time.Minute
	DefaultPerSource  = 64
)

// WithDefaults returns l with zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	if l.ReadHeader <= 0 {
		l.ReadHeader = DefaultReadHeader
	}
	if l.Read <= 0 {
		l.Read = DefaultRead
	}
	if l.ReadHeader > l.Read {
		l.ReadHeader = l.Read
	}
	if l.Write <= 0 {
		l.Write = DefaultWrite
	}
	if l.Idle <= 0 {
		l.Idle = DefaultIdle
	}
	if l.PerSource == 0 {
		l.PerSource = DefaultPerSource
	}
	return l
}

// NewServer returns an http.Server for handler with l's timeouts (zero
// fields take the defaults). Serve it on Listen's listener to cap
// connections per source too.
func NewServer(handler http.Handler, l Limits, log *slog.Logger) *http.Server {
	l = l.WithDefaults()
	srv := &http.Server{
		Handler:           Handler(handler, l),
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
	}
	if log != nil {
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	}
	return srv
}

type guardKey struct{}

// guard is what a request's handlers may change of its deadlines.
type guard struct {
	rc     *http.ResponseController
	limits Limits
	body   *guardedBody // nil for requests without a body
}

// Handler wraps next so that its handlers may use Stream, ExtendWrite
// and StreamWriter. (A handler running longer than the read
// timeout after its body keeps its context: net/http clears the read
// deadline when it starts watching the finished request's connection.)
func Handler(next http.Handler, l Limits) http.Handler {
	l = l.WithDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := &guard{rc: http.NewResponseController(w), limits: l}
		if r.Body != nil && r.Body != http.NoBody {
			g.body = &guardedBody{ReadCloser: r.Body, g: g}
			r.Body = g.body
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), guardKey{}, g)))
	})
}

// guardedBody extends the read deadline with each chunk of a streaming
// body.
type guardedBody struct {
	io.ReadCloser
	g *guard

	mu        sync.Mutex
	streaming bool
	done      bool
}

func (b *guardedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	streaming := b.streaming && !b.done
	b.mu.Unlock()
	if streaming {
		now := time.Now()
		b.g.rc.SetReadDeadline(now.Add(b.g.limits.Read))
		// The reply follows the last chunk.
		b.g.rc.SetWriteDeadline(now.Add(b.g.limits.Read + b.g.limits.Write))
	}
	n, err := b.ReadCloser.Read(p)
	if err != nil && streaming {
		b.mu.Lock()
		b.done = true
		b.mu.Unlock()
		// The reply gets the whole write timeout from the end of the
		// upload.
		b.g.rc.SetWriteDeadline(time.Now().Add(b.g.limits.Write))
	}
	return n, err
}

func guardOf(ctx context.Context) *guard {
	g, _ := ctx.Value(guardKey{}).(*guard)
	return g
}

// Stream makes the request's body a stream (an upload): each chunk
// read extends the read deadline by the read timeout, so an upload may
// take as long as it keeps flowing. It does nothing outside Handler.
func Stream(ctx context.Context) {
	g := guardOf(ctx)
	if g == nil || g.body == nil {
		return
	}
	g.body.mu.Lock()
	g.body.streaming = true
	g.body.mu.Unlock()
}

// ExtendWrite gives the reply d more than the write timeout from now:
// for handlers that wait up to d before answering (d = 0 means no write
// deadline at all; the handler's own context bounds it).
func ExtendWrite(ctx context.Context, d time.Duration) {
	g := guardOf(ctx)
	if g == nil {
		return
	}
	if d == 0 {
		g.rc.SetWriteDeadline(time.Time{})
		return
	}
	g.rc.SetWriteDeadline(time.Now().Add(d + g.limits.Write))
}

// StreamWriter returns w for a reply that streams (a download): each
// write extends the write deadline by the write timeout, so a download
// takes as long as the client keeps reading.
func StreamWriter(ctx context.Context, w http.ResponseWriter) http.ResponseWriter {
	g := guardOf(ctx)
	if g == nil {
		return w
	}
	return &streamWriter{ResponseWriter: w, g: g}
}

type streamWriter struct {
	http.ResponseWriter
	g *guard
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.g.rc.SetWriteDeadline(time.Now().Add(s.g.limits.Write))
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
