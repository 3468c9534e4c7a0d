// Package qmp is a small client of the QEMU Machine Protocol. One Monitor
// is one connection to a QEMU process's QMP socket. Commands may be sent
// from many goroutines at once: replies are matched to commands by id.
// Asynchronous events are delivered on a channel.
package qmp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Error is an error reply from QEMU.
type Error struct {
	Class string `json:"class"`
	Desc  string `json:"desc"`
}

func (e *Error) Error() string { return "qmp: " + e.Class + ": " + e.Desc }

// Event is an asynchronous QMP event.
type Event struct {
	Name      string
	Data      json.RawMessage
	Timestamp time.Time
}

// ErrClosed is returned for calls on a monitor whose connection is gone.
var ErrClosed = errors.New("qmp: monitor connection closed")

// message is any message QEMU sends.
type message struct {
	QMP       json.RawMessage `json:"QMP"` // greeting
	Return    json.RawMessage `json:"return"`
	Error     *Error          `json:"error"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	ID        *uint64         `json:"id"`
	Timestamp struct {
		Seconds      int64 `json:"seconds"`
		Microseconds int64 `json:"microseconds"`
	} `json:"timestamp"`
}

// decodeMessage parses one message.
func decodeMessage(b []byte) (message, error) {
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("qmp: malformed message: %w", err)
	}
	return m, nil
}

type reply struct {
	ret json.RawMessage
	err error
}

// Monitor is a connection to one QEMU.
type Monitor struct {
	conn net.Conn

	writeMu sync.Mutex

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan reply
	closed  error

	events chan Event
	done   chan struct{}
}

// eventBuffer is how many unread events are kept; when full, the oldest is
// dropped, so a reader that does not care about events never blocks QMP.
const eventBuffer = 64

// Dial connects to a QMP unix socket and negotiates capabilities.
func Dial(ctx context.Context, socketPath string) (*Monitor, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("qmp: dial %s: %w", socketPath, err)
	}
	return newMonitor(ctx, conn)
}

func newMonitor(ctx context.Context, conn net.Conn) (*Monitor, error) {
	r := bufio.NewReaderSize(conn, 64<<10)
	// The greeting comes first; QEMU sends it as soon as it accepts.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	conn.SetReadDeadline(deadline)
	line, err := r.ReadBytes('\n')
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("qmp: read greeting: %w", err)
	}
	if m, err := decodeMessage(line); err != nil || m.QMP == nil {
		conn.Close()
		return nil, fmt.Errorf("qmp: expected a greeting, got %q", line)
	}
	conn.SetReadDeadline(time.Time{})
	m := &Monitor{conn: conn, pending: map[uint64]chan reply{}, events: make(chan Event, eventBuffer), done: make(chan struct{})}
	go m.readLoop(r)
	if err := m.Execute(ctx, "qmp_capabilities", nil, nil); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (m *Monitor) readLoop(r *bufio.Reader) {
	var err error
	for {
		var line []byte
		line, err = r.ReadBytes('\n')
		if len(line) > 0 {
			if msg, derr := decodeMessage(line); derr == nil {
				m.dispatch(msg)
			}
		}
		if err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = fmt.Errorf("%w (%w)", ErrClosed, err)
	}
	m.fail(err)
}

func (m *Monitor) dispatch(msg message) {
	if msg.Event != "" {
		ev := Event{Name: msg.Event, Data: msg.Data, Timestamp: time.Unix(msg.Timestamp.Seconds, msg.Timestamp.Microseconds*1000)}
		for {
			select {
			case m.events <- ev:
				return
			default:
				select { // full: drop the oldest
				case <-m.events:
				default:
				}
			}
		}
	}
	if msg.ID == nil {
		return
	}
	m.mu.Lock()
	ch := m.pending[*msg.ID]
	delete(m.pending, *msg.ID)
	m.mu.Unlock()
	if ch == nil {
		return
	}
	if msg.Error != nil {
		ch <- reply{err: msg.Error}
	} else {
		ch <- reply{ret: msg.Return}
	}
}

// fail ends the monitor: every waiting and later call gets err.
func (m *Monitor) fail(err error) {
	m.mu.Lock()
	if m.closed != nil {
		m.mu.Unlock()
		return
	}
	m.closed = err
	pending := m.pending
	m.pending = map[uint64]chan reply{}
	m.mu.Unlock()
	for _, ch := range pending {
		ch <- reply{err: err}
	}
	close(m.done)
	m.conn.Close()
}

// Execute runs a command; args and result may be nil. A QMP error reply
// is returned as *Error.
func (m *Monitor) Execute(ctx context.Context, command string, args, result any) error {
	ch := make(chan reply, 1)
	m.mu.Lock()
	if m.closed != nil {
		err := m.closed
		m.mu.Unlock()
		return err
	}
	m.nextID++
	id := m.nextID
	m.pending[id] = ch
	m.mu.Unlock()

	req := struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
		ID        uint64 `json:"id"`
	}{command, args, id}
	b, err := json.Marshal(req)
	if err != nil {
		m.forget(id)
		return fmt.Errorf("qmp: encode %s: %w", command, err)
	}
	m.writeMu.Lock()
	if d, ok := ctx.Deadline(); ok {
		m.conn.SetWriteDeadline(d)
	} else {
		m.conn.SetWriteDeadline(time.Time{})
	}
	_, err = m.conn.Write(append(b, '\n'))
	m.writeMu.Unlock()
	if err != nil {
		m.forget(id)
		m.fail(fmt.Errorf("%w (%w)", ErrClosed, err))
		return fmt.Errorf("qmp: send %s: %w", command, err)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		if result != nil && len(r.ret) > 0 {
			if err := json.Unmarshal(r.ret, result); err != nil {
				return fmt.Errorf("qmp: decode reply to %s: %w", command, err)
			}
		}
		return nil
	case <-ctx.Done():
		m.forget(id)
		return ctx.Err()
	}
}

func (m *Monitor) forget(id uint64) {
	m.mu.Lock()
	delete(m.pending, id)
	m.mu.Unlock()
}

// Events returns the channel of asynchronous events.
func (m *Monitor) Events() <-chan Event { return m.events }

// Done is closed when the connection is gone (for example QEMU exited).
func (m *Monitor) Done() <-chan struct{} { return m.done }

// Err returns why the monitor closed, nil while it is open.
func (m *Monitor) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// Close closes the connection.
func (m *Monitor) Close() error {
	m.fail(ErrClosed)
	return nil
}

// Status is the reply of query-status.
type Status struct {
	Running bool   `json:"running"`
	Status  string `json:"status"`
}

// QueryStatus runs query-status.
func (m *Monitor) QueryStatus(ctx context.Context) (Status, error) {
	var s Status
	err := m.Execute(ctx, "query-status", nil, &s)
	return s, err
}
