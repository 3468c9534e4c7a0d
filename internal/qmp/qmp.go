// Package qmp is a small client of the QEMU Machine Protocol.
//
// One Monitor is one connection to a QEMU process's QMP socket. Commands
// may be sent from many goroutines at once: each carries its own id and
// its reply is matched by that id, so replies can arrive in any order.
// Asynchronous events are delivered on a channel that never blocks the
// connection (see Events).
//
// QEMU serves one QMP client per socket at a time: a second client is
// accepted by the kernel but gets no greeting until the first leaves. So
// always Dial with a deadline, and Close a Monitor you are done with.
package qmp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Error is an error reply from QEMU, for example
// {"class": "GenericError", "desc": "No medium found"}.
type Error struct {
	Command string `json:"-"` // the command that failed, set by Execute
	Class   string `json:"class"`
	Desc    string `json:"desc"`
}

func (e *Error) Error() string {
	if e.Command == "" {
		return "qmp: " + e.Class + ": " + e.Desc
	}
	return "qmp " + e.Command + ": " + e.Class + ": " + e.Desc
}

// ErrClosed matches (with errors.Is) every error caused by the connection
// being gone. The error also wraps the cause: io.EOF when QEMU hung up or
// exited, net.ErrClosed when this side called Close.
var ErrClosed = errors.New("qmp: connection closed")

// closedError says which connection ended and why.
type closedError struct {
	addr  string
	cause error
}

func (e *closedError) Error() string {
	return fmt.Sprintf("qmp: connection to %s closed: %v", e.addr, e.cause)
}
func (e *closedError) Is(target error) bool { return target == ErrClosed }
func (e *closedError) Unwrap() error        { return e.cause }

// Event is an asynchronous QMP event, such as STOP, RESUME or SHUTDOWN.
type Event struct {
	Name      string
	Data      json.RawMessage // the event's "data" object; nil if none
	Timestamp time.Time       // when QEMU emitted it
}

// Greeting is what QEMU announces when a client connects.
type Greeting struct {
	Version struct {
		QEMU struct {
			Major int `json:"major"`
			Minor int `json:"minor"`
			Micro int `json:"micro"`
		} `json:"qemu"`
		Package string `json:"package"`
	} `json:"version"`
	Capabilities []string `json:"capabilities"`
}

// EventBuffer is how many unread events a Monitor keeps. When the buffer
// is full the oldest event is dropped (and counted, see DroppedEvents):
// a slow or absent event reader must never stall command replies, which
// arrive on the same connection.
const EventBuffer = 256

// response is what a waiting Execute receives.
type response struct {
	ret json.RawMessage
	err error
}

// Monitor is one QMP connection.
type Monitor struct {
	conn     net.Conn
	addr     string
	greeting Greeting

	// writeSem serialises commands on the wire; a channel rather than a
	// mutex so that a caller whose context ends stops waiting for it.
	writeSem chan struct{}
	// deadlineMu orders the write deadline set by a cancelled context
	// against its reset after the write, so a late cancellation cannot
	// leave a deadline in the past for the next command.
	deadlineMu sync.Mutex
	writing    bool

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan<- response
	err     error // why the connection is gone; nil while open

	events  chan Event
	dropped atomic.Uint64
	done    chan struct{} // closed when the connection is gone
	readEnd chan struct{} // closed when the reader goroutine has returned
}

// Dial connects to the QMP unix socket at socketPath, reads the greeting
// and negotiates capabilities. ctx bounds all of that; give it a deadline.
func Dial(ctx context.Context, socketPath string) (*Monitor, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("qmp: dial %s: %w", socketPath, err)
	}
	return NewMonitor(ctx, conn)
}

