// Package guestagent is a small client of the QEMU guest agent (qemu-ga)
// protocol, spoken over the host side of the guest's
// org.qemu.guest_agent.0 virtio-serial port (a QEMU chardev unix socket).
//
// The protocol is QMP without a greeting or capabilities negotiation, and
// without events. The agent answers one command at a time, in order, so a
// Client runs one command at a time. Because the socket outlives agents
// (the guest may not have started qemu-ga yet, may restart it, or an
// earlier client may have left a reply unread), the stream is resynchronised
// with guest-sync-delimited when dialling and after any call that failed
// half-way.
package guestagent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Error is an error reply from the guest agent.
type Error struct {
	Class string `json:"class"`
	Desc  string `json:"desc"`
}

func (e *Error) Error() string { return "guest agent: " + e.Class + ": " + e.Desc }

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("guestagent: client closed")

// delimiter is the byte qemu-ga puts before a guest-sync-delimited reply and
// the byte that makes it reset its JSON parser: it never occurs in UTF-8.
const delimiter = 0xFF

// Synchronisation resends guest-sync-delimited after these waits (doubling)
// when nothing answers: the request may have been lost if the agent was not
// listening yet. Variables so tests can make them short.
var (
	syncRetryMin = 250 * time.Millisecond
	syncRetryMax = time.Second
)

// Client is a connection to one guest agent. Its methods may be called from
// several goroutines; calls are serialised.
type Client struct {
	conn   net.Conn
	closed atomic.Bool

	mu     sync.Mutex // held for a whole call: the agent has no request ids
	r      *bufio.Reader
	synced bool // false when a reply may still be on its way or half read
}

// Dial connects to the guest agent's chardev socket and synchronises with
// the agent, waiting (until ctx is done) for it to come up.
func Dial(ctx context.Context, socketPath string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("guestagent: dial %s: %w", socketPath, err)
	}
	c := &Client{conn: conn, r: bufio.NewReader(conn)}
	c.mu.Lock()
	err = c.call(ctx, func() error { return c.sync(ctx) })
	c.mu.Unlock()
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the connection; a call in progress fails.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	return c.conn.Close()
}

// call runs f with the connection's deadline following ctx. It must be
// called with c.mu held.
func (c *Client) call(ctx context.Context, f func() error) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("guestagent: %w", err)
	}
	dl, _ := ctx.Deadline() // zero: none
	c.conn.SetDeadline(dl)
	// Cancellation without a deadline interrupts blocked I/O through a
	// deadline in the past.
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.conn.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	err := f()
	if !stop() {
		<-fired // so it cannot move the deadline of the next call
	}
	var agentErr *Error
	if err == nil || errors.As(err, &agentErr) {
		return err // the reply was read whole: still in sync
	}
	c.synced = false
	switch {
	case c.closed.Load():
		return ErrClosed
	case ctx.Err() != nil:
		return fmt.Errorf("guestagent: %w", ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The socket deadline can fire a hair before ctx's timer.
		return fmt.Errorf("guestagent: %w", context.DeadlineExceeded)
	}
	return err
}

// sync discards whatever is in the stream until the agent echoes a fresh
// random id behind the delimiter.
func (c *Client) sync(ctx context.Context) error {
	ctxDeadline, _ := ctx.Deadline()
	wait := syncRetryMin
	for {
		id := rand.Int64()
		req, _ := json.Marshal(map[string]any{"execute": "guest-sync-delimited", "arguments": map[string]int64{"id": id}})
		// The leading delimiter makes the agent drop any half-parsed input.
		if _, err := c.conn.Write(append(append([]byte{delimiter}, req...), '\n')); err != nil {
			return fmt.Errorf("guestagent: sync: %w", err)
		}
		// A per-attempt deadline, then check ctx: if it was cancelled
		// before this, the AfterFunc's past deadline was just overwritten.
		attempt := time.Now().Add(wait)
		if !ctxDeadline.IsZero() && ctxDeadline.Before(attempt) {
			attempt = ctxDeadline
		}
		c.conn.SetReadDeadline(attempt)
		if err := ctx.Err(); err != nil {
			return err
		}
		err := c.awaitSync(id)
		if err == nil {
			c.conn.SetReadDeadline(ctxDeadline)
			c.synced = true
			return ctx.Err() // as above: a cancellation may have been overwritten
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) || ctx.Err() != nil {
			return fmt.Errorf("guestagent: sync: %w", err)
		}
		wait = min(2*wait, syncRetryMax)
	}
}

