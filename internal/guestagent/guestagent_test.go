package guestagent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeAgent is a qemu-ga stand-in on a unix socket. It answers
// guest-sync-delimited itself and other commands through handle, which
// returns the reply line ("" for none).
type fakeAgent struct {
	path   string
	stale  string // written as soon as a client connects
	ignore int    // sync requests to drop, as if the agent were not up yet
	handle func(cmd string, args json.RawMessage) string

	mu       sync.Mutex
	commands []string
}

func startFake(t *testing.T, f *fakeAgent) *fakeAgent {
	t.Helper()
	// Fake agents that drop sync requests should not slow the tests. (No
	// test is parallel, so changing the package's variables is safe.)
	oldMin, oldMax := syncRetryMin, syncRetryMax
	syncRetryMin, syncRetryMax = 20*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { syncRetryMin, syncRetryMax = oldMin, oldMax })
	f.path = filepath.Join(t.TempDir(), "qga.sock")
	l, err := net.Listen("unix", f.path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
			wg.Go(func() { f.serve(conn) })
		}
	})
	return f
}

func (f *fakeAgent) serve(conn net.Conn) {
	conn.Write([]byte(f.stale))
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		// Like qemu-ga, 0xFF resets the parser: keep what follows the last.
		if i := bytes.LastIndexByte(line, delimiter); i >= 0 {
			line = line[i+1:]
		}
		var req struct {
			Execute   string          `json:"execute"`
			Arguments json.RawMessage `json:"arguments"`
		}
		if err := json.Unmarshal(line, &req); err != nil {
			conn.Write([]byte(`{"error": {"class": "GenericError", "desc": "bad JSON"}}` + "\n"))
			continue
		}
		f.mu.Lock()
		f.commands = append(f.commands, req.Execute)
		ignore := req.Execute == "guest-sync-delimited" && f.ignore > 0
		if ignore {
			f.ignore--
		}
		f.mu.Unlock()
		var reply string
		switch {
		case ignore:
		case req.Execute == "guest-sync-delimited":
			var a struct{ ID int64 }
			json.Unmarshal(req.Arguments, &a)
			reply = fmt.Sprintf("\xff{\"return\": %d}\n", a.ID)
		case f.handle != nil:
			reply = f.handle(req.Execute, req.Arguments)
		}
		conn.Write([]byte(reply))
	}
}

func (f *fakeAgent) syncs() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.commands {
		if c == "guest-sync-delimited" {
			n++
		}
	}
	return n
}

func dial(t *testing.T, path string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSyncSkipsStaleBytesAndRetries(t *testing.T) {
	var gotArgs json.RawMessage
	f := startFake(t, &fakeAgent{
		// A reply an earlier client never read, a delimited reply to
		// someone else's sync and a half line.
		stale:  "{\"return\": {}}\n\xff{\"return\": 42}\n{\"return\": 7",
		ignore: 2,
		handle: func(cmd string, args json.RawMessage) string {
			switch cmd {
			case "guest-ping":
				return `{"return": {}}` + "\n"
			case "guest-set-user-password":
				gotArgs = args
				return `{"return": {}}` + "\n"
			case "guest-info":
				return `{"return": {"version": "7.2.0", "supported_commands": [{"enabled": true, "name": "guest-ping", "success-response": true}]}}` + "\n"
			case "guest-fsfreeze-freeze":
				return `{"return": 2}` + "\n"
			case "guest-fsfreeze-thaw":
				return `{"return": 2}` + "\n"
			case "guest-fsfreeze-status":
				return `{"return": "thawed"}` + "\n"
			}
			return ""
		},
	})
	c := dial(t, f.path)
	if n := f.syncs(); n != 3 {
		t.Errorf("sync requests = %d, want 3 (two dropped)", n)
	}
	ctx := t.Context()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.SetUserPassword(ctx, "root", "n3w-pass", false); err != nil {
		t.Fatal(err)
	}
	var args map[string]any
	json.Unmarshal(gotArgs, &args)
	if args["username"] != "root" || args["password"] != "bjN3LXBhc3M=" || args["crypted"] != false {
		t.Errorf("guest-set-user-password arguments = %s", gotArgs)
	}
	info, err := c.Info(ctx)
	if err != nil || info.Version != "7.2.0" || len(info.SupportedCommands) != 1 || !info.SupportedCommands[0].Enabled {
		t.Errorf("Info = %+v, %v", info, err)
	}
	if n, err := c.FSFreeze(ctx); n != 2 || err != nil {
		t.Errorf("FSFreeze = %d, %v", n, err)
	}
	if n, err := c.FSThaw(ctx); n != 2 || err != nil {
		t.Errorf("FSThaw = %d, %v", n, err)
	}
	if s, err := c.FSFreezeStatus(ctx); s != "thawed" || err != nil {
		t.Errorf("FSFreezeStatus = %q, %v", s, err)
	}
	if n := f.syncs(); n != 3 {
		t.Errorf("sync requests = %d after successful calls, want still 3", n)
	}
	c.Close()
	if err := c.Ping(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping after Close = %v, want ErrClosed", err)
	}
}

func TestErrorReply(t *testing.T) {
	f := startFake(t, &fakeAgent{handle: func(cmd string, _ json.RawMessage) string {
		if cmd == "guest-fsfreeze-freeze" {
			return `{"error": {"class": "GenericError", "desc": "failed to freeze /: Device or resource busy"}}` + "\n"
		}
		return `{"return": {}}` + "\n"
	}})
	c := dial(t, f.path)
	_, err := c.FSFreeze(t.Context())
	var ae *Error
	if !errors.As(err, &ae) || ae.Class != "GenericError" || ae.Desc != "failed to freeze /: Device or resource busy" {
		t.Fatalf("FSFreeze error = %#v", err)
	}
	// An error reply is a whole reply: no resync is needed.
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := f.syncs(); n != 1 {
		t.Errorf("sync requests = %d, want 1", n)
	}
}

func TestContextTimeout(t *testing.T) {
	release := make(chan struct{})
	f := startFake(t, &fakeAgent{handle: func(cmd string, _ json.RawMessage) string {
		if cmd == "guest-fsfreeze-freeze" {
			<-release // a slow command whose reply comes too late
			return `{"return": 1}` + "\n"
		}
		return `{"return": {}}` + "\n"
	}})
	t.Cleanup(func() { // before the fake's cleanup, which waits for it
		select {
		case <-release:
		default:
			close(release)
		}
	})
	c := dial(t, f.path)

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.FSFreeze(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FSFreeze = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("FSFreeze returned after %v", d)
	}

	// Cancellation without a deadline interrupts a call too.
	ctx, cancel = context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.FSFreeze(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("FSFreeze = %v, want Canceled", err)
	}

	// The late replies must not be taken for the next call's.
	close(release)
	if err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := f.syncs(); n < 2 {
		t.Errorf("sync requests = %d, want a resync after the timeouts", n)
	}

	// An agent that never answers: Dial gives up with ctx.
	silent := startFake(t, &fakeAgent{ignore: 1 << 30})
	ctx, cancel = context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := Dial(ctx, silent.path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial to a silent agent = %v, want DeadlineExceeded", err)
	}
}