// NewMonitor runs the QMP handshake on an established connection (for
// example one end of a socketpair) and takes ownership of it.
func NewMonitor(ctx context.Context, conn net.Conn) (*Monitor, error) {
	addr := "qmp peer"
	if a := conn.RemoteAddr(); a != nil && a.String() != "" {
		addr = a.String()
	}
	m := &Monitor{
		conn:     conn,
		addr:     addr,
		writeSem: make(chan struct{}, 1),
		pending:  map[uint64]chan<- response{},
		events:   make(chan Event, EventBuffer),
		done:     make(chan struct{}),
		readEnd:  make(chan struct{}),
	}
	r := newReader(conn, maxMessageSize)
	if err := m.readGreeting(ctx, r); err != nil {
		conn.Close()
		return nil, err
	}
	go m.readLoop(r)
	if err := m.Execute(ctx, "qmp_capabilities", nil, nil); err != nil {
		m.Close()
		return nil, fmt.Errorf("qmp: handshake with %s: %w", addr, err)
	}
	return m, nil
}

// readGreeting reads the first message, which must be the greeting.
func (m *Monitor) readGreeting(ctx context.Context, r *reader) error {
	stop := context.AfterFunc(ctx, func() { m.conn.SetReadDeadline(time.Unix(1, 0)) })
	msg, err := r.next()
	if !stop() {
		// The context ended during the read: report that, not the
		// deadline error it caused.
		return fmt.Errorf("qmp: waiting for greeting from %s (is another client connected?): %w", m.addr, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("qmp: read greeting from %s: %w", m.addr, err)
	}
	if msg.kind() != kindGreeting {
		return fmt.Errorf("qmp: %s did not greet with a QMP banner", m.addr)
	}
	if err := json.Unmarshal(msg.QMP, &m.greeting); err != nil {
		return fmt.Errorf("qmp: greeting from %s: %w", m.addr, err)
	}
	return nil
}

func (m *Monitor) readLoop(r *reader) {
	defer close(m.readEnd)
	// Only this goroutine sends events, so only it may close the channel.
	defer close(m.events)
	for {
		msg, err := r.next()
		if err != nil {
			if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
				// QEMU exiting with our bytes unread resets the
				// connection: that is a hang-up too.
				err = fmt.Errorf("%w: %w", io.EOF, err)
			}
			m.fail(err)
			return
		}
		switch msg.kind() {
		case kindEvent:
			m.deliver(msg.event())
		case kindReply:
			m.reply(msg)
		}
		// Anything else (a second greeting, unknown keys) is ignored:
		// newer QEMUs may add message types.
	}
}

// deliver queues an event, dropping the oldest one if the buffer is full.
func (m *Monitor) deliver(ev Event) {
	select {
	case m.events <- ev:
		return
	default:
	}
	select {
	case <-m.events:
		m.dropped.Add(1)
	default:
	}
	select {
	case m.events <- ev:
	default:
		m.dropped.Add(1)
	}
}

// reply hands a reply to the Execute waiting for its id. Replies nobody
// waits for (the caller's context ended) and replies without one of our
// ids are dropped.
func (m *Monitor) reply(msg message) {
	id, ok := msg.id()
	if !ok {
		return
	}
	m.mu.Lock()
	ch := m.pending[id]
	delete(m.pending, id)
	m.mu.Unlock()
	if ch == nil {
		return
	}
	if msg.Error != nil {
		ch <- response{err: msg.Error}
		return
	}
	ch <- response{ret: msg.Return}
}

// fail ends the monitor once: every waiting and every later call gets an
// error that wraps cause.
func (m *Monitor) fail(cause error) {
	m.mu.Lock()
	if m.err != nil {
		m.mu.Unlock()
		return
	}
	m.err = &closedError{addr: m.addr, cause: cause}
	pending := m.pending
	m.pending = nil
	m.mu.Unlock()
	for _, ch := range pending {
		ch <- response{err: m.err}
	}
	close(m.done)
	m.conn.Close()
}