// awaitSync reads delimited replies until the one carrying id. Anything
// else (stale replies, answers to earlier sync attempts, garbage) is skipped.
func (c *Client) awaitSync(id int64) error {
	for {
		if _, err := c.r.ReadBytes(delimiter); err != nil {
			return err
		}
		line, err := c.r.ReadBytes('\n')
		if err != nil {
			return err
		}
		var m struct {
			Return *int64 `json:"return"`
		}
		if json.Unmarshal(line, &m) == nil && m.Return != nil && *m.Return == id {
			return nil
		}
	}
}

// Execute runs an agent command; args and result may be nil. An error
// reply is returned as *Error.
func (c *Client) Execute(ctx context.Context, command string, args, result any) error {
	req, err := json.Marshal(struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
	}{command, args})
	if err != nil {
		return fmt.Errorf("guestagent: encode %s: %w", command, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.call(ctx, func() error {
		if !c.synced {
			if err := c.sync(ctx); err != nil {
				return err
			}
		}
		if _, err := c.conn.Write(append(req, '\n')); err != nil {
			return fmt.Errorf("guestagent: send %s: %w", command, err)
		}
		line, err := c.readLine()
		if err != nil {
			return fmt.Errorf("guestagent: read reply to %s: %w", command, err)
		}
		var reply struct {
			Return json.RawMessage `json:"return"`
			Error  *Error          `json:"error"`
		}
		if err := json.Unmarshal(line, &reply); err != nil {
			return fmt.Errorf("guestagent: malformed reply to %s: %q", command, line)
		}
		if reply.Error != nil {
			return reply.Error
		}
		if reply.Return == nil {
			return fmt.Errorf("guestagent: malformed reply to %s: %q", command, line)
		}
		if result != nil {
			if err := json.Unmarshal(reply.Return, result); err != nil {
				return fmt.Errorf("guestagent: decode reply to %s: %w", command, err)
			}
		}
		return nil
	})
}

// readLine returns the next non-blank line.
func (c *Client) readLine() ([]byte, error) {
	for {
		line, err := c.r.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return line, nil
		}
	}
}

// Ping checks that the agent answers (guest-ping).
func (c *Client) Ping(ctx context.Context) error {
	return c.Execute(ctx, "guest-ping", nil, nil)
}

// SetUserPassword sets a guest user's password (guest-set-user-password).
// If crypted, password is already hashed as the guest's chpasswd -e expects.
func (c *Client) SetUserPassword(ctx context.Context, user, password string, crypted bool) error {
	// The protocol carries the password base64-encoded.
	args := map[string]any{
		"username": user,
		"password": base64.StdEncoding.EncodeToString([]byte(password)),
		"crypted":  crypted,
	}
	return c.Execute(ctx, "guest-set-user-password", args, nil)
}

// Info is the reply of guest-info.
type Info struct {
	Version           string        `json:"version"`
	SupportedCommands []CommandInfo `json:"supported_commands"`
}

// CommandInfo describes one command the agent knows.
type CommandInfo struct {
	Name            string `json:"name"`
	Enabled         bool   `json:"enabled"`
	SuccessResponse bool   `json:"success-response"`
}

// Info returns the agent's version and commands (guest-info).
func (c *Client) Info(ctx context.Context) (Info, error) {
	var info Info
	err := c.Execute(ctx, "guest-info", nil, &info)
	return info, err
}

// FSFreeze freezes the guest's file systems (guest-fsfreeze-freeze) and
// returns how many were frozen.
func (c *Client) FSFreeze(ctx context.Context) (int, error) {
	var n int
	err := c.Execute(ctx, "guest-fsfreeze-freeze", nil, &n)
	return n, err
}

// FSThaw thaws the guest's file systems (guest-fsfreeze-thaw) and returns
// how many were thawed.
func (c *Client) FSThaw(ctx context.Context) (int, error) {
	var n int
	err := c.Execute(ctx, "guest-fsfreeze-thaw", nil, &n)
	return n, err
}

// FSFreezeStatus returns "thawed" or "frozen" (guest-fsfreeze-status).
func (c *Client) FSFreezeStatus(ctx context.Context) (string, error) {
	var s string
	err := c.Execute(ctx, "guest-fsfreeze-status", nil, &s)
	return s, err
}