// Execute runs command with args (nil for none) and decodes the reply's
// "return" value into result (nil to discard it). An error reply from QEMU
// is returned as *Error. If ctx ends first Execute returns its error; the
// command may still run in QEMU.
func (m *Monitor) Execute(ctx context.Context, command string, args, result any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("qmp %s: %w", command, err)
	}
	ch := make(chan response, 1)
	m.mu.Lock()
	if m.err != nil {
		err := m.err
		m.mu.Unlock()
		return fmt.Errorf("qmp %s: %w", command, err)
	}
	m.nextID++
	id := m.nextID
	m.pending[id] = ch
	m.mu.Unlock()

	line, err := json.Marshal(struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
		ID        uint64 `json:"id"`
	}{command, args, id})
	if err != nil {
		m.forget(id)
		return fmt.Errorf("qmp %s: encode arguments: %w", command, err)
	}
	if err := m.write(ctx, append(line, '\n')); err != nil {
		m.forget(id)
		return fmt.Errorf("qmp %s: %w", command, err)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			var qerr *Error
			if errors.As(r.err, &qerr) {
				return &Error{Command: command, Class: qerr.Class, Desc: qerr.Desc}
			}
			return fmt.Errorf("qmp %s: %w", command, r.err)
		}
		if result != nil && len(r.ret) > 0 {
			if err := json.Unmarshal(r.ret, result); err != nil {
				return fmt.Errorf("qmp %s: decode reply %.200q: %w", command, r.ret, err)
			}
		}
		return nil
	case <-ctx.Done():
		m.forget(id)
		return fmt.Errorf("qmp %s: %w", command, ctx.Err())
	}
}

// write sends one command line, giving up when ctx ends.
func (m *Monitor) write(ctx context.Context, line []byte) error {
	select {
	case m.writeSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-m.done:
		return m.Err()
	}
	defer func() { <-m.writeSem }()

	m.deadlineMu.Lock()
	m.writing = true
	m.deadlineMu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		m.deadlineMu.Lock()
		defer m.deadlineMu.Unlock()
		if m.writing {
			m.conn.SetWriteDeadline(time.Unix(1, 0))
		}
	})
	n, err := m.conn.Write(line)
	stop()
	m.deadlineMu.Lock()
	m.writing = false
	m.conn.SetWriteDeadline(time.Time{})
	m.deadlineMu.Unlock()
	if err == nil {
		return nil
	}
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
		// Nothing went out: the connection is still in step.
		return ctx.Err()
	}
	// Half a command on the wire cannot be taken back: the stream is
	// out of step, so the connection is done for everyone.
	m.fail(err)
	return m.Err()
}

func (m *Monitor) forget(id uint64) {
	m.mu.Lock()
	delete(m.pending, id)
	m.mu.Unlock()
}

// Events returns the channel of asynchronous events. It is closed after
// the connection is gone. Only the newest EventBuffer unread events are
// kept.
func (m *Monitor) Events() <-chan Event { return m.events }

// DroppedEvents is how many events were discarded because nobody read
// them in time.
func (m *Monitor) DroppedEvents() uint64 { return m.dropped.Load() }

// Done is closed when the connection is gone: QEMU exited or hung up, or
// Close was called.
func (m *Monitor) Done() <-chan struct{} { return m.done }

// Err returns why the connection is gone (matching ErrClosed), or nil
// while it is open.
func (m *Monitor) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Greeting returns what QEMU announced, including its version.
func (m *Monitor) Greeting() Greeting { return m.greeting }

// Close closes the connection and waits for its reader to stop. Calls
// still waiting fail with an error wrapping net.ErrClosed.
func (m *Monitor) Close() error {
	m.fail(net.ErrClosed)
	<-m.readEnd
	return nil
}

// StatusInfo is the reply of query-status. Status is QEMU's RunState:
// "running", "paused", "shutdown", "guest-panicked", "inmigrate"...
type StatusInfo struct {
	Running    bool   `json:"running"`
	Singlestep bool   `json:"singlestep"`
	Status     string `json:"status"`
}

// QueryStatus runs query-status.
func (m *Monitor) QueryStatus(ctx context.Context) (StatusInfo, error) {
	var s StatusInfo
	err := m.Execute(ctx, "query-status", nil, &s)
	return s, err
}
